# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.module_utils import wellknown as wk
from ansible_collections.m365.exo_automation.plugins.modules import principal_access
from ansible_collections.m365.exo_automation.tests.unit.graph_fake import FakeArm, FakeTenant, wire
from ansible_collections.m365.exo_automation.tests.unit.utils import run_module

EXO = "Office 365 Exchange Online"
GRAPH = "Microsoft Graph"
MANAGE = {"resource": EXO, "app_roles": ["Exchange.ManageAsApp"]}
RECIPIENT_ADMIN = wk.ENTRA_ROLES["Exchange Recipient Administrator"]
EXCHANGE_ADMIN = wk.ENTRA_ROLES["Exchange Administrator"]
GLOBAL_ADMIN = wk.ENTRA_ROLES["Global Administrator"]


def run(monkeypatch, check_mode=False, **args):
    return run_module(monkeypatch, principal_access.main, args, check_mode=check_mode, diff=True)


@pytest.fixture
def tenant():
    return FakeTenant()


def app_roles_of(tenant, principal_id):
    return sorted(a["appRoleId"] for a in tenant.assignments.values() if a["principalId"] == principal_id)


def entra_roles_of(tenant, principal_id):
    return sorted(a["roleDefinitionId"] for a in tenant.role_assignments.values() if a["principalId"] == principal_id)


@pytest.mark.parametrize("check_mode", [True, False])
def test_app_role_and_entra_role_in_one_task(monkeypatch, tenant, check_mode):
    arm = FakeArm()
    mi = tenant.add_identity("aa-exo")
    account = arm.account("aa-exo", mi["id"])
    clock = wire(monkeypatch, tenant, arm)
    result = run(monkeypatch, check_mode, principal=account, app_roles=[MANAGE],
                 directory_roles=["Exchange Recipient Administrator"])
    assert result["changed"] is True
    assert result["principal_id"] == mi["id"]
    [app] = result["app_roles"]
    assert app["name"] == EXO and app["changed"] is True and app["added"] == ["Exchange.ManageAsApp"]
    assert result["directory_roles"]["added"] == ["Exchange Recipient Administrator"]
    assert result["exchange_online_accepted"] is True
    assert [d["before_header"] for d in result["diff"]] == ["app roles on %s" % EXO, "Entra roles"]
    assert result["diff"][1]["after"]["roles"] == ["Exchange Recipient Administrator"]
    assert clock.warnings == []
    if check_mode:
        assert tenant.writes() == []
        return
    # the app role first, then the Entra role
    assert tenant.writes() == [("POST", "/servicePrincipals/%s/appRoleAssignments" % mi["id"]),
                               ("POST", "/roleManagement/directory/roleAssignments")]
    assert app_roles_of(tenant, mi["id"]) == [wk.MANAGE_AS_APP_ROLE_ID]
    assert entra_roles_of(tenant, mi["id"]) == [RECIPIENT_ADMIN]
    again = run(monkeypatch, principal=account, app_roles=[MANAGE], directory_roles=["Exchange Recipient Administrator"])
    assert again["changed"] is False and len(tenant.writes()) == 2
    assert again["app_roles"][0]["extra"] == [] and again["directory_roles"]["extra"] == []


def test_nothing_to_do_reads_each_list_once_and_the_principal_not_at_all(monkeypatch, tenant):
    mi = tenant.add_identity()
    tenant.grant(mi["id"], tenant.by_app_id(wk.EXCHANGE_ONLINE_APP_ID), wk.MANAGE_AS_APP_ROLE_ID)
    tenant.assign_role(mi["id"], RECIPIENT_ADMIN)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], app_roles=[MANAGE], directory_roles=["Exchange Recipient Administrator"])
    assert result["changed"] is False
    gets = [p for m, p, _s in tenant.log if m == "GET"]
    assert gets.count("/servicePrincipals/%s/appRoleAssignments" % mi["id"]) == 1
    assert gets.count("/roleManagement/directory/roleAssignments") == 1
    assert "/servicePrincipals/%s" % mi["id"] not in gets


def test_a_wrong_entra_role_writes_no_app_role(monkeypatch, tenant):
    mi = tenant.add_identity()
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], app_roles=[MANAGE], directory_roles=["Exchange Administratr"])
    assert result["failed"] is True and result["option"] == "directory_roles"
    assert "Exchange Administrator" in result["msg"]
    assert result["name"] == "Entra roles" and result["app_roles"] == []
    assert tenant.writes() == []


def test_a_wrong_app_role_in_the_second_entry_writes_nothing(monkeypatch, tenant):
    mi = tenant.add_identity()
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], directory_roles=["Exchange Recipient Administrator"],
                 app_roles=[MANAGE, {"resource": GRAPH, "app_roles": ["User.Read.Al"]}])
    assert result["failed"] is True and result["option"] == "app_roles" and result["name"] == GRAPH
    assert "User.Read.All" in result["msg"]
    assert tenant.writes() == []


def test_an_entry_without_app_roles_is_refused_before_any_read(monkeypatch, tenant):
    mi = tenant.add_identity()
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], app_roles=[{"resource": EXO}])
    assert result["failed"] is True and result["option"] == "app_roles"
    assert "entry of resource 'Office 365 Exchange Online' lists no app roles" in result["msg"]
    assert tenant.log == []


def test_a_resource_listed_twice_is_refused(monkeypatch, tenant):
    mi = tenant.add_identity()
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], app_roles=[MANAGE, dict(MANAGE, resource=EXO.lower())])
    assert result["failed"] is True and result["option"] == "app_roles" and "more than once" in result["msg"]
    assert tenant.writes() == []


def test_without_entra_roles_the_held_ones_are_reported_and_kept(monkeypatch, tenant):
    mi = tenant.add_identity()
    tenant.assign_role(mi["id"], GLOBAL_ADMIN)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], app_roles=[MANAGE])
    assert result["changed"] is True
    entra = result["directory_roles"]
    assert entra["changed"] is False and entra["roles"] == ["Global Administrator"]
    assert [(e["role_name"], e["privileged"], e["removed"]) for e in entra["extra"]] == [
        ("Global Administrator", True, False)]
    assert result["exchange_online_accepted"] is True
    assert entra_roles_of(tenant, mi["id"]) == [GLOBAL_ADMIN]
    assert tenant.writes() == [("POST", "/servicePrincipals/%s/appRoleAssignments" % mi["id"])]


def test_exclusive_without_entra_roles_removes_those_at_the_scope(monkeypatch, tenant):
    mi = tenant.add_identity()
    tenant.assign_role(mi["id"], GLOBAL_ADMIN)
    tenant.grant(mi["id"], tenant.by_app_id(wk.EXCHANGE_ONLINE_APP_ID), wk.MANAGE_AS_APP_ROLE_ID)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], app_roles=[MANAGE], exclusive=True)
    assert result["changed"] is True and result["directory_roles"]["removed"] == ["Global Administrator"]
    assert entra_roles_of(tenant, mi["id"]) == []
    assert app_roles_of(tenant, mi["id"]) == [wk.MANAGE_AS_APP_ROLE_ID]


def test_entry_exclusive_overrides_the_task(monkeypatch, tenant):
    mi = tenant.add_identity()
    exo = tenant.by_app_id(wk.EXCHANGE_ONLINE_APP_ID)
    tenant.grant(mi["id"], exo, wk.MANAGE_AS_APP_ROLE_ID)
    tenant.grant(mi["id"], exo, wk.EXCHANGE_ONLINE_APP_ROLES["full_access_as_app"])
    tenant.assign_role(mi["id"], EXCHANGE_ADMIN)
    tenant.assign_role(mi["id"], RECIPIENT_ADMIN)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], app_roles=[dict(MANAGE, exclusive=True)],
                 directory_roles=["Exchange Recipient Administrator"])
    assert result["app_roles"][0]["removed"] == ["full_access_as_app"]
    assert result["directory_roles"]["removed"] == []  # the task is not exclusive
    assert app_roles_of(tenant, mi["id"]) == [wk.MANAGE_AS_APP_ROLE_ID]
    assert entra_roles_of(tenant, mi["id"]) == sorted([EXCHANGE_ADMIN, RECIPIENT_ADMIN])


def test_absent_removes_the_entra_roles_first(monkeypatch, tenant):
    mi = tenant.add_identity()
    tenant.grant(mi["id"], tenant.by_app_id(wk.EXCHANGE_ONLINE_APP_ID), wk.MANAGE_AS_APP_ROLE_ID)
    tenant.assign_role(mi["id"], RECIPIENT_ADMIN)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], app_roles=[MANAGE], directory_roles=["Exchange Recipient Administrator"],
                 state="absent")
    assert result["changed"] is True
    deletes = [(m, p.split("/")[1]) for m, p in tenant.writes()]
    assert deletes == [("DELETE", "roleManagement"), ("DELETE", "servicePrincipals")]
    assert app_roles_of(tenant, mi["id"]) == [] and entra_roles_of(tenant, mi["id"]) == []
    assert [d["before_header"] for d in result["diff"]] == ["Entra roles", "app roles on %s" % EXO]


def test_create_resource_per_entry(monkeypatch):
    tenant = FakeTenant(exchange_online=False)
    mi = tenant.add_identity()
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], app_roles=[dict(MANAGE, create_resource=True)],
                 directory_roles=["Exchange Recipient Administrator"])
    assert result["changed"] is True and result["app_roles"][0]["resource_created"] is True
    assert tenant.writes()[0] == ("POST", "/servicePrincipals")
    assert app_roles_of(tenant, mi["id"]) == [wk.MANAGE_AS_APP_ROLE_ID]


def test_a_new_identity_is_waited_for_once(monkeypatch, tenant):
    mi = tenant.add_identity(hidden_reads=2)  # Graph does not know it for the first two reads
    clock = wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], app_roles=[MANAGE], directory_roles=["Exchange Recipient Administrator"])
    assert result["changed"] is True
    gets = [p for m, p, _s in tenant.log if m == "GET"]
    # the app roles' list answered 404 and the principal was waited for; the Entra roles' list needed no wait
    assert gets.count("/servicePrincipals/%s" % mi["id"]) == 2  # one 404, then found
    assert gets.count("/roleManagement/directory/roleAssignments") == 1 + 3  # one read, three confirmations
    assert entra_roles_of(tenant, mi["id"]) == [RECIPIENT_ADMIN]
    assert clock.warnings == []


@pytest.mark.parametrize("check_mode", [True, False])
def test_an_arm_id_is_read_once_and_a_missing_identity_warns_once(monkeypatch, tenant, check_mode):
    arm = FakeArm()
    mi = tenant.add_identity("id-exo")
    uai = arm.identity("id-exo", mi["id"], mi["appId"])
    clock = wire(monkeypatch, tenant, arm)
    result = run(monkeypatch, check_mode, principal=uai, app_roles=[MANAGE, {"resource": GRAPH, "app_roles": ["User.Read.All"]}],
                 directory_roles=["Exchange Recipient Administrator"])
    assert result["changed"] is True and result["principal_id"] == mi["id"]
    assert arm.calls == [("identity", "rg-exo", "id-exo")]  # three entries, one read of the identity
    missing = arm.identity("id-new", None, None).replace("id-new", "id-missing")
    result = run(monkeypatch, True, principal=missing, app_roles=[MANAGE], directory_roles=["Exchange Administrator"])
    assert result["changed"] is True and result["principal_id"] is None
    assert len([w for w in clock.warnings if "does not exist" in w]) == 1


def test_a_wrong_entra_role_fails_before_an_unknown_principal_is_waited_for(monkeypatch, tenant):
    clock = wire(monkeypatch, tenant)
    result = run(monkeypatch, principal="00000000-0000-0000-0000-000000000001", app_roles=[MANAGE],
                 directory_roles=["No Such Role"])
    assert result["failed"] is True and result["option"] == "directory_roles" and result["name"] == "Entra roles"
    assert clock.sleeps == []  # no wait for replication: the roles are checked first
    assert [p for m, p, _s in tenant.log if "appRoleAssignments" in p] == []  # nothing listed either
    assert tenant.writes() == []
