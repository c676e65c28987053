"""Feedback surveys: a 1-5 rating, what worked, what to improve and the coordinator's own questions, asked
after each session or after the last one through a personal link; one response per participant and session,
changeable until the survey closes; results with the names, or anonymous."""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from app.accounts.access import within_desks
from app.actions import Action, require
from app.errors import DomainError, NotAllowed
from app.events.models import Event, EventSession
from app.extensions import db
from app.i18n import _
from app.mail.models import OutboxMessage
from app.mail.services import queue_email
from app.participation.models import (
    AFTER_EACH_SESSION,
    AFTER_LAST_SESSION,
    QUESTION_RATING,
    QUESTION_TEXT,
    SURVEY_CLOSED,
    SURVEY_DRAFT,
    SURVEY_OPEN,
    FeedbackQuestion,
    FeedbackResponse,
    FeedbackSurvey,
)
from app.registrations import tokens
from app.registrations.models import CONFIRMED, Registration
from app.registrations.services import chosen_session_ids, status_counts
from app.types import utcnow
from app.web import external_url_for

TOKEN_FEEDBACK = "feedback"
MAX_QUESTIONS = 5


class FeedbackError(DomainError):
    code = "feedback_invalid"
    status = 422


def survey_for(event: Event) -> FeedbackSurvey | None:
    return db.session.scalar(sa.select(FeedbackSurvey).where(FeedbackSurvey.event_id == event.id))


def save_survey(
    event: Event,
    *,
    timing: str,
    anonymous_results: bool,
    intro: str = "",
    closes_at: datetime | None = None,
    questions: list[tuple[str, str]] = (),
) -> FeedbackSurvey:
    """Create or change the event's survey; questions are (text, kind) pairs, empty texts dropped."""
    if timing not in (AFTER_EACH_SESSION, AFTER_LAST_SESSION):
        raise FeedbackError(_("Choose when the survey is sent."), field="timing")
    questions = [(t.strip(), k) for t, k in questions if t and t.strip()]
    if len(questions) > MAX_QUESTIONS:
        raise FeedbackError(_("At most %(count)s questions of your own.", count=MAX_QUESTIONS), field="questions")
    if any(k not in (QUESTION_TEXT, QUESTION_RATING) for _t, k in questions):
        raise FeedbackError(_("Choose a type for each question."), field="questions")
    survey = survey_for(event)
    if survey is None:
        survey = FeedbackSurvey(event=event, status=SURVEY_DRAFT)
        db.session.add(survey)
    elif survey.timing != timing and _has_responses(survey):
        raise FeedbackError(
            _("Participants have answered already: when the survey is sent can no longer change."), field="timing"
        )
    survey.timing = timing
    survey.anonymous_results = anonymous_results
    survey.intro = intro.strip()
    survey.closes_at = closes_at
    existing = {q.text: q for q in survey.questions}
    survey.questions = [existing.get(text) or FeedbackQuestion(text=text[:300], kind=kind) for text, kind in questions]
    for position, (question, (_text, kind)) in enumerate(zip(survey.questions, questions, strict=True)):
        question.position = position
        question.kind = kind
    db.session.flush()
    return survey


def _has_responses(survey: FeedbackSurvey) -> bool:
    return bool(db.session.scalar(sa.select(sa.func.count()).where(FeedbackResponse.survey_id == survey.id)))


def accepting(survey: FeedbackSurvey | None, now: datetime | None = None) -> bool:
    """Whether answers are taken now: the survey is open and its closing time has not passed."""
    now = now or utcnow()
    return survey is not None and survey.status == SURVEY_OPEN and (survey.closes_at is None or now < survey.closes_at)


def survey_actions(survey: FeedbackSurvey, now: datetime | None = None) -> list[Action]:
    """Open, close and send the invitations now, each allowed or refused with the reason."""
    is_open = accepting(survey, now)
    return [
        Action(
            "open",
            _("Open the survey"),
            survey.status != SURVEY_OPEN,
            _("The survey is open already."),
        ),
        Action("close", _("Close the survey"), survey.status == SURVEY_OPEN, _("The survey is not open.")),
        Action(
            "send",
            _("Send the invitations that are due"),
            is_open and bool(sessions_due(survey, now)),
            _("Invitations go out once the survey is open and a session it follows has ended."),
        ),
    ]


def open_survey(survey: FeedbackSurvey, now: datetime | None = None) -> int:
    """Open the survey and invite the participants of the sessions that have ended; returns emails queued."""
    require(survey_actions(survey, now), "open")
    survey.status = SURVEY_OPEN
    if survey.closes_at is not None and survey.closes_at <= (now or utcnow()):
        survey.closes_at = None
    db.session.flush()
    return send_invitations(survey, now)


def close_survey(survey: FeedbackSurvey) -> None:
    """Stop taking answers; the results stay."""
    require(survey_actions(survey), "close")
    survey.status = SURVEY_CLOSED
    db.session.flush()


def target_sessions(survey: FeedbackSurvey) -> list[EventSession]:
    """The sessions asked about: each of them, or the last one (standing for the whole event)."""
    sessions = list(survey.event.sessions)
    if survey.timing == AFTER_EACH_SESSION:
        return sessions
    return sessions[-1:]


def asked(survey: FeedbackSurvey, registration: Registration, session: EventSession) -> bool:
    """Whether the survey asks this participant about this session: a survey after each session asks those
    the session was for (everyone, or those who chose it where participants choose sessions); a survey after
    the last session stands for the whole event and asks every participant."""
    return survey.timing == AFTER_LAST_SESSION or session.id in chosen_session_ids(registration)


def sessions_due(survey: FeedbackSurvey, now: datetime | None = None) -> list[EventSession]:
    now = now or utcnow()
    return [s for s in target_sessions(survey) if s.ends_at <= now]


def sessions_to_answer(survey: FeedbackSurvey | None, registration: Registration, now=None) -> list[EventSession]:
    """The sessions this participant may give feedback on now (their personal page offers these)."""
    if not accepting(survey, now) or registration.status != CONFIRMED:
        return []
    return [session for session in sessions_due(survey, now) if asked(survey, registration, session)]


def feedback_link(registration: Registration, session: EventSession) -> str:
    """A new personal link to the survey for one session."""
    return external_url_for(
        "participation.feedback_form", token=tokens.issue(registration, TOKEN_FEEDBACK), session_id=session.id
    )


def send_invitations(survey: FeedbackSurvey, now: datetime | None = None) -> int:
    """Queue the survey invitation of every confirmed participant asked (``asked``) about each ended session;
    each is sent once."""
    if not accepting(survey, now):
        return 0
    event = survey.event
    participants = db.session.scalars(
        sa.select(Registration).where(
            Registration.event_id == event.id, Registration.status == CONFIRMED, Registration.anonymised_at.is_(None)
        )
    ).all()
    count = 0
    for session in sessions_due(survey, now):
        number = event.sessions.index(session) + 1
        for registration in participants:
            if not asked(survey, registration, session):
                continue
            key = f"feedback-invite:{survey.id}:{session.id}:{registration.id}"
            if db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)):
                continue  # invited already: no new link token either
            message = queue_email(
                kind="feedback_invitation",
                to=registration.email,
                to_name=registration.name,
                template="feedback_invitation",
                context={
                    "registration": registration,
                    "event": event,
                    "session": session,
                    "session_number": number,
                    "whole_event": survey.timing == AFTER_LAST_SESSION,
                    "link": feedback_link(registration, session),
                    "closes_at": survey.closes_at,
                },
                dedup_key=key,
                desk=event.desk,
            )
            count += message is not None
    db.session.flush()
    return count


def send_due_invitations(now: datetime | None = None) -> int:
    """The worker's job: invitations of every open survey whose sessions have ended."""
    surveys = db.session.scalars(sa.select(FeedbackSurvey).where(FeedbackSurvey.status == SURVEY_OPEN)).all()
    return sum(send_invitations(s, now) for s in surveys)


def registration_for_link(raw_token: str | None) -> Registration | None:
    token = tokens.lookup(raw_token, TOKEN_FEEDBACK)
    if token is None or token.registration.anonymised_at is not None:
        return None
    return token.registration


def response_for(survey: FeedbackSurvey, registration: Registration, session: EventSession):
    return db.session.scalar(
        sa.select(FeedbackResponse).where(
            FeedbackResponse.survey_id == survey.id,
            FeedbackResponse.registration_id == registration.id,
            FeedbackResponse.session_id == session.id,
        )
    )


def check_can_answer(survey: FeedbackSurvey | None, registration: Registration, session: EventSession, now=None):
    """NotAllowed (with the reason) unless this participant may answer about this session now."""
    if (
        survey is None
        or session.event_id != registration.event_id
        or session not in target_sessions(survey)
        or not asked(survey, registration, session)
    ):
        raise NotAllowed(_("There is no survey for this session."), code="no_survey", status=404)
    if registration.status != CONFIRMED:
        raise NotAllowed(_("Only confirmed participants can answer the survey."), code="not_participant", status=403)
    if not accepting(survey, now):
        raise NotAllowed(_("This survey is closed; answers are no longer taken."), code="survey_closed", status=410)


def submit_response(
    survey: FeedbackSurvey,
    registration: Registration,
    session: EventSession,
    *,
    rating: int,
    worked: str = "",
    improve: str = "",
    answers: dict[int, str] | None = None,
    now: datetime | None = None,
) -> FeedbackResponse:
    """Save the participant's answers for a session; a second submission changes the first one."""
    check_can_answer(survey, registration, session, now)
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise FeedbackError(_("Choose a rating from 1 to 5."), field="rating")
    clean: dict[str, str] = {}
    for question in survey.questions:
        value = (answers or {}).get(question.id, "")
        value = str(value or "").strip()
        if question.kind == QUESTION_RATING and value and value not in {"1", "2", "3", "4", "5"}:
            raise FeedbackError(_("Choose a rating from 1 to 5."), field=f"q{question.id}")
        if value:
            clean[str(question.id)] = value[:2000]
    values = {"rating": rating, "worked": worked.strip()[:5000], "improve": improve.strip()[:5000], "answers": clean}
    response = response_for(survey, registration, session)
    if response is None:
        try:
            with db.session.begin_nested():
                response = FeedbackResponse(
                    survey_id=survey.id, registration_id=registration.id, session_id=session.id, **values
                )
                db.session.add(response)
        except sa.exc.IntegrityError:
            # The same participant submitting twice at once: the second becomes a change of the first.
            response = response_for(survey, registration, session)
    for key, value in values.items():
        setattr(response, key, value)
    db.session.flush()
    return response


@dataclass
class Comment:
    author: str  # the participant's name, or "" when the results are anonymous
    session: str
    rating: int
    worked: str
    improve: str
    answers: list[tuple[str, str]]


@dataclass
class SessionResults:
    session: EventSession
    label: str
    count: int = 0
    average: float | None = None
    distribution: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(1, 6), 0))


@dataclass
class SurveyResults:
    survey: FeedbackSurvey
    sessions: list[SessionResults]
    comments: list[Comment]
    # Responses to the sessions the survey asks about (one per participant and session), the participants
    # still confirmed who gave at least one, and the confirmed participants; all of the desks the reader sees.
    responses: int
    respondents: int
    invited: int


def _session_label(event: Event, session: EventSession, survey: FeedbackSurvey) -> str:
    if survey.timing == AFTER_LAST_SESSION:
        return _("The whole event")
    number = event.sessions.index(session) + 1
    return session.title or _("Session %(number)s", number=number)


def _responses(survey: FeedbackSurvey, desk_ids: set[int] | None):
    query = (
        sa.select(FeedbackResponse, Registration)
        .join(Registration, Registration.id == FeedbackResponse.registration_id)
        .where(FeedbackResponse.survey_id == survey.id)
        .order_by(FeedbackResponse.session_id, FeedbackResponse.created_at, FeedbackResponse.id)
    )
    query = query.where(within_desks(Registration.desk_id, desk_ids))
    return db.session.execute(query).all()


def results(survey: FeedbackSurvey, desk_ids: set[int] | None = None) -> SurveyResults:
    """Ratings per session (count, average, 1-5 distribution) and the comments, named or anonymous."""
    event = survey.event
    by_session = {s.id: SessionResults(s, _session_label(event, s, survey)) for s in target_sessions(survey)}
    questions = {str(q.id): q.text for q in survey.questions}
    comments = []
    rows = _responses(survey, desk_ids)
    totals: dict[int, int] = {}
    counted = 0
    respondents: set[int] = set()
    for response, registration in rows:
        line = by_session.get(response.session_id)
        if line is None:
            continue
        counted += 1
        if registration.status == CONFIRMED:
            respondents.add(registration.id)
        line.count += 1
        line.distribution[response.rating] = line.distribution.get(response.rating, 0) + 1
        totals[response.session_id] = totals.get(response.session_id, 0) + response.rating
        answers = [(questions[k], v) for k, v in response.answers.items() if k in questions]
        if response.worked or response.improve or answers:
            comments.append(
                Comment(
                    author="" if survey.anonymous_results else registration.name,
                    session=line.label,
                    rating=response.rating,
                    worked=response.worked,
                    improve=response.improve,
                    answers=answers,
                )
            )
    for line in by_session.values():
        if line.count:
            line.average = round(totals[line.session.id] / line.count, 2)
    if survey.anonymous_results:
        # Without names, the order of submission would still point to people: sort the comments.
        comments.sort(key=lambda c: (c.session, c.worked, c.improve))
    confirmed = status_counts(event, desk_ids).get(CONFIRMED, 0)
    return SurveyResults(survey, list(by_session.values()), comments, counted, len(respondents), confirmed)


def results_csv(survey: FeedbackSurvey, desk_ids: set[int] | None = None) -> bytes:
    """Every response as a CSV row; without names when the results are anonymous."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    questions = list(survey.questions)
    header = [_("Session"), _("Rating"), _("What worked"), _("What to improve"), *[q.text for q in questions]]
    if not survey.anonymous_results:
        header = [_("Name"), _("Organisation"), *header, _("Answered (UTC)")]
    writer.writerow(header)
    event = survey.event
    rows = _responses(survey, desk_ids)
    if survey.anonymous_results:
        rows = sorted(rows, key=lambda pair: (pair[0].session_id, pair[0].rating, pair[0].worked))
    for response, registration in rows:
        cells = [
            _session_label(event, response.session, survey),
            response.rating,
            response.worked,
            response.improve,
            *[response.answers.get(str(q.id), "") for q in questions],
        ]
        if not survey.anonymous_results:
            cells = [registration.name, registration.organisation, *cells, f"{response.updated_at:%Y-%m-%d %H:%M}"]
        writer.writerow([_cell(c) for c in cells])
    return buffer.getvalue().encode("utf-8")


def _cell(value) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    value = "" if value is None else str(value)
    return "'" + value if value and value[0] in "=+-@\t\r|" else value


def forget_answers(registration: Registration) -> None:
    """A participant deleted their data: ratings stay for the counts, their words go."""
    for response in db.session.scalars(
        sa.select(FeedbackResponse).where(FeedbackResponse.registration_id == registration.id)
    ):
        response.worked = ""
        response.improve = ""
        response.answers = {}
    tokens.revoke(registration, TOKEN_FEEDBACK)
    db.session.flush()
