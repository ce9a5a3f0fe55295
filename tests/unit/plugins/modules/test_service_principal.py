# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.module_utils import wellknown as wk
from ansible_collections.m365.exo_automation.plugins.modules import service_principal, service_principal_info
from ansible_collections.m365.exo_automation.tests.unit.graph_fake import FakeArm, FakeTenant, wire
from ansible_collections.m365.exo_automation.tests.unit.utils import run_module


def run(monkeypatch, check_mode=False, **args):
    return run_module(monkeypatch, service_principal.main, args, check_mode=check_mode, diff=True)


def run_info(monkeypatch, **args):
    return run_module(monkeypatch, service_principal_info.main, args)


@pytest.mark.parametrize("name", ["Office 365 Exchange Online", "exchange_online", wk.EXCHANGE_ONLINE_APP_ID])
def test_existing_exchange_online_is_unchanged(monkeypatch, name):
    tenant = FakeTenant()
    wire(monkeypatch, tenant)
    result = run(monkeypatch, app_id=name)
    assert result["changed"] is False and result["created"] is False
    sp = result["service_principal"]
    assert sp["app_id"] == wk.EXCHANGE_ONLINE_APP_ID
    assert [r["value"] for r in sp["app_roles"]] == ["Exchange.ManageAsApp", "full_access_as_app"]
    assert result["diff"]["before"] == result["diff"]["after"]
    assert tenant.writes() == []


@pytest.mark.parametrize("check_mode", [True, False])
def test_creates_missing_exchange_online(monkeypatch, check_mode):
    tenant = FakeTenant(exchange_online=False)
    clock = wire(monkeypatch, tenant)
    result = run(monkeypatch, check_mode, app_id="Office 365 Exchange Online")
    assert result["changed"] is True and result["created"] is True
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["app_id"] == wk.EXCHANGE_ONLINE_APP_ID
    if check_mode:
        assert tenant.writes() == []
        assert result["service_principal"] == {"app_id": wk.EXCHANGE_ONLINE_APP_ID,
                                               "display_name": "Office 365 Exchange Online"}
    else:
        assert tenant.writes() == [("POST", "/servicePrincipals")]
        assert result["service_principal"]["id"] == tenant.by_app_id(wk.EXCHANGE_ONLINE_APP_ID)["id"]
        assert "Exchange.ManageAsApp" in result["diff"]["after"]["app_roles"]
        # confirmed by consecutive reads
        reads = [e for e in tenant.log if e[0] == "GET"]
        assert len(reads) == 1 + 3
        assert clock.sleeps == [1.0, 1.0]
        again = run(monkeypatch, app_id="Office 365 Exchange Online")
        assert again["changed"] is False
        assert tenant.writes() == [("POST", "/servicePrincipals")]


def test_display_name_that_is_well_known_creates_too(monkeypatch):
    tenant = FakeTenant(exchange_online=False)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, display_name="Exchange Online")
    assert result["created"] is True
    assert tenant.by_app_id(wk.EXCHANGE_ONLINE_APP_ID) is not None


def test_missing_display_name_cannot_be_created(monkeypatch):
    tenant = FakeTenant()
    wire(monkeypatch, tenant)
    result = run(monkeypatch, display_name="Contoso Reporting")
    assert result["failed"] is True
    assert "no service principal has the display name 'Contoso Reporting'" in result["msg"]
    assert result["option"] == "display_name"
    assert tenant.writes() == []


def test_malformed_app_id(monkeypatch):
    tenant = FakeTenant()
    wire(monkeypatch, tenant)
    result = run(monkeypatch, app_id="00000002-0000-0ff1-ce00-00000000000")
    assert result["failed"] is True
    assert result["msg"].startswith("option 'app_id': '00000002-0000-0ff1-ce00-00000000000' is not a valid GUID")
    assert tenant.log == []


def test_app_id_without_application_is_explained(monkeypatch):
    tenant = FakeTenant()
    wire(monkeypatch, tenant)
    result = run(monkeypatch, app_id="11111111-2222-3333-4444-555555555555")
    assert result["failed"] is True
    assert "does not reference a valid application object" in result["msg"]
    assert result["status"] == 400 and result["option"] == "app_id"


def test_concurrent_creation_is_not_an_error(monkeypatch):
    tenant = FakeTenant(exchange_online=False)
    wire(monkeypatch, tenant)
    tenant.fault("POST", r"^/servicePrincipals$", 409, {"error": {
        "code": "Request_MultipleObjectsWithSameKeyValue",
        "message": "Another object with the same value for property servicePrincipalNames already exists."}})
    state = {"calls": 0}
    original = tenant.route

    def route(method, path, request):
        # the other writer's service principal shows up once our POST was refused
        if method == "GET" and path == "/servicePrincipals" and tenant.log and tenant.log[-1][0] == "POST":
            if not tenant.by_app_id(wk.EXCHANGE_ONLINE_APP_ID):
                from ansible_collections.m365.exo_automation.tests.unit.graph_fake import exo_sp

                tenant.add_sp(exo_sp())
        state["calls"] += 1
        return original(method, path, request)

    tenant.route = route
    result = run(monkeypatch, app_id="exchange_online")
    assert result.get("failed") is not True, result
    assert result["changed"] is False and result["created"] is False
    assert result["service_principal"]["app_id"] == wk.EXCHANGE_ONLINE_APP_ID
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["id"] == tenant.by_app_id(wk.EXCHANGE_ONLINE_APP_ID)["id"]


@pytest.mark.parametrize("check_mode", [True, False])
def test_absent_deletes(monkeypatch, check_mode):
    tenant = FakeTenant()
    wire(monkeypatch, tenant)
    graph_id = tenant.graph_sp["id"]
    result = run(monkeypatch, check_mode, object_id=graph_id, state="absent")
    assert result["changed"] is True
    assert result["diff"]["after"] == {} and result["diff"]["before"]["id"] == graph_id
    if check_mode:
        assert tenant.writes() == []
    else:
        assert tenant.writes() == [("DELETE", "/servicePrincipals/" + graph_id)]
        # the delete is confirmed by consecutive reads that no longer find it
        after_delete = tenant.log[tenant.log.index(("DELETE", "/servicePrincipals/" + graph_id, 204)) + 1:]
        assert after_delete == [("GET", "/servicePrincipals/" + graph_id, 404)] * 3
        assert result["service_principal"] == {}
        assert run(monkeypatch, object_id=graph_id, state="absent")["changed"] is False


@pytest.mark.parametrize("args", [
    dict(app_id="Office 365 Exchange Online"),
    dict(display_name="exchange_online"),
    dict(app_id=wk.MICROSOFT_GRAPH_APP_ID),
    dict(app_id=wk.MICROSOFT_GRAPH_APP_ID, state="absent"),
    dict(app_id="exchange_online", state="absent"),
])
def test_check_mode_predicts_what_the_real_run_returns(monkeypatch, args):
    tenant = FakeTenant(exchange_online=False)
    wire(monkeypatch, tenant)
    checked = run(monkeypatch, True, **args)
    assert tenant.writes() == []
    real = run(monkeypatch, **args)
    assert sorted(checked) == sorted(real)
    assert (checked["changed"], checked["created"]) == (real["changed"], real["created"])
    assert checked["diff"]["before"] == real["diff"]["before"]
    # a prediction knows less than Graph returns (no object id, no app roles), never something else
    for predicted, actual in ((checked["service_principal"], real["service_principal"]),
                              (checked["diff"]["after"], real["diff"]["after"])):
        assert predicted == dict((k, actual[k]) for k in predicted)
        if not real["created"]:
            assert predicted == actual


def test_check_mode_creation_of_another_application(monkeypatch):
    tenant = FakeTenant()
    wire(monkeypatch, tenant)
    app_id = "11111111-2222-3333-4444-555555555555"
    result = run(monkeypatch, True, app_id=app_id)
    assert result["changed"] is True and result["created"] is True
    assert result["service_principal"] == {"app_id": app_id, "display_name": None}
    assert result["diff"] == {"before": {}, "after": {"app_id": app_id, "display_name": None}}
    # looked up by appId, then checked for an object id given as app_id; nothing written
    assert tenant.log == [("GET", "/servicePrincipals", 200), ("GET", "/servicePrincipals/" + app_id, 404)]


def test_creation_is_read_again_until_graph_agrees(monkeypatch):
    tenant = FakeTenant(exchange_online=False)
    clock = wire(monkeypatch, tenant)
    original = tenant.route
    lag = {"reads": 2}

    def route(method, path, request):
        if method == "GET" and path == "/servicePrincipals" and "id" in lag:
            # replication: the first reads after the POST do not list it yet
            if lag["reads"]:
                lag["reads"] -= 1
            else:
                tenant.hidden.pop(lag["id"], None)
        response = original(method, path, request)
        if method == "POST":
            sp = tenant.by_app_id(wk.EXCHANGE_ONLINE_APP_ID)
            # the reads show something the POST answer did not: the result must come from a read
            sp["accountEnabled"] = False
            tenant.hidden[sp["id"]] = 1
            lag["id"] = sp["id"]
        return response

    tenant.route = route
    result = run(monkeypatch, app_id="exchange_online")
    assert result["changed"] is True and result["created"] is True
    after_post = tenant.log[tenant.log.index(("POST", "/servicePrincipals", 201)) + 1:]
    assert after_post == [("GET", "/servicePrincipals", 200)] * (2 + 3)
    assert len(clock.sleeps) == 4
    assert result["service_principal"]["account_enabled"] is False
    assert result["service_principal"]["id"] == tenant.by_app_id(wk.EXCHANGE_ONLINE_APP_ID)["id"]
    assert result["diff"]["after"]["id"] == result["service_principal"]["id"]


def test_mutually_exclusive_lookups(monkeypatch):
    wire(monkeypatch, FakeTenant())
    result = run(monkeypatch, app_id="exchange_online", display_name="x")
    assert result["failed"] is True and "mutually exclusive" in result["msg"]


# -- service_principal_info -------------------------------------------------------------------------------
def test_info_by_app_id_and_missing(monkeypatch):
    tenant = FakeTenant(exchange_online=False)
    wire(monkeypatch, tenant)
    assert run_info(monkeypatch, app_id="exchange_online")["service_principals"] == []
    found = run_info(monkeypatch, display_name="Microsoft Graph")["service_principals"]
    assert [sp["app_id"] for sp in found] == [wk.MICROSOFT_GRAPH_APP_ID]


def test_info_waits_for_a_new_identity(monkeypatch):
    tenant = FakeTenant()
    arm = FakeArm()
    mi = tenant.add_identity("aa-exo", hidden_reads=3)
    account_id = arm.account("aa-exo", mi["id"])
    clock = wire(monkeypatch, tenant, arm)
    result = run_info(monkeypatch, principal=account_id, wait_timeout=300)
    assert [sp["id"] for sp in result["service_principals"]] == [mi["id"]]
    assert result["principal"]["source"] == "automation_account"
    assert len(clock.sleeps) == 3
    assert tenant.writes() == []


def test_info_wait_that_runs_out(monkeypatch):
    tenant = FakeTenant()
    mi = tenant.add_identity("aa-exo", hidden_reads=10 ** 6)
    clock = wire(monkeypatch, tenant)
    result = run_info(monkeypatch, object_id=mi["id"], wait_timeout=60)
    assert result["failed"] is True
    assert "replication did not finish" in result["msg"]
    assert sum(clock.sleeps) == pytest.approx(60)


def test_info_without_wait_returns_nothing_for_an_invisible_principal(monkeypatch):
    tenant = FakeTenant()
    mi = tenant.add_identity("aa-exo", hidden_reads=1)
    wire(monkeypatch, tenant)
    assert run_info(monkeypatch, object_id=mi["id"])["service_principals"] == []


def test_info_principal_whose_identity_is_missing(monkeypatch):
    tenant = FakeTenant()
    arm = FakeArm()
    clock = wire(monkeypatch, tenant, arm)
    uai = arm.identity("id-exo", "p", "c")
    arm.identities.clear()
    result = run_info(monkeypatch, principal=uai)
    assert result["service_principals"] == [] and result["principal"]["id"] is None
    assert "does not exist" in clock.warnings[0]
    failed = run_info(monkeypatch, principal=uai, wait_timeout=30)
    assert failed["failed"] is True and failed["option"] == "principal"


def test_object_id_given_as_app_id(monkeypatch):
    tenant = FakeTenant()
    wire(monkeypatch, tenant)
    graph_id = tenant.graph_sp["id"]
    result = run(monkeypatch, app_id=graph_id)
    assert result["failed"] is True
    assert "is the object id of the service principal 'Microsoft Graph'" in result["msg"]
    assert wk.MICROSOFT_GRAPH_APP_ID in result["msg"]
    assert tenant.writes() == []


def test_a_wait_longer_than_the_task_timeout_is_refused_before_any_request(monkeypatch):
    tenant = FakeTenant()
    wire(monkeypatch, tenant)
    result = run_info(monkeypatch, object_id="0f0f0f0f-0000-4000-8000-000000000001", wait_timeout=900, timeout=300)
    assert result["failed"]
    assert "option 'wait_timeout' (900 s) is longer than option 'timeout' (300 s)" in result["msg"]
    assert "raise timeout to at least 900" in result["msg"]
    assert tenant.log == []
