"""The registration form in other languages: coordinators translate the event's questions (label, help text,
choice options) and categories (name, description) with the rest of the event (app.events.translations).

Only the texts shown change. An answer's value stays the original option whatever the language it was given
in, so answers and exports compare across languages. Coordinators give the translated options one per line in
the order of the originals; each is kept by the original it translates, so that reordering, rewording or removing
an original later never lets a translation stand for another answer (a new or reworded option shows in the
original until it is translated).
"""

from app.events.models import Event
from app.events.translations import TranslationData, text_field
from app.i18n import _, ngettext
from app.registrations.models import CHOICE_KINDS
from app.registrations.services.categories import categories_for
from app.registrations.services.questions import has_control_characters, questions_for


def _line(texts: dict, part: str) -> str:
    return str(texts.get(part) or "").strip()


def check_form_translation(event: Event, data: TranslationData, errors: dict[str, str]) -> None:
    """Keep in ``data`` the translated texts of the event's own questions and categories, cleaned; add to
    ``errors`` (by form field) what cannot be kept. Texts of other events' questions or categories are dropped,
    and so are those the original lacks (a help text, a description, options) and readers would never see."""
    questions: dict[int, dict] = {}
    for question in questions_for(event):
        texts = data.question_texts.get(question.id) or {}
        label, help_text = _line(texts, "label"), _line(texts, "help") if question.help_text else ""
        if len(label) > 300 or has_control_characters(label):
            errors[text_field("question", question.id, "label")] = _(
                "Keep the question under 300 characters, on one line."
            )
        if len(help_text) > 500 or has_control_characters(help_text):
            errors[text_field("question", question.id, "help")] = _("Keep the help text under 500 characters.")
        options: dict[str, str] = {}
        if question.kind in CHOICE_KINDS and question.options:
            # One line per original option, in its order; an empty line leaves that option untranslated.
            lines = [str(line).strip() for line in texts.get("options") or []]
            while lines and not lines[-1]:
                lines.pop()
            wanted = len(question.options)
            if lines and len(lines) != wanted:
                errors[text_field("question", question.id, "options")] = ngettext(
                    "Give %(num)s answer, one per line, in the order of the original ones.",
                    "Give %(num)s answers, one per line, in the order of the original ones.",
                    wanted,
                )
            elif any(len(line) > 200 or has_control_characters(line) for line in lines):
                errors[text_field("question", question.id, "options")] = _(
                    "Give at most 50 answers of at most 200 characters each."
                )
            elif len({line for line in lines if line}) < len([line for line in lines if line]):
                errors[text_field("question", question.id, "options")] = _("Each answer can be given only once.")
            else:
                # Kept by the original option, so that reordering or rewording the originals never makes a
                # translation stand for another answer.
                # A line left empty or as the original is not a translation.
                options = {
                    original: line
                    for original, line in zip(question.options, lines, strict=False)
                    if line and line != original
                }
        kept = {part: text for part, text in (("label", label), ("help", help_text), ("options", options)) if text}
        if kept:
            questions[question.id] = kept
    categories: dict[int, dict] = {}
    for category in categories_for(event):
        texts = data.category_texts.get(category.id) or {}
        name, description = _line(texts, "name"), _line(texts, "description") if category.description else ""
        if len(name) > 120 or has_control_characters(name):
            errors[text_field("category", category.id, "name")] = _(
                "Give the category a name of at most 120 characters."
            )
        if len(description) > 500 or has_control_characters(description):
            errors[text_field("category", category.id, "description")] = _("Keep the description under 500 characters.")
        kept = {part: text for part, text in (("name", name), ("description", description)) if text}
        if kept:
            categories[category.id] = kept
    data.question_texts, data.category_texts = questions, categories
