# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one base every module of the collection stands on.

``ExoModule`` wraps ``AnsibleModule``: its constructor only parses arguments (no network, no SDK import);
``run(fn)`` calls ``fn(module) -> dict`` and turns every error into one ``fail_json`` with the message, HTTP
status, the service's error code, the request id and the traceback. SDKs are imported lazily by the client
factories, so a task pays only for what it uses.

    def main():
        ExoModule(argument_spec=ARGSPEC, supports_check_mode=True).run(run_module)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.m365.exo_automation.plugins.module_utils.errors import (  # noqa: F401 - re-exported
    ModuleError,
    error_from_exception,
    hint_for,
)
from ansible_collections.m365.exo_automation.plugins.module_utils import arm
from ansible_collections.m365.exo_automation.plugins.module_utils.graph import GraphClient, lighten_http_imports
from ansible_collections.m365.exo_automation.plugins.module_utils.auth import (
    AUTH_ARGSPEC,
    AuthError,
    build_credential,
    cli_subscription_id,
    resolve,
)

COLLECTION_VERSION = "0.1.0"
USER_AGENT = "m365.exo_automation/%s" % COLLECTION_VERSION

# azure-core's RetryPolicy does the retrying (408, 429 and 5xx, honouring Retry-After; a POST only with
# Retry-After or on 500/503/504). azure-core retries a bad status 3 times by default; ARM throttling often
# needs more. These bounds keep a throttled task within a few minutes.
ARM_RETRY = {
    "retry_total": 8,
    "retry_status": 6,
    "retry_backoff_factor": 0.8,
    "retry_backoff_max": 60,
}

DEFAULT_TIMEOUT = 600

# pip distribution names of the Python packages the modules import (the longest matching prefix wins).
REQUIREMENTS = {
    "azure.identity": "azure-identity",
    "azure.core": "azure-core",
    "azure.mgmt.automation": "azure-mgmt-automation",
    "azure.mgmt.msi": "azure-mgmt-msi",
    "azure.mgmt.resource": "azure-mgmt-resource",
    "msgraph": "msgraph-sdk",
    "msgraph_core": "msgraph-sdk",
    "kiota_abstractions": "msgraph-sdk",
    "kiota_http": "msgraph-sdk",
    "kiota_authentication_azure": "msgraph-sdk",
    "httpx": "msgraph-sdk",
}

# What the Graph transport imports, checked before its first request.
GRAPH_IMPORTS = ("msgraph", "httpx", "kiota_abstractions", "kiota_http", "kiota_authentication_azure", "msgraph_core")


def pip_name_for(import_name):
    """The pip distribution that provides ``import_name`` (``azure.mgmt.resource.resources`` ->
    ``azure-mgmt-resource``), or None."""
    parts = import_name.split(".")
    for n in range(len(parts), 0, -1):
        found = REQUIREMENTS.get(".".join(parts[:n]))
        if found:
            return found
    return None


NO_LOG_MASK = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
WORD_MASK = "********"
# Secrets shorter than this are masked as whole words only (see ExoModule.hide_words).
SHORT_SECRET = 8


def masked_params(spec, params):
    """``params`` with the value of every ``no_log`` option (suboptions too) replaced by Ansible's mask."""
    if not isinstance(params, dict):
        return params
    out = {}
    for name, value in params.items():
        option = (spec or {}).get(name) or {}
        if option.get("no_log") and value is not None:
            out[name] = NO_LOG_MASK
        elif option.get("options") and isinstance(value, dict):
            out[name] = masked_params(option["options"], value)
        elif option.get("options") and isinstance(value, list):
            out[name] = [masked_params(option["options"], v) for v in value]
        else:
            out[name] = value
    return out


def _replace_strings(value, replace):
    if isinstance(value, dict):
        return dict((k, _replace_strings(v, replace)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_replace_strings(v, replace) for v in value]
    if isinstance(value, str):
        return replace(value)
    return value


class ExoModule:
    """Thin wrapper around AnsibleModule. The constructor only builds the AnsibleModule (argument parsing);
    no network, no SDK import."""

    def __init__(self, argument_spec, supports_check_mode=True, auth=True, **ansible_module_kwargs):
        spec = {}
        if auth:
            spec.update(AUTH_ARGSPEC)
            # the task's deadline (doc fragment m365.exo_automation.timeout); modules that wait declare their own
            spec["timeout"] = dict(type="int", default=DEFAULT_TIMEOUT)
        spec.update(argument_spec or {})
        self._generic_timeout = auth and "timeout" not in (argument_spec or {})
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=supports_check_mode,
                                    **ansible_module_kwargs)
        self.params = self.module.params
        self.check_mode = bool(self.module.check_mode)
        self.diff_mode = bool(getattr(self.module, "_diff", False))
        self._auth = None
        self._credential = None
        self._subscription_id = None
        self._clients = {}
        self._closers = []
        self._words = set()
        # Automation accounts read by automation.get_account, by (group, name): a task that manages several objects
        # of one account (modules, runbooks) reads it once
        self.accounts = {}
        # principal object ids Graph has shown it knows (flow.LinkSet): a task that grants several kinds of roles
        # waits for a new identity once
        self.known_principals = set()
        # the principal option resolved (an ARM id read once) by value, for the same reason
        self.principals = {}
        # one deadline for the whole task: every ARM request, retry and Retry-After stays within it
        self.started = time.time()
        self.deadline = self.started + (self.params.get("timeout") or DEFAULT_TIMEOUT)

    # -- imports -----------------------------------------------------------------------------------
    def require(self, import_name, pip_name=None, find_only=False):
        """Import a module, or fail with ``missing_required_lib`` naming the pip package. ``find_only`` checks
        that a top-level package is installed without importing it (msgraph-sdk's own package: the transport
        uses its HTTP stack, and importing ``msgraph`` would load GraphServiceClient for nothing)."""
        import importlib
        import importlib.util

        try:
            if find_only:
                if importlib.util.find_spec(import_name) is None:
                    raise ImportError("No module named %r" % import_name)
                return None
            return importlib.import_module(import_name)
        except ImportError:
            pip_name = pip_name or pip_name_for(import_name) or import_name
            self._close()
            self.module.fail_json(msg="%s (pip install %s, or pip install -r requirements.txt of the collection)"
                                  % (missing_required_lib(pip_name), pip_name),
                                  exception=traceback.format_exc())

    # -- auth --------------------------------------------------------------------------------------
    def auth_settings(self):
        """Resolved auth settings (see auth.resolve); raises ModuleError naming the bad option."""
        if self._auth is None:
            try:
                self._auth = resolve(self.params)
            except AuthError as err:
                raise ModuleError(str(err), option=err.option)
            for secret in self._auth.secrets:
                self.module.no_log_values.add(secret)
        return self._auth

    def cloud(self):
        return self.auth_settings().cloud

    def credential(self):
        """The azure-identity TokenCredential for the auth options (cached)."""
        if self._credential is None:
            settings = self.auth_settings()
            self.require("azure.identity")
            try:
                self._credential = build_credential(settings, **ARM_RETRY)
            except AuthError as err:
                raise ModuleError(str(err), option=err.option)
            close = getattr(self._credential, "close", None)
            if close:
                self._closers.append(close)
        return self._credential

    def subscription_id(self):
        """The subscription for ARM calls; a clear error when none is configured."""
        if self._subscription_id is None:
            settings = self.auth_settings()
            sub = settings.subscription_id
            if not sub and settings.kind == "cli":
                sub = cli_subscription_id()
            if not sub:
                raise ModuleError("subscription_id is required for this module: set the subscription_id option, "
                                  "export AZURE_SUBSCRIPTION_ID, or add subscription_id to the credentials "
                                  "profile", option="subscription_id")
            self._subscription_id = sub
        return self._subscription_id

    def tenant_id(self):
        return self.auth_settings().tenant_id

    # -- clients -----------------------------------------------------------------------------------
    def arm_client_kwargs(self):
        cloud = self.cloud()
        kwargs = {
            "base_url": cloud.arm_endpoint,
            "credential_scopes": [cloud.arm_scope],
            "user_agent": USER_AGENT,
            "connection_timeout": arm.CONNECT_TIMEOUT,
            "read_timeout": arm.READ_TIMEOUT,
            "retry_policy": arm.deadline_retry_policy(self.deadline, **ARM_RETRY),
        }
        return kwargs

    def arm_client(self, kind, subscription_id=None):
        """The SDK client ``kind`` (a key of arm.CLIENTS) on the cloud's ARM endpoint, for the task's
        subscription or for ``subscription_id`` (a principal given by a resource id of another subscription).
        One client per kind and subscription per module run."""
        subscription = subscription_id or self.subscription_id()
        key = (kind, subscription.lower())
        if key not in self._clients:
            import_name, class_name = arm.CLIENTS[kind]
            cls = getattr(self.require(import_name), class_name)
            client = cls(self.credential(), subscription, **self.arm_client_kwargs())
            self._clients[key] = client
            self._closers.append(client.close)
        return self._clients[key]

    def automation_client(self):
        """azure.mgmt.automation.AutomationClient on the cloud's ARM endpoint."""
        return self.arm_client("automation")

    def msi_client(self):
        """azure.mgmt.msi.ManagedServiceIdentityClient on the cloud's ARM endpoint."""
        return self.arm_client("msi")

    def resource_client(self):
        """azure.mgmt.resource ResourceManagementClient on the cloud's ARM endpoint."""
        return self.arm_client("resource")

    def graph(self):
        """module_utils.graph.GraphClient on the cloud's Graph endpoint (msgraph-sdk's request adapter)."""
        if "graph" not in self._clients:
            lighten_http_imports()
            for name in GRAPH_IMPORTS:
                self.require(name, find_only=name == "msgraph")
            cloud = self.cloud()
            client = GraphClient(self.credential(), cloud.graph_endpoint, [cloud.graph_scope], module=self,
                                 deadline=self.deadline)
            self._clients["graph"] = client
            self._closers.append(client.close)
        return self._clients["graph"]

    def add_closer(self, fn):
        """Call ``fn()`` when the module finishes (success or failure)."""
        self._closers.append(fn)

    # -- long-running operations -------------------------------------------------------------------
    def wait_poller(self, poller, what, timeout=None):
        """Wait for an azure-core LROPoller within ``timeout`` seconds (default: what is left of the task's deadline,
        the ``timeout`` option or 600 s from the start).

        Returns the poller's result; raises ModuleError when the operation fails or the time is up (the
        operation itself continues in Azure)."""
        if timeout is None:  # what is left of the task's deadline
            timeout = max(1, int(self.deadline - time.time()))
        started = time.time()
        try:
            result = poller.result(timeout=timeout)
        except Exception as exc:  # noqa: BLE001
            err = error_from_exception(exc, what)
            if err is None:
                raise
            raise err
        if not poller.done():
            raise ModuleError("timed out after %d s waiting for %s (status: %s); the operation continues in Azure"
                              % (int(time.time() - started), what, _poller_status(poller)),
                              hint="Raise timeout, or re-run the task later: it picks up the current state.")
        return result

    # -- output ------------------------------------------------------------------------------------
    def hide_words(self, values):
        """Mask ``values`` in everything the module returns as whole words only. AnsibleModule masks a no_log
        value wherever it stands, so a secret of a few characters would be masked inside every word that holds
        it ("encr********pted"); such values go here instead."""
        for value in values:
            self.module.no_log_values.discard(value)
            self._words.add(value)

    def _returned(self, kwargs):
        """The invocation with every no_log option masked (whatever a module later unmasked for its result),
        and the whole-word secrets masked."""
        kwargs["invocation"] = {"module_args": masked_params(self.module.argument_spec, self.params)}
        if not self._words:
            return kwargs
        words = sorted(self._words, key=len, reverse=True)
        pattern = re.compile(r"(?<![0-9A-Za-z])(?:%s)(?![0-9A-Za-z])" % "|".join(re.escape(w) for w in words))
        return _replace_strings(kwargs, lambda text: pattern.sub(WORD_MASK, text))

    def warn(self, msg):
        self.module.warn(msg)

    def debug(self, msg):
        self.module.debug(msg)

    def fail(self, err, exception=None):
        """Fail the task with a ModuleError (or any exception, translated)."""
        if not isinstance(err, ModuleError):
            translated = error_from_exception(err)
            if translated is None:
                translated = ModuleError("unexpected error: %s: %s" % (type(err).__name__, err),
                                         hint="This is a bug if it is not caused by the environment; the "
                                              "traceback is in the task result (use -vvv).")
            err = translated
        kwargs = err.fail_kwargs()
        kwargs["exception"] = exception or traceback.format_exc()
        self._close()
        self.module.fail_json(**self._returned(kwargs))

    def exit(self, result):
        self._close()
        self.module.exit_json(**self._returned(dict(result)))

    def run(self, fn):
        """``result = fn(self)``; ``exit_json(**result)``. Every error goes through :meth:`fail`."""
        try:
            if self._generic_timeout and self.params["timeout"] < 1:
                raise ModuleError("option 'timeout' must be 1 or more seconds (the time the whole task may take)",
                                  option="timeout")
            result = fn(self)
        except SystemExit:
            raise
        except Exception as exc:  # noqa: BLE001 - the one place errors are caught
            self.fail(exc, exception=traceback.format_exc())
            return
        if result is None:
            result = {"changed": False}
        self.exit(result)

    def _close(self):
        closers, self._closers = self._closers, []
        for close in reversed(closers):
            try:
                close()
            except Exception:  # noqa: BLE001 - closing must never mask the result
                pass


def main(argument_spec, run_module, **kwargs):
    """A module's ``main()``: an :class:`ExoModule` with check mode (``kwargs``: ``mutually_exclusive``,
    ``required_one_of``, ...) runs ``run_module(module)`` and exits with its result."""
    ExoModule(argument_spec=argument_spec, supports_check_mode=True, **kwargs).run(run_module)


def _poller_status(poller):
    try:
        return poller.status()
    except Exception:  # noqa: BLE001
        return "unknown"


__all__ = ["ARM_RETRY", "DEFAULT_TIMEOUT", "ExoModule", "ModuleError", "USER_AGENT", "error_from_exception",
           "hint_for", "main"]
