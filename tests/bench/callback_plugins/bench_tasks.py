# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``make bench``'s task recorder: one JSON line per task result (a loop's items one each) to
``$BENCH_TASK_LOG``: ``{"task", "action", "host", "status"}``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = """
name: bench_tasks
type: aggregate
short_description: Records each task result for make bench
description:
  - Writes one JSON line per task result to the file named by E(BENCH_TASK_LOG).
"""

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_tasks"
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, result, status):
        if "results" in (result._result or {}):
            return  # a loop's summary: its items were recorded one by one
        path = os.environ.get("BENCH_TASK_LOG")
        if not path:
            return
        task = result._task
        line = {"task": task.get_name(), "action": task.resolved_action or task.action,
                "host": result._host.get_name(), "status": status}
        with open(path, "a") as f:
            f.write(json.dumps(line) + "\n")

    def v2_runner_on_ok(self, result):
        self._record(result, "changed" if result._result.get("changed") else "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")

    def v2_runner_item_on_ok(self, result):
        self.v2_runner_on_ok(result)

    def v2_runner_item_on_failed(self, result):
        self._record(result, "failed")

    def v2_runner_item_on_skipped(self, result):
        self._record(result, "skipped")
