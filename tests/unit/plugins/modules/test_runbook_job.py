# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.modules import runbook_job
from ansible_collections.m365.exo_automation.tests.unit.automation_fake import FakeAutomation
from ansible_collections.m365.exo_automation.tests.unit.utils import run_module

RG, AA, RB = "rg-exo", "aa-exo-automation", "Enable-Archive"
SCRIPT = "param(\n    [Parameter(Mandatory = $true)] [string] $Mailbox, [string] $Note\n)\nWrite-Output $Mailbox\n"


@pytest.fixture
def fake(monkeypatch):
    fake = FakeAutomation.install(monkeypatch)
    fake.add_group(RG)
    fake.add_account(RG, AA)
    fake.add_runbook(RG, AA, RB, SCRIPT)
    return fake


def run(monkeypatch, check_mode=False, **args):
    args.setdefault("resource_group", RG)
    args.setdefault("account", AA)
    args.setdefault("runbook", RB)
    return run_module(monkeypatch, runbook_job.main, args, check_mode=check_mode)


def test_runs_waits_and_reads_the_streams(monkeypatch, fake):
    fake.job_polls = 2  # Running when created and at the first read
    fake.job_outcome = lambda rb, content, params: ("Completed", None, [
        ("Output", "Enabled " + params["Mailbox"]), ("Warning", "slow"), ("Verbose", "details"),
        ("Output", "line 1\nline 2"), ("Error", "not fatal")])
    result = run(monkeypatch, parameters={"Mailbox": "adele@contoso.com", "Note": 3})
    assert result["changed"] is True
    assert result["status"] == "Completed"
    assert result["output"] == ["Enabled adele@contoso.com", "line 1", "line 2"]
    assert result["warning_records"] == ["slow"]
    assert result["error_records"] == ["not fatal"]
    assert "verbose_records" not in result
    assert result["job"]["runbook"] == RB
    method, rid, body = fake.writes[0]
    assert method == "PUT" and "/jobs/" in rid
    assert body == {"properties": {"runbook": {"name": RB}, "parameters": {"Mailbox": "adele@contoso.com", "Note": "3"},
                                   "runOn": ""}}
    assert fake.sleeps == [1.0]
    # only the wanted streams were read in full
    assert fake.stream_reads == 4


def test_streams_option_selects_what_is_read(monkeypatch, fake):
    fake.job_outcome = lambda rb, content, params: ("Completed", None, [("Output", "o"), ("Verbose", "v")])
    result = run(monkeypatch, parameters={"Mailbox": "x"}, streams=["verbose"])
    assert result["verbose_records"] == ["v"]
    assert "output" not in result
    assert fake.stream_reads == 1


def test_check_mode_starts_nothing(monkeypatch, fake):
    result = run(monkeypatch, True, parameters={"Mailbox": "x"})
    assert result["changed"] is True
    assert result["job"] == {}
    assert fake.writes == []


@pytest.mark.parametrize("params,fragment", [
    ({}, "needs the mandatory parameter Mailbox"),
    ({"Mailbox": "x", "Unknown": "y"}, "has no parameter Unknown; it takes Mailbox, Note"),
])
def test_parameters_are_checked_before_the_job_starts(monkeypatch, fake, params, fragment):
    for check_mode in (False, True):
        result = run(monkeypatch, check_mode, parameters=params)
        assert result["failed"]
        assert result["option"] == "parameters"
        assert fragment in result["msg"]
    assert fake.writes == []


def test_missing_runbook(monkeypatch, fake):
    result = run(monkeypatch, runbook="Nope")
    assert result["failed"] and result["option"] == "runbook"
    assert "was not found" in result["msg"]
    result = run(monkeypatch, True, runbook="Nope")
    assert result["changed"] is True
    assert any("does not exist" in w for w in result["warnings"])


def test_unpublished_runbook(monkeypatch, fake):
    fake.add_runbook(RG, AA, "Draft-Only", "Write-Output 1\n", state="New")
    result = run(monkeypatch, runbook="Draft-Only")
    assert result["failed"]
    assert "never been published" in result["msg"]
    assert fake.writes == []


@pytest.mark.parametrize("exception,hint", [
    ("The role assigned to application 1b2c isn't supported in this scenario. Please check online documentation",
     "no Entra role that Exchange Online accepts"),
    ("The requested identity has not been assigned to this resource.", "not attached to the Automation account"),
    ("UnAuthorized", "lacks the Exchange.ManageAsApp app role"),
])
def test_failed_job_fails_with_its_error_and_a_hint(monkeypatch, fake, exception, hint):
    fake.job_outcome = lambda rb, content, params: ("Failed", exception, [("Error", exception)])
    result = run(monkeypatch, parameters={"Mailbox": "x"})
    assert result["failed"]
    assert "ended Failed: " + exception in result["msg"]
    assert hint in result["msg"]
    assert result["status"] == "Failed"
    assert result["job_exception"] == exception
    assert result["error_records"] == [exception]
    assert result["job"]["status"] == "Failed" and "details" not in result


def test_failed_job_without_a_known_text_has_no_hint(monkeypatch, fake):
    fake.job_outcome = lambda rb, content, params: ("Failed", "boom", [])
    result = run(monkeypatch, parameters={"Mailbox": "x"})
    assert result["msg"].endswith("ended Failed: boom")


def test_timeout_fails_with_the_job_name(monkeypatch, fake):
    fake.job_polls = 100
    result = run(monkeypatch, parameters={"Mailbox": "x"}, timeout=3)
    assert result["failed"]
    assert "is still Running after 3 s; it keeps running in Azure" in result["msg"]
    assert result["job"]["name"] in result["msg"]
    assert result["status"] == "Running"


def test_no_wait(monkeypatch, fake):
    fake.job_polls = 100
    result = run(monkeypatch, parameters={"Mailbox": "x"}, wait=False, run_on="workers")
    assert result["changed"] is True
    assert result["status"] == "Running"
    assert "output" not in result
    assert fake.writes[0][2]["properties"]["runOn"] == "workers"
    assert fake.sleeps == []


def test_job_name_reads_an_existing_job_instead_of_starting_one(monkeypatch, fake):
    first = run(monkeypatch, parameters={"Mailbox": "x"}, job_name="b5c6b2a0-0000-4000-8000-000000000001")
    assert first["changed"] is True
    writes = list(fake.writes)
    again = run(monkeypatch, parameters={"Mailbox": "x"}, job_name="b5c6b2a0-0000-4000-8000-000000000001")
    assert again["changed"] is False
    assert again["job_id"] == first["job_id"]
    assert again["output"] == first["output"]
    assert fake.writes == writes
    other = run(monkeypatch, runbook="Other", job_name="b5c6b2a0-0000-4000-8000-000000000001")
    assert other["failed"] and other["option"] == "job_name"


JOB = "b5c6b2a0-0000-4000-8000-000000000002"


def test_an_existing_running_job_is_waited_for_not_started_again(monkeypatch, fake):
    fake.job_polls = 100
    started = run(monkeypatch, parameters={"Mailbox": "x"}, job_name=JOB, wait=False)
    assert started["changed"] is True and started["status"] == "Running"
    writes = list(fake.writes)
    fake.jobs[JOB]["polls"] = 2
    again = run(monkeypatch, parameters={"Mailbox": "x"}, job_name=JOB)
    assert again["changed"] is False
    assert again["status"] == "Completed"
    assert again["output"] == ["done"]
    assert fake.writes == writes
    assert "diff" not in again


def test_check_mode_reads_an_existing_job_without_waiting(monkeypatch, fake):
    fake.job_polls = 100
    run(monkeypatch, parameters={"Mailbox": "x"}, job_name=JOB, wait=False)
    sleeps = list(fake.sleeps)
    result = run(monkeypatch, True, parameters={"Mailbox": "x"}, job_name=JOB)
    assert result["changed"] is False
    assert result["status"] == "Running"
    assert result["job"]["name"] == JOB
    assert "output" not in result
    assert fake.sleeps == sleeps


def test_a_job_of_another_runbook_fails_before_any_wait(monkeypatch, fake):
    fake.job_polls = 100
    run(monkeypatch, parameters={"Mailbox": "x"}, job_name=JOB, wait=False)
    sleeps = list(fake.sleeps)
    for check_mode in (False, True):
        result = run(monkeypatch, check_mode, runbook="Other", job_name=JOB)
        assert result["failed"] and result["option"] == "job_name"
        assert "runs runbook %s, not Other" % RB in result["msg"]
    assert fake.sleeps == sleeps


def test_check_mode_shape_and_no_diff(monkeypatch, fake):
    result = run_module(monkeypatch, runbook_job.main, {"resource_group": RG, "account": AA, "runbook": RB,
                                                        "parameters": {"Mailbox": "x"}}, check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["job"] == {}
    assert not set(result) & {"job_id", "status", "exception", "output", "diff"}
    done = run_module(monkeypatch, runbook_job.main, {"resource_group": RG, "account": AA, "runbook": RB,
                                                      "parameters": {"Mailbox": "x"}}, diff=True)
    assert done["status"] == "Completed" and "diff" not in done


def test_failed_job_details_carry_the_result(monkeypatch, fake):
    fake.job_outcome = lambda rb, content, params: ("Stopped", None, [("Error", "stopped by user")])
    result = run(monkeypatch, parameters={"Mailbox": "x"}, job_name=JOB)
    assert result["failed"]
    assert result["msg"].startswith("job %s of runbook %s ended Stopped: stopped by user" % (JOB, RB))
    assert result["changed"] is True and result["status"] == "Stopped" and result["job_exception"] is None
    assert result["job"]["name"] == JOB and result["job_id"] == "job-" + JOB


def test_no_wait_returns_the_job_as_it_was_created(monkeypatch, fake):
    # Running in the create's answer, Completed at the next read: the task returns what the create said
    result = run(monkeypatch, parameters={"Mailbox": "x"}, wait=False)
    assert result["changed"] is True
    assert result["status"] == "Running"
    assert "output" not in result
    assert fake.stream_reads == 0


def test_a_timed_out_wait_reports_the_status_it_timed_out_on(monkeypatch, fake):
    fake.job_polls = 4
    result = run(monkeypatch, parameters={"Mailbox": "x"}, timeout=2)
    assert result["failed"]
    assert "is still Running after 2 s" in result["msg"]
    assert result["status"] == "Running" and result["job"]["status"] == "Running"


def test_a_runbook_that_declares_no_parameter_takes_none(monkeypatch, fake):
    fake.add_runbook(RG, AA, "No-Params", "Write-Output 1\n")
    for check_mode in (False, True):
        result = run(monkeypatch, check_mode, runbook="No-Params", parameters={"Mailbox": "x"})
        assert result["failed"] and result["option"] == "parameters"
        assert "runbook No-Params has no parameter Mailbox; it takes no parameters" in result["msg"]
    assert fake.writes == []
    assert run(monkeypatch, runbook="No-Params")["changed"] is True


def test_a_runbook_name_azure_would_refuse_fails_in_check_mode_too(monkeypatch, fake):
    for check_mode in (False, True):
        result = run(monkeypatch, check_mode, runbook="bad name!")
        assert result["failed"] and result["option"] == "runbook"
        assert "not a valid runbook name" in result["msg"]
    assert fake.writes == []
