"""Translation helpers: ``_`` in code that runs in a request or with a known locale, ``_l`` for strings
defined at import time, ``ngettext`` for counts. Every user-facing string goes through one of them."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from flask_babel import ngettext

__all__ = ["_", "_l", "_ln", "ngettext"]
