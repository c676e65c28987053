"""Event content in several languages: coordinators translate title, summary, description, session
titles and the registration form's questions and categories; readers, emails and invites use the translation
into their language where there is one."""

from dataclasses import dataclass, field

from app import signals
from app.errors import DomainError, NotFound
from app.events.models import Event, EventTranslation
from app.extensions import db
from app.locales import LANGUAGES


class TranslationError(NotFound):
    """A translation into a language the service does not offer."""

    code = "translation_language_unknown"


class TranslationInvalid(DomainError):
    """Translated texts that cannot be kept; ``fields`` names each field at fault (see ``text_field``)."""

    code = "translation_invalid"
    status = 422

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(str(message) for message in errors.values()), fields=errors)


@dataclass
class TranslationData:
    title: str = ""
    summary: str = ""
    description: str = ""
    session_titles: dict[int, str] = field(default_factory=dict)  # session id -> title
    # question id -> {"label": str, "help": str, "options": [str, ...]}
    question_texts: dict[int, dict] = field(default_factory=dict)
    # category id -> {"name": str, "description": str}
    category_texts: dict[int, dict] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (
            self.title
            or self.summary
            or self.description
            or any(self.session_titles.values())
            or any(any(texts.values()) for texts in self.question_texts.values())
            or any(any(texts.values()) for texts in self.category_texts.values())
        )


def text_field(kind: str, item_id: int, part: str) -> str:
    """The form field, and the key of its error, of one text of the registration form: ``question_12_label``,
    ``question_12_help``, ``question_12_options``, ``category_3_name``, ``category_3_description``."""
    return f"{kind}_{item_id}_{part}"


def translations_overview(event: Event) -> list[tuple[str, str, EventTranslation | None]]:
    """Every interface language with its name and the event's translation into it, if any."""
    return [(code, name, event.translation(code)) for code, name in LANGUAGES.items()]


def save_translation(event: Event, language: str, data: TranslationData) -> EventTranslation | None:
    """Store the translation of ``event`` into ``language``; all texts empty removes it. The caller commits.

    Session titles are kept only for the event's sessions that have a title to translate. The texts of the
    registration form belong to app.registrations, which checks them through ``signals.translation_validating``
    and keeps those of the event's own questions and categories; TranslationInvalid names the fields at fault.
    """
    if language not in LANGUAGES:
        raise TranslationError(f"Unknown language {language!r}.")
    errors: dict[str, str] = {}
    signals.translation_validating.send(event, language=language, data=data, errors=errors)
    if errors:
        raise TranslationInvalid(errors)
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
    translation.question_texts = {str(item_id): texts for item_id, texts in data.question_texts.items() if texts}
    translation.category_texts = {str(item_id): texts for item_id, texts in data.category_texts.items() if texts}
    db.session.flush()
    return translation
