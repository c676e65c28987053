from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.countries import language_choices
from app.events.services import EventData, SessionData
from app.forms import NoControlCharacters, StrippedStringField, ValidZone, WebAddress, choices
from app.i18n import _l
from app.web import parse_id

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class SessionForm(Form):
    id = HiddenField()
    title = StringField("Session title", validators=[Optional(), Length(max=200), NoControlCharacters()])
    local_start = DateTimeLocalField(
        "Starts (event's local time)", format=DATETIME_FORMATS, validators=[InputRequired("Enter a date and time.")]
    )
    local_end = DateTimeLocalField(
        "Ends (event's local time)", format=DATETIME_FORMATS, validators=[InputRequired("Enter a date and time.")]
    )
    remove = BooleanField("Remove this session")


class EventForm(FlaskForm):
    title = StrippedStringField("Title", validators=[DataRequired(), Length(max=200), NoControlCharacters()])
    slug = StrippedStringField(
        "Web address",
        validators=[Optional(), Length(max=80), NoControlCharacters()],
        description="The last part of the event's address, e.g. digital-cities-2026. "
        "Leave empty to make one from the title.",
    )
    programme = StrippedStringField(
        "Programme or series",
        validators=[Optional(), Length(max=200), NoControlCharacters()],
        description="For instance “Digitalisation Working Group”.",
    )
    summary = TextAreaField(
        "Summary",
        validators=[Optional(), Length(max=500), NoControlCharacters(multiline=True)],
        description="One or two sentences for the event list.",
    )
    description = TextAreaField(
        "Description",
        validators=[Optional(), Length(max=20000), NoControlCharacters(multiline=True)],
        description="Markdown: **bold**, *italic*, lists, [links](https://example.org).",
    )
    language = SelectField("Language", default="en")
    timezone = StrippedStringField(
        "Time zone",
        validators=[DataRequired(), Length(max=64), ValidZone()],
        description="The zone the session times below are in, e.g. Europe/Berlin. Start typing to search.",
    )
    sessions = FieldList(FormField(SessionForm), min_entries=1, max_entries=50)
    capacity = IntegerField(
        "Capacity",
        validators=[Optional(), NumberRange(min=1, max=100000)],
        description="Seats for confirmed participants. Leave empty for no limit.",
    )
    registration_opens_local = DateTimeLocalField(
        "Registration opens",
        format=DATETIME_FORMATS,
        validators=[Optional()],
        description="In the event's time zone. Leave empty to open it on publication.",
    )
    registration_closes_local = DateTimeLocalField(
        "Registration closes",
        format=DATETIME_FORMATS,
        validators=[Optional()],
        description="In the event's time zone. Leave empty to close it when the first session starts.",
    )
    approval_required = BooleanField("Coordinators approve each registration")
    meeting_url = URLField(
        "Meeting link",
        validators=[Optional(), Length(max=500), WebAddress()],
        description="Zoom, Teams, Jitsi… Participants never see it directly: their personal access link "
        "forwards to it, so it may be added or changed later.",
    )
    photo_credit = StrippedStringField("Photo credit", validators=[Optional(), Length(max=300), NoControlCharacters()])
    desk_id = SelectField("Owning desk", coerce=int)
    message = TextAreaField(
        _l("Message to participants (optional)"),
        validators=[Optional(), Length(max=2000), NoControlCharacters(multiline=True)],
        description=_l("Sent with the calendar updates of this change, for instance why a session is cancelled."),
    )
    notify_confirmed = HiddenField()
    add_session = SubmitField("Add another session")
    submit = SubmitField("Save event")

    def __init__(self, *args, desks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = choices(language_choices())
        self.desk_id.choices = choices((d.id, d.name) for d in desks)

    def to_data(self) -> EventData:
        sessions = [
            SessionData(
                id=parse_id(entry.form.id.data),
                title=entry.form.title.data or "",
                local_start=entry.form.local_start.data,
                local_end=entry.form.local_end.data,
            )
            for entry in self.sessions
            if not entry.form.remove.data
        ]
        return EventData(
            title=self.title.data or "",
            slug=self.slug.data or "",
            summary=self.summary.data or "",
            description=self.description.data or "",
            programme=self.programme.data or "",
            language=self.language.data or "en",
            timezone=self.timezone.data or "",
            capacity=self.capacity.data,
            registration_opens_local=self.registration_opens_local.data,
            registration_closes_local=self.registration_closes_local.data,
            approval_required=bool(self.approval_required.data),
            meeting_url=(self.meeting_url.data or "").strip(),
            photo_credit=self.photo_credit.data or "",
            desk_id=self.desk_id.data,
            sessions=sessions,
            message=(self.message.data or "").strip(),
        )

    def show_errors(self, errors: dict[str, str]) -> None:
        """Put service errors ("sessions-0-local_end": "...") next to their fields."""
        for name, message in errors.items():
            if name.startswith("sessions-") and name.count("-") == 2:
                _, index, field_name = name.split("-")
                kept = [e for e in self.sessions if not e.form.remove.data]
                target = getattr(kept[int(index)].form, field_name)
            elif name in self._fields:
                target = self._fields[name]
            else:
                target = self.title
            target.errors = [*target.errors, message]


class CancelEventForm(FlaskForm):
    message = TextAreaField(
        "Message to participants (optional)",
        validators=[Optional(), Length(max=2000), NoControlCharacters(multiline=True)],
    )
    submit = SubmitField("Cancel this event")


class ActionForm(FlaskForm):
    """A bare form for POST buttons (publish, unpublish): only the CSRF token."""


class ReaderZoneForm(FlaskForm):
    tz = StringField("Show times in", validators=[DataRequired(), Length(max=64), ValidZone()])
    next = HiddenField()
    submit = SubmitField("Show times")


class DuplicateEventForm(FlaskForm):
    first_day = DateField(
        "First session on",
        validators=[DataRequired(message="Choose the date of the first session.")],
        description="Every session keeps its time of day and its distance from the first.",
    )
    submit = SubmitField("Duplicate as a draft")
