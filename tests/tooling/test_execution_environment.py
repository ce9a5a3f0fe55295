"""execution-environment.yml: `ansible-builder create` (ansible-builder 3, no container engine needed) makes a
build context that installs the collection, its Python requirements and its system requirements."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BUILDER = Path(sys.executable).with_name("ansible-builder")


def requirement_names(text):
    names = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.add(re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0].lower())
    return names


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    if not BUILDER.exists() and not shutil.which("ansible-builder"):
        pytest.fail("ansible-builder is missing: make venv installs it (requirements-dev.txt)")
    out = tmp_path_factory.mktemp("ee") / "context"
    proc = subprocess.run([str(BUILDER) if BUILDER.exists() else "ansible-builder", "create",
                           "--file", str(ROOT / "execution-environment.yml"), "--context", str(out)],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def test_definition_is_ansible_builder_3_and_keeps_the_introspection_file():
    definition = yaml.safe_load((ROOT / "execution-environment.yml").read_text())
    assert definition["version"] == 3
    assert definition["dependencies"]["python"] == "requirements.txt"
    assert (ROOT / "meta" / "execution-environment.yml").exists()  # read by ansible-builder's introspection


def test_context_lists_every_python_requirement(context):
    listed = requirement_names((context / "_build" / "requirements.txt").read_text())
    wanted = requirement_names((ROOT / "requirements.txt").read_text())
    assert wanted and wanted <= listed, sorted(wanted - listed)


def test_context_installs_the_collection_and_ansible(context):
    galaxy = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert [c["name"] for c in galaxy["collections"]] == ["m365.exo_automation"]
    containerfile = next(p for p in (context / "Containerfile", context / "Dockerfile") if p.exists()).read_text()
    assert "ansible-core>=2.16" in containerfile and "ansible-runner" in containerfile
    assert "bindep" in containerfile and (context / "_build" / "bindep.txt").exists()
