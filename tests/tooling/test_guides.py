"""The hand-written guides stay true to the code: their examples use real modules and options, and the
troubleshooting guide covers every runbook error the collection recognises."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GUIDES = sorted((ROOT / "docs" / "guides").glob("*.rst"))
FQCN = "m365.exo_automation."


def code_blocks(path):
    """YAML code blocks of an RST file, as text."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        if re.match(r"\.\. code-block:: yaml(\+jinja)?\s*$", lines[i]):
            i += 1
            body = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith("   ")):
                body.append(lines[i][3:])
                i += 1
            blocks.append("\n".join(body))
        else:
            i += 1
    return blocks


def module_tasks(node):
    """(module, args) of every task calling a module of this collection, in plays, blocks or task lists."""
    if isinstance(node, list):
        for item in node:
            yield from module_tasks(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and key.startswith(FQCN) and isinstance(value, dict):
                yield key[len(FQCN):], value
            elif key in ("tasks", "pre_tasks", "post_tasks", "handlers", "block", "rescue", "always"):
                yield from module_tasks(value)


def examples():
    found = []
    for guide in GUIDES:
        for block in code_blocks(guide):
            for module, args in module_tasks(yaml.safe_load(block)):
                found.append((guide.name, module, args))
    return found


@pytest.fixture(scope="session")
def documented_options(tmp_path_factory):
    """Option names and aliases of every module, as ansible-doc reads them (doc fragments included)."""
    collections = tmp_path_factory.mktemp("collections")
    link = collections / "ansible_collections" / "m365" / "exo_automation"
    link.parent.mkdir(parents=True)
    link.symlink_to(ROOT)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections))
    ansible_doc = os.path.join(os.path.dirname(sys.executable), "ansible-doc")
    cache = {}

    def options(module):
        if module not in cache:
            proc = subprocess.run([ansible_doc, "--json", FQCN + module], env=env, capture_output=True, text=True,
                                  check=False)
            assert proc.returncode == 0, "ansible-doc %s%s failed: %s" % (FQCN, module, proc.stderr)
            doc = json.loads(proc.stdout)[FQCN + module]["doc"]
            names = set()
            for name, spec in (doc.get("options") or {}).items():
                names.add(name)
                names.update(spec.get("aliases") or [])
            cache[module] = names
        return cache[module]

    return options


def test_guides_have_examples():
    assert GUIDES
    assert len(examples()) >= 10


@pytest.mark.parametrize("guide,module,args", examples(), ids=lambda v: v if isinstance(v, str) else "")
def test_guide_examples_use_real_modules_and_options(documented_options, guide, module, args):
    assert (ROOT / "plugins" / "modules" / (module + ".py")).is_file(), "%s: no module %s" % (guide, module)
    unknown = set(args) - documented_options(module)
    assert not unknown, "%s: %s has no option %s" % (guide, module, ", ".join(sorted(unknown)))


def test_troubleshooting_covers_every_runbook_error_the_collection_recognises():
    base = ROOT.parents[2] if ROOT.parents[1].name == "ansible_collections" else ROOT / ".collections"
    assert (base / "ansible_collections" / "m365" / "exo_automation").is_dir(), "run make venv (links .collections)"
    sys.path.insert(0, str(base))
    from ansible_collections.m365.exo_automation.plugins.module_utils import automation

    text = " ".join((ROOT / "docs" / "guides" / "troubleshooting.rst").read_text(encoding="utf-8").split())
    missing = [regex.pattern for regex, dummy in automation.JOB_HINTS if not regex.search(text)]
    assert not missing, "troubleshooting.rst lacks an entry for: %s" % missing


def readme_role_uses():
    """(role, vars) of every role a YAML block of README.md applies."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"```yaml\n(.*?)```", text, re.S):
        for play in yaml.safe_load(block) or []:
            for role in play.get("roles") or []:
                if isinstance(role, dict) and str(role.get("role", "")).startswith(FQCN):
                    found.append((role["role"][len(FQCN):], role.get("vars") or {}))
    return found


def test_readme_examples_use_real_role_variables():
    uses = readme_role_uses()
    assert uses, "the README's first example applies the exchange_online_automation role"
    for role, variables in uses:
        spec = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())
        options = spec["argument_specs"]["main"]["options"]
        unknown = sorted(set(variables) - set(options))
        assert unknown == [], "README: role %s has no variables %s" % (role, unknown)
        missing = sorted(n for n, o in options.items() if o.get("required") and n not in variables)
        assert missing == [], "README: role %s needs %s" % (role, missing)
