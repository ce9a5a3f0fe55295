"""The virtual environments ``make bench`` builds once and keeps in the cache directory (``common.cache_dir()``):

* ``install-venv``: requirements.txt + ansible-core, to measure what installing the collection's dependencies
  costs on disk;
* ``peer-venv`` + ``peer-collections``: azure.azcollection with its own requirements, the peer the
  ``peer`` scenario compares with. ``ansible-galaxy collection install`` is tried first; where Galaxy cannot be
  reached, the collection is taken from the ``ansible`` package on PyPI, which ships it.

Each is rebuilt only when what it was built from changes (a stamp file holds a hash of the inputs)."""
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile

from tests.bench.common import cache_dir
from tests.emulator.client import REPO_ROOT

PIP = ["-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
# The ansible package whose wheel carries azure.azcollection when Galaxy cannot be reached.
ANSIBLE_PACKAGE = os.environ.get("BENCH_PEER_ANSIBLE_PACKAGE", "ansible>=11,<12")
PEER_COLLECTION = "azure.azcollection"


class Unavailable(Exception):
    """A venv could not be built; the message says why (with the tool's error)."""


def _ansible_core_pin():
    with open(os.path.join(REPO_ROOT, "constraints.txt")) as f:
        for line in f:
            if line.strip().lower().startswith("ansible-core=="):
                return line.strip()
    return "ansible-core"


def _stamp(*parts):
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _fresh(path, stamp):
    marker = os.path.join(path, ".bench-stamp")
    if os.path.exists(marker):
        with open(marker) as f:
            return f.read().strip() == stamp
    return False


def _mark(path, stamp):
    with open(os.path.join(path, ".bench-stamp"), "w") as f:
        f.write(stamp + "\n")


def _run(cmd, what, timeout=900):
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise Unavailable("%s: no answer within %d s (%s)" % (what, timeout, " ".join(cmd)))
    if proc.returncode != 0:
        tail = " ".join(line.strip() for line in (proc.stdout + "\n" + proc.stderr).strip().splitlines()[-6:]
                        if line.strip())
        raise Unavailable("%s failed (exit %d): %s" % (what, proc.returncode, tail))
    return proc


def _venv(path, requirements, extra, stamp):
    """Build ``path`` from scratch with pip installing ``extra`` + ``-r requirements``; returns (python, built)."""
    python = os.path.join(path, "bin", "python")
    if _fresh(path, stamp) and os.path.exists(python):
        return python, False
    shutil.rmtree(path, ignore_errors=True)
    _run([sys.executable, "-m", "venv", path], "python -m venv %s" % path)
    cmd = [python] + PIP + list(extra)
    for req in requirements:
        cmd += ["-r", req]
    _run(cmd, "pip install into %s" % path)
    _mark(path, stamp)
    return python, True


def disk_mb(path):
    """Disk usage of ``path`` in MB (10^6 bytes), counting allocated blocks like ``du``."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except OSError:
                pass
    return total / 1e6


def install_venv():
    """``(path, built)`` of a venv with requirements.txt + ansible-core (the version constraints.txt pins)."""
    path = os.path.join(cache_dir(), "install-venv")
    req = os.path.join(REPO_ROOT, "requirements.txt")
    constraints = os.path.join(REPO_ROOT, "constraints.txt")
    with open(req) as f, open(constraints) as g:
        stamp = _stamp(f.read(), g.read(), sys.version)
    _python, built = _venv(path, [req], [_ansible_core_pin(), "-c", constraints], stamp)
    return path, built


def _collection_from_galaxy(dest):
    _run([os.path.join(os.path.dirname(sys.executable), "ansible-galaxy"), "collection", "install",
          PEER_COLLECTION, "-p", dest, "--force"], "ansible-galaxy collection install %s" % PEER_COLLECTION,
         timeout=120)
    return "Ansible Galaxy"


def _collection_from_pypi(dest):
    download = os.path.join(cache_dir(), "downloads")
    os.makedirs(download, exist_ok=True)
    _run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
          "-d", download, ANSIBLE_PACKAGE], "pip download %s" % ANSIBLE_PACKAGE)
    wheels = sorted(glob.glob(os.path.join(download, "ansible-[0-9]*.whl")))
    if not wheels:
        raise Unavailable("pip download %s left no wheel in %s" % (ANSIBLE_PACKAGE, download))
    prefix = "ansible_collections/azure/azcollection/"
    with zipfile.ZipFile(wheels[-1]) as wheel:
        members = [m for m in wheel.namelist() if m.startswith(prefix)]
        if not members:
            raise Unavailable("%s does not ship %s" % (os.path.basename(wheels[-1]), PEER_COLLECTION))
        wheel.extractall(dest, members)
    return "PyPI package %s (%s)" % (ANSIBLE_PACKAGE, os.path.basename(wheels[-1]))


def peer():
    """``{"python", "bin", "collections", "source", "version", "built", "galaxy_error"}`` of the peer's venv."""
    base = cache_dir()
    collections = os.path.join(base, "peer-collections")
    coll_dir = os.path.join(collections, "ansible_collections", "azure", "azcollection")
    galaxy_error = None
    stamp_file = os.path.join(collections, ".bench-source")
    if not os.path.exists(os.path.join(coll_dir, "requirements.txt")):
        shutil.rmtree(collections, ignore_errors=True)
        os.makedirs(collections)
        try:
            source = _collection_from_galaxy(collections)
        except Unavailable as err:
            galaxy_error = str(err)
            source = _collection_from_pypi(collections)
        with open(stamp_file, "w") as f:
            f.write(source + "\n" + (galaxy_error or "") + "\n")
    with open(stamp_file) as f:
        lines = f.read().split("\n")
    source, galaxy_error = lines[0], (lines[1] if len(lines) > 1 else "") or None
    req = os.path.join(coll_dir, "requirements.txt")
    with open(req) as f:
        stamp = _stamp(f.read(), _ansible_core_pin(), sys.version)
    path = os.path.join(base, "peer-venv")
    python, built = _venv(path, [req], [_ansible_core_pin()], stamp)
    version = None
    manifest = os.path.join(coll_dir, "MANIFEST.json")
    if os.path.exists(manifest):
        import json

        with open(manifest) as f:
            version = json.load(f)["collection_info"]["version"]
    return {"python": python, "bin": os.path.dirname(python), "collections": collections, "path": path,
            "source": source, "version": version, "built": built, "galaxy_error": galaxy_error}
