# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils.flow: the shared module flow and list reconciliation."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.module_utils import flow


def key(item):
    return item["k"].lower()


@pytest.mark.parametrize("current,declared,exclusive,absent,add,remove,keep", [
    ([{"k": "A"}], ["a", "b"], False, False, ["b"], [], ["A"]),
    ([{"k": "a"}, {"k": "x"}], ["a"], False, False, [], [], ["a", "x"]),
    ([{"k": "a"}, {"k": "x"}], ["a"], True, False, [], ["x"], ["a"]),
    # two copies of one grant: present keeps both, exclusive removes the extra one, absent removes both
    ([{"k": "a"}, {"k": "a"}], ["a"], False, False, [], [], ["a", "a"]),
    ([{"k": "a"}, {"k": "a"}], ["a"], True, False, [], ["a"], ["a"]),
    ([{"k": "a"}, {"k": "a"}, {"k": "x"}], ["a"], False, True, [], ["a", "a"], ["x"]),
    ([], ["a", "a"], False, False, ["a"], [], []),
])
def test_reconcile(current, declared, exclusive, absent, add, remove, keep):
    plan = flow.reconcile(current, declared, key, exclusive=exclusive, absent=absent)
    assert plan.add == add
    assert [i["k"] for i in plan.remove] == remove
    assert [i["k"] for i in plan.keep] == keep
    assert plan.changed == bool(add or remove)


class FakeModule:
    def __init__(self, check_mode):
        self.check_mode = check_mode
        self.params = {}


class Widget(flow.Resource):
    """An object whose store is a dict; apply records what it did."""
    result_key = "widget"

    def __init__(self, m, store, want):
        super(Widget, self).__init__(m)
        self.store, self.want, self.applied = store, want, []

    def read(self):
        return dict(self.store["obj"]) if self.store.get("obj") is not None else None

    def desired(self, current):
        return self.want

    def plan(self, current, desired):
        if desired is None:
            return flow.Plan(flow.DELETE) if current else flow.Plan()
        if current == desired:
            return flow.Plan()
        return flow.Plan(flow.UPDATE if current else flow.CREATE, dict(desired, etag=None), desired)

    def apply(self, plan):
        self.applied.append(plan.action)
        self.store["obj"] = None if plan.action == flow.DELETE else dict(plan.body, etag="server")

    def facts(self, obj):
        return dict(obj or {})


def test_check_mode_predicts_and_writes_nothing():
    store = {"obj": None}
    w = Widget(FakeModule(True), store, {"name": "a"})
    result = flow.run(w.m, w)
    assert result["changed"] is True and result["widget"] == {"name": "a", "etag": None}
    assert w.applied == [] and store["obj"] is None
    assert result["diff"] == {"before": {}, "after": {"name": "a"}}  # server noise (etag) left out


def test_a_real_run_applies_and_reads_the_object_again():
    store = {"obj": None}
    w = Widget(FakeModule(False), store, {"name": "a"})
    result = flow.run(w.m, w)
    assert w.applied == [flow.CREATE]
    assert result["widget"] == {"name": "a", "etag": "server"}  # what Azure returns, not the prediction


def test_nothing_to_do_is_unchanged_and_a_delete_is_gone():
    store = {"obj": {"name": "a"}}
    w = Widget(FakeModule(False), store, {"name": "a"})
    assert flow.run(w.m, w)["changed"] is False and w.applied == []
    w = Widget(FakeModule(False), store, None)
    result = flow.run(w.m, w)
    assert result["changed"] is True and result["widget"] == {} and w.applied == [flow.DELETE]
