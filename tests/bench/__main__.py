"""``make bench``: the collection's performance figures, measured through the real ``ansible-playbook`` /
``ansible`` path against a local emulator (docs/performance.md says what each figure means).

    .venv/bin/python -m tests.bench [--repeat N] [--only a,b] [--output DIR] [--smoke]

Writes ``DIR/latest.json`` (every figure with its unit) and ``DIR/latest.txt`` (the same as a table);
``DIR`` is tests/bench/results by default. ``--smoke`` runs task_overhead once (what ``make test`` runs so the
bench does not rot). ``BENCH_SCALE_MAX`` (default 20) is the largest account count of the ``scale`` scenario: 5
leaves out the 20-account converge and audit (about 5 minutes on 2 cores). ``BENCH_CACHE`` moves the cache of the venvs
(default .build/bench-cache)."""
import argparse
import datetime
import json
import os
import platform
import shutil
import sys
import tempfile
import time

from tests.bench import report, scenarios
from tests.bench.common import RESULTS_DIR
from tests.emulator.client import EmulatorProcess

ORDER = ["converge_empty", "converge_nochange", "audit", "task_overhead", "peer", "scale", "install_mb",
         "runbook_lint"]
SCALE_SIZES = (1, 5, 20)
SCALE_DEFAULT_MAX = 20


def scale_sizes():
    limit = int(os.environ.get("BENCH_SCALE_MAX") or SCALE_DEFAULT_MAX)
    sizes = [n for n in SCALE_SIZES if n <= limit] or [1]
    skipped = [n for n in SCALE_SIZES if n not in sizes]
    note = None
    if skipped:
        note = ("%s accounts not measured: BENCH_SCALE_MAX=%d (default %d; converging and auditing 20 accounts "
                "takes about 5 minutes on 2 cores)." % (
                    ", ".join(str(n) for n in skipped), limit, SCALE_DEFAULT_MAX))
    return sizes, note


def run(names, repeat, output):
    started = time.perf_counter()
    doc = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "repeat": repeat,
        "scenarios": {},
    }
    workdir = tempfile.mkdtemp(prefix="bench-")
    try:
        with EmulatorProcess() as emu:
            bench = scenarios.Bench(emu, repeat, workdir)
            for name in names:
                t = time.perf_counter()
                print("bench: %s ..." % name, flush=True)
                try:
                    if name == "scale":
                        sizes, note = scale_sizes()
                        figures = scenarios.scale(bench, sizes, note)
                    else:
                        figures = getattr(scenarios, name)(bench)
                except scenarios.BenchError as err:
                    figures = {"error": str(err)[-4000:]}
                figures["bench_time"] = {"value": round(time.perf_counter() - t, 1), "unit": "s"}
                doc["scenarios"][name] = figures
                print("bench: %s done in %.0f s" % (name, time.perf_counter() - t), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    doc["targets"] = report.targets(doc)
    doc["bench_time"] = {"value": round(time.perf_counter() - started, 1), "unit": "s"}
    os.makedirs(output, exist_ok=True)
    with open(os.path.join(output, "latest.json"), "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")
    text = report.table(doc)
    with open(os.path.join(output, "latest.txt"), "w") as f:
        f.write(text)
    print(text)
    errors = [n for n, s in doc["scenarios"].items() if "error" in s]
    return 1 if errors else 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT") or 3),
                        help="runs of each scenario; medians are reported (default 3, or $BENCH_REPEAT)")
    parser.add_argument("--only", help="comma-separated scenarios (default: all of %s)" % ", ".join(ORDER))
    parser.add_argument("--output", default=RESULTS_DIR, help="directory of latest.json and latest.txt")
    parser.add_argument("--smoke", action="store_true", help="task_overhead once: a quick check that the bench runs")
    opts = parser.parse_args(argv)
    names = ORDER
    repeat = opts.repeat
    if opts.smoke:
        names, repeat = ["task_overhead"], 1
    if opts.only:
        names = [n.strip() for n in opts.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in ORDER]
        if unknown:
            parser.error("--only: unknown scenario %s; known: %s" % (", ".join(unknown), ", ".join(ORDER)))
    return run(names, repeat, opts.output)


if __name__ == "__main__":
    sys.exit(main())
