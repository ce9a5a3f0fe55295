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


def test_importer_output_with_an_error_is_refused(galaxy_check):
    ok = "Importing with galaxy-importer 0.4.44\nCollection loading complete\nImporter processing completed successfully\n"
    assert galaxy_check.importer_problems(ok) == []
    refused = "Loading role runbooks\nERROR: No role readme found.\n"
    problems = galaxy_check.importer_problems(refused)
    assert "ERROR: No role readme found." in problems
    assert any("did not report" in p for p in problems)


def test_the_importer_accepts_the_collection_only_with_role_readmes(galaxy_check, tmp_path):
    """The real importer on a copy of the collection whose role lost its README: refused."""
    import os
    import shutil
    import subprocess
    import sys

    python = os.path.join(galaxy_check.ROOT, ".venv-importer", "bin", "python")
    if not os.path.exists(python):
        pytest.skip("make venv-importer has not run")
    src = tmp_path / "src"
    shutil.copytree(galaxy_check.ROOT, src, ignore=shutil.ignore_patterns(
        ".venv*", ".build", ".collections", ".git", "tests", "docs"))
    os.remove(src / "roles" / "runbooks" / "README.md")
    galaxy = os.path.join(os.path.dirname(sys.executable), "ansible-galaxy")
    subprocess.run([galaxy, "collection", "build", str(src), "--output-path", str(tmp_path)],
                   check=True, capture_output=True)
    tarball = next(tmp_path.glob("*.tar.gz"))
    with pytest.raises(galaxy_check.CheckError) as err:
        galaxy_check.run_importer(python, str(tarball), str(tmp_path))
    assert "readme" in str(err.value).lower()
