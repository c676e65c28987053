"""Limits on what people send: each form that stores or sends something counts its posts here.

The counters are in the rate-limit storage (app.extensions.rate_limits: RATELIMIT_STORAGE_URI, shared by every
process). A view counts a post before it reads the form, so every post counts, valid or not; pages that only
read count nothing, and no other request pays for the limits. Every counter of a post is counted; when one is
over its limit the answer is 429 with ``Retry-After``.
"""

import time
from functools import lru_cache

from flask import request
from limits import RateLimitItem, parse
from werkzeug.exceptions import TooManyRequests

from app.extensions import rate_limits


@lru_cache(maxsize=64)
def _limit(text: str) -> RateLimitItem:
    return parse(text)


def client_key() -> str:
    """The client's address (request.remote_addr, behind ProxyFix when proxies are trusted)."""
    return request.remote_addr or "unknown"


def count_post(scope: str, *counters: tuple[str, str]) -> None:
    """Count this post against each ``(limit, key)`` of ``scope`` (a limit as "20 per hour"); a key that is
    empty is not counted. Raises 429 (with Retry-After) when any counter is over its limit."""
    limits = rate_limits()
    if not limits.enabled:
        return
    strategy, prefix = limits.strategy, limits.prefix
    refused: tuple[RateLimitItem, str] | None = None
    for text, key in counters:
        if not key:
            continue
        item = _limit(text)
        if not strategy.hit(item, prefix, scope, key) and refused is None:
            refused = (item, key)
    if refused is not None:
        item, key = refused
        reset = strategy.get_window_stats(item, prefix, scope, key).reset_time
        raise TooManyRequests(retry_after=max(1, int(reset - time.time()) + 1))
