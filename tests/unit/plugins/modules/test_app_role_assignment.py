# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.module_utils import wellknown as wk
from ansible_collections.m365.exo_automation.plugins.modules import app_role_assignment, app_role_assignment_info
from ansible_collections.m365.exo_automation.tests.unit.graph_fake import FakeArm, FakeTenant, wire
from ansible_collections.m365.exo_automation.tests.unit.utils import run_module

EXO = "Office 365 Exchange Online"
FULL_ACCESS = wk.EXCHANGE_ONLINE_APP_ROLES["full_access_as_app"]


def run(monkeypatch, check_mode=False, **args):
    return run_module(monkeypatch, app_role_assignment.main, args, check_mode=check_mode, diff=True)


def run_info(monkeypatch, **args):
    return run_module(monkeypatch, app_role_assignment_info.main, args)


@pytest.fixture
def tenant():
    return FakeTenant()


def exo(tenant):
    return tenant.by_app_id(wk.EXCHANGE_ONLINE_APP_ID)


def roles_of(tenant, principal_id, resource=None):
    return sorted(a["appRoleId"] for a in tenant.assignments.values()
                  if a["principalId"] == principal_id and (resource is None or a["resourceId"] == resource["id"]))


@pytest.mark.parametrize("check_mode", [True, False])
def test_grant_manage_as_app_to_an_automation_account(monkeypatch, tenant, check_mode):
    arm = FakeArm()
    mi = tenant.add_identity("aa-exo")
    account = arm.account("aa-exo", mi["id"])
    clock = wire(monkeypatch, tenant, arm)
    result = run(monkeypatch, check_mode, principal=account, resource=EXO, app_roles=["Exchange.ManageAsApp"])
    assert result["changed"] is True
    assert result["principal_id"] == mi["id"]
    assert result["added"] == ["Exchange.ManageAsApp"] and result["removed"] == []
    assert result["diff"] == {"before": {"app_roles": []}, "after": {"app_roles": ["Exchange.ManageAsApp"]}}
    assert result["resource"]["id"] == exo(tenant)["id"]
    assert [a["app_role_value"] for a in result["assignments"]] == ["Exchange.ManageAsApp"]
    if check_mode:
        assert tenant.writes() == []
        assert result["assignments"][0]["id"] is None
        return
    assert tenant.writes() == [("POST", "/servicePrincipals/%s/appRoleAssignments" % mi["id"])]
    assert roles_of(tenant, mi["id"]) == [wk.MANAGE_AS_APP_ROLE_ID]
    assert result["assignments"][0]["id"] is not None
    assert clock.sleeps == [1.0, 1.0]  # three consistent confirmation reads
    again = run(monkeypatch, principal=account, resource=EXO, app_roles=["Exchange.ManageAsApp"])
    assert again["changed"] is False and again["added"] == []
    assert len(tenant.writes()) == 1


def test_existing_grant_by_role_id_is_unchanged(monkeypatch, tenant):
    mi = tenant.add_identity()
    tenant.grant(mi["id"], exo(tenant), wk.MANAGE_AS_APP_ROLE_ID)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], resource=wk.EXCHANGE_ONLINE_APP_ID,
                 app_roles=[wk.MANAGE_AS_APP_ROLE_ID.upper()])
    assert result["changed"] is False
    assert result["app_roles"] == ["Exchange.ManageAsApp"]
    assert tenant.writes() == []


def test_user_assigned_identity_by_resource_id(monkeypatch, tenant):
    arm = FakeArm()
    mi = tenant.add_identity("id-exo")
    uai = arm.identity("id-exo", mi["id"], mi["appId"])
    wire(monkeypatch, tenant, arm)
    result = run(monkeypatch, principal=uai.lower(), resource="Microsoft Graph", app_roles=["User.Read.All"])
    assert result["changed"] is True and result["principal_id"] == mi["id"]
    assert arm.calls == [("identity", "rg-exo", "id-exo")]


@pytest.mark.parametrize("check_mode", [True, False])
def test_exclusive_removes_other_roles_on_the_same_resource_only(monkeypatch, tenant, check_mode):
    mi = tenant.add_identity()
    tenant.grant(mi["id"], exo(tenant), FULL_ACCESS)
    other = tenant.grant(mi["id"], tenant.graph_sp, tenant.graph_sp["appRoles"][0]["id"])
    wire(monkeypatch, tenant)
    result = run(monkeypatch, check_mode, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"],
                 exclusive=True)
    assert result["changed"] is True
    assert result["added"] == ["Exchange.ManageAsApp"] and result["removed"] == ["full_access_as_app"]
    assert result["diff"]["before"]["app_roles"] == ["full_access_as_app"]
    assert result["diff"]["after"]["app_roles"] == ["Exchange.ManageAsApp"]
    if check_mode:
        assert tenant.writes() == []
    else:
        assert roles_of(tenant, mi["id"], exo(tenant)) == [wk.MANAGE_AS_APP_ROLE_ID]
        assert other["id"] in tenant.assignments
        assert [m for m, _p in tenant.writes()] == ["DELETE", "POST"]


def test_without_exclusive_other_roles_stay(monkeypatch, tenant):
    mi = tenant.add_identity()
    tenant.grant(mi["id"], exo(tenant), FULL_ACCESS)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"])
    assert result["removed"] == []
    assert result["app_roles"] == ["Exchange.ManageAsApp", "full_access_as_app"]


@pytest.mark.parametrize("check_mode", [True, False])
def test_absent(monkeypatch, tenant, check_mode):
    mi = tenant.add_identity()
    tenant.grant(mi["id"], exo(tenant), FULL_ACCESS)
    tenant.grant(mi["id"], exo(tenant), wk.MANAGE_AS_APP_ROLE_ID)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, check_mode, principal=mi["id"], resource=EXO, app_roles=["full_access_as_app"],
                 state="absent")
    assert result["changed"] is True and result["removed"] == ["full_access_as_app"]
    assert result["app_roles"] == ["Exchange.ManageAsApp"]
    if check_mode:
        assert tenant.writes() == []
    else:
        assert roles_of(tenant, mi["id"]) == [wk.MANAGE_AS_APP_ROLE_ID]
        assert run(monkeypatch, principal=mi["id"], resource=EXO, app_roles=["full_access_as_app"],
                   state="absent")["changed"] is False


def test_absent_removes_every_copy_of_a_duplicate_grant(monkeypatch, tenant):
    mi = tenant.add_identity()
    first = tenant.grant(mi["id"], exo(tenant), FULL_ACCESS)
    second = tenant.duplicate(first)
    tenant.grant(mi["id"], exo(tenant), wk.MANAGE_AS_APP_ROLE_ID)
    clock = wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], resource=EXO, app_roles=["full_access_as_app"], state="absent")
    assert result["changed"] is True and result["removed"] == ["full_access_as_app"]
    assert result["app_roles"] == ["Exchange.ManageAsApp"]
    assert first["id"] not in tenant.assignments and second["id"] not in tenant.assignments
    assert [m for m, _p in tenant.writes()] == ["DELETE", "DELETE"]
    assert roles_of(tenant, mi["id"]) == [wk.MANAGE_AS_APP_ROLE_ID]
    assert sum(clock.sleeps) < 10  # confirmed at once, no wait until the confirmation times out


@pytest.mark.parametrize("check_mode", [True, False])
def test_exclusive_removes_every_copy_of_an_undeclared_grant(monkeypatch, tenant, check_mode):
    mi = tenant.add_identity()
    first = tenant.grant(mi["id"], exo(tenant), FULL_ACCESS)
    second = tenant.duplicate(first)
    tenant.grant(mi["id"], exo(tenant), wk.MANAGE_AS_APP_ROLE_ID)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, check_mode, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"],
                 exclusive=True)
    assert result["changed"] is True
    assert result["added"] == [] and result["removed"] == ["full_access_as_app"]
    assert result["app_roles"] == ["Exchange.ManageAsApp"]
    assert result["diff"] == {"before": {"app_roles": ["Exchange.ManageAsApp", "full_access_as_app"]},
                              "after": {"app_roles": ["Exchange.ManageAsApp"]}}
    assert [a["app_role_value"] for a in result["assignments"]] == ["Exchange.ManageAsApp"]
    if check_mode:
        assert tenant.writes() == []
        return
    assert first["id"] not in tenant.assignments and second["id"] not in tenant.assignments
    assert roles_of(tenant, mi["id"]) == [wk.MANAGE_AS_APP_ROLE_ID]
    assert run(monkeypatch, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"],
               exclusive=True)["changed"] is False


def test_exclusive_removes_the_extra_copy_of_a_declared_grant(monkeypatch, tenant):
    mi = tenant.add_identity()
    first = tenant.grant(mi["id"], exo(tenant), wk.MANAGE_AS_APP_ROLE_ID)
    second = tenant.duplicate(first)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"], exclusive=True)
    assert result["changed"] is True and result["removed"] == ["Exchange.ManageAsApp"] and result["added"] == []
    assert result["app_roles"] == ["Exchange.ManageAsApp"]
    assert [a["id"] for a in result["assignments"]] == [first["id"]]
    assert second["id"] not in tenant.assignments


def test_without_exclusive_a_duplicate_grant_stays(monkeypatch, tenant):
    mi = tenant.add_identity()
    first = tenant.grant(mi["id"], exo(tenant), wk.MANAGE_AS_APP_ROLE_ID)
    tenant.duplicate(first)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"])
    assert result["changed"] is False and result["removed"] == []
    assert result["app_roles"] == ["Exchange.ManageAsApp"]
    assert len(result["assignments"]) == 2
    assert tenant.writes() == []


def test_absent_without_roles_removes_all_on_the_resource(monkeypatch, tenant):
    mi = tenant.add_identity()
    tenant.grant(mi["id"], exo(tenant), FULL_ACCESS)
    tenant.grant(mi["id"], exo(tenant), wk.MANAGE_AS_APP_ROLE_ID)
    kept = tenant.grant(mi["id"], tenant.graph_sp, tenant.graph_sp["appRoles"][0]["id"])
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], resource=EXO, state="absent")
    assert sorted(result["removed"]) == ["Exchange.ManageAsApp", "full_access_as_app"]
    assert roles_of(tenant, mi["id"]) == [kept["appRoleId"]]


# -- bad input: a clear error naming the option, nothing written ----------------------------------------------
def test_unknown_app_role_value(monkeypatch, tenant):
    mi = tenant.add_identity()
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApplication"])
    assert result["failed"] is True
    assert result["option"] == "app_roles"
    assert "closest: Exchange.ManageAsApp" in result["msg"]
    assert "allowed: Exchange.ManageAsApp, full_access_as_app" in result["msg"]
    assert tenant.writes() == []


@pytest.mark.parametrize("field,value,option", [
    ("principal", "5b4c3d2e-1f0a-4b9c-8d7e-6f5a4b3c2d1", "principal"),
    ("resource", "00000002-0000-0ff1-ce00-0000000000zz", "resource"),
    ("app_roles", ["dc50a0fb-09a3-484d-be87-e023b12c644"], "app_roles"),
])
def test_malformed_guids(monkeypatch, tenant, field, value, option):
    mi = tenant.add_identity()
    wire(monkeypatch, tenant)
    args = {"principal": mi["id"], "resource": EXO, "app_roles": ["Exchange.ManageAsApp"]}
    args[field] = value
    result = run(monkeypatch, **args)
    assert result["failed"] is True
    assert result["option"] == option
    assert "not a valid GUID" in result["msg"]
    assert tenant.writes() == []


def test_resource_without_such_app_role(monkeypatch, tenant):
    mi = tenant.add_identity()
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], resource="Microsoft Graph", app_roles=["Exchange.ManageAsApp"])
    assert result["failed"] is True
    assert "'Exchange.ManageAsApp' is not an app role of Microsoft Graph" in result["msg"]
    assert "allowed: Mail.Send, User.Read.All" in result["msg"]
    assert tenant.writes() == []


def test_present_needs_app_roles(monkeypatch, tenant):
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=tenant.add_identity()["id"], resource=EXO)
    assert result["failed"] is True and result["option"] == "app_roles"


def test_tenant_without_exchange_online_service_principal(monkeypatch):
    tenant = FakeTenant(exchange_online=False)
    mi = tenant.add_identity()
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"])
    assert result["failed"] is True
    assert "m365.exo_automation.service_principal" in result["msg"]
    assert wk.EXCHANGE_ONLINE_APP_ID in result["msg"]
    assert tenant.writes() == []


def test_check_mode_predicts_when_exchange_online_is_created_earlier_in_the_run(monkeypatch):
    tenant = FakeTenant(exchange_online=False)
    mi = tenant.add_identity()
    clock = wire(monkeypatch, tenant)
    result = run(monkeypatch, True, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"])
    assert result["changed"] is True and result["added"] == ["Exchange.ManageAsApp"]
    assert "no service principal for" in clock.warnings[0]
    bad = run(monkeypatch, True, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsAp"])
    assert bad["failed"] is True and "closest: Exchange.ManageAsApp" in bad["msg"]
    assert tenant.writes() == []


def test_check_mode_predicts_for_an_identity_not_created_yet(monkeypatch, tenant):
    arm = FakeArm()
    clock = wire(monkeypatch, tenant, arm)
    account = arm.account("aa-new", "unused")
    arm.accounts.clear()
    result = run(monkeypatch, True, principal=account, resource=EXO, app_roles=["Exchange.ManageAsApp"])
    assert result["changed"] is True and result["principal_id"] is None
    assert "does not exist" in clock.warnings[0]
    failed = run(monkeypatch, principal=account, resource=EXO, app_roles=["Exchange.ManageAsApp"])
    assert failed["failed"] is True and "does not exist" in failed["msg"] and failed["option"] == "principal"
    assert tenant.writes() == []


def test_client_id_instead_of_object_id(monkeypatch, tenant):
    mi = tenant.add_identity("id-exo")
    clock = wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["appId"], resource=EXO, app_roles=["Exchange.ManageAsApp"])
    assert result["failed"] is True
    assert "application (client) id" in result["msg"] and mi["id"] in result["msg"]
    assert clock.sleeps == []
    assert tenant.writes() == []


# -- replication and throttling ---------------------------------------------------------------------------
def test_waits_for_a_fresh_identity(monkeypatch, tenant):
    mi = tenant.add_identity(hidden_reads=4)
    clock = wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"])
    assert result["changed"] is True
    assert len([s for s in clock.sleeps if s != 1.0]) >= 3  # backoff waits before the confirmation reads
    assert roles_of(tenant, mi["id"]) == [wk.MANAGE_AS_APP_ROLE_ID]


def test_principal_that_never_appears(monkeypatch, tenant):
    mi = tenant.add_identity(hidden_reads=10 ** 6)
    clock = wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"],
                 principal_wait_timeout=120)
    assert result["failed"] is True
    assert "replication did not finish" in result["msg"]
    assert "principal_wait_timeout=120" in result["msg"]
    assert result["status"] == 404 and result["error_code"] == "Request_ResourceNotFound"
    assert sum(clock.sleeps) == pytest.approx(120)
    assert tenant.writes() == []


def test_a_principal_wait_longer_than_the_task_timeout_is_refused_before_any_request(monkeypatch, tenant):
    mi = tenant.add_identity()
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"],
                 principal_wait_timeout=900, timeout=600)
    assert result["failed"] is True and result.get("option") in (None, "principal_wait_timeout")
    assert "option 'principal_wait_timeout' (900 s) is longer than option 'timeout' (600 s)" in result["msg"]
    assert tenant.log == []


def test_grant_retried_on_not_a_valid_reference_update(monkeypatch, tenant):
    mi = tenant.add_identity()
    tenant.fault("POST", r"/appRoleAssignments$", 400,
                 {"error": {"code": "Request_BadRequest", "message": "Not a valid reference update."}}, times=2)
    clock = wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"])
    assert result["changed"] is True
    assert [m for m, _p in tenant.writes()] == ["POST", "POST", "POST"]
    assert len(clock.sleeps) == 2 + 2


def test_duplicate_grant_is_not_an_error(monkeypatch, tenant):
    mi = tenant.add_identity()
    state = {"done": False}
    original = tenant.route

    def route(method, path, request):
        # someone else grants the role between our read and our write
        if method == "POST" and not state["done"]:
            state["done"] = True
            tenant.grant(mi["id"], exo(tenant), wk.MANAGE_AS_APP_ROLE_ID)
        return original(method, path, request)

    tenant.route = route
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"])
    assert result.get("failed") is not True, result
    assert tenant.log[-4][2] == 400  # the refused POST, then three confirmation reads
    assert roles_of(tenant, mi["id"]) == [wk.MANAGE_AS_APP_ROLE_ID]


def test_throttling_storm_on_the_grant(monkeypatch, tenant):
    mi = tenant.add_identity()
    tenant.fault("POST", r"/appRoleAssignments$", 429,
                 {"error": {"code": "TooManyRequests", "message": "Too many requests"}}, times=5,
                 headers={"Retry-After": "3"})
    clock = wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"])
    assert result["changed"] is True
    assert clock.retry_sleeps == [3, 3, 3, 3, 3]
    assert [s for _m, _p, s in tenant.log if _m == "POST"] == [429] * 5 + [201]


def test_throttling_that_does_not_end(monkeypatch, tenant):
    mi = tenant.add_identity()
    tenant.fault("POST", r"/appRoleAssignments$", 429, times=100, headers={"Retry-After": "1"})
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"])
    assert result["failed"] is True and result["status"] == 429
    assert "try again later" in result["msg"]


# -- app_role_assignment_info ----------------------------------------------------------------------------
def test_info_by_principal_with_values(monkeypatch, tenant):
    mi = tenant.add_identity()
    tenant.grant(mi["id"], exo(tenant), wk.MANAGE_AS_APP_ROLE_ID)
    tenant.grant(mi["id"], tenant.graph_sp, tenant.graph_sp["appRoles"][0]["id"])
    wire(monkeypatch, tenant)
    result = run_info(monkeypatch, principal=mi["id"])
    assert sorted(a["app_role_value"] for a in result["assignments"]) == ["Exchange.ManageAsApp", "User.Read.All"]
    assert result["principal_exists"] is True
    only = run_info(monkeypatch, principal=mi["id"], resource=EXO)
    assert [a["app_role_value"] for a in only["assignments"]] == ["Exchange.ManageAsApp"]
    assert tenant.writes() == []


def test_info_by_resource(monkeypatch, tenant):
    a = tenant.add_identity("a")
    b = tenant.add_identity("b")
    tenant.grant(a["id"], exo(tenant), wk.MANAGE_AS_APP_ROLE_ID)
    tenant.grant(b["id"], exo(tenant), FULL_ACCESS)
    wire(monkeypatch, tenant)
    result = run_info(monkeypatch, resource="exchange_online")
    assert sorted(x["principal_display_name"] for x in result["assignments"]) == ["a", "b"]
    assert result["resource"]["app_id"] == wk.EXCHANGE_ONLINE_APP_ID


def test_info_unknown_principal_and_client_id(monkeypatch, tenant):
    mi = tenant.add_identity()
    wire(monkeypatch, tenant)
    result = run_info(monkeypatch, principal="5b4c3d2e-1f0a-4b9c-8d7e-6f5a4b3c2d1e")
    assert result["assignments"] == [] and result["principal_exists"] is False
    wrong = run_info(monkeypatch, principal=mi["appId"])
    assert wrong["failed"] is True and mi["id"] in wrong["msg"]


def test_absent_for_a_principal_graph_does_not_know_does_not_wait(monkeypatch, tenant):
    mi = tenant.add_identity(hidden_reads=10 ** 6)
    clock = wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"], state="absent")
    assert result["changed"] is False and result["removed"] == []
    assert clock.sleeps == []


# -- extra: grants of the principal, on any resource, that the task does not declare ----------------------
MAIL_SEND = "b633e1c5-b582-4048-a93e-9f11b44c7e96"
USER_READ_ALL = "df021288-bdef-4463-88db-98f22de89214"


@pytest.mark.parametrize("check_mode", [True, False])
def test_undeclared_grants_on_any_resource_are_extra_and_stay(monkeypatch, tenant, check_mode):
    mi = tenant.add_identity()
    tenant.grant(mi["id"], exo(tenant), wk.MANAGE_AS_APP_ROLE_ID)
    full = tenant.grant(mi["id"], exo(tenant), FULL_ACCESS)
    send = tenant.grant(mi["id"], tenant.graph_sp, MAIL_SEND)
    read = tenant.grant(mi["id"], tenant.graph_sp, USER_READ_ALL)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, check_mode, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"])
    assert result["changed"] is False and tenant.writes() == []
    extra = sorted(result["extra"], key=lambda e: e["role_name"])
    assert extra == [
        {"id": send["id"], "role_id": MAIL_SEND, "role_name": "Mail.Send", "resource_id": tenant.graph_sp["id"],
         "resource_name": "Microsoft Graph", "privileged": True, "removed": False},
        {"id": read["id"], "role_id": USER_READ_ALL, "role_name": "User.Read.All",
         "resource_id": tenant.graph_sp["id"], "resource_name": "Microsoft Graph", "privileged": False,
         "removed": False},
        {"id": full["id"], "role_id": FULL_ACCESS, "role_name": "full_access_as_app", "resource_id": exo(tenant)["id"],
         "resource_name": EXO, "privileged": True, "removed": False},
    ]


def test_extra_reads_the_grants_once_and_each_other_resource_once(monkeypatch, tenant):
    mi = tenant.add_identity()
    tenant.grant(mi["id"], tenant.graph_sp, MAIL_SEND)
    tenant.grant(mi["id"], tenant.graph_sp, USER_READ_ALL)
    wire(monkeypatch, tenant)
    run(monkeypatch, True, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"])
    gets = [p for m, p, _s in tenant.log if m == "GET"]
    assert gets.count("/servicePrincipals/%s/appRoleAssignments" % mi["id"]) == 1
    assert gets.count("/servicePrincipals/%s" % tenant.graph_sp["id"]) == 1


def test_no_other_resource_is_read_without_grants_there(monkeypatch, tenant):
    mi = tenant.add_identity()
    tenant.grant(mi["id"], exo(tenant), wk.MANAGE_AS_APP_ROLE_ID)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, True, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"])
    assert result["extra"] == []
    assert not any(p == "/servicePrincipals/%s" % tenant.graph_sp["id"] for _m, p, _s in tenant.log)


@pytest.mark.parametrize("check_mode", [True, False])
def test_exclusive_marks_the_extra_it_removes(monkeypatch, tenant, check_mode):
    mi = tenant.add_identity()
    full = tenant.grant(mi["id"], exo(tenant), FULL_ACCESS)
    send = tenant.grant(mi["id"], tenant.graph_sp, MAIL_SEND)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, check_mode, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"],
                 exclusive=True)
    assert result["removed"] == ["full_access_as_app"]
    assert dict((e["id"], e["removed"]) for e in result["extra"]) == {full["id"]: True, send["id"]: False}
    if not check_mode:
        assert full["id"] not in tenant.assignments and send["id"] in tenant.assignments


def test_nothing_to_do_reads_no_principal(monkeypatch, tenant):
    # the grants are listed under the principal's path: a list that answers proves Graph knows the principal
    mi = tenant.add_identity()
    tenant.grant(mi["id"], exo(tenant), wk.MANAGE_AS_APP_ROLE_ID)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, False, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"])
    assert result["changed"] is False and tenant.writes() == []
    gets = [p for m, p, _s in tenant.log if m == "GET"]
    assert "/servicePrincipals/%s" % mi["id"] not in gets
    assert gets.count("/servicePrincipals/%s/appRoleAssignments" % mi["id"]) == 1


def test_a_principal_graph_does_not_know_yet_is_waited_for(monkeypatch, tenant):
    mi = tenant.add_identity(hidden_reads=2)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, False, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"])
    assert result["changed"] is True and result["app_roles"] == ["Exchange.ManageAsApp"]
    gets = [p for m, p, _s in tenant.log if m == "GET"]
    assert "/servicePrincipals/%s" % mi["id"] in gets  # the list answered 404: the principal was waited for


@pytest.mark.parametrize("check_mode", [True, False])
def test_create_resource_creates_exchange_online_then_grants(monkeypatch, check_mode):
    tenant = FakeTenant(exchange_online=False)
    mi = tenant.add_identity()
    clock = wire(monkeypatch, tenant)
    result = run(monkeypatch, check_mode, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"],
                 create_resource=True)
    assert result["changed"] is True and result["resource_created"] is True
    assert result["added"] == ["Exchange.ManageAsApp"] and result["app_roles"] == ["Exchange.ManageAsApp"]
    assert clock.warnings == []  # nothing is missing: the task creates it
    if check_mode:
        assert tenant.writes() == []
        return
    created = tenant.by_app_id(wk.EXCHANGE_ONLINE_APP_ID)
    assert tenant.writes() == [("POST", "/servicePrincipals"), ("POST", "/servicePrincipals/%s/appRoleAssignments"
                                                                % mi["id"])]
    assert result["resource"]["id"] == created["id"]
    assert [a["resource_id"] for a in result["assignments"]] == [created["id"]]
    again = run(monkeypatch, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"],
                create_resource=True)
    assert again["changed"] is False and again["resource_created"] is False
    assert len(tenant.writes()) == 2


def test_create_resource_checks_well_known_roles_before_writing(monkeypatch):
    tenant = FakeTenant(exchange_online=False)
    mi = tenant.add_identity()
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsAp"],
                 create_resource=True)
    assert result["failed"] is True and result["option"] == "app_roles"
    assert "closest: Exchange.ManageAsApp" in result["msg"]
    assert tenant.writes() == []


def test_create_resource_for_an_existing_resource_creates_nothing(monkeypatch, tenant):
    mi = tenant.add_identity()
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], resource=EXO, app_roles=["Exchange.ManageAsApp"],
                 create_resource=True)
    assert result["changed"] is True and result["resource_created"] is False
    assert tenant.writes() == [("POST", "/servicePrincipals/%s/appRoleAssignments" % mi["id"])]
