"""Cleaning of free text typed by people: one home for what may reach a page, a header or a file."""

import re
import unicodedata
from urllib.parse import urlsplit

_SINGLE_LINE_JUNK = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_MULTILINE_JUNK = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")


def single_line(value: str | None) -> str:
    """One line of text: no line break or control character survives (names end up in email headers)."""
    return " ".join(_SINGLE_LINE_JUNK.sub(" ", value or "").split())


def multiline(value: str | None) -> str:
    """Text with line breaks kept as ``\\n`` (browsers send CRLF) and other control characters removed."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    return _MULTILINE_JUNK.sub(" ", value).strip()


# Kept inside words: Persian, Indic scripts and emoji need the zero-width (non-)joiner to spell correctly.
_JOINERS = frozenset("\u200c\u200d")
# Letters and symbols that render as nothing (Hangul fillers, the blank Braille pattern): a "name" made of
# them looks empty to a coordinator.
_BLANK_LOOKALIKES = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _replacement(char: str) -> str:
    category = unicodedata.category(char)
    if category in ("Cc", "Zl", "Zp"):  # C0 and C1 controls (tab, NEL...) and line separators
        return " "
    # Cf: format characters, among them the bidi overrides and isolates (U+202A-U+202E, U+2066-U+2069), the
    # direction marks, U+200B and U+FEFF.
    if (category == "Cf" and char not in _JOINERS) or char in _BLANK_LOOKALIKES:
        return ""
    return char


def clean_name(value: str | None) -> str:
    """A name or organisation as one line without invisible or direction-changing characters.

    Controls and line breaks become spaces, format characters (bidi overrides, zero-width spaces, byte order
    marks) and blank look-alikes are removed, runs of spaces collapse. Returns "" when nothing visible is
    left; never raises.
    """
    if not isinstance(value, str):
        return ""
    if value.isprintable() and _BLANK_LOOKALIKES.isdisjoint(value):
        # Nothing to remove (the case of nearly every name): no control, format or separator character, for
        # which isprintable() is False but the ASCII space, and no blank look-alike.
        return " ".join(value.split())
    return _clean_each_character(value)


def _clean_each_character(value: str) -> str:
    text = " ".join("".join(_replacement(c) for c in value).split())
    if all(c in _JOINERS or c.isspace() for c in text):
        return ""
    return text


def web_address(value: str | None) -> str | None:
    """``value`` as an http(s) address fit for a link or a Location header, or None.

    Refused: anything with a space, a line break, a control or a format character anywhere (a header value
    with a line break makes every redirect to it fail), another scheme, or no host.
    """
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:  # for instance an unclosed [ in the host
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return value
