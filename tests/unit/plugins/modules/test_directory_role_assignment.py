# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.module_utils import wellknown as wk
from ansible_collections.m365.exo_automation.plugins.modules import (
    directory_role_assignment,
    directory_role_assignment_info,
)
from ansible_collections.m365.exo_automation.tests.unit.graph_fake import FakeArm, FakeTenant, wire
from ansible_collections.m365.exo_automation.tests.unit.utils import run_module

EXCHANGE_ADMIN = wk.ENTRA_ROLES["Exchange Administrator"]
RECIPIENT_ADMIN = wk.ENTRA_ROLES["Exchange Recipient Administrator"]
GLOBAL_READER = wk.ENTRA_ROLES["Global Reader"]
USER_ADMIN = wk.ENTRA_ROLES["User Administrator"]


def run(monkeypatch, check_mode=False, **args):
    return run_module(monkeypatch, directory_role_assignment.main, args, check_mode=check_mode, diff=True)


def run_info(monkeypatch, **args):
    return run_module(monkeypatch, directory_role_assignment_info.main, args)


@pytest.fixture
def tenant():
    return FakeTenant()


def roles_of(tenant, principal_id, scope=None):
    return sorted(a["roleDefinitionId"] for a in tenant.role_assignments.values()
                  if a["principalId"] == principal_id and (scope is None or a["directoryScopeId"] == scope))


@pytest.mark.parametrize("check_mode", [True, False])
def test_assign_by_display_name_any_case(monkeypatch, tenant, check_mode):
    arm = FakeArm()
    mi = tenant.add_identity("id-exo")
    uai = arm.identity("id-exo", mi["id"], mi["appId"])
    clock = wire(monkeypatch, tenant, arm)
    result = run(monkeypatch, check_mode, principal=uai, roles=["exchange administrator"])
    assert result["changed"] is True
    assert result["added"] == ["Exchange Administrator"] and result["roles"] == ["Exchange Administrator"]
    assert result["diff"] == {"before": {"roles": [], "directory_scope_id": "/"},
                              "after": {"roles": ["Exchange Administrator"], "directory_scope_id": "/"}}
    assert result["exchange_online_accepted"] is True
    assert clock.warnings == []
    if check_mode:
        assert tenant.writes() == []
        assert result["assignments"][0]["id"] is None
        return
    assert tenant.writes() == [("POST", "/roleManagement/directory/roleAssignments")]
    assert roles_of(tenant, mi["id"]) == [EXCHANGE_ADMIN]
    assert clock.sleeps == [1.0, 1.0]
    again = run(monkeypatch, principal=uai, roles=["Exchange Administrator"])
    assert again["changed"] is False
    assert len(tenant.writes()) == 1


def test_by_template_id(monkeypatch, tenant):
    mi = tenant.add_identity()
    tenant.assign_role(mi["id"], GLOBAL_READER)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], roles=[GLOBAL_READER])
    assert result["changed"] is False and result["roles"] == ["Global Reader"]


def test_global_administrator_warns(monkeypatch, tenant):
    mi = tenant.add_identity()
    clock = wire(monkeypatch, tenant)
    result = run(monkeypatch, True, principal=mi["id"], roles=["Global Administrator"])
    assert result["changed"] is True
    assert "least privileged" in clock.warnings[0]


def test_unknown_role_name_lists_closest_and_writes_nothing(monkeypatch, tenant):
    mi = tenant.add_identity()
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], roles=["Exchange Admin", "Exchange Recipient Administrator"])
    assert result["failed"] is True
    assert result["option"] == "roles"
    assert "unknown Entra role 'Exchange Admin'; closest valid names:" in result["msg"]
    assert "Exchange Administrator" in result["msg"]
    assert tenant.writes() == []


def test_malformed_role_guid(monkeypatch, tenant):
    mi = tenant.add_identity()
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], roles=["29232cdf-9323-42fd-ade2-1d097af3e4d"])
    assert result["failed"] is True and "not a valid GUID" in result["msg"]
    assert tenant.writes() == []


def test_bad_directory_scope(monkeypatch, tenant):
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=tenant.add_identity()["id"], roles=["Global Reader"],
                 directory_scope_id="administrativeUnits/x")
    assert result["failed"] is True and result["option"] == "directory_scope_id"
    assert tenant.log == []


@pytest.mark.parametrize("check_mode", [True, False])
def test_exclusive_at_one_scope(monkeypatch, tenant, check_mode):
    mi = tenant.add_identity()
    tenant.assign_role(mi["id"], USER_ADMIN)
    au = tenant.assign_role(mi["id"], GLOBAL_READER, scope="/administrativeUnits/0b7d7e4e-0000-4000-8000-000000000001")
    wire(monkeypatch, tenant)
    result = run(monkeypatch, check_mode, principal=mi["id"], roles=["Exchange Recipient Administrator"],
                 exclusive=True)
    assert result["added"] == ["Exchange Recipient Administrator"] and result["removed"] == ["User Administrator"]
    assert result["exchange_online_accepted"] is True
    if check_mode:
        assert tenant.writes() == []
    else:
        assert roles_of(tenant, mi["id"], "/") == [RECIPIENT_ADMIN]
        assert au["id"] in tenant.role_assignments


@pytest.mark.parametrize("check_mode", [True, False])
def test_absent(monkeypatch, tenant, check_mode):
    mi = tenant.add_identity()
    tenant.assign_role(mi["id"], EXCHANGE_ADMIN)
    tenant.assign_role(mi["id"], USER_ADMIN)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, check_mode, principal=mi["id"], roles=["Exchange Administrator"], state="absent")
    assert result["changed"] is True and result["removed"] == ["Exchange Administrator"]
    assert result["exchange_online_accepted"] is False
    if check_mode:
        assert tenant.writes() == []
    else:
        assert roles_of(tenant, mi["id"]) == [USER_ADMIN]
        again = run(monkeypatch, principal=mi["id"], roles=["Exchange Administrator"], state="absent")
        assert again["changed"] is False


def test_absent_without_roles_removes_all_at_the_scope(monkeypatch, tenant):
    mi = tenant.add_identity()
    tenant.assign_role(mi["id"], EXCHANGE_ADMIN)
    tenant.assign_role(mi["id"], USER_ADMIN)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], state="absent")
    assert sorted(result["removed"]) == ["Exchange Administrator", "User Administrator"]
    assert roles_of(tenant, mi["id"]) == []


def test_waits_for_replication_and_retries_the_write(monkeypatch, tenant):
    mi = tenant.add_identity(hidden_reads=2)
    tenant.fault("POST", r"/roleAssignments$", 400,
                 {"error": {"code": "Request_BadRequest", "message": "Not a valid reference update."}})
    clock = wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], roles=["Exchange Administrator"])
    assert result["changed"] is True
    assert roles_of(tenant, mi["id"]) == [EXCHANGE_ADMIN]
    assert len(clock.sleeps) == 2 + 1 + 2


def test_principal_that_never_appears(monkeypatch, tenant):
    mi = tenant.add_identity(hidden_reads=10 ** 6)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], roles=["Exchange Administrator"], principal_wait_timeout=45)
    assert result["failed"] is True and "replication did not finish" in result["msg"]
    assert tenant.writes() == []


def test_duplicate_assignment_is_not_an_error(monkeypatch, tenant):
    mi = tenant.add_identity()
    original = tenant.route
    state = {"done": False}

    def route(method, path, request):
        if method == "POST" and not state["done"]:
            state["done"] = True
            tenant.assign_role(mi["id"], EXCHANGE_ADMIN)
        return original(method, path, request)

    tenant.route = route
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], roles=["Exchange Administrator"])
    assert result.get("failed") is not True, result
    assert roles_of(tenant, mi["id"]) == [EXCHANGE_ADMIN]


# -- directory_role_assignment_info ---------------------------------------------------------------------
def test_info_by_principal(monkeypatch, tenant):
    mi = tenant.add_identity()
    tenant.assign_role(mi["id"], USER_ADMIN)
    wire(monkeypatch, tenant)
    result = run_info(monkeypatch, principal=mi["id"])
    assert [a["role_display_name"] for a in result["assignments"]] == ["User Administrator"]
    assert result["exchange_online_accepted"] is False
    tenant.assign_role(mi["id"], GLOBAL_READER)
    result = run_info(monkeypatch, principal=mi["id"], roles=["Global Reader"])
    assert [a["role_display_name"] for a in result["assignments"]] == ["Global Reader"]
    assert result["exchange_online_accepted"] is True
    assert tenant.writes() == []


def test_info_accepted_role_only_counts_tenant_wide(monkeypatch, tenant):
    mi = tenant.add_identity()
    tenant.assign_role(mi["id"], EXCHANGE_ADMIN, scope="/administrativeUnits/0b7d7e4e-0000-4000-8000-000000000001")
    wire(monkeypatch, tenant)
    assert run_info(monkeypatch, principal=mi["id"])["exchange_online_accepted"] is False


def test_info_by_role(monkeypatch, tenant):
    a = tenant.add_identity("a")
    b = tenant.add_identity("b")
    tenant.assign_role(a["id"], EXCHANGE_ADMIN)
    tenant.assign_role(b["id"], EXCHANGE_ADMIN)
    tenant.assign_role(b["id"], USER_ADMIN)
    wire(monkeypatch, tenant)
    result = run_info(monkeypatch, roles=["Exchange Administrator"], directory_scope_id="/")
    assert sorted(x["principal_id"] for x in result["assignments"]) == sorted([a["id"], b["id"]])


def test_info_needs_principal_or_roles(monkeypatch, tenant):
    wire(monkeypatch, tenant)
    result = run_info(monkeypatch)
    assert result["failed"] is True and "one of the following is required" in result["msg"]


def test_absent_for_a_principal_graph_does_not_know_does_not_wait(monkeypatch, tenant):
    mi = tenant.add_identity(hidden_reads=10 ** 6)
    clock = wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], roles=["Exchange Administrator"], state="absent")
    assert result["changed"] is False and result["removed"] == []
    assert clock.sleeps == []


def test_absent_removes_every_copy_of_a_duplicate_assignment(monkeypatch, tenant):
    mi = tenant.add_identity()
    first = tenant.assign_role(mi["id"], EXCHANGE_ADMIN)
    second = tenant.duplicate(first)
    tenant.assign_role(mi["id"], USER_ADMIN)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], roles=["Exchange Administrator"], state="absent")
    assert result["changed"] is True and result["removed"] == ["Exchange Administrator"]
    assert first["id"] not in tenant.role_assignments and second["id"] not in tenant.role_assignments
    assert [m for m, _p in tenant.writes()] == ["DELETE", "DELETE"]
    assert roles_of(tenant, mi["id"]) == [USER_ADMIN]


@pytest.mark.parametrize("check_mode", [True, False])
def test_exclusive_removes_every_copy_of_an_undeclared_assignment(monkeypatch, tenant, check_mode):
    mi = tenant.add_identity()
    first = tenant.assign_role(mi["id"], EXCHANGE_ADMIN)
    second = tenant.duplicate(first)
    extra = tenant.duplicate(tenant.assign_role(mi["id"], RECIPIENT_ADMIN))
    wire(monkeypatch, tenant)
    result = run(monkeypatch, check_mode, principal=mi["id"], roles=["Exchange Recipient Administrator"],
                 exclusive=True)
    assert result["changed"] is True
    assert result["removed"] == ["Exchange Administrator", "Exchange Recipient Administrator"]
    if check_mode:
        assert tenant.writes() == []
        return
    assert first["id"] not in tenant.role_assignments and second["id"] not in tenant.role_assignments
    assert extra["id"] not in tenant.role_assignments
    assert roles_of(tenant, mi["id"]) == [RECIPIENT_ADMIN]


# -- extra: what the principal holds that the task does not declare --------------------------------------
AU_SCOPE = "/administrativeUnits/0b7d7e4e-0000-4000-8000-000000000001"


@pytest.mark.parametrize("check_mode", [True, False])
def test_undeclared_roles_at_any_scope_are_extra_and_stay(monkeypatch, tenant, check_mode):
    mi = tenant.add_identity()
    tenant.assign_role(mi["id"], EXCHANGE_ADMIN)
    ga = tenant.assign_role(mi["id"], wk.GLOBAL_ADMINISTRATOR_ID)
    au = tenant.assign_role(mi["id"], USER_ADMIN, scope=AU_SCOPE)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, check_mode, principal=mi["id"], roles=["Exchange Administrator"])
    assert result["changed"] is False and tenant.writes() == []
    assert result["roles"] == ["Exchange Administrator", "Global Administrator"]  # what it holds at the scope
    extra = sorted(result["extra"], key=lambda e: e["role_name"])
    assert extra == [
        {"id": ga["id"], "role_id": wk.GLOBAL_ADMINISTRATOR_ID, "role_name": "Global Administrator",
         "role_template_id": wk.GLOBAL_ADMINISTRATOR_ID, "directory_scope_id": "/", "privileged": True,
         "removed": False},
        {"id": au["id"], "role_id": USER_ADMIN, "role_name": "User Administrator", "role_template_id": USER_ADMIN,
         "directory_scope_id": AU_SCOPE, "privileged": True, "removed": False},
    ]


@pytest.mark.parametrize("check_mode", [True, False])
def test_exclusive_marks_the_extra_it_removes(monkeypatch, tenant, check_mode):
    mi = tenant.add_identity()
    ga = tenant.assign_role(mi["id"], wk.GLOBAL_ADMINISTRATOR_ID)
    au = tenant.assign_role(mi["id"], GLOBAL_READER, scope=AU_SCOPE)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, check_mode, principal=mi["id"], roles=["Exchange Administrator"], exclusive=True)
    assert result["changed"] is True
    removed = dict((e["id"], e["removed"]) for e in result["extra"])
    assert removed == {ga["id"]: True, au["id"]: False}  # exclusive touches only its own scope
    if check_mode:
        assert tenant.writes() == []
    else:
        assert ga["id"] not in tenant.role_assignments and au["id"] in tenant.role_assignments


@pytest.mark.parametrize("declared, privileged", [
    ("Exchange Recipient Administrator", True),  # a narrower role is declared: Exchange Administrator is more
    ("Global Administrator", False),  # declared: a wider role, nothing narrower
])
def test_exchange_administrator_is_privileged_next_to_a_narrower_role(monkeypatch, tenant, declared, privileged):
    mi = tenant.add_identity()
    tenant.assign_role(mi["id"], EXCHANGE_ADMIN)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, True, principal=mi["id"], roles=[declared])
    [extra] = result["extra"]
    assert extra["role_name"] == "Exchange Administrator"
    assert extra["privileged"] is privileged


def test_a_role_that_is_not_privileged_is_not_flagged(monkeypatch, tenant):
    mi = tenant.add_identity()
    tenant.assign_role(mi["id"], wk.ENTRA_ROLES["Reports Reader"])
    wire(monkeypatch, tenant)
    result = run(monkeypatch, True, principal=mi["id"], roles=["Exchange Administrator"])
    assert [(e["role_name"], e["privileged"]) for e in result["extra"]] == [("Reports Reader", False)]


def test_one_list_call_for_every_scope(monkeypatch, tenant):
    mi = tenant.add_identity()
    tenant.assign_role(mi["id"], EXCHANGE_ADMIN)
    tenant.assign_role(mi["id"], USER_ADMIN, scope=AU_SCOPE)
    wire(monkeypatch, tenant)
    run(monkeypatch, True, principal=mi["id"], roles=["Exchange Administrator"])
    lists = [p for m, p, _s in tenant.log if m == "GET" and p == "/roleManagement/directory/roleAssignments"]
    assert len(lists) == 1


@pytest.mark.parametrize("roles", [["Exchange Administrator"], [EXCHANGE_ADMIN], ["exchange ADMINISTRATOR"]])
def test_nothing_to_do_reads_one_list(monkeypatch, tenant, roles):
    # a built-in role needs no read of the definitions, and a principal that holds what is declared no read of
    # the principal: the converge that changes nothing reads the assignments once
    mi = tenant.add_identity()
    tenant.assign_role(mi["id"], EXCHANGE_ADMIN)
    tenant.assign_role(mi["id"], USER_ADMIN, scope=AU_SCOPE)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], roles=roles)
    assert result["changed"] is False and result["roles"] == ["Exchange Administrator"]
    assert [e["role_name"] for e in result["extra"]] == ["User Administrator"]
    assert [p for m, p, _s in tenant.log if m == "GET"] == ["/roleManagement/directory/roleAssignments"]


def test_a_custom_role_held_is_named_from_the_tenants_definitions(monkeypatch, tenant):
    custom = "5f1c8e3a-0000-4000-8000-000000000001"
    tenant.definitions.append({"id": custom, "templateId": custom, "displayName": "Mailbox Helpers",
                               "isBuiltIn": False, "isEnabled": True})
    mi = tenant.add_identity()
    tenant.assign_role(mi["id"], EXCHANGE_ADMIN)
    tenant.assign_role(mi["id"], custom)
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], roles=["Exchange Administrator"])
    assert result["changed"] is False
    assert [(e["role_name"], e["privileged"]) for e in result["extra"]] == [("Mailbox Helpers", False)]
    gets = [p for m, p, _s in tenant.log if m == "GET"]
    assert gets.count("/roleManagement/directory/roleDefinitions") == 1


def test_a_role_to_assign_waits_for_the_principal_first(monkeypatch, tenant):
    mi = tenant.add_identity()
    wire(monkeypatch, tenant)
    result = run(monkeypatch, principal=mi["id"], roles=["Exchange Administrator"])
    assert result["changed"] is True
    gets = [p for m, p, _s in tenant.log if m == "GET"]
    assert "/servicePrincipals/%s" % mi["id"] in gets  # the list cannot tell a new principal from one without roles
