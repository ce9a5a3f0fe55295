# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action of audit_report: the report goes to a file on the controller without a module process, written
only when its text or mode differs, in check mode too; bad options fail before anything is written."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat
from unittest.mock import MagicMock

import pytest

from ansible.errors import AnsibleActionFail
from ansible.playbook.task import Task
from ansible.plugins.filter.core import to_nice_json

from ansible_collections.m365.exo_automation.plugins.action import audit_report as action

REPORT = {"status": "drift", "counts": {"drift": 1, "in_sync": 4, "error": 0},
          "entries": [{"object": "runbook Get-Mailboxes", "status": "drift", "note": "Zürich"}]}


def make(args, check_mode=False):
    task = MagicMock(Task)
    task.args = args
    task.check_mode = check_mode
    task.async_val = 0
    task.diff = False
    plugin = action.ActionModule(task, MagicMock(), play_context=MagicMock(), loader=None, templar=None,
                                 shared_loader_obj=None)

    def no_module(*args, **kwargs):
        raise AssertionError("the action ran a module")

    plugin._execute_module = no_module
    plugin._low_level_execute_command = no_module
    return plugin


def mode_of(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


@pytest.mark.parametrize("check_mode", [False, True])
def test_the_report_is_written_as_the_copy_task_wrote_it_without_a_module(tmp_path, check_mode):
    path = tmp_path / "exo-audit-report.json"
    result = make({"path": str(path), "report": REPORT}, check_mode=check_mode).run(task_vars={})
    text = path.read_text(encoding="utf-8")
    assert text == to_nice_json(REPORT, indent=2) + "\n"
    assert json.loads(text) == REPORT
    assert result["changed"] is True and result["path"] == str(path)
    assert result["size"] == len(text.encode("utf-8"))
    assert mode_of(path) == 0o644


def test_the_same_report_again_changes_nothing_and_a_new_one_replaces_it(tmp_path):
    path = tmp_path / "r.json"
    make({"path": str(path), "report": REPORT}).run(task_vars={})
    before = os.stat(str(path)).st_ino
    assert make({"path": str(path), "report": dict(REPORT)}).run(task_vars={})["changed"] is False
    assert os.stat(str(path)).st_ino == before  # not rewritten
    result = make({"path": str(path), "report": dict(REPORT, status="in_sync")}).run(task_vars={})
    assert result["changed"] is True
    assert json.loads(path.read_text())["status"] == "in_sync"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left


def test_the_mode_is_set_and_a_wrong_mode_alone_is_a_change(tmp_path):
    path = tmp_path / "r.json"
    make({"path": str(path), "report": REPORT, "mode": "0600"}).run(task_vars={})
    assert mode_of(path) == 0o600
    result = make({"path": str(path), "report": REPORT, "mode": "0644"}).run(task_vars={})
    assert result["changed"] is True and mode_of(path) == 0o644


@pytest.mark.parametrize("args, words", [
    ({"report": REPORT}, "option 'path' is required"),
    ({"path": "PLACE", "report": "not a dict"}, "option 'report' must be a dict"),
    ({"path": "PLACE", "report": REPORT, "mode": "0777"}, "option 'mode'"),
    ({"path": "PLACE/missing/r.json", "report": REPORT}, "does not exist"),
])
def test_bad_options_fail_and_write_nothing(tmp_path, args, words):
    args = dict((k, v.replace("PLACE", str(tmp_path)) if isinstance(v, str) else v) for k, v in args.items())
    args.setdefault("path", None)
    if args["path"] is None:
        del args["path"]
    with pytest.raises(AnsibleActionFail) as err:
        make(args).run(task_vars={})
    assert words in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_the_old_report_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    make({"path": str(path), "report": REPORT}).run(task_vars={})

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(action.os, "replace", broken)
    with pytest.raises(AnsibleActionFail) as err:
        make({"path": str(path), "report": dict(REPORT, status="in_sync")}).run(task_vars={})
    assert "No space left" in str(err.value)
    assert json.loads(path.read_text())["status"] == "drift"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
