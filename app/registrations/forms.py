from flask import request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    FloatField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from app.countries import COUNTRY_CHOICES
from app.desks.models import EXPERT_TYPES
from app.forms import (
    NoControlCharacters,
    StrippedStringField,
    ValidCountry,
    ValidZone,
    VisibleName,
    choices,
    prefix_ids,
)
from app.registrations.models import STATUS_LABELS
from app.registrations.services import DECISIONS, KIND_LABELS, CategoryData, QuestionData, RegistrationData
from app.web import parse_id


class RegistrationForm(FlaskForm):
    name = StrippedStringField(
        "Full name", validators=[DataRequired(), Length(max=200), NoControlCharacters(), VisibleName()]
    )
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
        "Organisation or municipality",
        validators=[
            DataRequired(),
            Length(max=200),
            NoControlCharacters(),
            VisibleName("Please name your organisation."),
        ],
    )
    country = SelectField(
        "Country",
        choices=choices([("", "Choose your country"), *COUNTRY_CHOICES]),
        validators=[DataRequired(message="Choose your country."), ValidCountry()],
    )
    position = StrippedStringField(
        "Role or position", validators=[Optional(), Length(max=200), NoControlCharacters(), VisibleName()]
    )
    expert_type = RadioField(
        "You are",
        choices=choices(EXPERT_TYPES.items()),
        # No pre-selection: the answer decides which desk reviews the registration.
        validators=[InputRequired(message="Tell us whether you are an international or a German expert.")],
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
    list_in_directory = BooleanField(
        "List me in the participant directory, so that the other confirmed participants can see my name, "
        "organisation, country and role and write to me (my email address stays hidden)"
    )
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        prefix_ids(self, "timezone-form-")


class CancelForm(FlaskForm):
    confirm = BooleanField("Yes, cancel my registration", validators=[DataRequired(message="Tick the box to confirm.")])
    submit = SubmitField("Cancel my registration")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        prefix_ids(self, "cancel-")


class DeleteDataForm(FlaskForm):
    confirm = BooleanField(
        "Yes, delete my personal data (this also cancels my registration)",
        validators=[DataRequired(message="Tick the box to confirm.")],
    )
    submit = SubmitField("Delete my data")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        prefix_ids(self, "delete-")


class JoinForm(FlaskForm):
    submit = SubmitField("Open my access link")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        prefix_ids(self, "join-")


class CalendarFileForm(FlaskForm):
    submit = SubmitField("Download your calendar file (.ics)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        prefix_ids(self, "calendar-file-")


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


# --- Coordinators shape the registration form ------------------------------------------------------


class QuestionForm(FlaskForm):
    label = StrippedStringField("Question", validators=[DataRequired(), Length(max=300), NoControlCharacters()])
    kind = SelectField("Type", choices=choices(KIND_LABELS.items()))
    help_text = StrippedStringField("Help text", validators=[Optional(), Length(max=500), NoControlCharacters()])
    required = BooleanField("An answer is required")
    options = TextAreaField(
        "Answers to choose from (one per line)",
        validators=[Optional(), Length(max=12_000), NoControlCharacters(multiline=True)],
    )
    min_value = FloatField(
        "Lower limit",
        validators=[Optional()],
        description="Text: fewest characters. Number: smallest. Multiple choice: fewest ticks.",
    )
    max_value = FloatField(
        "Upper limit",
        validators=[Optional()],
        description="Text: most characters. Number: largest. Multiple choice: most ticks.",
    )
    category_ids = SelectMultipleField("Ask only these categories (none: everyone)", coerce=int, validate_choice=False)
    submit = SubmitField("Save the question")

    def to_data(self) -> QuestionData:
        return QuestionData(
            kind=self.kind.data,
            label=self.label.data or "",
            help_text=self.help_text.data or "",
            required=bool(self.required.data),
            options=(self.options.data or "").splitlines(),
            min_value=self.min_value.data,
            max_value=self.max_value.data,
            category_ids=list(self.category_ids.data or []),
        )


class CopyQuestionsForm(FlaskForm):
    source = SelectField("Copy the questions of", coerce=lambda value: parse_id(value) or 0, validate_choice=False)
    submit = SubmitField("Copy questions")


class CategoryForm(FlaskForm):
    name = StrippedStringField("Name", validators=[DataRequired(), Length(max=120), NoControlCharacters()])
    description = StrippedStringField("Description", validators=[Optional(), Length(max=500), NoControlCharacters()])
    capacity = IntegerField(
        "Seats in this category",
        validators=[Optional(), NumberRange(min=1, max=1_000_000)],
        description="Empty: no limit of its own; the event's capacity still caps everyone.",
    )
    approval_required = BooleanField("Coordinators approve each registration")
    invitation_only = BooleanField("By invitation only (invitation link or code)")
    submit = SubmitField("Save the category")

    def to_data(self) -> CategoryData:
        return CategoryData(
            name=self.name.data or "",
            description=self.description.data or "",
            capacity=self.capacity.data,
            approval_required=bool(self.approval_required.data),
            invitation_only=bool(self.invitation_only.data),
        )


class RulesForm(FlaskForm):
    organisation_limit = IntegerField(
        "At most this many registrations per organisation or municipality",
        validators=[Optional(), NumberRange(min=1, max=100_000)],
        description="Names are compared without regard to capitals and spaces. Empty: no limit.",
    )
    country_limit = IntegerField(
        "At most this many registrations per country", validators=[Optional(), NumberRange(min=1, max=100_000)]
    )
    over_limit = RadioField(
        "Beyond a limit",
        choices=choices(
            [("refuse", "Refuse the registration, saying why"), ("waitlist", "Put the person on the waitlist")]
        ),
        default="refuse",
    )
    session_choice = BooleanField("Participants choose their sessions (seats per session below)")
    submit = SubmitField("Save the rules")


class InviteForm(FlaskForm):
    people = TextAreaField(
        "People to invite",
        validators=[Optional(), Length(max=200_000)],
        description="One per line: Name, address (or Name <address>). Or upload a CSV file below.",
    )
    upload = FileField("CSV file (name, email)")
    category_id = SelectField("Category", coerce=lambda value: parse_id(value) or 0, validate_choice=False)
    submit = SubmitField("Send the invitations")


class CodeForm(FlaskForm):
    code = StrippedStringField("Code", validators=[DataRequired(), Length(max=40)])
    category_id = SelectField("Opens the category", coerce=lambda value: parse_id(value) or 0, validate_choice=False)
    max_uses = IntegerField("Registrations it allows", validators=[Optional(), NumberRange(min=1, max=100_000)])
    expires_local = DateTimeLocalField(
        "Works until (event's local time)", format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"], validators=[Optional()]
    )
    submit = SubmitField("Create the code")


class WaitlistMoveForm(FlaskForm):
    position = IntegerField("New place", validators=[InputRequired(), NumberRange(min=1, max=100_000)])
    note = StrippedStringField(
        "Why (kept in the history)", validators=[DataRequired(), Length(max=500), NoControlCharacters()]
    )
    submit = SubmitField("Move")
