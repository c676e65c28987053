"""The interface languages: which one a reader gets, and rendering texts in a recipient's language.

A page is shown in the first of: the reader's explicit choice (a signed-in coordinator's account setting,
else the switcher's cookie), the language of the registration whose personal page it is, the browser's
Accept-Language, the language the event is held in (on pages about one event), English.

Emails and calendar texts are rendered in the recipient's language with ``in_language``, whatever the
language of the request (or worker) that causes them.
"""

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from babel import Locale, UnknownLocaleError
from flask import g, has_request_context, request
from flask_babel import force_locale, get_locale, refresh

DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "lang"

# Each language named in itself, as the switcher shows it; the order is the switcher's.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "de": "Deutsch",
    "sq": "Shqip",
    "hy": "Հայերեն",
    "az": "Azərbaycanca",
    "ka": "ქართული",
    "mk": "Македонски",
    "ro": "Română",
    "ru": "Русский",
    "sr_Latn": "Srpski (latinica)",
    "uk": "Українська",
}

# Language tags a browser or an event may carry that mean one of ours. Serbian is offered in Latin
# script only, which readers of the Cyrillic script read as well.
_ALIASES = {"sr": "sr_Latn", "sr_cyrl": "sr_Latn", "mo": "ro"}
_LOWERED = {key.lower(): key for key in LANGUAGES}


def normalize(code: str | None) -> str | None:
    """One of LANGUAGES for a language tag ("de-AT", "sr-Latn-RS", "ka_GE"), or None."""
    if not code or not isinstance(code, str) or len(code) > 35:
        return None
    return _normalized(code)


@functools.lru_cache(maxsize=512)
def _normalized(code: str) -> str | None:
    # Asked many times per page and email (every date and text in the language in force): kept per tag.
    parts = [part for part in code.replace("-", "_").split("_") if part]
    if not parts or not all(part.isascii() and part.isalnum() for part in parts):
        return None
    for size in (2, 1):
        candidate = "_".join(parts[:size]).lower()
        if candidate in _LOWERED:
            return _LOWERED[candidate]
        if candidate in _ALIASES:
            return _ALIASES[candidate]
    return None


def accepted_language() -> str | None:
    """The first of the browser's Accept-Language languages (by quality) that we have."""
    for tag, _quality in request.accept_languages:
        found = normalize(tag)
        if found:
            return found
    return None


def chosen_language() -> str | None:
    """The reader's explicit choice: a signed-in coordinator's setting, else the switcher's cookie."""
    from flask_login import current_user

    if current_user and current_user.is_authenticated:
        found = normalize(getattr(current_user, "language", None))
        if found:
            return found
    return normalize(request.cookies.get(LANGUAGE_COOKIE))


def select_locale() -> str:
    """Flask-Babel's locale selector (see the module's docstring for the order)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    return (
        chosen_language()
        or normalize(g.get("person_language"))
        or accepted_language()
        or normalize(g.get("event_language"))
        or DEFAULT_LANGUAGE
    )


def about_event(event) -> None:
    """Mark the current page as being about ``event``: its language comes before English."""
    g.event_language = event.language
    refresh()


def for_person(language: str | None) -> None:
    """Mark the current page as someone's personal page: their stored language comes before the browser's."""
    g.person_language = language
    refresh()


def current_language() -> str:
    """The language in force (the request's, or the one ``in_language`` set)."""
    locale = get_locale()
    return normalize(str(locale)) if locale is not None else DEFAULT_LANGUAGE


@contextmanager
def in_language(code: str | None) -> Iterator[str]:
    """Render texts, dates and calendar parts in ``code`` (a recipient's stored language)."""
    language = normalize(code) or DEFAULT_LANGUAGE
    with force_locale(language):
        yield language


def babel_locale(code: str | None = None) -> Locale:
    """The Babel locale of ``code``, or of the language in force."""
    return _babel_locale(normalize(code) or current_language())


@functools.cache
def _babel_locale(language: str) -> Locale:
    return Locale.parse(language)  # one of LANGUAGES: a handful, each parsed once


def html_lang(code: str | None = None) -> str:
    """The BCP 47 tag for <html lang>: "sr-Latn", "ka"."""
    return (normalize(code) or current_language()).replace("_", "-")


def text_direction(code: str | None = None) -> str:
    return babel_locale(code).text_direction


def language_choices() -> list[tuple[str, str]]:
    """(code, the language's name in itself) for the switcher and the language settings."""
    return list(LANGUAGES.items())


def language_name(code: str | None, in_code: str | None = None) -> str:
    """The name of any language (an event's, say) in the language in force: "Deutsch" -> "German"."""
    if not code:
        return ""
    reader = babel_locale(in_code)
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(reader)
    except (UnknownLocaleError, ValueError):
        name = None
    if not name:
        import pycountry

        language = pycountry.languages.get(alpha_2=code[:2].lower())
        return language.name if language else code
    # As CLDR writes it: lower case where the language writes it so ("английский"), and Georgian has no
    # capitals in running text at all.
    return name
