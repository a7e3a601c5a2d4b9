"""Events API delivery over HTTP, as Slack does it: signed v0 requests, a 3 s answer budget,
retries with X-Slack-Retry-Num / X-Slack-Retry-Reason, and `X-Slack-No-Retry: 1` honoured.

A timed-out first request is left running while the retry goes out, as Slack's is."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from tests.fake_slack.config import FakeSlackConfig

USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Attempt:
    """One HTTP request the fake sent to the app."""

    kind: str  # "event", "command" or "url_verification"
    retry_num: int
    status: int | None  # None: no answer in time, or the connection failed
    reason: str | None
    body: bytes
    answer: bytes = b""


class HttpEvents:
    def __init__(self, config: FakeSlackConfig, url: str, signing_secret: str) -> None:
        self.config = config
        self.url = url
        self.signing_secret = signing_secret
        self.attempts: list[Attempt] = []
        self._session = aiohttp.ClientSession(trust_env=False)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._first_attempts: asyncio.Lock = asyncio.Lock()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._session.close()

    def deliver_event(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self._spawn(self._deliver("event", body, "application/json", retries=True))

    def deliver_command(self, fields: dict[str, str]) -> asyncio.Task[Attempt]:
        body = urlencode(fields).encode()
        return self._spawn(
            self._deliver("command", body, "application/x-www-form-urlencoded", retries=False)
        )

    async def verify_url(self, challenge: str) -> Attempt:
        payload = {"token": "fake-verification-token", "challenge": challenge}
        body = json.dumps({**payload, "type": "url_verification"}).encode()
        return await self._attempt("url_verification", body, "application/json", 0)

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _deliver(self, kind: str, body: bytes, content_type: str, retries: bool) -> Attempt:
        async with self._first_attempts:  # first attempts go out in event order
            attempt = await self._attempt(kind, body, content_type, 0)
        delays = self.config.event_http_retry_delays_s[: self.config.max_redeliveries]
        for number, delay in enumerate(delays if retries else (), start=1):
            if attempt.reason is None:
                break
            await asyncio.sleep(delay)
            attempt = await self._attempt(kind, body, content_type, number, attempt.reason)
        return attempt

    async def _attempt(
        self, kind: str, body: bytes, content_type: str, number: int, reason: str = ""
    ) -> Attempt:
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": content_type,
            "User-Agent": USER_AGENT,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": sign(self.signing_secret, timestamp, body),
        }
        if number:
            headers["X-Slack-Retry-Num"] = str(number)
            headers["X-Slack-Retry-Reason"] = reason
        attempt = Attempt(kind, number, None, None, body)
        self.attempts.append(attempt)
        request = self._spawn(self._post(body, headers))
        done, _ = await asyncio.wait({request}, timeout=self.config.event_http_timeout_s)
        if not done:
            attempt.reason = "http_timeout"  # the request itself goes on, unwatched
            request.add_done_callback(_forget)
            return attempt
        try:
            status, answer, no_retry = request.result()
        except aiohttp.ClientError:
            attempt.reason = "connection_failed"
            return attempt
        attempt.status, attempt.answer = status, answer
        if not 200 <= status < 300 and not no_retry:
            attempt.reason = "http_error"
        return attempt

    async def _post(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, bool]:
        async with self._session.post(self.url, data=body, headers=headers) as response:
            no_retry = response.headers.get("X-Slack-No-Retry") == "1"
            return response.status, await response.read(), no_retry


def _forget(task: asyncio.Task[Any]) -> None:
    """Retrieve an abandoned request's outcome so asyncio does not report it."""
    if not task.cancelled():
        task.exception()
