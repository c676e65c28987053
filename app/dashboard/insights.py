"""The numbers behind an event's charts: registrations over time, by country and by category, attendance per
session and feedback ratings. Each series is a list of (label, value) pairs, drawn as SVG with a table."""

from collections import Counter
from datetime import date, timedelta

import sqlalchemy as sa

from app import timezones
from app.accounts.access import within_desks
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
    query = query.where(within_desks(Registration.desk_id, desk_ids))
    rows = db.session.scalars(query).all()

    over_time = registrations_over_time([timezones.utc_to_local(r.created_at, event.timezone).date() for r in rows])
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


def registrations_over_time(days: list[date]) -> list[tuple[str, int]]:
    """Registrations per week, or per month when they spread over more than half a year; gaps count zero."""
    if not days:
        return []
    first, last = min(days), max(days)
    if (last - first).days <= 183:
        counts = Counter(day - timedelta(days=day.weekday()) for day in days)
        start = min(counts)
        steps = [start + timedelta(days=7 * n) for n in range((last - start).days // 7 + 1)]
        return [(_("week of %(day)s", day=step.isoformat()), counts.get(step, 0)) for step in steps]
    counts = Counter((day.year, day.month) for day in days)
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return [(f"{year}-{month:02d}", counts.get((year, month), 0)) for year, month in months]
