"""Reliability suite: the collection's modules, run as Ansible runs them (``ansible localhost -m``), against the
emulator under faults and bad input. Its figures are written to ``docs/reliability.md`` when the suite ends.

* **Transient faults are survived**: for each place a request can fail (ARM read, ARM write, ARM long-running
  operation poll, Graph read, Graph write, token endpoint) and each transient answer (a 429 storm, 500, 502, 503,
  504), the task succeeds and leaves the end state a clean run leaves.
* **Persistent faults fail within the task's deadline**, naming the call.
* **Bad input writes nothing**: a table of bad options over every managing module; each fails naming the option,
  and the emulator's request log holds no write.
* **Check mode writes nothing**: after a converge, the modules in check mode send no write.
* **Interrupted runs re-converge**: ``site.yml`` killed (SIGKILL) or interrupted (SIGINT) at twelve points, several
  between a write and its wait, then run to the end, leaves what an uninterrupted run leaves, with no duplicate.
* **Concurrent runs** of ``site.yml`` leave no duplicate; **seeded duplicate grants** are all removed.

Secrets at ``-vvv`` and in AWX job events are covered by ``tests/tooling/test_awx_runner.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "docs" / "reliability.md"
EXO_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
RG, ACCOUNT, LOCATION = "rg-reliability", "aa-reliability", "westeurope"
TRANSIENT = [
    ("429 storm", dict(status=429, times=4, retry_after_s=1)),
    ("500", dict(status=500, times=1)),
    ("502", dict(status=502, times=1)),
    ("503", dict(status=503, times=1)),
    ("504", dict(status=504, times=1)),
]
RECORDS = {"faults": [], "persistent": [], "bad_input": [], "check_mode": [], "interruptions": [],
           "interruptions_end": [], "concurrent": [], "duplicates": []}


def collections_path():
    if os.environ.get("ANSIBLE_COLLECTIONS_PATH"):
        return os.environ["ANSIBLE_COLLECTIONS_PATH"]
    if ROOT.parent.parent.name == "ansible_collections":
        return str(ROOT.parent.parent.parent)
    return str(ROOT / ".collections")


@pytest.fixture(scope="session")
def ansible_env(emulator_process, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ansible")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "ANSIBLE_"))}
    env.update(emulator_process.env)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": collections_path(),
        "ANSIBLE_STDOUT_CALLBACK": "default",
        "ANSIBLE_LOCAL_TEMP": str(tmp / "local"),
        "ANSIBLE_REMOTE_TEMP": str(tmp / "remote"),
        "ANSIBLE_HOME": str(tmp / "home"),
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
    })
    return env


def run(env, module, args, check=False):
    """``ansible localhost -m m365.exo_automation.<module>``: ``(result, seconds)``."""
    cmd = [str(Path(sys.executable).parent / "ansible"), "localhost", "-m", "m365.exo_automation." + module,
           "-a", json.dumps(args)]
    if check:
        cmd.append("--check")
    started = time.monotonic()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900, check=False)
    seconds = time.monotonic() - started
    try:  # "localhost | SUCCESS => {...}" / "localhost | FAILED! => {...}"
        start = out.stdout.index("localhost | ")
        text = out.stdout[out.stdout.index(" => ", start) + 4:]
        result = json.JSONDecoder().raw_decode(text.lstrip())[0]
        status = out.stdout[start + len("localhost | "):out.stdout.index(" => ", start)]
        result["failed"] = result.get("failed") or status.startswith(("FAILED", "UNREACHABLE"))
    except ValueError:
        raise AssertionError("no result from %s:\n%s\n%s" % (module, out.stdout[-2000:], out.stderr[-2000:]))
    return result, seconds


def ok(env, module, args, check=False):
    result, _seconds = run(env, module, args, check)
    assert not result.get("failed"), (module, result.get("msg"))
    return result


@pytest.fixture
def account(emulator, ansible_env):
    """A fresh tenant holding the resource group and the Automation account (no waits)."""
    emulator.reset(replication_delay_s=0, module_import_s=0, job_run_s=0)
    ok(ansible_env, "resource_group", {"name": RG, "location": LOCATION})
    ok(ansible_env, "automation_account", {"resource_group": RG, "name": ACCOUNT, "location": LOCATION,
                                           "identity": {"type": "system"}})
    emulator.clear_requests()
    return emulator


def writes(emulator):
    """Logged ARM and Graph requests that change state (token requests are POSTs that change nothing)."""
    return [r for r in emulator.writes() if r["api"] in ("arm", "graph")]


# Each place a request can fail: (name, method, path regex, task, what the clean end state is)
def _rg_read(env, emu, n):
    return "resource_group", {"name": RG, "location": LOCATION}


def _rg_write(env, emu, n):
    return "resource_group", {"name": "rg-write-%d" % n, "location": LOCATION}


def _runbook_publish(env, emu, n):
    return "runbook", {"resource_group": RG, "account": ACCOUNT, "name": "Poll-%d" % n,
                       "content": "Write-Output 'poll %d'\n" % n}


def _graph_read(env, emu, n):
    return "service_principal_info", {"app_id": EXO_APP_ID}


def _graph_write(env, emu, n):
    # a tenant that lacks Office 365 Exchange Online: the task creates its service principal
    emu.call("DELETE", "/_emulator/requests")
    sps = [sp for sp in emu.state()["graph"].get("servicePrincipals", {}).values() if sp.get("appId") == EXO_APP_ID]
    if sps:
        ok(env, "service_principal", {"app_id": EXO_APP_ID, "state": "absent"})
    return "service_principal", {"app_id": EXO_APP_ID}


def _token(env, emu, n):
    return "resource_group", {"name": RG, "location": LOCATION}


def _grants(env, emu, n):
    # a new identity's app role and Entra role in one task: the fault hits the Entra role's POST, after the app
    # role was granted
    identity = ok(env, "user_assigned_identity", {"resource_group": RG, "name": "id-grants-%d" % n,
                                                  "location": LOCATION})
    return "principal_access", {"principal": identity["identity"]["principal_id"],
                                "app_roles": [{"resource": EXO_APP_ID, "app_roles": ["Exchange.ManageAsApp"]}],
                                "directory_roles": ["Exchange Recipient Administrator"]}


PLACES = [
    ("ARM read", "GET", r"(?i)/resourcegroups/rg-reliability$", _rg_read),
    ("ARM write", "PUT", r"(?i)/resourcegroups/rg-write-", _rg_write),
    ("ARM operation poll", "GET", r"/operationStatuses/", _runbook_publish),
    ("Graph read", "GET", r"^/v1\.0/servicePrincipals$", _graph_read),
    ("Graph write", "POST", r"^/v1\.0/servicePrincipals$", _graph_write),
    ("token", "POST", r"/oauth2/v2\.0/token$", _token),
    ("Graph grant", "POST", r"^/v1\.0/roleManagement/directory/roleAssignments$", _grants),
]


def end_state_clean(emu, place, args):
    state = emu.state()
    arm = state["arm"]
    if place == "ARM write":
        return sum(1 for rid in arm if rid.lower().endswith("/resourcegroups/" + args["name"])) == 1
    if place == "ARM operation poll":
        runbook = [v for rid, v in arm.items() if rid.lower().endswith("/runbooks/" + args["name"].lower())]
        return len(runbook) == 1 and runbook[0]["properties"]["state"] == "Published"
    if place == "Graph write":
        return sum(1 for sp in state["graph"]["servicePrincipals"].values() if sp.get("appId") == EXO_APP_ID) == 1
    if place == "Graph grant":  # one of each, no copy
        graph = state["graph"]
        return ([a["principalId"] for a in graph["appRoleAssignments"].values()].count(args["principal"]) == 1
                and [a["principalId"] for a in graph["roleAssignments"].values()].count(args["principal"]) == 1)
    return True


@pytest.mark.parametrize("place,method,regex,task", PLACES, ids=[p[0] for p in PLACES])
def test_transient_faults_are_survived_with_a_clean_end_state(account, ansible_env, place, method, regex, task):
    for n, (label, fault) in enumerate(TRANSIENT):
        module, args = task(ansible_env, account, n)
        account.clear_faults()
        account.add_fault(method=method, path_regex=regex, **fault)
        result, seconds = run(ansible_env, module, args)
        left = [f for f in account.call("GET", "/_emulator/faults") if f["times"] > 0]
        account.clear_faults()
        survived = not result.get("failed")
        clean = survived and end_state_clean(account, place, args)
        RECORDS["faults"].append((place, label, fault["times"], survived and clean, seconds))
        assert survived, (place, label, result.get("msg"))
        assert clean, (place, label, "end state is not the one a clean run leaves")
        assert not left, (place, label, "the fault was never hit: the test did not test it")


RG_PATH = r"(?i)/resourcegroups/rg-reliability$"
SP_PATH = r"(?i)/v1\.0/servicePrincipals$"
PERSISTENT = [
    ("ARM read, 503 every time", "resource_group", {"name": RG, "location": LOCATION, "timeout": 10},
     dict(method="GET", path_regex=RG_PATH, status=503, times=1000), 10, "/resourcegroups/rg-reliability"),
    ("ARM read, Retry-After 120 s", "resource_group", {"name": RG, "location": LOCATION, "timeout": 60},
     dict(method="GET", path_regex=RG_PATH, status=429, times=1000, retry_after_s=120), 60,
     "/resourcegroups/rg-reliability"),
    ("ARM read, no answer for 20 s", "resource_group", {"name": RG, "location": LOCATION, "timeout": 10},
     dict(method="GET", path_regex=RG_PATH, status=0, times=1000, delay_ms=20000), 10,
     "/resourcegroups/rg-reliability"),
    # a Graph-only module: its timeout option bounds the Graph calls, retries and Retry-After waits alike
    ("Graph read, 503 every time", "service_principal", {"app_id": "exchange_online", "timeout": 10},
     dict(method="GET", path_regex=SP_PATH, status=503, times=1000), 10, "/serviceprincipals"),
    ("Graph read, Retry-After 120 s", "service_principal", {"app_id": "exchange_online", "timeout": 60},
     dict(method="GET", path_regex=SP_PATH, status=429, times=1000, retry_after_s=120), 60, "/serviceprincipals"),
    ("Graph read, no answer for 20 s", "service_principal", {"app_id": "exchange_online", "timeout": 10},
     dict(method="GET", path_regex=SP_PATH, status=0, times=1000, delay_ms=20000), 10, "/serviceprincipals"),
]


@pytest.mark.parametrize("label,module,args,fault,deadline,names", PERSISTENT, ids=[p[0] for p in PERSISTENT])
def test_persistent_faults_fail_within_the_deadline(account, ansible_env, label, module, args, fault, deadline, names):
    account.add_fault(**fault)
    result, seconds = run(ansible_env, module, args)
    account.clear_faults()
    RECORDS["persistent"].append((label, deadline, seconds, bool(result.get("failed"))))
    assert result.get("failed"), label
    assert seconds < deadline + 15, (label, seconds)
    assert names in result["msg"].lower(), result["msg"]


# (module, args, the option the error must name)
BAD_INPUT = [
    ("resource_group", {"name": "rg bad/name", "location": LOCATION}, "name"),
    ("user_assigned_identity", {"resource_group": RG, "name": "id bad/name", "location": LOCATION}, "name"),
    ("automation_account", {"resource_group": RG, "name": "a", "location": LOCATION}, "name"),
    ("automation_account", {"resource_group": RG, "name": ACCOUNT, "location": LOCATION,
                            "identity": {"type": "user", "user_assigned_identities": ["/subscriptions/x/resourceGroups/y"]}},
     "identity"),
    ("automation_module", {"resource_group": RG, "account": ACCOUNT, "name": "ExchangeOnlineManagement",
                           "version": "v3"}, "version"),
    ("runtime_environment", {"resource_group": RG, "account": ACCOUNT, "name": "bad name!",
                             "runtime_version": "7.4"}, "name"),
    ("runbook", {"resource_group": RG, "account": ACCOUNT, "name": "Empty", "content": "  \n"}, "content"),
    ("runbook", {"resource_group": RG, "account": ACCOUNT, "name": "bad name!", "content": "Write-Output 1"}, "name"),
    ("runbook_job", {"resource_group": RG, "account": ACCOUNT, "runbook": "bad name!"}, "runbook"),
    ("automation_variable", {"resource_group": RG, "account": ACCOUNT, "name": "a/b", "value": "x"}, "name"),
    ("automation_schedule", {"resource_group": RG, "account": ACCOUNT, "name": "Daily", "frequency": "Day",
                             "interval": 1, "start_time": "2000-01-01T00:00:00Z"}, "start_time"),
    ("automation_webhook", {"resource_group": RG, "account": ACCOUNT, "name": "hook", "runbook": "Missing",
                            "expiry_time": "2000-01-01T00:00:00Z"}, "expiry_time"),
    ("service_principal", {"app_id": "not-a-guid"}, "app_id"),
    ("app_role_assignment", {"principal": "not-a-guid", "resource": EXO_APP_ID,
                             "app_roles": ["Exchange.ManageAsApp"]}, "principal"),
    ("app_role_assignment", {"principal": "00000000-0000-0000-0000-000000000001", "resource": EXO_APP_ID,
                             "app_roles": ["Exchange.ManageAsApp"], "principal_wait_timeout": -1},
     "principal_wait_timeout"),
    ("directory_role_assignment", {"principal": "00000000-0000-0000-0000-000000000001",
                                   "roles": ["No Such Role"]}, "roles"),
    ("directory_role_assignment", {"principal": "00000000-0000-0000-0000-000000000001",
                                   "roles": ["Exchange Administrator"], "directory_scope_id": "tenant"},
     "directory_scope_id"),
    # a wrong Entra role fails before the (valid) app role is granted
    ("principal_access", {"principal": "00000000-0000-0000-0000-000000000001",
                          "app_roles": [{"resource": EXO_APP_ID, "app_roles": ["Exchange.ManageAsApp"]}],
                          "directory_roles": ["No Such Role"]}, "directory_roles"),
    ("principal_access", {"principal": "00000000-0000-0000-0000-000000000001",
                          "app_roles": [{"resource": EXO_APP_ID}]}, "app_roles"),
]


@pytest.mark.parametrize("check", [False, True], ids=["run", "check mode"])
def test_bad_input_fails_naming_the_option_and_writes_nothing(account, ansible_env, check):
    failures = []
    for module, args, option in BAD_INPUT:
        account.clear_requests()
        result, _seconds = run(ansible_env, module, args, check=check)
        written = writes(account)
        named = result.get("failed") and (result.get("option") == option or option in (result.get("msg") or ""))
        if not check:
            RECORDS["bad_input"].append((module, option, bool(named), len(written)))
        if not named or written:
            failures.append((module, option, result.get("msg"), written))
    assert not failures


def test_check_mode_after_a_converge_writes_nothing(account, ansible_env):
    tasks = [
        ("resource_group", {"name": RG, "location": LOCATION}),
        ("automation_account", {"resource_group": RG, "name": ACCOUNT, "location": LOCATION,
                                "identity": {"type": "system"}}),
        ("runbook", {"resource_group": RG, "account": ACCOUNT, "name": "Audit-Me", "content": "Write-Output 1\n"}),
        ("automation_variable", {"resource_group": RG, "account": ACCOUNT, "name": "Org", "value": "contoso"}),
        ("automation_module", {"resource_group": RG, "account": ACCOUNT, "name": "ExchangeOnlineManagement"}),
    ]
    for module, args in tasks:
        ok(ansible_env, module, args)
    changed_args = [(m, dict(a)) for m, a in tasks]
    changed_args[2][1]["content"] = "Write-Output 2\n"     # would change
    changed_args[3][1]["value"] = "fabrikam"               # would change
    account.clear_requests()
    predicted = [ok(ansible_env, m, a, check=True).get("changed") for m, a in changed_args]
    written = writes(account)
    RECORDS["check_mode"].append((len(tasks), sum(1 for p in predicted if p), len(written)))
    assert predicted == [False, False, True, True, False]
    assert written == []


# -- site.yml: interrupted, concurrent -------------------------------------------------------------
SITE = ROOT / "playbooks" / "site.yml"
DEMO_VARS = ROOT / "playbooks" / "vars" / "demo.yml"
SETUP_TIMING = dict(replication_delay_s=1, module_import_s=2, job_run_s=1)
# Where site.yml is interrupted: right after the request matching (method, path regex) has been answered, with
# the signal shown. Several of them fall between a write and the wait that follows it (the account's identity
# replicating, a module import, a runbook publish, a job).
INTERRUPTIONS = [
    ("PUT", r"(?i)/resourcegroups/rg-exo-automation$", "SIGKILL", "resource group created"),
    ("PUT", r"(?i)/userAssignedIdentities/id-exo-automation$", "SIGINT", "identity created"),
    ("PUT", r"(?i)/automationAccounts/aa-exo-automation$", "SIGKILL", "account created, identity replicating"),
    ("POST", r"/appRoleAssignments$", "SIGINT", "Exchange.ManageAsApp granted"),
    ("POST", r"/roleManagement/directory/roleAssignments$", "SIGKILL", "Entra role assigned"),
    # The runtime environment's packages import in the background while the 5.1 modules import. Each point is
    # one the next run still reaches whatever the two streams did before the cut: the environment comes first,
    # the first module right after it, the last package (which waits for the others) long before the last module
    # (which waits for the first two).
    ("PUT", r"(?i)/runtimeEnvironments/exo-powershell-74$", "SIGKILL", "runtime environment created"),
    ("PUT", r"(?i)/modules/PackageManagement$", "SIGKILL", "first module import started"),
    ("PUT", r"(?i)/runtimeEnvironments/exo-powershell-74/packages/ExchangeOnlineManagement$", "SIGINT",
     "runtime environment package import started"),
    ("PUT", r"(?i)/modules/ExchangeOnlineManagement$", "SIGINT", "ExchangeOnlineManagement import started"),
    ("PUT", r"(?i)/runbooks/Test-ExchangeOnlineConnection/draft/content$", "SIGKILL", "draft uploaded, not published"),
    ("POST", r"(?i)/runbooks/Test-ExchangeOnlineConnection-74/publish$", "SIGINT", "publish started"),
    ("PUT", r"(?i)/jobs/[^/]+$", "SIGKILL", "verification job started"),
]
# Points where the module goes on at once in the same process: the request after the point is answered late
# (3 s), so that the signal lands before it. The request log shows a request only once it is answered, and the
# runbooks are one task: without the hold, a signal meant for "draft uploaded" could land after both runbooks
# were published (a dozen requests later), and the next point would never happen.
HOLDS = {
    "draft uploaded, not published": ("GET", r"(?i)/runbooks/Test-ExchangeOnlineConnection/draft/content$"),
}


def site_command(*extra):
    return [str(Path(sys.executable).parent / "ansible-playbook"), str(SITE), "-e", "@%s" % DEMO_VARS] + list(extra)


def start_site(env, log, *extra, mark=None):
    """site.yml in a session of its own; ``mark`` goes into the environment of every process of the run as
    EXO_TEST_RUN, so that the test can find them all (see signal_run)."""
    if mark:
        env = dict(env, EXO_TEST_RUN=mark)
    return subprocess.Popen(site_command(*extra), env=env, cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def marked(mark):
    """Every process whose environment holds EXO_TEST_RUN=``mark``: also those that left the run's process tree
    (an async task's job is a daemon of its own)."""
    needle = ("EXO_TEST_RUN=%s" % mark).encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % entry, "rb") as f:
                if needle in f.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:
            continue
    return found


def run_tree(pid):
    """``pid`` and every process below it (Linux /proc), parents first."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ": state, ppid, ...
        if fields[0] != "Z":
            parents.setdefault(int(fields[1]), []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop(0)
        tree.append(current)
        todo.extend(parents.get(current, []))
    return tree


def signal_run(pid, sig, mark=None):
    """Send ``sig`` to every process of the run. ansible-core 2.19 starts each worker in a session of its own
    (WorkerProcess calls setsid), so a signal to ansible-playbook's process group no longer reaches the module
    processes, and an async task's job leaves the tree altogether; a removed AWX job pod, a stopped container or a
    lost host stops them all, and a Ctrl-C that reaches only ansible-playbook would leave the module running to
    its end, which interrupts nothing. ``mark`` (start_site's) finds the processes outside the tree. Returns the
    pids."""
    tree = run_tree(pid)
    tree += [m for m in (marked(mark) if mark else []) if m not in tree]
    for member in tree:
        try:
            os.kill(member, sig)
        except ProcessLookupError:
            pass
    return tree


def wait_gone(pids, timeout=60):
    """Wait until none of ``pids`` runs any more (a zombie counts as gone); SIGKILL what is left at ``timeout``."""
    import signal

    def alive(member):
        try:
            with open("/proc/%d/stat" % member) as f:
                stat = f.read()
        except OSError:
            return False
        return stat[stat.rindex(")") + 2:].split()[0] != "Z"

    deadline = time.monotonic() + timeout
    while any(alive(m) for m in pids):
        if time.monotonic() > deadline:
            for member in pids:
                if alive(member):
                    os.kill(member, signal.SIGKILL)
            deadline = time.monotonic() + 30
        time.sleep(0.05)


def run_site(env, tmp_path, name):
    log_path = tmp_path / ("%s.log" % name)
    with open(log_path, "w") as log:
        rc = start_site(env, log).wait(timeout=900)
    return rc, log_path.read_text()


def interrupt_site(emu, env, tmp_path, name, method, regex, signame, hold=None):
    """Run site.yml and send ``signame`` to it as soon as the emulator has answered a request matching
    ``method``/``regex``. ``hold`` (method, regex): a request answered 3 s late, the one right after that point.
    Returns True when the signal was sent (False: the run ended before that request)."""
    import re
    import signal

    pattern = re.compile(regex)
    emu.clear_requests()
    emu.clear_faults()
    if hold:
        emu.add_fault(method=hold[0], path_regex=hold[1], status=0, delay_ms=3000, times=1)
    with open(tmp_path / ("%s.log" % name), "w") as log:
        # the verification job runs on every interrupted run (by default only after a change, and the run before
        # the last point may have changed everything before it was cut)
        proc = start_site(env, log, "-e", "exchange_online_automation_verify=always", mark=name)
        sent = False
        tree = []
        while proc.poll() is None:
            if any(r["method"] == method and pattern.search(r["path"]) for r in emu.requests()):
                tree = signal_run(proc.pid, getattr(signal, signame), mark=name)
                sent = True
                break
            time.sleep(0.05)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            tree = signal_run(proc.pid, signal.SIGKILL, mark=name)
            proc.wait(timeout=30)
    emu.clear_faults()
    # no process of this run (a module, a background job) writes during the next one
    wait_gone(tree + [m for m in marked(name) if m not in tree])
    with open(tmp_path / ("%s.requests" % name), "w") as seen:  # what the run did, beside its output
        seen.writelines("%s %s %s\n" % (r["seq"], r["method"], r["path"]) for r in emu.requests())
    return sent


def setup_snapshot(emu):
    """What a run leaves, without what differs between two clean runs (ids, times, jobs): ARM objects with their
    provisioning and runbook states, and the Graph grants by principal, role and resource."""
    state = emu.state()
    arm = sorted((rid.lower(), (v.get("properties") or {}).get("provisioningState"),
                  (v.get("properties") or {}).get("state"))
                 for rid, v in state["arm"].items() if "/jobs/" not in rid.lower())
    graph = state["graph"]
    names = dict((sp["id"], sp.get("displayName")) for sp in graph.get("servicePrincipals", {}).values())
    app_roles = sorted((a.get("principalDisplayName"), a.get("appRoleId"), a.get("resourceDisplayName"))
                       for a in graph.get("appRoleAssignments", {}).values())
    roles = sorted((names.get(a.get("principalId")), a.get("roleDefinitionId"), a.get("directoryScopeId"))
                   for a in graph.get("roleAssignments", {}).values())
    principals = sorted((sp.get("appId") is not None, sp.get("displayName"))
                        for sp in graph.get("servicePrincipals", {}).values())
    return {"arm": arm, "app_roles": app_roles, "roles": roles, "principals": principals}


def duplicates_in(snapshot):
    return dict((key, sorted(set(i for i in items if items.count(i) > 1)))
                for key, items in snapshot.items() if len(set(items)) != len(items))


@pytest.fixture(scope="module")
def clean_setup(emulator_process, ansible_env, tmp_path_factory):
    """What one uninterrupted site.yml run leaves on a fresh tenant."""
    emulator_process.reset(**SETUP_TIMING)
    rc, output = run_site(ansible_env, tmp_path_factory.mktemp("clean"), "clean")
    assert rc == 0, output[-3000:]
    return setup_snapshot(emulator_process)


def test_site_interrupted_at_many_points_reconverges_to_a_clean_run(emulator, ansible_env, clean_setup, tmp_path):
    emulator.reset(**SETUP_TIMING)
    missed = []
    for n, (method, regex, signame, point) in enumerate(INTERRUPTIONS):
        sent = interrupt_site(emulator, ansible_env, tmp_path, "cut-%d" % n, method, regex, signame,
                              hold=HOLDS.get(point))
        RECORDS["interruptions"].append((point, signame, sent))
        if not sent:
            missed.append(point)
    emulator.clear_requests()
    rc, output = run_site(ansible_env, tmp_path, "final")
    after = setup_snapshot(emulator)
    RECORDS["interruptions_end"].append((rc == 0, after == clean_setup, not duplicates_in(after)))
    assert not missed, "these interruptions never happened, the test did not test them: %s" % missed
    assert rc == 0, output[-3000:]
    assert not duplicates_in(after), duplicates_in(after)
    assert after == clean_setup


def test_two_concurrent_site_runs_leave_one_clean_setup(emulator, ansible_env, clean_setup, tmp_path):
    emulator.reset(**SETUP_TIMING)
    logs = [open(tmp_path / ("run-%d.log" % n), "w") for n in (1, 2)]
    try:
        procs = [start_site(ansible_env, log) for log in logs]
        codes = [p.wait(timeout=900) for p in procs]
    finally:
        for log in logs:
            log.close()
    during = setup_snapshot(emulator)
    rc, output = run_site(ansible_env, tmp_path, "after")
    after = setup_snapshot(emulator)
    RECORDS["concurrent"].append((codes, not duplicates_in(during), rc == 0 and after == clean_setup))
    assert not duplicates_in(during), duplicates_in(during)
    assert rc == 0, output[-3000:]
    assert after == clean_setup


def test_seeded_duplicate_grants_are_all_removed(account, ansible_env):
    """Graph can hold two copies of one grant (replica races, other tools): state absent removes every copy, and
    exclusive keeps exactly one."""
    account.settings(replication_delay_s=0)
    identity = ok(ansible_env, "user_assigned_identity", {"resource_group": RG, "name": "id-duplicates",
                                                          "location": LOCATION})
    principal = identity["identity"]["principal_id"]
    grant = {"principal": principal, "resource": EXO_APP_ID, "app_roles": ["Exchange.ManageAsApp"]}
    role = {"principal": principal, "roles": ["Exchange Recipient Administrator"]}
    ok(ansible_env, "app_role_assignment", grant)
    ok(ansible_env, "directory_role_assignment", role)

    def copies():
        graph = account.state()["graph"]
        return (sorted(i for i, a in graph["appRoleAssignments"].items() if a["principalId"] == principal),
                sorted(i for i, a in graph["roleAssignments"].items() if a["principalId"] == principal))

    def seed():
        app_ids, role_ids = copies()
        account.call("POST", "/_emulator/graph/appRoleAssignments/%s/duplicate" % app_ids[0])
        account.call("POST", "/_emulator/graph/roleAssignments/%s/duplicate" % role_ids[0])
        assert [len(c) for c in copies()] == [2, 2]

    seed()
    kept = [ok(ansible_env, "app_role_assignment", dict(grant, exclusive=True)),
            ok(ansible_env, "directory_role_assignment", dict(role, exclusive=True))]
    after_exclusive = [len(c) for c in copies()]
    seed_count = after_exclusive == [1, 1]
    seed()
    removed = [ok(ansible_env, "app_role_assignment", dict(grant, state="absent")),
               ok(ansible_env, "directory_role_assignment", dict(role, state="absent"))]
    after_absent = [len(c) for c in copies()]
    RECORDS["duplicates"].append((after_exclusive, after_absent))
    assert all(r.get("changed") for r in kept + removed)
    assert seed_count, after_exclusive
    assert after_absent == [0, 0]


def pytest_sessionfinish_report():
    lines = ["# Reliability figures", "",
             "Written by the reliability suite (`make reliability`, part of `make test`) on %s, against the "
             "emulator. Each row of the fault and bad-input tables is one module run (`ansible localhost -m`); the "
             "interrupted and concurrent runs are whole `site.yml` runs." % time.strftime("%Y-%m-%d"), ""]
    if RECORDS["faults"]:
        lines += ["## Transient faults", "",
                  "The fault is injected on the named requests for the number of answers shown; the task must",
                  "succeed and leave the end state of a clean run (one object, published, no duplicate).", "",
                  "| where | answer | times | survived, clean end state | seconds |", "| --- | --- | --- | --- | --- |"]
        lines += ["| %s | %s | %d | %s | %.1f |" % (p, lbl, t, "yes" if s else "**no**", sec)
                  for p, lbl, t, s, sec in RECORDS["faults"]]
        lines.append("")
    if RECORDS["persistent"]:
        lines += ["## Persistent faults", "", "The task must fail, naming the call, within its `timeout`.", "",
                  "| fault | timeout (s) | failed after (s) |", "| --- | --- | --- |"]
        lines += ["| %s | %d | %.1f |" % (lbl, d, sec) for lbl, d, sec, _f in RECORDS["persistent"]]
        lines.append("")
    if RECORDS["bad_input"]:
        lines += ["## Bad input", "", "Each fails before anything is written, naming the option (also in check mode).",
                  "", "| module | option | named | writes |", "| --- | --- | --- | --- |"]
        lines += ["| %s | %s | %s | %d |" % (m, o, "yes" if n else "**no**", w) for m, o, n, w in RECORDS["bad_input"]]
        lines.append("")
    if RECORDS["check_mode"]:
        tasks, changes, writes = RECORDS["check_mode"][-1]
        lines += ["## Check mode", "", "After a converge of %d tasks, the same tasks in check mode with two changed "
                  "options predicted %d changes and sent %d writes." % (tasks, changes, writes), ""]
    if RECORDS["interruptions"]:
        lines += ["## Interrupted runs", "",
                  "`playbooks/site.yml` with `playbooks/vars/demo.yml` on a fresh tenant, stopped right after the request "
                  "named, one run after the other; then one run to the end, compared with an uninterrupted run.", "",
                  "| interrupted when | signal | interrupted |", "| --- | --- | --- |"]
        lines += ["| %s | %s | %s |" % (p, sig, "yes" if sent else "**no**") for p, sig, sent in RECORDS["interruptions"]]
        for ok_rc, same, no_dup in RECORDS["interruptions_end"]:
            lines += ["", "The run after them: %s; end state equal to an uninterrupted run: %s; duplicates: %s."
                      % ("succeeded" if ok_rc else "**failed**", "yes" if same else "**no**", "none" if no_dup else "**found**")]
        lines.append("")
    for codes, no_dup, same in RECORDS["concurrent"]:
        lines += ["## Concurrent runs", "",
                  "Two `site.yml` runs started together on a fresh tenant ended with exit codes %s; duplicates: %s; "
                  "one more run then left the state of an uninterrupted run: %s." % (
                      " and ".join(str(c) for c in codes), "none" if no_dup else "**found**", "yes" if same else "**no**"),
                  ""]
    for exclusive, absent in RECORDS["duplicates"]:
        lines += ["## Duplicate grants", "",
                  "Two copies each of Exchange.ManageAsApp and of an Entra role seeded for one identity: `exclusive` "
                  "left %d and %d, `state: absent` left %d and %d." % (exclusive[0], exclusive[1], absent[0], absent[1]),
                  ""]
    lines += ["Secrets (client secret, certificate password, encrypted values, webhook URI, SAS tokens, bearer",
              "tokens) at `-vvv` and in AWX job events: `tests/tooling/test_awx_runner.py` and the unit tests of",
              "`automation_variable`, `automation_module`, `runtime_environment` and the `automation_webhook` action.",
              ""]
    REPORT.write_text("\n".join(lines))


@pytest.fixture(scope="session", autouse=True)
def write_report():
    yield
    if any(RECORDS.values()):
        pytest_sessionfinish_report()
