"""``make demo``: start the emulator, rebuild the whole Exchange Online automation setup with the
collection's playbook, run the verification runbook, print what happened, stop the emulator.

Runs with nothing but the environment the emulator hands out (the AWX credential names + endpoints + CA),
exactly as a playbook runs against a real tenant with an AWX "Microsoft Azure Resource Manager" credential.
"""
import json
import os
import subprocess
import sys
import time

from tests.emulator.client import REPO_ROOT, EmulatorProcess

SITE = os.path.join(REPO_ROOT, "playbooks", "site.yml")
DEMO_VARS = os.path.join(REPO_ROOT, "playbooks", "vars", "demo.yml")


def _sdk_smoke(env):
    """One real SDK round trip through the emulator: azure-identity + azure-mgmt-resource."""
    from azure.identity import ClientSecretCredential
    from azure.mgmt.resource.resources import ResourceManagementClient

    credential = ClientSecretCredential(
        env["AZURE_TENANT"], env["AZURE_CLIENT_ID"], env["AZURE_SECRET"],
        authority=env["AZURE_AUTHORITY_HOST"], disable_instance_discovery=True,
    )
    client = ResourceManagementClient(
        credential, env["AZURE_SUBSCRIPTION_ID"], base_url=env["AZURE_ARM_ENDPOINT"],
        credential_scopes=["https://management.azure.com/.default"],
    )
    group = client.resource_groups.create_or_update("rg-demo-smoke", {"location": "westeurope"})
    names = [g.name for g in client.resource_groups.list()]
    client.resource_groups.begin_delete("rg-demo-smoke").result()
    return group, names


def main():
    started = time.perf_counter()
    with EmulatorProcess() as emu:
        print(f"emulator: {emu.url} (tenant {emu.health['tenant_id']}, organization {emu.health['organization']})")
        env = dict(os.environ)
        env.update(emu.env)
        os.environ.update(emu.env)
        group, names = _sdk_smoke(emu.env)
        print(f"SDK check: azure-mgmt-resource created resource group {group.name!r} in {group.location}; "
              f"listed {names}; deleted it again")
        if not os.path.exists(SITE):
            print("playbooks/site.yml is not there yet: nothing more to rebuild")
            return 0
        cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), SITE]
        if os.path.exists(DEMO_VARS):
            cmd += ["-e", "@" + DEMO_VARS]
        env.setdefault("ANSIBLE_COLLECTIONS_PATH", os.path.join(REPO_ROOT, ".collections"))
        env.setdefault("ANSIBLE_STDOUT_CALLBACK", "default")
        env["ANSIBLE_NOCOLOR"] = env.get("ANSIBLE_NOCOLOR", "1")
        print("$ " + " ".join(cmd))
        rc = subprocess.call(cmd, env=env, cwd=REPO_ROOT)
        writes = emu.writes()
        print(f"\nemulator request log: {len(emu.requests())} requests, {len(writes)} writes "
              f"({sum(1 for w in writes if w['api'] == 'arm')} ARM, {sum(1 for w in writes if w['api'] == 'graph')} Graph)")
        state = emu.state()
        resources = sorted(v.get("type", "?") + " " + v.get("name", "?") for v in state["arm"].values())
        print("ARM resources now: " + json.dumps(resources, indent=1))
    print(f"demo finished in {time.perf_counter() - started:.1f} s")
    return rc


if __name__ == "__main__":
    sys.exit(main())
