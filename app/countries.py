"""ISO 3166-1 countries for forms and routing (with XK for Kosovo, as the desks use it)."""

import pycountry


def _choices() -> list[tuple[str, str]]:
    names = {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries}
    names["XK"] = "Kosovo"
    return sorted(names.items(), key=lambda item: item[1])


COUNTRY_CHOICES: list[tuple[str, str]] = _choices()
COUNTRY_CODES = frozenset(code for code, _ in COUNTRY_CHOICES)
COUNTRY_NAMES = dict(COUNTRY_CHOICES)


def is_country(code: str | None) -> bool:
    return bool(code) and code.upper() in COUNTRY_CODES


def language_choices() -> list[tuple[str, str]]:
    languages = [(lang.alpha_2, lang.name) for lang in pycountry.languages if hasattr(lang, "alpha_2")]
    return sorted(languages, key=lambda item: item[1])
