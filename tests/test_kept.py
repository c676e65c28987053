"""app.kept: what a process keeps between requests, bounded, least recently used out first, one per app."""

from app.kept import Kept, per_app


def test_the_least_recently_used_goes_first():
    kept = Kept(2)
    kept.put("a", 1)
    kept.put("b", 2)
    assert kept.get("a") == 1  # "b" is now the least recently used
    kept.put("c", 3)
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == (1, None, 3)
    assert len(kept) == 2


def test_a_value_larger_than_the_bound_is_not_kept_and_sizes_add_up():
    kept = Kept(10, len)
    kept.put("big", "x" * 11)
    assert kept.get("big") is None
    kept.put("a", "x" * 6)
    kept.put("b", "x" * 6)  # 12 in all: "a" goes
    assert (kept.get("a"), kept.get("b")) == (None, "x" * 6)
    kept.clear()
    assert len(kept) == 0


def test_one_per_app(app):
    first = per_app("test_kept", lambda: Kept(1))
    assert per_app("test_kept", lambda: Kept(1)) is first
    assert app.extensions["test_kept"] is first
