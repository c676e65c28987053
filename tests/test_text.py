"""Cleaning of names: the quick way for text with nothing to remove gives what the character-wise way gives."""

from hypothesis import given, settings
from hypothesis import strategies as st

from app.text import _clean_each_character, clean_name

# Letters of several scripts, spaces of every kind, controls, format characters (bidi, zero-width, joiners),
# line separators and the blank look-alikes.
_SPECIAL = "\t\n\r\x0b\x0c\x1f\x7f\x85\xa0\u1680\u2000\u200b\u200c\u200d\u200e\u202e\u2028\u2029\u2066\ufeff"
_BLANKS = "\u115f\u1160\u3164\uffa0\u2800"
names = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(list(_SPECIAL + _BLANKS + " aЖი文ش"))), max_size=40)


@settings(max_examples=500)
@given(names)
def test_clean_name_is_the_same_either_way(value):
    assert clean_name(value) == _clean_each_character(value)


def test_clean_name_examples():
    assert clean_name("  Ana   Beridze ") == "Ana Beridze"
    assert clean_name("Ana\u202eBeridze") == "AnaBeridze"
    assert clean_name("Ana\nBeridze") == "Ana Beridze"
    assert clean_name("\u3164\u200b ") == ""
    assert clean_name("می\u200cخواهم") == "می\u200cخواهم"
    assert clean_name(None) == ""
