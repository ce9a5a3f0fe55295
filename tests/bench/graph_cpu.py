"""CPU cost of the identity modules' Graph work, per Ansible task.

    .venv/bin/python -m tests.bench.graph_cpu [--rounds N]

Starts an emulator, then runs each module the way a task runs it (a fresh Python process that reads its
arguments from a JSON file, as AnsiballZ does) and measures the process's CPU time (user + system, from
``getrusage(RUSAGE_CHILDREN)``). Two baselines:

* ``bare``: a module that imports nothing and prints its JSON result;
* ``ansible``: a module that imports only ``AnsibleModule`` and exits, the floor of every Ansible module.

The figure that matters is a Graph task minus the ``ansible`` baseline: everything the task adds (azure-identity,
the token, msgraph-sdk's HTTP stack, the requests). The median of ``--rounds`` runs is reported.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile

from tests.emulator.client import REPO_ROOT, EmulatorProcess

PY = sys.executable
# `make bench` exports ANSIBLE_COLLECTIONS_PATH (.collections/ in a plain checkout, the root above
# ansible_collections/ in a collection layout)
COLLECTIONS = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or os.path.join(REPO_ROOT, ".collections")
PKG = "ansible_collections.m365.exo_automation.plugins.modules."

BARE = "import json, sys\nprint(json.dumps({'changed': False}))\n"
ANSIBLE = ("from ansible.module_utils.basic import AnsibleModule\n"
           "m = AnsibleModule(argument_spec={}, supports_check_mode=True)\n"
           "m.exit_json(changed=False)\n")


def cpu_of(cmd, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, proc


def run_module(name, args, env, workdir):
    path = os.path.join(workdir, "args.json")
    with open(path, "w") as f:
        json.dump({"ANSIBLE_MODULE_ARGS": args}, f)
    cpu, proc = cpu_of([PY, "-m", PKG + name, path], env)
    try:
        result = json.loads(proc.stdout)
    except ValueError:
        raise SystemExit("%s did not return JSON:\n%s\n%s" % (name, proc.stdout[-2000:], proc.stderr[-2000:]))
    if result.get("failed"):
        raise SystemExit("%s failed: %s" % (name, result.get("msg")))
    return cpu, result


def run_script(source, args, env, workdir):
    script = os.path.join(workdir, "baseline.py")
    with open(script, "w") as f:
        f.write(source)
    path = os.path.join(workdir, "args.json")
    with open(path, "w") as f:
        json.dump({"ANSIBLE_MODULE_ARGS": args}, f)
    cpu, _proc = cpu_of([PY, script, path], env)
    return cpu


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    opts = parser.parse_args(argv)

    with EmulatorProcess() as emu, tempfile.TemporaryDirectory() as workdir:
        emu.reset()
        env = dict(os.environ, **emu.env)
        env["PYTHONPATH"] = COLLECTIONS
        principal = emu.call("POST", "/_emulator/graph/managedIdentities", {
            "principalId": "5b4c3d2e-1f0a-4b9c-8d7e-6f5a4b3c2d1e", "clientId": "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d",
            "name": "mi-bench", "resourceId": "/subscriptions/%s/resourceGroups/rg/providers/Microsoft."
                                              "ManagedIdentity/userAssignedIdentities/mi-bench" % emu.env["AZURE_SUBSCRIPTION_ID"]})
        pid = (principal or {}).get("id") or "5b4c3d2e-1f0a-4b9c-8d7e-6f5a4b3c2d1e"
        tasks = [
            ("service_principal_info", {"app_id": "Office 365 Exchange Online"}),
            ("service_principal", {"app_id": "Office 365 Exchange Online"}),
            ("app_role_assignment", {"principal": pid, "resource": "Office 365 Exchange Online",
                                     "app_roles": ["Exchange.ManageAsApp"]}),
            ("app_role_assignment_info", {"principal": pid}),
            ("directory_role_assignment", {"principal": pid, "roles": ["Exchange Administrator"]}),
            ("directory_role_assignment_info", {"principal": pid}),
        ]
        # First runs make the changes; the measured runs are the steady state a playbook re-run sees.
        for name, args in tasks:
            run_module(name, args, env, workdir)

        # Token requests per task: one per API the task talks to is the floor (azure-identity caches per process).
        tokens = {}
        for name, args in tasks:
            emu.call("DELETE", "/_emulator/requests")
            run_module(name, args, env, workdir)
            tokens[name] = sum(1 for r in emu.call("GET", "/_emulator/requests") or [] if r.get("api") == "token")

        # Round-robin, so that a change in the machine's load affects every figure alike.
        samples = {"bare": [], "ansible": []}
        samples.update((name, []) for name, _args in tasks)
        for dummy in range(opts.rounds):
            samples["bare"].append(run_script(BARE, {}, env, workdir))
            samples["ansible"].append(run_script(ANSIBLE, {}, env, workdir))
            for name, args in tasks:
                samples[name].append(run_module(name, args, env, workdir)[0])
        med = dict((k, statistics.median(v)) for k, v in samples.items())
        low = dict((k, min(v)) for k, v in samples.items())
        bare, floor = med["bare"], med["ansible"]
        print("CPU time per task (user + system), median (min) of %d runs" % opts.rounds)
        print("%-32s %.3f s (%.3f)" % ("baseline: bare module", bare, low["bare"]))
        print("%-32s %.3f s (%.3f)" % ("baseline: AnsibleModule only", floor, low["ansible"]))
        worst = 0.0
        for name, _args in tasks:
            cpu = med[name]
            worst = max(worst, cpu - floor)
            print("%-32s %.3f s (%.3f)  %+.3f s over AnsibleModule only, %+.3f s over bare, %d token request(s)"
                  % (name, cpu, low[name], cpu - floor, cpu - bare, tokens[name]))
        print("largest Graph task cost over an AnsibleModule-only module (medians): %.3f s (budget 0.400 s)" % worst)
    return 0 if worst <= 0.4 else 1


if __name__ == "__main__":
    sys.exit(main())
