# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Microsoft Graph transport: :class:`GraphClient` on msgraph-sdk, and :class:`GraphError`.
Principals, resources, app roles and Entra roles are looked up in module_utils.lookups, on top of this.

Every request is built with msgraph-sdk's request builders (paths, ``$filter``/``$select``/``$top``, typed
request bodies) and sent through the stack the SDK itself uses: msgraph-core's middleware pipeline on httpx
(retry on the transient statuses honouring Retry-After, redirects, telemetry), kiota's request adapter, azure-identity
tokens through kiota's authentication provider. Answers are read as JSON with kiota's native response handler
instead of the SDK's typed models: deserialising one response into its models imports about 1,200 model modules
(0.75-1.6 s of CPU per Ansible task), the request builders cost about 0.06 s. Nothing of the SDK is imported
until the first request.

Throttling and transient errors are retried by msgraph-core's retry handler (``GRAPH_MAX_RETRIES`` retries,
``Retry-After`` honoured), on the statuses azure-core retries for ARM (``TRANSIENT_STATUS``: kiota's own default
leaves out 408, 500 and 502). Replication delays are not a transport matter:
:meth:`GraphError.is_replication_delay` names them, and module_utils.lookups waits them out with
module_utils.waiting.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import dataclasses
import gc
import importlib
import json
import os
import re
import sys
import time
import types
import uuid

from ansible_collections.m365.exo_automation.plugins.module_utils.errors import DeadlineExceeded, ModuleError

GRAPH_MAX_RETRIES = 6             # retries of TRANSIENT_STATUS by the SDK retry handler
# The statuses azure-core's RetryPolicy retries (ARM); Graph answers the same way, so one set serves both.
TRANSIENT_STATUS = frozenset([408, 429, 500, 502, 503, 504])
# kiota's retry handler gives up at once when Retry-After asks for this many seconds or more
GRAPH_MAX_RETRY_AFTER = 180
MAX_PAGES = 500


def odata_quote(value):
    """An OData string literal: ``it's`` -> ``'it''s'``."""
    return "'" + str(value).replace("'", "''") + "'"


def graph_base_url(endpoint):
    """``https://graph.microsoft.com`` -> ``https://graph.microsoft.com/v1.0`` (an explicit version is kept)."""
    url = (endpoint or "https://graph.microsoft.com").strip().rstrip("/")
    if re.search(r"/(v1\.0|beta)$", url):
        return url
    return url + "/v1.0"


def _transient_hint(status, headers):
    """What to say of a throttled or transient answer that survived the retries: how many were made."""
    what = "throttling" if status == 429 else "answering %s" % status
    retry_after = None
    try:
        retry_after = float((headers or {}).get("Retry-After"))
    except (TypeError, ValueError):
        pass
    if retry_after is not None and retry_after >= GRAPH_MAX_RETRY_AFTER:
        return ("Graph asked to wait %d s before trying again (Retry-After), longer than a task waits, so the "
                "request was not retried; try again later." % retry_after)
    return "Graph kept %s after %d retries; try again later." % (what, GRAPH_MAX_RETRIES)


class GraphError(ModuleError):
    """A failed Graph request: HTTP ``status``, Graph ``code`` (``error.code``), ``request_id``
    (``error.innerError.request-id`` or the ``request-id`` header) and Graph's own ``graph_message``."""

    def __init__(self, message, status=None, code=None, request_id=None, hint=None, details=None, option=None,
                 method=None, path=None, graph_message=None):
        super(GraphError, self).__init__(message, status=status, code=code, request_id=request_id, hint=hint,
                                         details=details, option=option)
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
        elif status in TRANSIENT_STATUS:
            hint = _transient_hint(status, headers)
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


def lighten_http_imports():
    """Skip two imports a module never uses, about 0.04 s of CPU per Graph task together (make bench):

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
    """Microsoft Graph client: requests are built with msgraph-sdk's request builders, sent through
    msgraph-core's middleware pipeline, and answered as JSON (kiota's native response handler). One event loop
    per module run.

    ``credential``: an azure-identity TokenCredential; ``base_url``: the cloud's Graph endpoint (``/v1.0`` is
    appended unless a version is given); ``scopes``: token scopes (e.g. ``https://graph.microsoft.com/.default``).
    ``transport`` (an httpx async transport) exists for tests. ``deadline`` (a ``time.time()`` value, the task's
    deadline) bounds each request with its retries and Retry-After waits, as it bounds the ARM clients': a call
    still running then is cancelled and fails naming itself (:class:`DeadlineExceeded`).

    Requests take a request builder, reached from a root of the API::

        graph.get(graph.service_principals().by_service_principal_id(object_id), select=["id", "appRoles"])
        graph.list(graph.service_principals(), filter="appId eq '...'")
        graph.post(graph.directory_role_management().role_assignments,
                   graph.model("UnifiedRoleAssignment", principal_id=..., role_definition_id=..., directory_scope_id="/"))
        graph.delete(graph.service_principals().by_service_principal_id(object_id))
    """

    def __init__(self, credential, base_url, scopes, module=None, timeout=60, transport=None,
                 max_retries=GRAPH_MAX_RETRIES, deadline=None, clock=time.time):
        self.credential = credential
        self.base_url = graph_base_url(base_url)
        self.scopes = list(scopes or [])
        self.module = module
        self.timeout = timeout
        self.max_retries = max_retries
        self.deadline = deadline
        self._asked_past_deadline = None  # (seconds, asked by Retry-After) of a retry that would end too late
        self.clock = clock
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
            lighten_http_imports()
        import asyncio
        import ssl
        from urllib.parse import urlsplit

        import httpx
        from kiota_authentication_azure.azure_identity_authentication_provider import (
            AzureIdentityAuthenticationProvider,
        )
        from kiota_http.httpx_request_adapter import HttpxRequestAdapter
        from kiota_http.kiota_client_factory import KiotaClientFactory
        from kiota_http.middleware import RetryHandler
        from kiota_http.middleware.options import RetryHandlerOption
        from kiota_serialization_json.json_serialization_writer_factory import JsonSerializationWriterFactory
        from msgraph_core import GraphClientFactory
        from msgraph_core.middleware import GraphTelemetryHandler

        kwargs = dict(timeout=httpx.Timeout(self.timeout, connect=min(30, self.timeout)))
        if self._transport is not None:
            kwargs["transport"] = self._transport
        elif not os.environ.get("SSL_CERT_FILE") and os.environ.get("REQUESTS_CA_BUNDLE"):
            # azure-core trusts REQUESTS_CA_BUNDLE, httpx SSL_CERT_FILE: trust the same CA for both APIs.
            kwargs["verify"] = ssl.create_default_context(cafile=os.environ["REQUESTS_CA_BUNDLE"])
        http = httpx.AsyncClient(http2=False, **kwargs)
        # msgraph-core's default pipeline (kiota's middleware + Graph telemetry), its retry handler retrying what
        # the ARM clients retry
        middleware = KiotaClientFactory.get_default_middleware(
            {RetryHandlerOption.get_key(): RetryHandlerOption(max_retries=self.max_retries)})
        for handler in middleware:
            if isinstance(handler, RetryHandler):
                handler.retry_on_status_codes = set(TRANSIENT_STATUS)
                handler.get_delay_time = self._within_deadline(handler.get_delay_time, RetryHandlerOption.MAX_DELAY)
        middleware.append(GraphTelemetryHandler())
        self._http = GraphClientFactory.create_with_custom_middleware(middleware, client=http)
        host = urlsplit(self.base_url).hostname
        # Without continuous access evaluation, as the ARM clients ask: azure-identity keeps an MSAL client and a
        # token cache per CAE setting, so mixing both in one task would build (and discover the tenant) twice.
        auth = AzureIdentityAuthenticationProvider(self.credential, scopes=self.scopes, allowed_hosts=[host],
                                                   is_cae_enabled=False)
        self._adapter = HttpxRequestAdapter(auth, serialization_writer_factory=JsonSerializationWriterFactory(),
                                            http_client=self._http)
        self._adapter.base_url = self.base_url  # the adapter fills the builders' {+baseurl} with it
        self._loop = asyncio.new_event_loop()

    # -- request builders -------------------------------------------------------------------------
    def _root(self, module_name, class_name):
        self._ensure()
        module = importlib.import_module("msgraph.generated." + module_name)
        return getattr(module, class_name)(self._adapter, {})

    def service_principals(self):
        """``/servicePrincipals``: msgraph-sdk's ServicePrincipalsRequestBuilder."""
        return self._root("service_principals.service_principals_request_builder",
                          "ServicePrincipalsRequestBuilder")

    def directory_role_management(self):
        """``/roleManagement/directory``: msgraph-sdk's DirectoryRequestBuilder (``role_assignments``,
        ``role_definitions``)."""
        return self._root("role_management.directory.directory_request_builder", "DirectoryRequestBuilder")

    def organization(self):
        """``/organization``: msgraph-sdk's OrganizationRequestBuilder."""
        return self._root("organization.organization_request_builder", "OrganizationRequestBuilder")

    @staticmethod
    def model(name, **fields):
        """A msgraph-sdk model for a request body: ``model("AppRoleAssignment", principal_id="...")``.
        GUID strings of UUID-typed fields become UUIDs."""
        module = importlib.import_module("msgraph.generated.models." + re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower())
        cls = getattr(module, name)
        types_ = dict((f.name, str(f.type)) for f in dataclasses.fields(cls))
        for key, value in fields.items():
            if isinstance(value, str) and "UUID" in types_.get(key, ""):
                fields[key] = uuid.UUID(value)
        return cls(**fields)

    # -- requests -------------------------------------------------------------------------------------
    @staticmethod
    def _configuration(builder, query):
        from kiota_abstractions.base_request_configuration import RequestConfiguration

        query = dict((k, v) for k, v in query.items() if v is not None)
        if not query:
            return None
        if isinstance(query.get("select"), str):
            query["select"] = query["select"].split(",")
        parameters = getattr(type(builder), type(builder).__name__ + "GetQueryParameters")
        return RequestConfiguration(query_parameters=parameters(**query))

    async def _send(self, info):
        from kiota_abstractions.native_response_handler import NativeResponseHandler
        from kiota_http.middleware.options import ResponseHandlerOption

        info.headers.try_add("Accept", "application/json")
        info.add_request_options([ResponseHandlerOption(NativeResponseHandler())])
        return await self._adapter.send_primitive_async(info, "bytes", None)

    def _shown(self, url):
        """The request's path below the API version, for messages and the log."""
        from urllib.parse import urlsplit

        base = urlsplit(self.base_url).path
        path = urlsplit(url).path
        return path[len(base):] if path.startswith(base + "/") else path

    def send(self, info):
        """Send a kiota RequestInformation; returns the parsed JSON body (None when empty). Raises GraphError on
        a 4xx/5xx answer and when Graph cannot be reached."""
        self._ensure()
        import httpx

        import asyncio

        method = info.http_method.value
        url = info.url
        shown = self._shown(url)
        left = None if self.deadline is None else self.deadline - self.clock()
        if left is not None and left <= 0:
            raise DeadlineExceeded("Microsoft Graph %s %s was not sent: the task's deadline has passed" % (method, shown))
        self._asked_past_deadline = None
        try:
            call = self._send(info)
            if left is not None:  # the whole call, its retries and their Retry-After waits included
                call = asyncio.wait_for(call, left)
            response = self._loop.run_until_complete(call)
        except asyncio.TimeoutError:
            raise DeadlineExceeded("Microsoft Graph %s %s ran out of time after %d s (the task's deadline), with its "
                                   "retries" % (method, shown, max(0, round(left))))
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
        if status >= 400 and self._asked_past_deadline is not None:
            wait, asked = self._asked_past_deadline
            raise DeadlineExceeded(
                "Microsoft Graph %s %s answered %s and %s %d s before trying again, past the task's deadline (%d s "
                "left)" % (method, shown, status, "asked to wait (Retry-After)" if asked else "would have waited",
                           wait, max(0, self.deadline - self.clock())))
        if status >= 400:
            raise GraphError.from_response(method, shown, status, response.headers, data, text)
        return data

    def _within_deadline(self, delay_of, never):
        """kiota's delay before a retry, or ``never`` (kiota then hands the answer back at once) when the wait would
        end past the task's deadline: the call then fails now, saying so, instead of sleeping into the deadline,
        as the ARM clients' retry policy does."""
        def delay(retry_count, response, *args, **kwargs):
            wait = delay_of(retry_count, response, *args, **kwargs)
            # kiota asks for the delay of every answer; only one it would retry counts
            retried = response is not None and response.status_code in TRANSIENT_STATUS
            if retried and self.deadline is not None and wait < never and self.clock() + wait >= self.deadline:
                asked = response is not None and bool(response.headers.get("retry-after"))
                self._asked_past_deadline = (wait, asked)
                return never
            return wait
        return delay

    def get(self, builder, **query):
        """GET through ``builder`` with its query parameters (``select``, ``filter``, ``top``, ``expand``...)."""
        return self.send(builder.to_get_request_information(self._configuration(builder, query)))

    def list(self, builder, **query):
        """All items of a collection, following ``@odata.nextLink``."""
        items = []
        page = self.get(builder, **query)
        pages = 1
        while True:
            items.extend((page or {}).get("value") or [])
            link = (page or {}).get("@odata.nextLink")
            if not link or pages >= MAX_PAGES:
                return items
            page = self.get(builder.with_url(link))
            pages += 1

    def post(self, builder, body):
        """POST ``body`` (a msgraph-sdk model, see :meth:`model`); returns the created object as JSON."""
        return self.send(builder.to_post_request_information(body))

    def delete(self, builder, missing_ok=True):
        """DELETE; returns False when the object was already gone (404) and ``missing_ok``."""
        try:
            self.send(builder.to_delete_request_information())
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
        objects the SDKs create (about 0.07 s of CPU per Graph task, make bench)."""
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


__all__ = ["GRAPH_MAX_RETRIES", "TRANSIENT_STATUS", "GraphClient", "GraphError", "ReplicationTimeout", "graph_base_url", "odata_quote"]
