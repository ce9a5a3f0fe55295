"""Every role has a README whose variables table matches its argument spec (tests/utils/role_readmes.py)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load(relative):
    spec = importlib.util.spec_from_file_location("role_readmes_under_test", ROOT / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_role_readmes_are_current():
    proc = subprocess.run([sys.executable, str(ROOT / "tests/utils/role_readmes.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_variable_and_an_example_is_in_each_readme():
    for spec_file in sorted(ROOT.glob("roles/*/meta/argument_specs.yml")):
        role = spec_file.parents[1]
        readme = (role / "README.md").read_text()
        for name in yaml.safe_load(spec_file.read_text())["argument_specs"]["main"]["options"]:
            assert "`%s`" % name in readme, "%s: %s is not documented in README.md" % (role.name, name)
        assert "m365.exo_automation.%s" % role.name in readme and "```yaml" in readme, role.name


def test_a_stale_table_is_reported(tmp_path, monkeypatch):
    tool = load("tests/utils/role_readmes.py")
    role = tmp_path / "roles" / "r"
    (role / "meta").mkdir(parents=True)
    (role / "meta" / "argument_specs.yml").write_text(
        "argument_specs:\n  main:\n    options:\n      r_x:\n        description: An O(r_x).\n        type: int\n"
        "        default: 3\n")
    (role / "README.md").write_text("# r\n\n%s\nold\n%s\n" % (tool.BEGIN, tool.END))
    monkeypatch.setattr(tool, "ROOT", str(tmp_path))
    assert tool.main(["--check"]) == 1
    assert tool.main([]) == 0
    text = (role / "README.md").read_text()
    assert "| `r_x` | int | `3` | An `r_x`. |" in text and "old" not in text
    assert tool.main(["--check"]) == 0
