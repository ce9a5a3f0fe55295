# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Microsoft Graph transport: a raw-JSON client on msgraph-sdk's HTTP stack, and :class:`GraphError`.
Principals, resources, app roles and Entra roles are looked up in module_utils.lookups, on top of this.

Why raw JSON: msgraph-sdk's typed request builders import about 1,200 model modules on the first call that
deserialises a model (0.75-1.6 s of CPU per Ansible task). The client below sends requests through the same
stack the SDK uses (msgraph-core's middleware pipeline on httpx: retry on 429/503/504 honouring Retry-After,
redirects, telemetry; kiota's request adapter; azure-identity tokens through kiota's authentication provider)
and reads the JSON itself. Nothing heavy is imported until the first request.

Throttling and transient errors (429, 503, 504) are retried by msgraph-core's retry handler
(``GRAPH_MAX_RETRIES`` retries, ``Retry-After`` honoured). Replication delays are not a transport matter:
:meth:`GraphError.is_replication_delay` names them, and module_utils.lookups waits them out with
module_utils.waiting.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gc
import json
import os
import re
import sys
import types

from ansible_collections.m365.exo_automation.plugins.module_utils.errors import ModuleError

GRAPH_MAX_RETRIES = 6             # retries of 429/503/504 by the SDK retry handler
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


def lighten_http_imports():
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
    ``transport`` (an httpx async transport) exists for tests.
    """

    def __init__(self, credential, base_url, scopes, module=None, timeout=60, transport=None,
                 max_retries=GRAPH_MAX_RETRIES):
        self.credential = credential
        self.base_url = graph_base_url(base_url)
        self.scopes = list(scopes or [])
        self.module = module
        self.timeout = timeout
        self.max_retries = max_retries
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


__all__ = ["GRAPH_MAX_RETRIES", "GraphClient", "GraphError", "ReplicationTimeout", "graph_base_url", "odata_quote"]
