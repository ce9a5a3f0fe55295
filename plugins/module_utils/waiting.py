# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way the collection waits: :func:`retry` a call that fails for a named, passing reason, and
:func:`poll` a read until its state is done. Graph replication, confirmation reads after a write, module and
package imports, and jobs are configurations of these two; throttling and 5xx are retried by the SDKs' own
retry policies at the transport, not here.

One schedule: where the service says when to ask again (a ``Retry-After`` header on the failed call that
:func:`retry` repeats, or on the last read that :func:`poll` made, through its ``retry_after`` callable), that
wait is followed (:func:`retry_after_seconds`), within the deadline; otherwise the backoff (:func:`backoff`), a
Fibonacci-like schedule from ``first`` (1, 2, 3, 5, 8 ... times ``first``), capped at ``cap`` and jittered down
by up to ``JITTER`` so that parallel runs do not poll in step. It never doubles past a short wait: with the
defaults (1 s, capped at 5 s) a 5 s import is seen at about 6 s, not 7 s, and no wait is more than 5 s late.

One clock (:data:`CLOCK`): ``time.monotonic`` and ``time.sleep``; tests pass a fake one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import random
import time
from email.utils import parsedate_to_datetime

from ansible_collections.m365.exo_automation.plugins.module_utils.errors import ModuleError, error_from_exception

JITTER = 0.2


class Clock:
    """``now()`` (monotonic seconds) and ``sleep(seconds)``."""

    def now(self):
        return time.monotonic()

    def sleep(self, seconds):
        if seconds > 0:
            time.sleep(seconds)


CLOCK = Clock()


class TimedOut(ModuleError):
    """A wait ran out of time. ``state`` is the last state :func:`poll` read (None for :func:`retry`)."""

    def __init__(self, message, state=None, **kwargs):
        super(TimedOut, self).__init__(message, **kwargs)
        self.state = state


def backoff(first=1.0, cap=5.0, rng=None):
    """Delays in seconds: ``first`` times 1, 2, 3, 5, 8, ... capped at ``cap``, each shortened by up to
    ``JITTER`` (never below half of ``first``)."""
    rng = rng or random.random
    a, b = 1, 2
    while True:
        delay = min(cap, first * a)
        yield max(first / 2.0, delay * (1.0 - JITTER * rng()))
        a, b = b, a + b


def retry_after_seconds(value, now=None):
    """Seconds a ``Retry-After`` value asks to wait (delta-seconds or an HTTP-date); None when there is none, it
    cannot be read, or it asks for no wait at all (``0``, a date in the past): then the backoff decides."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        text = str(value).strip()
        try:
            seconds = float(text)
        except ValueError:
            try:
                when = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                return None
            if when is None or when.tzinfo is None:
                return None
            seconds = when.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds) or seconds <= 0:  # no wait asked for
        return None
    return seconds


def _headers_retry_after(headers):
    if not headers:
        return None
    try:
        value = headers.get("Retry-After")
        if value is None:
            value = headers.get("retry-after")
    except Exception:  # noqa: BLE001 - not a mapping
        return None
    return retry_after_seconds(value)


def retry_after_of(exc):
    """The ``Retry-After`` an exception carries, in seconds, or None: a ``retry_after`` attribute (seconds), the
    headers of an azure-core error's ``response``, or a kiota ``APIError``'s ``response_headers``."""
    seconds = retry_after_seconds(getattr(exc, "retry_after", None))
    if seconds is not None:
        return seconds
    response = getattr(exc, "response", None)
    seconds = _headers_retry_after(getattr(response, "headers", None))
    if seconds is not None:
        return seconds
    return _headers_retry_after(getattr(exc, "response_headers", None))


class _Schedule:
    """The clock, deadline and backoff of one wait."""

    def __init__(self, timeout, first, cap, clock):
        self.clock = clock or CLOCK
        self.started = self.clock.now()
        self.deadline = self.started + timeout
        self.delays = backoff(first, cap)

    def left(self):
        return self.deadline - self.clock.now()

    def elapsed(self):
        return int(self.clock.now() - self.started)

    def pause(self, asked=None, delay=None):
        """Sleep for what the service asked (``asked`` seconds), else ``delay``, else the backoff's next delay;
        return False when the deadline has passed. A wait is cut short at the deadline."""
        remaining = self.left()
        if remaining <= 0:
            return False
        if asked is None:
            asked = delay if delay is not None else next(self.delays)
        self.clock.sleep(min(asked, remaining))
        return True


def retry(fn, when, timeout, what, first=1.0, cap=5.0, clock=None, hint=None, on_first=None):
    """``fn()`` until it returns, within ``timeout`` seconds.

    ``when(exc)`` returns a reason (a truthy string) to call again after ``exc``, or a falsy value to let the
    exception propagate at once. ``on_first(exc)`` runs once after the first passing failure (to fail fast on
    an input of the wrong kind). An exception that carries ``Retry-After`` (:func:`retry_after_of`) is tried
    again after that wait, others after the backoff's next delay. When the time is up, :class:`TimedOut` says what was waited for, for how long,
    how often it was tried and the last reason, and keeps the HTTP status, code and request id of the last
    error."""
    schedule = _Schedule(timeout, first, cap, clock)
    attempts = 0
    while True:
        attempts += 1
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - `when` decides
            reason = when(exc)
            if not reason:
                raise
            if attempts == 1 and on_first is not None:
                on_first(exc)
            if not schedule.pause(retry_after_of(exc)):
                err = error_from_exception(exc) or ModuleError(str(exc))
                raise TimedOut("%s: still failing after %d attempts in %d s (%s): %s"
                               % (what, attempts, schedule.elapsed(), reason, err.message),
                               status=err.status, code=err.code, request_id=err.request_id,
                               hint=hint or "Azure may need more time: raise the timeout or re-run the task.",
                               option=err.option)


def poll(read, done, timeout, what, failed=None, consecutive=1, first=1.0, cap=5.0, clock=None, hint=None,
         state_text=None, retry_after=None):
    """``read()`` until ``done(state)`` holds for ``consecutive`` reads in a row; returns the last state.

    ``failed(state)`` returns an exception to raise (a terminal failure, such as an import that ended
    ``Failed``) or None. Between agreeing reads the first delay is used; after a read that does not agree the
    backoff goes on. ``retry_after()``, when given, returns the ``Retry-After`` of the last read's response (a
    header value or seconds; None when it had none): a wait it asks for replaces the delay. When ``timeout``
    seconds pass, :class:`TimedOut` carries the last state (``state_text(state)`` says what it was)."""
    schedule = _Schedule(timeout, first, cap, clock)
    agreed = 0
    while True:
        state = read()
        if failed is not None:
            error = failed(state)
            if error is not None:
                raise error
        asked = retry_after_seconds(retry_after()) if retry_after is not None else None
        if done(state):
            agreed += 1
            if agreed >= consecutive:
                return state
            if not schedule.pause(asked, delay=first):
                break
            continue
        agreed = 0
        if not schedule.pause(asked):
            break
    shown = state_text(state) if state_text is not None else None
    raise TimedOut("%s: not done after %d s%s" % (what, schedule.elapsed(),
                                                  " (%s)" % shown if shown else ""),
                   state=state, hint=hint or "Raise timeout, or re-run the task later: it picks up the current state.")


__all__ = ["CLOCK", "Clock", "TimedOut", "backoff", "poll", "retry",
           "retry_after_of", "retry_after_seconds"]
