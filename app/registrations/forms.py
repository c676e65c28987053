from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from app.countries import COUNTRY_CHOICES
from app.desks.models import EXPERT_TYPES
from app.forms import NoControlCharacters, StrippedStringField, ValidCountry, ValidZone, choices
from app.registrations.models import STATUS_LABELS
from app.registrations.services import DECISIONS, RegistrationData
from app.web import parse_id


class RegistrationForm(FlaskForm):
    name = StrippedStringField("Full name", validators=[DataRequired(), Length(max=200), NoControlCharacters()])
    email = EmailField(
        "Email",
        validators=[
            DataRequired(),
            Length(max=254),
            # Mail relays take an internationalised domain, but not a non-ASCII name before the @.
            Email(message="Enter a valid email address, like name@example.org.", allow_smtputf8=False),
        ],
        description="We send a link to confirm it, and later your personal access link.",
    )
    organisation = StrippedStringField(
        "Organisation or municipality", validators=[DataRequired(), Length(max=200), NoControlCharacters()]
    )
    country = SelectField(
        "Country",
        choices=choices([("", "Choose your country"), *COUNTRY_CHOICES]),
        validators=[DataRequired(message="Choose your country."), ValidCountry()],
    )
    position = StrippedStringField("Role or position", validators=[Optional(), Length(max=200), NoControlCharacters()])
    expert_type = RadioField(
        "You are",
        choices=choices(EXPERT_TYPES.items()),
        default="international",
        validators=[InputRequired(message="Choose one.")],
    )
    timezone = StrippedStringField(
        "Your time zone",
        validators=[DataRequired(), Length(max=64), ValidZone()],
        description="Emails and your personal page show times in this zone and in the event's. Start typing to search.",
    )
    message = TextAreaField(
        "Message to the organisers (optional)",
        validators=[Optional(), Length(max=2000), NoControlCharacters(multiline=True)],
    )
    consent = BooleanField(
        "I agree that my details are stored and used to organise this event, as the privacy notice explains.",
        validators=[DataRequired(message="Please agree so that we can register you.")],
    )
    list_in_directory = BooleanField(
        "List me in the participant directory, so that the other confirmed participants can see my name, "
        "organisation, country and role and write to me (my email address stays hidden)"
    )
    website = StringField("Website", validators=[Optional(), Length(max=200)])  # honeypot
    submit = SubmitField("Register")

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
    submit = SubmitField("Confirm my email address")


class TimezoneForm(FlaskForm):
    timezone = StrippedStringField("Show my times in", validators=[DataRequired(), Length(max=64), ValidZone()])
    submit = SubmitField("Save time zone")


class CancelForm(FlaskForm):
    confirm = BooleanField("Yes, cancel my registration", validators=[DataRequired(message="Tick the box to confirm.")])
    submit = SubmitField("Cancel my registration")


class DeleteDataForm(FlaskForm):
    confirm = BooleanField(
        "Yes, delete my personal data (this also cancels my registration)",
        validators=[DataRequired(message="Tick the box to confirm.")],
    )
    submit = SubmitField("Delete my data")


class JoinForm(FlaskForm):
    submit = SubmitField("Open my access link")


class DecisionForm(FlaskForm):
    decision = SelectField("Decision", choices=choices(DECISIONS.items()))
    ids = SelectMultipleField("Registrations", coerce=lambda value: parse_id(value) or 0, validate_choice=False)
    message = TextAreaField(
        "Message to include in the email (optional)",
        validators=[Optional(), Length(max=2000), NoControlCharacters(multiline=True)],
    )
    # Set only by the confirmation page of a destructive decision (reject, cancel).
    confirmed = HiddenField()
    submit = SubmitField("Apply")


STATUS_FILTER_CHOICES = [("", "All")] + list(STATUS_LABELS.items())
