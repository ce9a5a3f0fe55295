# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Microsoft Graph v1.0 for the identity modules: a small raw-JSON client, error parsing, replication waits,
consistent-read confirmation, and the resolution of principals, resources, app roles and Entra roles.

Why raw JSON: msgraph-sdk's typed request builders import about 1,200 model modules on the first call that
deserialises a model (0.75-1.6 s of CPU per Ansible task). The client below sends requests through the same
stack the SDK uses (msgraph-core's middleware pipeline on httpx: retry on 429/503/504 honouring Retry-After,
redirects, telemetry; kiota's request adapter; azure-identity tokens through kiota's authentication provider)
and reads the JSON itself. Nothing heavy is imported until the first request.

Retries:

* throttling and transient errors (429, 503, 504) are retried by msgraph-core's retry handler
  (``GRAPH_MAX_RETRIES`` retries, ``Retry-After`` honoured);
* Graph replication after an identity was created is handled only where it happens: reading a principal and
  writing an assignment that references it. There, 404 ``Request_ResourceNotFound`` and 400
  ``Not a valid reference update`` are retried with jittered exponential backoff (``REPLICATION_BACKOFF_*``)
  until ``principal_wait_timeout`` runs out, then the modules fail with a message saying replication did not
  finish.
* After writing, the modules read again until several consecutive reads agree (``CONFIRM_READS``), as a write
  to Entra ID is not visible to every replica at once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import gc
import json
import os
import random
import re
import sys
import time
import types

from ansible_collections.m365.exo_automation.plugins.module_utils.base import ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils import wellknown
from ansible_collections.m365.exo_automation.plugins.module_utils.arm import get_or_none

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ARM_ID_RE = re.compile(
    r"^/subscriptions/(?P<subscription>[^/]+)/resourcegroups/(?P<resource_group>[^/]+)"
    r"/providers/(?P<namespace>[^/]+)/(?P<type>[^/]+)/(?P<name>[^/]+)/?$",
    re.IGNORECASE,
)

# Default for the modules' principal_wait_timeout option: replication of a new managed identity to Graph has
# no documented bound; users report from 15 s to over 5 minutes.
PRINCIPAL_WAIT_TIMEOUT = 600
REPLICATION_BACKOFF_BASE = 2.0    # first wait, seconds
REPLICATION_BACKOFF_CAP = 20.0    # longest single wait, seconds
GRAPH_MAX_RETRIES = 6             # retries of 429/503/504 by the SDK retry handler
CONFIRM_READS = 3                 # consecutive consistent reads after a write
CONFIRM_INTERVAL = 1.0            # seconds between confirmation reads
CONFIRM_TIMEOUT = 120             # seconds
MAX_PAGES = 500

REPLICATION_HINT = (
    "A new managed identity usually becomes visible to Graph within minutes: re-run the task or raise "
    "principal_wait_timeout. If the identity is not new, check the id.")


def is_guid(value):
    return isinstance(value, str) and bool(GUID_RE.match(value.strip()))


def odata_quote(value):
    """An OData string literal: ``it's`` -> ``'it''s'``."""
    return "'" + str(value).replace("'", "''") + "'"


def closest(value, candidates, n=5):
    """Up to ``n`` candidates that look like ``value`` (case-insensitive), best first."""
    lowered = {}
    for cand in candidates:
        lowered.setdefault(str(cand).lower(), cand)
    matches = difflib.get_close_matches(str(value).lower(), list(lowered), n=n, cutoff=0.5)
    return [lowered[m] for m in matches]


def graph_base_url(endpoint):
    """``https://graph.microsoft.com`` -> ``https://graph.microsoft.com/v1.0`` (an explicit version is kept)."""
    url = (endpoint or "https://graph.microsoft.com").strip().rstrip("/")
    if re.search(r"/(v1\.0|beta)$", url):
        return url
    return url + "/v1.0"


class GraphError(ModuleError):
    """A failed Graph request: HTTP ``status``, Graph ``code`` (``error.code``), ``request_id``
    (``error.innerError.request-id`` or the ``request-id`` header) and Graph's own ``graph_message``."""

    def __init__(self, message, status=None, code=None, request_id=None, hint=None, details=None, option=None,
                 method=None, path=None, graph_message=None):
        super(GraphError, self).__init__(message, status=status, code=code, request_id=request_id, hint=hint,
                                         details=details, option=option)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.hint = hint
        self.details = details
        self.option = option
        self.method = method
        self.path = path
        self.graph_message = graph_message if graph_message is not None else message

    @classmethod
    def from_response(cls, method, path, status, headers, data, text=None):
        code = None
        graph_message = None
        request_id = None
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            err = data["error"]
            code = err.get("code")
            graph_message = err.get("message")
            inner = err.get("innerError") or err.get("innererror") or {}
            if isinstance(inner, dict):
                request_id = inner.get("request-id") or inner.get("requestId")
        if not request_id and headers is not None:
            request_id = headers.get("request-id") or headers.get("x-ms-request-id")
        if not graph_message:
            graph_message = (text or "").strip()[:500] or "no error details in the response"
        message = "Microsoft Graph %s %s failed: %s" % (method, path, graph_message)
        hint = None
        if status == 403:
            hint = ("The identity that runs the task lacks a Graph permission: granting app roles needs "
                    "AppRoleAssignment.ReadWrite.All (and Application.Read.All), creating service principals "
                    "Application.ReadWrite.All, assigning Entra roles RoleManagement.ReadWrite.Directory.")
        elif status == 429:
            hint = "Graph kept throttling after %d retries; try again later." % GRAPH_MAX_RETRIES
        return cls(message, status=status, code=code, request_id=request_id, hint=hint, method=method, path=path,
                   graph_message=graph_message)

    def is_not_found(self):
        return self.status == 404

    def is_replication_delay(self):
        """404 Request_ResourceNotFound, or 400 "Not a valid reference update": Graph does not know an object
        yet (or at all)."""
        # A 404 without Graph's error code (a proxy, a wrong graph_endpoint) is not replication: fail at once.
        if self.status == 404 and self.code in ("Request_ResourceNotFound", "ResourceNotFound"):
            return True
        if self.status == 400 and "not a valid reference update" in (self.graph_message or "").lower():
            return True
        return False

    def is_duplicate(self):
        """Graph refuses a grant or role assignment that exists already."""
        text = (self.graph_message or "").lower()
        return self.status in (400, 409) and (
            "already exists" in text or "conflicting object" in text or "already in use" in text)


class ReplicationTimeout(GraphError):
    """The wait for Graph replication ran out."""


def _lighten_http_imports():
    """Skip two imports a module never uses, about 0.1 s of CPU per task together:

    * ``import httpx`` also imports httpx's command-line entry point, and with it click, rich and pygments when
      they are installed: a stand-in is registered before httpx is first imported;
    * httpcore imports the HTTP/2 stack (h2, hpack, hyperframe) when it is installed, although the client below
      speaks HTTP/1.1 (``http2=False``): marking h2 as absent makes httpcore use its placeholder.

    Nothing changes once httpx or httpcore are imported already (for example in a test process)."""
    if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
        stub = types.ModuleType("httpx._main")

        def main(*args, **kwargs):
            raise RuntimeError("the httpx command line is not available inside an Ansible module")

        stub.main = main
        sys.modules["httpx._main"] = stub
    if "httpcore" not in sys.modules and "h2" not in sys.modules:
        sys.modules["h2"] = None


class GraphClient:
    """Raw-JSON Microsoft Graph client on msgraph-sdk's HTTP stack. One event loop per module run.

    ``credential``: an azure-identity TokenCredential; ``base_url``: the cloud's Graph endpoint (``/v1.0`` is
    appended unless a version is given); ``scopes``: token scopes (e.g. ``https://graph.microsoft.com/.default``).
    ``transport`` (an httpx async transport) and ``sleep``/``clock`` exist for tests.
    """

    def __init__(self, credential, base_url, scopes, module=None, timeout=60, transport=None,
                 max_retries=GRAPH_MAX_RETRIES, sleep=None, clock=None):
        self.credential = credential
        self.base_url = graph_base_url(base_url)
        self.scopes = list(scopes or [])
        self.module = module
        self.timeout = timeout
        self.max_retries = max_retries
        self.sleep = sleep or time.sleep
        self.clock = clock or time.monotonic
        self.log = []  # (method, path, status) of every request, for troubleshooting and tests
        self._transport = transport
        self._loop = None
        self._http = None
        self._adapter = None

    # -- transport ------------------------------------------------------------------------------
    def _ensure(self):
        if self._adapter is not None:
            return
        if self.module is not None:
            _lighten_http_imports()
        import asyncio
        import ssl
        from urllib.parse import urlsplit

        import httpx
        from kiota_authentication_azure.azure_identity_authentication_provider import (
            AzureIdentityAuthenticationProvider,
        )
        from kiota_http.httpx_request_adapter import HttpxRequestAdapter
        from kiota_http.middleware.options import RetryHandlerOption
        from msgraph_core import GraphClientFactory

        kwargs = dict(timeout=httpx.Timeout(self.timeout, connect=min(30, self.timeout)))
        if self._transport is not None:
            kwargs["transport"] = self._transport
        elif not os.environ.get("SSL_CERT_FILE") and os.environ.get("REQUESTS_CA_BUNDLE"):
            # azure-core trusts REQUESTS_CA_BUNDLE, httpx SSL_CERT_FILE: trust the same CA for both APIs.
            kwargs["verify"] = ssl.create_default_context(cafile=os.environ["REQUESTS_CA_BUNDLE"])
        http = httpx.AsyncClient(http2=False, **kwargs)
        retry = RetryHandlerOption(max_retries=self.max_retries)
        self._http = GraphClientFactory.create_with_default_middleware(
            client=http, options={RetryHandlerOption.get_key(): retry})
        host = urlsplit(self.base_url).hostname
        auth = AzureIdentityAuthenticationProvider(self.credential, scopes=self.scopes, allowed_hosts=[host])
        self._adapter = HttpxRequestAdapter(auth, http_client=self._http)
        self._loop = asyncio.new_event_loop()

    async def _send(self, method, url, body):
        from kiota_abstractions.method import Method
        from kiota_abstractions.native_response_handler import NativeResponseHandler
        from kiota_abstractions.request_information import RequestInformation
        from kiota_http.middleware.options import ResponseHandlerOption

        info = RequestInformation()
        info.http_method = Method(method)
        info.url = url
        info.headers.try_add("Accept", "application/json")
        if body is not None:
            info.set_stream_content(json.dumps(body).encode("utf-8"), "application/json")
        info.add_request_options([ResponseHandlerOption(NativeResponseHandler())])
        return await self._adapter.send_primitive_async(info, "bytes", None)

    def url(self, path, params=None):
        if path.startswith("https://") or path.startswith("http://"):
            url = path
        else:
            url = self.base_url + "/" + path.lstrip("/")
        if params:
            from urllib.parse import quote

            query = "&".join(
                "%s=%s" % (quote(str(k), safe="$"), quote(str(v), safe="$'(),:/@=")) for k, v in params.items()
                if v is not None)
            if query:
                url += ("&" if "?" in url else "?") + query
        return url

    def request(self, method, path, params=None, body=None):
        """One request; returns the parsed JSON body (None when empty). Raises GraphError on a 4xx/5xx."""
        self._ensure()
        url = self.url(path, params)
        shown = path if not path.startswith("http") else url.replace(self.base_url, "")
        import httpx

        try:
            response = self._loop.run_until_complete(self._send(method, url, body))
        except httpx.TimeoutException as err:
            raise GraphError("Microsoft Graph %s %s timed out after %s s: %s" % (method, shown, self.timeout, err),
                             method=method, path=shown)
        except httpx.TransportError as err:
            raise GraphError("Could not reach Microsoft Graph at %s: %s" % (self.base_url, err),
                             method=method, path=shown,
                             hint="Check graph_endpoint / the cloud option, the network and the CA bundle "
                                  "(SSL_CERT_FILE / REQUESTS_CA_BUNDLE).")
        status = response.status_code
        self.log.append((method, shown, status))
        content = response.content or b""
        data = None
        text = None
        if content:
            text = content.decode("utf-8", "replace")
            try:
                data = json.loads(text)
            except ValueError:
                data = None
        if status >= 400:
            raise GraphError.from_response(method, shown, status, response.headers, data, text)
        return data

    def get(self, path, params=None):
        return self.request("GET", path, params=params)

    def list(self, path, params=None):
        """All items of a collection, following ``@odata.nextLink``."""
        items = []
        page = self.get(path, params)
        pages = 1
        while True:
            items.extend((page or {}).get("value") or [])
            link = (page or {}).get("@odata.nextLink")
            if not link or pages >= MAX_PAGES:
                return items
            page = self.get(link)
            pages += 1

    def post(self, path, body):
        return self.request("POST", path, body=body)

    def patch(self, path, body):
        return self.request("PATCH", path, body=body)

    def delete(self, path, missing_ok=True):
        """DELETE; returns False when the object was already gone (404) and ``missing_ok``."""
        try:
            self.request("DELETE", path)
        except GraphError as err:
            if missing_ok and err.is_not_found():
                return False
            raise
        return True

    def writes(self):
        return [entry for entry in self.log if entry[0] not in ("GET", "HEAD")]

    def close(self):
        """Close the HTTP client and the event loop. In a module run (``module`` given) the process ends right
        after: freezing the objects spares the interpreter's final garbage collection over the thousands of
        objects the SDKs create (about 0.15 s of CPU per task)."""
        if self._loop is None:
            return
        try:
            if self._http is not None:
                self._loop.run_until_complete(self._http.aclose())
        finally:
            self._loop.close()
            self._loop = None
            self._adapter = None
            self._http = None
            if self.module is not None and hasattr(gc, "freeze"):
                gc.freeze()

    # -- waiting --------------------------------------------------------------------------------
    def backoff(self, attempt):
        """Jittered exponential backoff: base * 2**attempt, capped, times a random factor in [0.5, 1]."""
        delay = min(REPLICATION_BACKOFF_CAP, REPLICATION_BACKOFF_BASE * (2 ** attempt))
        return delay * random.uniform(0.5, 1.0)

    def retry_replication(self, fn, timeout, what, on_first_miss=None, option=None):
        """Call ``fn()``; while it raises a replication error (see GraphError.is_replication_delay), wait and
        call it again until ``timeout`` seconds have passed, then raise ReplicationTimeout about ``what``.
        ``on_first_miss(err)`` runs once after the first miss (to fail fast on ids of the wrong kind)."""
        started = self.clock()
        attempt = 0
        while True:
            try:
                return fn()
            except GraphError as err:
                if not err.is_replication_delay():
                    raise
                if attempt == 0 and on_first_miss is not None:
                    on_first_miss(err)
                waited = self.clock() - started
                remaining = timeout - waited
                if remaining <= 0:
                    raise ReplicationTimeout(
                        "%s: still unknown to Microsoft Graph after waiting %d s (principal_wait_timeout=%s); "
                        "replication did not finish. Last answer: %s"
                        % (what, int(waited), timeout, err.graph_message),
                        status=err.status, code=err.code, request_id=err.request_id, hint=REPLICATION_HINT,
                        method=err.method, path=err.path, graph_message=err.graph_message, option=option)
                self.sleep(min(self.backoff(attempt), remaining))
                attempt += 1

    def confirm(self, read, check, what, reads=CONFIRM_READS, interval=CONFIRM_INTERVAL, timeout=CONFIRM_TIMEOUT):
        """Read until ``check(read())`` holds for ``reads`` consecutive reads; returns the last read. Raises
        GraphError when that does not happen within ``timeout`` seconds."""
        started = self.clock()
        agreed = 0
        attempt = 0
        while True:
            state = read()
            if check(state):
                agreed += 1
                if agreed >= reads:
                    return state
                self.sleep(interval)
                continue
            agreed = 0
            if self.clock() - started >= timeout:
                raise GraphError(
                    "%s: the change was written but Microsoft Graph did not show it consistently within %d s"
                    % (what, timeout),
                    hint="Graph replicates writes asynchronously; run the task again to confirm.")
            self.sleep(min(self.backoff(attempt), CONFIRM_INTERVAL * 5))
            attempt += 1

    # -- service principals ---------------------------------------------------------------------
    def get_service_principal(self, object_id, select=None):
        """The service principal with this object id, or None."""
        try:
            return self.get("/servicePrincipals/" + object_id, {"$select": select} if select else None)
        except GraphError as err:
            if err.is_not_found():
                return None
            raise

    def find_service_principal_by_app_id(self, app_id):
        found = self.list("/servicePrincipals", {"$filter": "appId eq " + odata_quote(app_id)})
        return found[0] if found else None

    def find_service_principals_by_display_name(self, name):
        return self.list("/servicePrincipals", {"$filter": "displayName eq " + odata_quote(name)})

    def wait_for_principal(self, object_id, timeout=PRINCIPAL_WAIT_TIMEOUT, option="principal"):
        """Wait until Graph knows the service principal ``object_id`` (replication), return it.

        A client (application) id passed where the object id belongs fails at once with an explanation."""

        def fetch():
            return self.get("/servicePrincipals/" + object_id)

        def wrong_kind(err):
            other = self.find_service_principal_by_app_id(object_id)
            if other and other.get("id") != object_id:
                raise ModuleError(
                    "option '%s': %s is the application (client) id of the service principal '%s', not its "
                    "object id. Graph identifies principals by object id (for a managed identity: its principal "
                    "id): use %s, or pass the managed identity's ARM resource id instead."
                    % (option, object_id, other.get("displayName"), other.get("id")), option=option)

        return self.retry_replication(
            fetch, timeout, "option '%s': service principal %s" % (option, object_id), on_first_miss=wrong_kind,
            option=option)


# -- shaping ---------------------------------------------------------------------------------------
def app_role_facts(role):
    return {
        "id": role.get("id"),
        "value": role.get("value"),
        "display_name": role.get("displayName"),
        "description": role.get("description"),
        "allowed_member_types": role.get("allowedMemberTypes") or [],
        "is_enabled": role.get("isEnabled", True),
    }


def service_principal_facts(sp):
    return {
        "id": sp.get("id"),
        "app_id": sp.get("appId"),
        "display_name": sp.get("displayName"),
        "service_principal_type": sp.get("servicePrincipalType"),
        "account_enabled": sp.get("accountEnabled"),
        "app_owner_organization_id": sp.get("appOwnerOrganizationId"),
        "alternative_names": sp.get("alternativeNames") or [],
        "app_roles": [app_role_facts(r) for r in (sp.get("appRoles") or [])],
    }


# -- resolution ------------------------------------------------------------------------------------
def check_guid(value, option):
    """Raise a ModuleError naming ``option`` when ``value`` is not a GUID."""
    if not is_guid(value):
        raise ModuleError("option '%s': '%s' is not a valid GUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
                          % (option, value), option=option)
    return value.strip().lower()


def looks_like_guid(value):
    """A value that tries to be a GUID (hex and dashes only) but may be malformed."""
    text = str(value).strip()
    return bool(re.match(r"^[0-9a-fA-F-]{20,}$", text) or
                re.match(r"^[0-9a-zA-Z]{6,10}(-[0-9a-zA-Z]{2,6}){3}-[0-9a-zA-Z]{8,14}$", text))


def resolve_resource(graph, value, option="resource"):
    """Find the service principal named by ``value``: a well-known name, an appId or an object id.

    Returns ``(sp or None, app_id or None)``: ``app_id`` is known for well-known names and appIds even when the
    tenant lacks the service principal (so callers can explain or create it)."""
    value = str(value).strip()
    app_id = wellknown.app_id_for(value)
    if app_id:
        return graph.find_service_principal_by_app_id(app_id), app_id
    if looks_like_guid(value):
        guid = check_guid(value, option)
        sp = graph.find_service_principal_by_app_id(guid)
        if sp:
            return sp, guid
        sp = graph.get_service_principal(guid)
        if sp:
            return sp, sp.get("appId")
        return None, guid if guid in wellknown.FIRST_PARTY_APPS else None
    found = graph.find_service_principals_by_display_name(value)
    if len(found) > 1:
        raise ModuleError("option '%s': %d service principals are named '%s'; use an appId or object id: %s"
                          % (option, len(found), value, ", ".join(
                              "%s (appId %s)" % (sp.get("id"), sp.get("appId")) for sp in found)), option=option)
    if found:
        return found[0], found[0].get("appId")
    return None, None


def missing_resource_error(value, app_id, option="resource"):
    if app_id:
        return ModuleError(
            "option '%s': the tenant has no service principal for '%s' (appId %s). Create it first with "
            "m365.exo_automation.service_principal (app_id: %s, state: present); this is the documented fix when "
            "Get-MgServicePrincipal -Filter \"AppId eq '%s'\" returns nothing." % (option, value, app_id, app_id, app_id),
            option=option)
    return ModuleError(
        "option '%s': no service principal matches '%s' (tried well-known names %s, appId, object id and display "
        "name)." % (option, value, ", ".join(wellknown.well_known_names())), option=option)


def resolve_app_roles(values, app_roles, option="app_roles", resource_name=None):
    """Map role values (``Exchange.ManageAsApp``) or ids to app role dicts ``{id, value, ...}`` of a resource.

    ``app_roles``: the resource's appRoles (Graph shape). Unknown values fail with the allowed values and the
    closest matches; roles that an application cannot hold fail too."""
    by_value = {}
    by_lower = {}
    by_id = {}
    for role in app_roles:
        if role.get("value"):
            by_value[role["value"]] = role
            by_lower.setdefault(role["value"].lower(), []).append(role)
        by_id[str(role.get("id")).lower()] = role
    resolved = []
    errors = []
    for value in values:
        key = str(value).strip()
        role = by_value.get(key) or by_id.get(key.lower())
        if role is None and len(by_lower.get(key.lower(), [])) == 1:
            role = by_lower[key.lower()][0]
        if role is None:
            if looks_like_guid(key) and not is_guid(key):
                errors.append("'%s' is not a valid GUID" % key)
                continue
            allowed = sorted(by_value)
            near = closest(key, allowed)
            errors.append("'%s' is not an app role of %s%s; allowed: %s" % (
                key, resource_name or "the resource", (" (closest: %s)" % ", ".join(near)) if near else "",
                ", ".join(allowed) if len(allowed) <= 40 else ", ".join(allowed[:40]) + ", ... (%d in all)" % len(allowed)))
            continue
        members = role.get("allowedMemberTypes")
        if members and "Application" not in members:
            errors.append("app role '%s' can only be assigned to %s, not to a service principal"
                          % (role.get("value") or role.get("id"), " and ".join(members)))
            continue
        if role.get("isEnabled") is False:
            errors.append("app role '%s' is disabled on %s"
                          % (role.get("value") or role.get("id"), resource_name or "the resource"))
            continue
        if role not in resolved:
            resolved.append(role)
    if errors:
        raise ModuleError("option '%s': %s" % (option, "; ".join(errors)), option=option)
    return resolved


def resolve_directory_roles(values, definitions, option="roles"):
    """Map Entra role display names (case-insensitive) or template/definition ids to role definitions.

    Unknown names fail with the closest valid names."""
    by_name = {}
    by_id = {}
    for d in definitions:
        if d.get("displayName"):
            by_name.setdefault(d["displayName"].lower(), d)
        for key in ("id", "templateId"):
            if d.get(key):
                by_id.setdefault(str(d[key]).lower(), d)
    resolved = []
    errors = []
    names = sorted(d.get("displayName") for d in definitions if d.get("displayName"))
    for value in values:
        key = str(value).strip()
        d = by_name.get(key.lower()) or by_id.get(key.lower())
        if d is None:
            if looks_like_guid(key):
                if not is_guid(key):
                    errors.append("'%s' is not a valid GUID" % key)
                else:
                    errors.append("no Entra role definition has the id or template id %s" % key)
                continue
            near = closest(key, names)
            errors.append("unknown Entra role '%s'%s" % (
                key, ("; closest valid names: %s" % ", ".join(near)) if near else
                "; see roleManagement/directory/roleDefinitions for the %d valid names" % len(names)))
            continue
        if d not in resolved:
            resolved.append(d)
    if errors:
        raise ModuleError("option '%s': %s" % (option, "; ".join(errors)), option=option)
    return resolved


def parse_arm_id(value):
    """``/subscriptions/../resourceGroups/../providers/NS/type/name`` -> dict, or None."""
    match = ARM_ID_RE.match(str(value).strip())
    return match.groupdict() if match else None


def _arm_client(m, kind, subscription):
    """An SDK client for ``subscription``: the task's client when the resource id names the task's subscription,
    otherwise one for the subscription in the resource id (Graph modules need no subscription_id of their own)."""
    try:
        current = m.subscription_id()
    except ModuleError:
        current = None
    if current and current.lower() == subscription.lower():
        return m.automation_client() if kind == "automation" else m.msi_client()
    if kind == "automation":
        module = m.require("azure.mgmt.automation")
        client = module.AutomationClient(m.credential(), subscription, **m.arm_client_kwargs())
    else:
        module = m.require("azure.mgmt.msi")
        client = module.ManagedServiceIdentityClient(m.credential(), subscription, **m.arm_client_kwargs())
    m.add_closer(client.close)
    return client


def resolve_principal(m, value, option="principal"):
    """Resolve a principal given as an object id GUID or as the ARM resource id of a managed identity.

    Returns ``{"id", "source", "resource_id", "client_id"}``; ``id`` is None when the ARM resource (or its
    identity) does not exist yet, which callers accept only in check mode."""
    text = str(value or "").strip()
    if not text:
        raise ModuleError("option '%s' is required: an object id or the ARM resource id of an Automation account "
                          "or user-assigned managed identity" % option, option=option)
    if not text.startswith("/"):
        return {"id": check_guid(text, option), "source": "object_id", "resource_id": None, "client_id": None}
    arm = parse_arm_id(text)
    supported = "Microsoft.Automation/automationAccounts (system-assigned identity) or " \
                "Microsoft.ManagedIdentity/userAssignedIdentities"
    if not arm:
        raise ModuleError("option '%s': '%s' is neither an object id nor an ARM resource id of the form "
                          "/subscriptions/<id>/resourceGroups/<group>/providers/<type>/<name> (%s)"
                          % (option, text, supported), option=option)
    rtype = (arm["namespace"] + "/" + arm["type"]).lower()

    if rtype == "microsoft.automation/automationaccounts":
        client = _arm_client(m, "automation", arm["subscription"])
        account = get_or_none(client.automation_account.get, arm["resource_group"], arm["name"])
        if account is None:
            return {"id": None, "source": "automation_account", "resource_id": text, "client_id": None,
                    "missing": "the Automation account %s does not exist" % text}
        identity = getattr(account, "identity", None)
        principal_id = getattr(identity, "principal_id", None) if identity is not None else None
        itype = str(getattr(identity, "type", "") or "") if identity is not None else ""
        if not principal_id:
            return {"id": None, "source": "automation_account", "resource_id": text, "client_id": None,
                    "missing": "the Automation account %s has no system-assigned managed identity (identity type "
                               "'%s'); enable it (m365.exo_automation.automation_account identity: system) or name "
                               "the user-assigned identity's resource id" % (text, itype or "None")}
        return {"id": principal_id.lower(), "source": "automation_account", "resource_id": text,
                "client_id": None}
    if rtype == "microsoft.managedidentity/userassignedidentities":
        client = _arm_client(m, "msi", arm["subscription"])
        uai = get_or_none(client.user_assigned_identities.get, arm["resource_group"], arm["name"])
        if uai is None:
            return {"id": None, "source": "user_assigned_identity", "resource_id": text, "client_id": None,
                    "missing": "the user-assigned identity %s does not exist" % text}
        return {"id": (uai.principal_id or "").lower() or None, "source": "user_assigned_identity",
                "resource_id": text, "client_id": uai.client_id,
                "missing": None if uai.principal_id else "the identity %s has no principal id yet" % text}
    raise ModuleError("option '%s': resource type %s/%s has no managed identity this collection can resolve; "
                      "supported: %s" % (option, arm["namespace"], arm["type"], supported), option=option)


def require_principal(m, principal, option="principal"):
    """The object id of a resolved principal. A missing identity fails, except in check mode, where the
    caller predicts a change (the identity may be created by an earlier task of the same run) and warns."""
    if principal.get("id"):
        return principal["id"]
    reason = principal.get("missing") or "the principal does not exist"
    if m.check_mode:
        m.warn("option '%s': %s; in check mode the grants are predicted as changes." % (option, reason))
        return None
    raise ModuleError("option '%s': %s" % (option, reason), option=option)


# -- assignments ---------------------------------------------------------------------------------------
ROLE_DEFINITION_SELECT = "id,displayName,templateId,isBuiltIn,isEnabled,description"


def list_role_definitions(graph):
    """Entra role definitions (built-in and custom) of the tenant."""
    return graph.list("/roleManagement/directory/roleDefinitions", {"$select": ROLE_DEFINITION_SELECT})


def list_app_role_assignments(graph, principal_id, resource_id=None):
    """App roles granted to ``principal_id`` (a service principal), optionally only on ``resource_id``."""
    items = graph.list("/servicePrincipals/%s/appRoleAssignments" % principal_id)
    if resource_id:
        items = [a for a in items if str(a.get("resourceId", "")).lower() == resource_id.lower()]
    return items


def list_directory_role_assignments(graph, principal_id=None, role_definition_id=None):
    """Entra role assignments of a principal, or of a role definition."""
    if principal_id:
        flt = "principalId eq " + odata_quote(principal_id)
    else:
        flt = "roleDefinitionId eq " + odata_quote(role_definition_id)
    return graph.list("/roleManagement/directory/roleAssignments", {"$filter": flt})


def app_role_assignment_facts(a, role_values=None):
    """Snake-case facts of an appRoleAssignment; ``role_values`` maps lower-cased app role ids to values."""
    role_id = a.get("appRoleId")
    return {
        "id": a.get("id"),
        "app_role_id": role_id,
        "app_role_value": (role_values or {}).get(str(role_id).lower()),
        "principal_id": a.get("principalId"),
        "principal_display_name": a.get("principalDisplayName"),
        "principal_type": a.get("principalType"),
        "resource_id": a.get("resourceId"),
        "resource_display_name": a.get("resourceDisplayName"),
        "created_date_time": a.get("createdDateTime"),
    }


def directory_role_assignment_facts(a, definitions_by_id=None):
    d = (definitions_by_id or {}).get(str(a.get("roleDefinitionId")).lower()) or {}
    return {
        "id": a.get("id"),
        "role_definition_id": a.get("roleDefinitionId"),
        "role_display_name": d.get("displayName"),
        "role_template_id": d.get("templateId"),
        "principal_id": a.get("principalId"),
        "directory_scope_id": a.get("directoryScopeId"),
    }


def exchange_online_accepts(assignments):
    """True when one of ``assignments`` (Graph shape) is a tenant-wide Entra role that Exchange Online accepts
    for app-only access."""
    accepted = set(wellknown.EXCHANGE_ONLINE_ACCEPTED_ROLE_IDS)
    return any(str(a.get("roleDefinitionId")).lower() in accepted and (a.get("directoryScopeId") or "/") == "/"
               for a in assignments)
