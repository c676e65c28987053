"""Forms for the contact page and the coordinators' inbox."""

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from app.contact import services
from app.contact.models import CONTACT_STATUSES
from app.countries import COUNTRY_CHOICES
from app.desks.models import EXPERT_TYPES
from app.events.models import Event
from app.forms import NoControlCharacters, StrippedStringField, ValidCountry, VisibleName, choices, prefix_ids
from app.web import parse_id

NO_EVENT = ""


COUNTRY_OPTIONS = choices(COUNTRY_CHOICES)


class ContactForm(FlaskForm):
    """The public contact form; ``event`` lists the published events still to come."""

    name = StrippedStringField(
        "Your name",
        validators=[
            DataRequired("Please tell us your name."),
            Length(max=services.NAME_MAX, message=f"Please keep your name under {services.NAME_MAX} characters."),
            NoControlCharacters(),
            VisibleName("Please tell us your name."),
        ],
    )
    email = EmailField(
        "Your email address",
        validators=[
            DataRequired("Please give the address we should answer to."),
            Length(max=254, message="An email address has at most 254 characters."),
            # Our answers go out over SMTP without SMTPUTF8, so the part before the @ must be ASCII.
            Email(granular_message=True, allow_smtputf8=False),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    country = SelectField(
        "Country you work in",
        choices=choices([("", "Choose your country")]) + COUNTRY_OPTIONS,
        validators=[DataRequired("Choose a country from the list."), ValidCountry()],
        description="Type the first letters to jump to your country.",
        validate_choice=False,
    )
    expert_type = RadioField(
        "Which describes you?",
        choices=choices(EXPERT_TYPES.items()),
        validators=[InputRequired("Tell us whether you are an international or a German expert.")],
        validate_choice=False,
    )
    organisation = StrippedStringField(
        "Organisation or municipality",
        validators=[
            DataRequired("Please tell us your organisation or municipality."),
            Length(
                max=services.ORGANISATION_MAX, message=f"Please keep this under {services.ORGANISATION_MAX} characters."
            ),
            NoControlCharacters(),
            VisibleName("Please tell us your organisation or municipality."),
        ],
    )
    event = SelectField("Event your question is about (optional)", validators=[Optional()], validate_choice=False)
    message = TextAreaField(
        "Your question",
        validators=[
            DataRequired("Please write your question."),
            Length(
                max=services.MESSAGE_MAX, message=f"Please keep your message under {services.MESSAGE_MAX} characters."
            ),
            NoControlCharacters(multiline=True),
        ],
    )
    # Hidden from people by CSS; bots fill it in.
    website = StringField("Leave this field empty")
    submit = SubmitField("Send your question")

    def __init__(self, *args, event: Event | None = None, id_prefix: str = "", **kwargs):
        if event is not None:
            kwargs.setdefault("data", {})["event"] = str(event.id)
        super().__init__(*args, **kwargs)
        if id_prefix:
            # On an event page the registration form has fields of the same names.
            prefix_ids(self, id_prefix)
        # A form sent from a past event's page names that event: it stays a valid choice.
        self.events = services.contact_events(include=event or services.published_event_by_id(self.event.data))
        self.event.choices = choices([(NO_EVENT, "No particular event")] + [(e.id, e.title) for e in self.events])

    def validate_expert_type(self, field):
        if field.data not in EXPERT_TYPES:
            raise ValidationError("Tell us whether you are an international or a German expert.")

    def validate_event(self, field):
        if field.data and field.data not in {str(e.id) for e in self.events}:
            raise ValidationError("Choose an event from the list, or none.")

    @property
    def is_bot(self) -> bool:
        return bool(self.website.data)

    def contact_data(self) -> services.ContactData:
        return services.ContactData(
            name=self.name.data,
            email=self.email.data,
            country=self.country.data,
            expert_type=self.expert_type.data,
            organisation=self.organisation.data or "",
            message=self.message.data,
            # parse_id: a value the Optional validator let through as blank (" ", "\x85") is no event.
            event_id=parse_id(self.event.data),
        )


def contact_form_for(event: Event | None) -> ContactForm:
    """The contact form with ``event`` already chosen, for an event page's "Questions? Contact us"."""
    # Never bound to the current request's form data: the event page may be answering another form's POST.
    return ContactForm(formdata=None, event=event, id_prefix="contact-")


class InboxFilterForm(FlaskForm):
    """The inbox filters, read from the query string; an unknown value is ignored, not an error."""

    class Meta:
        csrf = False

    status = SelectField(
        "Status",
        choices=choices([("", "Any status")] + [(s, s.capitalize()) for s in CONTACT_STATUSES]),
        validators=[Optional()],
    )
    event = SelectField("Event", validators=[Optional()])
    country = SelectField("Country", choices=choices([("", "Any country")]) + COUNTRY_OPTIONS, validators=[Optional()])
    submit = SubmitField("Filter")

    def __init__(self, events: list[Event], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.event.choices = choices([("", "Any event")] + [(e.id, e.title) for e in events])

    def filters(self) -> services.InboxFilters:
        self.validate()
        return services.InboxFilters(
            status=self.status.data if not self.status.errors and self.status.data else None,
            event_id=parse_id(self.event.data) if not self.event.errors else None,
            country=self.country.data if not self.country.errors and self.country.data else None,
        )


class NoteForm(FlaskForm):
    note = TextAreaField(
        "Note",
        validators=[
            DataRequired("Please write a note."),
            Length(max=services.NOTE_MAX, message=f"Please keep the note under {services.NOTE_MAX} characters."),
            NoControlCharacters(multiline=True),
        ],
    )
    submit = SubmitField("Add note")

    def __init__(self, *args, **kwargs):
        # The request page holds three forms; prefixes keep their field ids apart.
        kwargs.setdefault("prefix", "comment")
        super().__init__(*args, **kwargs)


class StatusForm(FlaskForm):
    """Mark answered, close or reopen, with an optional note for the history."""

    note = StringField(
        "Note (optional)",
        validators=[
            Optional(),
            Length(max=services.NOTE_MAX, message=f"Please keep the note under {services.NOTE_MAX} characters."),
            NoControlCharacters(),
        ],
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "status")
        super().__init__(*args, **kwargs)


class ReassignForm(FlaskForm):
    desk = SelectField("Pass to desk", coerce=int, validators=[InputRequired("Choose a desk.")])
    note = TextAreaField(
        "Note for the other desk",
        validators=[
            DataRequired("Tell the other desk why you pass the request on."),
            Length(max=services.NOTE_MAX, message=f"Please keep the note under {services.NOTE_MAX} characters."),
            NoControlCharacters(multiline=True),
        ],
    )
    submit = SubmitField("Pass on")

    def __init__(self, desks, *args, **kwargs):
        kwargs.setdefault("prefix", "reassign")
        super().__init__(*args, **kwargs)
        self.desk.choices = choices((d.id, f"{d.name} ({d.city})" if d.city else d.name) for d in desks)
