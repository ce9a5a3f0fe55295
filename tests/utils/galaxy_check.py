#!/usr/bin/env python
"""Build the collection as Galaxy would, check the tarball, install it and use the installed copy.

1. ``ansible-galaxy collection build`` writes ``m365-exo_automation-<version>.tar.gz`` into ``<output>/dist``;
2. the tarball must hold the collection (MANIFEST.json, FILES.json, meta/runtime.yml, every module, role and
   playbook of the work tree) and nothing of a developer's or CI's work area (virtualenv, build and test
   output, docs build, caches);
3. ``ansible-galaxy collection install`` puts it into ``<output>/collections`` (offline) and
   ``ansible-galaxy collection verify --offline`` checks the installed files against the manifest;
4. ``ansible-doc`` run against that directory only lists every module and role and renders each module's
   documentation from the installed copy;
5. with ``--importer-python``, galaxy-importer (what Galaxy and Automation Hub run on an upload: role READMEs,
   documentation, ansible-lint) must accept the tarball with no error.

Usage: galaxy_check.py [--output .build/galaxy] [--importer-python .venv-importer/bin/python]   (run with the project's virtual environment on PATH)
"""

from __future__ import annotations

import argparse
import fnmatch
import glob
import json
import os
import shutil
import subprocess
import sys
import tarfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FQCN = "m365.exo_automation"

# What a built collection must never contain: paths (prefixes) and file name patterns.
FORBIDDEN_PREFIXES = (
    ".venv/", ".build/", ".collections/", ".git/", ".ci/", ".ansible/", ".cache/", ".emulator/",
    ".pytest_cache/", "htmlcov/", "tests/output/", "docs/build/",
)
FORBIDDEN_NAMES = ("__pycache__", "*.pyc", ".coverage", ".coverage.*", "*.tar.gz")


class CheckError(Exception):
    pass


def run(cmd, env=None):
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise CheckError("%s failed (%d):\n%s%s" % (" ".join(cmd), proc.returncode, proc.stdout, proc.stderr))
    return proc.stdout


def expected_content(root=ROOT):
    """Files of the work tree that the tarball must carry."""
    paths = ["MANIFEST.json", "FILES.json", "meta/runtime.yml"]
    for pattern in ("plugins/modules/*.py", "plugins/module_utils/*.py", "plugins/doc_fragments/*.py",
                    "roles/*/meta/argument_specs.yml", "roles/*/tasks/main.yml", "playbooks/*.yml"):
        paths.extend(os.path.relpath(p, root) for p in glob.glob(os.path.join(root, pattern)))
    return sorted(paths)


def forbidden(names):
    """Members of the tarball that belong to a work area, not to the collection."""
    bad = []
    for name in names:
        path = name[2:] if name.startswith("./") else name
        parts = path.split("/")
        if any((path + "/").startswith(prefix) for prefix in FORBIDDEN_PREFIXES):
            bad.append(path)
        elif any(fnmatch.fnmatch(part, pattern) for part in parts for pattern in FORBIDDEN_NAMES):
            bad.append(path)
    return bad


def check_tarball(tarball, root=ROOT):
    with tarfile.open(tarball) as tar:
        names = [member.name[2:] if member.name.startswith("./") else member.name for member in tar.getmembers()]
    bad = forbidden(names)
    if bad:
        raise CheckError("%s ships work-area files (add them to build_ignore in galaxy.yml):\n  %s"
                         % (os.path.basename(tarball), "\n  ".join(sorted(bad)[:50])))
    missing = sorted(set(expected_content(root)) - set(names))
    if missing:
        raise CheckError("%s lacks:\n  %s" % (os.path.basename(tarball), "\n  ".join(missing)))
    return names


def modules(root=ROOT):
    return sorted(os.path.splitext(os.path.basename(p))[0]
                  for p in glob.glob(os.path.join(root, "plugins", "modules", "*.py"))
                  if not os.path.basename(p).startswith("_"))


def roles(root=ROOT):
    return sorted(os.path.basename(os.path.dirname(os.path.dirname(p)))
                  for p in glob.glob(os.path.join(root, "roles", "*", "meta", "argument_specs.yml")))


def check_installed(collections_dir, root=ROOT):
    """ansible-doc sees only the installed copy: every module and role is listed and documented from it."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_dir, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false")
    installed = os.path.join(collections_dir, "ansible_collections", "m365", "exo_automation")

    listed = json.loads(run(["ansible-doc", "--json", "-l", FQCN], env=env) or "{}")
    names = modules(root)
    missing = [name for name in names if "%s.%s" % (FQCN, name) not in listed]
    if missing:
        raise CheckError("ansible-doc -l %s on the installed copy lacks modules: %s" % (FQCN, ", ".join(missing)))
    if names:
        docs = json.loads(run(["ansible-doc", "--json"] + ["%s.%s" % (FQCN, name) for name in names], env=env))
        for name in names:
            doc = docs["%s.%s" % (FQCN, name)]["doc"]
            if not os.path.realpath(doc["filename"]).startswith(os.path.realpath(installed) + os.sep):
                raise CheckError("ansible-doc read %s from %s, not from the installed copy" % (name, doc["filename"]))

    role_names = roles(root)
    if role_names:
        listed_roles = json.loads(run(["ansible-doc", "--json", "-t", "role", "-l", FQCN], env=env) or "{}")
        missing = [name for name in role_names if "%s.%s" % (FQCN, name) not in listed_roles]
        if missing:
            raise CheckError("ansible-doc -t role -l on the installed copy lacks roles: %s" % ", ".join(missing))
        run(["ansible-doc", "--json", "-t", "role"] + ["%s.%s" % (FQCN, name) for name in role_names], env=env)
    return names, role_names


def importer_problems(output):
    """The lines of galaxy-importer's output that refuse the collection (the importer may exit 0 and still log an
    error): ``ERROR`` lines, and no final success line."""
    lines = [ln.strip() for ln in output.splitlines()]
    problems = [ln for ln in lines if ln.startswith("ERROR") or " ERROR " in ln or ln.startswith("Traceback")]
    if not any(ln == "Importer processing completed successfully" for ln in lines):
        problems.append("galaxy-importer did not report 'Importer processing completed successfully'")
    return problems


def run_importer(python, tarball, workdir):
    """galaxy-importer (the Galaxy / Automation Hub import checks, ansible-lint included) on the tarball, from its
    own virtual environment (it pins attrs<24, which the project's tools outgrew)."""
    env = dict(os.environ, PATH=os.path.dirname(python) + os.pathsep + os.environ.get("PATH", ""))
    env.pop("ANSIBLE_COLLECTIONS_PATH", None)
    config = os.path.join(ROOT, "tests", "utils", "galaxy-importer.cfg")
    env["GALAXY_IMPORTER_CONFIG"] = config
    proc = subprocess.run([python, "-m", "galaxy_importer.main", tarball], cwd=workdir, env=env,
                          capture_output=True, text=True, check=False)
    output = proc.stdout + proc.stderr
    problems = importer_problems(output)
    if proc.returncode != 0 or problems:
        raise CheckError("galaxy-importer refused %s (exit %d):\n%s\n%s"
                         % (os.path.basename(tarball), proc.returncode, "\n".join(problems), output[-4000:]))
    return output


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=os.path.join(ROOT, ".build", "galaxy"))
    parser.add_argument("--importer-python", help="the Python of a virtual environment with galaxy-importer; "
                                                  "runs it on the tarball")
    args = parser.parse_args(argv)

    output = os.path.abspath(args.output)
    shutil.rmtree(output, ignore_errors=True)
    dist = os.path.join(output, "dist")
    collections_dir = os.path.join(output, "collections")
    os.makedirs(dist)

    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        version = yaml.safe_load(handle)["version"]
    try:
        run(["ansible-galaxy", "collection", "build", ROOT, "--output-path", dist])
        tarball = os.path.join(dist, "m365-exo_automation-%s.tar.gz" % version)
        if not os.path.isfile(tarball):
            raise CheckError("ansible-galaxy did not write %s" % tarball)
        names = check_tarball(tarball)
        # Only the new directory is searched, or the work tree linked into .collections/ counts as installed.
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_dir)
        run(["ansible-galaxy", "collection", "install", "--offline", "-p", collections_dir, tarball], env=env)
        run(["ansible-galaxy", "collection", "verify", "--offline", "-p", collections_dir, FQCN], env=env)
        module_names, role_names = check_installed(collections_dir)
        if args.importer_python:
            run_importer(args.importer_python, tarball, output)
    except CheckError as exc:
        sys.stderr.write("galaxy check: %s\n" % exc)
        return 1
    print("galaxy check: %s (%d files, %.0f KiB) installs; ansible-doc documents %d modules and %d roles from it%s"
          % (os.path.relpath(tarball), len(names), os.path.getsize(tarball) / 1024.0, len(module_names), len(role_names),
             "; galaxy-importer accepts it" if args.importer_python else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
