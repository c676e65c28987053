"""Translation helpers: ``_`` in code that runs in a request or with a known locale, ``_l`` for strings
defined at import time, ``ngettext`` for counts. Every user-facing string goes through one of them."""

from flask import g, has_app_context
from flask_babel import Domain, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln

__all__ = ["_", "_l", "_ln", "ngettext"]


class KeptTranslationsDomain(Domain):
    """Flask-Babel's message domain, keeping the catalog of the locale in force in the application context.

    Flask-Babel finds the catalog anew for every string: the context, the locale, its identifier as a string,
    a dictionary lookup. A page or an email asks for dozens. The catalog is kept with the locale object it is
    for: another locale in force (after ``refresh`` or in ``force_locale``) has its catalog found again."""

    def get_translations(self):
        if not has_app_context():
            return super().get_translations()
        locale = get_locale()
        kept = g.get("_eventdesk_translations")
        if kept is not None and kept[0] is locale and kept[1] is self:
            return kept[2]
        translations = super().get_translations()
        g._eventdesk_translations = (locale, self, translations)
        return translations
