"""Run a command with a fresh local emulator: ``python tests/utils/with_emulator.py CMD [ARGS...]``.

Starts ``python -m tests.emulator`` from the repository, exports the environment its ``/_emulator/health``
hands out (the AWX credential names, the endpoints and the CA) plus ``EXO_EMULATOR_URL``, runs the command,
stops the emulator and exits with the command's status."""
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, REPO)

from tests.emulator.client import EmulatorProcess  # noqa: E402


def main(argv):
    if not argv:
        sys.stderr.write("usage: with_emulator.py CMD [ARGS...]\n")
        return 2
    with EmulatorProcess(python=sys.executable) as emu:
        env = dict(os.environ)
        env.update(emu.env)
        env["EXO_EMULATOR_URL"] = emu.url
        return subprocess.call(argv, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
