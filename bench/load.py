"""The load generator of `make bench`: aiohttp on asyncio, one process, bounded in count and time."""

import asyncio
import re
import statistics
import time
from dataclasses import dataclass, field

import aiohttp

CSRF_FIELD = re.compile(r"""name=["']csrf_token["'][^>]*?value=["']([^"']+)["']""")
COOKIE = re.compile(r"^([^=;\s]+)=([^;]*)")
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=60)


@dataclass
class Result:
    """What a load produced: completed units (requests or journeys), their latencies, and any wrong answers."""

    count: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def combined(cls, parts: list["Result"]) -> "Result":
        """Several loads of the same kind as one: their counts, times, latencies and errors together."""
        whole = cls()
        for part in parts:
            whole.count += part.count
            whole.seconds += part.seconds
            whole.latencies.extend(part.latencies)
            whole.errors.extend(part.errors)
        return whole

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(int(fraction * len(ordered)), len(ordered) - 1)]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else 0.0

    @property
    def p99(self) -> float:
        return self.percentile(0.99)


def _session(concurrency: int) -> aiohttp.ClientSession:
    # Cookies are handled per simulated person (see _Cookies): the app's session cookie is Secure in production
    # and a client cookie jar would not send it back over the loopback's plain HTTP.
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(), timeout=REQUEST_TIMEOUT)


class _Cookies:
    """The cookies of one visitor, kept from Set-Cookie headers and sent back on the next request."""

    def __init__(self):
        self.values: dict[str, str] = {}

    def keep(self, response: aiohttp.ClientResponse) -> None:
        for header in response.headers.getall("Set-Cookie", []):
            found = COOKIE.match(header)
            if found:
                self.values[found.group(1)] = found.group(2)

    def header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.values.items())} if self.values else {}


async def _hammer(url: str, concurrency: int, seconds: float) -> Result:
    result = Result()
    loop = asyncio.get_running_loop()
    async with _session(concurrency) as session:
        deadline = loop.time() + seconds

        async def connection() -> None:
            while loop.time() < deadline:
                started = time.perf_counter()
                try:
                    async with session.get(url, allow_redirects=False) as response:
                        await response.read()
                        status = response.status
                except (aiohttp.ClientError, TimeoutError) as error:
                    result.errors.append(f"GET {url}: {type(error).__name__}")
                    continue
                if status != 200:
                    result.errors.append(f"GET {url}: {status}")
                    continue
                result.latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(connection() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - started
    result.count = len(result.latencies)
    return result


def page_load(url: str, *, concurrency: int, seconds: float, warmup: float = 1.0) -> Result:
    """GET ``url`` from ``concurrency`` connections for ``seconds`` (after a warm-up that is not counted)."""
    asyncio.run(_hammer(url, concurrency, warmup))
    return asyncio.run(_hammer(url, concurrency, seconds))


def page_loads(urls: list[str], *, concurrency: int, seconds: float, rounds: int) -> list[Result]:
    """``page_load`` of each URL for ``seconds`` in all, taken in turns (``turns``: at least ``rounds``, each
    URL first in as many), each turn starting with the next URL.

    A machine whose speed drifts (a virtual machine with busy neighbours) then slows every URL alike instead
    of whichever was measured during the slow part."""
    parts: list[list[Result]] = [[] for _ in urls]
    count = turns(rounds, len(urls))
    for turn in range(count):
        for index in order(len(urls), turn):
            parts[index].append(
                page_load(
                    urls[index], concurrency=concurrency, seconds=seconds / count, warmup=1.0 if turn == 0 else 0.2
                )
            )
    return [Result.combined(done) for done in parts]


def turns(rounds: int, loads: int) -> int:
    """The turns taken for at least ``rounds``: a multiple of ``loads``, so that each comes first as often."""
    return -(-max(rounds, 1) // loads) * loads


def order(count: int, turn: int) -> list[int]:
    """The order of ``count`` loads in ``turn``: each turn starts with the next, so that none is always first
    (in one run the same code measured 3% faster first in each turn than second)."""
    return [(turn + index) % count for index in range(count)]


async def _journeys(steps, items: list, concurrency: int) -> Result:
    result = Result()
    queue: asyncio.Queue = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)
    async with _session(concurrency) as session:

        async def person() -> None:
            while not queue.empty():
                item = queue.get_nowait()
                started = time.perf_counter()
                try:
                    error = await steps(session, _Cookies(), item)
                except (aiohttp.ClientError, TimeoutError) as failure:
                    error = f"{type(failure).__name__}: {failure}"
                if error:
                    result.errors.append(error)
                else:
                    result.latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(person() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - started
    result.count = len(result.latencies)
    return result


async def _form_round_trip(session, cookies: _Cookies, page_url: str, post_url: str, data: dict) -> str | None:
    """Load a page, take the CSRF token of its form, post ``data``; None when the answer is a redirect."""
    async with session.get(page_url, headers=cookies.header(), allow_redirects=False) as response:
        html = await response.text()
        cookies.keep(response)
        if response.status != 200:
            return f"GET {page_url}: {response.status}"
    token = CSRF_FIELD.search(html)
    if token is None:
        return f"GET {page_url}: no CSRF token in the page"
    async with session.post(
        post_url, data={**data, "csrf_token": token.group(1)}, headers=cookies.header(), allow_redirects=False
    ) as response:
        await response.read()
        if response.status not in (302, 303):
            return f"POST {post_url}: {response.status}"
    return None


def registration_journey(base: str, slug: str, people: list[dict], *, concurrency: int) -> Result:
    """Each person loads the event page and posts the registration form with its CSRF token."""

    async def steps(session, cookies, person):
        return await _form_round_trip(
            session, cookies, f"{base}/events/{slug}", f"{base}/events/{slug}/register", person
        )

    return asyncio.run(_journeys(steps, people, concurrency))


def registration_journeys(
    runs: list[tuple[str, list[dict]]], slug: str, *, concurrency: int, rounds: int
) -> list[Result]:
    """``registration_journey`` of each (base URL, people), the people taken in turns (see page_loads), so that a
    machine whose speed drifts slows every app alike."""
    parts: list[list[Result]] = [[] for _ in runs]
    count = turns(rounds, len(runs))
    for turn in range(count):
        for index in order(len(runs), turn):
            base, people = runs[index]
            share = people[turn * len(people) // count : (turn + 1) * len(people) // count]
            parts[index].append(registration_journey(base, slug, share, concurrency=concurrency))
    return [Result.combined(done) for done in parts]


def confirmation_journey(base: str, tokens: list[str], *, concurrency: int) -> Result:
    """Each person opens their confirmation link and presses the button."""

    async def steps(session, cookies, token):
        url = f"{base}/r/confirm/{token}"
        return await _form_round_trip(session, cookies, url, url, {"submit": "Confirm my email address"})

    return asyncio.run(_journeys(steps, tokens, concurrency))
