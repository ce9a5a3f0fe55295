"""``make bench``: the project's performance figures, measured on this machine.

* emulator start: process start until its start line is printed and ``/_emulator/health`` answers;
* 200 simple authenticated ARM GETs over one keep-alive connection;
* the CPU cost of the identity modules' Graph work per task (``tests/bench/graph_cpu.py``).
"""
import http.client
import json
import ssl
import statistics
import sys
import time
import urllib.parse

from tests.emulator.client import EmulatorProcess


def bench_start(rounds=5):
    times = []
    for _round in range(rounds):
        t = time.perf_counter()
        emu = EmulatorProcess().start()
        times.append(time.perf_counter() - t)
        emu.stop()
    return times


def bench_gets(emu, count=200):
    env = emu.env
    host, port = urllib.parse.urlsplit(emu.url).netloc.split(":")
    ctx = ssl.create_default_context(cafile=emu.ca_file)
    conn = http.client.HTTPSConnection(host, int(port), context=ctx)
    form = urllib.parse.urlencode({
        "grant_type": "client_credentials", "client_id": env["AZURE_CLIENT_ID"], "client_secret": env["AZURE_SECRET"],
        "scope": "https://management.azure.com/.default"})
    conn.request("POST", f"/{env['AZURE_TENANT']}/oauth2/v2.0/token", form, {"Content-Type": "application/x-www-form-urlencoded"})
    token = json.loads(conn.getresponse().read())["access_token"]
    sub = env["AZURE_SUBSCRIPTION_ID"]
    conn.request("PUT", f"/subscriptions/{sub}/resourcegroups/rg-bench?api-version=2025-04-01",
                 json.dumps({"location": "westeurope"}), {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    conn.getresponse().read()
    t = time.perf_counter()
    for _request in range(count):
        conn.request("GET", f"/subscriptions/{sub}/resourcegroups/rg-bench?api-version=2025-04-01",
                     headers={"Authorization": f"Bearer {token}"})
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200, resp.status
    elapsed = time.perf_counter() - t
    conn.close()
    return elapsed


def main():
    starts = bench_start()
    print(f"emulator start (5 runs): median {statistics.median(starts):.2f} s, max {max(starts):.2f} s")
    with EmulatorProcess() as emu:
        elapsed = bench_gets(emu)
        print(f"200 authenticated ARM GETs (one connection): {elapsed:.2f} s ({elapsed / 200 * 1000:.1f} ms each)")
    from tests.bench import graph_cpu

    return graph_cpu.main(["--rounds", "5"])


if __name__ == "__main__":
    sys.exit(main())
