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
    assert result["details"]["status"] == "Failed"
    assert result["details"]["error_records"] == [exception]


def test_failed_job_without_a_known_text_has_no_hint(monkeypatch, fake):
    fake.job_outcome = lambda rb, content, params: ("Failed", "boom", [])
    result = run(monkeypatch, parameters={"Mailbox": "x"})
    assert result["msg"].endswith("ended Failed: boom")


def test_timeout_fails_with_the_job_name(monkeypatch, fake):
    fake.job_polls = 100
    result = run(monkeypatch, parameters={"Mailbox": "x"}, timeout=3)
    assert result["failed"]
    assert "is still Running after 3 s; it keeps running in Azure" in result["msg"]
    assert result["details"]["job"]["name"] in result["msg"]


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
