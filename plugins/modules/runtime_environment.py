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
            description:
              - https address of the package content.
              - A query string (such as a SAS token of a storage blob) is a secret; it is kept out of the logs
                and the results show the address without it.
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


from ansible_collections.m365.exo_automation.plugins.module_utils.base import ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils import automation as au
from ansible_collections.m365.exo_automation.plugins.module_utils import flow
from ansible_collections.m365.exo_automation.plugins.module_utils.resources import ACCOUNT_TYPE
from ansible_collections.m365.exo_automation.plugins.module_utils.validation import check_name, resource_id

LINK_SPEC = dict(
    # no_log: a blob address can carry a SAS token; protect_uri shows an address without a query string
    uri=dict(type="str", required=True, no_log=True),
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


def package_key(pkg):
    """Packages are named without regard to case."""
    return (pkg.get("name") or "").lower()


def is_default(pkg):
    return bool(au.props(pkg).get("default"))


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
        name = check_name("module", pkg["name"], option + ".name")
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


class RuntimeEnvironment(flow.Resource):
    """A runtime environment of an Automation account with its packages. The object read and predicted is the
    environment's REST dict with one more key, ``packages``: the REST dicts of its packages."""

    result_key = "runtime_environment"

    def __init__(self, m):
        super(RuntimeEnvironment, self).__init__(m)
        p = self.params
        self.rg, self.account, self.name = au.check_account_options(p, "runtime_environment")
        for pkg in p["packages"] or []:
            au.protect_uri(m.module, (pkg.get("content_link") or {}).get("uri"))
        self.packages = desired_packages(p)
        self.default_packages = string_map(p["default_packages"], "default_packages")
        self.what = "runtime environment %s in account %s" % (self.name, self.account)
        self.client = m.automation_client()
        self.applied = False

    # -- reading ------------------------------------------------------------------------------------
    def _get_package(self, pkg_name):
        return lambda: au.read(self.client.package.get, self.rg, self.account, self.name, pkg_name)

    def _wait(self, pkg_name):
        return au.wait_for_import(self._get_package(pkg_name), "package %s of %s" % (pkg_name, self.what),
                                  self.params["timeout"], name=pkg_name)

    def read(self):
        """The environment and its packages. Before any write, a listed package whose import is already running
        (and would not be started again) is waited for here with ``wait``, in the order listed: a read, no
        change."""
        env = au.read(self.client.runtime_environments.get, self.rg, self.account, self.name)
        if env is None:
            return None
        packages = au.read_list(self.client.package.list_by_runtime_environment, self.rg, self.account, self.name)
        p = self.params
        if not self.applied and p["state"] == "present" and p["wait"] and not self.m.check_mode:
            by_key = dict((package_key(pk), i) for i, pk in enumerate(packages))
            for pkg_name, version, link in self.packages:
                i = by_key.get(pkg_name.lower())
                if i is None or is_default(packages[i]) or au.import_state(packages[i]) in au.IMPORT_SUCCEEDED:
                    continue
                if not au.import_needed(packages[i], version, link["uri"], kind="package")[0]:
                    packages[i] = self._wait(pkg_name)
        return dict(env, packages=packages)

    def facts(self, obj):
        if obj is None:
            return {}
        # the packages listed first, in their order, then the others by name
        order = dict((n.lower(), i) for i, (n, _v, _l) in enumerate(self.packages))
        packages = sorted(obj.get("packages") or [],
                          key=lambda pk: (order.get(package_key(pk), len(order)), package_key(pk)))
        return env_facts(dict((k, v) for k, v in obj.items() if k != "packages"), packages)

    def diffable(self, facts):
        return diff_view(facts)

    # -- what the task declares ---------------------------------------------------------------------
    def desired(self, current):
        p = self.params
        if p["state"] == "absent":
            return None
        if current is None:
            if not p["runtime_version"]:
                raise ModuleError("runtime_version is required to create %s: use one of %s"
                                  % (self.what, ", ".join(au.RUNTIME_VERSIONS[p["language"]])),
                                  option="runtime_version")
        else:
            runtime = au.props(current).get("runtime") or {}
            if (runtime.get("language") or "").lower() != p["language"].lower() or (
                    p["runtime_version"] and str(runtime.get("version")) != p["runtime_version"]):
                raise ModuleError("%s runs %s %s; the runtime of an environment cannot change to %s %s"
                                  % (self.what, runtime.get("language"), runtime.get("version"), p["language"],
                                     p["runtime_version"]),
                                  option="runtime_version",
                                  hint="Create an environment with another name (and move the runbooks to it), or "
                                       "delete this one first.")
            defaults = dict((package_key(pk), pk) for pk in current["packages"] if is_default(pk))
            for pkg_name, _version, _link in self.packages:
                if pkg_name.lower() in defaults:
                    raise ModuleError("packages: %s is a default package of %s; set its version with "
                                      "default_packages" % (pkg_name, self.what), option="packages")
        return {"description": p["description"], "default_packages": self.default_packages,
                "packages": self.packages}

    # -- the plan -----------------------------------------------------------------------------------
    def _env_id(self):
        return "%s/runtimeEnvironments/%s" % (
            resource_id(self.m.subscription_id(), self.rg, ACCOUNT_TYPE, self.account), self.name)

    def plan(self, current, desired):
        if desired is None:
            if current is None:
                return flow.Plan(imported=[], removed=[])
            removed = [pk.get("name") for pk in current["packages"] if not is_default(pk)]
            return flow.Plan(flow.DELETE, imported=[], removed=removed)
        if current is None:
            env, body = self._plan_create(desired)
            action, env_write, have = flow.CREATE, "create", []
        else:
            env, env_write, body = self._plan_update(current, desired)
            action = flow.UPDATE if env_write else None
            have = current["packages"]

        # packages: add the missing ones and re-import the outdated ones in the order listed; with
        # purge_packages remove the others (never a default package)
        listed = flow.reconcile([pk for pk in have if not is_default(pk)],
                                [n.lower() for n, _v, _l in desired["packages"]], package_key,
                                exclusive=self.params["purge_packages"])
        kept = dict((package_key(pk), pk) for pk in listed.keep)
        imports = []
        for pkg_name, version, link in desired["packages"]:
            if pkg_name.lower() in kept and \
                    not au.import_needed(kept[pkg_name.lower()], version, link["uri"], kind="package")[0]:
                continue
            imports.append((pkg_name, version, link))
        removes = sorted(listed.remove, key=package_key)
        if (imports or removes) and action is None:
            action = flow.UPDATE
        if action is None:
            return flow.Plan(imported=[], removed=[])

        gone = set(package_key(pk) for pk in removes) | set(n.lower() for n, _v, _l in imports)
        packages = [pk for pk in have if package_key(pk) not in gone]
        env_id = env.get("id") or self._env_id()
        for pkg_name, version, link in imports:
            # Azure accepts the import and runs it: Creating, in the wanted version once it is done
            packages.append({"id": "%s/packages/%s" % (env_id, pkg_name), "name": pkg_name,
                             "properties": {"default": False, "provisioningState": "Creating", "contentLink": link,
                                            "version": None if version == au.LATEST else version}})
        after = dict(env, id=env_id, packages=packages)
        return flow.Plan(action, after, body, env_write=env_write, removes=removes,
                         imports=[(n, {"properties": {"contentLink": link}}) for n, _v, link in imports],
                         imported=[n for n, _v, _l in imports], removed=[pk.get("name") for pk in removes])

    def _plan_create(self, desired):
        p = self.params
        account = au.get_account(self.m, self.client, self.rg, self.account)
        properties = {"runtime": {"language": p["language"], "version": p["runtime_version"]},
                      "defaultPackages": desired["default_packages"] or {}}
        if desired["description"] is not None:
            properties["description"] = desired["description"]
        body = {"properties": properties}
        if account:
            body["location"] = account.get("location")
        return dict(body, name=self.name), body

    def _plan_update(self, current, desired):
        """``(environment after, how it is written, request body)``: ``put`` (the description changes: the whole
        environment, with its runtime), ``patch`` (only the default packages), or None."""
        env = dict((k, v) for k, v in current.items() if k != "packages")
        cp = au.props(current)
        have_defaults = dict(cp.get("defaultPackages") or {})
        new_defaults = desired["default_packages"] if desired["default_packages"] is not None else have_defaults
        defaults_differ = new_defaults != have_defaults
        description = desired["description"]
        description_differs = description is not None and (description or "") != (cp.get("description") or "")
        if not (defaults_differ or description_differs):
            return env, None, None
        properties = dict(cp, defaultPackages=new_defaults)
        if not description_differs:
            return dict(env, properties=properties), "patch", {"properties": {"defaultPackages": new_defaults}}
        properties["description"] = description
        body = {"location": current.get("location"),
                "properties": {"runtime": cp.get("runtime") or {}, "defaultPackages": new_defaults,
                               "description": description}}
        if current.get("tags"):
            body["tags"] = current["tags"]
        return dict(env, properties=properties), "put", body

    # -- the writes ---------------------------------------------------------------------------------
    def apply(self, plan):
        self.applied = True
        envs, packages = self.client.runtime_environments, self.client.package
        rg, account, name = self.rg, self.account, self.name
        if plan.action == flow.DELETE:
            envs.delete(rg, account, name)
            return
        write = plan.details["env_write"]
        if write in ("create", "put"):  # a PUT of the whole environment
            envs.create(rg, account, name, plan.body)
        elif write == "patch":
            envs.update(rg, account, name, plan.body)
        # one import after the other, each waited for before the next (dependencies are listed first)
        for pkg_name, body in plan.details["imports"]:
            packages.create_or_update(rg, account, name, pkg_name, body)
            if self.params["wait"]:
                self._wait(pkg_name)
        for pkg in plan.details["removes"]:
            packages.delete(rg, account, name, pkg.get("name"))

    def extra(self, plan, after):
        return {"packages_imported": plan.details["imported"], "packages_removed": plan.details["removed"]}


def main():
    flow.main(ARGSPEC, RuntimeEnvironment)


if __name__ == "__main__":
    main()
