"""Event content in several languages: coordinators translate title, summary, description and session
titles; readers, emails and invites use the translation into their language where there is one."""

from dataclasses import dataclass, field

from app.errors import NotFound
from app.events.models import Event, EventTranslation
from app.extensions import db
from app.locales import LANGUAGES


class TranslationError(NotFound):
    """A translation into a language the service does not offer."""

    code = "translation_language_unknown"


@dataclass
class TranslationData:
    title: str = ""
    summary: str = ""
    description: str = ""
    session_titles: dict[int, str] = field(default_factory=dict)  # session id -> title

    @property
    def is_empty(self) -> bool:
        return not (self.title or self.summary or self.description or any(self.session_titles.values()))


def translations_overview(event: Event) -> list[tuple[str, str, EventTranslation | None]]:
    """Every interface language with its name and the event's translation into it, if any."""
    return [(code, name, event.translation(code)) for code, name in LANGUAGES.items()]


def save_translation(event: Event, language: str, data: TranslationData) -> EventTranslation | None:
    """Store the translation of ``event`` into ``language``; all texts empty removes it. The caller commits.

    Session titles are kept only for the event's sessions that have a title to translate.
    """
    if language not in LANGUAGES:
        raise TranslationError(f"Unknown language {language!r}.")
    translation = event.translation(language)
    if data.is_empty:
        if translation is not None:
            event.translations.remove(translation)
            db.session.flush()
        return None
    if translation is None:
        translation = EventTranslation(language=language)
        event.translations.append(translation)
    translation.title = data.title.strip()
    translation.summary = data.summary.strip()
    translation.description = data.description.strip()
    titled = {session.id for session in event.sessions if session.title}
    translation.session_titles = {
        str(session_id): title.strip()
        for session_id, title in data.session_titles.items()
        if session_id in titled and title.strip()
    }
    db.session.flush()
    return translation
