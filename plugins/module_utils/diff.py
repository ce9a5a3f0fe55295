# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tags with purge, and before/after diffs without server noise, secrets masked."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

# Keys the server manages; they change without the user doing anything and are dropped from diffs.
NOISE_KEYS = frozenset((
    "etag", "e_tag", "creation_time", "created_time", "last_modified_time", "last_modified_by",
    "last_modified", "system_data", "provisioning_state", "state_change_time", "changed_time",
))

MASK = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def tags_update(current, desired, purge=True):
    """``(changed, new_tags)``. ``desired=None`` leaves tags alone; ``purge`` removes tags not in ``desired``."""
    current = dict(current or {})
    if desired is None:
        return False, current
    desired = dict((str(k), "" if v is None else str(v)) for k, v in desired.items())
    if purge:
        new = desired
    else:
        new = dict(current)
        new.update(desired)
    return new != current, new


def strip_noise(obj, keep=()):
    """A deep copy of ``obj`` without server-managed keys (``keep`` names keys to keep anyway)."""
    if isinstance(obj, dict):
        return dict((k, strip_noise(v, keep)) for k, v in obj.items() if k not in NOISE_KEYS or k in keep)
    if isinstance(obj, list):
        return [strip_noise(v, keep) for v in obj]
    return copy.deepcopy(obj)


def mask(obj, keys):
    """A deep copy of ``obj`` with the values of ``keys`` (anywhere) replaced by a mask."""
    if isinstance(obj, dict):
        return dict((k, MASK if (k in keys and v is not None) else mask(v, keys)) for k, v in obj.items())
    if isinstance(obj, list):
        return [mask(v, keys) for v in obj]
    return obj


def make_diff(before, after, keep=(), secret_keys=()):
    """``{"before": ..., "after": ...}`` for Ansible's --diff: server noise dropped, secrets masked.
    A missing object is ``{}``."""
    before = strip_noise(before or {}, keep)
    after = strip_noise(after or {}, keep)
    if secret_keys:
        before, after = mask(before, secret_keys), mask(after, secret_keys)
    return {"before": before, "after": after}


__all__ = ["make_diff", "mask", "strip_noise", "tags_update", "NOISE_KEYS"]
