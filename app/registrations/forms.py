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

from app.countries import country_choices
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
from app.i18n import _, _l
from app.locales import language_choices
from app.registrations.models import STATUS_LABELS
from app.registrations.services import DECISIONS, KIND_LABELS, CategoryData, QuestionData, RegistrationData
from app.web import parse_id


class RegistrationForm(FlaskForm):
    name = StrippedStringField(
        _l("Full name"), validators=[DataRequired(), Length(max=200), NoControlCharacters(), VisibleName()]
    )
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
        _l("Organisation or municipality"),
        validators=[
            DataRequired(),
            Length(max=200),
            NoControlCharacters(),
            VisibleName(_l("Please name your organisation.")),
        ],
    )
    country = SelectField(
        _l("Country"),
        choices=lambda: choices([("", _("Choose your country")), *country_choices()]),
        validators=[DataRequired(message=_l("Choose your country.")), ValidCountry()],
        validate_choice=False,  # ValidCountry checks the code against the same list, by a set lookup
    )
    position = StrippedStringField(
        _l("Role or position"), validators=[Optional(), Length(max=200), NoControlCharacters(), VisibleName()]
    )
    expert_type = RadioField(
        _l("You are"),
        choices=choices(EXPERT_TYPES.items()),
        # No pre-selection: the answer decides which desk reviews the registration.
        validators=[InputRequired(message=_l("Tell us whether you are an international or a German expert."))],
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
    code = StrippedStringField(
        _l("Invitation code (if you have one)"), validators=[Optional(), Length(max=40), NoControlCharacters()]
    )
    # A hidden field shows no label: an empty one spares the translation of its name at every form made.
    invitation = HiddenField(label="")
    list_in_directory = BooleanField(
        _l(
            "List me in the participant directory, so that the other confirmed participants can see my name, "
            "organisation, country and role and write to me (my email address stays hidden)"
        )
    )
    website = StringField(_l("Website"), validators=[Optional(), Length(max=200)])  # honeypot
    submit = SubmitField(_l("Register"))

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
            list_in_directory=bool(self.list_in_directory.data),
        )


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Confirm my email address"))


class TimezoneForm(FlaskForm):
    timezone = StrippedStringField(_l("Show my times in"), validators=[DataRequired(), Length(max=64), ValidZone()])
    submit = SubmitField(_l("Save time zone"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        prefix_ids(self, "timezone-form-")


class CancelForm(FlaskForm):
    confirm = BooleanField(
        _l("Yes, cancel my registration"), validators=[DataRequired(message=_l("Tick the box to confirm."))]
    )
    submit = SubmitField(_l("Cancel my registration"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        prefix_ids(self, "cancel-")


class DeleteDataForm(FlaskForm):
    confirm = BooleanField(
        _l("Yes, delete my personal data (this also cancels my registration)"),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Delete my data"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        prefix_ids(self, "delete-")


class JoinForm(FlaskForm):
    submit = SubmitField(_l("Open my access link"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        prefix_ids(self, "join-")


class CalendarFileForm(FlaskForm):
    submit = SubmitField(_l("Download your calendar file (.ics)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        prefix_ids(self, "calendar-file-")


class DeclineInvitationForm(FlaskForm):
    submit = SubmitField(_l("I cannot take part"))


class SessionChoiceForm(FlaskForm):
    # The session checkboxes are drawn by the template; the service checks the ids.
    submit = SubmitField(_l("Save my sessions"))


class DecisionForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=choices(DECISIONS.items()))
    ids = SelectMultipleField(_l("Registrations"), coerce=lambda value: parse_id(value) or 0, validate_choice=False)
    message = TextAreaField(
        _l("Message to include in the email (optional)"),
        validators=[Optional(), Length(max=2000), NoControlCharacters(multiline=True)],
    )
    # Set only by the confirmation page of a destructive decision (reject, cancel).
    confirmed = HiddenField()
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
    label = StrippedStringField(_l("Question"), validators=[DataRequired(), Length(max=300), NoControlCharacters()])
    kind = SelectField(_l("Type"), choices=choices(KIND_LABELS.items()))
    help_text = StrippedStringField(_l("Help text"), validators=[Optional(), Length(max=500), NoControlCharacters()])
    required = BooleanField(_l("An answer is required"))
    options = TextAreaField(
        _l("Answers to choose from (one per line)"),
        validators=[Optional(), Length(max=12_000), NoControlCharacters(multiline=True)],
    )
    min_value = FloatField(
        _l("Lower limit"),
        validators=[Optional()],
        description=_l("Text: fewest characters. Number: smallest. Multiple choice: fewest ticks."),
    )
    max_value = FloatField(
        _l("Upper limit"),
        validators=[Optional()],
        description=_l("Text: most characters. Number: largest. Multiple choice: most ticks."),
    )
    category_ids = SelectMultipleField(
        _l("Ask only these categories (none: everyone)"), coerce=int, validate_choice=False
    )
    submit = SubmitField(_l("Save the question"))

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
    source = SelectField(_l("Copy the questions of"), coerce=lambda value: parse_id(value) or 0, validate_choice=False)
    submit = SubmitField(_l("Copy questions"))


class CategoryForm(FlaskForm):
    name = StrippedStringField(_l("Name"), validators=[DataRequired(), Length(max=120), NoControlCharacters()])
    description = StrippedStringField(
        _l("Description"), validators=[Optional(), Length(max=500), NoControlCharacters()]
    )
    capacity = IntegerField(
        _l("Seats in this category"),
        validators=[Optional(), NumberRange(min=1, max=1_000_000)],
        description=_l("Empty: no limit of its own; the event's capacity still caps everyone."),
    )
    approval_required = BooleanField(_l("Coordinators approve each registration"))
    invitation_only = BooleanField(_l("By invitation only (invitation link or code)"))
    submit = SubmitField(_l("Save the category"))

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
        _l("At most this many registrations per organisation or municipality"),
        validators=[Optional(), NumberRange(min=1, max=100_000)],
        description=_l("Names are compared without regard to capitals and spaces. Empty: no limit."),
    )
    country_limit = IntegerField(
        _l("At most this many registrations per country"), validators=[Optional(), NumberRange(min=1, max=100_000)]
    )
    over_limit = RadioField(
        _l("Beyond a limit"),
        choices=choices(
            [("refuse", _l("Refuse the registration, saying why")), ("waitlist", _l("Put the person on the waitlist"))]
        ),
        default="refuse",
    )
    session_choice = BooleanField(_l("Participants choose their sessions (seats per session below)"))
    submit = SubmitField(_l("Save the rules"))


class InviteForm(FlaskForm):
    people = TextAreaField(
        _l("People to invite"),
        validators=[Optional(), Length(max=200_000)],
        description=_l("One per line: Name, address (or Name <address>). Or upload a CSV file below."),
    )
    upload = FileField(_l("CSV file (name, email)"))
    category_id = SelectField(_l("Category"), coerce=lambda value: parse_id(value) or 0, validate_choice=False)
    submit = SubmitField(_l("Send the invitations"))


class CodeForm(FlaskForm):
    code = StrippedStringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    category_id = SelectField(
        _l("Opens the category"), coerce=lambda value: parse_id(value) or 0, validate_choice=False
    )
    max_uses = IntegerField(_l("Registrations it allows"), validators=[Optional(), NumberRange(min=1, max=100_000)])
    expires_local = DateTimeLocalField(
        _l("Works until (event's local time)"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"], validators=[Optional()]
    )
    submit = SubmitField(_l("Create the code"))


class WaitlistMoveForm(FlaskForm):
    position = IntegerField(_l("New place"), validators=[InputRequired(), NumberRange(min=1, max=100_000)])
    note = StrippedStringField(
        _l("Why (kept in the history)"), validators=[DataRequired(), Length(max=500), NoControlCharacters()]
    )
    submit = SubmitField(_l("Move"))
