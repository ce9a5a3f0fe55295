# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.module_utils.diff import (
    MASK,
    make_diff,
    tags_update,
)


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
