"""``python -m tests.emulator [--port N] [--state FILE]``: serve the emulator until SIGTERM/SIGINT.

The first line on stdout is one JSON object: ``{"url", "ca_file", "pid"}``. Next to the CA the emulator keeps the
seeded admin's certificate (``admin-cert.pem``, key encrypted with the password in ``admin-cert.password``) and
its federated token (``admin-federated-token``); ``GET /_emulator/health`` names them."""
import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import threading

from .core import Emulator, build_server
from .tls import ensure_certificates
from .tokens import refresh_federated_token_file, setup_admin_credentials


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: a free port)")
    parser.add_argument("--state", help="JSON file that keeps the state across restarts")
    args = parser.parse_args(argv)

    if args.state:
        state_file = os.path.abspath(args.state)
        tls_dir = state_file + ".tls"
    else:
        state_file = None
        tls_dir = tempfile.mkdtemp(prefix="exo-emulator-")
    ca_file, cert_file, key_file = ensure_certificates(tls_dir)
    emu = Emulator(state_file=state_file)
    server = build_server(emu, args.port, cert_file, key_file, ca_file)
    # the admin's certificate and federated token live next to the CA (and are reused with it)
    setup_admin_credentials(emu, tls_dir)

    stopping = threading.Event()

    def keep_federated_token_fresh():
        # like a projected service account token, the file is renewed well before it expires
        while not stopping.wait(600):
            refresh_federated_token_file(emu)

    threading.Thread(target=keep_federated_token_fresh, daemon=True).start()

    def stop(_signum, _frame):
        stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stdout.write(json.dumps({"url": emu.base_url, "ca_file": ca_file, "pid": os.getpid()}) + "\n")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        emu.save()
        if state_file is None:  # the CA of a run without --state lives only as long as the run
            shutil.rmtree(tls_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
