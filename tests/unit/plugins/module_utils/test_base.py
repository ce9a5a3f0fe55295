# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ExoModule: one error path, secrets kept out of results, client factories, retry decisions, LRO waiting."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ServiceRequestError

from ansible_collections.m365.exo_automation.plugins.module_utils import base
from ansible_collections.m365.exo_automation.plugins.module_utils.base import (
    ExoModule,
    ModuleError,
    error_from_exception,
)
from ansible_collections.m365.exo_automation.tests.unit.fake_http import FakeCredential, ScriptedTransport, response
from ansible_collections.m365.exo_automation.tests.unit.utils import run_module

SUB = "11111111-1111-1111-1111-111111111111"
TENANT = "22222222-2222-2222-2222-222222222222"
CLIENT = "33333333-3333-3333-3333-333333333333"
ARM = "https://management.example.test"
ENV = {"AZURE_SUBSCRIPTION_ID": SUB, "AZURE_TENANT": TENANT, "AZURE_CLIENT_ID": CLIENT,
       "AZURE_SECRET": "s3cr3t-from-awx", "AZURE_ARM_ENDPOINT": ARM}


@pytest.fixture
def env(monkeypatch):
    for key in list(__import__("os").environ):
        if key.startswith("AZURE_") or key == "ANSIBLE_AZURE_AUTH_SOURCE":
            monkeypatch.delenv(key)
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("HOME", "/nonexistent")
    return ENV


def module_main(fn, spec=None):
    def main():
        ExoModule(argument_spec=spec or {}).run(fn)
    return main


def arm_client(m, transport):
    """The module's automation client, wired to a scripted transport and a fake credential."""
    m._credential = FakeCredential()
    from azure.mgmt.automation import AutomationClient

    kwargs = m.arm_client_kwargs()
    return AutomationClient(m._credential, m.subscription_id(), transport=transport, **kwargs)


ACCOUNT_URL = "/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Automation/automationAccounts/aa-one" % SUB


def test_module_error_format():
    err = ModuleError("Could not create the account.", status=403, code="AuthorizationFailed", request_id="rid-1",
                      hint="Grant the identity Contributor.")
    assert err.format() == ("Could not create the account (HTTP 403, code AuthorizationFailed, request id rid-1). "
                            "Grant the identity Contributor.")
    assert ModuleError("plain").format() == "plain"
    assert err.fail_kwargs() == {"msg": err.format(), "status": 403, "error_code": "AuthorizationFailed",
                                 "request_id": "rid-1"}


def test_http_error_goes_through_one_fail_path(monkeypatch, env):
    transport = ScriptedTransport([response(
        403, {"error": {"code": "AuthorizationFailed", "message": "The client does not have authorization to perform "
                                                                  "action 'Microsoft.Automation/automationAccounts/write'."}},
        {"x-ms-request-id": "req-42"})])

    def fn(m):
        arm_client(m, transport).automation_account.get("rg", "aa-one")

    result = run_module(monkeypatch, module_main(fn), {})
    assert result["failed"]
    assert result["status"] == 403
    assert result["error_code"] == "AuthorizationFailed"
    assert result["request_id"] == "req-42"
    assert result["msg"].startswith("The client does not have authorization to perform action")
    assert "(HTTP 403, code AuthorizationFailed, request id req-42)" in result["msg"]
    assert "grant it a role" in result["msg"]
    assert "Traceback" in result["exception"]


def test_not_retried_statuses(monkeypatch, env):
    transport = ScriptedTransport([response(404, {"error": {"code": "ResourceNotFound", "message": "gone"}})])

    def fn(m):
        arm_client(m, transport).automation_account.get("rg", "aa-one")

    result = run_module(monkeypatch, module_main(fn), {})
    assert result.get("status") == 404 and len(transport.requests) == 1, result


def test_throttling_is_retried_honouring_retry_after(monkeypatch, env):
    transport = ScriptedTransport([
        response(429, {"error": {"code": "TooManyRequests", "message": "slow down"}}, {"Retry-After": "7"}),
        response(503, {"error": {"code": "ServiceUnavailable", "message": "busy"}}, {"Retry-After": "2"}),
        response(200, {"id": ACCOUNT_URL, "name": "aa-one", "location": "westeurope", "properties": {}}),
    ])

    def fn(m):
        account = arm_client(m, transport).automation_account.get("rg", "aa-one")
        return {"changed": False, "name": account.name}

    result = run_module(monkeypatch, module_main(fn), {})
    assert result["name"] == "aa-one"
    assert len(transport.requests) == 3
    assert transport.sleeps == [7, 2]


def test_a_retry_after_past_the_deadline_fails_at_once_naming_the_call(monkeypatch, env):
    transport = ScriptedTransport([
        response(429, {"error": {"code": "TooManyRequests", "message": "slow down"}}, {"Retry-After": "120"})])

    def fn(m):
        arm_client(m, transport).automation_account.get("rg", "aa-one")

    result = run_module(monkeypatch, module_main(fn, {"timeout": dict(type="int")}), {"timeout": 60})
    assert result["failed"] and transport.sleeps == [] and len(transport.requests) == 1
    assert "GET %s answered 429 and asked to wait 120 s" % ACCOUNT_URL in result["msg"]
    assert "past the task's deadline" in result["msg"] and "Raise the task's timeout" in result["msg"]


class SlowTransport(ScriptedTransport):
    """Every request takes ``seconds`` of the fake clock and then times out reading, as a silent server does."""

    def __init__(self, clock, seconds):
        super(SlowTransport, self).__init__([])
        self.clock, self.seconds, self.timeouts = clock, seconds, []

    def send(self, request, **kwargs):
        from azure.core.exceptions import ServiceResponseError

        self.requests.append((request.method, request.url))
        self.timeouts.append((kwargs.get("connection_timeout"), kwargs.get("read_timeout")))
        self.clock[0] += min(self.seconds, kwargs.get("read_timeout") or self.seconds)
        raise ServiceResponseError("Read timed out. (read timeout=%s)" % kwargs.get("read_timeout"))

    def sleep(self, duration):
        self.sleeps.append(duration)
        self.clock[0] += duration


def test_every_module_has_a_timeout_option_that_is_the_deadline_of_its_arm_and_graph_calls(monkeypatch, env):
    seen = {}

    def fn(m):
        seen["deadline"] = m.deadline - m.started
        seen["graph"] = m.graph().deadline
        seen["task"] = m.deadline
        return {"changed": False}

    # a module that declares no timeout of its own gets the generic one (doc fragment m365.exo_automation.timeout)
    result = run_module(monkeypatch, module_main(fn), {"timeout": 42})
    assert result["changed"] is False and "failed" not in result
    assert seen["deadline"] == 42 and seen["graph"] == seen["task"]
    run_module(monkeypatch, module_main(fn), {})
    assert seen["deadline"] == base.DEFAULT_TIMEOUT == 600


@pytest.mark.parametrize("value", [0, -5])
def test_a_timeout_below_one_second_fails_naming_the_option_before_anything_runs(monkeypatch, env, value):
    called = []
    result = run_module(monkeypatch, module_main(lambda m: called.append(1)), {"timeout": value})
    assert result["failed"] and called == []
    assert "option 'timeout' must be 1 or more seconds" in result["msg"]


def test_a_module_that_declares_its_own_timeout_keeps_its_meaning(monkeypatch, env):
    # runbook_job's timeout=0 means "start the job and do not wait": the generic check must not refuse it
    seen = []
    spec = {"timeout": dict(type="int", default=600)}
    result = run_module(monkeypatch, module_main(lambda m: seen.append(m.params["timeout"]), spec), {"timeout": 0})
    assert result["changed"] is False and "failed" not in result and seen == [0]


def test_a_server_that_never_answers_fails_within_the_deadline(monkeypatch, env):
    now = [1000.0]
    monkeypatch.setattr(base.time, "time", lambda: now[0])
    transport = SlowTransport(now, 300)

    def fn(m):
        arm_client(m, transport).automation_account.get("rg", "aa-one")

    result = run_module(monkeypatch, module_main(fn, {"timeout": dict(type="int")}), {"timeout": 200})
    assert result["failed"]
    assert now[0] - 1000.0 <= 200 + 1
    assert "GET %s ran out of time" % ACCOUNT_URL in result["msg"]
    # each read waits at most READ_TIMEOUT, and never past the deadline
    assert all(read <= 120 for _connect, read in transport.timeouts)
    assert transport.timeouts[-1][1] < 120


def test_server_errors_are_retried_with_backoff_then_reported(monkeypatch, env):
    answers = [response(500, {"error": {"code": "InternalServerError", "message": "boom"}})] * (
        base.ARM_RETRY["retry_status"] + 1)
    transport = ScriptedTransport(answers)

    def fn(m):
        arm_client(m, transport).automation_account.get("rg", "aa-one")

    result = run_module(monkeypatch, module_main(fn), {})
    assert len(transport.requests) == base.ARM_RETRY["retry_status"] + 1 == 7
    assert result["status"] == 500 and "quote the request id" in result["msg"]
    assert max(transport.sleeps) <= base.ARM_RETRY["retry_backoff_max"]
    assert transport.sleeps == sorted(transport.sleeps)


def test_post_without_retry_after_is_not_retried_on_502(monkeypatch, env):
    transport = ScriptedTransport([response(502, {"error": {"code": "BadGateway", "message": "bad gateway"}})])

    def fn(m):
        from azure.core.rest import HttpRequest

        client = arm_client(m, transport)
        resp = client.send_request(HttpRequest("POST", ARM + ACCOUNT_URL + "/listKeys?api-version=2024-10-23"))
        return {"changed": False, "status": resp.status_code}

    result = run_module(monkeypatch, module_main(fn), {})
    assert result["status"] == 502 and len(transport.requests) == 1


def test_token_scope_and_endpoint_come_from_the_cloud(monkeypatch, env):
    transport = ScriptedTransport([response(200, {"id": ACCOUNT_URL, "name": "aa-one", "properties": {}})])
    seen = {}

    def fn(m):
        client = arm_client(m, transport)
        client.automation_account.get("rg", "aa-one")
        seen["scopes"] = m._credential.scopes
        return {"changed": False}

    run_module(monkeypatch, module_main(fn), {})
    assert seen["scopes"][0] == ("https://management.azure.com/.default",)
    assert transport.requests[0][1].startswith(ARM + ACCOUNT_URL + "?api-version=")


@pytest.mark.parametrize("factory,cls", [
    ("automation_client", "AutomationClient"),
    ("msi_client", "ManagedServiceIdentityClient"),
    ("resource_client", "ResourceManagementClient"),
])
def test_client_factories(monkeypatch, env, factory, cls):
    seen = {}

    def fn(m):
        m._credential = FakeCredential()
        client = getattr(m, factory)()
        seen["cls"] = type(client).__name__
        seen["same"] = client is getattr(m, factory)()
        seen["base_url"] = client._config.base_url if hasattr(client._config, "base_url") else client._client._base_url
        seen["scopes"] = client._config.credential_scopes
        seen["sub"] = client._config.subscription_id
        return {"changed": False}

    run_module(monkeypatch, module_main(fn), {"cloud": "AzureUSGovernment"})
    assert seen["cls"] == cls and seen["same"] is True
    assert seen["base_url"].rstrip("/") == ARM
    assert seen["scopes"] == ["https://management.core.usgovcloudapi.net/.default"]
    assert seen["sub"] == SUB


def test_secret_from_environment_never_reaches_the_result(monkeypatch, env):
    def fn(m):
        m.auth_settings()
        raise ModuleError("the secret is %s" % ENV["AZURE_SECRET"])

    result = run_module(monkeypatch, module_main(fn), {})
    assert ENV["AZURE_SECRET"] not in repr(result)


def test_secret_option_is_no_log():
    assert base.AUTH_ARGSPEC["client_secret"]["no_log"] is True
    assert base.AUTH_ARGSPEC["certificate_password"]["no_log"] is True


def test_auth_error_names_the_option(monkeypatch, env):
    def fn(m):
        m.credential()

    result = run_module(monkeypatch, module_main(fn), {"auth_source": "cli", "client_secret": "x"})
    assert result["failed"] and result["option"] == "client_secret"
    assert "exception" in result


def test_missing_subscription(monkeypatch, env):
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID")

    def fn(m):
        m.subscription_id()

    result = run_module(monkeypatch, module_main(fn), {})
    assert result["option"] == "subscription_id" and "AZURE_SUBSCRIPTION_ID" in result["msg"]


def test_unexpected_error(monkeypatch, env):
    def fn(m):
        raise KeyError("oops")

    result = run_module(monkeypatch, module_main(fn), {})
    assert result["failed"] and "unexpected error: KeyError" in result["msg"] and "Traceback" in result["exception"]


def test_closers_run_on_success_and_failure(monkeypatch, env):
    closed = []

    def ok(m):
        m.add_closer(lambda: closed.append("ok"))
        return {"changed": False}

    def bad(m):
        m.add_closer(lambda: closed.append("bad"))
        raise ModuleError("x")

    run_module(monkeypatch, module_main(ok), {})
    run_module(monkeypatch, module_main(bad), {})
    assert closed == ["ok", "bad"]


def test_constructor_builds_no_credential(monkeypatch, env):
    def boom(*args, **kwargs):
        raise AssertionError("no credential may be built in the constructor")

    monkeypatch.setattr(base, "build_credential", boom)

    def fn(m):
        return {"changed": False, "check": m.check_mode, "diff": m.diff_mode}

    result = run_module(monkeypatch, module_main(fn), {}, check_mode=True, diff=True)
    result.pop("invocation")
    assert result == {"changed": False, "check": True, "diff": True}


def test_the_invocation_masks_every_no_log_option_even_one_the_module_unmasked(monkeypatch, env):
    spec = dict(token=dict(type="str", no_log=True),
                link=dict(type="dict", options=dict(uri=dict(type="str", no_log=True), hash=dict(type="str"))),
                items=dict(type="list", elements="dict", options=dict(key=dict(type="str", no_log=True))))

    def fn(m):
        m.module.no_log_values.clear()  # as a module does for a value it returns on purpose
        return {"changed": False}

    def main():
        base.ExoModule(argument_spec=spec, auth=False).run(fn)

    result = run_module(monkeypatch, main, {"token": "abc", "link": {"uri": "https://x.example/a?sig=1", "hash": "H"},
                                            "items": [{"key": "k1"}]})
    assert result["invocation"]["module_args"] == {
        "token": base.NO_LOG_MASK, "link": {"uri": base.NO_LOG_MASK, "hash": "H"}, "items": [{"key": base.NO_LOG_MASK}]}


def test_short_secrets_are_masked_as_whole_words_only(monkeypatch, env):
    def fn(m):
        m.hide_words(["ey", "365"])
        return {"changed": False, "msg": "variable ExoApiKey is encrypted; ey expires in 365 days (365d, 3650)",
                "items": ["ey", {"k": "365"}], "count": 365}

    def main():
        base.ExoModule(argument_spec={}, auth=False).run(fn)

    result = run_module(monkeypatch, main, {})
    assert result["msg"] == "variable ExoApiKey is encrypted; ******** expires in ******** days (365d, 3650)"
    assert result["items"] == ["********", {"k": "********"}]
    assert result["count"] == 365


def test_the_credential_retries_the_token_endpoint_as_arm_is(monkeypatch, env):
    seen = {}

    def record(settings, **kwargs):
        seen.update(kwargs)
        return FakeCredential()

    monkeypatch.setattr(base, "build_credential", record)
    result = run_module(monkeypatch, module_main(lambda m: {"changed": False, "cred": bool(m.credential())}), {})
    assert result["cred"] is True
    assert seen == base.ARM_RETRY


def test_missing_library(monkeypatch, env):
    def fn(m):
        m.require("azure.does_not_exist", "azure-does-not-exist")

    result = run_module(monkeypatch, module_main(fn), {})
    assert result["failed"] and "azure-does-not-exist" in result["msg"]


class Response:
    def __init__(self, headers):
        self.headers = headers
        self.status_code = 401
        self.reason = "Unauthorized"
        self.request = None

    def text(self, encoding=None):
        return ""


def test_error_from_token_failure():
    err = error_from_exception(ClientAuthenticationError(
        "ClientSecretCredential.get_token failed: AADSTS7000215: Invalid client secret provided.\nTrace ID: x"))
    assert err.format().startswith("could not get an access token: ClientSecretCredential.get_token failed: "
                                   "AADSTS7000215: Invalid client secret provided")
    assert "check tenant_id, client_id" in err.format()


@pytest.mark.parametrize("text,hint", [
    ("ClientSecretCredential.get_token failed: AADSTS500011: The resource principal named x was not found",
     "check tenant_id, client_id"),
    ("ClientSecretCredential.get_token failed: (429) Too Many Requests", "kept throttling"),
    ("ClientSecretCredential.get_token failed: <urllib3.connection.HTTPSConnection object>: Failed to establish a "
     "new connection: [Errno 111] Connection refused", "could not be reached"),
    ("CertificateCredential.get_token failed: HTTP 503 Service Unavailable", "sign-in service failed"),
])
def test_token_failures_get_the_hint_of_their_cause(text, hint):
    err = error_from_exception(ClientAuthenticationError(text))
    assert hint in err.format()
    if "AADSTS" not in text:
        assert "check tenant_id" not in err.format()


def test_error_from_connection_failure():
    err = error_from_exception(ServiceRequestError("Cannot connect to host management.azure.com"), "reading x")
    assert err.message.startswith("reading x: could not reach the service")
    assert "REQUESTS_CA_BUNDLE" in err.hint


def test_error_hints_by_code():
    assert "cloud" in base.hint_for(401, "InvalidAuthenticationTokenAudience")
    assert "subscription_id" in base.hint_for(404, "SubscriptionNotFound")
    assert base.hint_for(None) is None
    assert error_from_exception(ValueError("x")) is None
    err = HttpResponseError("(Conflict) busy\nCode: Conflict\nMessage: busy")
    assert error_from_exception(err).message == "busy"


class Poller:
    def __init__(self, done, exc=None):
        self._done = done
        self.exc = exc
        self.timeouts = []

    def result(self, timeout=None):
        self.timeouts.append(timeout)
        if self.exc:
            raise self.exc
        return "result"

    def done(self):
        return self._done

    def status(self):
        return "InProgress"


def test_wait_poller(monkeypatch, env):
    now = [1000.0]
    monkeypatch.setattr(base.time, "time", lambda: now[0])
    seen = {}

    def fn(m):
        poller = Poller(True)
        seen["result"] = m.wait_poller(poller, "deleting x")
        now[0] += 30  # the waits share the task's deadline
        later = Poller(True)
        m.wait_poller(later, "deleting w")
        seen["timeouts"] = poller.timeouts + later.timeouts
        m.wait_poller(Poller(False), "deleting y", timeout=5)

    result = run_module(monkeypatch, module_main(fn, {"timeout": {"type": "int", "default": 42}}), {})
    assert seen == {"result": "result", "timeouts": [42, 12]}
    assert "timed out after" in result["msg"] and "deleting y" in result["msg"] and "InProgress" in result["msg"]
    assert "Raise timeout" in result["msg"]


def test_wait_poller_failure(monkeypatch, env):
    def fn(m):
        m.wait_poller(Poller(True, HttpResponseError("(Failed) the operation failed")), "deleting z")

    result = run_module(monkeypatch, module_main(fn), {})
    assert result["msg"].startswith("deleting z: (Failed) the operation failed")
