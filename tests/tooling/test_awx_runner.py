"""``playbooks/site.yml`` run the way AWX runs a job: through ansible-runner, at verbosity 3, with the credentials
injected as AWX injects them. No secret may show up in any job event or artifact.

Cases:

* ``azure_rm``: AWX's built-in *Microsoft Azure Resource Manager* credential (its injector sets
  ``AZURE_SUBSCRIPTION_ID``, ``AZURE_CLIENT_ID``, ``AZURE_SECRET``, ``AZURE_TENANT``, and
  ``AZURE_CLOUD_ENVIRONMENT`` when set); the emulator's endpoints come as plain job environment.
* ``custom_certificate`` / ``custom_federated``: the collection's custom credential type
  (``extensions/awx/credential_types/exo_automation_azure.yml``), its injectors rendered with the same sandboxed
  Jinja2 AWX uses: every ``template.<name>`` written to a private file, ``tower.filename.<name>`` pointing to it.
  The admin's certificate (PEM, encrypted key) or the emulator's federated token is the credential's input.

What is scanned: every file ansible-runner leaves in the private data directory (``artifacts/<ident>/stdout``,
``job_events/*.json``, ``command``, ``status``, ``rc``, ...), every event the event handler received, and the
job's HOME. ansible-runner's ``command`` artifact records the environment it was handed, which holds the injected
variables by design (AWX keeps its own masked copy instead); there, and only there, a secret may appear as the
exact value of the variable that carries it. The credential files the injector wrote are the input, not output.

Searched for: the client secret, the certificate password, every line of the PEM private key's body, a
``PRIVATE KEY-----`` marker, the federated token, and anything shaped like a JWT (``eyJ...\\.eyJ``, which covers
bearer tokens and client assertions).

Each run must succeed and the emulator's request log must show token requests and writes, so the scan cannot pass
on a run that never signed in. One more job signs in with a wrong certificate password: it must fail with the
collection's error about the password, and leak nothing either.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CREDENTIAL_TYPE_FILE = ROOT / "extensions" / "awx" / "credential_types" / "exo_automation_azure.yml"
SITE = "playbooks/site.yml"
DEMO_VARS = ROOT / "playbooks" / "vars" / "demo.yml"
JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ")
KEY_MARKER = "PRIVATE KEY-----"

# What AWX's azure_rm injector sets (awx credential injectors: azure_rm), from the credential's inputs.
AZURE_RM_ENV = ("AZURE_SUBSCRIPTION_ID", "AZURE_CLIENT_ID", "AZURE_TENANT", "AZURE_SECRET")
ENDPOINT_ENV = ("AZURE_CLOUD_ENVIRONMENT", "AZURE_ARM_ENDPOINT", "AZURE_GRAPH_ENDPOINT", "AZURE_AUTHORITY_HOST")
CA_ENV = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")
# Variables a developer's shell may hold that would change how the job signs in; the job gets none of them.
AMBIENT_PREFIXES = ("AZURE_", "ARM_", "MSI_", "IDENTITY_")


# ----------------------------------------------------------------------------------------------------------------
# Layout: where the collection is found
# ----------------------------------------------------------------------------------------------------------------
def collections_path():
    """ANSIBLE_COLLECTIONS_PATH for this tree: the environment's, else the directory above ``ansible_collections``
    (a tree at ansible_collections/m365/exo_automation), else ``<repo>/.collections`` (``make venv`` links it)."""
    if os.environ.get("ANSIBLE_COLLECTIONS_PATH"):
        return os.environ["ANSIBLE_COLLECTIONS_PATH"]
    if ROOT.parent.parent.name == "ansible_collections":
        return str(ROOT.parent.parent.parent)
    return str(ROOT / ".collections")


def _collection_reachable(path):
    return any((Path(p) / "ansible_collections" / "m365" / "exo_automation" / "galaxy.yml").exists()
               for p in path.split(os.pathsep) if p)


# ----------------------------------------------------------------------------------------------------------------
# The credential type and AWX's rendering of its injectors
# ----------------------------------------------------------------------------------------------------------------
def load_credential_type():
    with open(CREDENTIAL_TYPE_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def render_injectors(credential_type, inputs, private_data_dir):
    """Inject a credential of ``credential_type`` holding ``inputs`` as AWX does: a namespace of the inputs that
    are set (booleans default to False), each file template rendered into ``<private_data_dir>/env`` (mode 0600),
    ``tower.filename`` a path (one unnamed template) or a namespace of paths (``template.<name>``), then every env
    template rendered. Returns ``(env, written_files)``."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    fields = credential_type["inputs"]["fields"]
    missing = [name for name in credential_type["inputs"].get("required", []) if not inputs.get(name)]
    assert not missing, "AWX refuses a credential without its required fields: %s" % missing
    unknown = set(inputs) - {field["id"] for field in fields}
    assert not unknown, "inputs the credential type does not define: %s" % sorted(unknown)

    tower = SimpleNamespace()
    namespace = {"tower": tower}
    for field in fields:
        value = inputs.get(field["id"])
        if field.get("type") == "boolean":
            namespace[field["id"]] = bool(value)
        elif value:
            namespace[field["id"]] = value

    sandbox = ImmutableSandboxedEnvironment()
    env_dir = os.path.join(private_data_dir, "env")
    os.makedirs(env_dir, mode=0o700, exist_ok=True)
    single, named, written = None, {}, []
    for label, template in credential_type["injectors"].get("file", {}).items():
        data = sandbox.from_string(template).render(**namespace)
        handle, path = tempfile.mkstemp(dir=env_dir)
        with os.fdopen(handle, "w") as out:
            out.write(data)
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        written.append(path)
        if "." not in label:
            single = path
        else:
            named[label.split(".", 1)[1]] = path
    tower.filename = single or SimpleNamespace(**named)

    env = {name: sandbox.from_string(template).render(**namespace)
           for name, template in credential_type["injectors"].get("env", {}).items()}
    assert not credential_type["injectors"].get("extra_vars"), "the credential type should inject no extra vars"
    return env, written


def azure_rm_injector(inputs):
    """AWX's built-in Microsoft Azure Resource Manager injector, for a service principal."""
    env = {"AZURE_SUBSCRIPTION_ID": inputs.get("subscription", "")}
    env["AZURE_CLIENT_ID"] = inputs["client"]
    env["AZURE_TENANT"] = inputs["tenant"]
    env["AZURE_SECRET"] = inputs.get("secret", "")
    if inputs.get("cloud_environment"):
        env["AZURE_CLOUD_ENVIRONMENT"] = inputs["cloud_environment"]
    return env


# ----------------------------------------------------------------------------------------------------------------
# The scan
# ----------------------------------------------------------------------------------------------------------------
def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from _strings(key)
            yield from _strings(value)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            yield from _strings(value)


def find_secrets(text, secrets):
    """Names of the secrets (``{name: value}``) found in ``text``, plus ``jwt`` and ``private key marker``."""
    found = [name for name, value in secrets.items() if value and value in text]
    if JWT_RE.search(text):
        found.append("jwt")
    if KEY_MARKER in text:
        found.append("private key marker")
    return found


def _file_text(path):
    with open(path, "rb") as handle:
        raw = handle.read().decode("utf-8", "replace")
    try:
        decoded = "\n".join(_strings(json.loads(raw)))   # JSON escapes undone, so "\n" in a value cannot hide a match
    except ValueError:
        decoded = ""
    return raw + "\n" + decoded


def scan_tree(top, secrets, skip=(), allowed_env=None):
    """``["<relative path>: <secret names>", ...]`` for every file under ``top`` that holds a secret.

    ``artifacts/*/command``: ansible-runner's record of the command line and the environment it was given. Its
    ``env`` entries named in ``allowed_env`` are compared with the value injected instead of scanned: equal is
    expected, anything else (or a secret anywhere else in the file) is reported."""
    allowed_env = allowed_env or {}
    skip = {os.path.realpath(p) for p in skip}
    hits = []
    for dirpath, _dirs, files in os.walk(top):
        for name in files:
            path = os.path.join(dirpath, name)
            if os.path.realpath(path) in skip or os.path.islink(path):
                continue
            rel = os.path.relpath(path, top)
            if name == "command" and os.path.basename(os.path.dirname(os.path.dirname(path))) == "artifacts":
                with open(path, encoding="utf-8") as handle:
                    record = json.load(handle)
                env = dict(record.get("env") or {})
                for key, value in allowed_env.items():
                    if key in env:
                        if env.pop(key) != value:
                            hits.append("%s: env.%s differs from the injected value" % (rel, key))
                for key, value in env.items():
                    for secret in find_secrets(key + "=" + value, secrets):
                        hits.append("%s: env.%s holds %s" % (rel, key, secret))
                rest = json.dumps({k: v for k, v in record.items() if k != "env"}, ensure_ascii=False)
                found = find_secrets(rest, secrets)
            else:
                found = find_secrets(_file_text(path), secrets)
            if found:
                hits.append("%s: %s" % (rel, ", ".join(sorted(set(found)))))
    return hits


def scan_events(events, secrets):
    hits = []
    for event in events:
        found = find_secrets(json.dumps(event, ensure_ascii=False) + "\n" + "\n".join(_strings(event)), secrets)
        if found:
            task = (event.get("event_data") or {}).get("task")
            hits.append("event %s %s (task %r): %s" % (event.get("counter"), event.get("event"), task,
                                                       ", ".join(sorted(set(found)))))
    return hits


def pem_key_lines(pem_text):
    """The base64 lines of every PRIVATE KEY block in ``pem_text`` (encrypted or not)."""
    lines, inside = [], False
    for line in pem_text.splitlines():
        line = line.strip()
        if line.startswith("-----BEGIN") and "PRIVATE KEY" in line:
            inside = True
        elif line.startswith("-----END"):
            inside = False
        elif inside and line and ":" not in line:   # skip the Proc-Type / DEK-Info headers of legacy PEM
            lines.append(line)
    return lines


# ----------------------------------------------------------------------------------------------------------------
# Fixtures
# ----------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def emulator():
    from tests.emulator.client import EmulatorProcess

    with EmulatorProcess() as emu:
        yield emu


@pytest.fixture
def awx_job(emulator, tmp_path, monkeypatch):
    """Runs site.yml as an AWX job; returns ``run(envvars, secrets, credential_files, allowed_env)``."""
    import ansible_runner

    path = collections_path()
    if not _collection_reachable(path):
        pytest.fail("m365.exo_automation is not under ANSIBLE_COLLECTIONS_PATH %s: run `make venv` (it links the "
                    "tree into .collections/) or set ANSIBLE_COLLECTIONS_PATH" % path)
    for name in list(os.environ):
        if name.startswith(AMBIENT_PREFIXES) or name in CA_ENV + ("EXO_ORGANIZATION",):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    # ansible-playbook of the Python that runs the tests (an execution environment has it on PATH).
    monkeypatch.setenv("PATH", os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    emulator.reset(replication_delay_s=0, module_import_s=0, job_run_s=0)
    with open(DEMO_VARS, encoding="utf-8") as handle:
        extravars = yaml.safe_load(handle)

    def run(envvars, secrets, credential_files=(), allowed_env=None, private_data_dir=None, fails_with=None):
        private_data_dir = private_data_dir or str(tmp_path / "job")
        os.makedirs(private_data_dir, mode=0o700, exist_ok=True)
        job_env = {
            "ANSIBLE_COLLECTIONS_PATH": path,
            "ANSIBLE_RETRY_FILES_ENABLED": "False",   # as AWX sets it
            "ANSIBLE_NOCOLOR": "1",
            "HOME": str(home),
            "PATH": os.environ["PATH"],
            # Ansible's own temporary files stay in the test's directory, where the scan sees any left behind.
            "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp" / "local"),
            "ANSIBLE_REMOTE_TEMP": str(tmp_path / "ansible-tmp" / "remote"),
            "EXO_ORGANIZATION": emulator.health["organization"],
        }
        job_env.update(envvars)
        events = []
        started = time.perf_counter()
        result = ansible_runner.run(
            private_data_dir=private_data_dir, project_dir=str(ROOT), playbook=SITE, ident="1",
            envvars=job_env, extravars=extravars, verbosity=3, quiet=True,
            suppress_env_files=True,   # AWX_RUNNER_OMIT_ENV_FILES, AWX's default
            event_handler=lambda event: events.append(event) or True,
        )
        elapsed = time.perf_counter() - started
        stdout = (Path(private_data_dir) / "artifacts" / "1" / "stdout").read_text(encoding="utf-8", errors="replace") \
            if (Path(private_data_dir) / "artifacts" / "1" / "stdout").exists() else ""
        requests = emulator.requests()
        tokens = [r for r in requests if r["api"] == "token" and r["method"] == "POST" and r["status"] == 200]
        writes = [r for r in requests if r["method"] not in ("GET", "HEAD") and r["api"] in ("arm", "graph")]
        if fails_with is None:
            assert result.status == "successful" and result.rc == 0, \
                "site.yml failed under ansible-runner (%s, rc %s):\n%s" % (result.status, result.rc, stdout[-6000:])
            assert tokens, "the run requested no token: the credential was never used"
            assert writes, "the run wrote nothing to ARM or Graph: it did not build the setup"
            min_events = 50
        else:
            assert result.status == "failed" and fails_with in stdout, \
                "site.yml should fail with %r (%s, rc %s):\n%s" % (fails_with, result.status, result.rc, stdout[-6000:])
            min_events = 5
        assert any(e.get("event") == "playbook_on_stats" for e in events), "no playbook_on_stats event received"
        assert "<127.0.0.1>" in stdout or "ESTABLISH LOCAL CONNECTION" in stdout, "stdout is not verbose (-vvv)"

        artifacts = Path(private_data_dir) / "artifacts" / "1"
        event_files = list((artifacts / "job_events").glob("*.json"))
        assert len(event_files) >= min_events and len(events) >= min_events, "too few job events"
        with open(artifacts / "command", encoding="utf-8") as handle:
            runner_env = json.load(handle)["env"]
        assert {k: runner_env.get(k) for k in allowed_env or {}} == dict(allowed_env or {}), \
            "ansible-runner's command artifact does not record the injected environment"

        hits = scan_tree(private_data_dir, secrets, skip=credential_files, allowed_env=allowed_env)
        hits += scan_tree(str(home), secrets)
        hits += scan_tree(str(tmp_path / "ansible-tmp"), secrets)
        hits += scan_events(events, secrets)
        assert not hits, "secrets in the job's events or artifacts:\n  " + "\n  ".join(hits)
        return SimpleNamespace(result=result, events=events, seconds=elapsed, tokens=len(tokens),
                               private_data_dir=private_data_dir)

    return run


def _endpoint_env(emulator):
    env = emulator.env
    return {name: env[name] for name in ENDPOINT_ENV + CA_ENV if env.get(name)}


def _custom_inputs(emulator, **material):
    env = emulator.env
    inputs = {
        "subscription_id": env["AZURE_SUBSCRIPTION_ID"],
        "tenant": env["AZURE_TENANT"],
        "client_id": env["AZURE_CLIENT_ID"],
        "cloud_environment": env.get("AZURE_CLOUD_ENVIRONMENT", ""),
        "arm_endpoint": env["AZURE_ARM_ENDPOINT"],
        "graph_endpoint": env["AZURE_GRAPH_ENDPOINT"],
        "authority_host": env["AZURE_AUTHORITY_HOST"],
    }
    inputs.update(material)
    return inputs


def _require_health(emulator, *keys):
    missing = [key for key in keys if key not in emulator.health]
    if missing:
        pytest.skip("the emulator's health answer has no %s yet (certificate and federated sign-in are not served)"
                    % ", ".join(missing))


# ----------------------------------------------------------------------------------------------------------------
# Tests
# ----------------------------------------------------------------------------------------------------------------
def test_scanner_reports_planted_secrets(tmp_path):
    """The scan finds what it looks for, where it looks (so a clean scan means something)."""
    secrets = {"client secret": "s3cr3t~value", "key line": "MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI"}
    artifacts = tmp_path / "artifacts" / "1"
    (artifacts / "job_events").mkdir(parents=True)
    (artifacts / "stdout").write_text("ok: Authorization: Bearer eyJhbGciOi.eyJzdWIiOi.sig\n")
    (artifacts / "job_events" / "1-x.json").write_text(json.dumps({"stdout": "key\\n" + secrets["key line"]}))
    (artifacts / "command").write_text(json.dumps({"command": ["ansible-playbook"], "cwd": "/",
                                                   "env": {"AZURE_SECRET": "s3cr3t~value", "OTHER": "s3cr3t~value"}}))
    (artifacts / "status").write_text("successful")
    hits = scan_tree(str(tmp_path), secrets, allowed_env={"AZURE_SECRET": "s3cr3t~value"})
    assert sorted(hits) == sorted([
        os.path.join("artifacts", "1", "command") + ": env.OTHER holds client secret",
        os.path.join("artifacts", "1", "job_events", "1-x.json") + ": key line",
        os.path.join("artifacts", "1", "stdout") + ": jwt",
    ])
    assert scan_events([{"counter": 3, "event": "runner_on_ok", "event_data": {"res": {"x": "-----BEGIN PRIVATE "
                                                                                            "KEY-----"}}}], {})
    pem = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\nBBBB\n-----END ENCRYPTED PRIVATE KEY-----\n" \
          "-----BEGIN CERTIFICATE-----\nCCCC\n-----END CERTIFICATE-----\n"
    assert pem_key_lines(pem) == ["AAAA", "BBBB"]


def test_credential_type_shape():
    """The file holds what AWX's Credential Types form and awx.awx.credential_type take, and its injectors render
    (AWX validates them the same way: every field set, undefined names are errors)."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    ctype = load_credential_type()
    assert set(ctype) == {"name", "description", "kind", "inputs", "injectors"}
    assert ctype["kind"] == "cloud"
    fields = {field["id"]: field for field in ctype["inputs"]["fields"]}
    for field in fields.values():
        assert {"id", "label", "type"} <= set(field) <= {"id", "label", "type", "secret", "multiline", "help_text",
                                                         "choices", "format"}, field
        assert field["type"] == "string"
    assert {f for f, spec in fields.items() if spec.get("secret")} == {"certificate", "certificate_password",
                                                                       "federated_token"}
    assert {f for f, spec in fields.items() if spec.get("multiline")} == {"certificate", "federated_token"}
    assert set(ctype["inputs"]["required"]) <= set(fields)
    assert set(ctype["injectors"]) <= {"file", "env", "extra_vars"}
    assert all(label.startswith("template.") for label in ctype["injectors"]["file"])
    assert set(ctype["injectors"]["env"]) == {
        "AZURE_SUBSCRIPTION_ID", "AZURE_TENANT", "AZURE_CLIENT_ID", "AZURE_CLIENT_CERTIFICATE_PATH",
        "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_CLOUD_ENVIRONMENT",
        "AZURE_ARM_ENDPOINT", "AZURE_GRAPH_ENDPOINT", "AZURE_AUTHORITY_HOST"}
    assert not [name for name in ctype["injectors"]["env"] if name.startswith("ANSIBLE_")]

    strict = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    namespace = {field: "EXAMPLE" for field in fields}
    namespace["tower"] = SimpleNamespace(filename=SimpleNamespace(
        **{label.split(".", 1)[1]: "/runner/env/tmpEXAMPLE" for label in ctype["injectors"]["file"]}))
    for template in list(ctype["injectors"]["file"].values()) + list(ctype["injectors"]["env"].values()):
        strict.from_string(template).render(**namespace)


def test_credential_type_empty_fields_inject_empty_variables(tmp_path):
    """AWX sets every listed variable; an unused sign-in method must come out empty (the modules treat empty as
    unset), never as the path of an empty file."""
    ctype = load_credential_type()
    env, files = render_injectors(ctype, {"subscription_id": "s", "tenant": "t", "client_id": "c"}, str(tmp_path))
    assert env["AZURE_CLIENT_CERTIFICATE_PATH"] == "" and env["AZURE_FEDERATED_TOKEN_FILE"] == ""
    assert env["AZURE_CLIENT_CERTIFICATE_PASSWORD"] == "" and env["AZURE_ARM_ENDPOINT"] == ""
    assert env["AZURE_SUBSCRIPTION_ID"] == "s" and env["AZURE_TENANT"] == "t" and env["AZURE_CLIENT_ID"] == "c"
    assert len(files) == 2 and all(stat.S_IMODE(os.stat(p).st_mode) == 0o600 for p in files)

    env, files = render_injectors(ctype, {"subscription_id": "s", "tenant": "t", "client_id": "c",
                                          "certificate": "PEM"}, str(tmp_path / "2"))
    assert open(env["AZURE_CLIENT_CERTIFICATE_PATH"], encoding="utf-8").read() == "PEM"
    assert env["AZURE_FEDERATED_TOKEN_FILE"] == ""


def test_site_with_azure_rm_credential(emulator, awx_job):
    """(a) The built-in Microsoft Azure Resource Manager credential."""
    env = emulator.env
    injected = azure_rm_injector({"subscription": env["AZURE_SUBSCRIPTION_ID"], "client": env["AZURE_CLIENT_ID"],
                                  "tenant": env["AZURE_TENANT"], "secret": env["AZURE_SECRET"]})
    assert set(injected) == set(AZURE_RM_ENV)
    job_env = _endpoint_env(emulator)
    job_env.update(injected)
    run = awx_job(job_env, {"client secret": env["AZURE_SECRET"]}, allowed_env={"AZURE_SECRET": env["AZURE_SECRET"]})
    print("azure_rm: site.yml in %.1f s, %d token requests" % (run.seconds, run.tokens))


def test_site_with_custom_credential_certificate(emulator, awx_job, tmp_path):
    """(b) The custom credential type with the admin's client certificate (encrypted key + password)."""
    _require_health(emulator, "admin_certificate")
    cert = emulator.health["admin_certificate"]
    pem = Path(cert["path"]).read_text(encoding="utf-8")
    key_lines = pem_key_lines(pem)
    assert key_lines, "the admin certificate PEM holds no private key"
    private_data_dir = str(tmp_path / "job")
    injected, files = render_injectors(
        load_credential_type(),
        _custom_inputs(emulator, certificate=pem, certificate_password=cert["password"]), private_data_dir)
    assert injected["AZURE_CLIENT_CERTIFICATE_PATH"] in files and injected["AZURE_FEDERATED_TOKEN_FILE"] == ""
    assert "AZURE_SECRET" not in injected
    secrets = {"certificate password": cert["password"], "client secret": emulator.env["AZURE_SECRET"]}
    secrets.update({"private key line %d" % n: line for n, line in enumerate(key_lines, 1)})
    job_env = {name: emulator.env[name] for name in CA_ENV}
    job_env.update(injected)
    run = awx_job(job_env, secrets, credential_files=files, private_data_dir=private_data_dir,
                  allowed_env={"AZURE_CLIENT_CERTIFICATE_PASSWORD": cert["password"]})
    print("custom certificate: site.yml in %.1f s, %d token requests" % (run.seconds, run.tokens))


def test_site_with_custom_credential_federated(emulator, awx_job, tmp_path):
    """(b) The custom credential type with a federated token (workload identity federation)."""
    _require_health(emulator, "admin_federated_token_file")
    token = Path(emulator.health["admin_federated_token_file"]).read_text(encoding="utf-8").strip()
    assert JWT_RE.search(token), "the emulator's federated token is not a JWT"
    private_data_dir = str(tmp_path / "job")
    injected, files = render_injectors(load_credential_type(), _custom_inputs(emulator, federated_token=token),
                                       private_data_dir)
    assert injected["AZURE_FEDERATED_TOKEN_FILE"] in files and injected["AZURE_CLIENT_CERTIFICATE_PATH"] == ""
    job_env = {name: emulator.env[name] for name in CA_ENV}
    job_env.update(injected)
    run = awx_job(job_env, {"federated token": token, "client secret": emulator.env["AZURE_SECRET"]},
                  credential_files=files, private_data_dir=private_data_dir)
    print("custom federated: site.yml in %.1f s, %d token requests" % (run.seconds, run.tokens))


def test_failed_sign_in_leaks_nothing(emulator, awx_job, tmp_path):
    """A job whose certificate password is wrong fails at the first module, with an error that names the problem
    and none of the secrets (AWX shows failed tasks' results in full)."""
    _require_health(emulator, "admin_certificate")
    cert = emulator.health["admin_certificate"]
    pem = Path(cert["path"]).read_text(encoding="utf-8")
    wrong = "not-the-password-" + cert["password"][::-1]
    private_data_dir = str(tmp_path / "job")
    injected, files = render_injectors(
        load_credential_type(), _custom_inputs(emulator, certificate=pem, certificate_password=wrong), private_data_dir)
    secrets = {"certificate password": cert["password"], "wrong certificate password": wrong}
    secrets.update({"private key line %d" % n: line for n, line in enumerate(pem_key_lines(pem), 1)})
    job_env = {name: emulator.env[name] for name in CA_ENV}
    job_env.update(injected)
    awx_job(job_env, secrets, credential_files=files, private_data_dir=private_data_dir,
            allowed_env={"AZURE_CLIENT_CERTIFICATE_PASSWORD": wrong},
            fails_with="certificate_password does not open the private key")
