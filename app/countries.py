"""ISO 3166-1 countries for forms and routing (with XK for Kosovo, as the desks use it).

Names come from CLDR (Babel) in the reader's language and are listed in that language's alphabetical
order; ``ENGLISH_COUNTRY_NAMES`` is for texts that are stored (routing reasons), which stay in English.
"""

from collections.abc import Iterator, Mapping
from functools import cache

import pycountry
from babel import Locale

from app import collation
from app.locales import current_language


def _english() -> dict[str, str]:
    """Every ISO 3166-1 country (from pycountry) with its everyday English name from CLDR ("Russia", "Vatican
    City"), written with "and" where CLDR abbreviates it ("Bosnia and Herzegovina")."""
    cldr = Locale("en").territories
    names = {
        c.alpha_2: (cldr.get(c.alpha_2) or getattr(c, "common_name", None) or c.name).replace(" & ", " and ")
        for c in pycountry.countries
    }
    names["XK"] = "Kosovo"
    return names


ENGLISH_COUNTRY_NAMES: dict[str, str] = _english()
COUNTRY_CODES = frozenset(ENGLISH_COUNTRY_NAMES)


@cache
def _names(language: str) -> dict[str, str]:
    if language == "en":
        return dict(ENGLISH_COUNTRY_NAMES)
    territories = Locale.parse(language).territories
    return {code: territories.get(code) or english for code, english in ENGLISH_COUNTRY_NAMES.items()}


def country_name(code: str | None, language: str | None = None) -> str:
    """A country's name in ``language`` (default: the language in force); the code if it is unknown."""
    if not code:
        return ""
    return _names(language or current_language()).get(code.upper(), code)


@cache
def _choices(language: str) -> tuple[tuple[str, str], ...]:
    return tuple(collation.sorted_by(_names(language).items(), lambda item: item[1], language))


def country_choices(language: str | None = None) -> list[tuple[str, str]]:
    """(code, name) for every country, named and sorted in ``language`` (default: the language in force)."""
    return list(_choices(language or current_language()))


class _CountryNames(Mapping):
    """Country names by code, in the language in force when they are looked up."""

    def __getitem__(self, code: str) -> str:
        if code not in COUNTRY_CODES:
            raise KeyError(code)
        return country_name(code)

    def __iter__(self) -> Iterator[str]:
        return iter(code for code, _name in country_choices())

    def __len__(self) -> int:
        return len(COUNTRY_CODES)


COUNTRY_NAMES: Mapping[str, str] = _CountryNames()


def is_country(code: str | None) -> bool:
    return bool(code) and code.upper() in COUNTRY_CODES


def language_choices() -> list[tuple[str, str]]:
    """The languages an event can be held in: (ISO 639-1 code, name in the language in force), sorted."""
    from app.locales import language_name

    language = current_language()
    codes = [lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2")]
    names = [(code, language_name(code)) for code in codes]
    return collation.sorted_by(names, lambda item: item[1], language)
