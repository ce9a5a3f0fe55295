"""Emulator core: HTTPS server, routing, request log, faults, tokens check, state and persistence.

Route handlers live in the sibling modules (``tokens``, ``arm``, ``automation``, ``graph``, ...). Each
registers its routes with :func:`route` and its seeding with :func:`on_reset`. A handler receives a
:class:`Request` and returns ``(status, body)`` or ``(status, body, headers)``; it raises
:class:`ApiError` (usually through :func:`arm_error` / :func:`graph_error`) for error answers.

Everything kept in ``Emulator.state`` is plain JSON so that ``--state FILE`` can persist it.
"""
import copy
import datetime
import email.utils
import importlib
import json
import os
import re
import ssl
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

ORGANIZATION = "contoso.onmicrosoft.com"
ACCEPTED_DOMAINS = ["contoso.onmicrosoft.com", "contoso.com"]
ARM_AUDIENCES = (
    "https://management.azure.com",
    "https://management.azure.com/",
    "https://management.core.windows.net",
    "https://management.core.windows.net/",
)
GRAPH_AUDIENCES = ("https://graph.microsoft.com", "https://graph.microsoft.com/", "00000003-0000-0000-c000-000000000000")

DEFAULT_SETTINGS = {
    "exchange_online_sp": True,
    "microsoft_graph_sp": True,
    "replication_delay_s": 0,
    "module_import_s": 0,
    "job_run_s": 0,
    "failing_modules": [],
}

# Modules whose import registers routes; a module that does not exist yet is skipped.
HANDLER_MODULES = (
    "tokens", "control", "lro", "arm", "msi", "automation", "automation_modules", "runbooks", "jobs", "graph",
)

_ROUTES = []
_RESET_HOOKS = []


class ApiError(Exception):
    """An error answer. ``body`` is sent as JSON; for Graph errors the core adds ``innerError``."""

    def __init__(self, status, body, headers=None):
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def arm_error(status, code, message, headers=None):
    """Raise ARM's error shape ``{"error": {"code", "message"}}``."""
    raise ApiError(status, {"error": {"code": code, "message": message}}, headers)


def graph_error(status, code, message, headers=None):
    """Raise Graph's error shape; ``innerError`` with request-id and date is filled in by the core."""
    raise ApiError(status, {"error": {"code": code, "message": message}}, headers)


def route(api, method, pattern, api_versions=None):
    """Register a handler. ``pattern`` is a regex over the URL path (without query), matched in full;
    ARM patterns match without regard to case, as ARM does. ``api_versions``: the accepted
    ``api-version`` values for an ARM route (None accepts any, but one is still required)."""

    def decorator(fn):
        flags = re.IGNORECASE if api in ("arm", "token") else 0
        _ROUTES.append((api, method.upper(), re.compile(pattern + r"/?", flags), api_versions, fn))
        return fn

    return decorator


def on_reset(fn):
    """Register ``fn(emu, options)`` to seed state after every reset (and at first start)."""
    _RESET_HOOKS.append(fn)
    return fn


def utcnow_iso(ts=None):
    ts = time.time() if ts is None else ts
    dt = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}" + "Z"


def new_guid():
    return str(uuid.uuid4())


class Request:
    """What a handler sees of one HTTP request."""

    def __init__(self, emu, method, path, query_string, headers, raw_body):
        self.emu = emu
        self.method = method
        self.path = path
        self.query_string = query_string
        self.query = dict(parse_qsl(query_string, keep_blank_values=True))
        self.headers = headers
        self.raw_body = raw_body
        self.params = {}
        self.api = None
        self.request_id = new_guid()
        self.token = None  # decoded claims of the bearer token, once checked
        self._json = None
        self._json_parsed = False

    def q(self, name, default=None):
        """Query parameter, looked up without regard to case (``$filter`` == ``$FILTER``)."""
        lname = name.lower()
        for k, v in self.query.items():
            if k.lower() == lname:
                return v
        return default

    @property
    def json(self):
        """The parsed JSON body (None when empty). A body that is not JSON is a 400 like the services'."""
        if not self._json_parsed:
            self._json_parsed = True
            if self.raw_body:
                try:
                    self._json = json.loads(self.raw_body.decode("utf-8"))
                except (ValueError, UnicodeDecodeError):
                    if self.api == "graph":
                        graph_error(400, "BadRequest", "Unable to read JSON request payload. Please ensure "
                                    "Content-Type header is set and payload is of valid JSON format.")
                    arm_error(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.")
        return self._json

    @property
    def base_url(self):
        return self.emu.base_url


class Emulator:
    """The state and settings of one emulated tenant + subscription."""

    def __init__(self, state_file=None):
        load_handlers()
        self.lock = threading.RLock()
        self.state_file = state_file
        self.base_url = None
        self.ca_file = None
        self.requests = []
        self.faults = []
        self._seq = 0
        self.identity = None  # tenant_id, subscription_id, admin client id/secret, token key
        # Sign-in material of the seeded admin beyond its secret, set by tokens.setup_admin_credentials():
        self.admin_certificate = None  # path, password, thumbprints, DER of the admin certificate
        self.federation_key = None  # RSA key of the emulator's workload identity issuer
        self.federated_token_file = None  # where the issuer's current token for the admin is written
        self.state = None
        loaded = None
        if state_file and os.path.exists(state_file):
            with open(state_file, encoding="utf-8") as f:
                loaded = json.load(f)
        if loaded:
            self.identity = loaded["identity"]
            self.state = loaded["state"]
        else:
            self.identity = {
                "tenant_id": new_guid(),
                "subscription_id": new_guid(),
                "admin_client_id": new_guid(),
                "admin_client_secret": "emu~" + uuid.uuid4().hex + uuid.uuid4().hex[:8],
                "admin_object_id": new_guid(),
                "token_key": uuid.uuid4().hex,
            }
            self.reset({})

    # -- identity -------------------------------------------------------------------------------
    @property
    def tenant_id(self):
        return self.identity["tenant_id"]

    @property
    def subscription_id(self):
        return self.identity["subscription_id"]

    @property
    def organization(self):
        return ORGANIZATION

    @property
    def settings(self):
        return self.state["settings"]

    def now(self):
        return time.time()

    # -- lifecycle ------------------------------------------------------------------------------
    def reset(self, options):
        with self.lock:
            settings = dict(DEFAULT_SETTINGS)
            for key in DEFAULT_SETTINGS:
                if key in (options or {}):
                    settings[key] = options[key]
            self.state = {"settings": settings, "arm": {}, "graph": {}}
            self.requests = []
            self.faults = []
            for hook in _RESET_HOOKS:
                hook(self, settings)
            self.save()

    def save(self):
        if not self.state_file:
            return
        with self.lock:
            tmp = self.state_file + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump({"identity": self.identity, "state": self.state}, f)
            os.replace(tmp, self.state_file)

    def health_env(self):
        base = self.base_url
        return {
            "AZURE_SUBSCRIPTION_ID": self.subscription_id,
            "AZURE_TENANT": self.tenant_id,
            "AZURE_CLIENT_ID": self.identity["admin_client_id"],
            "AZURE_SECRET": self.identity["admin_client_secret"],
            # the metadata URL (GET <url>/metadata/endpoints), as azure.azcollection and this collection take it
            "AZURE_CLOUD_ENVIRONMENT": base,
            "AZURE_ARM_ENDPOINT": base,
            "AZURE_GRAPH_ENDPOINT": base,
            "AZURE_AUTHORITY_HOST": base,
            "REQUESTS_CA_BUNDLE": self.ca_file,
            "SSL_CERT_FILE": self.ca_file,
        }

    # -- state helpers --------------------------------------------------------------------------
    def arm(self):
        """ARM resources keyed by lower-cased resource id."""
        return self.state["arm"]

    def graph(self, collection):
        """Graph objects of one collection (e.g. ``servicePrincipals``) keyed by id."""
        return self.state["graph"].setdefault(collection, {})

    # -- faults ---------------------------------------------------------------------------------
    def add_fault(self, rule):
        rule = dict(rule)
        rule.setdefault("method", None)
        rule.setdefault("path_regex", ".*")
        rule.setdefault("status", 500)
        rule.setdefault("times", 1)
        rule.setdefault("retry_after_s", None)
        rule.setdefault("body", None)
        rule.setdefault("delay_ms", 0)
        rule["id"] = new_guid()
        rule["_re"] = re.compile(rule["path_regex"])
        with self.lock:
            self.faults.append(rule)
        return rule["id"]

    def take_fault(self, method, path):
        with self.lock:
            for rule in self.faults:
                if rule["times"] <= 0:
                    continue
                if rule["method"] and rule["method"].upper() != method:
                    continue
                if not rule["_re"].search(path):
                    continue
                rule["times"] -= 1
                return rule
        return None

    def log_request(self, method, path, query, status, api, ms):
        with self.lock:
            self._seq += 1
            self.requests.append({
                "seq": self._seq, "method": method, "path": path, "query": query,
                "status": status, "api": api, "ms": round(ms, 2),
            })

    def faults_view(self):
        return [{k: v for k, v in r.items() if not k.startswith("_")} for r in self.faults]


def classify(path):
    """Which API a path belongs to."""
    lower = path.lower()
    if lower.startswith("/_emulator/"):
        return "control"
    if lower.startswith("/subscriptions") or lower.startswith("/metadata/") or lower.startswith("/providers") or lower.startswith("/tenants"):
        return "arm"
    if lower.startswith("/v1.0/") or lower.startswith("/beta/") or lower in ("/v1.0", "/beta"):
        return "graph"
    return "token"


def _find_route(api, method, path):
    """Returns (handler tuple, params) or (None, allowed_methods)."""
    allowed = set()
    for r_api, r_method, regex, versions, fn in _ROUTES:
        if r_api != api:
            continue
        m = regex.fullmatch(path)
        if not m:
            continue
        if r_method != method:
            allowed.add(r_method)
            continue
        return (r_api, r_method, regex, versions, fn), m.groupdict()
    return None, allowed


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms delayed-ACK stalls
    server_version = "m365-exo-emulator"
    sys_version = ""

    def log_message(self, format, *args):  # noqa: A002 - silence the default stderr log
        pass

    def _dispatch(self):
        emu = self.server.emu
        started = time.perf_counter()
        # ARM treats repeated slashes as one: azure-mgmt-resource's generic resource routes (``az resource
        # create``, ``azure_rm_resource``) put an empty parent path into ``/providers/{ns}/{parent}/{type}/{name}``
        raw_path, _sep, query = self.path.partition("?")
        parts = urlsplit("https://emulator" + re.sub(r"/{2,}", "/", raw_path) + ("?" + query if _sep else ""))
        path = parts.path
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        api = classify(path)
        req = Request(emu, self.command, path, parts.query, self.headers, raw)
        req.api = api
        status, body, headers = 500, None, {}
        try:
            fault = emu.take_fault(self.command, path) if api != "control" else None
            if fault is not None and fault["delay_ms"]:
                time.sleep(fault["delay_ms"] / 1000.0)
            if fault is not None and fault["status"]:
                status = fault["status"]
                body = fault["body"]
                if body is None:
                    body = _default_fault_body(api, status)
                if fault["retry_after_s"] is not None:
                    headers["Retry-After"] = str(fault["retry_after_s"])
            else:
                status, body, headers = self._run_route(emu, req, api, path)
        except ApiError as err:
            status, body, headers = err.status, err.body, dict(err.headers)
        except Exception as err:  # a bug in a handler: answer like a 500 of the service
            import traceback

            traceback.print_exc()
            status = 500
            body = {"error": {"code": "InternalServerError", "message": f"Emulator error: {err!r}"}}
        if api == "graph":
            headers.setdefault("request-id", req.request_id)
            headers.setdefault("client-request-id", self.headers.get("client-request-id") or req.request_id)
            if isinstance(body, dict) and isinstance(body.get("error"), dict):
                body["error"].setdefault("innerError", {
                    "date": utcnow_iso()[:19],
                    "request-id": req.request_id,
                    "client-request-id": headers["client-request-id"],
                })
        elif api == "arm":
            headers.setdefault("x-ms-request-id", req.request_id)
            headers.setdefault("x-ms-correlation-request-id", self.headers.get("x-ms-correlation-request-id") or req.request_id)
            if self.headers.get("x-ms-client-request-id"):
                headers.setdefault("x-ms-client-request-id", self.headers.get("x-ms-client-request-id"))
        self._send(status, body, headers)
        if api != "control":
            emu.log_request(self.command, path, parts.query, status, api, (time.perf_counter() - started) * 1000)
            if self.command not in ("GET", "HEAD") and status < 400:
                emu.save()

    def _run_route(self, emu, req, api, path):
        found, params = _find_route(api, self.command, path)
        if found is None:
            if api == "graph":
                if params:
                    graph_error(405, "Request_BadRequest", f"The HTTP method '{self.command}' is not allowed for this resource.")
                graph_error(400, "BadRequest", f"Resource not found for the segment '{path.rstrip('/').rsplit('/', 1)[-1]}'.")
            if api == "arm":
                if params:
                    arm_error(405, "MethodNotAllowed", f"The requested resource does not support http method '{self.command}'.")
                arm_error(404, "InvalidResourceType" if "/providers/" in path.lower() else "NotFound",
                          f"The resource type could not be found for path '{path}'.")
            if api == "token":
                raise ApiError(404, {"error": "not_found", "error_description": f"No such endpoint: {path}"})
            raise ApiError(404, {"error": {"code": "NotFound", "message": f"No control route {path}"}})
        r_api, _method, _regex, versions, fn = found
        req.params = {k: unquote(v) if v is not None else v for k, v in params.items()}
        if r_api == "arm" and not path.lower().startswith("/metadata/"):
            check_api_version(req, versions)
        if r_api in ("arm", "graph") and not path.lower().startswith("/metadata/"):
            # ARM serves its cloud metadata anonymously: clients read it before they can sign in
            check_token(req, r_api)
        result = fn(req)
        if result is None:
            result = (200, None)
        if len(result) == 2:
            status, body = result
            headers = {}
        else:
            status, body, headers = result
        return status, body, dict(headers or {})

    def _send(self, status, body, headers):
        if body is None:
            payload = b""
        elif isinstance(body, (bytes, bytearray)):
            payload = bytes(body)
        elif isinstance(body, str):
            payload = body.encode("utf-8")
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        else:
            payload = json.dumps(body).encode("utf-8")
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        self.send_response(status)
        headers.setdefault("Date", email.utils.formatdate(usegmt=True))
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD" and payload:
            self.wfile.write(payload)

    do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = do_HEAD = _dispatch


def _default_fault_body(api, status):
    if api == "graph":
        if status == 429:
            return {"error": {"code": "TooManyRequests", "message": "Too many requests. Please try again later."}}
        return {"error": {"code": "ServiceUnavailable" if status >= 500 else "BadRequest", "message": f"Injected fault {status}."}}
    if status == 429:
        return {"error": {"code": "TooManyRequests", "message": "The request is being throttled."}}
    if status >= 500:
        return {"error": {"code": "InternalServerError", "message": f"Injected fault {status}."}}
    return {"error": {"code": "InjectedFault", "message": f"Injected fault {status}."}}


def check_api_version(req, versions):
    value = req.q("api-version")
    if not value:
        arm_error(400, "MissingApiVersionParameter",
                  "The api-version query parameter (?api-version=) is required for all requests.")
    if versions is not None and value not in versions:
        supported = ", ".join(f"'{v}'" for v in sorted(versions))
        arm_error(400, "InvalidApiVersionParameter",
                  f"The api-version '{value}' is invalid. The supported versions are {supported}.")


def arm_audiences(emu):
    """Every audience ARM accepts: the public cloud's and the emulator's own ARM URL (the resource id of a custom
    cloud registered with the emulator as its resource manager), with and without the trailing slash."""
    if not emu.base_url:
        return ARM_AUDIENCES
    return ARM_AUDIENCES + (emu.base_url, emu.base_url + "/")


def check_token(req, api):
    """Reject a missing bearer token, or one for another audience, with the services' 401 bodies."""
    from . import tokens  # local import: tokens registers routes too

    header = req.headers.get("Authorization") or ""
    www = 'Bearer authorization_uri="%s/%s", error="invalid_token"' % (req.base_url, req.emu.tenant_id)
    if not header.lower().startswith("bearer ") or not header[7:].strip():
        if api == "arm":
            arm_error(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.",
                      {"WWW-Authenticate": www})
        graph_error(401, "InvalidAuthenticationToken", "Access token is empty.", {"WWW-Authenticate": www})
    claims = tokens.decode(req.emu, header[7:].strip())
    if claims is None:
        if api == "arm":
            arm_error(401, "InvalidAuthenticationToken", "The access token is invalid.", {"WWW-Authenticate": www})
        graph_error(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.",
                    {"WWW-Authenticate": www})
    if claims.get("exp", 0) < time.time():
        if api == "arm":
            arm_error(401, "ExpiredAuthenticationToken",
                      "The access token expiry UTC time is earlier than current UTC time.", {"WWW-Authenticate": www})
        graph_error(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.",
                    {"WWW-Authenticate": www})
    aud = claims.get("aud")
    if api == "arm" and aud not in arm_audiences(req.emu):
        arm_error(401, "InvalidAuthenticationTokenAudience",
                  f"The access token has been obtained for wrong audience or resource '{aud}'. It should exactly match "
                  "with one of the allowed audiences 'https://management.core.windows.net/',"
                  "'https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.",
                  {"WWW-Authenticate": www})
    if api == "graph" and aud not in GRAPH_AUDIENCES:
        graph_error(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.",
                    {"WWW-Authenticate": www})
    req.token = claims


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


def load_handlers():
    for name in HANDLER_MODULES:
        try:
            importlib.import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"{__package__}.{name}":
                raise


def build_server(emu, port, cert_file, key_file, ca_file):
    """Create the HTTPS server bound to 127.0.0.1:port (0 = a free port). Call ``serve_forever()``."""
    server = Server(("127.0.0.1", port), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.emu = emu
    emu.ca_file = ca_file
    emu.base_url = f"https://127.0.0.1:{server.server_address[1]}"
    return server


def deepcopy(obj):
    return copy.deepcopy(obj)
