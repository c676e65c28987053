"""Failed logins, counted so that guessing is slow and strangers cannot lock a coordinator out.

Two counters in the rate-limit storage (RATELIMIT_STORAGE_URI, shared by every process):
- failures of one account from one client address: after CLIENT_LIMIT that address waits;
- failures of one account from anywhere: after ACCOUNT_LIMIT the account is under attack. Then an address
  that has failed for it recently waits too, and a clean address may still try: the right password logs in,
  a wrong one is answered 429 and makes that address wait. Each new address gets one guess, while the
  coordinator, who types the right password, is never locked out by someone else's failures.
Successful logins are not counted.
"""

from dataclasses import dataclass

from limits import parse

from app.extensions import rate_limits

CLIENT_LIMIT = parse("5 per 15 minutes")
ACCOUNT_LIMIT = parse("20 per hour")


@dataclass(frozen=True)
class LoginThrottle:
    client: str  # the client's address (request.remote_addr, behind ProxyFix when proxies are trusted)
    account: str  # the email address typed, lower case

    @property
    def _client_keys(self) -> tuple[str, ...]:
        return (rate_limits().prefix, "login-failures", self.client, self.account)

    @property
    def _account_keys(self) -> tuple[str, ...]:
        return (rate_limits().prefix, "login-failures-account", self.account)

    def _enabled(self) -> bool:
        return rate_limits().enabled

    def client_failed_recently(self) -> bool:
        stats = rate_limits().strategy.get_window_stats(CLIENT_LIMIT, *self._client_keys)
        return stats.remaining < CLIENT_LIMIT.amount

    def account_under_attack(self) -> bool:
        return self._enabled() and not rate_limits().strategy.test(ACCOUNT_LIMIT, *self._account_keys)

    def must_wait(self) -> bool:
        """Refuse before the password is checked: this address failed too often, or failed at all for an
        account under attack."""
        if not self._enabled():
            return False
        if not rate_limits().strategy.test(CLIENT_LIMIT, *self._client_keys):
            return True
        return self.account_under_attack() and self.client_failed_recently()

    def record_failure(self) -> None:
        if self._enabled():
            rate_limits().strategy.hit(CLIENT_LIMIT, *self._client_keys)
            rate_limits().strategy.hit(ACCOUNT_LIMIT, *self._account_keys)
