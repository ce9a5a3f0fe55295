# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare desired with current state, tags with purge, and before/after diffs without server noise."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

# Keys the server manages; they change without the user doing anything and are dropped from diffs.
NOISE_KEYS = frozenset((
    "etag", "e_tag", "creation_time", "created_time", "last_modified_time", "last_modified_by",
    "last_modified", "system_data", "provisioning_state", "state_change_time", "changed_time",
))

MASK = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def _equal(desired, current):
    if isinstance(desired, dict) and isinstance(current, dict):
        return not compare(desired, current) and all(k in current or desired[k] is None for k in desired)
    if isinstance(desired, (list, tuple)) and isinstance(current, (list, tuple)):
        if len(desired) != len(current):
            return False
        return all(_equal(d, c) for d, c in zip(desired, current))
    if isinstance(desired, str) and isinstance(current, str):
        return desired == current
    return desired == current


def compare(desired, current):
    """Differences for the keys in ``desired`` whose value is not None: ``{key: {"before", "after"}}``.

    Nested dicts are compared recursively on the desired keys only; lists by value and order (normalise
    order-free lists before calling)."""
    current = current or {}
    out = {}
    for key, want in desired.items():
        if want is None:
            continue
        have = current.get(key)
        if isinstance(want, dict) and isinstance(have, dict):
            sub = compare(want, have)
            if sub:
                out[key] = {"before": have, "after": merge(have, want)}
            continue
        if not _equal(want, have):
            out[key] = {"before": have, "after": want}
    return out


def merge(current, desired):
    """``current`` updated with the non-None values of ``desired`` (recursively for dicts)."""
    result = copy.deepcopy(current) if current else {}
    for key, want in (desired or {}).items():
        if want is None:
            continue
        if isinstance(want, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], want)
        else:
            result[key] = copy.deepcopy(want)
    return result


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


__all__ = ["compare", "make_diff", "mask", "merge", "strip_noise", "tags_update", "NOISE_KEYS"]
