# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bottom layer: the collection's one error type, what to do about an HTTP status, and the translation of
SDK exceptions into it. Imports nothing of the collection.

Layers (each imports only the ones before it; ``tests/unit/plugins/module_utils/test_layers.py`` checks it):
errors, validation, clouds, wellknown -> waiting, auth -> arm, graph (transports) -> base (ExoModule) ->
lookups -> flow -> modules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import sys

_HINTS = {
    400: "Azure rejected the request: check the option values named in the message.",
    401: "Authentication failed: check tenant_id, client_id and the secret or certificate (or the AWX Azure "
         "credential), and that cloud / authority_host match the tenant's cloud.",
    403: "The identity lacks permission for this action: grant it a role that allows it (for example "
         "Contributor on the resource group or subscription) and re-run.",
    404: "Not found: check the names, resource group and subscription_id.",
    409: "The resource is in a conflicting state (for example still being created or deleted): wait and "
         "re-run.",
    429: "Still throttled after retries: re-run later.",
    500: "The service failed after retries: re-run; if it persists, quote the request id to Azure support.",
}


class ModuleError(Exception):
    """The one error type of the collection. Caught once, in :meth:`ExoModule.run`.

    ``message`` says what went wrong, ``hint`` what to do; ``status`` (HTTP), ``code`` (the service's error
    code) and ``request_id`` identify the failing call; ``details`` is extra data returned with the failure;
    ``option`` names the module option at fault, when there is one; ``result`` holds keys returned at the top level
    of the failed result beside ``msg`` (a failed job's ``status``, say), as the module documents them.
    """

    def __init__(self, message, status=None, code=None, request_id=None, hint=None, details=None, option=None,
                 result=None):
        super(ModuleError, self).__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.hint = hint
        self.details = details
        self.option = option
        self.result = result

    def format(self):
        text = self.message
        parts = []
        if self.status is not None:
            parts.append("HTTP %s" % self.status)
        if self.code:
            parts.append("code %s" % self.code)
        if self.request_id:
            parts.append("request id %s" % self.request_id)
        if parts:
            text = "%s (%s)" % (text.rstrip("."), ", ".join(parts))
        if self.hint:
            text = "%s. %s" % (text.rstrip("."), self.hint)
        return text

    def fail_kwargs(self):
        kwargs = dict(self.result or {})
        kwargs["msg"] = self.format()
        if self.status is not None:
            kwargs["status"] = self.status
        if self.code:
            kwargs["error_code"] = self.code
        if self.request_id:
            kwargs["request_id"] = self.request_id
        if self.option:
            kwargs["option"] = self.option
        if self.details is not None:
            kwargs["details"] = self.details
        return kwargs

    def __str__(self):
        return self.format()


def _header(headers, *names):
    if not headers:
        return None
    for name in names:
        try:
            value = headers.get(name)
        except Exception:  # noqa: BLE001
            value = None
        if value:
            return value
    return None


def hint_for(status, code=None):
    """What to do about an HTTP status / service error code."""
    if code in ("InvalidAuthenticationTokenAudience",):
        return ("The token was issued for another cloud: set cloud (or AZURE_CLOUD_ENVIRONMENT) to the cloud "
                "that serves arm_endpoint.")
    if code in ("SubscriptionNotFound", "InvalidSubscriptionId"):
        return "Check subscription_id (or AZURE_SUBSCRIPTION_ID) and that the identity can see that subscription."
    if code in ("ExpiredAuthenticationToken",):
        return "The token expired: re-run the task."
    if status is None:
        return None
    if status >= 500:
        return _HINTS[500]
    return _HINTS.get(status)


class DeadlineExceeded(ModuleError):
    """A call that could not finish within the task's deadline (its ``timeout``, 600 s by default): a request that
    did not answer in time, or a ``Retry-After`` that asks to wait beyond it."""

    def __init__(self, message, hint=None):
        super(DeadlineExceeded, self).__init__(
            message, hint=hint or "Raise the task's timeout, or re-run it later: it picks up the current state.")


# What azure-identity's token errors say, by cause (matched without regard to case; HTTP statuses as whole words,
# so that AADSTS500011 is not a 500)
_TOKEN_THROTTLED = re.compile(r"\b429\b|too many requests|throttl|aadsts50196", re.I)
_TOKEN_UNREACHABLE = re.compile(
    r"connection refused|failed to establish a new connection|name or service not known|nodename nor servname|"
    r"temporary failure in name resolution|timed out|connection aborted|connection reset|"
    r"certificate verify failed|ssl", re.I)
_TOKEN_SERVER = re.compile(r"\b50[0234]\b|internal server error|service unavailable|bad gateway|aadsts90033", re.I)


def token_hint(text):
    """The hint for a failed token request: credentials only when the answer is about them."""
    text = text or ""
    if _TOKEN_THROTTLED.search(text):
        return "The sign-in endpoint kept throttling after retries: re-run later, and run fewer tasks at once."
    if _TOKEN_UNREACHABLE.search(text):
        return ("The sign-in endpoint could not be reached: check the network, proxy (HTTPS_PROXY) and CA "
                "settings of the host that runs the module, and authority_host (or AZURE_AUTHORITY_HOST).")
    if _TOKEN_SERVER.search(text):
        return "The sign-in service failed after retries: re-run; if it persists, check the Azure status page."
    return _HINTS[401]


def error_from_exception(exc, what=None):
    """Translate an SDK exception into :class:`ModuleError`; returns None for anything else."""
    if isinstance(exc, ModuleError):
        return exc
    core = sys.modules.get("azure.core.exceptions")
    prefix = "%s: " % what if what else ""
    if core is not None and isinstance(exc, core.ClientAuthenticationError) and getattr(exc, "response", None) is None:
        # raised by azure-identity while getting a token
        text = exc.message or str(exc)
        return ModuleError(prefix + "could not get an access token: %s" % _first_line(text),
                           status=getattr(exc, "status_code", None), hint=token_hint(text))
    if core is not None and isinstance(exc, core.HttpResponseError):
        status = getattr(exc, "status_code", None)
        odata = getattr(exc, "error", None)
        code = getattr(odata, "code", None) or getattr(exc, "error_code", None)
        message = getattr(odata, "message", None) or exc.message or str(exc)
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None)
        request_id = _header(headers, "x-ms-request-id", "request-id", "x-ms-correlation-request-id")
        return ModuleError(prefix + _first_line(message), status=status, code=code, request_id=request_id,
                           hint=hint_for(status, code))
    if core is not None and isinstance(exc, (core.ServiceRequestError, core.ServiceResponseError)):
        return ModuleError(prefix + "could not reach the service: %s" % _first_line(str(exc)),
                           hint="Check the network, proxy settings, arm_endpoint / graph_endpoint / cloud, and "
                                "that REQUESTS_CA_BUNDLE trusts the endpoint's certificate.")
    return None


def _first_line(text):
    text = (text or "").strip()
    # azure-core messages repeat "Code: X\nMessage: Y" after the first line; the parts are reported separately.
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return text
    first = lines[0]
    if first.startswith("(") and ")" in first and len(lines) > 1 and lines[1].startswith("Code:"):
        first = first.split(")", 1)[1].strip() or first
    return first


__all__ = ["ModuleError", "error_from_exception", "hint_for"]
