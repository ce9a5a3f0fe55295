# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Azure Resource Manager transport: which SDK client serves which API (:data:`CLIENTS`, built by
``ExoModule.arm_client``), reads that treat 404 as "absent", SDK models as REST-shaped dicts, and the region list.
azure-core's RetryPolicy retries throttling and 5xx; eventual consistency is waited out with
module_utils.waiting."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import sys
import time

from ansible_collections.m365.exo_automation.plugins.module_utils.errors import DeadlineExceeded

LOCATIONS_API_VERSION = "2022-12-01"

# Per request: seconds to connect and to wait for an answer (azure-core's defaults: 300 s read, retried 3 times)
CONNECT_TIMEOUT = 30
READ_TIMEOUT = 120

_POLICY_CLASS = []


def deadline_retry_policy(deadline, clock=None, **settings):
    """azure-core's RetryPolicy (``settings``: ``retry_total``, ``retry_status``, ...) bounded by ``deadline`` (a
    ``clock()`` value): no attempt starts, no read waits and no ``Retry-After`` is slept past it, and a call that
    runs out of time fails naming itself (:class:`DeadlineExceeded`)."""
    if not _POLICY_CLASS:
        _POLICY_CLASS.append(_policy_class())
    return _POLICY_CLASS[0](deadline, clock or time.time, **settings)


def _policy_class():
    from azure.core.exceptions import ServiceRequestError, ServiceResponseError
    from azure.core.pipeline.policies import RetryPolicy

    class DeadlineRetryPolicy(RetryPolicy):
        def __init__(self, deadline, clock, **settings):
            super(DeadlineRetryPolicy, self).__init__(**settings)
            self.deadline = deadline
            self.clock = clock

        def remaining(self):
            return self.deadline - self.clock()

        def configure_retries(self, options):
            retry = super(DeadlineRetryPolicy, self).configure_retries(options)
            retry["timeout"] = max(0.0, min(retry["timeout"], self.remaining()))
            return retry

        def _configure_timeout(self, request, absolute_timeout, is_response_error):
            super(DeadlineRetryPolicy, self)._configure_timeout(request, absolute_timeout, is_response_error)
            options = request.context.options
            options["read_timeout"] = max(1.0, min(options.get("read_timeout") or READ_TIMEOUT, absolute_timeout))

        def _sleep_for_retry(self, response, transport):
            retry_after = self.get_retry_after(response)
            if retry_after and retry_after > self.remaining():
                http = response.http_request
                raise DeadlineExceeded(
                    "%s %s answered %s and asked to wait %d s before trying again (Retry-After), past the task's "
                    "deadline (%d s left)" % (http.method, _path(http.url), response.http_response.status_code,
                                              retry_after, max(0, self.remaining())))
            return super(DeadlineRetryPolicy, self)._sleep_for_retry(response, transport)

        def _sleep_backoff(self, settings, transport):
            backoff = self.get_backoff_time(settings)
            if backoff > 0:
                transport.sleep(max(0.0, min(backoff, self.remaining())))

        def send(self, request):
            started = self.clock()
            try:
                return super(DeadlineRetryPolicy, self).send(request)
            except (ServiceRequestError, ServiceResponseError) as exc:
                if self.remaining() > 1:
                    raise  # a connection failure, not the deadline
                http = request.http_request
                raise DeadlineExceeded("%s %s ran out of time after %d s (the task's deadline): %s"
                                       % (http.method, _path(http.url), self.clock() - started, exc))

    return DeadlineRetryPolicy


def _path(url):
    """``https://management.azure.com/subscriptions/...?api-version=x`` -> ``/subscriptions/...``."""
    rest = str(url).split("://", 1)[-1]
    return "/" + rest.split("/", 1)[1].split("?", 1)[0] if "/" in rest else rest


# kind -> (module to import, client class). The one table of ARM clients; ExoModule.arm_client builds them.
CLIENTS = {
    "automation": ("azure.mgmt.automation", "AutomationClient"),
    "msi": ("azure.mgmt.msi", "ManagedServiceIdentityClient"),
    "resource": ("azure.mgmt.resource.resources", "ResourceManagementClient"),
}


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
    """An SDK model in the REST shape (camelCase keys, ``properties`` nested, read-only values kept), whatever
    generation of SDK made it: msrest-style models (azure-mgmt-msi) through ``serialize(keep_readonly=True)``,
    the newer ones (azure-mgmt-automation, azure-mgmt-resource), which are REST-shaped mappings, through
    ``as_dict()``. None stays None."""
    if model is None:
        return None
    if isinstance(model, dict):
        return model
    serialize = getattr(model, "serialize", None)
    if serialize is not None:
        return serialize(keep_readonly=True)
    as_dict = getattr(model, "as_dict", None)
    if as_dict is not None:
        return as_dict()
    return dict(model)


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


__all__ = ["CLIENTS", "get_or_none", "is_not_found", "list_locations", "read_scope", "to_dict"]
