"""Translation helpers: ``_`` in code that runs in a request or with a known locale, ``_l`` for strings
defined at import time, ``ngettext`` for counts. Every user-facing string goes through one of them."""

from flask_babel import Domain, _get_current_context, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln

__all__ = ["_", "_l", "_ln", "ngettext"]


class KeptTranslationsDomain(Domain):
    """Flask-Babel's message domain, keeping the catalog of the locale in force in the application context.

    Flask-Babel finds the catalog anew for every string: the context, the locale, its identifier as a string,
    a dictionary lookup. A page or an email asks for dozens. The catalog is kept with the locale it is for:
    when the locale changes (``refresh``, ``force_locale``, the next request), the locale object is another
    one and the catalog is found again."""

    def get_translations(self):
        context = _get_current_context()
        if context is None:
            return super().get_translations()
        locale = get_locale()
        kept = getattr(context, "eventdesk_translations", None)
        if kept is not None and kept[0] is locale and kept[1] is self:
            return kept[2]
        translations = super().get_translations()
        context.eventdesk_translations = (locale, self, translations)
        return translations
