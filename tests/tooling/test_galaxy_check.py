"""What the built collection tarball may and must contain."""

from __future__ import annotations

import io
import tarfile

import pytest


def make_tarball(path, names):
    with tarfile.open(path, "w:gz") as tar:
        for name in names:
            info = tarfile.TarInfo(name)
            info.size = 1
            tar.addfile(info, io.BytesIO(b"x"))
    return path


@pytest.mark.parametrize("name", [
    ".venv/bin/python", "tests/output/junit/x.xml", "docs/build/html/index.html", ".build/x",
    ".collections/ansible_collections/m365", "plugins/modules/__pycache__/x.cpython-311.pyc", ".coverage",
    ".emulator/ca.pem", "m365-exo_automation-0.1.0.tar.gz", ".ansible/collections/x",
])
def test_work_area_files_are_forbidden(galaxy_check, name):
    assert galaxy_check.forbidden([name, "plugins/modules/ok.py"]) == [name]


def test_collection_files_are_allowed(galaxy_check):
    names = ["MANIFEST.json", "FILES.json", "plugins/modules/runbook.py", "docs/guides/quickstart.rst",
             "tests/unit/plugins/modules/test_runbook.py", "roles/runbooks/tasks/main.yml"]
    assert galaxy_check.forbidden(names) == []


def test_tarball_must_carry_every_module_of_the_tree(galaxy_check, tmp_path):
    root = tmp_path / "src"
    (root / "plugins" / "modules").mkdir(parents=True)
    (root / "plugins" / "modules" / "runbook.py").write_text("")
    (root / "meta").mkdir()
    good = ["MANIFEST.json", "FILES.json", "meta/runtime.yml", "plugins/modules/runbook.py"]
    galaxy_check.check_tarball(make_tarball(tmp_path / "good.tar.gz", good), root=str(root))
    with pytest.raises(galaxy_check.CheckError, match="lacks:\n  plugins/modules/runbook.py"):
        galaxy_check.check_tarball(make_tarball(tmp_path / "short.tar.gz", good[:3]), root=str(root))
    with pytest.raises(galaxy_check.CheckError, match="tests/output/x"):
        galaxy_check.check_tarball(make_tarball(tmp_path / "dirty.tar.gz", good + ["tests/output/x"]), root=str(root))
