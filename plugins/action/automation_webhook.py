# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action of m365.exo_automation.automation_webhook: runs the module, keeps a new webhook URI out of every log,
and hands it over on the controller (``uri_file``).

A webhook's URI exists once, in the result of the task that created the webhook. The module cannot keep a value of
its own result out of the output (AnsibleModule masks only values given as options), so this action marks that one
result ``no_log``: Ansible then shows "the output has been hidden" to every callback (the terminal at any
verbosity, AWX job events), while the registered result holds the URI for the play.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.action import ActionBase

MODULE = "m365.exo_automation.automation_webhook"


def read_record(path):
    """The record ``uri_file`` holds (a dict), or None when there is none."""
    try:
        with open(path, "r") as f:
            record = json.load(f)
    except (IOError, OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def write_record(path, record):
    """Write ``record`` to ``path`` readable by its owner only, replacing the file in one step."""
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o700)
    fd, tmp = tempfile.mkstemp(prefix=".webhook-", dir=directory)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(record, f, indent=2, sort_keys=True)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def holds(record, webhook):
    """Whether ``record`` is the record of ``webhook`` (same id and creation time): its URI was handed out."""
    if not record or not webhook.get("id"):
        return False
    return (str(record.get("id") or "").lower() == webhook["id"].lower()
            and record.get("creation_time") == webhook.get("creation_time"))


class ActionModule(ActionBase):
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        uri_file = args.get("uri_file")
        if uri_file is not None:
            if not isinstance(uri_file, str) or not uri_file.strip():
                raise AnsibleActionFail("uri_file must be the path of a file on the controller")
            uri_file = os.path.abspath(os.path.expanduser(uri_file))
            directory = os.path.dirname(uri_file)
            if os.path.isdir(uri_file) or (os.path.exists(directory) and not os.path.isdir(directory)):
                raise AnsibleActionFail("uri_file '%s' is not a file path: give the path of a file (it is created)"
                                        % uri_file)
            args["uri_file"] = uri_file

        try:
            result.update(self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars))
            if uri_file is not None and not result.get("failed"):
                result = self._hand_over(result, args, uri_file, task_vars)
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        if (result.get("webhook") or {}).get("uri"):
            result["_ansible_no_log"] = True
        return result

    def _hand_over(self, result, args, uri_file, task_vars):
        webhook = result.get("webhook") or {}
        if webhook.get("uri"):
            if not self._task.check_mode:
                record = dict((k, webhook.get(k)) for k in ("id", "name", "creation_time", "uri"))
                try:
                    write_record(uri_file, record)
                except (IOError, OSError) as exc:
                    # the URI exists only in this result now: fail, and keep the result (no_log) for the play
                    result.update(failed=True, msg="webhook %s was created, but its URI could not be written to "
                                  "uri_file '%s': %s. The URI is in this task's registered result only."
                                  % (webhook.get("name"), uri_file, to_native(exc)))
                    return result
                result["uri_file"] = uri_file
            result["uri_handed_out"] = True
            return result
        if args.get("state", "present") == "absent" or not webhook:
            return result
        if webhook.get("id") is None and self._task.check_mode:
            result["uri_handed_out"] = True  # would be created by this task, its URI written then
            return result
        if holds(read_record(uri_file), webhook):
            result["uri_handed_out"] = True
            return result
        if args.get("recreate") and not args.get("renew_uri"):
            again = dict(args, renew_uri=True)
            renewed = self._execute_module(module_name=MODULE, module_args=again, task_vars=task_vars)
            if renewed.get("failed"):
                return renewed
            return self._hand_over(renewed, again, uri_file, task_vars)
        result["uri_handed_out"] = False
        result.setdefault("warnings", []).append(
            "webhook %s exists, but uri_file '%s' holds no record of it: its URI was never handed out (a run "
            "interrupted right after it was created?). Set recreate=true to create it again with a new URI."
            % (webhook.get("name"), uri_file))
        return result
