from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.i18n import _
from app.locales import current_language
from app.types import UTCDateTime, utcnow

DRAFT = "draft"
PUBLISHED = "published"
CANCELLED = "cancelled"


class Event(db.Model):
    __tablename__ = "events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(120), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    summary: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    programme: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    language: so.Mapped[str] = so.mapped_column(sa.String(8), default="en")
    timezone: so.Mapped[str] = so.mapped_column(sa.String(64))
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default=DRAFT, index=True)
    capacity: so.Mapped[int | None] = so.mapped_column()
    registration_opens_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    registration_closes_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    approval_required: so.Mapped[bool] = so.mapped_column(default=False)
    meeting_url: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    photo_credit: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    desk_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("desks.id"), index=True)
    # iCalendar SEQUENCE: grows with every change participants' calendars must hear about.
    sequence: so.Mapped[int] = so.mapped_column(default=0)
    # Grows with every change to what the public page shows (the event, its sessions and other page parts):
    # cached renderings of the page are keyed by it. See app/events/page_cache.py.
    page_version: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    cancelled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    desk: so.Mapped["Desk"] = so.relationship()  # noqa: F821
    sessions: so.Mapped[list["EventSession"]] = so.relationship(
        back_populates="event",
        order_by="(EventSession.starts_at, EventSession.id)",
        cascade="all, delete-orphan",
    )
    translations: so.Mapped[list["EventTranslation"]] = so.relationship(
        back_populates="event", cascade="all, delete-orphan", lazy="selectin", order_by="EventTranslation.language"
    )

    def rendering_key(self) -> tuple[int, int]:
        """What a text rendered of the event depends on (app.mail.services.render_shared_email): the event as of
        its page_version, which grows with every change to what it shows (its sessions and translations too)."""
        return (self.id, self.page_version)

    def translation(self, language: str | None = None) -> "EventTranslation | None":
        """The translation into ``language`` (default: the language in force), if coordinators gave one."""
        language = language or current_language()
        return next((t for t in self.translations if t.language == language), None)

    def _translated(self, field: str) -> str:
        translation = self.translation()
        return (getattr(translation, field) if translation else "") or getattr(self, field)

    # What readers see: the text in their language where a coordinator translated it, else the original.
    @property
    def local_title(self) -> str:
        return self._translated("title")

    @property
    def local_summary(self) -> str:
        return self._translated("summary")

    @property
    def local_description(self) -> str:
        return self._translated("description")

    @property
    def starts_at(self) -> datetime | None:
        return min((s.starts_at for s in self.sessions), default=None)

    @property
    def ends_at(self) -> datetime | None:
        return max((s.ends_at for s in self.sessions), default=None)

    @property
    def is_published(self) -> bool:
        return self.status == PUBLISHED

    @property
    def is_cancelled(self) -> bool:
        return self.status == CANCELLED

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"


class EventSession(db.Model):
    """One meeting of an event (a workshop of a series); times are stored in UTC."""

    __tablename__ = "event_sessions"
    # A change here changes the event's public page (see app/events/page_cache.py).
    __event_page_part__ = True

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    event_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    starts_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    ends_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    # The session's agenda (safe Markdown, as the event's description) and its own meeting link, which
    # wins over the event's: a workshop series may meet in a different room each time.
    agenda: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    meeting_url: so.Mapped[str] = so.mapped_column(sa.String(500), default="")

    event: so.Mapped[Event] = so.relationship(back_populates="sessions")

    @property
    def local_title(self) -> str:
        """The session's title in the reader's language where translated, else the original."""
        translation = self.event.translation() if self.title else None
        return (translation.session_title(self.id) if translation else "") or self.title

    @property
    def number(self) -> int:
        """The session's place in its event: 1 for the first."""
        return self.event.sessions.index(self) + 1

    @property
    def local_label(self) -> str:
        """What participants read as the session's name: its title in their language, else "Session 2"."""
        return self.local_title or _("Session %(number)s", number=self.number)

    @property
    def join_url(self) -> str:
        """Where the access link sends a participant for this session: its own link, else the event's."""
        return self.meeting_url or self.event.meeting_url

    def __repr__(self) -> str:
        return f"<EventSession {self.id} {self.starts_at:%Y-%m-%d %H:%M}Z>"


class EventTranslation(db.Model):
    """An event's title, summary, description, session titles and the texts of its registration form
    (questions and categories) in one more language.

    An empty text means "not translated": readers then see the original.
    """

    __tablename__ = "event_translations"
    __table_args__ = (sa.UniqueConstraint("event_id", "language"),)
    __event_page_part__ = True  # readers of the event page see it: a change renders the page afresh

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    event_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    language: so.Mapped[str] = so.mapped_column(sa.String(16))
    title: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    summary: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # {"<session id>": "title"}: a session's row may be removed, and its title with it.
    session_titles: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    # The registration form's own texts, which app.registrations owns and checks (see its translations
    # module): {"<question id>": {"label": ..., "help": ..., "options": {"<original option>": ...}}} and
    # {"<category id>": {"name": ..., "description": ...}}.
    question_texts: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict, server_default="{}")
    category_texts: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict, server_default="{}")
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    event: so.Mapped[Event] = so.relationship(back_populates="translations")

    def session_title(self, session_id: int) -> str:
        return (self.session_titles or {}).get(str(session_id), "")

    def question_text(self, question_id: int, part: str) -> str | dict[str, str]:
        """A question's "label" or "help" in this language, empty where not translated; or its "options": the
        translation of each original option, by the original (an option reordered keeps its translation, one
        added or reworded has none until it is translated)."""
        texts = (self.question_texts or {}).get(str(question_id)) or {}
        if part == "options":
            options = texts.get("options")
            return options if isinstance(options, dict) else {}
        return texts.get(part) or ""

    def category_text(self, category_id: int, part: str) -> str:
        """A category's "name" or "description" in this language; empty where not translated."""
        return ((self.category_texts or {}).get(str(category_id)) or {}).get(part) or ""

    def __repr__(self) -> str:
        return f"<EventTranslation {self.event_id} {self.language}>"


# PostgreSQL announces every committed change to what an event page's facts show (app.events.page_cache): the
# event and its sessions (every other page part raises the event's page_version), and registrations becoming
# or ceasing to be confirmed (seats left). The payload is the event's id; "*" after a TRUNCATE.
PAGE_CHANGE_CHANNEL = "eventdesk_event_page"
PAGE_CHANGE_DDL = (
    f"""
CREATE OR REPLACE FUNCTION eventdesk_event_page_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM pg_notify('{PAGE_CHANGE_CHANNEL}', '*');
  ELSIF TG_TABLE_NAME = 'events' THEN
    PERFORM pg_notify('{PAGE_CHANGE_CHANNEL}', (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END)::text);
  ELSIF TG_TABLE_NAME = 'event_sessions' THEN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      PERFORM pg_notify('{PAGE_CHANGE_CHANNEL}', OLD.event_id::text);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.event_id <> OLD.event_id) THEN
      PERFORM pg_notify('{PAGE_CHANGE_CHANNEL}', NEW.event_id::text);
    END IF;
  ELSE
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'confirmed'
       AND (TG_OP = 'DELETE' OR NEW.status <> 'confirmed' OR NEW.event_id <> OLD.event_id) THEN
      PERFORM pg_notify('{PAGE_CHANGE_CHANNEL}', OLD.event_id::text);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'confirmed'
       AND (TG_OP = 'INSERT' OR OLD.status <> 'confirmed' OR NEW.event_id <> OLD.event_id) THEN
      PERFORM pg_notify('{PAGE_CHANGE_CHANNEL}', NEW.event_id::text);
    END IF;
  END IF;
  RETURN NULL;
END $$
""",
    *(
        statement
        for table, changes in {
            "events": "INSERT OR UPDATE OR DELETE",
            "event_sessions": "INSERT OR UPDATE OR DELETE",
            "registrations": "INSERT OR UPDATE OF status, event_id OR DELETE",
        }.items()
        for statement in (
            f"CREATE TRIGGER event_page_changed AFTER {changes} ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION eventdesk_event_page_changed()",
            f"CREATE TRIGGER event_page_truncated AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION eventdesk_event_page_changed()",
        )
    ),
)

# A change of the desks' routing version (app.desks.kept: any change to a desk) is announced as "*": what a
# process keeps of events for sign-ups (app.registrations.services.signup) holds the desks' routing too.
ROUTING_CHANGE_DDL = (
    f"""
CREATE OR REPLACE FUNCTION eventdesk_desk_routing_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('{PAGE_CHANGE_CHANNEL}', '*');
  RETURN NULL;
END $$
""",
    "CREATE TRIGGER desk_routing_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON desk_routing_versions "
    "FOR EACH STATEMENT EXECUTE FUNCTION eventdesk_desk_routing_changed()",
)

for _statement in (*PAGE_CHANGE_DDL, *ROUTING_CHANGE_DDL):
    sa.event.listen(db.metadata, "after_create", sa.DDL(_statement).execute_if(dialect="postgresql"))
