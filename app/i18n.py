"""Translation helpers: ``_`` in code that runs in a request or with a known locale, ``_l`` for strings
defined at import time, ``ngettext`` for counts. Every user-facing string goes through one of them."""

from flask import g, has_app_context
from flask_babel import Domain, get_locale
from flask_babel import get_translations as babel_translations
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln

__all__ = ["_", "_l", "_ln", "catalog", "ngettext"]


def catalog():
    """The catalog of the locale in force (Flask-Babel's translations object), as ``KeptTranslationsDomain``
    keeps it; found through the domain when none is kept for that locale."""
    if has_app_context():
        kept = _kept(g._get_current_object().__dict__.get("_flask_babel"))
        if kept is not None:
            return kept
    return babel_translations()


def _kept(state):
    kept = getattr(state, "eventdesk_catalog", None)
    if kept is not None and kept[0] is getattr(state, "babel_locale", None):
        return kept[1]
    return None


def _(string: str, **variables) -> str:
    """``string`` translated into the language in force, with ``variables`` put in (as Flask-Babel's gettext)."""
    translated = catalog().ugettext(string)
    return translated % variables if variables else translated


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """The singular or plural form for ``num``, translated; ``num`` is among the variables (as Flask-Babel's)."""
    variables.setdefault("num", num)
    return catalog().ungettext(singular, plural, num) % variables


class KeptTranslationsDomain(Domain):
    """Flask-Babel's message domain, keeping the catalog of the locale in force.

    Flask-Babel finds the catalog anew for every string: the context, the domain, the locale, its identifier
    as a string, a dictionary lookup. A page or an email asks for dozens. The catalog is kept in Flask-Babel's
    own state of the application context, with the locale object it is for: another locale in force (after
    ``refresh``, inside ``force_locale``) has its catalog found again. ``catalog`` reads it without asking
    the domain."""

    def get_translations(self):
        if not has_app_context():
            return super().get_translations()
        kept = _kept(g.get("_flask_babel"))
        if kept is not None:
            return kept
        translations = super().get_translations()
        g._flask_babel.eventdesk_catalog = (get_locale(), translations)
        return translations


def install_template_callables(environment) -> None:
    """Templates' ``_``, ``gettext`` and ``ngettext`` through the kept catalog (Flask-Babel installs its own,
    which look the catalog up for every string)."""
    environment.install_gettext_callables(
        gettext=lambda message: catalog().ugettext(message),
        ngettext=lambda singular, plural, n: catalog().ungettext(singular, plural, n),
        newstyle=True,
        pgettext=lambda context, message: catalog().upgettext(context, message),
        npgettext=lambda context, singular, plural, n: catalog().unpgettext(context, singular, plural, n),
    )
