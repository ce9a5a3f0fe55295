# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.m365.exo_automation.plugins.module_utils import automation_assets as assets
from ansible_collections.m365.exo_automation.plugins.modules import automation_schedule, automation_schedule_info
from ansible_collections.m365.exo_automation.tests.unit.automation_assets_fake import FakeAssets
from ansible_collections.m365.exo_automation.tests.unit.azure_fake import account_id
from ansible_collections.m365.exo_automation.tests.unit.utils import run_module

RG, AA, NAME = "rg-exo", "aa-exo-automation", "weekdays-0600"
SCHEDULE_ID = account_id(RG, AA) + "/schedules/" + NAME
GREET = "param(\n    [Parameter(Mandatory = $true)] [string] $Mailbox, [string] $Note\n)\nWrite-Output $Mailbox\n"
START = "2030-01-07T06:00:00+01:00"        # 05:00 UTC, days after the fake's now (2030-01-01T12:00Z)
START_UTC = "2030-01-07T05:00:00+00:00"
PAST = "2029-12-01T05:00:00+00:00"


@pytest.fixture
def fake(monkeypatch):
    fake = FakeAssets.install(monkeypatch)
    fake.add_group(RG)
    fake.add_account(RG, AA)
    fake.add_runbook(RG, AA, "Greet", GREET)
    fake.add_runbook(RG, AA, "Report", "Write-Output 'report'\n")
    return fake


def run(monkeypatch, check_mode=False, **args):
    args.setdefault("resource_group", RG)
    args.setdefault("account", AA)
    args.setdefault("name", NAME)
    return run_module(monkeypatch, automation_schedule.main, args, check_mode=check_mode, diff=True)


def methods(fake):
    return [(w[0], w[1].split("/automationAccounts/%s/" % AA, 1)[-1].split("/")[0]) for w in fake.writes]


WEEKLY = dict(start_time=START, frequency="Week", week_days=["Friday", "Monday"], time_zone="Europe/Berlin",
              description="Weekday mornings",
              runbooks=[{"name": "Greet", "parameters": {"Mailbox": "adele@contoso.com", "Note": 3}}])


@pytest.mark.parametrize("check_mode", [True, False])
def test_create_with_a_runbook_link(monkeypatch, fake, check_mode):
    result = run(monkeypatch, check_mode, **WEEKLY)
    assert result["changed"] is True
    s = result["schedule"]
    assert s["start_time"] == START_UTC
    assert s["frequency"] == "Week" and s["interval"] == 1
    assert s["week_days"] == ["Monday", "Friday"]
    assert s["time_zone"] == "Europe/Berlin"
    assert s["is_enabled"] is True
    assert s["expiry_time"] is None
    assert [(r["name"], r["parameters"]) for r in s["runbooks"]] == [
        ("Greet", {"Mailbox": "adele@contoso.com", "Note": "3"})]
    assert result["links_created"] == ["Greet"] and result["links_deleted"] == []
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["runbooks"] == [
        {"name": "Greet", "parameters": {"Mailbox": "adele@contoso.com", "Note": "3"}, "run_on": None}]
    if check_mode:
        assert fake.writes == []
        return
    assert methods(fake) == [("PUT", "schedules"), ("PUT", "jobSchedules")]
    assert fake.writes[0][2] == {"name": NAME, "properties": {
        "description": "Weekday mornings", "startTime": START_UTC, "frequency": "Week", "timeZone": "Europe/Berlin",
        "interval": 1, "advancedSchedule": {"weekDays": ["Monday", "Friday"]}}}
    assert fake.writes[1][2] == {"properties": {"schedule": {"name": NAME}, "runbook": {"name": "Greet"},
                                                "parameters": {"Mailbox": "adele@contoso.com", "Note": "3"}}}
    assert s["runbooks"][0]["job_schedule_id"]


def test_second_run_is_unchanged_whatever_the_offset_and_seconds(monkeypatch, fake):
    run(monkeypatch, **WEEKLY)
    writes = list(fake.writes)
    same = dict(WEEKLY)
    same.update(start_time="2030-01-07T05:00:42.123Z", week_days=["Friday", "Monday", "Friday"],
                time_zone="europe/berlin")
    again = run(monkeypatch, **same)
    assert again["changed"] is False
    assert again["diff"]["before"] == again["diff"]["after"]
    assert fake.writes == writes


def test_times_are_compared_in_utc(monkeypatch, fake):
    fake.add_schedule(RG, AA, NAME, "2030-02-01T10:00:00+01:00", expiry="2030-12-31T23:00:00-01:00")
    result = run(monkeypatch, start_time="2030-02-01T09:00:00", expiry_time="2031-01-01T00:00:00Z", frequency="Day")
    assert result["changed"] is False
    assert result["schedule"]["start_time"] == "2030-02-01T09:00:00+00:00"
    assert result["schedule"]["expiry_time"] == "2031-01-01T00:00:00+00:00"
    assert fake.writes == []


@pytest.mark.parametrize("args,option,fragment", [
    (dict(start_time="2030-01-01T12:04:00Z", frequency="Day"), "start_time", "less than 5 minutes in the future"),
    (dict(frequency="Day"), "start_time", "start_time is required to create schedule"),
    (dict(start_time=START), "frequency", "frequency is required to create schedule"),
    (dict(start_time="next monday", frequency="Day"), "start_time", "is not a date and time"),
    (dict(start_time="2030-02-30T00:00:00Z", frequency="Day"), "start_time", "is not a date and time"),
    (dict(start_time=START, frequency="OneTime", interval=1), "interval", "does not apply to a OneTime"),
    (dict(start_time=START, frequency="Minute", interval=5), "interval", "Azure allows 15 minutes or more"),
    (dict(start_time=START, frequency="Day", interval=0), "interval", "1 or more"),
    (dict(start_time=START, frequency="Day", week_days=["Monday"]), "week_days", "only to a Week schedule"),
    (dict(start_time=START, frequency="Month", month_days=[32]), "month_days", "not a day of the month"),
    (dict(start_time=START, frequency="Month", monthly_occurrences=[{"occurrence": 6, "day": "Monday"}]),
     "monthly_occurrences", "occurrence 6 is not valid"),
    (dict(start_time=START, frequency="Month", month_days=[1],
          monthly_occurrences=[{"occurrence": 1, "day": "Monday"}]),
     "monthly_occurrences", "not both"),
    (dict(start_time=START, frequency="Day", expiry_time="2030-01-02T00:00:00Z"), "expiry_time",
     "is not after the start time"),
    (dict(start_time=START, frequency="Day", runbooks=[{"name": "Greet"}, {"name": "greet"}]), "runbooks",
     "greet is listed more than once"),
    (dict(start_time=START, frequency="Day", runbooks=[{"name": "Missing"}]), "runbooks",
     "runbook Missing was not found"),
    (dict(start_time=START, frequency="Day", runbooks=[{"name": "Greet"}]), "runbooks",
     "needs the mandatory parameter Mailbox"),
    (dict(start_time=START, frequency="Day",
          runbooks=[{"name": "Greet", "parameters": {"Mailbox": "x", "Other": 1}}]),
     "runbooks", "has no parameter Other"),
    (dict(name="bad/name", start_time=START, frequency="Day"), "name", "not a valid schedule name"),
])
def test_bad_input_fails_before_any_write(monkeypatch, fake, args, option, fragment):
    result = run(monkeypatch, **args)
    assert result["failed"]
    assert result["option"] == option
    assert fragment in result["msg"]
    assert fake.writes == []


def test_an_unpublished_runbook_cannot_be_linked(monkeypatch, fake):
    fake.add_runbook(RG, AA, "Draft", "Write-Output 1\n", state="New")
    result = run(monkeypatch, start_time=START, frequency="Day", runbooks=[{"name": "Draft"}])
    assert result["failed"] and result["option"] == "runbooks"
    assert "never been published" in result["msg"]
    assert fake.writes == []
    predicted = run(monkeypatch, True, start_time=START, frequency="Day", runbooks=[{"name": "Draft"}])
    assert predicted["changed"] is True
    assert any("never been published" in w for w in predicted["warnings"])


@pytest.mark.parametrize("check_mode", [True, False])
def test_description_and_enabled_change_in_place_after_the_start(monkeypatch, fake, check_mode):
    fake.add_schedule(RG, AA, NAME, PAST, description="old")
    result = run(monkeypatch, check_mode, start_time=PAST, description="new", is_enabled=False)
    assert result["changed"] is True
    assert result["schedule"]["description"] == "new"
    assert result["schedule"]["is_enabled"] is False
    assert result["diff"]["before"]["is_enabled"] is True
    expected = [("PATCH", SCHEDULE_ID, {"name": NAME, "properties": {"description": "new", "isEnabled": False}})]
    assert fake.writes == ([] if check_mode else expected)
    assert run(monkeypatch, description="new", is_enabled=False)["changed"] is check_mode


def test_changing_the_recurrence_after_the_start_needs_a_new_start_time(monkeypatch, fake):
    fake.add_schedule(RG, AA, NAME, PAST)
    result = run(monkeypatch, frequency="Hour", interval=4)
    assert result["failed"] and result["option"] == "start_time"
    assert "changing frequency, interval of schedule %s needs a new start_time" % NAME in result["msg"]
    assert PAST in result["msg"]
    assert fake.writes == []
    moved = run(monkeypatch, start_time=START, frequency="Hour", interval=4)
    assert moved["changed"] is True
    assert methods(fake) == [("PUT", "schedules")]
    assert moved["schedule"]["frequency"] == "Hour" and moved["schedule"]["interval"] == 4
    assert moved["diff"]["before"]["frequency"] == "Day"


def test_a_put_keeps_the_enabled_state(monkeypatch, fake):
    fake.add_schedule(RG, AA, NAME, PAST, enabled=False)
    result = run(monkeypatch, start_time=START, frequency="Day", interval=2)
    assert result["changed"] is True
    assert result["schedule"]["is_enabled"] is False
    assert methods(fake) == [("PUT", "schedules")]


def test_a_new_disabled_schedule_is_patched_after_the_put(monkeypatch, fake):
    result = run(monkeypatch, start_time=START, frequency="OneTime", is_enabled=False)
    assert result["schedule"]["is_enabled"] is False
    assert result["schedule"]["interval"] is None
    assert "interval" not in fake.writes[0][2]["properties"]
    assert fake.writes[1] == ("PATCH", SCHEDULE_ID, {"name": NAME, "properties": {"isEnabled": False}})


def test_a_new_frequency_drops_the_old_advanced_schedule(monkeypatch, fake):
    fake.add_schedule(RG, AA, NAME, PAST, frequency="Week", advancedSchedule={"weekDays": ["Monday"]},
                      expiry="2031-01-01T00:00:00+00:00")
    result = run(monkeypatch, start_time=START, frequency="Day", expiry_time="never")
    assert result["changed"] is True
    body = fake.writes[0][2]["properties"]
    assert "advancedSchedule" not in body and "expiryTime" not in body
    assert result["schedule"]["week_days"] == [] and result["schedule"]["expiry_time"] is None
    assert result["diff"]["before"]["week_days"] == ["Monday"]


def test_monthly_occurrences_and_month_days(monkeypatch, fake):
    result = run(monkeypatch, start_time=START, frequency="Month",
                 monthly_occurrences=[{"occurrence": -1, "day": "Friday"}, {"occurrence": 1, "day": "Monday"}])
    assert fake.writes[0][2]["properties"]["advancedSchedule"] == {
        "monthlyOccurrences": [{"occurrence": -1, "day": "Friday"}, {"occurrence": 1, "day": "Monday"}]}
    assert result["schedule"]["monthly_occurrences"][1] == {"occurrence": 1, "day": "Monday"}
    assert run(monkeypatch, frequency="Month", monthly_occurrences=[{"occurrence": 1, "day": "Monday"},
                                                                    {"occurrence": -1, "day": "Friday"}])[
        "changed"] is False
    switched = run(monkeypatch, start_time="2030-03-01T00:00:00Z", month_days=[-1, 15], monthly_occurrences=[])
    assert switched["changed"] is True
    assert fake.writes[-1][2]["properties"]["advancedSchedule"] == {"monthDays": [-1, 15]}


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_link_with_other_parameters_is_created_again(monkeypatch, fake, check_mode):
    fake.add_schedule(RG, AA, NAME, PAST)
    old_id = fake.add_link(RG, AA, NAME, "Greet", {"Mailbox": "old@contoso.com"})
    fake.add_link(RG, AA, NAME, "Report")
    result = run(monkeypatch, check_mode, runbooks=[{"name": "greet", "parameters": {"Mailbox": "new@contoso.com"}}])
    assert result["changed"] is True
    assert result["links_created"] == ["Greet"] and result["links_deleted"] == ["Greet"]
    assert [r["name"] for r in result["schedule"]["runbooks"]] == ["Greet", "Report"]
    assert result["diff"]["before"]["runbooks"][0]["parameters"] == {"Mailbox": "old@contoso.com"}
    assert result["diff"]["after"]["runbooks"][0]["parameters"] == {"Mailbox": "new@contoso.com"}
    if check_mode:
        assert fake.writes == []
        return
    assert fake.writes[0] == ("DELETE", account_id(RG, AA) + "/jobSchedules/" + old_id, None)
    assert methods(fake) == [("DELETE", "jobSchedules"), ("PUT", "jobSchedules")]
    assert [(p["runbook"]["name"], p["parameters"]) for p in fake.links(NAME)] == [
        ("Greet", {"Mailbox": "new@contoso.com"}), ("Report", {})]


def test_unchanged_links_are_not_touched_and_parameter_names_ignore_case(monkeypatch, fake):
    fake.add_schedule(RG, AA, NAME, PAST)
    fake.add_link(RG, AA, NAME, "Greet", {"Mailbox": "x@contoso.com", "Note": "3"})
    result = run(monkeypatch, runbooks=[{"name": "Greet", "parameters": {"mailbox": "x@contoso.com", "Note": 3}}])
    assert result["changed"] is False
    assert fake.writes == []


def test_run_on_counts(monkeypatch, fake):
    fake.add_schedule(RG, AA, NAME, PAST)
    fake.add_link(RG, AA, NAME, "Report")
    result = run(monkeypatch, runbooks=[{"name": "Report", "run_on": "workers"}])
    assert result["changed"] is True
    assert fake.writes[-1][2]["properties"]["runOn"] == "workers"
    assert run(monkeypatch, runbooks=[{"name": "Report", "run_on": "workers"}])["changed"] is False


@pytest.mark.parametrize("exclusive", [True, False])
def test_exclusive_removes_other_links(monkeypatch, fake, exclusive):
    fake.add_schedule(RG, AA, NAME, PAST)
    fake.add_link(RG, AA, NAME, "Greet", {"Mailbox": "x"})
    fake.add_link(RG, AA, "other-schedule", "Greet", {"Mailbox": "y"})
    result = run(monkeypatch, runbooks=[{"name": "Report"}], exclusive=exclusive)
    assert result["changed"] is True
    names = [r["name"] for r in result["schedule"]["runbooks"]]
    assert names == (["Report"] if exclusive else ["Greet", "Report"])
    assert result["links_deleted"] == (["Greet"] if exclusive else [])
    # the link of the other schedule is never touched
    assert sorted(p["schedule"]["name"] for p in fake.links() if p["runbook"]["name"] == "Greet") == (
        ["other-schedule"] if exclusive else sorted([NAME, "other-schedule"]))


def test_empty_exclusive_list_removes_every_link(monkeypatch, fake):
    fake.add_schedule(RG, AA, NAME, PAST)
    fake.add_link(RG, AA, NAME, "Report")
    result = run(monkeypatch, runbooks=[], exclusive=True)
    assert result["changed"] is True
    assert fake.links(NAME) == []
    assert run(monkeypatch, runbooks=[], exclusive=True)["changed"] is False


@pytest.mark.parametrize("check_mode", [True, False])
def test_delete(monkeypatch, fake, check_mode):
    fake.add_schedule(RG, AA, NAME, PAST)
    fake.add_link(RG, AA, NAME, "Report")
    result = run(monkeypatch, check_mode, state="absent")
    assert result["changed"] is True
    assert result["schedule"] == {} and result["diff"]["after"] == {}
    assert result["diff"]["before"]["runbooks"] == [{"name": "Report", "parameters": {}, "run_on": None}]
    assert result["links_deleted"] == ["Report"]
    assert fake.writes == ([] if check_mode else [("DELETE", SCHEDULE_ID, None)])
    assert (fake.links(NAME) == []) is not check_mode
    assert run(monkeypatch, check_mode, state="absent")["changed"] is check_mode


def test_check_mode_on_a_missing_account_warns_and_predicts(monkeypatch, fake):
    result = run(monkeypatch, True, account="aa-not-yet-there", **WEEKLY)
    assert result["changed"] is True
    assert result["schedule"]["start_time"] == START_UTC
    assert any("does not exist" in w for w in result["warnings"])


def test_a_missing_account_fails(monkeypatch, fake):
    result = run(monkeypatch, account="aa-not-there", start_time=START, frequency="Day")
    assert result["failed"] and result["option"] == "account"


def test_info(monkeypatch, fake):
    fake.add_schedule(RG, AA, NAME, "2030-02-01T10:00:00+01:00", time_zone="Europe/Berlin")
    fake.add_schedule(RG, AA, "another", PAST, frequency="OneTime")
    fake.add_link(RG, AA, NAME, "Greet", {"Mailbox": "x"})
    args = {"resource_group": RG, "account": AA}
    listed = run_module(monkeypatch, automation_schedule_info.main, args)
    assert [s["name"] for s in listed["schedules"]] == ["another", NAME]
    assert listed["schedules"][1]["start_time"] == "2030-02-01T09:00:00+00:00"
    assert listed["schedules"][1]["runbooks"][0]["parameters"] == {"Mailbox": "x"}
    assert listed["schedules"][0]["interval"] is None
    by_runbook = run_module(monkeypatch, automation_schedule_info.main, dict(args, runbook="greet"))
    assert [s["name"] for s in by_runbook["schedules"]] == [NAME]
    assert run_module(monkeypatch, automation_schedule_info.main, dict(args, name="missing"))["schedules"] == []
    assert run_module(monkeypatch, automation_schedule_info.main, dict(args, account="aa-gone"))["schedules"] == []


@pytest.mark.parametrize("text,expected", [
    ("2030-01-07T06:00:00Z", "2030-01-07T06:00:00+00:00"),
    ("2030-01-07 06:00:00+00:00", "2030-01-07T06:00:00+00:00"),     # an unquoted YAML timestamp, as text
    ("2030-01-07", "2030-01-07T00:00:00+00:00"),
    ("2030-01-07T06:00", "2030-01-07T06:00:00+00:00"),
    ("2030-01-07T06:00:00.1234567-0230", "2030-01-07T08:30:00+00:00"),
    ("2030-01-07T06:00:00+05:30", "2030-01-07T00:30:00+00:00"),
    ("9999-12-31T23:59:59.9999999-01:00", "9999-12-31T23:59:59+00:00"),
    ("", None),
    (None, None),
])
def test_times_are_parsed_to_utc(text, expected):
    assert assets.iso(assets.parse_time(text, "start_time")) == expected


def test_datetimes_and_text_from_azure():
    naive = datetime.datetime(2030, 1, 7, 6, 0)
    assert assets.iso(assets.parse_time(naive)) == "2030-01-07T06:00:00+00:00"
    aware = datetime.datetime(2030, 1, 7, 6, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    assert assets.iso(assets.parse_time(aware)) == "2030-01-07T05:00:00+00:00"
    assert assets.parse_time("not a time") is None     # text Azure sends is never fatal
    assert assets.never_expires(assets.parse_time("9999-12-31T23:59:59.9999999+00:00"))


def comparable(schedule):
    """A schedule's facts without what only Azure assigns (ids, times of the object)."""
    out = dict((k, v) for k, v in schedule.items() if k not in ("id", "creation_time", "last_modified_time"))
    out["runbooks"] = [dict((k, v) for k, v in r.items() if k != "job_schedule_id") for r in schedule["runbooks"]]
    return out


@pytest.mark.parametrize("args", [
    WEEKLY,
    dict(start_time=START, frequency="OneTime", is_enabled=False, description="once"),
    dict(start_time=START, frequency="Month", month_days=[-1, 1], expiry_time="2031-01-01T00:00:00Z",
         runbooks=[{"name": "Report", "run_on": "workers"}, {"name": "Greet", "parameters": {"Mailbox": "x"}}]),
])
def test_check_mode_predicts_what_a_run_returns(monkeypatch, fake, args):
    predicted = run(monkeypatch, True, **args)
    assert fake.writes == []
    done = run(monkeypatch, **args)
    assert predicted["changed"] is done["changed"] is True
    assert comparable(predicted["schedule"]) == comparable(done["schedule"])
    assert predicted["diff"] == done["diff"]
    assert (predicted["links_created"], predicted["links_deleted"]) == (done["links_created"], done["links_deleted"])


@pytest.mark.parametrize("check_mode", [True, False])
def test_links_are_reconciled_by_runbook_name(monkeypatch, fake, check_mode):
    fake.add_schedule(RG, AA, NAME, PAST)
    kept = fake.add_link(RG, AA, NAME, "Report")
    fake.add_runbook(RG, AA, "Cleanup", "Write-Output 'c'\n")
    fake.add_link(RG, AA, NAME, "Cleanup")
    old_greet = fake.add_link(RG, AA, NAME, "Greet", {"Mailbox": "old"}, run_on="workers")
    result = run(monkeypatch, check_mode, exclusive=True,
                 runbooks=[{"name": "greet", "parameters": {"Mailbox": "old"}}, {"name": "REPORT"}])
    # Greet: same parameters, but another run_on: created again; Report kept; Cleanup not declared
    assert result["links_created"] == ["Greet"]
    assert result["links_deleted"] == ["Greet", "Cleanup"]
    runbooks = result["schedule"]["runbooks"]
    assert [(r["name"], r["run_on"]) for r in runbooks] == [("Greet", None), ("Report", None)]
    assert runbooks[1]["job_schedule_id"] == kept
    if check_mode:
        assert runbooks[0]["job_schedule_id"] is None
        assert fake.writes == []
        return
    assert runbooks[0]["job_schedule_id"] not in (None, old_greet)
    assert methods(fake) == [("DELETE", "jobSchedules"), ("DELETE", "jobSchedules"), ("PUT", "jobSchedules")]
    assert fake.writes[0][1].endswith(old_greet)


def test_unset_runbooks_leave_the_links_alone_even_with_exclusive(monkeypatch, fake):
    fake.add_schedule(RG, AA, NAME, PAST)
    fake.add_link(RG, AA, NAME, "Report")
    result = run(monkeypatch, exclusive=True, description="still linked")
    assert result["changed"] is True
    assert result["links_deleted"] == [] and result["links_created"] == []
    assert [r["name"] for r in result["schedule"]["runbooks"]] == ["Report"]
    assert methods(fake) == [("PATCH", "schedules")]


def test_runbooks_of_unchanged_links_are_not_read(monkeypatch, fake):
    fake.add_schedule(RG, AA, NAME, PAST)
    fake.add_link(RG, AA, NAME, "Greet", {"Mailbox": "x"})
    # a runbook deleted since it was linked: the kept link is not checked, so nothing fails
    del fake.runbooks[next(k for k in fake.runbooks if k[-1] == "greet")]
    result = run(monkeypatch, runbooks=[{"name": "Greet", "parameters": {"Mailbox": "x"}}])
    assert result["changed"] is False
