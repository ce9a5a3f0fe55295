"""A module whose Python package is missing says which pip package to install.

Each case builds a real virtual environment that has everything of the project's .venv except one distribution
(its site-packages links every entry of .venv's but the files that distribution installed, so `pip list` and the
import system both lack it), then runs a module in it as Ansible would: ``python -m <module> <args file>``.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or str(ROOT / ".collections")
SITE = Path(sysconfig.get_paths()["purelib"])


def _top_level(dist_name):
    """The top-level entries of site-packages that the distribution installed (packages, modules, dist-info)."""
    dist = importlib.metadata.distribution(dist_name)
    names = set()
    for f in dist.files or ():
        parts = Path(f).parts
        if parts and parts[0] not in ("..", "bin"):
            names.add(parts[0])
    return names


def _venv_without(tmp_path, *dists):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c",
                                "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    skip = set()
    for dist in dists:
        skip |= _top_level(dist)
    # a namespace package (azure/, msgraph/ ...) is shared: link its children one by one, less the skipped ones
    shared = {}
    for dist in dists:
        for f in importlib.metadata.distribution(dist).files or ():
            parts = Path(f).parts
            if len(parts) > 2 and not parts[0].endswith(".dist-info") and (SITE / parts[0]).is_dir() \
                    and not (SITE / parts[0] / "__init__.py").exists():
                shared.setdefault(parts[0], set()).add(parts[1])
    for entry in SITE.iterdir():
        if entry.name in shared:
            (site / entry.name).mkdir()
            for child in entry.iterdir():
                if child.name not in shared[entry.name]:
                    (site / entry.name / child.name).symlink_to(child)
            continue
        if entry.name in skip:
            continue
        (site / entry.name).symlink_to(entry)
    return venv / "bin" / "python"


def _run(python, module, args, tmp_path):
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    env = dict(os.environ, PYTHONPATH=COLLECTIONS, AZURE_SUBSCRIPTION_ID="00000000-0000-0000-0000-000000000001",
               AZURE_TENANT="00000000-0000-0000-0000-000000000002", AZURE_CLIENT_ID="00000000-0000-0000-0000-000000000003",
               AZURE_SECRET="not-used")
    proc = subprocess.run([str(python), "-m", "ansible_collections.m365.exo_automation.plugins.modules." + module,
                           str(args_file)], env=env, capture_output=True, text=True, timeout=120, check=False)
    return json.loads(proc.stdout)


@pytest.mark.parametrize("missing,module,args", [
    ("msgraph-sdk", "service_principal_info", {"app_id": "Office 365 Exchange Online"}),
    ("azure-mgmt-automation", "automation_account_info", {"resource_group": "rg"}),
])
def test_the_error_names_the_pip_package(tmp_path, missing, module, args):
    python = _venv_without(tmp_path, missing)
    probe = subprocess.run([str(python), "-c", "import importlib.metadata as m; m.distribution(%r)" % missing],
                           capture_output=True, text=True, check=False)
    assert probe.returncode != 0, "the venv still has %s" % missing
    result = _run(python, module, args, tmp_path)
    assert result["failed"] is True
    assert "(%s)" % missing in result["msg"] and "pip install %s" % missing in result["msg"], result["msg"]


def test_module_docs_list_the_packages_they_import():
    """Every module's documentation lists the pip packages of what it imports (through its doc fragments)."""
    out = subprocess.run([sys.executable, "-m", "ansible.cli.doc", "--json", "-t", "module", "-l",
                          "m365.exo_automation"], capture_output=True, text=True, check=True,
                         env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS)).stdout
    names = sorted(json.loads(out))
    docs = json.loads(subprocess.run([sys.executable, "-m", "ansible.cli.doc", "--json", "-t", "module"] + names,
                                     capture_output=True, text=True, check=True,
                                     env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS)).stdout)
    for name in names:
        requirements = " ".join(docs[name]["doc"].get("requirements") or [])
        short = name.split(".")[-1]
        source = (ROOT / "plugins" / "modules" / (short + ".py")).read_text()
        if "def main(" not in source:
            # the documentation of an action that runs on the controller alone (audit_report): no module process,
            # nothing of Azure imported
            assert (ROOT / "plugins" / "action" / (short + ".py")).exists(), name
            assert "azure" not in (ROOT / "plugins" / "action" / (short + ".py")).read_text(), name
            continue
        for marker, package in (("automation_client", "azure-mgmt-automation"), ("msi_client", "azure-mgmt-msi"),
                                ("resource_client", "azure-mgmt-resource"), ("graph()", "msgraph-sdk")):
            if marker in source:
                assert package in requirements, "%s uses %s but its docs do not list %s" % (name, marker, package)
        assert "azure-identity" in requirements, name
