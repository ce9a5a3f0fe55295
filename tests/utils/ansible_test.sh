#!/usr/bin/env bash
# Run ansible-test on a copy of the collection at a real ansible_collections/m365/exo_automation path.
#
#   tests/utils/ansible_test.sh units [ansible-test args]
#   tests/utils/ansible_test.sh integration [targets...]
#   tests/utils/ansible_test.sh sanity [ansible-test args]
#
# ansible-test resolves symlinks, so the tree is copied (without .venv, .venv-2.16, .git, .collections, .build and test
# output) to $EXO_BUILD_DIR/ansible_collections/m365/exo_automation (default: .build under the repository).
# For integration, the Azure environment is passed through as it is. When neither EXO_EMULATOR_URL nor
# AZURE_CLIENT_ID is set, a local emulator is started for the run and its /_emulator/health environment exported.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PY="${EXO_PYTHON:-$REPO/.venv/bin/python}"
BIN="$(dirname "$PY")"
BUILD_ROOT="${EXO_BUILD_DIR:-$REPO/.build}"
DEST="$BUILD_ROOT/ansible_collections/m365/exo_automation"

if [ $# -lt 1 ]; then
    echo "usage: $0 <units|integration|sanity> [ansible-test args]" >&2
    exit 2
fi
command="$1"
shift

"$PY" - "$REPO" "$DEST" <<'PYEOF'
import os
import shutil
import sys

src, dest = sys.argv[1], sys.argv[2]
skip_top = {".venv", ".venv-2.16", ".venv-importer", ".git", ".collections", ".build", ".pytest_cache", "htmlcov", ".emulator"}
ignore_any = shutil.ignore_patterns("__pycache__", "*.pyc", ".coverage", ".coverage.*")


def ignore(directory, names):
    ignored = set(ignore_any(directory, names))
    if os.path.abspath(directory) == os.path.abspath(src):
        ignored |= skip_top & set(names)
    if os.path.abspath(directory) == os.path.join(os.path.abspath(src), "tests"):
        ignored |= {"output"} & set(names)
    if os.path.abspath(directory) == os.path.join(os.path.abspath(src), "docs"):
        ignored |= {"build"} & set(names)  # the docs site that `make docs` builds
    return ignored


if os.path.exists(dest):
    # keep ansible-test's own output between runs, replace everything else
    for name in os.listdir(dest):
        path = os.path.join(dest, name)
        if name == "tests":
            for sub in os.listdir(path):
                if sub != "output":
                    p = os.path.join(path, sub)
                    shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.remove(p)
            continue
        shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.remove(path)
shutil.copytree(src, dest, ignore=ignore, dirs_exist_ok=True, symlinks=True)
PYEOF

# ansible-test lists the files of the git work tree it finds walking up from the collection; without a
# repository of its own the copy would be judged by the enclosing checkout, where .build/ is ignored.
[ -d "$DEST/.git" ] || git -C "$DEST" init -q

export PATH="$BIN:$PATH"
cd "$DEST"

case "$command" in
    units)
        exec "$BIN/ansible-test" units --local --python 3.11 "$@"
        ;;
    integration)
        if [ -z "${EXO_EMULATOR_URL:-}" ] && [ -z "${AZURE_CLIENT_ID:-}" ]; then
            # no Azure environment: run again with a local emulator's environment exported
            exec "$PY" "$REPO/tests/utils/with_emulator.py" "$REPO/tests/utils/ansible_test.sh" integration "$@"
        fi
        # ansible-test hands targets only a filtered environment; the Azure settings reach them as variables
        "$PY" "$REPO/tests/utils/integration_config.py" tests/integration/integration_config.yml.template \
            tests/integration/integration_config.yml
        # ansible-test integration wants an SSH key pair. It takes one from the tree's tests/output/.tmp/ when
        # there is one, and otherwise generates ~/.ansible/test/id_rsa, which two runs side by side on a new
        # machine both try to write (one then fails). Each build copy gets a key of its own instead, so no
        # run depends on, or writes, state in $HOME.
        key=tests/output/.tmp/id_rsa
        if [ ! -f "$key" ] || [ ! -f "$key.pub" ]; then
            mkdir -p "$(dirname "$key")"
            rm -f "$key" "$key.pub"
            ssh-keygen -m PEM -q -t rsa -N '' -C ansible-test -f "$key"
            # as ansible-test does: paramiko does not read the PKCS#8 header of newer ssh-keygen releases
            sed -i -E 's/(BEGIN|END) PRIVATE KEY/\1 RSA PRIVATE KEY/' "$key"
        fi
        exec "$BIN/ansible-test" integration --local --python 3.11 "$@"
        ;;
    sanity)
        # ansible-test keeps the virtual environments of the sanity tests in ~/.ansible/test/venv/, under a name
        # that two ansible-core releases can share: two sanity runs side by side (make test runs 2.19 and 2.16 at
        # once) would delete each other's half-built environments. Each build copy gets a home of its own; the
        # user's pip configuration still applies.
        user_pip_conf="${XDG_CONFIG_HOME:-$HOME/.config}/pip/pip.conf"
        if [ -z "${PIP_CONFIG_FILE:-}" ] && [ -f "$user_pip_conf" ]; then
            export PIP_CONFIG_FILE="$user_pip_conf"
        fi
        export HOME="$BUILD_ROOT/home"
        mkdir -p "$HOME"
        # the pip bootstrap ansible-test would download from a host that is not reachable (tests/utils/get_pip.py)
        "$PY" "$REPO/tests/utils/get_pip.py" --install >/dev/null
        exec "$BIN/ansible-test" sanity --local --python 3.11 "$@"
        ;;
    *)
        echo "unknown command '$command': use units, integration or sanity" >&2
        exit 2
        ;;
esac
