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
from app.contact.models import CONTACT_STATUS_LABELS
from app.desks.models import EXPERT_TYPES
from app.events.models import Event
from app.forms import (
    NoControlCharacters,
    StrippedStringField,
    ValidCountry,
    VisibleName,
    choices,
    country_options,
    prefix_ids,
)
from app.i18n import _, _l
from app.web import parse_id

NO_EVENT = ""


class ContactForm(FlaskForm):
    """The public contact form; ``event`` lists the published events still to come."""

    name = StrippedStringField(
        _l("Your name"),
        validators=[
            DataRequired(_l("Please tell us your name.")),
            Length(
                max=services.NAME_MAX,
                message=_l("Please keep your name under %(max)d characters.", max=services.NAME_MAX),
            ),
            NoControlCharacters(),
            VisibleName(_l("Please tell us your name.")),
        ],
    )
    email = EmailField(
        _l("Your email address"),
        validators=[
            DataRequired(_l("Please give the address we should answer to.")),
            Length(max=254, message=_l("An email address has at most 254 characters.")),
            # Our answers go out over SMTP without SMTPUTF8, so the part before the @ must be ASCII.
            Email(granular_message=True, allow_smtputf8=False),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    country = SelectField(
        _l("Country you work in"),
        choices=lambda: country_options(_("Choose your country")),
        validators=[DataRequired(_l("Choose a country from the list.")), ValidCountry()],
        description=_l("Type the first letters to jump to your country."),
        validate_choice=False,
    )
    expert_type = RadioField(
        _l("Which describes you?"),
        choices=choices(EXPERT_TYPES.items()),
        validators=[InputRequired(_l("Tell us whether you are an international or a German expert."))],
        validate_choice=False,
    )
    organisation = StrippedStringField(
        _l("Organisation or municipality"),
        validators=[
            DataRequired(_l("Please tell us your organisation or municipality.")),
            Length(
                max=services.ORGANISATION_MAX,
                message=_l("Please keep this under %(max)d characters.", max=services.ORGANISATION_MAX),
            ),
            NoControlCharacters(),
            VisibleName(_l("Please tell us your organisation or municipality.")),
        ],
    )
    event = SelectField(_l("Event your question is about (optional)"), validators=[Optional()], validate_choice=False)
    message = TextAreaField(
        _l("Your question"),
        validators=[
            DataRequired(_l("Please write your question.")),
            Length(
                max=services.MESSAGE_MAX,
                message=_l("Please keep your message under %(max)d characters.", max=services.MESSAGE_MAX),
            ),
            NoControlCharacters(multiline=True),
        ],
    )
    # Hidden from people by CSS; bots fill it in.
    website = StringField(_l("Leave this field empty"))
    submit = SubmitField(_l("Send your question"))

    def __init__(self, *args, event: Event | None = None, id_prefix: str = "", **kwargs):
        if event is not None:
            kwargs.setdefault("data", {})["event"] = str(event.id)
        super().__init__(*args, **kwargs)
        if id_prefix:
            # On an event page the registration form has fields of the same names.
            prefix_ids(self, id_prefix)
        # A form sent from a past event's page names that event: it stays a valid choice.
        self.events = services.contact_events(include=event or services.published_event_by_id(self.event.data))
        self.event.choices = choices(
            [(NO_EVENT, _("No particular event"))] + [(e.id, e.local_title) for e in self.events]
        )

    def validate_expert_type(self, field):
        if field.data not in EXPERT_TYPES:
            raise ValidationError(_("Tell us whether you are an international or a German expert."))

    def validate_event(self, field):
        if field.data and field.data not in {str(e.id) for e in self.events}:
            raise ValidationError(_("Choose an event from the list, or none."))

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
        _l("Status"),
        choices=choices([("", _l("Any status")), *CONTACT_STATUS_LABELS.items()]),
        validators=[Optional()],
    )
    event = SelectField(_l("Event"), validators=[Optional()])
    country = SelectField(_l("Country"), choices=lambda: country_options(_("Any country")), validators=[Optional()])
    submit = SubmitField(_l("Filter"))

    def __init__(self, events: list[Event], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.event.choices = choices([("", _("Any event"))] + [(e.id, e.title) for e in events])

    def filters(self) -> services.InboxFilters:
        self.validate()
        return services.InboxFilters(
            status=self.status.data if not self.status.errors and self.status.data else None,
            event_id=parse_id(self.event.data) if not self.event.errors else None,
            country=self.country.data if not self.country.errors and self.country.data else None,
        )


class NoteForm(FlaskForm):
    note = TextAreaField(
        _l("Note"),
        validators=[
            DataRequired(_l("Please write a note.")),
            Length(
                max=services.NOTE_MAX,
                message=_l("Please keep the note under %(max)d characters.", max=services.NOTE_MAX),
            ),
            NoControlCharacters(multiline=True),
        ],
    )
    submit = SubmitField(_l("Add note"))

    def __init__(self, *args, **kwargs):
        # The request page holds three forms; prefixes keep their field ids apart.
        kwargs.setdefault("prefix", "comment")
        super().__init__(*args, **kwargs)


class StatusForm(FlaskForm):
    """Mark answered, close or reopen, with an optional note for the history."""

    note = StringField(
        _l("Note (optional)"),
        validators=[
            Optional(),
            Length(
                max=services.NOTE_MAX,
                message=_l("Please keep the note under %(max)d characters.", max=services.NOTE_MAX),
            ),
            NoControlCharacters(),
        ],
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "status")
        super().__init__(*args, **kwargs)


class ReassignForm(FlaskForm):
    desk = SelectField(_l("Pass to desk"), coerce=int, validators=[InputRequired(_l("Choose a desk."))])
    note = TextAreaField(
        _l("Note for the other desk"),
        validators=[
            DataRequired(_l("Tell the other desk why you pass the request on.")),
            Length(
                max=services.NOTE_MAX,
                message=_l("Please keep the note under %(max)d characters.", max=services.NOTE_MAX),
            ),
            NoControlCharacters(multiline=True),
        ],
    )
    submit = SubmitField(_l("Pass on"))

    def __init__(self, desks, *args, **kwargs):
        kwargs.setdefault("prefix", "reassign")
        super().__init__(*args, **kwargs)
        self.desk.choices = choices((d.id, f"{d.name} ({d.city})" if d.city else d.name) for d in desks)
