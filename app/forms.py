"""Validators and fields shared by the forms of several domains."""

import functools
import re

from flask_wtf import FlaskForm
from wtforms import Field, SelectChoice, StringField
from wtforms.csrf.core import CSRFTokenField
from wtforms.validators import ValidationError
from wtforms.widgets import HiddenInput

from app import timezones
from app.countries import country_choices, is_country
from app.i18n import _
from app.text import clean_name, web_address

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")


class NoControlCharacters:
    """Reject control characters; single-line fields also reject line breaks."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field):
        value = field.data or ""
        if not isinstance(value, str):
            return
        if _CONTROL.search(value) or (not self.multiline and _LINE_BREAK.search(value)):
            raise ValidationError(_("Please remove the control characters or line breaks from this field."))


class VisibleName:
    """A name or organisation without invisible or direction-changing characters: they are removed
    (``clean_name``), and a value with nothing visible left is refused."""

    def __init__(self, message: str | None = None):
        self.message = message

    def __call__(self, form, field):
        if field.data is None or not isinstance(field.data, str):
            return
        field.data = clean_name(field.data)
        if not field.data:
            raise ValidationError(str(self.message) if self.message else _("Please write a name with visible letters."))


class WebAddress:
    """An http(s) address without spaces, line breaks or control characters."""

    def __call__(self, form, field):
        if field.data and web_address(field.data) is None:
            raise ValidationError(_("Give a full web address starting with https://, without spaces or line breaks."))


class ValidZone:
    """An IANA zone name; a legacy alias is replaced by the zone's current name."""

    def __call__(self, form, field):
        if field.data and not timezones.is_zone(field.data):
            raise ValidationError(_("Choose a time zone from the list, for instance Europe/Berlin or Asia/Tbilisi."))
        field.data = timezones.canonical(field.data)


class ValidCountry:
    def __call__(self, form, field):
        if field.data and not is_country(field.data):
            raise ValidationError(_("Choose a country from the list."))


class StrippedStringField(StringField):
    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if isinstance(self.data, str):
            self.data = self.data.strip()


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices (tuples are deprecated)."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def country_options(first: str | None = None) -> list[SelectChoice]:
    """Every country, named and sorted in the reader's language, after an optional empty choice."""
    return choices(([("", first)] if first is not None else []) + country_choices())


class _HiddenInputWithoutId(HiddenInput):
    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", False)
        return super().__call__(field, **kwargs)


class DrawnCSRFTokenField(CSRFTokenField):
    """A form's CSRF token input, rendered without an id: a page with several forms (an event page, the
    personal page) would otherwise repeat id="csrf_token", and nothing refers to it.

    Its token is made when the form is drawn, not when it is built: a post that succeeds answers with a
    redirect and never draws its form, and signing a token it would not show cost a sign-up as much as
    validating its address."""

    widget = _HiddenInputWithoutId()

    def process(self, *args, **kwargs):
        Field.process(self, *args, **kwargs)  # CSRFTokenField.process signs a token at once

    @functools.cached_property
    def current_token(self) -> str:
        return self.csrf_impl.generate_csrf_token(self)


class _DrawnCSRF(FlaskForm.Meta.csrf_class):
    field_class = DrawnCSRFTokenField


def use_drawn_csrf_token_fields() -> None:
    """Every FlaskForm's CSRF token field is a ``DrawnCSRFTokenField``."""
    FlaskForm.Meta.csrf_class = _DrawnCSRF


def prefix_ids(form, prefix: str) -> None:
    """Give ``form``'s element ids (and the labels pointing at them) a prefix, keeping the submitted names:
    for pages that hold several forms with fields of the same name."""
    for field in form:
        field.id = f"{prefix}{field.id}"
        field.label.field_id = field.id
