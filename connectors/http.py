"""One HTTP client for every SaaS connector: timeouts, retries, re-authentication, clear errors.

dlt's rest_api source pages and retries well, but these vendors need more than it offers:
Salesforce must log in again when a session dies mid-pull (401 INVALID_SESSION_ID), HubSpot's
search pages through a POST body and must slide its date window past 10,000 results, and
kintone's cursor must be created, read and deleted. So paging lives in each vendor module and
this module owns what they share: httpx with timeouts, tenacity retries on 429/5xx/network
errors honouring `Retry-After`, one re-login on 401, and errors that name the endpoint and the
vendor's error code. Secrets travel in headers only and are never part of a message.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import tenacity

from connectors.base import ConnectorError, SourceConfig

log = logging.getLogger(__name__)
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class AuthError(ConnectorError):
    """The service rejected the credentials, even after logging in again."""


class RetryableError(ConnectorError):
    """A 429/5xx or network failure worth trying again (after `retry_after` if the server said)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Auth:
    """Adds credentials to requests; `refresh` gets new ones after a 401 (a new session,
    a refreshed OAuth token, or a rotated token re-read from the environment)."""

    def headers(self) -> dict[str, str]:
        raise NotImplementedError

    def refresh(self) -> None:
        raise NotImplementedError


class NoAuth(Auth):
    """For token endpoints themselves: nothing to add, nothing to renew."""

    def headers(self) -> dict[str, str]:
        return {}

    def refresh(self) -> None:
        return None


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int
    backoff: float
    max_wait: float

    @classmethod
    def of(cls, config: SourceConfig) -> RetryPolicy:
        return cls(config.max_attempts, config.backoff_seconds, config.max_wait_seconds)


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds: a number or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def describe_error(response: httpx.Response) -> str:
    """The vendor's error code and message, from any of the three vendors' error shapes."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    first = body[0] if isinstance(body, list) and body else body
    if not isinstance(first, dict):
        return str(body)[:200]
    code = (
        first.get("errorCode") or first.get("code") or first.get("category") or first.get("error")
    )
    message = first.get("message") or first.get("error_description") or ""
    return f"{code}: {message}" if code else str(message)[:200]


def _wait(policy: RetryPolicy) -> Callable[[tenacity.RetryCallState], float]:
    backoff = tenacity.wait_exponential_jitter(
        initial=policy.backoff, max=policy.max_wait, jitter=policy.backoff
    )

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetryableError) and exc.retry_after is not None:
            return min(exc.retry_after, policy.max_wait)
        return backoff(state)

    return wait


def _log_retry(state: tenacity.RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0
    log.warning("retrying in %.1fs after attempt %d: %s", wait, state.attempt_number, exc)


class ApiClient:
    """JSON over HTTP for one source, with the retry and re-login rules above."""

    def __init__(
        self,
        name: str,
        base_url: str,
        auth: Auth,
        policy: RetryPolicy,
        timeout: float,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.auth = auth
        self.policy = policy
        self.http = httpx.Client(
            base_url=base_url, timeout=timeout, headers=headers or {}, trust_env=False
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        """Send with retries; the parsed JSON body, or a ConnectorError saying what failed."""
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.policy.attempts),
            wait=_wait(self.policy),
            retry=tenacity.retry_if_exception_type(RetryableError),
            before_sleep=_log_retry,
            reraise=True,
        )
        try:
            return retrying(self._authorized, method, url, **kwargs)
        except RetryableError as exc:
            raise ConnectorError(f"{exc} (gave up after {self.policy.attempts} attempts)") from exc

    def _authorized(self, method: str, url: str, **kwargs: Any) -> Any:
        """One attempt; on 401 log in again once and repeat the request."""
        response = self._send(method, url, **kwargs)
        if response.status_code == 401:
            self.auth.refresh()
            response = self._send(method, url, **kwargs)
            if response.status_code == 401:
                raise AuthError(
                    f"{self.where(method, url)}: credentials rejected (HTTP 401, "
                    f"{describe_error(response)}) even after logging in again; "
                    "check the environment variables named in `secrets`"
                )
        return self.parse(response, method, url)

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.http.request(method, url, headers=self.auth.headers(), **kwargs)
        except httpx.TimeoutException as exc:
            raise RetryableError(f"{self.where(method, url)}: timed out ({exc!r})") from exc
        except httpx.TransportError as exc:
            raise RetryableError(f"{self.where(method, url)}: cannot connect ({exc!r})") from exc

    def where(self, method: str, url: str) -> str:
        path = httpx.URL(url).path or url
        return f"{self.name}: {method} {path}"

    def parse(self, response: httpx.Response, method: str, url: str) -> Any:
        where = self.where(method, url)
        status = response.status_code
        if status in RETRY_STATUSES:
            raise RetryableError(
                f"{where}: HTTP {status} ({describe_error(response)})",
                retry_after_seconds(response.headers.get("Retry-After")),
            )
        if status >= 400:
            raise ConnectorError(f"{where}: HTTP {status} ({describe_error(response)})")
        try:
            return response.json() if response.content else {}
        except ValueError as exc:
            raise ConnectorError(
                f"{where}: HTTP {status} with a body that is not JSON: {response.text[:120]!r}"
            ) from exc


def expect(body: Any, key: str, kind: type, where: str) -> Any:
    """body[key] of the expected type, or a ConnectorError quoting what came instead."""
    value = body.get(key) if isinstance(body, dict) else None
    if not isinstance(value, kind):
        raise ConnectorError(
            f"{where}: unexpected response, no {kind.__name__} {key!r}: {str(body)[:120]!r}"
        )
    return value
