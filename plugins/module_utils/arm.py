# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers for Azure Resource Manager modules: reads that treat 404 as "absent", resource ids, model to dict,
region lookup, and retry for eventual consistency (azure-core already retries throttling and 5xx)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import sys
import time

from ansible_collections.m365.exo_automation.plugins.module_utils.base import ModuleError, error_from_exception

LOCATIONS_API_VERSION = "2022-12-01"


def is_not_found(exc):
    """True for an azure-core error that means "this object does not exist" (HTTP 404)."""
    core = sys.modules.get("azure.core.exceptions")
    if core is None:
        return False
    if isinstance(exc, core.ResourceNotFoundError):
        return True
    return isinstance(exc, core.HttpResponseError) and getattr(exc, "status_code", None) == 404


def get_or_none(fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, or None when the object does not exist (404). Other errors propagate."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001
        if is_not_found(exc):
            return None
        raise


def read_scope(operations, list_all, resource_group=None, name=None):
    """What an ``_info`` module of a top-level resource lists: the object ``name`` of ``resource_group`` (an
    empty list when it does not exist), every object of ``resource_group`` (an empty list when the group does
    not exist), or every object of the subscription. ``operations`` is the SDK's operation group;
    ``list_all`` names its subscription-wide list operation (``list``, ``list_by_subscription``)."""
    if name:
        found = get_or_none(operations.get, resource_group, name)
        return [found] if found is not None else []
    if resource_group:
        return get_or_none(lambda: list(operations.list_by_resource_group(resource_group))) or []
    return list(getattr(operations, list_all)())


def to_dict(model):
    """An SDK model as a plain dict with snake_case keys (None stays None)."""
    if model is None:
        return None
    if isinstance(model, dict):
        return model
    as_dict = getattr(model, "as_dict", None)
    if as_dict is not None:
        return as_dict()
    return dict(model)


def resource_group_id(subscription_id, resource_group):
    return "/subscriptions/%s/resourceGroups/%s" % (subscription_id, resource_group)


def resource_id(subscription_id, resource_group, provider_type, name):
    return "/subscriptions/%s/resourceGroups/%s/providers/%s/%s" % (subscription_id, resource_group,
                                                                    provider_type, name)


def same_id(a, b):
    """ARM ids compare without regard to case."""
    return (a or "").rstrip("/").lower() == (b or "").rstrip("/").lower()


def list_locations(m):
    """Region names of the subscription (``GET /subscriptions/{id}/locations``), or None when they cannot be
    read (no permission, an endpoint that does not serve the list): validation is then left to Azure."""
    from azure.core.rest import HttpRequest

    client = m.resource_client()
    url = "%s/subscriptions/%s/locations?api-version=%s" % (
        m.cloud().arm_endpoint, m.subscription_id(), LOCATIONS_API_VERSION)
    try:
        response = client.send_request(HttpRequest("GET", url))
        if response.status_code != 200:
            m.debug("listing locations answered HTTP %s; skipping the region check" % response.status_code)
            return None
        body = response.json()
    except Exception as exc:  # noqa: BLE001 - the list is an aid, not a requirement
        m.debug("could not list locations (%s); skipping the region check" % exc)
        return None
    names = set()
    for item in body.get("value") or []:
        if item.get("name"):
            names.add(item["name"].lower())
    return names or None


# -- retry for eventual consistency ------------------------------------------------------------------
def backoff_delays(base=1.0, cap=30.0, rng=None):
    """Jittered exponential delays: full jitter over ``min(cap, base * 2**n)`` (never below base/2)."""
    rng = rng or random.random
    attempt = 0
    while True:
        ceiling = min(cap, base * (2 ** attempt))
        yield max(base / 2.0, ceiling * rng())
        attempt += 1


def retry_call(fn, retryable, timeout, what, base=1.0, cap=30.0, sleep=time.sleep, clock=time.time, rng=None):
    """Call ``fn()`` until it succeeds, retrying while ``retryable(exc)`` is true, within ``timeout`` seconds.

    For eventual consistency only (a resource another API has just created); throttling and server errors
    are retried by azure-core's RetryPolicy already. ``retryable(exc)`` returns a reason string (truthy) or a
    falsy value. A non-retryable error propagates at once; when the time is up, ModuleError says what was
    waited for and why."""
    deadline = clock() + timeout
    delays = backoff_delays(base, cap, rng)
    attempts = 0
    while True:
        attempts += 1
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001
            reason = retryable(exc)
            if not reason:
                raise
            delay = next(delays)
            now = clock()
            if now + delay > deadline:
                err = error_from_exception(exc, what) or ModuleError("%s: %s" % (what, exc))
                err.message = "%s; still failing after %d attempts in %d s (%s)" % (
                    err.message.rstrip("."), attempts, int(timeout), reason)
                err.hint = "Azure may need more time to replicate: raise timeout or re-run the task."
                raise err
            sleep(delay)


def status_is(*statuses, **kwargs):
    """A ``retryable`` predicate for retry_call: HTTP status in ``statuses`` (and, when given, the service
    error code in ``codes`` or a substring of the message in ``messages``)."""
    codes = kwargs.get("codes")
    messages = kwargs.get("messages")

    def check(exc):
        status = getattr(exc, "status_code", None)
        if status not in statuses:
            return None
        odata = getattr(exc, "error", None)
        code = getattr(odata, "code", None)
        text = str(getattr(exc, "message", "") or exc)
        if codes and code not in codes and not (messages and any(m in text for m in messages)):
            return None
        if messages and not codes and not any(m in text for m in messages):
            return None
        return "HTTP %s%s" % (status, " %s" % code if code else "")

    return check


__all__ = ["backoff_delays", "get_or_none", "is_not_found", "list_locations", "resource_group_id",
           "resource_id", "retry_call", "same_id", "status_is", "to_dict"]
