"""The offline stand-in for ansible-test's pip bootstrap script."""

from __future__ import annotations

import os
import subprocess
import sys
import venv

import ansible_test


def test_bootstrap_flags_become_a_pip_install(get_pip):
    args = get_pip.install_args(["--disable-pip-version-check", "pip==24.2", "--no-setuptools", "--no-wheel"])
    assert args == ["install", "--upgrade", "--force-reinstall", "--disable-pip-version-check", "pip==24.2"]


def test_cache_path_is_the_one_ansible_test_reads(get_pip):
    source = os.path.join(os.path.dirname(ansible_test.__file__), "_util", "target", "setup", "requirements.py")
    with open(source, encoding="utf-8") as handle:
        text = handle.read()
    assert "'~/.ansible/test/cache/get_pip_%s.py' % pip_version.replace(\".\", \"_\")" in text
    assert get_pip.cache_path("24.2") == os.path.expanduser("~/.ansible/test/cache/get_pip_24_2.py")


def test_pip_version_is_read_from_ansible_test(get_pip):
    from ansible_test._internal.python_requirements import get_venv_packages

    class Python:  # get_venv_packages() only reads .version
        version = "%d.%d" % sys.version_info[:2]

    assert get_pip.ansible_test_pip_version() == get_venv_packages(Python())["pip"]


def test_install_copies_the_script_to_the_cache(get_pip, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert get_pip.main(["--install"]) == 0
    target = tmp_path / ".ansible" / "test" / "cache" / ("get_pip_%s.py" % get_pip.ansible_test_pip_version().replace(".", "_"))
    assert target.read_bytes() == open(get_pip.__file__, "rb").read()


def test_bootstraps_pip_into_an_empty_venv_the_way_ansible_test_calls_it(get_pip, tmp_path):
    """ansible-test runs quiet_pip.py with GET_PIP=<cached script> in a venv created --without-pip."""
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    assert subprocess.run([python, "-c", "import pip"], capture_output=True, check=False).returncode != 0

    cached = tmp_path / "cache" / "get_pip_24_2.py"
    cached.parent.mkdir()
    cached.write_bytes(open(get_pip.__file__, "rb").read())
    quiet_pip = os.path.join(os.path.dirname(ansible_test.__file__), "_util", "target", "setup", "quiet_pip.py")
    version = get_pip.ansible_test_pip_version()
    proc = subprocess.run(
        [python, quiet_pip, "--disable-pip-version-check", "pip==%s" % version, "--no-setuptools", "--no-wheel"],
        env=dict(os.environ, GET_PIP=str(cached), PIP_BREAK_SYSTEM_PACKAGES="1"),
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = subprocess.run([python, "-m", "pip", "--version"], capture_output=True, text=True, check=True).stdout
    assert out.startswith("pip %s " % version)
    assert str(env_dir) in out
