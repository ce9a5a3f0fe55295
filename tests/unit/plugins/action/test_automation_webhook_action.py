# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action of automation_webhook: the result that carries a new URI is no_log, uri_file gets the URI, and a
webhook whose URI was never handed out is found (and re-created on request)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat
from unittest.mock import MagicMock

import pytest

from ansible.playbook.task import Task

from ansible_collections.m365.exo_automation.plugins.action import automation_webhook as action

HOOK_ID = ("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Automation/automationAccounts/aa/webhooks/"
           "enable-archive")
URI = "https://0b8f2d2e.webhook.we.azure-automation.net/webhooks?token=c2VjcmV0LXRva2Vu"
ARGS = {"resource_group": "rg", "account": "aa", "name": "enable-archive", "runbook": "Enable-ArchiveMailbox"}


def webhook(uri=None, created="2030-01-01T10:00:00+00:00"):
    hook = {"id": HOOK_ID, "name": "enable-archive", "runbook": "Enable-ArchiveMailbox", "is_enabled": True,
            "creation_time": created}
    if uri:
        hook["uri"] = uri
    return hook


def make(args, answers, check_mode=False):
    """The action with the task's ``args``; ``answers`` are the module's results, one per call (recorded in
    ``calls``)."""
    task = MagicMock(Task)
    task.args = args
    task.check_mode = check_mode
    task.async_val = 0
    task.diff = False
    connection = MagicMock()
    connection._shell.tmpdir = None
    plugin = action.ActionModule(task, connection, play_context=MagicMock(), loader=None, templar=None,
                                 shared_loader_obj=None)
    plugin.calls = []

    def execute(module_name=None, module_args=None, task_vars=None, **kwargs):
        plugin.calls.append((module_name, dict(module_args)))
        return dict(answers.pop(0))

    plugin._execute_module = execute
    plugin._remove_tmp_path = lambda path: None
    return plugin


def test_a_result_with_a_new_uri_is_no_log_and_keeps_the_uri_for_the_play():
    plugin = make(dict(ARGS), [{"changed": True, "webhook": webhook(URI)}])
    result = plugin.run(task_vars={})
    assert result["_ansible_no_log"] is True
    assert result["webhook"]["uri"] == URI
    assert plugin.calls == [("m365.exo_automation.automation_webhook", ARGS)]


def test_a_result_without_a_uri_is_shown():
    plugin = make(dict(ARGS), [{"changed": False, "webhook": webhook()}])
    result = plugin.run(task_vars={})
    assert "_ansible_no_log" not in result


def test_a_failed_result_is_shown():
    plugin = make(dict(ARGS), [{"failed": True, "msg": "runbook Enable-ArchiveMailbox was not found"}])
    result = plugin.run(task_vars={})
    assert result["failed"] and "_ansible_no_log" not in result


def test_the_uri_goes_to_uri_file_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "hooks" / "enable-archive.json"
    plugin = make(dict(ARGS, uri_file=str(path)), [{"changed": True, "webhook": webhook(URI)}])
    result = plugin.run(task_vars={})
    assert result["uri_handed_out"] is True and result["uri_file"] == str(path)
    assert result["_ansible_no_log"] is True
    assert json.loads(path.read_text()) == {"id": HOOK_ID, "name": "enable-archive",
                                            "creation_time": "2030-01-01T10:00:00+00:00", "uri": URI}
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["enable-archive.json"]  # no temporary file left


def test_an_existing_webhook_on_record_was_handed_out(tmp_path):
    path = tmp_path / "hook.json"
    action.write_record(str(path), dict(webhook(), uri=URI))
    plugin = make(dict(ARGS, uri_file=str(path)), [{"changed": False, "webhook": webhook()}])
    result = plugin.run(task_vars={})
    assert result["uri_handed_out"] is True and "warnings" not in result
    assert len(plugin.calls) == 1


@pytest.mark.parametrize("record", [None, dict(webhook(created="2029-05-05T00:00:00+00:00"), uri="old")])
def test_a_webhook_whose_uri_was_never_handed_out_is_reported(tmp_path, record):
    path = tmp_path / "hook.json"
    if record:
        action.write_record(str(path), record)
    plugin = make(dict(ARGS, uri_file=str(path)), [{"changed": False, "webhook": webhook()}])
    result = plugin.run(task_vars={})
    assert result["uri_handed_out"] is False
    assert "its URI was never handed out" in result["warnings"][0] and "recreate=true" in result["warnings"][0]
    assert len(plugin.calls) == 1


@pytest.mark.parametrize("check_mode", [False, True])
def test_recreate_renews_a_webhook_whose_uri_was_never_handed_out(tmp_path, check_mode):
    path = tmp_path / "hook.json"
    renewed = webhook(None if check_mode else URI, created=None if check_mode else "2030-02-02T00:00:00+00:00")
    plugin = make(dict(ARGS, uri_file=str(path), recreate=True),
                  [{"changed": False, "webhook": webhook()}, {"changed": True, "recreated": True, "webhook": renewed}],
                  check_mode=check_mode)
    result = plugin.run(task_vars={})
    assert [c[1].get("renew_uri") for c in plugin.calls] == [None, True]
    assert result["changed"] is True and result["recreated"] is True
    if check_mode:
        assert not path.exists()
        return
    assert result["uri_handed_out"] is True and result["_ansible_no_log"] is True
    assert json.loads(path.read_text())["uri"] == URI


def test_uri_file_that_is_a_directory_fails_before_the_module_runs(tmp_path):
    plugin = make(dict(ARGS, uri_file=str(tmp_path)), [])
    with pytest.raises(action.AnsibleActionFail) as err:
        plugin.run(task_vars={})
    assert "uri_file" in str(err.value) and plugin.calls == []


def test_a_uri_that_cannot_be_written_fails_but_stays_in_the_hidden_result(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    plugin = make(dict(ARGS, uri_file=str(blocker / "sub" / "hook.json")), [{"changed": True, "webhook": webhook(URI)}])
    result = plugin.run(task_vars={})
    assert result["failed"] and "could not be written" in result["msg"]
    assert result["webhook"]["uri"] == URI and result["_ansible_no_log"] is True
