# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.module_utils.diff import (
    MASK,
    compare,
    make_diff,
    merge,
    tags_update,
)


def test_compare_only_desired_keys():
    current = {"a": 1, "b": 2, "c": {"x": 1, "y": 2}}
    assert compare({"a": 1}, current) == {}
    assert compare({"a": 2, "z": None}, current) == {"a": {"before": 1, "after": 2}}
    assert compare({"c": {"x": 1}}, current) == {}
    assert compare({"c": {"x": 5}}, current) == {"c": {"before": {"x": 1, "y": 2}, "after": {"x": 5, "y": 2}}}
    assert compare({"l": [1, 2]}, {"l": [2, 1]}) == {"l": {"before": [2, 1], "after": [1, 2]}}
    assert compare({"new": "v"}, None) == {"new": {"before": None, "after": "v"}}


def test_merge_skips_none():
    assert merge({"a": 1, "b": {"c": 1}}, {"a": None, "b": {"d": 2}}) == {"a": 1, "b": {"c": 1, "d": 2}}


@pytest.mark.parametrize("current,desired,purge,expected", [
    ({"a": "1"}, None, True, (False, {"a": "1"})),
    ({"a": "1"}, {"a": "1"}, True, (False, {"a": "1"})),
    ({"a": "1"}, {"b": "2"}, True, (True, {"b": "2"})),
    ({"a": "1"}, {"b": "2"}, False, (True, {"a": "1", "b": "2"})),
    ({"a": "1"}, {"a": "1"}, False, (False, {"a": "1"})),
    ({"a": "1"}, {}, True, (True, {})),
    ({"a": "1"}, {}, False, (False, {"a": "1"})),
    (None, {"n": 5, "e": None}, True, (True, {"n": "5", "e": ""})),
])
def test_tags_update(current, desired, purge, expected):
    assert tags_update(current, desired, purge) == expected


def test_make_diff_drops_noise_and_masks_secrets():
    before = {"name": "x", "etag": "W/1", "properties": {"creation_time": "t", "value": "s1"}, "provisioning_state": "S"}
    after = {"name": "x", "etag": "W/2", "properties": {"creation_time": "t", "value": "s2"}}
    diff = make_diff(before, after, secret_keys=("value",))
    assert diff == {"before": {"name": "x", "properties": {"value": MASK}},
                    "after": {"name": "x", "properties": {"value": MASK}}}
    assert make_diff(None, {"provisioning_state": "S"}, keep=("provisioning_state",)) == {
        "before": {}, "after": {"provisioning_state": "S"}}
