"""What the demo setup declares, and what that implies: the critical path of a converge from empty and the
fewest state reads of a converge that changes nothing. Both are computed from the vars file merged over the
exchange_online_automation role's defaults, so a change to either moves the figures."""
import os

import yaml

from tests.emulator.client import REPO_ROOT

ROLE_DEFAULTS = os.path.join(REPO_ROOT, "roles", "exchange_online_automation", "defaults", "main.yml")
PREFIX = "exchange_online_automation_"


def declared(vars_file):
    """The role's variables (without the prefix): its defaults, overridden by ``vars_file``."""
    with open(ROLE_DEFAULTS) as f:
        merged = yaml.safe_load(f) or {}
    with open(vars_file) as f:
        merged.update(yaml.safe_load(f) or {})
    return dict((k[len(PREFIX):], v) for k, v in merged.items() if k.startswith(PREFIX))


def _modules(decl):
    return list(decl.get("modules") or []) if decl.get("powershell51", True) else []


def _environments(decl):
    envs = []
    for env in decl.get("runtime_environments") or []:
        packages = env.get("packages", decl.get("modules") or [])
        envs.append((env["name"], len(packages)))
    return envs


def critical_path(decl, waits):
    """Seconds a converge from empty must wait at least, from the emulator's wait settings.

    What must run in sequence: the identity's service principal is visible to Graph ``replication_delay_s``
    after the identity is written, and only then can the grants be written; the modules of a list are imported
    one after the other in the declared order (the role's contract: the list is in dependency order, and
    nothing finer is declared), so a list of n modules takes n x ``module_import_s``; the PowerShell 5.1 list
    and each runtime environment's packages are independent chains. The verification job needs all of them
    and runs ``job_run_s``. Everything else (ARM writes, reads) the emulator answers at once."""
    imp = float(waits.get("module_import_s") or 0)
    chains = {"identity replication before the grants": float(waits.get("replication_delay_s") or 0)}
    modules = _modules(decl)
    if modules:
        chains["PowerShell 5.1 modules (%d in sequence)" % len(modules)] = len(modules) * imp
    for name, count in _environments(decl):
        chains["runtime environment %s (%d packages in sequence)" % (name, count)] = count * imp
    job = float(waits.get("job_run_s") or 0) if decl.get("verify", True) else 0.0
    longest = max(chains.values()) if chains else 0.0
    return longest + job, {
        "chains_s": chains, "verification_job_s": job,
        "how": "longest of the independent chains (each in sequence inside) + the verification job, which needs "
               "all of them; waits from the emulator's settings"}


def min_requests(decl):
    """One read per declared object: ``(total, {"arm": n, "graph": n}, objects)``."""
    arm, graph = [], []
    arm.append("resource group")
    identity = decl.get("identity") or "system"
    if identity in ("user", "both"):
        arm.append("user-assigned identity")
    arm.append("Automation account")
    for module in _modules(decl):
        arm.append("module %s" % module["name"])
    for name, count in _environments(decl):
        arm.append("runtime environment %s" % name)
        arm.extend("package %d of %s" % (i + 1, name) for i in range(count))
    runbooks = [r["name"] for r in decl.get("runbooks") or []]
    if decl.get("verify", True) and decl.get("verification_runbook") not in runbooks:
        runbooks.append(decl.get("verification_runbook"))
    arm.extend("runbook %s" % name for name in runbooks)
    for kind in ("variables", "schedules", "webhooks"):
        arm.extend("%s %s" % (kind[:-1], item.get("name")) for item in decl.get(kind) or [])
    identities = 2 if identity == "both" else 1
    graph.extend(["service principal of the identity"] * identities)
    resources = sorted(set(grant["resource"] for grant in decl.get("app_roles") or []))
    graph.extend("service principal %s" % name for name in resources)
    if resources:
        graph.extend(["app role assignments of the identity (one list)"] * identities)
    if decl.get("directory_roles"):
        graph.extend(["Entra role assignments of the identity (one list)"] * identities)
    return len(arm) + len(graph), {"arm": len(arm), "graph": len(graph)}, arm + graph
