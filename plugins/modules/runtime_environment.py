#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: runtime_environment
short_description: Manage Azure Automation runtime environments and their PowerShell packages
version_added: 0.1.0
description:
  - Creates a runtime environment (PowerShell 7.2, 7.4 or 5.1) in an Automation account, keeps its default
    packages and description as declared, imports packages (PowerShell modules) into it in the order listed,
    and deletes it.
  - Package imports are asynchronous in Azure. With O(wait=true) each package is waited for until its
    provisioning state is C(Succeeded) before the next one is imported, so dependencies can be listed first;
    a C(Failed) import fails the task with Azure's error text.
  - Runbooks run on a runtime environment when their C(type) names it (M(m365.exo_automation.runbook)).
options:
  name:
    description: Name of the runtime environment.
    type: str
    required: true
  language:
    description: Language of the runtime.
    type: str
    choices: [PowerShell]
    default: PowerShell
  runtime_version:
    description:
      - Version of the runtime. Required to create the environment; it cannot change afterwards (create another
        environment instead).
    type: str
    choices: ['5.1', '7.2', '7.4']
  description:
    description: Description of the environment. Leave unset to keep the current one.
    type: str
  default_packages:
    description:
      - Default packages Azure provides in the environment, as a dict of name to version (for example Az to 12.3.0).
      - Leave unset to keep the current ones; V({}) removes them.
    type: dict
  packages:
    description:
      - Packages to import, in this order (list dependencies first).
      - A package that is imported in the wanted version, or in any version with V(latest), is left alone.
    type: list
    elements: dict
    suboptions:
      name:
        description: Package (module) name, as on the feed.
        type: str
        required: true
      version:
        description: V(latest) or a version such as V(3.4.0).
        type: str
        default: latest
      source:
        description: Address of a NuGet v2 feed; the PowerShell Gallery by default.
        type: str
      content_link:
        description: Import from this address instead of a feed.
        type: dict
        suboptions:
          uri:
            description: https address of the package content.
            type: str
            required: true
          hash:
            description: Hash of the content.
            type: str
          hash_algorithm:
            description: Algorithm of the hash.
            type: str
            default: SHA256
  purge_packages:
    description:
      - Remove imported packages that are not in O(packages). Default packages are never removed this way.
    type: bool
    default: false
  state:
    description: V(present) creates or updates the environment, V(absent) deletes it with its packages.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - m365.exo_automation.account
  - m365.exo_automation.auth
  - m365.exo_automation.auth.automation
  - m365.exo_automation.wait
  - m365.exo_automation.attributes
notes:
  - O(timeout) applies to each package import.
  - In check mode a missing Automation account is reported with a warning, so that a whole setup can be
    audited before its account exists.
seealso:
  - module: m365.exo_automation.automation_module
  - module: m365.exo_automation.runbook
  - name: Runtime environments in Azure Automation
    description: Microsoft's documentation.
    link: https://learn.microsoft.com/azure/automation/runtime-environment-overview
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: PowerShell 7.4 environment for Exchange Online runbooks
  m365.exo_automation.runtime_environment:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: exo-powershell-74
    runtime_version: "7.4"
    description: Exchange Online management
    packages:
      - name: PackageManagement
      - name: PowerShellGet
      - name: ExchangeOnlineManagement
        version: 3.4.0
    timeout: 1800

- name: Keep exactly these packages
  m365.exo_automation.runtime_environment:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: exo-powershell-74
    packages:
      - name: ExchangeOnlineManagement
    purge_packages: true

- name: Delete the environment
  m365.exo_automation.runtime_environment:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: exo-powershell-74
    state: absent
'''

RETURN = r'''
runtime_environment:
  description: The environment after the task (in check mode, as it would be). Empty when it does not exist.
  returned: always
  type: dict
  contains:
    id:
      description: Resource id.
      returned: when the environment exists
      type: str
      sample: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo/providers/Microsoft.Automation/\
        automationAccounts/aa-exo/runtimeEnvironments/exo-ps-74"
    name:
      description: Name.
      returned: when the environment exists
      type: str
      sample: exo-powershell-74
    language:
      description: Language of the runtime.
      returned: when the environment exists
      type: str
      sample: PowerShell
    runtime_version:
      description: Version of the runtime.
      returned: when the environment exists
      type: str
      sample: "7.4"
    description:
      description: Description.
      returned: when the environment exists
      type: str
      sample: Exchange Online management
    default_packages:
      description: Default packages, name to version.
      returned: when the environment exists
      type: dict
      sample: {"Az": "12.3.0"}
    packages:
      description: Imported packages.
      returned: when the environment exists
      type: list
      elements: dict
      sample: [{"name": "ExchangeOnlineManagement", "version": "3.4.0", "provisioning_state": "Succeeded", "error": null, "default": false}]
packages_imported:
  description: Names of the packages this task imported (or would import).
  returned: always
  type: list
  elements: str
  sample: [ExchangeOnlineManagement]
packages_removed:
  description: Names of the packages this task removed (or would remove).
  returned: always
  type: list
  elements: str
  sample: []
diff:
  description: The environment before and after, with its packages as name to version.
  returned: always
  type: dict
  sample: {"before": {}, "after": {"name": "exo-powershell-74", "runtime_version": "7.4", "packages": {"ExchangeOnlineManagement": "latest"}}}
'''

import re

from ansible_collections.m365.exo_automation.plugins.module_utils.base import ExoModule, ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils import automation as au

LINK_SPEC = dict(
    uri=dict(type="str", required=True),
    hash=dict(type="str"),
    hash_algorithm=dict(type="str", default="SHA256"),
)

ARGSPEC = au.account_argspec()
ARGSPEC.update(
    name=dict(type="str", required=True),
    language=dict(type="str", choices=["PowerShell"], default="PowerShell"),
    runtime_version=dict(type="str", choices=list(au.RUNTIME_VERSIONS["PowerShell"])),
    description=dict(type="str"),
    default_packages=dict(type="dict"),
    packages=dict(type="list", elements="dict", options=dict(
        name=dict(type="str", required=True),
        version=dict(type="str", default="latest"),
        source=dict(type="str"),
        content_link=dict(type="dict", options=LINK_SPEC),
    ), mutually_exclusive=[("source", "content_link")]),
    purge_packages=dict(type="bool", default=False),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    wait=dict(type="bool", default=True),
    timeout=dict(type="int", default=600),
)

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")


def env_facts(env, packages):
    if env is None:
        return {}
    p = au.props(env)
    runtime = p.get("runtime") or {}
    return {
        "id": env.get("id"),
        "name": env.get("name"),
        "language": runtime.get("language"),
        "runtime_version": runtime.get("version"),
        "description": p.get("description"),
        "default_packages": dict(p.get("defaultPackages") or {}),
        "packages": [au.import_facts(pk) for pk in packages],
    }


def diff_view(facts):
    if not facts:
        return {}
    view = dict((k, facts.get(k)) for k in ("name", "language", "runtime_version", "description",
                                            "default_packages"))
    view["packages"] = dict((pk["name"], pk.get("version") or pk.get("provisioning_state"))
                            for pk in facts.get("packages") or [] if not pk.get("default"))
    return view


def desired_packages(p):
    """Validated package list: [(name, version, contentLink)] in the given order."""
    out = []
    seen = set()
    for index, pkg in enumerate(p["packages"] or []):
        option = "packages[%d]" % index
        name = au.check_module_name(pkg["name"], option + ".name")
        if name.lower() in seen:
            raise ModuleError("%s: package %s is listed twice" % (option, name), option="packages")
        seen.add(name.lower())
        version = au.check_version(pkg.get("version") or au.LATEST, option + ".version")
        link = au.content_link(name, version, pkg.get("source"), pkg.get("content_link"), option=option + ".source")
        out.append((name, version, link))
    return out


def string_map(value, option):
    if value is None:
        return None
    out = {}
    for k, v in value.items():
        if v is None or isinstance(v, (dict, list)):
            raise ModuleError("%s: the version of %s must be a string such as 12.3.0" % (option, k), option=option)
        out[str(k)] = str(v)
    return out


def run_module(m):
    p = m.params
    au.check_account_options(p)
    name = p["name"]
    if not NAME_RE.match(name or ""):
        raise ModuleError("name '%s' is not a valid runtime environment name: use up to 63 letters, digits, periods, "
                          "hyphens and underscores, starting with a letter or digit" % name, option="name")
    packages = desired_packages(p)
    default_packages = string_map(p["default_packages"], "default_packages")
    rg, account = p["resource_group"], p["account"]
    client = m.automation_client()
    what = "runtime environment %s in account %s" % (name, account)

    current = au.read(client.runtime_environments.get, rg, account, name)
    current_packages = []
    if current is not None:
        current_packages = au.read_list(client.package.list_by_runtime_environment, rg, account, name)
    before = env_facts(current, current_packages)

    if p["state"] == "absent":
        if current is None:
            return {"changed": False, "runtime_environment": {}, "packages_imported": [], "packages_removed": [],
                    "diff": {"before": {}, "after": {}}}
        if not m.check_mode:
            client.runtime_environments.delete(rg, account, name)
        return {"changed": True, "runtime_environment": {}, "packages_imported": [],
                "packages_removed": [pk["name"] for pk in before["packages"] if not pk.get("default")],
                "diff": {"before": diff_view(before), "after": {}}}

    changed = False
    env = current
    if current is None:
        if not p["runtime_version"]:
            raise ModuleError("runtime_version is required to create %s: use one of %s"
                              % (what, ", ".join(au.RUNTIME_VERSIONS[p["language"]])), option="runtime_version")
        account_obj = au.get_account(m, client, rg, account)
        body = {
            "properties": {
                "runtime": {"language": p["language"], "version": p["runtime_version"]},
                "defaultPackages": default_packages or {},
            },
        }
        if p["description"] is not None:
            body["properties"]["description"] = p["description"]
        if account_obj:
            body["location"] = account_obj.get("location")
        changed = True
        if m.check_mode:
            env = dict(body, name=name)
        else:
            env = au.to_dict(client.runtime_environments.create(rg, account, name, body))
    else:
        runtime = au.props(current).get("runtime") or {}
        if (runtime.get("language") or "").lower() != p["language"].lower() or (
                p["runtime_version"] and str(runtime.get("version")) != p["runtime_version"]):
            raise ModuleError("%s runs %s %s; the runtime of an environment cannot change to %s %s"
                              % (what, runtime.get("language"), runtime.get("version"), p["language"],
                                 p["runtime_version"]),
                              option="runtime_version",
                              hint="Create an environment with another name (and move the runbooks to it), or "
                                   "delete this one first.")
        cp = au.props(current)
        new_defaults = default_packages if default_packages is not None else dict(cp.get("defaultPackages") or {})
        new_description = p["description"] if p["description"] is not None else cp.get("description")
        defaults_differ = default_packages is not None and default_packages != dict(cp.get("defaultPackages") or {})
        description_differs = p["description"] is not None and (p["description"] or "") != (cp.get("description") or "")
        if defaults_differ or description_differs:
            changed = True
            props = dict(cp, defaultPackages=new_defaults)
            if new_description is not None:
                props["description"] = new_description
            env = dict(current, properties=props)
            if not m.check_mode:
                if description_differs:
                    body = {"location": current.get("location"),
                            "properties": {"runtime": runtime, "defaultPackages": new_defaults,
                                           "description": new_description}}
                    if current.get("tags"):
                        body["tags"] = current["tags"]
                    env = au.to_dict(client.runtime_environments.create(rg, account, name, body))
                else:
                    env = au.to_dict(client.runtime_environments.update(
                        rg, account, name, {"properties": {"defaultPackages": new_defaults}}))

    # packages, in the given order
    by_name = dict(((pk.get("name") or "").lower(), pk) for pk in current_packages)
    result_packages = dict(by_name)
    imported, removed = [], []

    def read_package(pkg_name):
        return lambda: au.read(client.package.get, rg, account, name, pkg_name)

    for pkg_name, version, link in packages:
        have = by_name.get(pkg_name.lower())
        if have is not None and au.props(have).get("default"):
            raise ModuleError("packages: %s is a default package of %s; set its version with default_packages"
                              % (pkg_name, what), option="packages")
        needed, _reason = au.import_needed(have, version, link["uri"], kind="package")
        pkg_what = "package %s of %s" % (pkg_name, what)
        if not needed:
            if p["wait"] and not m.check_mode and au.import_state(have) not in au.IMPORT_SUCCEEDED:
                result_packages[pkg_name.lower()] = au.wait_for_import(
                    read_package(pkg_name), pkg_what, p["timeout"], name=pkg_name)
            continue
        changed = True
        imported.append(pkg_name)
        if m.check_mode:
            result_packages[pkg_name.lower()] = {
                "name": pkg_name,
                "properties": {"version": None if version == au.LATEST else version, "provisioningState": "Creating",
                               "contentLink": link, "default": False},
            }
            continue
        body = {"properties": {"contentLink": link}}
        created = au.to_dict(client.package.create_or_update(rg, account, name, pkg_name, body))
        if p["wait"]:
            created = au.wait_for_import(read_package(pkg_name), pkg_what, p["timeout"], name=pkg_name)
        result_packages[pkg_name.lower()] = created

    if p["purge_packages"]:
        wanted = set(n.lower() for n, _v, _l in packages)
        for key, have in sorted(by_name.items()):
            if key in wanted or au.props(have).get("default"):
                continue
            changed = True
            removed.append(have.get("name"))
            result_packages.pop(key, None)
            if not m.check_mode:
                client.package.delete(rg, account, name, have.get("name"))

    order = [n.lower() for n, _v, _l in packages]
    ordered = [result_packages[k] for k in order if k in result_packages]
    ordered += [v for k, v in sorted(result_packages.items()) if k not in order]
    after = env_facts(env, ordered)
    return {"changed": changed, "runtime_environment": after, "packages_imported": imported,
            "packages_removed": removed, "diff": {"before": diff_view(before), "after": diff_view(after)}}


def main():
    ExoModule(argument_spec=ARGSPEC, supports_check_mode=True).run(run_module)


if __name__ == "__main__":
    main()
