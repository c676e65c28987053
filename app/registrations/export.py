"""The coordinators' CSV export of registrations: Excel-friendly, with formula cells neutralised."""

import csv
import io
from collections.abc import Callable, Iterable

from app.countries import COUNTRY_NAMES
from app.i18n import _
from app.registrations.models import Registration


def registrations_csv(
    rows: Iterable[Registration],
    extra_headers: list[str] = (),
    extra_columns: Callable[[Registration], list[str]] | None = None,
) -> bytes:
    """The CSV file of ``rows``; other domains add columns (attendance) through the two ``extra`` arguments."""
    buffer = io.StringIO()
    # A BOM so that Excel reads the file as UTF-8 (Georgian, Cyrillic and German names intact).
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(
        [
            _("Name"),
            _("Email"),
            _("Organisation"),
            _("Country"),
            _("Role"),
            _("Expert type"),
            _("Time zone"),
            _("Status"),
            _("Desk"),
            _("Email confirmed (UTC)"),
            _("Registered (UTC)"),
            _("Message"),
            *extra_headers,
        ]
    )
    for r in rows:
        writer.writerow(
            _cell(value)
            for value in [
                r.name,
                r.email,
                r.organisation,
                COUNTRY_NAMES.get(r.country, r.country),
                r.position,
                r.expert_type,
                r.timezone,
                r.status,
                r.desk.name,
                r.verified_at.strftime("%Y-%m-%d %H:%M") if r.verified_at else "",
                r.created_at.strftime("%Y-%m-%d %H:%M"),
                r.message,
                *(extra_columns(r) if extra_columns else []),
            ]
        )
    return buffer.getvalue().encode("utf-8")


def _cell(value) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    value = "" if value is None else str(value)
    if value and value[0] in "=+-@\t\r|":
        return "'" + value
    return value
