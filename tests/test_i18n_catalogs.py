"""The catalogs: complete, without fuzzy entries, with the source's placeholders, and in step with the code."""

import subprocess
import sys
from pathlib import Path

import pytest

from app.locales import LANGUAGES
from tests.i18n_support import (
    PENDING,
    SOURCE_LANGUAGE,
    TRANSLATIONS,
    catalog_path,
    placeholders,
    present_languages,
    read_catalog,
)


def _languages_to_check():
    for language in present_languages():
        if language == SOURCE_LANGUAGE:
            continue
        marks = [pytest.mark.xfail(strict=True, reason=f"{language} is still being translated")]
        yield pytest.param(language, marks=marks if language in PENDING else [])


def catalog_problems(language: str) -> list[str]:
    """Every untranslated, fuzzy or placeholder-breaking message of a catalog."""
    catalog = read_catalog(language)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        label = ids[0][:60]
        if message.fuzzy:
            problems.append(f"fuzzy: {label}")
        if not strings or not all(strings):
            problems.append(f"untranslated: {label}")
            continue
        expected = sorted(set(placeholders(ids[-1])) | set(placeholders(ids[0])))
        for string in strings:
            found = sorted(set(placeholders(string)))
            # A plural form for exactly one may name the number in words ("one day"), never add another.
            allowed_without_num = len(strings) > 1 and found == [p for p in expected if not p.startswith("%(num)")]
            if found != expected and not allowed_without_num:
                problems.append(f"placeholders {found} instead of {expected}: {label}")
    for message, errors in catalog.check():
        problems += [f"{error}: {str(message.id)[:60]}" for error in errors]
    return problems


@pytest.mark.parametrize("language", list(_languages_to_check()))
def test_every_message_is_translated_with_its_placeholders(language):
    problems = catalog_problems(language)
    assert problems == [], f"{len(problems)} problems in {catalog_path(language)}:\n" + "\n".join(problems[:40])


def test_every_language_has_a_catalog_and_pending_names_only_real_languages():
    assert set(present_languages()) == set(LANGUAGES)
    assert set(PENDING) <= set(LANGUAGES) - {SOURCE_LANGUAGE}


def test_the_checker_finds_missing_fuzzy_and_broken_placeholders(tmp_path, monkeypatch):
    """The completeness check itself: a catalog with each kind of fault fails it."""
    po = tmp_path / "xx" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        "\n".join(
            [
                'msgid ""',
                'msgstr ""',
                '"Content-Type: text/plain; charset=UTF-8\\n"',
                '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"',
                "",
                'msgid "Hello %(name)s,"',
                'msgstr "Hallo %(nom)s,"',
                "",
                'msgid "Untranslated"',
                'msgstr ""',
                "",
                "#, fuzzy",
                'msgid "Fuzzy"',
                'msgstr "Unscharf"',
                "",
                'msgid "Fine"',
                'msgstr "Gut"',
                "",
            ]
        ),
        encoding="utf-8",
    )
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalog = read_po(handle, locale="de")
    monkeypatch.setattr("tests.test_i18n_catalogs.read_catalog", lambda language: catalog)
    problems = catalog_problems("xx")
    assert any(p.startswith("placeholders") and "Hello" in p for p in problems)
    assert any(p.startswith("untranslated: Untranslated") for p in problems)
    assert any(p.startswith("fuzzy: Fuzzy") for p in problems)
    assert not any("Fine" in p for p in problems)


@pytest.mark.slow
def test_catalogs_hold_every_string_the_code_marks(tmp_path):
    """`make messages` was run after the last change: each catalog has every msgid extraction finds."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "_ln:1,2",
            "-o",
            str(pot),
            ".",
        ],
        cwd=TRANSLATIONS.parent.parent,
        check=True,
    )
    from babel.messages.pofile import read_po

    with pot.open("rb") as handle:
        extracted = {message.id if isinstance(message.id, str) else message.id[0] for message in read_po(handle)}
    extracted.discard("")
    assert len(extracted) > 500
    for language in present_languages():
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_catalog(language) if m.id}
        missing = sorted(extracted - known)
        assert missing == [], f"{language}: run `make messages`; missing {missing[:10]}"
        obsolete = sorted(known - extracted)
        assert obsolete == [], f"{language}: run `make messages`; no longer used {obsolete[:10]}"
