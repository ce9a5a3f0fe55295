# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils.waiting: the one backoff, retry and poll."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools

import pytest
from azure.core.exceptions import HttpResponseError

from ansible_collections.m365.exo_automation.plugins.module_utils import waiting
from ansible_collections.m365.exo_automation.plugins.module_utils.errors import ModuleError
from ansible_collections.m365.exo_automation.tests.unit.utils import install_clock


class Status(HttpResponseError):
    def __init__(self, status, message="x", code=None):
        super(Status, self).__init__(message)
        self.status_code = status
        if code:
            self.error = type("E", (), {"code": code, "message": message})()


@pytest.fixture
def clock(monkeypatch):
    return install_clock(monkeypatch)


def test_backoff_grows_gently_and_is_capped():
    assert list(itertools.islice(waiting.backoff(1.0, 5.0, rng=lambda: 0.0), 7)) == [1, 2, 3, 5, 5, 5, 5]
    assert list(itertools.islice(waiting.backoff(2.0, 20.0, rng=lambda: 0.0), 7)) == [2, 4, 6, 10, 16, 20, 20]


def test_backoff_is_jittered_down_never_below_half_the_first_delay():
    delays = list(itertools.islice(waiting.backoff(1.0, 5.0), 200))
    assert all(0.5 <= d <= 5.0 for d in delays)
    assert len(set(delays)) > 1
    assert min(itertools.islice(waiting.backoff(1.0, 5.0, rng=lambda: 1.0), 1)) == pytest.approx(0.8)


def test_retry_retries_named_conditions_until_success(clock):
    answers = [Status(404, "not yet"), Status(400, "Not a valid reference update."), "done"]

    def call():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert waiting.retry(call, lambda exc: "HTTP %s" % exc.status_code, 60, "granting") == "done"
    assert clock.sleeps == [1.0, 2.0]


def test_retry_lets_other_errors_through_at_once(clock):
    def call():
        raise Status(403, "forbidden")

    with pytest.raises(Status):
        waiting.retry(call, lambda exc: exc.status_code == 404 and "404", 60, "x")
    assert clock.sleeps == []


def test_retry_gives_up_at_the_deadline_with_a_clear_error(clock):
    def call():
        raise Status(404, "Resource 'x' does not exist", code="Request_ResourceNotFound")

    with pytest.raises(waiting.TimedOut) as err:
        waiting.retry(call, lambda exc: "HTTP 404 Request_ResourceNotFound", 30, "waiting for the principal")
    assert sum(clock.sleeps) == pytest.approx(30)
    text = str(err.value)
    assert text.startswith("waiting for the principal: still failing after")
    assert "HTTP 404 Request_ResourceNotFound" in text and "Resource 'x' does not exist" in text
    assert err.value.status == 404 and err.value.code == "Request_ResourceNotFound"


def test_retry_runs_on_first_once(clock):
    seen = []
    answers = [Status(404), Status(404), "ok"]

    def call():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert waiting.retry(call, lambda exc: "404", 60, "x", on_first=seen.append) == "ok"
    assert len(seen) == 1


def test_poll_until_done(clock):
    states = iter(["Creating", "Creating", "Succeeded"])
    assert waiting.poll(lambda: next(states), lambda s: s == "Succeeded", 60, "import") == "Succeeded"
    assert clock.sleeps == [1.0, 2.0]


def test_poll_sees_a_five_second_wait_at_six_seconds(clock):
    # imports that take 5 s are seen after 1 + 2 + 3 = 6 s, not after 1 + 2 + 4 = 7 s
    def read():
        return "Succeeded" if clock.now() >= 5 else "Creating"

    waiting.poll(read, lambda s: s == "Succeeded", 60, "import")
    assert sum(clock.sleeps) == 6


def test_poll_fails_at_once_on_a_terminal_failure(clock):
    with pytest.raises(ModuleError) as err:
        waiting.poll(lambda: "Failed", lambda s: s == "Succeeded", 60, "import",
                     failed=lambda s: ModuleError("import ended %s" % s) if s == "Failed" else None)
    assert err.value.message == "import ended Failed"
    assert clock.sleeps == []


def test_poll_needs_consecutive_agreeing_reads(clock):
    reads = iter([False, True, False, True, True, True])
    calls = []

    def read():
        calls.append(1)
        return next(reads)

    assert waiting.poll(read, lambda s: s, 60, "grant", consecutive=3) is True
    assert len(calls) == 6


def test_poll_times_out_with_the_last_state(clock):
    with pytest.raises(waiting.TimedOut) as err:
        waiting.poll(lambda: "Running", lambda s: s == "Completed", 10, "job", state_text=lambda s: "status " + s)
    assert err.value.state == "Running"
    assert "job: not done after 10 s (status Running)" in err.value.message
    assert sum(clock.sleeps) == pytest.approx(10)


def test_the_default_clock_is_monotonic_and_sleeps(monkeypatch):
    slept = []
    monkeypatch.setattr(waiting.time, "sleep", slept.append)
    waiting.CLOCK.sleep(0.25)
    waiting.CLOCK.sleep(0)
    assert slept == [0.25]
    assert waiting.CLOCK.now() <= waiting.CLOCK.now()


class Response:
    def __init__(self, headers):
        self.headers = headers


class Throttled(Status):
    """An azure-core error whose response carries ``Retry-After``."""

    def __init__(self, retry_after):
        super(Throttled, self).__init__(404, "not yet")
        self.response = Response({"Retry-After": retry_after})


def test_backoff_never_waits_longer_than_it_has_waited_so_far():
    # 1, 2, 3, 5, 5: from the third delay on, none is longer than the time already waited; a doubling
    # (1, 2, 4, 8) waits 4 s after 3 s and so sees a 5 s import only at 7 s
    delays = list(itertools.islice(waiting.backoff(1.0, 5.0, rng=lambda: 0.0), 12))
    assert delays[:5] == [1, 2, 3, 5, 5]
    assert all(delay <= sum(delays[:i]) for i, delay in enumerate(delays) if i >= 2)


@pytest.mark.parametrize("wait", [5, 7.5, 12, 20, 33, 60])
def test_poll_sees_a_wait_at_most_one_capped_delay_late(clock, wait):
    def read():
        return "Succeeded" if clock.now() >= wait else "Creating"

    waiting.poll(read, lambda s: s == "Succeeded", 600, "import")
    assert wait <= clock.now() <= wait + 5
    if wait == 5:
        assert clock.now() == 6


@pytest.mark.parametrize("value, seconds", [
    ("7", 7.0), (" 2.5 ", 2.5), (3, 3.0), ("0", None), (0, None), ("-1", None), ("soon", None), (None, None),
    ("", None), (True, None), ("nan", None),
])
def test_retry_after_seconds_reads_delta_seconds(value, seconds):
    assert waiting.retry_after_seconds(value) == seconds


def test_retry_after_seconds_reads_an_http_date():
    assert waiting.retry_after_seconds("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480) == pytest.approx(10)
    assert waiting.retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490) is None
    assert waiting.retry_after_seconds("Wed, 21 Oct 2015 07:28:00", now=0) is None  # no zone: not a valid date


def test_retry_after_of_reads_azure_core_kiota_and_attributes():
    assert waiting.retry_after_of(Throttled("4")) == 4.0
    kiota = Exception("throttled")
    kiota.response_headers = {"retry-after": "6"}
    assert waiting.retry_after_of(kiota) == 6.0
    own = Exception("x")
    own.retry_after = 2
    assert waiting.retry_after_of(own) == 2.0
    assert waiting.retry_after_of(Status(404)) is None
    odd = Exception("x")
    odd.response = Response(["not", "a", "mapping"])
    assert waiting.retry_after_of(odd) is None


def test_retry_follows_retry_after_and_otherwise_the_backoff(clock):
    answers = [Throttled("7"), Status(404), Status(404), "done"]

    def call():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert waiting.retry(call, lambda exc: "404", 60, "x") == "done"
    # the service's 7 s first; the backoff starts where it would have (1, 2), not after the asked wait
    assert clock.sleeps == [7.0, 1.0, 2.0]


def test_retry_cuts_a_retry_after_past_the_deadline_short(clock):
    def call():
        raise Throttled("120")

    with pytest.raises(waiting.TimedOut):
        waiting.retry(call, lambda exc: "404", 30, "x")
    assert clock.sleeps == [30.0]


def test_poll_follows_the_last_reads_retry_after(clock):
    answers = iter([("Creating", "4"), ("Creating", None), ("Creating", "0"), ("Succeeded", None)])
    last = {}

    def read():
        state, last["retry_after"] = next(answers)
        return state

    result = waiting.poll(read, lambda s: s == "Succeeded", 60, "import", retry_after=lambda: last["retry_after"])
    assert result == "Succeeded"
    assert clock.sleeps == [4.0, 1.0, 2.0]


def test_poll_follows_retry_after_between_agreeing_reads(clock):
    waiting.poll(lambda: True, lambda s: s, 60, "grant", consecutive=3, retry_after=lambda: "3")
    assert clock.sleeps == [3.0, 3.0]
