"""Start, stop and drive an emulator process from Python (tests, demo, benchmark).

    with EmulatorProcess() as emu:
        emu.reset(replication_delay_s=2)
        os.environ.update(emu.env)            # the admin's secret; or emu.certificate_env() / emu.federated_env()
"""
import json
import os
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class EmulatorProcess:
    def __init__(self, port=0, state_file=None, python=None):
        self.port = port
        self.state_file = state_file
        self.python = python or sys.executable
        self.proc = None
        self.url = None
        self.ca_file = None
        self._ctx = None
        self._health = None

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self, timeout=20):
        cmd = [self.python, "-m", "tests.emulator", "--port", str(self.port)]
        if self.state_file:
            cmd += ["--state", self.state_file]
        self.proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        deadline = time.time() + timeout
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(timeout=max(0.1, deadline - time.time()))
            raise RuntimeError(f"emulator exited with {self.proc.returncode} before printing its start line")
        info = json.loads(line)
        self.url, self.ca_file = info["url"], info["ca_file"]
        self._ctx = ssl.create_default_context(cafile=self.ca_file)
        self._health = self.call("GET", "/_emulator/health")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- HTTP -----------------------------------------------------------------------------------
    def call(self, method, path, body=None, headers=None, raw=False):
        """One request; returns the parsed JSON body (or ``(status, headers, body)`` with raw=True)."""
        data = None if body is None else json.dumps(body).encode()
        hdrs = {"Content-Type": "application/json"} if data is not None else {}
        hdrs.update(headers or {})
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, context=self._ctx, timeout=30) as resp:
                status, rh, payload = resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            status, rh, payload = err.code, dict(err.headers), err.read()
        parsed = None
        if payload:
            try:
                parsed = json.loads(payload)
            except ValueError:
                parsed = payload.decode("utf-8", "replace")
        if raw:
            return status, rh, parsed
        if status >= 400:
            raise RuntimeError(f"{method} {path} -> {status}: {parsed}")
        return parsed

    # -- control API ----------------------------------------------------------------------------
    @property
    def health(self):
        return self._health

    @property
    def env(self):
        return dict(self._health["env"])

    @property
    def admin_certificate(self):
        """``{"path", "password", "thumbprint"}`` of the seeded admin's certificate (PEM: encrypted key + cert)."""
        return dict(self._health["admin_certificate"])

    @property
    def federated_token_file(self):
        """The file holding the emulator issuer's current federated token for the seeded admin."""
        return self._health["admin_federated_token_file"]

    def certificate_env(self):
        """``env`` with the certificate instead of the secret (``AZURE_CLIENT_CERTIFICATE_PATH`` + password)."""
        env = self.env
        env.pop("AZURE_SECRET", None)
        env["AZURE_CLIENT_CERTIFICATE_PATH"] = self._health["admin_certificate"]["path"]
        env["AZURE_CLIENT_CERTIFICATE_PASSWORD"] = self._health["admin_certificate"]["password"]
        return env

    def federated_env(self):
        """``env`` with the federated token file instead of the secret (``AZURE_FEDERATED_TOKEN_FILE``)."""
        env = self.env
        env.pop("AZURE_SECRET", None)
        env["AZURE_FEDERATED_TOKEN_FILE"] = self._health["admin_federated_token_file"]
        return env

    def reset(self, **options):
        return self.call("POST", "/_emulator/reset", options)

    def state(self):
        return self.call("GET", "/_emulator/state")

    def requests(self):
        return self.call("GET", "/_emulator/requests")

    def clear_requests(self):
        self.call("DELETE", "/_emulator/requests")

    def writes(self, api=None):
        """Logged requests that change state (anything but GET/HEAD), optionally of one api."""
        return [r for r in self.requests() if r["method"] not in ("GET", "HEAD") and (api is None or r["api"] == api)]

    def add_fault(self, **rule):
        return self.call("POST", "/_emulator/faults", rule)["id"]

    def clear_faults(self):
        self.call("DELETE", "/_emulator/faults")

    def settings(self, **values):
        return self.call("PUT", "/_emulator/settings", values)
