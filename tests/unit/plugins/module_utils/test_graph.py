# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""GraphClient on msgraph-sdk's HTTP stack, driven through an httpx mock transport (the real middleware,
retry handler and authentication provider run; only the socket is replaced)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import subprocess
import sys
import time

import httpx
import pytest
from azure.core.credentials import AccessToken

from ansible_collections.m365.exo_automation.plugins.module_utils import graph as g
from ansible_collections.m365.exo_automation.plugins.module_utils.base import ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils.errors import DeadlineExceeded

BASE = "https://graph.example.test"
ROLE = "dc50a0fb-09a3-484d-be87-e023b12c6440"


class FakeCredential:
    def __init__(self):
        self.scopes = []
        self.kwargs = []

    def get_token(self, *scopes, **kwargs):
        self.scopes.append(scopes)
        self.kwargs.append(kwargs)
        return AccessToken("token-123", int(time.time()) + 3600)


class Server:
    """Scripted answers: ``answers`` is a list of (status, body, headers) or a callable(request)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests = []

    def __call__(self, request):
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if callable(answer):
            answer = answer(request)
        status, body, headers = (answer + ({},))[:3] if len(answer) == 2 else answer
        if body is None:
            return httpx.Response(status, headers=headers)
        if isinstance(body, (bytes, str)):
            return httpx.Response(status, content=body, headers=headers)
        return httpx.Response(status, json=body, headers=headers)


@pytest.fixture
def retry_sleeps(monkeypatch):
    """The SDK retry handler's asyncio.sleep, recorded instead of slept."""
    from kiota_http.middleware import retry_handler

    delays = []

    async def fake_sleep(seconds):
        delays.append(seconds)

    monkeypatch.setattr(retry_handler.asyncio, "sleep", fake_sleep)
    return delays


def make(server, **kwargs):
    cred = FakeCredential()
    client = g.GraphClient(cred, BASE, ["https://graph.microsoft.com/.default"], transport=httpx.MockTransport(server),
                           **kwargs)
    client.fake_credential = cred
    return client


def graph_error_body(code, message, request_id="req-1"):
    return {"error": {"code": code, "message": message, "innerError": {"request-id": request_id, "date": "x"}}}


# -- plumbing -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("endpoint,expected", [
    ("https://graph.microsoft.com", "https://graph.microsoft.com/v1.0"),
    ("https://graph.microsoft.com/", "https://graph.microsoft.com/v1.0"),
    ("https://127.0.0.1:8443", "https://127.0.0.1:8443/v1.0"),
    ("https://graph.microsoft.us/v1.0/", "https://graph.microsoft.us/v1.0"),
    ("https://graph.microsoft.com/beta", "https://graph.microsoft.com/beta"),
    (None, "https://graph.microsoft.com/v1.0"),
])
def test_graph_base_url(endpoint, expected):
    assert g.graph_base_url(endpoint) == expected


def test_get_sends_bearer_token_for_the_scope_and_returns_json():
    server = Server((200, {"id": "abc"}))
    client = make(server)
    try:
        assert client.get(client.service_principals().by_service_principal_id("abc")) == {"id": "abc"}
    finally:
        client.close()
    req = server.requests[0]
    assert str(req.url) == BASE + "/v1.0/servicePrincipals/abc"
    assert req.headers["Authorization"] == "Bearer token-123"
    assert req.headers["Accept"] == "application/json"
    assert client.fake_credential.scopes == [("https://graph.microsoft.com/.default",)]
    # no continuous access evaluation: azure-identity would keep (and fetch) a second token for it
    assert client.fake_credential.kwargs[0].get("enable_cae") is False


def test_query_parameters_come_from_the_request_builder():
    server = Server((200, {"value": []}))
    client = make(server)
    try:
        client.list(client.directory_role_management().role_definitions, select="id,templateId", top=5)
    finally:
        client.close()
    url = server.requests[0].url
    assert url.path == "/v1.0/roleManagement/directory/roleDefinitions"
    assert (url.params["$select"], url.params["$top"]) == ("id,templateId", "5")


def test_models_take_guid_strings():
    body = g.GraphClient.model("UnifiedRoleAssignment", principal_id="11111111-0000-0000-0000-000000000001",
                               role_definition_id="29232cdf-9323-42fd-ade2-1d097af3e4de", directory_scope_id="/")
    assert str(body.principal_id) == "11111111-0000-0000-0000-000000000001"
    assert body.role_definition_id == "29232cdf-9323-42fd-ade2-1d097af3e4de" and body.directory_scope_id == "/"


def test_token_is_not_sent_to_another_host():
    server = Server((200, {"value": []}))
    client = make(server)
    try:
        client.get(client.service_principals().with_url("https://elsewhere.example.test/v1.0/x"))
    finally:
        client.close()
    assert "Authorization" not in server.requests[0].headers


def test_one_event_loop_serves_many_calls():
    server = Server((200, {"n": 1}))
    client = make(server)
    try:
        for dummy in range(3):
            assert client.get(client.organization()) == {"n": 1}
    finally:
        client.close()
    assert len(server.requests) == 3
    assert client._loop is None  # closed


def test_filter_is_encoded_and_quoted():
    server = Server((200, {"value": [{"id": "1"}]}))
    client = make(server)
    try:
        client.list(client.service_principals(), filter="displayName eq " + g.odata_quote("it's & more"))
    finally:
        client.close()
    url = server.requests[0].url
    assert url.params["$filter"] == "displayName eq 'it''s & more'"
    assert "&" not in url.query.decode().split("=", 1)[1]


def test_list_follows_next_link():
    server = Server(
        (200, {"value": [{"id": "1"}], "@odata.nextLink": BASE + "/v1.0/servicePrincipals?$skiptoken=abc"}),
        (200, {"value": [{"id": "2"}]}),
    )
    client = make(server)
    try:
        assert [i["id"] for i in client.list(client.service_principals())] == ["1", "2"]
    finally:
        client.close()
    assert server.requests[1].url.params["$skiptoken"] == "abc"


def test_post_sends_json_body():
    server = Server((201, {"id": "new"}))
    client = make(server)
    try:
        assert client.post(client.service_principals(), client.model("ServicePrincipal", app_id="x")) == {"id": "new"}
    finally:
        client.close()
    req = server.requests[0]
    assert req.method == "POST"
    assert req.headers["Content-Type"] == "application/json"
    assert json.loads(req.content) == {"@odata.type": "#microsoft.graph.servicePrincipal", "appId": "x"}
    assert client.writes() == [("POST", "/servicePrincipals", 201)]


def test_delete_of_missing_object_is_not_an_error():
    server = Server((404, graph_error_body("Request_ResourceNotFound", "gone")))
    client = make(server)
    try:
        grant = client.service_principals().by_service_principal_id("a").app_role_assignments.by_app_role_assignment_id("b")
        assert client.delete(grant) is False
        with pytest.raises(g.GraphError):
            client.delete(grant, missing_ok=False)
    finally:
        client.close()


# -- errors ---------------------------------------------------------------------------------------------
def test_graph_error_carries_status_code_message_and_request_id():
    server = Server((404, graph_error_body("Request_ResourceNotFound", "Resource 'x' does not exist.", "rid-9")))
    client = make(server)
    try:
        with pytest.raises(g.GraphError) as info:
            client.get(client.service_principals().by_service_principal_id("x"))
    finally:
        client.close()
    err = info.value
    assert isinstance(err, ModuleError)
    assert (err.status, err.code, err.request_id) == (404, "Request_ResourceNotFound", "rid-9")
    assert err.graph_message == "Resource 'x' does not exist."
    assert "GET /servicePrincipals/x" in err.format() and "request id rid-9" in err.format()
    assert err.is_replication_delay()


def test_graph_error_request_id_from_header_and_text_body(retry_sleeps):
    server = Server((502, b"<html>bad gateway</html>", {"request-id": "hdr-1"}))  # 502 on every retry too
    client = make(server)
    try:
        with pytest.raises(g.GraphError) as info:
            client.get(client.organization())
    finally:
        client.close()
    assert info.value.request_id == "hdr-1"
    assert "bad gateway" in info.value.graph_message


@pytest.mark.parametrize("status,code,message,expected", [
    (404, "Request_ResourceNotFound", "Resource does not exist", True),
    (400, "Request_BadRequest", "Not a valid reference update.", True),
    (400, "Request_BadRequest", "Invalid property", False),
    (403, "Authorization_RequestDenied", "Insufficient privileges", False),
    (404, None, "<html>Not Found</html>", False),
])
def test_replication_errors_are_recognised(status, code, message, expected):
    err = g.GraphError("x", status=status, code=code, graph_message=message)
    assert err.is_replication_delay() is expected


def test_duplicate_grant_is_recognised():
    err = g.GraphError("x", status=400, code="Request_BadRequest",
                       graph_message="Permission being assigned already exists on the object")
    assert err.is_duplicate()


def test_403_has_a_permission_hint():
    server = Server((403, graph_error_body("Authorization_RequestDenied", "Insufficient privileges")))
    client = make(server)
    try:
        with pytest.raises(g.GraphError) as info:
            client.post(client.service_principals(), client.model("ServicePrincipal", app_id="x"))
    finally:
        client.close()
    assert "AppRoleAssignment.ReadWrite.All" in info.value.format()


def test_unreachable_host_is_a_graph_error():
    def boom(request):
        raise httpx.ConnectError("connection refused", request=request)

    client = make(boom)
    try:
        with pytest.raises(g.GraphError) as info:
            client.get(client.organization())
    finally:
        client.close()
    assert "Could not reach Microsoft Graph" in info.value.message


# -- SDK retry handler ---------------------------------------------------------------------------------
def test_throttling_is_retried_honouring_retry_after(retry_sleeps):
    server = Server(
        (429, graph_error_body("TooManyRequests", "slow down"), {"Retry-After": "7"}),
        (429, graph_error_body("TooManyRequests", "slow down"), {"Retry-After": "2"}),
        (201, {"id": "grant"}),
    )
    client = make(server)
    try:
        grant = client.model("AppRoleAssignment", app_role_id=ROLE)
        assert client.post(client.service_principals().by_service_principal_id("a").app_role_assignments,
                           grant) == {"id": "grant"}
    finally:
        client.close()
    assert retry_sleeps == [7, 2]
    assert len(server.requests) == 3
    assert json.loads(server.requests[2].content)["appRoleId"] == ROLE


def test_throttling_beyond_the_retries_fails(retry_sleeps):
    server = Server((429, graph_error_body("TooManyRequests", "slow down"), {"Retry-After": "1"}))
    client = make(server, max_retries=2)
    try:
        with pytest.raises(g.GraphError) as info:
            client.get(client.organization())
    finally:
        client.close()
    assert info.value.status == 429
    assert len(server.requests) == 3


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504])
def test_transient_errors_are_retried_as_on_arm(retry_sleeps, status):
    server = Server((status, graph_error_body("UnknownError", "transient")), (200, {"value": [{"id": "org"}]}))
    client = make(server)
    try:
        assert client.get(client.organization()) == {"value": [{"id": "org"}]}
    finally:
        client.close()
    assert len(server.requests) == 2
    assert g.TRANSIENT_STATUS == frozenset([408, 429, 500, 502, 503, 504])


def test_a_transient_error_beyond_the_retries_says_how_many_were_made(retry_sleeps):
    server = Server((500, graph_error_body("UnknownError", "boom")))
    client = make(server, max_retries=2)
    try:
        with pytest.raises(g.GraphError) as info:
            client.get(client.organization())
    finally:
        client.close()
    assert len(server.requests) == 3
    assert "Graph kept answering 500 after" in info.value.format()


def test_a_retry_after_beyond_what_a_task_waits_is_not_called_a_retry(retry_sleeps):
    server = Server((429, graph_error_body("TooManyRequests", "slow down"), {"Retry-After": "300"}))
    client = make(server)
    try:
        with pytest.raises(g.GraphError) as info:
            client.get(client.organization())
    finally:
        client.close()
    assert len(server.requests) == 1 and retry_sleeps == []
    text = info.value.format()
    assert "asked to wait 300 s" in text and "was not retried" in text and "after 6 retries" not in text


def test_graph_requests_carry_the_sdk_telemetry_header(retry_sleeps):
    server = Server((200, {"value": []}))
    client = g.GraphClient(FakeCredential(), "https://graph.microsoft.com", ["https://graph.microsoft.com/.default"],
                           transport=httpx.MockTransport(server))
    try:
        client.get(client.organization())
    finally:
        client.close()
    assert "graph-python-core" in server.requests[0].headers.get("SdkVersion", "")
    assert server.requests[0].headers.get("client-request-id")


# -- helpers --------------------------------------------------------------------------------------------
def test_odata_quote_doubles_quotes():
    assert g.odata_quote("it's") == "'it''s'"


def test_importing_graph_is_cheap():
    code = ("import sys; import ansible_collections.m365.exo_automation.plugins.module_utils.graph; "
            "print(sorted(m for m in ('httpx', 'kiota_http', 'msgraph_core', 'azure.identity', 'msgraph') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(__import__("os").environ, PYTHONPATH=":".join(sys.path)))
    assert out.stdout.strip() == "[]"


def test_module_runs_skip_unused_http_imports():
    """In a module run httpx's CLI (click, rich, pygments) and the HTTP/2 stack are not imported, and requests
    still work."""
    code = "\n".join([
        "import sys, time",
        "from azure.core.credentials import AccessToken",
        "from ansible_collections.m365.exo_automation.plugins.module_utils import graph as g",
        "class Cred:",
        "    def get_token(self, *s, **k):",
        "        return AccessToken('t', int(time.time()) + 3600)",
        "class Module:",
        "    pass",
        "c = g.GraphClient(Cred(), 'https://graph.example.test', ['s/.default'], module=Module())",
        "g.lighten_http_imports()",
        "import httpx",
        "c._transport = httpx.MockTransport(lambda r: httpx.Response(200, json={'ok': True}))",
        "print(c.get(c.organization()))",
        "c.close()",
        "print(sorted(m for m in ('rich', 'click', 'pygments', 'hyperframe') if m in sys.modules), sys.modules.get('h2'))",
    ])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                         env=dict(__import__("os").environ, PYTHONPATH=":".join(sys.path)))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["{'ok': True}", "[] None"]


def test_the_task_deadline_bounds_a_call_with_its_retries_and_retry_after_waits():
    # Graph keeps answering 503 and asks for 3 s between tries: without the deadline the retry handler would
    # wait 6 x 3 s; with 1 s left the call is cancelled at the deadline and fails naming itself
    server = Server((503, graph_error_body("ServiceUnavailable", "busy"), {"Retry-After": "3"}))
    client = make(server, deadline=time.time() + 1.0)
    started = time.monotonic()
    try:
        with pytest.raises(DeadlineExceeded) as info:
            client.get(client.service_principals(), filter="appId eq 'x'")
    finally:
        client.close()
    assert time.monotonic() - started < 5
    assert "GET /servicePrincipals" in info.value.message and "deadline" in info.value.message
    assert len(server.requests) == 1


def test_a_retry_after_past_the_deadline_fails_at_once_naming_the_call():
    # as the ARM clients do: a wait that would end past the deadline is not slept into
    server = Server((429, graph_error_body("TooManyRequests", "slow down"), {"Retry-After": "120"}))
    client = make(server, deadline=time.time() + 60)
    started = time.monotonic()
    try:
        with pytest.raises(DeadlineExceeded) as info:
            client.get(client.service_principals(), filter="appId eq 'x'")
    finally:
        client.close()
    assert time.monotonic() - started < 5 and len(server.requests) == 1
    assert ("GET /servicePrincipals answered 429 and asked to wait (Retry-After) 120 s before trying again, past "
            "the task's deadline") in info.value.message


def test_an_answer_that_is_not_retried_keeps_its_error_near_the_deadline():
    server = Server((404, graph_error_body("Request_ResourceNotFound", "gone")))
    client = make(server, deadline=time.time() + 0.5)
    try:
        with pytest.raises(g.GraphError) as info:
            client.get(client.service_principals().by_service_principal_id(ROLE))
    finally:
        client.close()
    assert not isinstance(info.value, DeadlineExceeded)
    assert info.value.status == 404 and info.value.code == "Request_ResourceNotFound"


def test_nothing_is_sent_once_the_deadline_has_passed():
    server = Server((200, {"value": []}))
    client = make(server, deadline=time.time() - 1)
    try:
        with pytest.raises(DeadlineExceeded) as info:
            client.post(client.directory_role_management().role_assignments,
                        client.model("UnifiedRoleAssignment", principal_id=ROLE, role_definition_id=ROLE))
    finally:
        client.close()
    assert server.requests == []
    assert "POST /roleManagement/directory/roleAssignments was not sent" in info.value.message
