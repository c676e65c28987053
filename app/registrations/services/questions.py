"""Coordinators' own questions in an event's registration form, and the participants' answers.

Answers are checked here, on the server, whatever the browser sent; each problem is reported on the
question's field (``q_<id>``). An answer keeps the question's wording of the moment it was given, so
editing or deleting a question later leaves earlier answers readable.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

import sqlalchemy as sa

from app.countries import COUNTRY_NAMES
from app.events.models import Event
from app.extensions import db
from app.i18n import _, _l
from app.registrations.models import CHOICE_KINDS, QUESTION_KINDS, Answer, Category, Question, Registration
from app.registrations.services.common import RegistrationError, forget_translated_texts

KIND_LABELS = {
    "short_text": _l("Short text"),
    "long_text": _l("Long text"),
    "single_choice": _l("Single choice"),
    "multiple_choice": _l("Multiple choice"),
    "yes_no": _l("Yes / no"),
    "number": _l("Number"),
    "date": _l("Date"),
    "country": _l("Country"),
    "url": _l("Link (web address)"),
}
DEFAULT_MAX_LENGTH = {"short_text": 200, "long_text": 4000}
MAX_OPTIONS = 50
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SINGLE_LINE_JUNK = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_MULTILINE_JUNK = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(text: str, multiline: bool = False) -> bool:
    """Control characters (and, on one line, line breaks) never belong in an answer or a label."""
    return bool((_MULTILINE_JUNK if multiline else _SINGLE_LINE_JUNK).search(text))


@dataclass
class QuestionData:
    kind: str
    label: str
    help_text: str = ""
    required: bool = False
    options: list[str] = field(default_factory=list)
    min_value: float | None = None
    max_value: float | None = None
    category_ids: list[int] = field(default_factory=list)


def questions_select(event_id: int | None) -> sa.Select:
    """The event's questions in the order the form shows them."""
    return sa.select(Question).where(Question.event_id == event_id).order_by(Question.position, Question.id)


def questions_for(event: Event) -> list[Question]:
    """The event's questions in the order the form shows them."""
    return list(db.session.scalars(questions_select(event.id)))


def asked_of(question: Question, category_id: int | None) -> bool:
    """Whether the question is asked of a person in this category (no categories chosen: everyone)."""
    return not question.category_ids or category_id in question.category_ids


def _check(event: Event, data: QuestionData) -> QuestionData:
    errors: dict[str, str] = {}
    label = (data.label or "").strip()
    if not label:
        errors["label"] = _("Write the question.")
    elif len(label) > 300 or has_control_characters(label):
        errors["label"] = _("Keep the question under 300 characters, on one line.")
    if data.kind not in QUESTION_KINDS:
        errors["kind"] = _("Choose a type from the list.")
    help_text = (data.help_text or "").strip()
    if len(help_text) > 500:
        errors["help_text"] = _("Keep the help text under 500 characters.")
    options = [o.strip() for o in data.options if o.strip()]
    if data.kind in CHOICE_KINDS:
        if len(options) < 2:
            errors["options"] = _("Give at least two answers to choose from, one per line.")
        elif len(options) > MAX_OPTIONS or any(len(o) > 200 for o in options):
            errors["options"] = _("Give at most 50 answers of at most 200 characters each.")
        elif len(set(options)) != len(options):
            errors["options"] = _("Each answer can be given only once.")
    else:
        options = []
    low, high = data.min_value, data.max_value
    for name, value in (("min_value", low), ("max_value", high)):
        if value is not None and (not math.isfinite(value) or abs(value) > 1e12):
            errors[name] = _("Give a smaller number.")
    if "min_value" not in errors and "max_value" not in errors:
        if data.kind in ("short_text", "long_text", "multiple_choice"):
            for name, value in (("min_value", low), ("max_value", high)):
                if value is not None and (value < 0 or value != int(value)):
                    errors[name] = _("Give a whole number, 0 or more.")
        if low is not None and high is not None and low > high and not errors:
            errors["max_value"] = _("The upper limit must not be below the lower one.")
    if data.kind not in ("short_text", "long_text", "multiple_choice", "number"):
        low = high = None
    valid_categories = set(db.session.scalars(sa.select(Category.id).where(Category.event_id == event.id)))
    category_ids = sorted({c for c in data.category_ids if c in valid_categories})
    if errors:
        raise RegistrationError(_("The question could not be saved."), fields=errors, code="question_invalid")
    return QuestionData(data.kind, label, help_text, bool(data.required), options, low, high, category_ids)


def save_question(event: Event, data: QuestionData, question: Question | None = None) -> Question:
    """Add a question at the end of the form, or change one (earlier answers keep their wording)."""
    clean = _check(event, data)
    if question is None:
        last = db.session.scalar(sa.select(sa.func.max(Question.position)).where(Question.event_id == event.id))
        question = Question(event_id=event.id, position=(last or 0) + 1)
        db.session.add(question)
    question.kind, question.label, question.help_text = clean.kind, clean.label, clean.help_text
    question.required, question.options = clean.required, clean.options
    question.min_value, question.max_value, question.category_ids = clean.min_value, clean.max_value, clean.category_ids
    db.session.flush()
    return question


def delete_question(question: Question) -> None:
    """Remove a question from the form; answers already given stay, with the question's wording."""
    forget_translated_texts(question.event_id, "question", question.id)
    db.session.delete(question)
    db.session.flush()


def move_question(question: Question, step: int) -> None:
    """Move a question one place up (-1) or down (+1) in the form."""
    ordered = questions_for(db.session.get(Event, question.event_id))
    index = ordered.index(question)
    other = index + step
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered, 1):
        item.position = position
    db.session.flush()


def copy_questions(source: Event, target: Event) -> int:
    """Add the source event's questions to the target's form; categories are matched by name."""
    return len(question_copies(source, target))


def question_copies(source: Event, target: Event) -> dict[int, Question]:
    """copy_questions, answering which question of the target copies which of the source (by source id)."""
    if source.id == target.id:
        raise RegistrationError(_("Choose another event to copy from."), field="source", code="question_copy_self")
    source_names = {c.id: c.name for c in db.session.scalars(sa.select(Category).where(Category.event_id == source.id))}
    target_ids = {c.name: c.id for c in db.session.scalars(sa.select(Category).where(Category.event_id == target.id))}
    copies = {}
    for question in questions_for(source):
        categories = [target_ids[source_names[c]] for c in question.category_ids if source_names.get(c) in target_ids]
        if question.category_ids and not categories:
            continue  # asked only of categories the target does not have
        copies[question.id] = save_question(
            target,
            QuestionData(
                question.kind,
                question.label,
                question.help_text,
                question.required,
                list(question.options),
                question.min_value,
                question.max_value,
                categories,
            ),
        )
    return copies


# --- answers ------------------------------------------------------------------------------------------


def _length_limits(question: Question) -> tuple[int, int]:
    low = int(question.min_value) if question.min_value is not None else 0
    high = int(question.max_value) if question.max_value is not None else DEFAULT_MAX_LENGTH[question.kind]
    return low, min(high, 10_000)


def clean_answer(question: Question, values: list[str], required: bool) -> tuple[str, list[str]]:
    """The stored form of one answer (display text, chosen options), or ValueError with the reason."""
    values = [str(v).strip() for v in values if str(v).strip()]
    if not values:
        if required:
            raise ValueError(_("Answer this question."))
        return "", []
    kind = question.kind
    if kind != "multiple_choice" and len(values) > 1:
        raise ValueError(_("Give one answer."))
    value = values[0]
    if kind in ("short_text", "long_text"):
        value = value.replace("\r\n", "\n")
        if has_control_characters(value, multiline=kind == "long_text"):
            raise ValueError(_("Remove the control characters from the text."))
        low, high = _length_limits(question)
        if len(value) > high:
            raise ValueError(_("Keep the answer to at most %(count)s characters.", count=high))
        if len(value) < low:
            raise ValueError(_("Write at least %(count)s characters.", count=low))
        return value, []
    if kind == "single_choice":
        if value not in question.options:
            raise ValueError(_("Choose one of the answers offered."))
        return value, [value]
    if kind == "multiple_choice":
        if any(v not in question.options for v in values) or len(set(values)) != len(values):
            raise ValueError(_("Choose among the answers offered."))
        chosen = [o for o in question.options if o in values]
        if question.min_value is not None and len(chosen) < question.min_value:
            raise ValueError(_("Choose at least %(count)s.", count=int(question.min_value)))
        if question.max_value is not None and len(chosen) > question.max_value:
            raise ValueError(_("Choose at most %(count)s.", count=int(question.max_value)))
        return "; ".join(chosen), chosen
    if kind == "yes_no":
        if value not in ("yes", "no"):
            raise ValueError(_("Answer yes or no."))
        return value, [value]
    if kind == "number":
        try:
            number = Decimal(value.replace(",", ".")) if len(value) <= 40 else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise ValueError(_("Give a number, like 12 or 3.5."))
        if question.min_value is not None and number < Decimal(str(question.min_value)):
            raise ValueError(_("Give a number of at least %(low)s.", low=_plain(question.min_value)))
        if question.max_value is not None and number > Decimal(str(question.max_value)):
            raise ValueError(_("Give a number of at most %(high)s.", high=_plain(question.max_value)))
        return _plain(number), []
    if kind == "date":
        try:
            day = date.fromisoformat(value) if DATE_PATTERN.match(value) else None
        except ValueError:
            day = None
        if day is None or not 1900 <= day.year <= 2100:
            raise ValueError(_("Give a date like 2027-03-15."))
        return day.isoformat(), []
    if kind == "country":
        code = value.upper()
        if code not in COUNTRY_NAMES:
            raise ValueError(_("Choose a country from the list."))
        return code, [code]
    # url
    parts = urlsplit(value) if len(value) <= 500 and not has_control_characters(value) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        raise ValueError(_("Give a full web address starting with https://."))
    return value, []


def _plain(number) -> str:
    """12 rather than 12.0 or 1.2E+1."""
    number = Decimal(str(number))
    text = format(number.normalize(), "f") if number == number.to_integral() else format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def check_answers(
    event: Event, category_id: int | None, raw: dict[int, list[str]], asked: list[Question] | None = None
) -> list[tuple[Question, str, list[str]]]:
    """Every answer the registration form needs from a person of this category, cleaned; RegistrationError
    naming each question at fault. Answers to questions not asked of the category are dropped.

    ``asked``: the event's questions when the caller has them already (questions_for)."""
    cleaned, errors = [], {}
    for question in questions_for(event) if asked is None else asked:
        if not asked_of(question, category_id):
            continue
        try:
            value, choices = clean_answer(question, raw.get(question.id, []), question.required)
        except ValueError as error:
            errors[question.field_name] = str(error)
            continue
        if value:
            cleaned.append((question, value, choices))
    if errors:
        raise RegistrationError(_("Some answers need another look."), fields=errors, code="answers_invalid", status=422)
    return cleaned


def store_answers(registration: Registration, cleaned: list[tuple[Question, str, list[str]]]) -> None:
    for question, value, choices in cleaned:
        registration.answers.append(Answer(question_id=question.id, label=question.label, value=value, choices=choices))


def answer_text(answer: Answer, local: bool = False) -> str:
    """An answer as people read it (yes/no and countries spelled out); ``local``: for the participant, with
    the options chosen in their language where coordinators translated them."""
    kind = answer.question.kind if answer.question else None
    if kind == "yes_no":
        return _("Yes") if answer.value == "yes" else _("No")
    if kind == "country":
        return COUNTRY_NAMES.get(answer.value, answer.value)
    if local and kind in CHOICE_KINDS and answer.choices:
        return "; ".join(answer.question.option_label(choice) for choice in answer.choices)
    return answer.value


def local_answer_text(answer: Answer) -> str:
    return answer_text(answer, local=True)


def answers_by_question(registration: Registration) -> dict[int, Answer]:
    return {a.question_id: a for a in registration.answers if a.question_id is not None}


def matches_answers(registration: Registration, wanted: dict[int, str]) -> bool:
    """Whether the registration chose every wanted option (question id -> option) in choice questions."""
    answers = answers_by_question(registration)
    return all(option in (answers[qid].choices if qid in answers else []) for qid, option in wanted.items())


def answer_columns(event: Event, session_choice: bool, chosen_of) -> tuple[list[str], object]:
    """CSV headers and a row function for the category, the sessions chosen (one column each) and one
    column per question of the event."""
    questions = questions_for(event)
    headers = [_("Category")]
    if session_choice:
        headers += [
            _("Chose %(session)s", session=s.title or _("session %(number)s", number=n))
            for n, s in enumerate(event.sessions, 1)
        ]
    headers += [q.label for q in questions]

    def row(registration: Registration) -> list[str]:
        answers = answers_by_question(registration)
        cells = [registration.category.name if registration.category else ""]
        if session_choice:
            chosen = chosen_of(registration)
            cells += [_("yes") if s.id in chosen else "" for s in event.sessions]
        cells += [answer_text(answers[q.id]) if q.id in answers else "" for q in questions]
        return cells

    return headers, row
