#!/usr/bin/env python
"""Offline stand-in for ansible-test's pip bootstrap script (``get-pip-<version>.py``).

``ansible-test`` creates the virtual environments of several sanity tests without pip and then runs the
bootstrap script it downloads from ``ci-files.testing.ansible.com``. That host is not reachable from CI, so
``make sanity`` copies this file to ``~/.ansible/test/cache/get_pip_<version>.py`` (the cache path that
``ansible_test/_util/target/setup/requirements.py`` checks before downloading) and ansible-test runs it
instead.

It does what the official script does: take a pip that comes with Python (the wheel bundled with
``ensurepip``), run it from that wheel, and let it install the requested pip release (``pip==24.2``) from the
package index this machine is configured for. Command line, as ansible-test passes it::

    get_pip.py [pip install options] pip==<version> [other packages] [--no-setuptools] [--no-wheel]

``get_pip.py --install`` copies this file to the cache path for the pip version of the ansible-test that the
running Python imports (run it with the project's virtual environment).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sys

INSTALL_FLAG = "--install"


def bundled_pip_wheel():
    """Return the path of the pip wheel that ships with this Python's ensurepip."""
    import ensurepip

    bundled = os.path.join(os.path.dirname(ensurepip.__file__), "_bundled")
    wheels = sorted(glob.glob(os.path.join(bundled, "pip-*.whl")))
    if not wheels:
        raise SystemExit("get_pip: no pip wheel bundled with ensurepip in %s" % bundled)
    return wheels[-1]


def install_args(argv):
    """Translate get-pip.py arguments into ``pip install`` arguments.

    ``--no-setuptools`` and ``--no-wheel`` only tell get-pip.py not to add those packages implicitly; this script
    never adds them, so both are dropped. Everything else goes to ``pip install`` unchanged.
    """
    args = [arg for arg in argv if arg not in ("--no-setuptools", "--no-wheel")]
    return ["install", "--upgrade", "--force-reinstall"] + args


def ansible_test_pip_version():
    """The pip release ansible-test bootstraps into the virtual environments it creates (e.g. ``24.2``)."""
    import ansible_test

    source = os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")
    with open(source, encoding="utf-8") as handle:
        match = re.search(r"default_packages = dict\(\s*pip='([0-9.]+)'", handle.read())
    if not match:
        raise SystemExit("get_pip: cannot find the pip version in %s" % source)
    return match.group(1)


def cache_path(pip_version):
    """Where ansible-test looks for the bootstrap script before downloading it."""
    return os.path.expanduser("~/.ansible/test/cache/get_pip_%s.py" % pip_version.replace(".", "_"))


def install():
    """Put this script where ansible-test looks for its bootstrap script; print that path."""
    target = cache_path(ansible_test_pip_version())
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copyfile(os.path.abspath(__file__), target)
    print(target)
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv == [INSTALL_FLAG]:
        return install()
    wheel = bundled_pip_wheel()
    # pip can run straight from its wheel (a zip file), which is how the official script works too.
    sys.path.insert(0, wheel)
    from pip._internal.cli.main import main as pip_main

    return pip_main(install_args(argv))


if __name__ == "__main__":
    sys.exit(main())
