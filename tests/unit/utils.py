# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's ``main()`` in-process and get its result (exit_json / fail_json) as a dict."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils import basic
from ansible.module_utils.common.parameters import remove_values
try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19 has no ansible.module_utils.testing
    import contextlib
    import json
    from unittest import mock

    @contextlib.contextmanager
    def patch_module_args(args=None):
        """Expose ``args`` to the AnsibleModule instances created in this context (as 2.19's helper does)."""
        with mock.patch.object(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}).encode()):
            yield


class AnsibleExitJson(Exception):
    def __init__(self, kwargs):
        super(AnsibleExitJson, self).__init__(kwargs)
        self.result = kwargs


class AnsibleFailJson(Exception):
    def __init__(self, kwargs):
        super(AnsibleFailJson, self).__init__(kwargs)
        self.result = kwargs


def _exit_json(self, **kwargs):
    kwargs.setdefault("changed", False)
    # AnsibleModule masks no_log values in everything it returns; so do these stand-ins
    raise AnsibleExitJson(remove_values(kwargs, self.no_log_values))


def _fail_json(self, msg, **kwargs):
    kwargs["failed"] = True
    kwargs["msg"] = msg
    raise AnsibleFailJson(remove_values(kwargs, self.no_log_values))


class FakeClock:
    """A clock for module_utils.waiting: ``sleep`` records the delay and moves ``now`` on; nothing sleeps."""

    def __init__(self, start=0.0):
        self.time = start
        self.sleeps = []

    def now(self):
        return self.time

    def clock(self):
        return self.time

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.time += seconds


def install_clock(monkeypatch, clock=None, jitter=0.0):
    """Make every wait of the collection use ``clock`` (a new FakeClock by default), without jitter."""
    from ansible_collections.m365.exo_automation.plugins.module_utils import waiting

    clock = clock or FakeClock()
    monkeypatch.setattr(waiting, "CLOCK", clock)
    monkeypatch.setattr(waiting, "JITTER", jitter)
    return clock


def run_module(monkeypatch, main, args, check_mode=False, diff=False):
    """Call ``main()`` with ``args``; returns the result dict (``failed: True`` for fail_json, ``warnings`` when
    the module warned)."""
    warnings = []
    result = None
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", _exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", _fail_json)
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, msg: warnings.append(msg))
    args = dict(args)
    if check_mode:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    with patch_module_args(args):
        try:
            main()
        except AnsibleExitJson as done:
            result = done.result
        except AnsibleFailJson as failed:
            result = failed.result
        else:
            raise AssertionError("the module returned without exit_json or fail_json")
    if warnings:
        result["warnings"] = warnings
    return result
