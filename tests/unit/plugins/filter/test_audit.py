# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit filters map module results to report entries; the report matches docs/audit-report.schema.json and
the combined report over many accounts docs/audit-combined.schema.json."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import jsonschema
import pytest
from referencing import Registry, Resource

from ansible_collections.m365.exo_automation.plugins.filter import audit

DOCS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "docs")
SCHEMA = os.path.join(DOCS, "audit-report.schema.json")
COMBINED_SCHEMA = os.path.join(DOCS, "audit-combined.schema.json")
GA = "62e90394-69f5-4237-9190-012177145e10"


@pytest.fixture(scope="module")
def validator():
    with open(SCHEMA) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def diff(before, after):
    return {"before": before, "after": after}


def loop(*results):
    return {"results": list(results), "changed": any(r.get("changed") for r in results)}


def test_unchanged_result_is_in_sync():
    [e] = audit.audit_entries({"changed": False, "diff": diff({"a": 1}, {"a": 1})}, "resource_group", name="rg")
    assert e == {"object": "resource group rg", "kind": "resource_group", "name": "rg", "status": "in_sync"}


def test_changed_result_keeps_only_the_keys_that_differ():
    r = {"changed": True, "item": {"name": "V"},
         "diff": diff({"name": "V", "value": "a", "description": None}, {"name": "V", "value": "b", "description": None})}
    [e] = audit.audit_entries(loop(r), "variable")
    assert e["status"] == "would_change"
    assert e["diff"] == diff({"value": "a"}, {"value": "b"})


def test_changed_result_without_before_is_missing():
    r = {"changed": True, "item": {"name": "M"}, "diff": diff({}, {"name": "M", "version": "1.0"})}
    [e] = audit.audit_entries(loop(r), "module")
    assert e["status"] == "missing" and e["diff"]["after"] == {"name": "M", "version": "1.0"}


def test_failed_result_is_an_error_with_its_message():
    r = {"failed": True, "item": {"name": "R"}, "msg": "AuthorizationFailed", "hint": "check the role"}
    [e] = audit.audit_entries(loop(r), "runbook")
    assert e["status"] == "error" and e["error"] == "AuthorizationFailed (check the role)"


def test_declared_objects_that_were_not_reached_are_errors_after_a_failure():
    entries = audit.audit_entries({}, "webhook", declared=[{"name": "a"}, {"name": "b"}], failure="auth failed")
    assert [(e["name"], e["status"]) for e in entries] == [("a", "error"), ("b", "error")]
    assert entries[0]["error"] == audit.NOT_CHECKED  # the failure itself is the report's error
    assert audit.audit_report(entries, failure="auth failed")["error"] == "auth failed"
    assert audit.audit_entries({}, "webhook", declared=[{"name": "a"}]) == []  # no failure: nothing declared ran


def test_skipped_results_give_no_entry():
    assert audit.audit_entries(loop({"skipped": True, "item": {"name": "x"}}), "module") == []


def test_schedule_links_are_entries_of_their_own():
    r = {"changed": True, "item": {"name": "daily", "runbooks": [{"name": "A"}, {"name": "B"}]},
         "links_created": ["B"], "links_deleted": [],
         "diff": diff({"name": "daily", "interval": 1, "runbooks": [{"name": "A"}, {"name": "C"}]},
                      {"name": "daily", "interval": 1, "runbooks": [{"name": "A"}, {"name": "B"}, {"name": "C"}]})}
    entries = audit.audit_entries(loop(r), "schedule")
    assert [(e["object"], e["status"]) for e in entries] == [
        ("schedule daily", "in_sync"),  # only its links differ
        ("job schedule daily -> A", "in_sync"),
        ("job schedule daily -> B", "missing"),
        ("job schedule daily -> C", "unmanaged"),
    ]


def test_runtime_environment_packages():
    r = {"changed": True, "item": {"name": "env"}, "packages_imported": ["EXO", "New"], "packages_removed": ["Old"],
         "diff": diff({"name": "env", "packages": {"EXO": "3.0", "PM": "1", "Old": "2"}},
                      {"name": "env", "packages": {"EXO": "3.1", "PM": "1", "New": "1"}})}
    entries = audit.audit_entries(loop(r), "runtime_environment")
    assert [(e["name"], e["status"]) for e in entries] == [
        ("env", "in_sync"), ("env/EXO", "would_change"), ("env/New", "missing"), ("env/Old", "extra"),
        ("env/PM", "in_sync")]
    assert entries[1]["diff"] == diff({"version": "3.0"}, {"version": "3.1"})


def test_system_identity_from_the_account_result():
    same = {"changed": True, "diff": diff({"identity": {"type": "system"}, "sku": "Basic"},
                                          {"identity": {"type": "system"}, "sku": "Free"})}
    assert audit.audit_entries(same, "system_identity", declared=["aa"])[0]["status"] == "in_sync"
    other = {"changed": True, "diff": diff({"identity": {"type": "user"}}, {"identity": {"type": "system"}})}
    [e] = audit.audit_entries(other, "system_identity", declared=["aa"])
    assert e["status"] == "would_change" and e["object"] == "system-assigned identity of aa"


def grant(rid, value, resource="Office 365 Exchange Online", aid="a1"):
    return {"id": aid, "app_role_id": rid, "app_role_value": value, "resource_display_name": resource}


def test_app_roles_declared_missing_and_extra_on_any_resource():
    exo = {"changed": True, "item": {"resource": "Office 365 Exchange Online", "app_roles": ["Exchange.ManageAsApp"]},
           "resource": {"display_name": "Office 365 Exchange Online"},
           "assignments": [grant("m", "Exchange.ManageAsApp", aid=None), grant("f", "full_access_as_app", aid="x1")],
           "extra": [
               {"id": "x1", "role_id": "f", "role_name": "full_access_as_app", "resource_id": "exo",
                "resource_name": "Office 365 Exchange Online", "privileged": True, "removed": False},
               {"id": "g1", "role_id": "u", "role_name": "User.Read.All", "resource_id": "graph",
                "resource_name": "Microsoft Graph", "privileged": False, "removed": False}]}
    graph = {"changed": False, "item": {"resource": "Microsoft Graph", "app_roles": ["User.Read.All"]},
             "resource": {"display_name": "Microsoft Graph"},
             "assignments": [grant("u", "User.Read.All", "Microsoft Graph", aid="g1")],
             "extra": [{"id": "x1", "role_id": "f", "role_name": "full_access_as_app", "resource_id": "exo",
                        "resource_name": "Office 365 Exchange Online", "privileged": True, "removed": False}]}
    entries = audit.audit_entries(loop(exo, graph), "app_role")
    assert [(e["name"], e["status"], e.get("privileged")) for e in entries] == [
        ("Office 365 Exchange Online/Exchange.ManageAsApp", "missing", None),
        ("Microsoft Graph/User.Read.All", "in_sync", None),  # extra for the other task, declared by this one
        ("Office 365 Exchange Online/full_access_as_app", "extra", True),
    ]
    assert entries[-1]["details"]["id"] == "x1"


def test_entra_roles_extra_at_any_scope():
    r = {"changed": False,
         "assignments": [{"id": "1", "role_display_name": "Exchange Recipient Administrator"},
                         {"id": "2", "role_display_name": "Global Administrator"}],
         "extra": [{"id": "2", "role_id": GA, "role_name": "Global Administrator", "directory_scope_id": "/",
                    "privileged": True, "removed": False},
                   {"id": "3", "role_id": "u", "role_name": "User Administrator",
                    "directory_scope_id": "/administrativeUnits/au", "privileged": True, "removed": False}]}
    entries = audit.audit_entries(r, "entra_role", declared=["Exchange Recipient Administrator"])
    assert [(e["object"], e["status"]) for e in entries] == [
        ("Entra role Exchange Recipient Administrator", "in_sync"),
        ("Entra role Global Administrator", "extra"),
        ("Entra role User Administrator at /administrativeUnits/au", "extra"),
    ]


def test_failed_grants_are_errors_per_declared_role():
    r = {"failed": True, "msg": "Forbidden", "item": {"resource": "Microsoft Graph", "app_roles": ["A", "B"]}}
    entries = audit.audit_entries(loop(r), "app_role")
    assert [(e["name"], e["status"]) for e in entries] == [("Microsoft Graph/A", "error"), ("Microsoft Graph/B", "error")]


def test_unmanaged_objects_by_name_without_regard_to_case():
    found = {"runbooks": [{"name": "Test-X"}, {"name": "hand-made"}]}
    assert audit.audit_unmanaged(found, "runbook", ["test-x"]) == [
        {"object": "runbook hand-made", "kind": "runbook", "name": "hand-made", "status": "unmanaged"}]
    modules = {"modules": [{"name": "Az.Accounts", "is_global": True}, {"name": "Mine", "is_global": False}]}
    assert [e["name"] for e in audit.audit_unmanaged(modules, "module", [])] == ["Mine"]
    [e] = audit.audit_unmanaged({"failed": True, "msg": "timeout"}, "variable", [])
    assert e["status"] == "error" and "timeout" in e["error"]


@pytest.mark.parametrize("statuses, failure, expected", [
    (["in_sync", "in_sync"], None, "in_sync"),
    (["in_sync", "unmanaged"], None, "drift"),
    (["extra", "error"], None, "error"),
    ([], "auth failed", "error"),
])
def test_report_status(validator, statuses, failure, expected):
    entries = [audit._entry("runbook", "r%d" % i, s, **({"error": "x"} if s == "error" else {}))
               for i, s in enumerate(statuses)]
    for e in entries:
        if e["status"] == "extra":
            e.update(kind="entra_role", privileged=True, removed=False, details={"id": "1", "role_id": GA})
    report = audit.audit_report(entries, failure=failure, account="aa", resource_group="rg", mode="audit")
    assert report["status"] == expected and report["schema_version"] == 1
    validator.validate(report)


def test_the_schema_rejects_what_it_does_not_describe(validator):
    report = audit.audit_report([audit._entry("runbook", "r", "error", error="x")])
    report["entries"][0]["status"] = "drifted"
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(report)
    del report["entries"][0]["error"]
    report["entries"][0]["status"] = "error"
    with pytest.raises(jsonschema.ValidationError):  # an error entry says what failed
        validator.validate(report)


def test_table_lists_what_differs():
    entries = [audit._entry("runbook", "a", "in_sync"),
               audit._entry("variable", "v", "would_change", diff=diff({"value": 1}, {"value": 2})),
               dict(audit._entry("entra_role", "Global Administrator", "extra"), privileged=True, removed=False)]
    lines = audit.audit_table(audit.audit_report(entries))
    assert lines[0].split() == ["object", "status", "what", "differs"]
    assert lines[2].split() == ["variable", "v", "would_change", "value"]
    assert "PRIVILEGED" in lines[3]
    assert lines[-1] == "DRIFT: 1 in_sync, 1 would_change, 1 extra"
    assert not any("runbook a" in line for line in lines)


def _finding(rule, severity, line):
    return {"rule": rule, "severity": severity, "title": "t", "line": line, "column": 1, "message": "m " + rule,
            "error": "what users see", "fix": "fix " + rule, "link": "https://learn.microsoft.com/x"}


def test_runbook_entries_list_the_lint_findings_of_the_runbook_module(validator):
    clean = {"item": {"name": "Clean"}, "changed": False, "lint_findings": []}
    flawed = {"item": {"name": "Get-Report"}, "changed": False,
              "lint_findings": [_finding("EXO001", "error", 3), _finding("EXO010", "warning", 9),
                                _finding("EXO020", "info", 12)]}
    entries = audit.audit_entries(loop(clean, flawed), "runbook")
    assert "lint" not in entries[0]
    assert entries[1]["status"] == "in_sync"  # a finding is not drift
    assert entries[1]["lint"] == [
        {"rule": "EXO001", "severity": "error", "line": 3, "message": "m EXO001", "fix": "fix EXO001"},
        {"rule": "EXO010", "severity": "warning", "line": 9, "message": "m EXO010", "fix": "fix EXO010"},
        {"rule": "EXO020", "severity": "info", "line": 12, "message": "m EXO020", "fix": "fix EXO020"}]
    report = audit.audit_report(entries)
    assert report["status"] == "in_sync" and report["lint_errors"] == 1 and report["lint_warnings"] == 1
    validator.validate(report)
    lines = audit.audit_table(report)
    # in sync, but shown: its lint errors and warnings, with rule and line
    row = next(line for line in lines if "runbook Get-Report" in line)
    assert "lint: 1 error, 1 warning (EXO001 line 3, EXO010 line 9)" in row
    assert not any("runbook Clean" in line for line in lines)
    assert lines[-1] == "IN_SYNC: 2 in_sync; runbook lint: 1 error(s), 1 warning(s)"


def test_a_changed_runbook_shows_what_differs_and_its_lint():
    r = {"item": {"name": "R"}, "changed": True, "diff": diff({"content": "a"}, {"content": "b"}),
         "lint_findings": [_finding("EXO002", "error", 1)]}
    (entry,) = audit.audit_entries(loop(r), "runbook")
    assert entry["status"] == "would_change" and entry["lint"][0]["rule"] == "EXO002"
    assert audit._differs(entry) == "content; lint: 1 error (EXO002 line 1)"


def _report(status, privileged=0, error=None):
    report = {"schema_version": 1, "status": status, "counts": {"in_sync": 3, "missing": int(status == "drift"),
                                                                "error": int(status == "error")},
              "privileged_extra": privileged, "entries": []}
    if error:
        report["error"] = error
    return report


def test_combined_report_takes_the_worst_status_and_counts_accounts():
    hostvars = {"aa-one": {"exchange_online_automation_report": _report("in_sync")},
                "aa-two": {"exchange_online_automation_report": _report("drift", privileged=1)},
                "aa-three": {"exchange_online_automation_report": _report("error", error="AADSTS7000215")},
                "aa-four": {}}
    combined = audit.audit_combined(["aa-one", "aa-two"], hostvars)
    assert combined["status"] == "drift" and combined["counts"] == {"in_sync": 1, "drift": 1, "error": 0}
    assert combined["privileged_extra"] == 1 and sorted(combined["accounts"]) == ["aa-one", "aa-two"]
    combined = audit.audit_combined(["aa-one", "aa-two", "aa-three", "aa-four"], hostvars)
    assert combined["status"] == "error" and combined["counts"]["error"] == 2
    assert "made no report" in combined["accounts"]["aa-four"]["error"]
    lines = audit.audit_combined_table(combined)
    assert lines[-1] == "ERROR: 1 in_sync, 1 drift, 2 error"
    assert any(line.startswith("aa-three") and "AADSTS7000215" in line for line in lines)
    assert any(line.startswith("aa-two") and "1 PRIVILEGED extra" in line for line in lines)


def test_combined_report_of_real_reports_matches_its_schema():
    with open(SCHEMA) as f:
        single = json.load(f)
    with open(COMBINED_SCHEMA) as f:
        combined_schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(combined_schema)
    registry = Registry().with_resource(single["$id"], Resource.from_contents(single))
    validator = jsonschema.Draft202012Validator(combined_schema, registry=registry)
    drifted = audit.audit_report([audit._entry("runbook", "a", "missing")], account="aa-two")
    in_sync = audit.audit_report([audit._entry("runbook", "a", "in_sync")])
    hostvars = {"aa-one": {"exchange_online_automation_report": in_sync},
                "aa-two": {"exchange_online_automation_report": drifted},
                "aa-three": {}}
    combined = audit.audit_combined(["aa-one", "aa-two", "aa-three"], hostvars)
    validator.validate(combined)
    assert combined["accounts"]["aa-three"]["status"] == "error"
    broken = dict(combined, accounts=dict(combined["accounts"], bad={"status": "drift"}))
    with pytest.raises(jsonschema.ValidationError):  # every account's report is a full report
        validator.validate(broken)


def test_entries_of_a_task_that_manages_several_objects_are_named_by_their_name():
    # automation_module with modules: one result per module, each with its name (no loop item)
    results = {"results": [
        {"name": "PackageManagement", "changed": False, "diff": diff({"name": "PackageManagement"},
                                                                     {"name": "PackageManagement"})},
        {"name": "ExchangeOnlineManagement", "changed": True,
         "diff": diff({}, {"name": "ExchangeOnlineManagement", "version": "3.7.2"})},
        {"name": "PowerShellGet", "failed": True, "msg": "the import Failed"},
    ]}
    entries = audit.audit_entries(results, "module", declared=[{"name": "PackageManagement"}])
    assert [(e["name"], e["status"]) for e in entries] == [
        ("PackageManagement", "in_sync"), ("ExchangeOnlineManagement", "missing"), ("PowerShellGet", "error")]
