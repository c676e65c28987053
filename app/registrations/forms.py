from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from app.countries import country_choices
from app.desks.models import EXPERT_TYPES
from app.forms import NoControlCharacters, StrippedStringField, ValidCountry, ValidZone, choices
from app.i18n import _, _l
from app.locales import language_choices
from app.registrations.models import STATUS_LABELS
from app.registrations.services import DECISIONS, RegistrationData
from app.web import parse_id


class RegistrationForm(FlaskForm):
    name = StrippedStringField(_l("Full name"), validators=[DataRequired(), Length(max=200), NoControlCharacters()])
    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(),
            Length(max=254),
            # Mail relays take an internationalised domain, but not a non-ASCII name before the @.
            Email(message=_l("Enter a valid email address, like name@example.org."), allow_smtputf8=False),
        ],
        description=_l("We send a link to confirm it, and later your personal access link."),
    )
    organisation = StrippedStringField(
        _l("Organisation or municipality"), validators=[DataRequired(), Length(max=200), NoControlCharacters()]
    )
    country = SelectField(
        _l("Country"),
        choices=lambda: choices([("", _("Choose your country")), *country_choices()]),
        validators=[DataRequired(message=_l("Choose your country.")), ValidCountry()],
    )
    position = StrippedStringField(
        _l("Role or position"), validators=[Optional(), Length(max=200), NoControlCharacters()]
    )
    expert_type = RadioField(
        _l("You are"),
        choices=choices(EXPERT_TYPES.items()),
        default="international",
        validators=[InputRequired(message=_l("Choose one."))],
    )
    timezone = StrippedStringField(
        _l("Your time zone"),
        validators=[DataRequired(), Length(max=64), ValidZone()],
        description=_l(
            "Emails and your personal page show times in this zone and in the event's. Start typing to search."
        ),
    )
    message = TextAreaField(
        _l("Message to the organisers (optional)"),
        validators=[Optional(), Length(max=2000), NoControlCharacters(multiline=True)],
    )
    consent = BooleanField(
        _l("I agree that my details are stored and used to organise this event, as the privacy notice explains."),
        validators=[DataRequired(message=_l("Please agree so that we can register you."))],
    )
    website = StringField(_l("Website"), validators=[Optional(), Length(max=200)])  # honeypot
    submit = SubmitField(_l("Register"))

    def to_data(self) -> RegistrationData:
        return RegistrationData(
            name=self.name.data,
            email=self.email.data.strip(),
            organisation=self.organisation.data or "",
            country=self.country.data,
            position=self.position.data or "",
            expert_type=self.expert_type.data,
            timezone=self.timezone.data,
            message=(self.message.data or "").strip(),
            consent=bool(self.consent.data),
        )


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Confirm my email address"))


class TimezoneForm(FlaskForm):
    timezone = StrippedStringField(_l("Show my times in"), validators=[DataRequired(), Length(max=64), ValidZone()])
    submit = SubmitField(_l("Save time zone"))


class CancelForm(FlaskForm):
    confirm = BooleanField(
        _l("Yes, cancel my registration"), validators=[DataRequired(message=_l("Tick the box to confirm."))]
    )
    submit = SubmitField(_l("Cancel my registration"))


class DeleteDataForm(FlaskForm):
    confirm = BooleanField(
        _l("Yes, delete my personal data (this also cancels my registration)"),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Delete my data"))


class JoinForm(FlaskForm):
    submit = SubmitField(_l("Open my access link"))


class DecisionForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=choices(DECISIONS.items()))
    ids = SelectMultipleField(_l("Registrations"), coerce=lambda value: parse_id(value) or 0, validate_choice=False)
    message = TextAreaField(
        _l("Message to include in the email (optional)"),
        validators=[Optional(), Length(max=2000), NoControlCharacters(multiline=True)],
    )
    submit = SubmitField(_l("Apply"))


STATUS_FILTER_CHOICES = [("", _l("All"))] + list(STATUS_LABELS.items())


class LanguageForm(FlaskForm):
    """The language of the participant's emails and invites, on their personal page."""

    language = SelectField(
        _l("Language of your emails and calendar invitations"),
        choices=choices(language_choices()),
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Save language"))
