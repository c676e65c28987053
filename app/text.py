"""Cleaning of free text typed by people: one home for what may reach a page, a header or a file."""

import re

_SINGLE_LINE_JUNK = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_MULTILINE_JUNK = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")


def single_line(value: str | None) -> str:
    """One line of text: no line break or control character survives (names end up in email headers)."""
    return " ".join(_SINGLE_LINE_JUNK.sub(" ", value or "").split())


def multiline(value: str | None) -> str:
    """Text with line breaks kept as ``\\n`` (browsers send CRLF) and other control characters removed."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    return _MULTILINE_JUNK.sub(" ", value).strip()
