"""The in-memory rate-limit storage counts like limits' own and sweeps inline, without a thread per hit."""

import limits.storage.memory
import pytest
from limits import parse
from limits.strategies import FixedWindowRateLimiter

from app.extensions import InlineSweepMemoryStorage, rate_limit_storage_uri, rate_limits


class _Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(limits.storage.memory, "time", clock)
    monkeypatch.setattr("app.extensions.time", clock)
    return clock


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_memory_means_the_inline_sweeping_storage(app):
    assert rate_limit_storage_uri("memory://") == "eventdesk-memory://"
    assert rate_limit_storage_uri("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
    with app.app_context():
        assert isinstance(rate_limits().storage, InlineSweepMemoryStorage)
        assert rate_limits().enabled and rate_limits().prefix == "eventdesk"


def test_hits_are_counted_and_expire_without_starting_a_thread(clock, monkeypatch):
    storage = InlineSweepMemoryStorage()

    def no_thread(*_args, **_kwargs):
        raise AssertionError("a hit started a timer thread")

    monkeypatch.setattr(limits.storage.memory.threading, "Timer", no_thread)
    counter = FixedWindowRateLimiter(storage)
    per_minute = parse("3 per minute")
    assert [counter.hit(per_minute, "client") for _ in range(4)] == [True, True, True, False]
    assert counter.hit(per_minute, "other client")
    clock.now += 61
    assert counter.hit(per_minute, "client")


def test_counters_nobody_reads_again_are_swept(clock):
    storage = InlineSweepMemoryStorage()
    counter = FixedWindowRateLimiter(storage)
    counter.hit(parse("5 per minute"), "gone")
    clock.now += 61
    counter.hit(parse("5 per minute"), "here")
    assert [key for key in storage.storage if "gone" in key] == []
    assert [key for key in storage.storage if "here" in key]
