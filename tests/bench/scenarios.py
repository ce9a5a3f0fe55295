"""The scenarios of ``make bench``. Each takes a :class:`Bench` and returns a dict of figures (each with its unit)."""
import ast
import os
import sys

import yaml

from tests.bench import model, venvs
from tests.bench.common import (BENCH_DIR, COLLECTIONS, DEMO_VARS, PLAYBOOKS, REPO_ROOT, fig, median,
                                median_summary, request_summary, run_ansible, task_counts,
                                write_interpreter_wrapper)

# The emulator's waits for the converge from empty (seconds): what an import, Graph replication and a job take.
CONVERGE_WAITS = {"module_import_s": 5, "replication_delay_s": 5, "job_run_s": 2}
SITE = os.path.join(PLAYBOOKS, "site.yml")
AUDIT = os.path.join(PLAYBOOKS, "audit.yml")
DEMO = ["-e", "@" + DEMO_VARS]
RESOURCE_GROUP = "rg-exo-automation"
SCALE_REPEATED_MAX = 5  # scale: audits of more accounts run once
ACCOUNT = "aa-exo-automation"


class BenchError(Exception):
    pass


class Bench:
    """The running emulator, the environment that points ansible at it, a scratch directory and the options."""

    def __init__(self, emu, repeat, workdir):
        self.emu = emu
        self.repeat = repeat
        self.workdir = workdir
        env = dict(os.environ)
        env.update(emu.env)
        env["ANSIBLE_COLLECTIONS_PATH"] = COLLECTIONS
        self.env = env
        self.wrapper = write_interpreter_wrapper(workdir, sys.executable)
        self.decl = model.declared(DEMO_VARS)
        self.figures = {}

    def report_path(self):
        """Extra vars that send the audit's report file (where the audit writes one) to the scratch directory."""
        return ["-e", "audit_report_path=%s/audit-report-{{ inventory_hostname }}.json" % self.workdir]

    def playbook(self, args, wrapper=None, env=None, check=True):
        run = run_ansible(args, env or self.env, wrapper=wrapper)
        if check and run.rc != 0:
            raise BenchError("ansible-playbook %s: %s" % (" ".join(args), run.fail_text()))
        return run

    def adhoc(self, module, args, wrapper, env=None, bin_dir=None):
        cmd = ["localhost", "-i", "localhost,", "-c", "local", "-m", module, "-a", args]
        run = run_ansible(cmd, env or self.env, wrapper=wrapper, program="ansible", bin_dir=bin_dir)
        if run.rc != 0:
            raise BenchError("ansible -m %s: %s" % (module, run.fail_text()))
        return run


def _wall_cpu(runs):
    return {"wall": fig(median([r.wall_s for r in runs]), "s (median)"),
            "cpu": fig(median([r.cpu_s for r in runs]), "s of CPU, user + system of ansible and its children (median)"),
            "runs": len(runs)}


def converge_empty(bench):
    runs, summaries = [], []
    for _round in range(bench.repeat):
        bench.emu.reset(**CONVERGE_WAITS)
        run = bench.playbook([SITE] + DEMO)
        runs.append(run)
        summaries.append(request_summary(bench.emu.requests()))
    tasks, module_runs = zip(*(task_counts(r) for r in runs))
    critical, how = model.critical_path(bench.decl, CONVERGE_WAITS)
    out = _wall_cpu(runs)
    out.update({
        "tasks": fig(median(tasks), "task results that ran (loop items one each, skipped not counted)"),
        "module_runs": fig(median(module_runs), "of those, task results that ran a module process"),
        "requests": median_summary(summaries),
        "emulator_waits": fig(CONVERGE_WAITS, "s"),
        "critical_path_s": fig(critical, "s", **how),
    })
    return out


# The module_utils a module imports that talk to Graph, and those that talk to ARM (base signs in to ARM for
# every module that resolves an ARM id).
GRAPH_UTILS = {"graph", "lookups", "grants"}
ARM_UTILS = {"base", "arm", "flow", "automation", "automation_assets", "resources"}


def module_utils_imported(path):
    """The names of the collection's module_utils that the module file at ``path`` imports (``from
    ...module_utils.x import y`` and ``from ...module_utils import x, y`` alike)."""
    with open(path) as f:
        tree = ast.parse(f.read())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and ".exo_automation.plugins.module_utils" in node.module:
            tail = node.module.split(".module_utils")[-1].lstrip(".")
            names.update([tail.split(".")[0]] if tail else [a.name for a in node.names])
    return names


def _module_audiences(name):
    """The token audiences a module of the collection may ask for (from the module_utils it imports)."""
    path = os.path.join(REPO_ROOT, "plugins", "modules", name + ".py")
    if not os.path.exists(path):
        return 0
    names = module_utils_imported(path)
    return int(bool(names & GRAPH_UTILS)) + int(bool(names & ARM_UTILS))


def converge_nochange(bench):
    """The converge again on the state the last converge_empty left (same emulator waits)."""
    summaries, processes, runs = [], [], []
    for _round in range(bench.repeat):
        bench.emu.clear_requests()
        run = bench.playbook([SITE] + DEMO, wrapper=bench.wrapper)
        runs.append(run)
        summaries.append(request_summary(bench.emu.requests()))
        processes.append(run.modules)
    total, by_api, objects = model.min_requests(bench.decl)
    procs = processes[-1]
    ours = [p for p in procs if _module_audiences(p["module"])]
    audiences = sum(_module_audiences(p["module"]) for p in procs)
    req = median_summary(summaries)
    out = _wall_cpu(runs)
    out["wall"]["note"] = "every module ran through the interpreter wrapper, which adds its own start-up"
    out.update({
        "requests": req,
        "state_gets": fig(req["state_gets"], "GETs to ARM and Graph that read an object (not a job, not the cloud's "
                                             "metadata document; median)",
                          cloud_discovery_gets=req["cloud_discovery_gets"]),
        "writes": fig(req["writes"], "non-GET requests to ARM and Graph (median)"),
        "token_requests": fig(req["token_posts"], "POSTs to the token endpoint (median)",
                              discovery_gets=req["token_gets"]),
        "module_processes": fig(median([len(p) for p in processes]),
                                "module processes (AnsiballZ runs, counted by the interpreter wrapper; median)",
                                by_module=_count(p["module"] for p in procs)),
        "token_bound": fig(audiences, "token requests: one per module process of this collection and audience "
                                      "(ARM, Graph) its module_utils can use; %d processes of this collection"
                                      % len(ours)),
        "min_requests": fig(total, "state reads", by_api=by_api, objects=objects,
                            how="one read per object the vars file declares (merged over the role's defaults): "
                                "ARM: the resource group, the user-assigned identity, the account, each module, "
                                "each runtime environment and each of its packages, each runbook (with the "
                                "verification runbook), variable, schedule, webhook; Graph: the identity's "
                                "service principal, each app-role resource's service principal, one list of the "
                                "identity's app role assignments, one of its Entra role assignments"),
    })
    return out


def _count(items):
    out = {}
    for item in items:
        out[item] = out.get(item, 0) + 1
    return dict(sorted(out.items()))


def audit(bench):
    runs, summaries = [], []
    for _round in range(bench.repeat):
        bench.emu.clear_requests()
        run = bench.playbook([AUDIT] + DEMO + bench.report_path())
        runs.append(run)
        summaries.append(request_summary(bench.emu.requests()))
    # one more run with every module through the interpreter wrapper, which counts the module processes (not
    # in the timed runs: the wrapper's own start-up would be in their CPU)
    counted = bench.playbook([AUDIT] + DEMO + bench.report_path(), wrapper=bench.wrapper)
    req = median_summary(summaries)
    out = _wall_cpu(runs)
    out.update({
        "requests": req,
        "writes": fig(req["writes"], "non-GET requests to ARM and Graph (median)"),
        "module_processes": fig(len(counted.modules), "module processes (AnsiballZ runs, counted by the interpreter "
                                                      "wrapper in one more run)",
                                by_module=_count(p["module"] for p in counted.modules)),
        "tasks": fig(median([task_counts(r)[0] for r in runs]),
                     "task results that ran (loop items one each, skipped not counted; median)"),
    })
    return out


def _trivial_playbook(path, count):
    plays = [{"name": "trivial tasks", "hosts": "localhost", "connection": "local", "gather_facts": False,
              "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
              "tasks": [{"name": "ping %d" % i, "ansible.builtin.ping": None} for i in range(count)]}]
    with open(path, "w") as f:
        yaml.safe_dump(plays, f)
    return path


READS = {
    "trivial": ("ansible.builtin.ping", "data=pong"),
    "arm_read": ("m365.exo_automation.automation_account_info",
                 '{"resource_group": "%s", "name": "%s"}' % (RESOURCE_GROUP, ACCOUNT)),
    "graph_read": ("m365.exo_automation.service_principal_info", '{"app_id": "Office 365 Exchange Online"}'),
}


def task_overhead(bench):
    """One ad-hoc task each (``ansible localhost -m``), round-robin; wall and CPU of the whole command and of
    the module process, and each read minus the trivial module. Peak RSS: ``ru_maxrss`` of the module process,
    recorded by the interpreter wrapper (ansible_python_interpreter points at it)."""
    samples = dict((k, []) for k in READS)
    for _round in range(bench.repeat):
        for key, (module, args) in READS.items():
            samples[key].append(bench.adhoc(module, args, bench.wrapper))
    out = {}
    for key, runs in samples.items():
        mods = [r.modules[-1] for r in runs if r.modules]
        out[key] = {
            "module": READS[key][0],
            "wall": fig(median([r.wall_s for r in runs]), "s, the whole ansible command (median)"),
            "cpu": fig(median([r.cpu_s for r in runs]), "s of CPU, the whole ansible command (median)"),
            "module_cpu": fig(median([m["cpu_s"] for m in mods]), "s of CPU of the module process (median)"),
            "peak_rss": fig(median([m["maxrss_kib"] for m in mods]) / 1024.0, "MiB, ru_maxrss of the module process"),
        }
    for key in ("arm_read", "graph_read"):
        for figure in ("wall", "cpu", "module_cpu"):
            out[key][figure + "_over_trivial"] = fig(out[key][figure]["value"] - out["trivial"][figure]["value"],
                                                     "s (median minus the trivial module's median)")
    # what one more trivial task costs inside a playbook (the per-task term of the converge target)
    one = _trivial_playbook(os.path.join(bench.workdir, "trivial-1.yml"), 1)
    many = _trivial_playbook(os.path.join(bench.workdir, "trivial-11.yml"), 11)
    walls, cpus = [], []
    for _round in range(bench.repeat):
        a, b = bench.playbook([one]), bench.playbook([many])
        walls.append((b.wall_s - a.wall_s) / 10.0)
        cpus.append((b.cpu_s - a.cpu_s) / 10.0)
    out["trivial_task_in_playbook"] = {
        "wall": fig(median(walls), "s per task (a playbook of 11 ping tasks minus one of 1, over 10; median)"),
        "cpu": fig(median(cpus), "s of CPU per task (same)")}
    out["peak_rss_max"] = fig(max(out[k]["peak_rss"]["value"] for k in ("arm_read", "graph_read")),
                              "MiB, the larger of the ARM and Graph reads' module processes")
    return out


PEER_MODULE = "azure.azcollection.azure_rm_automationaccount_info"
PEER_WHY = (
    "azure.azcollection takes a cloud other than the named public ones only as a metadata discovery URL "
    "(cloud_environment / AZURE_CLOUD_ENVIRONMENT, which the emulator serves), and resolves it with "
    "azure.cli.core.cloud.get_cloud_from_metadata_endpoint, which the azure-cli-core its requirements pin does not "
    "have (AttributeError: module 'azure.cli.core.cloud' has no attribute 'get_cloud_from_metadata_endpoint'; "
    "formatting that error fails in turn, hence the message below), so the module fails before its first request. "
    "Past that, it asks for ARM tokens for '<ARM endpoint>/.default', an audience the emulator, like Azure, accepts "
    "only for the public cloud's endpoint. So the peer cannot be pointed at the emulator unchanged.")


def _side(runs, name):
    mods = [r.modules[-1] for r in runs if r.modules]
    return {"module": name,
            "wall": fig(median([r.wall_s for r in runs]), "s, the whole ansible command (median)"),
            "cpu": fig(median([r.cpu_s for r in runs]), "s of CPU, the whole ansible command (median)"),
            "module_cpu": fig(median([m["cpu_s"] for m in mods]), "s of CPU of the module process (median)"),
            "peak_rss": fig(median([m["maxrss_kib"] for m in mods]) / 1024.0, "MiB, ru_maxrss of the module process")}


def peer(bench):
    """azure.azcollection's azure_rm_automationaccount_info (in a venv of its own) against
    automation_account_info, on the same emulator and account, round-robin. Where the peer cannot reach the
    emulator, its run up to the failure is measured: it has imported everything it needs and built its module by
    then, so that CPU is a lower bound of its cost, and ours over it an upper bound of the ratio."""
    try:
        info = venvs.peer()
    except venvs.Unavailable as err:
        return {"skipped": str(err)}
    env = dict(bench.env)
    env["ANSIBLE_COLLECTIONS_PATH"] = info["collections"]
    # azure.azcollection discovers a cloud from a metadata URL; the emulator serves /metadata/endpoints
    env["AZURE_CLOUD_ENVIRONMENT"] = bench.emu.url
    env["AZURE_DISABLE_INSTANCE_DISCOVERY"] = "true"
    wrapper_dir = os.path.join(bench.workdir, "peer")
    os.makedirs(wrapper_dir, exist_ok=True)
    peer_wrapper = write_interpreter_wrapper(wrapper_dir, info["python"])
    args = "resource_group=%s name=%s" % (RESOURCE_GROUP, ACCOUNT)
    ours, theirs = [], []
    for _round in range(bench.repeat):
        theirs.append(run_ansible(["localhost", "-i", "localhost,", "-c", "local", "-m", PEER_MODULE, "-a", args],
                                  env, wrapper=peer_wrapper, program="ansible", bin_dir=info["bin"]))
        ours.append(bench.adhoc("m365.exo_automation.automation_account_info", READS["arm_read"][1], bench.wrapper))
    a = _side(ours, "m365.exo_automation.automation_account_info")
    b = _side(theirs, "%s %s" % (PEER_MODULE, info["version"]))
    out = {"ours": a, "peer": b, "peer_source": info["source"], "galaxy_error": info["galaxy_error"],
           "peer_venv_mb": fig(venvs.disk_mb(info["path"]), "MB on disk (10^6 bytes)")}
    if all(r.rc == 0 for r in theirs) and "aa-exo-automation" in theirs[-1].stdout:
        out["ratio"] = fig(a["module_cpu"]["value"] / b["module_cpu"]["value"], "ours / peer, CPU of the module process")
        out["ratio_task_cpu"] = fig(a["cpu"]["value"] / b["cpu"]["value"], "ours / peer, CPU of the whole command")
        return out
    out["pointed_at_emulator"] = False
    out["why"] = PEER_WHY
    out["peer_error"] = _peer_error(theirs[-1])  # the peer's own failure, not one of the bench
    b["note"] = "measured up to the failure: imports, argument parsing and cloud resolution, no token or request"
    if b["module_cpu"]["value"]:
        out["ratio_upper_bound"] = fig(a["module_cpu"]["value"] / b["module_cpu"]["value"],
                                       "ours / peer, CPU of the module process, with the peer's run up to its "
                                       "failure (a lower bound of its cost)")
    return out


def _peer_error(run):
    for line in run.stdout.splitlines():
        if '"msg"' in line:
            return line.strip()[:600]
    return (run.stdout.strip() or run.stderr.strip())[-600:]


def _inventory(directory, count):
    """An inventory of ``count`` accounts: host vars name each one's account, resource group and identity; the
    demo vars file is the group vars of all (so host vars win over it)."""
    os.makedirs(os.path.join(directory, "group_vars"), exist_ok=True)
    with open(DEMO_VARS) as f:
        demo = yaml.safe_load(f)
    with open(os.path.join(directory, "group_vars", "all.yml"), "w") as f:
        yaml.safe_dump(demo, f)
    lines = ["[accounts]"]
    for i in range(1, count + 1):
        lines.append("acct%02d ansible_connection=local exchange_online_automation_account=aa-bench-%02d "
                     "exchange_online_automation_resource_group=rg-bench-%02d "
                     "exchange_online_automation_user_assigned_identity=id-bench-%02d" % (i, i, i, i))
    path = os.path.join(directory, "hosts.ini")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def _over_accounts(source, dest):
    """``source`` (a playbook of playbooks/) with every play aimed at the ``accounts`` group."""
    with open(source) as f:
        plays = yaml.safe_load(f)
    for play in plays:
        play["hosts"] = "accounts"
    with open(dest, "w") as f:
        yaml.safe_dump(plays, f, sort_keys=False)
    return dest


def scale(bench, sizes, skipped_note=None):
    """The audit over 1, 5 (and 20) accounts with forks 5, after converging the largest number of accounts once
    with no emulator waits."""
    biggest = max(sizes)
    inv_dir = os.path.join(bench.workdir, "scale")
    inventory = _inventory(inv_dir, biggest)
    site = _over_accounts(SITE, os.path.join(inv_dir, "site.yml"))
    audit_pb = _over_accounts(AUDIT, os.path.join(inv_dir, "audit.yml"))
    bench.emu.reset()
    converge = bench.playbook([site, "-i", inventory, "--forks", "5"])
    out = {"converge_once": {"accounts": biggest, "wall": fig(converge.wall_s, "s"),
                             "cpu": fig(converge.cpu_s, "s of CPU"), "emulator_waits": fig(0, "s")},
           "forks": 5, "cores": os.cpu_count()}
    for n in sizes:
        # the largest audit (20 accounts: about 3 minutes a run on 2 cores) once, so that make bench stays under
        # 15 minutes; it is CPU-bound and its runs differ by about 1 %
        rounds = bench.repeat if n <= SCALE_REPEATED_MAX else 1
        runs = [bench.playbook([audit_pb, "-i", inventory, "--forks", "5", "--limit", "accounts[0:%d]" % (n - 1)]
                               + bench.report_path())
                for _round in range(rounds)]
        figures = _wall_cpu(runs)
        figures["cpu_per_account"] = fig(figures["cpu"]["value"] / n, "s of CPU per account (median / accounts)")
        out["accounts_%d" % n] = figures
    if skipped_note:
        out["skipped"] = skipped_note
    return out


def install_mb(bench):
    path, built = venvs.install_venv()
    return {"install_mb": fig(venvs.disk_mb(path), "MB on disk (10^6 bytes) of a venv with requirements.txt + "
                                                   "ansible-core"),
            "built_now": built}


def runbook_lint(bench):
    path = os.path.join(BENCH_DIR, "runbook_lint.py")
    if not os.path.exists(path):
        return {"skipped": "tests/bench/runbook_lint.py is not there"}
    from tests.bench import runbook_lint as module  # pylint: disable=import-outside-toplevel

    if not hasattr(module, "measure"):
        return {"skipped": "tests/bench/runbook_lint.py has no measure()"}
    return module.measure()


__all__ = ["Bench", "BenchError", "audit", "converge_empty", "converge_nochange", "install_mb", "peer",
           "runbook_lint", "scale", "task_overhead"]
