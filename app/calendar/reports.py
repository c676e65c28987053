"""Participants reports of video platforms (Zoom, Microsoft Teams) read into attendance.

Zoom's "Participants" report (CSV, UTF-8, commas) has the columns "Name (Original Name)", "User Email",
"Join Time", "Leave Time", "Duration (Minutes)", "Guest", one row per stay, optionally after a meeting block.
Teams' attendance report (often UTF-16 with tabs) starts with a summary block ("1. Summary"), then a
participants table with "Name", "First Join" (or "Join Time"), "Last Leave" (or "Leave Time"),
"In-Meeting Duration" (or "Duration"), "Email" or "Participant ID (UPN)", "Role", then activity blocks.

Times in both reports are wall-clock times without a zone: they are read in the event's zone. A person who left
and came back has several rows: their minutes are added up; a row exported twice counts once.
"""

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from app import timezones
from app.errors import DomainError
from app.i18n import _

MAX_REPORT_BYTES = 1024 * 1024
MAX_REPORT_ROWS = 5000

ZOOM = "zoom"
TEAMS = "teams"
GENERIC = "csv"

NAME_COLUMNS = ("name (original name)", "name", "full name", "participant", "display name")
EMAIL_COLUMNS = ("user email", "email", "e-mail", "participant id (upn)", "upn")
JOIN_COLUMNS = ("join time", "first join", "joined", "first join time")
LEAVE_COLUMNS = ("leave time", "last leave", "left", "last leave time")
DURATION_COLUMNS = ("duration (minutes)", "in-meeting duration", "duration", "attendance duration", "time in call")

# Two-digit years first: "%Y" would read "21" as the year 21.
TIME_FORMATS = (
    "%m/%d/%y, %I:%M:%S %p",
    "%m/%d/%y %I:%M:%S %p",
    "%m/%d/%y, %I:%M %p",
    "%m/%d/%y %H:%M:%S",
    "%m/%d/%y, %H:%M:%S",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y, %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y, %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y, %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y, %H:%M:%S",
    "%d.%m.%Y %H:%M",
)

_DURATION_PARTS = re.compile(r"^\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*(?:(\d+)\s*s)?\s*$", re.IGNORECASE)
_CLOCK = re.compile(r"^\s*(\d+):(\d{1,2})(?::(\d{1,2}))?\s*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PARENTHESES = re.compile(r"\(([^()]*)\)")


class ReportError(DomainError):
    """A report that cannot be read: the message says what is wrong with the file."""

    code = "attendance_report_invalid"
    status = 422


@dataclass
class ReportRow:
    """One line of the participants table."""

    line: int
    name: str
    email: str
    joined_at: datetime | None
    left_at: datetime | None
    minutes: float


@dataclass
class ReportPerson:
    """Everyone's stays merged: by address when the report has one, else by name."""

    name: str
    email: str
    joined_at: datetime | None
    minutes: int
    lines: list[int] = field(default_factory=list)
    duplicates: int = 0


@dataclass
class Report:
    platform: str
    people: list[ReportPerson]
    rows: int


def decode(data: bytes) -> str:
    """The report's text, whatever of UTF-8 (with or without BOM), UTF-16 or Windows-1252 it is in."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if len(data) >= 4 and data[1:2] == b"\x00" and data[3:4] == b"\x00":
        return data.decode("utf-16-le")
    if len(data) >= 4 and data[0:1] == b"\x00" and data[2:3] == b"\x00":
        return data.decode("utf-16-be")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _normal_header(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").strip().strip('"').lower().split())


def _pick(headers: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in headers:
            return headers.index(name)
    return None


def _find_table(lines: list[str]) -> tuple[int, str, dict[str, int | None]] | None:
    """The participants table's header line, its delimiter and the column positions."""
    for number, line in enumerate(lines[:200]):
        if not line.strip():
            continue
        delimiter = max(("\t", ",", ";"), key=line.count)
        if not line.count(delimiter):
            continue
        try:
            headers = [_normal_header(c) for c in next(csv.reader([line], delimiter=delimiter))]
        except csv.Error:
            continue
        columns = {
            "name": _pick(headers, NAME_COLUMNS),
            "email": _pick(headers, EMAIL_COLUMNS),
            "join": _pick(headers, JOIN_COLUMNS),
            "leave": _pick(headers, LEAVE_COLUMNS),
            "duration": _pick(headers, DURATION_COLUMNS),
        }
        # Zoom's meeting block has "Duration (Minutes)" and "User Email" but no participant name column.
        if columns["name"] is not None and (columns["duration"] is not None or columns["join"] is not None):
            return number, delimiter, columns
    return None


def parse_time(text: str, zone: str) -> datetime | None:
    """A report's wall-clock time read in ``zone`` (UTC); None when empty or in no known format."""
    text = " ".join((text or "").strip().split())
    if not text:
        return None
    for fmt in TIME_FORMATS:
        try:
            local = datetime.strptime(text, fmt)
        except ValueError:
            continue
        try:
            return timezones.local_to_utc(local, zone)
        except (timezones.LocalTimeError, ValueError, LookupError):
            return None  # a time that does not exist or is ambiguous on a clock change: no join time
    return None


def parse_minutes(text: str) -> float | None:
    """Minutes from "57", "57.5", "1h 2m 3s", "45m 12s", "3h" or "01:02:03"; None when unreadable."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        pass
    else:
        return value if 0 <= value < 100_000 else None
    clock = _CLOCK.match(text)
    if clock:
        hours, minutes, seconds = (int(g or 0) for g in clock.groups())
        return hours * 60 + minutes + seconds / 60
    parts = _DURATION_PARTS.match(text)
    if parts and any(parts.groups()):
        hours, minutes, seconds = (int(g or 0) for g in parts.groups())
        return hours * 60 + minutes + seconds / 60
    return None


def _platform(text: str, columns: dict[str, int | None], lines: list[str], header_line: int) -> str:
    head = "\n".join(lines[: header_line + 1]).lower()
    if "name (original name)" in head or "user email" in head:
        return ZOOM
    if "summary" in head or "in-meeting duration" in head or "first join" in head or "participant id (upn)" in head:
        return TEAMS
    return GENERIC


def parse_report(data: bytes, zone: str) -> Report:
    """Read a Zoom or Teams participants report; ReportError (on the ``report`` field) when it is not one."""
    if not data or not data.strip(b"\x00\r\n\t \xef\xbb\xbf\xff\xfe"):
        raise ReportError(_("The file is empty."), field="report")
    if len(data) > MAX_REPORT_BYTES:
        raise ReportError(_("The file is larger than 1 MB; a participants report is much smaller."), field="report")
    text = decode(data)
    if "\x00" in text:
        raise ReportError(_("This is not a text file. Upload the report as CSV."), field="report")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    found = _find_table(lines)
    if found is None:
        raise ReportError(
            _(
                "No participants table found. The file needs a header row with a name column and a duration or "
                "join time column, as Zoom's participants report and Teams' attendance report have."
            ),
            field="report",
        )
    header_line, delimiter, columns = found
    platform = _platform(text, columns, lines, header_line)
    try:
        rows = _read_rows(lines, header_line, delimiter, columns, zone)
    except csv.Error as error:
        raise ReportError(
            _("The file is not a valid CSV file (%(reason)s).", reason=str(error)[:100]), field="report"
        ) from None
    if not rows:
        raise ReportError(_("The participants table has no rows."), field="report")
    return Report(platform=platform, people=merge_rows(rows), rows=len(rows))


def _read_rows(lines: list[str], header_line: int, delimiter: str, columns: dict, zone: str) -> list[ReportRow]:
    rows: list[ReportRow] = []
    for offset, cells in enumerate(csv.reader(lines[header_line + 1 :], delimiter=delimiter), start=header_line + 2):
        if not any(c.strip() for c in cells):
            if rows:
                break  # Teams: the participants table ends with a blank line before the activity blocks
            continue
        if len(cells) == 1 and re.match(r"^\s*\d+\.\s", cells[0]):
            break  # the next numbered block of a Teams report
        if len(rows) >= MAX_REPORT_ROWS:
            raise ReportError(_("The report has more than %(count)s rows.", count=MAX_REPORT_ROWS), field="report")

        def cell(key: str, cells=cells) -> str:
            index = columns[key]
            return cells[index].strip() if index is not None and index < len(cells) else ""

        name = " ".join(cell("name").split())[:200]
        if not name:
            continue
        email = cell("email").lower()
        email = email if _EMAIL.match(email) else ""
        joined_at = parse_time(cell("join"), zone)
        left_at = parse_time(cell("leave"), zone)
        minutes = parse_minutes(cell("duration"))
        if minutes is None and joined_at and left_at and left_at >= joined_at:
            minutes = (left_at - joined_at).total_seconds() / 60
        if minutes is None:
            raise ReportError(
                _(
                    "Line %(line)s: the duration %(value)s cannot be read, and there are no join and leave times "
                    "to count it from.",
                    line=offset,
                    value=repr(cell("duration")[:40]),
                ),
                field="report",
            )
        rows.append(ReportRow(offset, name, email, joined_at, left_at, minutes))
    return rows


def merge_rows(rows: list[ReportRow]) -> list[ReportPerson]:
    """One person per address (else per name): stays added up, identical rows counted once."""
    people: dict[str, ReportPerson] = {}
    seen: set[tuple] = set()
    for row in rows:
        key = f"email:{row.email}" if row.email else f"name:{normal_name(row.name)}"
        person = people.get(key)
        if person is None:
            person = people[key] = ReportPerson(name=row.name, email=row.email, joined_at=row.joined_at, minutes=0)
            person.minutes_exact = 0.0
        identity = (key, row.joined_at, row.left_at, round(row.minutes, 2))
        person.lines.append(row.line)
        if identity in seen:
            person.duplicates += 1
            continue
        seen.add(identity)
        person.minutes_exact += row.minutes
        person.minutes = round(person.minutes_exact)
        if row.joined_at and (person.joined_at is None or row.joined_at < person.joined_at):
            person.joined_at = row.joined_at
    return list(people.values())


def normal_name(name: str) -> str:
    """A name compared without case, accents of composition, extra spaces or Zoom's "(original name)"."""
    name = _PARENTHESES.sub(" ", name or "")
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def name_variants(name: str) -> set[str]:
    """The shown name and, for Zoom's "Shown (Original)", the original name too."""
    variants = {normal_name(name)}
    for inner in _PARENTHESES.findall(name or ""):
        variants.add(normal_name(inner))
    return {v for v in variants if v}
