#!/usr/bin/env python
"""Report line coverage of the collection's plugins/ from ``ansible-test units --coverage`` data, and gate on it.

``ansible-test units --coverage`` leaves raw coverage.py data files in ``<root>/tests/output/coverage/``.
This script combines them with coverage.py and reports every Python file under ``<root>/plugins/`` but
doc_fragments/, including files that no unit test imported: they count as 0 %, where ``ansible-test coverage
report`` would leave them out. It exits 1 when the line coverage of plugins/ as a whole is below
``--fail-under``.

Usage: coverage_gate.py --root .build/ansible_collections/m365/exo_automation --fail-under 85
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import tempfile

import coverage


def data_files(root):
    """Raw data files written by ansible-test (``<command>=<target>=...=coverage.<host>.<pid>...``)."""
    pattern = os.path.join(root, "tests", "output", "coverage", "*=coverage.*")
    return sorted(path for path in glob.glob(pattern) if os.path.isfile(path))


def plugin_files(root):
    """Python files under plugins/, less doc_fragments/ (documentation held in a string, which validate-modules
    and ansible-doc check, not code that unit tests run)."""
    paths = glob.glob(os.path.join(root, "plugins", "**", "*.py"), recursive=True)
    fragments = os.path.join(root, "plugins", "doc_fragments", "")
    return sorted(os.path.realpath(path) for path in paths if not path.startswith(fragments))


def measure(root, files):
    """Return {relative path: (statements, missing lines)} for every Python file under plugins/."""
    with tempfile.TemporaryDirectory(prefix="coverage-gate-") as tmp:
        cov = coverage.Coverage(data_file=os.path.join(tmp, ".coverage"), config_file=False)
        if files:
            cov.combine(files, keep=True)
        cov.load()
        result = {}
        for path in plugin_files(root):
            analysis = cov.analysis2(path)  # (filename, statements, excluded, missing, missing text)
            statements, missing = analysis[1], analysis[3]
            result[os.path.relpath(path, os.path.realpath(root))] = (sorted(statements), sorted(missing))
        return result


def summarise(result):
    total = sum(len(lines[0]) for lines in result.values())
    missed = sum(len(lines[1]) for lines in result.values())
    percent = 100.0 * (total - missed) / total if total else 100.0
    return total, missed, percent


def ranges(lines):
    out = []
    for line in lines:
        if out and line == out[-1][1] + 1:
            out[-1][1] = line
        else:
            out.append([line, line])
    return ", ".join(str(a) if a == b else "%d-%d" % (a, b) for a, b in out)


def report(result, stream=None):
    stream = stream or sys.stdout
    width = max([len("TOTAL")] + [len(path) for path in result])
    stream.write("{0:<{w}} {1:>6} {2:>6} {3:>6}   Missing\n".format("Name", "Stmts", "Miss", "Cover", w=width))
    stream.write("-" * (width + 30) + "\n")
    for path, (statements, missing) in sorted(result.items()):
        if not statements:
            continue
        percent = 100.0 * (len(statements) - len(missing)) / len(statements)
        stream.write("{0:<{w}} {1:>6} {2:>6} {3:>5.0f}%   {4}\n".format(path, len(statements), len(missing), percent, ranges(missing), w=width))
    total, missed, percent = summarise(result)
    stream.write("-" * (width + 30) + "\n")
    stream.write("{0:<{w}} {1:>6} {2:>6} {3:>5.1f}%\n".format("TOTAL", total, missed, percent, w=width))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, help="collection root that ansible-test ran in")
    parser.add_argument("--fail-under", type=float, default=0.0, help="minimum line coverage of plugins/, in percent")
    args = parser.parse_args(argv)

    files = data_files(args.root)
    if not files:
        sys.stderr.write("coverage: no data in %s/tests/output/coverage; run ansible-test units --coverage first\n" % args.root)
        return 2
    result = measure(args.root, files)
    report(result)
    total, dummy, percent = summarise(result)
    if not total:
        sys.stderr.write("coverage: no Python statements under %s/plugins\n" % args.root)
        return 2
    if percent < args.fail_under:
        sys.stderr.write("coverage: plugins/ line coverage %.1f%% is below the required %.0f%%\n" % (percent, args.fail_under))
        return 1
    print("coverage: plugins/ line coverage %.1f%% (required %.0f%%)" % (percent, args.fail_under))
    return 0


if __name__ == "__main__":
    sys.exit(main())
