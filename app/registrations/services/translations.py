"""The registration form in other languages: coordinators translate the event's questions (label, help text,
choice options) and categories (name, description) with the rest of the event (app.events.translations).

Only the texts shown change. An answer's value stays the original option whatever the language it was given
in, so answers and exports compare across languages. Coordinators give the translated options one per line in
the order of the originals; each is kept by the original it translates, so that reordering, rewording or removing
an original later never lets a translation stand for another answer (a new or reworded option shows in the
original until it is translated).
"""

from dataclasses import dataclass

from app.events.models import Event
from app.events.translations import TranslationData, text_field
from app.i18n import _, _l, ngettext
from app.registrations.models import CHOICE_KINDS, Category, Question
from app.registrations.services.categories import categories_for
from app.registrations.services.questions import has_control_characters, questions_for


@dataclass(frozen=True)
class FormText:
    """One text of the registration form that a translation may give: which item, which part, how long it may
    be (per line for options), and what is refused when it is longer or spans lines."""

    kind: str  # "category" or "question"
    item: Category | Question
    part: str  # name, description (categories); label, help, options (questions)
    max_length: int
    too_long: str

    @property
    def field(self) -> str:
        return text_field(self.kind, self.item.id, self.part)


def form_texts(event: Event) -> list[FormText]:
    """The texts of the event's registration form a translation may give, in the order of the form: each
    category's name and description, each question's label, help text and options. A part the original lacks
    (no description, no help text, a question without options) is not there to translate."""
    texts = []
    for category in categories_for(event):
        texts.append(
            FormText("category", category, "name", 120, _l("Give the category a name of at most 120 characters."))
        )
        if category.description:
            texts.append(
                FormText("category", category, "description", 500, _l("Keep the description under 500 characters."))
            )
    for question in questions_for(event):
        texts.append(
            FormText("question", question, "label", 300, _l("Keep the question under 300 characters, on one line."))
        )
        if question.help_text:
            texts.append(FormText("question", question, "help", 500, _l("Keep the help text under 500 characters.")))
        if question.kind in CHOICE_KINDS and question.options:
            texts.append(
                FormText(
                    "question", question, "options", 200, _l("Give at most 50 answers of at most 200 characters each.")
                )
            )
    return texts


def _options(text: FormText, given, errors: dict[str, str]) -> dict[str, str]:
    """Translated options, one line per original in its order, kept by the original they translate, so that
    reordering or rewording the originals never lets a translation stand for another answer. A line left
    empty or as the original is not a translation."""
    originals = list(text.item.options)
    lines = [str(line).strip() for line in given or []]
    while lines and not lines[-1]:
        lines.pop()
    filled = [line for line in lines if line]
    if lines and len(lines) != len(originals):
        errors[text.field] = ngettext(
            "Give %(num)s answer, one per line, in the order of the original ones.",
            "Give %(num)s answers, one per line, in the order of the original ones.",
            len(originals),
        )
    elif any(len(line) > text.max_length or has_control_characters(line) for line in lines):
        errors[text.field] = str(text.too_long)
    elif len(set(filled)) < len(filled):
        errors[text.field] = _("Each answer can be given only once.")
    else:
        return {original: line for original, line in zip(originals, lines, strict=False) if line and line != original}
    return {}


def check_form_translation(event: Event, data: TranslationData, errors: dict[str, str]) -> None:
    """Keep in ``data`` the translated texts of the event's registration form (``form_texts``), cleaned; add to
    ``errors`` (by form field) what cannot be kept. Texts of other events' questions or categories are dropped,
    and so are those the original lacks and readers would never see."""
    kept: dict[str, dict[int, dict]] = {"question": {}, "category": {}}
    given = {"question": data.question_texts, "category": data.category_texts}
    for text in form_texts(event):
        value = (given[text.kind].get(text.item.id) or {}).get(text.part)
        if text.part == "options":
            value = _options(text, value, errors)
        else:
            value = str(value or "").strip()
            if len(value) > text.max_length or has_control_characters(value):
                errors[text.field] = str(text.too_long)
        if value:
            kept[text.kind].setdefault(text.item.id, {})[text.part] = value
    data.question_texts, data.category_texts = kept["question"], kept["category"]
