"""Helpers of ``make bench``: running ansible against the emulator, timing, the request log, figures with units."""
import collections
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from tests.emulator.client import REPO_ROOT

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
RESULTS_DIR = os.path.join(BENCH_DIR, "results")
PLAYBOOKS = os.path.join(REPO_ROOT, "playbooks")
BENCH_PLAYBOOKS = os.path.join(BENCH_DIR, "playbooks")
DEMO_VARS = os.path.join(PLAYBOOKS, "vars", "demo.yml")
VENV_BIN = os.path.dirname(sys.executable)
COLLECTIONS = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or os.path.join(REPO_ROOT, ".collections")
# Controller-side actions: they run in the ansible-playbook process and start no module process.
CONTROLLER_ACTIONS = frozenset(
    "ansible.builtin." + name if not name.startswith("ansible.") else name
    for name in ("debug", "set_fact", "assert", "fail", "include_role", "include_tasks", "import_role",
                 "import_tasks", "include_vars", "meta", "set_stats", "add_host", "group_by", "pause"))


def cache_dir():
    """Where the bench keeps what it builds once (venvs, the peer collection): ``$BENCH_CACHE`` or
    ``.build/bench-cache``."""
    path = os.environ.get("BENCH_CACHE") or os.path.join(REPO_ROOT, ".build", "bench-cache")
    os.makedirs(path, exist_ok=True)
    return path


def fig(value, unit, **extra):
    """One figure: ``{"value", "unit", ...}``; floats rounded to 3 decimals."""
    if isinstance(value, float):
        value = round(value, 3)
    out = {"value": value, "unit": unit}
    out.update(extra)
    return out


def median(values):
    return statistics.median(values) if values else None


def cpu_now():
    """User + system CPU seconds of this process's terminated, waited-for children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Run:
    """One command's outcome: ``rc``, ``wall_s``, ``cpu_s`` (children, user + system), ``stdout``, ``stderr``,
    ``tasks`` (what the task recorder callback wrote) and ``modules`` (what the interpreter wrapper wrote)."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def fail_text(self):
        """The exit status, the failing tasks' messages, then the output's end."""
        msgs = [line.strip() for line in self.stdout.splitlines() if line.strip().startswith('"msg":')]
        failed = [t for t in self.tasks if t["status"] in ("failed", "unreachable")]
        head = "exit %s; failed: %s; %s" % (self.rc, ", ".join(t["task"] for t in failed) or "-",
                                            " | ".join(m[:500] for m in msgs[-3:]))
        return "%s\n%s\n%s" % (head, self.stdout[-2000:], self.stderr[-1500:])


def write_interpreter_wrapper(directory, real_python):
    """A Python interpreter stand-in for ``ansible_python_interpreter``: runs ``real_python`` with the same
    arguments and stdin, then appends one JSON line to ``$BENCH_MODULE_LOG`` with the module's name (from the
    AnsiballZ file name), the child's peak RSS (KiB, ``ru_maxrss``), its user + system CPU and its wall time.
    The wrapper is its own process, so its start-up is not in the child's figures."""
    path = os.path.join(directory, "python-wrapper")
    with open(path, "w") as f:
        f.write("#!%s -S\n" % sys.executable)
        f.write("REAL = %r\n" % real_python)
        f.write(WRAPPER_BODY)
    os.chmod(path, 0o755)
    return path


WRAPPER_BODY = r'''
import json, os, resource, subprocess, sys, time
start = time.monotonic()
rc = subprocess.call([REAL] + sys.argv[1:])
wall = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
name = "(stdin)"
for arg in sys.argv[1:]:
    base = os.path.basename(arg)
    if base.startswith("AnsiballZ_") and base.endswith(".py"):
        name = base[len("AnsiballZ_"):-3]
log = os.environ.get("BENCH_MODULE_LOG")
if log:
    with open(log, "a") as f:
        f.write(json.dumps({"module": name, "rc": rc, "maxrss_kib": usage.ru_maxrss, "wall_s": wall,
                            "cpu_s": usage.ru_utime + usage.ru_stime}) + "\n")
sys.exit(rc)
'''


def _read_lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def run_ansible(args, env, wrapper=None, program="ansible-playbook", bin_dir=None, timeout=900):
    """Run ``program args`` (from ``bin_dir``, the bench's venv by default) with the task recorder callback;
    with ``wrapper`` (a path from :func:`write_interpreter_wrapper`) every module runs through it."""
    work = tempfile.mkdtemp(prefix="bench-run-")
    try:
        env = dict(env)
        env["BENCH_TASK_LOG"] = os.path.join(work, "tasks.jsonl")
        env["BENCH_MODULE_LOG"] = os.path.join(work, "modules.jsonl")
        env["ANSIBLE_CALLBACK_PLUGINS"] = os.path.join(BENCH_DIR, "callback_plugins")
        env["ANSIBLE_CALLBACKS_ENABLED"] = "bench_tasks"
        env.setdefault("ANSIBLE_NOCOLOR", "1")
        env.setdefault("ANSIBLE_RETRY_FILES_ENABLED", "0")
        env.setdefault("ANSIBLE_LOCALHOST_WARNING", "0")
        env.setdefault("ANSIBLE_INVENTORY_UNPARSED_WARNING", "0")
        cmd = [os.path.join(bin_dir or VENV_BIN, program)] + list(args)
        if wrapper:
            cmd += ["-e", "ansible_python_interpreter=" + wrapper]
        before = cpu_now()
        started = time.perf_counter()
        proc = subprocess.run(cmd, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout,
                              check=False)
        wall = time.perf_counter() - started
        cpu = cpu_now() - before
        return Run(rc=proc.returncode, wall_s=wall, cpu_s=cpu, stdout=proc.stdout, stderr=proc.stderr, cmd=cmd,
                   tasks=_read_lines(env["BENCH_TASK_LOG"]), modules=_read_lines(env["BENCH_MODULE_LOG"]))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def task_counts(run):
    """``(tasks, module_runs)`` from the task recorder: task results that ran (a loop's items one each, skipped
    ones not counted), and of those the ones whose action runs a module process (not a controller-side action
    such as set_fact, debug or assert)."""
    ran = [t for t in run.tasks if t["status"] != "skipped"]
    modules = [t for t in ran if t["action"] not in CONTROLLER_ACTIONS]
    return len(ran), len(modules)


def request_summary(requests):
    """The request log in counts: by API, by API and method, writes (non-GET/HEAD to ARM or Graph), state GETs
    (GETs to ARM or Graph that read an object: not a job or its streams, and not the cloud's metadata document),
    job GETs, cloud discovery GETs (``/metadata/endpoints``: one per module process where the cloud is given as a
    metadata URL, as the emulator is; none for a named cloud such as AzureCloud) and token requests."""
    by_api = collections.Counter(r["api"] for r in requests)
    by_method = collections.Counter("%s %s" % (r["api"], r["method"]) for r in requests)
    writes = [r for r in requests if r["api"] in ("arm", "graph") and r["method"] not in ("GET", "HEAD")]
    gets = [r for r in requests if r["api"] in ("arm", "graph") and r["method"] == "GET"]
    job_gets = [r for r in gets if "/jobs/" in r["path"].lower()]
    discovery_gets = [r for r in gets if r["path"].lower().rstrip("/") == "/metadata/endpoints"]
    return {
        "total": len(requests),
        "by_api": dict(sorted(by_api.items())),
        "by_api_method": dict(sorted(by_method.items())),
        "writes": len(writes),
        "writes_by_api_method": dict(sorted(collections.Counter(
            "%s %s" % (r["api"], r["method"]) for r in writes).items())),
        "write_paths": sorted(set("%s %s" % (r["method"], r["path"]) for r in writes)),
        "state_gets": len(gets) - len(job_gets) - len(discovery_gets),
        "job_gets": len(job_gets),
        "cloud_discovery_gets": len(discovery_gets),
        "token_posts": sum(1 for r in requests if r["api"] == "token" and r["method"] == "POST"),
        "token_gets": sum(1 for r in requests if r["api"] == "token" and r["method"] == "GET"),
    }


def median_summary(summaries):
    """Median of each count over several :func:`request_summary` results (lists of paths: the first run's)."""
    first = summaries[0]
    out = {}
    for key, value in first.items():
        if isinstance(value, dict):
            keys = sorted(set(k for s in summaries for k in s[key]))
            out[key] = dict((k, median([s[key].get(k, 0) for s in summaries])) for k in keys)
        elif isinstance(value, list):
            out[key] = value
        else:
            out[key] = median([s[key] for s in summaries])
    out["unit"] = "requests (median of %d runs)" % len(summaries)
    return out
