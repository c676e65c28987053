from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
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
    code = StrippedStringField(
        "Invitation code (if you have one)", validators=[Optional(), Length(max=40), NoControlCharacters()]
    )
    invitation = HiddenField()
    website = StringField("Website", validators=[Optional(), Length(max=200)])  # honeypot
    submit = SubmitField("Register")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Category, sessions and the event's own questions are drawn by the template from the event's
        # shape; their values and errors live here.
        self.raw = request.form if request.method == "POST" else MultiDict()
        self.extra_errors: dict[str, str] = {}

    def to_data(self) -> RegistrationData:
        answers = {}
        for key in self.raw:
            question_id = parse_id(key[2:]) if key.startswith("q_") else None
            if question_id:
                answers[question_id] = [value[:10_000] for value in self.raw.getlist(key)[:100]]
        return RegistrationData(
            category_id=parse_id(self.raw.get("category_id")),
            answers=answers,
            session_ids=[i for i in (parse_id(v) for v in self.raw.getlist("session_ids")[:100]) if i],
            invitation_token=(self.invitation.data or "")[:200],
            code=self.code.data or "",
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


class DeclineInvitationForm(FlaskForm):
    submit = SubmitField("I cannot take part")


class SessionChoiceForm(FlaskForm):
    # The session checkboxes are drawn by the template; the service checks the ids.
    submit = SubmitField("Save my sessions")


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


def show_registration_errors(form: RegistrationForm, error) -> None:
    """A domain error next to its field: a standard one, or a question, category or session choice."""
    for name, message in error.fields.items():
        target = getattr(form, name, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, message]
        else:
            form.extra_errors[name] = message
