"""Alphabetical order as readers of each language expect it, for lists such as the country menu.

Python sorts by code point, which puts "Österreich" after "Zypern", "Ґ" after "Я" and "Česko" after
"Zambija". Each language's alphabet is listed here in its own order (letters written with two
characters, such as Albanian "dh" or Serbian "lj", count as one letter); a letter with a diacritic that is
not a letter of its own sorts with its base letter, and what no alphabet lists sorts after by code point.
"""

import unicodedata
from collections.abc import Callable, Iterable
from functools import cache

_LATIN = "a b c d e f g h i j k l m n o p q r s t u v w x y z"
_CYRILLIC_RU = "а б в г д е ё ж з и й к л м н о п р с т у ф х ц ч ш щ ъ ы ь э ю я"

ALPHABETS: dict[str, str] = {
    "en": _LATIN,
    # German (DIN 5007-1): ä, ö, ü and ß sort as a, o, u and ss.
    "de": _LATIN,
    "ka": "ა ბ გ დ ე ვ ზ თ ი კ ლ მ ნ ო პ ჟ რ ს ტ უ ფ ქ ღ ყ შ ჩ ც ძ წ ჭ ხ ჯ ჰ",
    "uk": "а б в г ґ д е є ж з и і ї й к л м н о п р с т у ф х ц ч ш щ ь ю я",
    "ru": _CYRILLIC_RU,
    "ro": "a ă â b c d e f g h i î j k l m n o p q r s ș t ț u v w x y z",
    "sq": "a b c ç d dh e ë f g gj h i j k l ll m n nj o p q r rr s sh t th u v x xh y z zh",
    "mk": "а б в г д ѓ е ж з ѕ и ј к л љ м н њ о п р с т ќ у ф х ц ч џ ш",
    "sr_Latn": "a b c č ć d dž đ e f g h i j k l lj m n nj o p r s š t u v z ž",
    "hy": "ա բ գ դ ե զ է ը թ ժ ի լ խ ծ կ հ ձ ղ ճ մ յ ն շ ո չ պ ջ ռ ս վ տ ր ց ւ փ ք օ ֆ",
    "az": "a b c ç d e ə f g ğ h x ı i j k q l m n o ö p r s ş t u ü v y z",
}

# Romanian is written with comma-below ș and ț, but the cedilla forms are still common.
_EQUIVALENT = {"ş": "ș", "ţ": "ț"}


@cache
def _order(language: str) -> tuple[dict[str, int], int]:
    letters = ALPHABETS.get(language, _LATIN).split()
    return {letter: index for index, letter in enumerate(letters)}, max(len(letter) for letter in letters)


def _base(char: str) -> str:
    """A character without its diacritics: "é" -> "e"; "ß" -> "ss"."""
    if char == "ß":
        return "ss"
    return "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))


def sort_key(text: str, language: str) -> tuple:
    """The key that sorts ``text`` in ``language``'s alphabetical order."""
    order, longest = _order(language)
    folded = unicodedata.normalize("NFC", text.casefold())
    folded = "".join(_EQUIVALENT.get(char, char) if language == "ro" else char for char in folded)
    primary: list[tuple[int, int]] = []
    position = 0
    while position < len(folded):
        for size in range(longest, 0, -1):
            piece = folded[position : position + size]
            if len(piece) == size and piece in order:
                primary.append((0, order[piece]))
                position += size
                break
        else:
            char = folded[position]
            base = _base(char)
            if base and all(c in order for c in base):
                primary.extend((0, order[c]) for c in base)
            elif char.isspace() or not char.isalnum():
                primary.append((-1, 0))  # spaces and punctuation before any letter: "Saint Kitts" < "Saintes"
            else:
                primary.append((1, ord(char)))
            position += 1
    return (primary, folded, text)


def sorted_by(items: Iterable, key: Callable[[object], str], language: str) -> list:
    """``items`` sorted by the text ``key`` gives, in ``language``'s alphabetical order."""
    return sorted(items, key=lambda item: sort_key(key(item), language))
