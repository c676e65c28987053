"""The numbers behind an event's charts: registrations over time, by country and by category, attendance per
session and feedback ratings. Each series is a list of (label, value) pairs, drawn as SVG with a table."""

from collections import Counter
from datetime import timedelta

import sqlalchemy as sa

from app import timezones
from app.calendar.attendance import attendance_by_session
from app.countries import COUNTRY_NAMES
from app.events.models import Event
from app.extensions import db
from app.i18n import _
from app.participation import feedback
from app.registrations.models import STATUS_LABELS, Registration


def insights(event: Event, desk_ids: set[int] | None) -> dict:
    """Every chart's series for ``event``, limited to the registrations of ``desk_ids`` (None: all)."""
    query = sa.select(Registration).where(Registration.event_id == event.id)
    if desk_ids is not None:
        query = query.where(Registration.desk_id.in_(desk_ids or {-1}))
    rows = db.session.scalars(query).all()

    # Registrations per week (Monday, in the event's zone), gaps shown as zero.
    weeks = Counter()
    for r in rows:
        day = timezones.utc_to_local(r.created_at, event.timezone).date()
        weeks[day - timedelta(days=day.weekday())] += 1
    over_time = []
    if weeks:
        week, last = min(weeks), max(weeks)
        while week <= last and len(over_time) < 104:
            over_time.append((_("week of %(day)s", day=week.isoformat()), weeks.get(week, 0)))
            week += timedelta(days=7)

    countries = Counter(COUNTRY_NAMES.get(r.country, r.country or "?") for r in rows)
    categories = Counter(r.expert_type for r in rows)
    statuses = Counter(str(STATUS_LABELS.get(r.status, r.status)) for r in rows)
    attendance = [
        (session.title or _("Session %(number)s", number=number), len(present))
        for number, (session, present) in enumerate(attendance_by_session(event, desk_ids), 1)
    ]
    survey = feedback.survey_for(event)
    ratings = []
    if survey is not None:
        for line in feedback.results(survey, desk_ids).sessions:
            ratings.append((line.label, line.average or 0))
    return {
        "over_time": over_time,
        "by_country": countries.most_common(),
        "by_category": sorted(categories.items()),
        "by_status": statuses.most_common(),
        "attendance": attendance,
        "ratings": ratings,
        "total": len(rows),
    }
