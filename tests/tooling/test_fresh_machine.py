"""`make test` on a new machine: nothing may depend on, or race for, state in $HOME.

* ansible-test integration needs an SSH key pair; without one in the tree it writes ~/.ansible/test/id_rsa, and
  two integration groups started side by side on a machine without that key both run ssh-keygen on it (one
  fails). tests/utils/ansible_test.sh gives each build copy a key of its own.
* In a checkout laid out as ansible_collections/m365/exo_automation (the layout collection developers use), the
  Makefile points ANSIBLE_COLLECTIONS_PATH at the directory above ansible_collections/ instead of linking the
  tree into .collections/ (through that link ansible-doc finds no roles, and the docs site lost its role index).
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"


def _fake_bin(tmp_path):
    """A bin directory whose python runs the project's venv and whose ansible-test reports what it finds."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python = bin_dir / "python"
    python.write_text('#!/bin/sh\nexec "%s" "$@"\n' % VENV_PYTHON)
    fake = bin_dir / "ansible-test"
    fake.write_text(
        "#!/bin/sh\n"
        'test -f tests/output/.tmp/id_rsa && test -f tests/output/.tmp/id_rsa.pub && echo "in-tree key"\n'
        'grep -q "BEGIN RSA PRIVATE KEY" tests/output/.tmp/id_rsa && echo "rsa header"\n'
        'test -e "$HOME/.ansible/test/id_rsa" && echo "home key"\n'
        "exit 0\n")
    for path in (python, fake):
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return bin_dir


def test_integration_uses_a_key_of_its_own_and_leaves_home_alone(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home), EXO_PYTHON=str(_fake_bin(tmp_path) / "python"),
               EXO_BUILD_DIR=str(tmp_path / "build"), EXO_EMULATOR_URL="https://127.0.0.1:1")
    env.pop("AZURE_CLIENT_ID", None)
    proc = subprocess.run([str(ROOT / "tests/utils/ansible_test.sh"), "integration", "resource_group"],
                          env=env, capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "in-tree key" in proc.stdout
    assert "rsa header" in proc.stdout
    assert "home key" not in proc.stdout
    assert not (home / ".ansible").exists()


def test_makefile_finds_the_collection_in_an_ansible_collections_layout(tmp_path):
    checkout = tmp_path / "ansible_collections" / "m365" / "exo_automation"
    checkout.mkdir(parents=True)
    (checkout / "Makefile").write_text((ROOT / "Makefile").read_text())
    out = subprocess.run(["make", "-s", "-C", str(checkout), "-f", "Makefile", "--eval",
                          "print-collections:\n\t@echo $$ANSIBLE_COLLECTIONS_PATH", "print-collections"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == str(tmp_path)


def test_makefile_links_a_plain_checkout_into_dot_collections(tmp_path):
    (tmp_path / "Makefile").write_text((ROOT / "Makefile").read_text())
    out = subprocess.run(["make", "-s", "-C", str(tmp_path), "--eval",
                          "print-collections:\n\t@echo $$ANSIBLE_COLLECTIONS_PATH", "print-collections"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == str(tmp_path / ".collections")


def test_sanity_runs_get_a_home_of_their_own(tmp_path):
    """Two sanity runs side by side must not share ~/.ansible/test/venv (they delete each other's venvs)."""
    home = tmp_path / "home"
    home.mkdir()
    bin_dir = _fake_bin(tmp_path)
    (bin_dir / "ansible-test").write_text('#!/bin/sh\necho "HOME=$HOME"\nls "$HOME/.ansible/test/cache"\n')
    outputs = []
    for name in ("sanity", "sanity-2.16"):
        env = dict(os.environ, HOME=str(home), EXO_PYTHON=str(bin_dir / "python"),
                   EXO_BUILD_DIR=str(tmp_path / "build" / name))
        proc = subprocess.run([str(ROOT / "tests/utils/ansible_test.sh"), "sanity"], env=env, capture_output=True,
                              text=True, check=False, timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        outputs.append(proc.stdout)
    homes = [out.split("HOME=", 1)[1].split("\n", 1)[0] for out in outputs]
    assert homes == [str(tmp_path / "build" / n / "home") for n in ("sanity", "sanity-2.16")]
    assert all("get_pip_" in out for out in outputs)  # the pip bootstrap is in each home
    assert not (home / ".ansible").exists()
