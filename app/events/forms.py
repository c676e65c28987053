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
from app.events.translations import TranslationData
from app.form_messages import TRANSLATIONS
from app.forms import NoControlCharacters, StrippedStringField, ValidZone, WebAddress, choices
from app.i18n import _l
from app.web import parse_id

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class SessionForm(Form):
    class Meta:
        def get_translations(self, form):
            return TRANSLATIONS

    id = HiddenField()
    title = StringField(_l("Session title"), validators=[Optional(), Length(max=200), NoControlCharacters()])
    local_start = DateTimeLocalField(
        _l("Starts (event's local time)"),
        format=DATETIME_FORMATS,
        validators=[InputRequired(_l("Enter a date and time."))],
    )
    local_end = DateTimeLocalField(
        _l("Ends (event's local time)"),
        format=DATETIME_FORMATS,
        validators=[InputRequired(_l("Enter a date and time."))],
    )
    remove = BooleanField(_l("Remove this session"))


class EventForm(FlaskForm):
    title = StrippedStringField(_l("Title"), validators=[DataRequired(), Length(max=200), NoControlCharacters()])
    slug = StrippedStringField(
        _l("Web address"),
        validators=[Optional(), Length(max=80), NoControlCharacters()],
        description=_l(
            "The last part of the event's address, e.g. digital-cities-2026. Leave empty to make one from the title."
        ),
    )
    programme = StrippedStringField(
        _l("Programme or series"),
        validators=[Optional(), Length(max=200), NoControlCharacters()],
        description=_l("For instance “Digitalisation Working Group”."),
    )
    summary = TextAreaField(
        _l("Summary"),
        validators=[Optional(), Length(max=500), NoControlCharacters(multiline=True)],
        description=_l("One or two sentences for the event list."),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=20000), NoControlCharacters(multiline=True)],
        description=_l("Markdown: **bold**, *italic*, lists, [links](https://example.org)."),
    )
    language = SelectField(_l("Language"), default="en")
    timezone = StrippedStringField(
        _l("Time zone"),
        validators=[DataRequired(), Length(max=64), ValidZone()],
        description=_l("The zone the session times below are in, e.g. Europe/Berlin. Start typing to search."),
    )
    sessions = FieldList(FormField(SessionForm), min_entries=1, max_entries=50)
    capacity = IntegerField(
        _l("Capacity"),
        validators=[Optional(), NumberRange(min=1, max=100000)],
        description=_l("Seats for confirmed participants. Leave empty for no limit."),
    )
    registration_opens_local = DateTimeLocalField(
        _l("Registration opens"),
        format=DATETIME_FORMATS,
        validators=[Optional()],
        description=_l("In the event's time zone. Leave empty to open it on publication."),
    )
    registration_closes_local = DateTimeLocalField(
        _l("Registration closes"),
        format=DATETIME_FORMATS,
        validators=[Optional()],
        description=_l("In the event's time zone. Leave empty to close it when the first session starts."),
    )
    approval_required = BooleanField(_l("Coordinators approve each registration"))
    meeting_url = URLField(
        _l("Meeting link"),
        validators=[Optional(), Length(max=500), WebAddress()],
        description=_l(
            "Zoom, Teams, Jitsi… Participants never see it directly: their personal access link "
            "forwards to it, so it may be added or changed later."
        ),
    )
    photo_credit = StrippedStringField(
        _l("Photo credit"), validators=[Optional(), Length(max=300), NoControlCharacters()]
    )
    desk_id = SelectField(_l("Owning desk"), coerce=int)
    message = TextAreaField(
        _l("Message to participants (optional)"),
        validators=[Optional(), Length(max=2000), NoControlCharacters(multiline=True)],
        description=_l("Sent with the calendar updates of this change, for instance why a session is cancelled."),
    )
    notify_confirmed = HiddenField()
    add_session = SubmitField(_l("Add another session"))
    submit = SubmitField(_l("Save event"))

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
                _prefix, index, field_name = name.split("-")
                kept = [e for e in self.sessions if not e.form.remove.data]
                target = getattr(kept[int(index)].form, field_name)
            elif name in self._fields:
                target = self._fields[name]
            else:
                target = self.title
            target.errors = [*target.errors, message]


class CancelEventForm(FlaskForm):
    message = TextAreaField(
        _l("Message to participants (optional)"),
        validators=[Optional(), Length(max=2000), NoControlCharacters(multiline=True)],
    )
    submit = SubmitField(_l("Cancel this event"))


class ActionForm(FlaskForm):
    """A bare form for POST buttons (publish, unpublish): only the CSRF token."""


class ReaderZoneForm(FlaskForm):
    tz = StringField(_l("Show times in"), validators=[DataRequired(), Length(max=64), ValidZone()])
    next = HiddenField()
    submit = SubmitField(_l("Show times"))


# The label of each translatable text of the registration form, by its part.
TEXT_LABELS = {
    "name": _l("Name"),
    "description": _l("Description"),
    "label": _l("Question"),
    "help": _l("Help text"),
    "options": _l("Answers to choose from (one per line)"),
}


def _translated_text(translation, text) -> str:
    """The translation's text for one form field; options one line per original option, in its order (one not
    translated yet shows as written)."""
    if translation is None:
        return ""
    if text.kind == "category":
        return translation.category_text(text.item.id, text.part)
    value = translation.question_text(text.item.id, text.part)
    if text.part == "options":
        return "\n".join(value.get(option, option) for option in text.item.options) if value else ""
    return value


class TranslationForm(FlaskForm):
    """An event's texts in one more language; one session title field per titled session, in order.

    Built with ``for_event``, it also has fields for the registration form's texts (named by
    ``translations.text_field``): each category's name and description, each question's label and help
    text, and the options of choice questions, one per line.
    """

    title = StrippedStringField(_l("Title"), validators=[Optional(), Length(max=200), NoControlCharacters()])
    summary = TextAreaField(
        _l("Summary"),
        validators=[Optional(), Length(max=500), NoControlCharacters(multiline=True)],
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=20000), NoControlCharacters(multiline=True)],
        description=_l("Markdown: **bold**, *italic*, lists, [links](https://example.org)."),
    )
    session_titles = FieldList(
        StrippedStringField(_l("Session title"), validators=[Optional(), Length(max=200), NoControlCharacters()])
    )
    submit = SubmitField(_l("Save translation"))

    @classmethod
    def for_event(cls, *, sessions=(), texts=(), translation=None, **kwargs):
        """The form for an event with these sessions and these texts of its registration form to translate
        (``texts``: what app.registrations lists, each with its kind, item, part and length): a field for each."""
        form_class = type(cls.__name__, (cls,), {})
        for text in texts:
            if text.part == "options":
                field = TextAreaField(TEXT_LABELS[text.part], validators=[Optional()])
            else:
                field = StrippedStringField(
                    TEXT_LABELS[text.part], validators=[Optional()], render_kw={"maxlength": text.max_length}
                )
            setattr(form_class, text.field, field)
        return form_class(sessions=sessions, texts=texts, translation=translation, **kwargs)

    def __init__(self, *args, sessions=(), texts=(), translation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sessions = [session for session in sessions if session.title]
        self.texts = [text for text in texts if hasattr(self, text.field)]
        if not self.is_submitted():
            if translation is not None:
                self.title.data = translation.title
                self.summary.data = translation.summary
                self.description.data = translation.description
            while len(self.session_titles) < len(self.sessions):
                self.session_titles.append_entry()
            for entry, session in zip(self.session_titles, self.sessions, strict=False):
                entry.data = translation.session_title(session.id) if translation is not None else ""
            for text in self.texts:
                getattr(self, text.field).data = _translated_text(translation, text)

    def session_rows(self):
        """(session, its title field) in the order of the event's sessions."""
        return list(zip(self.sessions, self.session_titles, strict=False))

    def _rows(self, kind: str, parts: tuple[str, ...]) -> list[tuple]:
        """(item, then a field or None for each of ``parts``) for each category or question, in form order."""
        rows: dict[int, dict] = {}
        items = {}
        for text in self.texts:
            if text.kind == kind:
                items.setdefault(text.item.id, text.item)
                rows.setdefault(text.item.id, {})[text.part] = getattr(self, text.field)
        return [(items[item_id], *(fields.get(part) for part in parts)) for item_id, fields in rows.items()]

    def category_rows(self):
        """(category, its name field, its description field or None) in the order of the form."""
        return self._rows("category", ("name", "description"))

    def question_rows(self):
        """(question, its label field, help text field or None, options field or None) in the order of the form."""
        return self._rows("question", ("label", "help", "options"))

    def to_data(self) -> TranslationData:
        texts: dict[str, dict[int, dict]] = {"category": {}, "question": {}}
        for text in self.texts:
            value = getattr(self, text.field).data or ""
            texts[text.kind].setdefault(text.item.id, {})[text.part] = (
                value.splitlines() if text.part == "options" else value
            )
        return TranslationData(
            title=self.title.data or "",
            summary=self.summary.data or "",
            description=self.description.data or "",
            session_titles={session.id: entry.data or "" for session, entry in self.session_rows()},
            question_texts=texts["question"],
            category_texts=texts["category"],
        )


class DuplicateEventForm(FlaskForm):
    first_day = DateField(
        _l("First session on"),
        validators=[DataRequired(message=_l("Choose the date of the first session."))],
        description=_l("Every session keeps its time of day and its distance from the first."),
    )
    submit = SubmitField(_l("Duplicate as a draft"))
