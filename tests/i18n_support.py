"""What the translation tests share: the catalogs, and which of them are still being translated."""

import re
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from app.locales import LANGUAGES

TRANSLATIONS = Path(__file__).resolve().parent.parent / "app" / "translations"
SOURCE_LANGUAGE = "en"

# Catalogs created but not yet translated. A translator who completes one removes it here: the
# completeness test then checks it, and fails for it while it is listed here (strict xfail).
PENDING: frozenset[str] = frozenset()

PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_]\w*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")


def catalog_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def present_languages() -> list[str]:
    """Every language with a catalog on disk."""
    return sorted(path.parent.parent.name for path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def read_catalog(language: str):
    with catalog_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def placeholders(text: str) -> list[str]:
    """The %-placeholders of a message, sorted ("%(name)s", "%(num)d"); "%%" is not one."""
    return sorted(p for p in PLACEHOLDER.findall(text or "") if p != "%%")


def compile_catalogs() -> None:
    """Compile each catalog whose .mo is missing or older than its .po (fuzzy entries left out)."""
    for language in present_languages():
        po = catalog_path(language)
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        catalog = read_catalog(language)
        with mo.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)


def translated_languages() -> list[str]:
    return [code for code in LANGUAGES if code != SOURCE_LANGUAGE and code not in PENDING]
