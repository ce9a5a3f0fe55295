# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that turn the registered results of the collection's modules into an audit report.

Each module decides whether its object differs from the task (``changed``), what differs (``diff``, secrets
masked by the module), what the principal holds beyond the task (``extra``) and whether it could tell
(``failed``). These filters only map those results to one entry per declared object; they compare nothing
themselves. The report's shape is ``docs/audit-report.schema.json`` (schema version 1).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SCHEMA_VERSION = 1
STATUSES = ("in_sync", "would_change", "missing", "extra", "unmanaged", "error")
DRIFT = ("would_change", "missing", "extra", "unmanaged")
NOT_CHECKED = "not checked: the audit stopped at an earlier failure (see the error of the report)"

# kind -> how the summary names it
LABELS = {
    "resource_group": "resource group",
    "system_identity": "system-assigned identity of",
    "user_assigned_identity": "user-assigned identity",
    "automation_account": "Automation account",
    "app_role": "app role",
    "entra_role": "Entra role",
    "module": "module",
    "runtime_environment": "runtime environment",
    "runtime_environment_package": "package",
    "runbook": "runbook",
    "schedule": "schedule",
    "job_schedule": "job schedule",
    "webhook": "webhook",
    "variable": "variable",
}

# kind -> the key of an _info module's result that lists the account's objects of that kind
INFO_KEYS = {
    "runbook": "runbooks",
    "module": "modules",
    "schedule": "schedules",
    "webhook": "webhooks",
    "variable": "variables",
}


def _results(result):
    """The per-item results of a registered loop result, or ``[result]`` for a single task; ``[]`` when the
    task did not run (an empty dict: it was never reached)."""
    if not result:
        return []
    if isinstance(result, dict) and "results" in result:
        return list(result["results"])
    return [result]


def _error_text(r):
    msg = r.get("msg") or r.get("message") or "the task failed"
    hint = r.get("hint")
    return "%s (%s)" % (msg, hint) if hint else str(msg)


def _changed_keys(diff, ignore=()):
    """``{"before", "after"}`` holding only the keys whose values the module's diff shows as different."""
    before = (diff or {}).get("before") or {}
    after = (diff or {}).get("after") or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return {"before": before, "after": after}
    keys = [k for k in sorted(set(before) | set(after)) if k not in ignore and before.get(k) != after.get(k)]
    return {"before": dict((k, before.get(k)) for k in keys if k in before),
            "after": dict((k, after.get(k)) for k in keys if k in after)}


def _entry(kind, name, status, **more):
    e = {"object": "%s %s" % (LABELS.get(kind, kind), name), "kind": kind, "name": name, "status": status}
    e.update((k, v) for k, v in more.items() if v is not None)
    return e


def _generic(kind, name, r, ignore=()):
    """The entry of one object from the result of the task that manages it."""
    if r.get("failed"):
        return _entry(kind, name, "error", error=_error_text(r))
    if not r.get("changed"):
        return _entry(kind, name, "in_sync")
    diff = r.get("diff") or {}
    if not diff.get("before"):
        return _entry(kind, name, "missing", diff={"before": {}, "after": diff.get("after") or {}})
    changed = _changed_keys(diff, ignore)
    if ignore and not (changed["before"] or changed["after"]):
        return _entry(kind, name, "in_sync")  # only the parts reported as their own entries differ
    return _entry(kind, name, "would_change", diff=changed)


def _item_name(r, name_key):
    """The name of a loop item's result, or of an entry of a task that manages several (``name``)."""
    item = r.get("item")
    if isinstance(item, dict):
        return item.get(name_key)
    if item is None:
        return r.get(name_key)
    return item


def audit_entries(result, kind, declared=None, name_key="name", failure=None, name=None):
    """Entries of the objects one task manages.

    ``result`` is what the task registered (a loop or a single result; ``{}`` when it was not reached),
    ``kind`` the kind of object (``resource_group``, ``automation_account``, ``system_identity``,
    ``user_assigned_identity``, ``module``, ``runtime_environment``, ``app_role``, ``entra_role``, ``runbook``,
    ``schedule``, ``webhook``, ``variable``), ``declared`` the declared items (each a dict with ``name_key``, or
    a name): those without a result are reported as ``error`` with ``failure`` (the text of the failure that
    stopped the audit). ``name`` names the object of a single task."""
    handler = _HANDLERS.get(kind)
    results = [r for r in _results(result) if not r.get("skipped")]
    if handler is not None:
        return handler(results, declared, failure)
    entries = []
    seen = set()
    for r in results:
        n = name if name is not None else _item_name(r, name_key)
        seen.add(str(n).lower())
        if kind == "schedule":
            entries.append(_generic(kind, n, r, ignore=("runbooks",)))
            entries.extend(_schedule_links(n, r))
        elif kind == "runtime_environment":
            entries.append(_generic(kind, n, r, ignore=("packages",)))
            entries.extend(_packages(n, r))
        elif kind == "runbook":
            entries.append(_with_lint(_generic(kind, n, r), r))
        else:
            entries.append(_generic(kind, n, r))
    entries.extend(_not_checked(kind, declared, name_key, seen, failure, name))
    return entries


LINT_KEYS = ("rule", "severity", "line", "message", "fix")


def _with_lint(entry, r):
    """A runbook's entry with the findings of the runbook module's content check (``lint_findings``, the text
    rules of runbook_lint run before anything is written, in check mode too): each rule, severity, line,
    message and fix. A finding is not drift; ``audit_report`` counts them and the summary shows them."""
    findings = [f for f in r.get("lint_findings") or [] if isinstance(f, dict)]
    if findings:
        entry["lint"] = [dict((k, f.get(k)) for k in LINT_KEYS if f.get(k) is not None) for f in findings]
    return entry


def _lint_counts(entry):
    found = entry.get("lint") or []
    return (sum(1 for f in found if f.get("severity") == "error"),
            sum(1 for f in found if f.get("severity") == "warning"))


def _not_checked(kind, declared, name_key, seen, failure, name=None):
    if not failure:
        return []
    if name is not None:
        declared = [name]
    out = []
    for d in declared or []:
        n = d.get(name_key) if isinstance(d, dict) else d
        if str(n).lower() not in seen:
            out.append(_entry(kind, n, "error", error=NOT_CHECKED))
    return out


def _schedule_links(schedule, r):
    """One entry per declared job-schedule link; links the schedule has that the task does not declare are
    unmanaged (``removed`` when the task removes them)."""
    item = r.get("item") or {}
    if r.get("failed") or not isinstance(item, dict) or item.get("runbooks") is None:
        return []
    before = dict((str(link.get("name")).lower(), link)
                  for link in ((r.get("diff") or {}).get("before") or {}).get("runbooks") or [])
    created = set(str(n).lower() for n in r.get("links_created") or [])
    deleted = set(str(n).lower() for n in r.get("links_deleted") or [])
    declared = [(link.get("name") if isinstance(link, dict) else link) for link in item.get("runbooks") or []]
    out = []
    for n in declared:
        name = "%s -> %s" % (schedule, n)
        if str(n).lower() not in created:
            out.append(_entry("job_schedule", name, "in_sync"))
        elif str(n).lower() in before:
            after = next((link for link in ((r.get("diff") or {}).get("after") or {}).get("runbooks") or []
                          if str(link.get("name")).lower() == str(n).lower()), None)
            out.append(_entry("job_schedule", name, "would_change",
                              diff={"before": before[str(n).lower()], "after": after}))
        else:
            out.append(_entry("job_schedule", name, "missing"))
    wanted = set(str(n).lower() for n in declared)
    for key, link in sorted(before.items()):
        if key not in wanted:
            out.append(_entry("job_schedule", "%s -> %s" % (schedule, link.get("name")), "unmanaged",
                              removed=key in deleted))
    return out


def _packages(env, r):
    """One entry per package of a runtime environment: imported by the task (missing, or another version),
    removed by it (extra), or in sync."""
    if r.get("failed"):
        return []
    diff = r.get("diff") or {}
    before = (diff.get("before") or {}).get("packages") or {}
    after = (diff.get("after") or {}).get("packages") or {}
    imported = set(r.get("packages_imported") or [])
    removed = set(r.get("packages_removed") or [])
    out = []
    for name in sorted(set(after) | removed):
        label = "%s/%s" % (env, name)
        if name in removed:
            out.append(_entry("runtime_environment_package", label, "extra", removed=True))
        elif name not in imported:
            out.append(_entry("runtime_environment_package", label, "in_sync"))
        elif name in before:
            out.append(_entry("runtime_environment_package", label, "would_change",
                              diff={"before": {"version": before.get(name)}, "after": {"version": after.get(name)}}))
        else:
            out.append(_entry("runtime_environment_package", label, "missing",
                              diff={"before": {}, "after": {"version": after.get(name)}}))
    return out


def _system_identity(results, declared, failure):
    """The system-assigned identity is part of the Automation account: its entry comes from the account's
    result (its ``identity`` in the diff)."""
    if not results:
        return [_entry("system_identity", d, "error", error=NOT_CHECKED)
                for d in (declared or []) if failure]
    name = (declared or ["of the Automation account"])[0]
    r = results[0]
    if r.get("failed"):
        return [_entry("system_identity", name, "error", error=_error_text(r))]
    if not r.get("changed"):
        return [_entry("system_identity", name, "in_sync")]
    diff = r.get("diff") or {}
    if not diff.get("before"):
        return [_entry("system_identity", name, "missing")]
    changed = _changed_keys({"before": {"identity": (diff.get("before") or {}).get("identity")},
                             "after": {"identity": (diff.get("after") or {}).get("identity")}})
    if not changed["before"] and not changed["after"]:
        return [_entry("system_identity", name, "in_sync")]
    return [_entry("system_identity", name, "would_change", diff=changed)]


def _extra_entry(kind, name, e):
    details = dict((k, v) for k, v in e.items() if k not in ("privileged", "removed"))
    return _entry(kind, name, "extra", privileged=bool(e.get("privileged")), removed=bool(e.get("removed")),
                  details=details)


def _app_roles(results, declared, failure):
    """One entry per declared app role (per resource) and one per grant the principal holds that no task
    declares (``extra``, on any resource)."""
    entries, extras, declared_ids = [], {}, set()
    for r in results:
        item = r.get("item") or {}
        resource = item.get("resource")
        if r.get("failed"):
            entries.extend(_entry("app_role", "%s/%s" % (resource, v), "error", error=_error_text(r))
                           for v in item.get("app_roles") or [])
            continue
        resource = (r.get("resource") or {}).get("display_name") or resource
        own_extra = set(e.get("id") for e in r.get("extra") or [])
        for a in r.get("assignments") or []:
            if a.get("id") is not None and a.get("id") in own_extra:
                continue
            declared_ids.add(a.get("id"))
            status = "missing" if a.get("id") is None else "in_sync"
            entries.append(_entry("app_role", "%s/%s" % (resource, a.get("app_role_value") or a.get("app_role_id")),
                                  status))
        for e in r.get("extra") or []:
            extras.setdefault(e.get("id"), e)
    for aid, e in sorted(extras.items(), key=lambda kv: (str(kv[1].get("resource_name")), str(kv[1].get("role_name")))):
        if aid in declared_ids:
            continue  # declared by the task of another resource
        entries.append(_extra_entry("app_role", "%s/%s" % (e.get("resource_name") or e.get("resource_id"),
                                                           e.get("role_name") or e.get("role_id")), e))
    if not results and failure:
        for d in declared or []:
            entries.extend(_entry("app_role", "%s/%s" % (d.get("resource"), v), "error",
                                  error=NOT_CHECKED) for v in d.get("app_roles") or [])
    return entries


def _entra_roles(results, declared, failure):
    """One entry per declared Entra role and one per role the principal holds, at any directory scope, that the
    task does not declare (``extra``)."""
    entries = []
    for r in results:
        if r.get("failed"):
            entries.extend(_entry("entra_role", d, "error", error=_error_text(r)) for d in declared or [])
            continue
        own_extra = set(e.get("id") for e in r.get("extra") or [])
        for a in r.get("assignments") or []:
            if a.get("id") is not None and a.get("id") in own_extra:
                continue
            entries.append(_entry("entra_role", a.get("role_display_name") or a.get("role_definition_id"),
                                  "missing" if a.get("id") is None else "in_sync"))
        for e in r.get("extra") or []:
            name = e.get("role_name") or e.get("role_id")
            if (e.get("directory_scope_id") or "/") != "/":
                name = "%s at %s" % (name, e.get("directory_scope_id"))
            entries.append(_extra_entry("entra_role", name, e))
    if not results and failure:
        entries.extend(_entry("entra_role", d, "error", error=NOT_CHECKED)
                       for d in declared or [])
    return entries


_HANDLERS = {
    "system_identity": _system_identity,
    "app_role": _app_roles,
    "entra_role": _entra_roles,
}


def audit_unmanaged(result, kind, declared_names, failure=None):
    """Entries (status ``unmanaged``) of the objects of ``kind`` that an ``_info`` module listed in the account
    and that ``declared_names`` do not name (names compare without regard to case, as Azure does). Modules that
    Azure provides to every account (``is_global``) are left out."""
    if not result:
        return [_entry(kind, "(list)", "error", error=NOT_CHECKED)] if failure else []
    if result.get("failed"):
        return [_entry(kind, "(list)", "error", error="listing the account's %ss failed: %s"
                       % (kind, _error_text(result)))]
    if result.get("skipped"):
        return []
    wanted = set(str(n).lower() for n in declared_names or [])
    out = []
    for obj in result.get(INFO_KEYS[kind]) or []:
        if obj.get("is_global"):
            continue
        if str(obj.get("name")).lower() not in wanted:
            out.append(_entry(kind, obj.get("name"), "unmanaged"))
    return out


def audit_report(entries, failure=None, **about):
    """The report (schema version 1): ``status`` (``error`` when the audit could not check everything,
    ``drift`` when an object differs, else ``in_sync``), counts per status, ``privileged_extra``, ``entries``
    and ``about`` (the account, resource group, ... as given)."""
    entries = list(entries or [])
    counts = dict((s, 0) for s in STATUSES)
    for e in entries:
        counts[e["status"]] = counts.get(e["status"], 0) + 1
    if counts["error"] or failure:
        status = "error"
    elif any(counts[s] for s in DRIFT):
        status = "drift"
    else:
        status = "in_sync"
    report = {
        "schema_version": SCHEMA_VERSION,
        "status": status,
        "counts": counts,
        "privileged_extra": sum(1 for e in entries if e["status"] == "extra" and e.get("privileged")),
        "lint_errors": sum(_lint_counts(e)[0] for e in entries),
        "lint_warnings": sum(_lint_counts(e)[1] for e in entries),
        "entries": entries,
    }
    if failure:
        report["error"] = str(failure)
    report.update((k, v) for k, v in about.items() if v is not None)
    return report


def _lint_text(e):
    """``lint: 1 error, 2 warnings (EXO001 line 3, EXO004 line 9, ...)`` for a runbook with findings."""
    errors, warnings = _lint_counts(e)
    if not (errors or warnings):
        return ""
    parts = ["%d error%s" % (errors, "" if errors == 1 else "s")] if errors else []
    if warnings:
        parts.append("%d warning%s" % (warnings, "" if warnings == 1 else "s"))
    where = ["%s line %s" % (f.get("rule"), f.get("line")) for f in e.get("lint") or []
             if f.get("severity") in ("error", "warning")]
    shown = ", ".join(where[:3]) + (", ..." if len(where) > 3 else "")
    return "lint: %s (%s)" % (", ".join(parts), shown)


def _differs(e):
    text = _differs_status(e)
    lint = _lint_text(e)
    return "; ".join(t for t in (text, lint) if t)


def _differs_status(e):
    s = e["status"]
    if s == "error":
        text = e.get("error", "")
        return text if len(text) <= 160 else text[:157] + "..."
    if s == "would_change":
        keys = sorted(set((e.get("diff") or {}).get("before") or {}) | set((e.get("diff") or {}).get("after") or {}))
        return ", ".join(keys) or "changes"
    if s == "missing":
        return "does not exist"
    if s == "extra":
        text = "not declared"
        if e.get("privileged"):
            text = "PRIVILEGED, " + text
        return text + (" (would be removed)" if e.get("removed") else "")
    if s == "unmanaged":
        return "not in the vars file" + (" (would be removed)" if e.get("removed") else "")
    return ""


def audit_table(report, all_entries=False):
    """The report as lines of a table (object, status, what differs); entries in sync are left out unless
    ``all_entries`` or they have lint errors or warnings, and counted in the last line."""
    rows = [(e["object"], e["status"], _differs(e)) for e in report.get("entries") or []
            if all_entries or e["status"] != "in_sync" or _lint_text(e)]
    head = ("object", "status", "what differs")
    widths = [max([len(head[i])] + [len(r[i]) for r in rows]) for i in range(2)]
    fmt = "%-" + str(widths[0]) + "s  %-" + str(widths[1]) + "s  %s"
    lines = [fmt % head, fmt % ("-" * widths[0], "-" * widths[1], "-" * 12)]
    lines.extend((fmt % r).rstrip() for r in rows)
    counts = report.get("counts") or {}
    summary = ", ".join("%d %s" % (counts[s], s) for s in STATUSES if counts.get(s))
    if report.get("lint_errors") or report.get("lint_warnings"):
        summary += "; runbook lint: %d error(s), %d warning(s)" % (
            report.get("lint_errors") or 0, report.get("lint_warnings") or 0)
    lines.append("%s: %s" % (str(report.get("status", "")).upper(), summary))
    return lines


def audit_combined(hosts, hostvars):
    """One report over the accounts of a run (``hosts``: the play's hosts, ``hostvars``: Ansible's): each host's
    report under ``accounts``, and ``status`` the worst of theirs (``error`` before ``drift`` before ``in_sync``).
    A host without a report (it failed before the report was made) counts as ``error``."""
    accounts = {}
    for host in hosts or []:
        report = (hostvars.get(host) or {}).get("exchange_online_automation_report")
        if not isinstance(report, dict):
            report = audit_report([], failure="the audit of this account made no report (it failed before)")
        accounts[str(host)] = report
    statuses = [r.get("status") for r in accounts.values()]
    status = "error" if "error" in statuses else "drift" if "drift" in statuses else "in_sync"
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "combined",
        "status": status,
        "counts": dict((s, statuses.count(s)) for s in ("in_sync", "drift", "error")),
        "privileged_extra": sum(int(r.get("privileged_extra") or 0) for r in accounts.values()),
        "accounts": accounts,
    }


def audit_combined_table(combined):
    """The combined report as lines: one per account (status, objects that differ, errors)."""
    rows = []
    for host, report in sorted((combined.get("accounts") or {}).items()):
        counts = report.get("counts") or {}
        differs = sum(int(counts.get(s) or 0) for s in DRIFT)
        detail = "%d differ, %d error(s)" % (differs, int(counts.get("error") or 0))
        if report.get("privileged_extra"):
            detail += ", %d PRIVILEGED extra" % report["privileged_extra"]
        if report.get("error") and report.get("status") == "error":
            text = str(report["error"])
            detail += ": " + (text if len(text) <= 120 else text[:117] + "...")
        rows.append((host, str(report.get("status", "")), detail))
    head = ("account", "status", "")
    width = [max([len(head[i])] + [len(r[i]) for r in rows]) for i in range(2)]
    fmt = "%-" + str(width[0]) + "s  %-" + str(width[1]) + "s  %s"
    lines = [(fmt % head).rstrip(), (fmt % ("-" * width[0], "-" * width[1], "")).rstrip()]
    lines.extend((fmt % r).rstrip() for r in rows)
    counts = combined.get("counts") or {}
    lines.append("%s: %s" % (str(combined.get("status", "")).upper(),
                             ", ".join("%d %s" % (counts[s], s) for s in ("in_sync", "drift", "error")
                                       if counts.get(s))))
    return lines


class FilterModule(object):

    def filters(self):
        return {
            "audit_entries": audit_entries,
            "audit_unmanaged": audit_unmanaged,
            "audit_report": audit_report,
            "audit_table": audit_table,
            "audit_combined": audit_combined,
            "audit_combined_table": audit_combined_table,
        }
