"""``make bench`` does not rot: its smoke run (task_overhead once, against a real emulator, through ``ansible``)
writes latest.json and latest.txt of the documented shape; the figures it derives from the vars file and the
targets it evaluates are checked on known inputs. Timings are never asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench import model, report  # noqa: E402  pylint: disable=wrong-import-position


def _units_everywhere(node, where="$"):
    """Paths of figures (dicts with a ``value``) that do not say their unit."""
    missing = []
    if isinstance(node, dict):
        if "value" in node and not isinstance(node.get("unit"), str):
            missing.append(where)
        for key, value in node.items():
            missing += _units_everywhere(value, "%s.%s" % (where, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            missing += _units_everywhere(value, "%s[%d]" % (where, i))
    return missing


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    env = dict(os.environ)
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", str(ROOT / ".collections"))
    proc = subprocess.run([sys.executable, "-m", "tests.bench", "--smoke", "--output", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


def test_smoke_writes_every_task_overhead_figure_with_its_unit(smoke):
    doc = json.loads((smoke / "latest.json").read_text())
    assert doc["repeat"] == 1 and doc["machine"]["cores"] >= 1
    overhead = doc["scenarios"]["task_overhead"]
    for key, module in (("trivial", "ansible.builtin.ping"), ("arm_read", "m365.exo_automation.automation_account_info"),
                        ("graph_read", "m365.exo_automation.service_principal_info")):
        assert overhead[key]["module"] == module
        for figure in ("wall", "cpu", "module_cpu", "peak_rss"):
            assert isinstance(overhead[key][figure]["value"], (int, float)), (key, figure)
    for key in ("arm_read", "graph_read"):
        assert set(overhead[key]) >= {"wall_over_trivial", "cpu_over_trivial", "module_cpu_over_trivial"}
    assert overhead["arm_read"]["peak_rss"]["unit"].startswith("MiB")
    assert overhead["peak_rss_max"]["value"] > 0
    assert isinstance(overhead["trivial_task_in_playbook"]["wall"]["value"], (int, float))
    assert _units_everywhere(doc) == []


def test_smoke_evaluates_the_targets_it_measured(smoke):
    doc = json.loads((smoke / "latest.json").read_text())
    by_name = dict((t["target"], t) for t in doc["targets"])
    assert by_name["ARM read task overhead <= 0.4 s CPU"]["holds"] in (True, False)
    assert by_name["peak RSS of a module process <= 60 MiB"]["holds"] in (True, False)
    assert by_name["audit CPU per account <= 5 s"]["holds"] is None  # not run in the smoke
    text = (smoke / "latest.txt").read_text()
    assert "| task_overhead | arm_read wall / CPU" in text and "| target | measured | limit | holds |" in text


def test_min_requests_and_critical_path_of_the_demo_vars():
    decl = model.declared(str(ROOT / "playbooks" / "vars" / "demo.yml"))
    total, by_api, objects = model.min_requests(decl)
    assert total == len(objects) == by_api["arm"] + by_api["graph"]
    assert "Automation account" in objects and "service principal of the identity" in objects
    modules = [m["name"] for m in decl["modules"]]
    assert ["module %s" % name for name in modules] == [o for o in objects if o.startswith("module ")]
    critical, how = model.critical_path(decl, {"module_import_s": 5, "replication_delay_s": 5, "job_run_s": 2})
    assert critical == max(how["chains_s"].values()) + 2
    assert how["chains_s"]["PowerShell 5.1 modules (%d in sequence)" % len(modules)] == 5 * len(modules)


def test_min_requests_follow_what_is_declared(tmp_path):
    vars_file = tmp_path / "vars.yml"
    vars_file.write_text("exchange_online_automation_identity: system\n"
                         "exchange_online_automation_modules: [{name: A}]\n"
                         "exchange_online_automation_directory_roles: []\n"
                         "exchange_online_automation_verify: false\n")
    total, by_api, objects = model.min_requests(model.declared(str(vars_file)))
    assert objects == ["resource group", "Automation account", "module A", "service principal of the identity",
                       "service principal Office 365 Exchange Online", "app role assignments of the identity (one list)"]
    assert (total, by_api) == (6, {"arm": 3, "graph": 3})
    critical, _how = model.critical_path(model.declared(str(vars_file)),
                                         {"module_import_s": 5, "replication_delay_s": 8, "job_run_s": 2})
    assert critical == 8  # replication is the longest chain; no verification job


def test_targets_compare_with_the_issue_limits():
    doc = {"scenarios": {
        "converge_empty": {"wall": {"value": 30.0}, "critical_path_s": {"value": 17.0}, "tasks": {"value": 40}},
        "task_overhead": {"trivial_task_in_playbook": {"wall": {"value": 0.1}},
                          "arm_read": {"cpu_over_trivial": {"value": 0.5}},
                          "graph_read": {"cpu_over_trivial": {"value": 0.3}}, "peak_rss_max": {"value": 55.0}},
        "converge_nochange": {"state_gets": {"value": 20}, "min_requests": {"value": 16}, "writes": {"value": 0},
                              "token_requests": {"value": 10}, "token_bound": {"value": 12}},
        "audit": {"cpu": {"value": 6.0}, "module_processes": {"value": 8}},
        "scale": {"cores": 2, "accounts_1": {"cpu": {"value": 4.0}}, "accounts_5": {"wall": {"value": 11.0}},
                  "skipped": "20 accounts not measured"},
        "peer": {"skipped": "no peer"},
    }}
    holds = dict((t["target"].split(" <=")[0].split(" =")[0], t["holds"]) for t in report.targets(doc))
    assert holds == {
        "converge_empty wall": True,            # 30 <= 1.5 x (17 + 40 x 0.1) = 31.5
        "converge_nochange state GETs": False,
        "converge_nochange writes": True,
        "converge_nochange token requests": True,
        "audit CPU per account": False,
        "audit module processes": True,          # 8 <= 8
        "scale 5 accounts wall": True,           # 11 <= 1.2 x 5 x 4 / 2 = 12
        "scale 20 accounts wall": None,
        "ARM read task overhead": False,
        "Graph read task overhead": True,
        "peak RSS of a module process": True,
        "peer ratio": None,
    }
    notes = dict((t["target"], t.get("note")) for t in report.targets(doc))
    assert notes["peer ratio <= 0.25"] == "no peer"
    assert "20 accounts not measured" in notes["scale 20 accounts wall <= 1.2 x (20 x one account's CPU / cores)"]


def test_token_bound_counts_the_audiences_of_the_module_utils_a_module_imports():
    from tests.bench import scenarios
    # both import forms count: "from ...module_utils import flow, grants" and "from ...module_utils.base import x"
    assert scenarios._module_audiences("principal_access") == 2  # grants: Graph; base, flow: ARM
    assert scenarios._module_audiences("app_role_assignment") == 2
    assert scenarios._module_audiences("resource_group") == 1
    assert scenarios._module_audiences("audit_report") == 0  # an action's documentation: no process of ours
    assert "basic" not in scenarios.module_utils_imported(os.path.join(scenarios.REPO_ROOT, "plugins", "modules",
                                                                       "runbook.py"))
