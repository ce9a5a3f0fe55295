# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one flow every managing module runs, and the one way lists are reconciled.

A module describes its object with a :class:`Resource` subclass and hands it to :func:`run`:

    read()                      the object as it is (REST shape), or None
    desired(current)            what the task declares, validated (no write has happened yet)
    plan(current, desired)      a Plan: the action (create / update / delete / None), what apply() sends, and
                                the object as it will be (the prediction)
    check mode                  returns facts(plan.after): the prediction
    apply(plan)                 the SDK calls
    read()                      again: the real result (not after a delete)
    exit                        changed, diff (before/after of diffable(facts(...)), secrets masked) and
                                result_key: facts(after)

The prediction and the real result go through the same ``facts()``, so check mode and a real run return the
same shape. Lists a module reconciles (app roles, Entra roles, job-schedule links, packages, tags) go through
:func:`reconcile`, which keeps add / remove / keep apart and honours ``exclusive`` (remove what is not declared)
and ``state: absent`` (remove every copy of what is declared). The roles granted to a principal (app roles, Entra
roles) are a :class:`LinkSet`: the same flow, with the principal's undeclared roles returned as ``extra``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.m365.exo_automation.plugins.module_utils import arm, base
from ansible_collections.m365.exo_automation.plugins.module_utils.base import ModuleError, error_from_exception
from ansible_collections.m365.exo_automation.plugins.module_utils.diff import make_diff
from ansible_collections.m365.exo_automation.plugins.module_utils.graph import GraphError
from ansible_collections.m365.exo_automation.plugins.module_utils.lookups import (
    PRINCIPAL_WAIT_TIMEOUT,
    confirm,
    require_principal,
    resolve_principal,
    retry_replication,
    wait_for_principal,
)
from ansible_collections.m365.exo_automation.plugins.module_utils.resources import desired_location
from ansible_collections.m365.exo_automation.plugins.module_utils.validation import (
    check_name,
    check_seconds,
    check_tags,
    resource_id,
)

CREATE = "create"
UPDATE = "update"
DELETE = "delete"


class Plan:
    """What a run will do. ``action`` is CREATE, UPDATE, DELETE or None (nothing to do); ``body`` is what
    ``apply`` sends; ``after`` is the object as it will be after apply (None when it will not exist);
    ``details`` holds anything else ``apply`` or ``extra`` needs."""

    def __init__(self, action=None, after=None, body=None, **details):
        self.action = action
        self.after = after
        self.body = body
        self.details = details

    @property
    def changed(self):
        return self.action is not None

    def __repr__(self):
        return "Plan(%r, body=%r, details=%r)" % (self.action, self.body, self.details)


class Resource:
    """One object a module manages. Subclasses define ``result_key`` and the methods below; ``self.m`` is the
    ExoModule and ``self.params`` its parameters."""

    result_key = None
    secret_keys = ()
    has_diff = True  # False: the result carries no diff (an object with no before and after, such as a job)

    def __init__(self, m):
        self.m = m
        self.params = m.params

    def read(self):
        raise NotImplementedError

    def desired(self, current):
        """The declared object, or None for ``state: absent``. Validates input: raise ModuleError here, before
        any write."""
        raise NotImplementedError

    def plan(self, current, desired):
        raise NotImplementedError

    def apply(self, plan):
        raise NotImplementedError

    def facts(self, obj):
        """The returned facts of a REST-shaped object (``{}`` for None)."""
        raise NotImplementedError

    def diffable(self, facts):
        """What --diff shows of the facts: what the user declares, without Azure-assigned values."""
        return facts

    def extra(self, plan, after):
        """Result keys beside ``changed``, ``diff`` and ``result_key``."""
        return {}


class GroupResource(Resource):
    """A top-level ARM resource of a resource group, named by the options ``resource_group`` and ``name`` (the
    user-assigned identity, the Automation account), with the options ``location``, ``tags`` and ``state``.

    Subclasses set ``kind`` (the naming rule of ``name``, a key of validation.NAME_RULES), ``what`` (the resource in
    messages), ``arm_type`` (``Microsoft.X/y``), ``sdk`` (the client and its operation group, whose ``get`` takes
    the group and the name: ``("msi", "user_assigned_identities")`` is ``m.msi_client().user_assigned_identities``),
    ``facts`` (``facts = staticmethod(...)`` works), :meth:`plan_create`, :meth:`plan_update` and ``apply``. Both
    names are checked before any request; :meth:`desired` checks the location (see resources.desired_location)
    and the tags, and is extended with ``super()``."""

    kind = None
    what = None
    arm_type = None
    sdk = (None, None)

    def __init__(self, m):
        super(GroupResource, self).__init__(m)
        self.rg = check_name("resource_group", self.params["resource_group"], "resource_group")
        self.name = check_name(self.kind, self.params["name"])

    def operations(self):
        client, group = self.sdk
        return getattr(getattr(self.m, client + "_client")(), group)

    def read(self):
        return arm.to_dict(arm.get_or_none(self.operations().get, self.rg, self.name))

    def resource_id(self):
        """The ARM id of the resource the task names (also before it exists: the prediction of check mode)."""
        return resource_id(self.m.subscription_id(), self.rg, self.arm_type, self.name)

    def desired(self, current):
        """None for ``state: absent``; otherwise ``{"location": ..., "tags": ...}``, checked."""
        p = self.params
        if p["state"] == "absent":
            return None
        location = desired_location(self.m, self.rg, current, p["location"], self.what, self.name)
        return {"location": location, "tags": check_tags(p["tags"])}

    def plan(self, current, desired):
        if desired is None:
            return Plan(DELETE) if current is not None else Plan()
        if current is None:
            return self.plan_create(desired)
        return self.plan_update(current, desired)

    def plan_create(self, desired):
        raise NotImplementedError

    def plan_update(self, current, desired):
        raise NotImplementedError


def prepare(resource):
    """The first half of the flow: ``(current, plan)`` from read, desired and plan; nothing is written."""
    current = resource.read()
    desired = resource.desired(current)
    return current, resource.plan(current, desired)


def run(m, resource):
    """Run the flow for ``resource`` (a :class:`Resource`) and return the module result."""
    current, plan = prepare(resource)
    return finish(m, resource, current, plan)


def finish(m, resource, current, plan):
    """The second half of the flow: apply the plan (not in check mode), read again, return the module result."""
    if plan.changed and not m.check_mode:
        resource.apply(plan)
        # a deleted object may still be listed while Azure removes it (wait: false): it is gone for the task
        after = None if plan.action == DELETE else resource.read()
    elif plan.changed:
        after = plan.after
    else:
        after = current
    before_facts = resource.facts(current)
    after_facts = resource.facts(after)
    result = {"changed": plan.changed, resource.result_key: after_facts}
    if resource.has_diff:
        result["diff"] = make_diff(resource.diffable(before_facts), resource.diffable(after_facts),
                                   secret_keys=resource.secret_keys)
    result.update(resource.extra(plan, after))
    return result


class Entry:
    """The task as one entry of a list option (``modules``, ``runbooks``) sees it: ``params`` are the task's
    options with the entry's in their place; everything else is the task's module (one client, one sign-in)."""

    def __init__(self, m, params):
        self._m = m
        self.params = params

    def __getattr__(self, name):
        return getattr(self._m, name)


def entries(m, option, params_of, key="name"):
    """One :class:`Entry` per element of the list option ``option``, its params ``params_of(element)``. The list
    must not be empty, and no name (the element's ``key``, in any case) may stand in it twice."""
    items = m.params[option]
    if not items:
        raise ModuleError("option '%s' is empty: list at least one, or give %s" % (option, key), option=option)
    names = [str(e[key]).lower() for e in items]
    twice = sorted(set(n for n in names if names.count(n) > 1))
    if twice:
        raise ModuleError("option '%s' names %s more than once" % (option, ", ".join(twice)), option=option)
    return [Entry(m, params_of(e)) for e in items]


def run_entries(m, option, resources, name_of=None):
    """The flow for several objects of one kind in one task (the entries of the list option ``option``). Every
    object is read and planned first, so an entry that is wrong or that Azure would refuse fails before anything
    is written (an entry's ``resolve()``, where it has one, runs for every entry before the first read); then
    each plan is applied and its object read again, in the order listed.

    Returns the last entry's result with ``changed`` (whether any entry changed), ``diff`` (a list: each entry's,
    headed with its ``entry_label`` or its name, as Ansible shows several diffs) and ``option``: each entry's
    result with its ``name``. A failure carries the results of the entries done before it under ``option`` and
    the name of the entry that failed as ``name``. An entry's name is ``name_of(resource)``, by default its
    ``name``."""
    done, diffs, last = [], [], None
    name_of = name_of or (lambda resource: resource.name)

    def step(resource, fn, *args):
        try:
            return fn(*args)
        except Exception as exc:  # noqa: BLE001 - the entries done so far go with the error
            err = error_from_exception(exc)
            if err is None:
                raise
            err.result = dict(err.result or {}, name=name_of(resource), **{option: done})
            raise err

    for resource in resources:  # what an entry names, checked for every entry before any is read in full
        if hasattr(resource, "resolve"):
            step(resource, resource.resolve)
    planned = [(resource,) + step(resource, prepare, resource) for resource in resources]
    for resource, current, plan in planned:
        last = step(resource, finish, resource.m, resource, current, plan)
        done.append(dict(last, name=name_of(resource)))
        if "diff" in last:
            label = getattr(resource, "entry_label", None) or "%s %s" % (resource.result_key, name_of(resource))
            diffs.append(dict(last["diff"], before_header=label, after_header=label))
    result = dict(last, changed=any(r["changed"] for r in done), **{option: done})
    if diffs:
        result["diff"] = diffs
    return result


def main(argument_spec, resource_class, **kwargs):
    """The ``main()`` of a managing module: :func:`run` the flow for ``resource_class(module)``; ``kwargs`` go to
    the ExoModule (``mutually_exclusive``, ``required_one_of``, ...)."""
    base.main(argument_spec, lambda m: run(m, resource_class(m)), **kwargs)


class ListPlan:
    """``add``: declared keys that are missing; ``remove``: current items to delete (every copy);
    ``keep``: current items that stay (one per key)."""

    def __init__(self, add, remove, keep):
        self.add = add
        self.remove = remove
        self.keep = keep

    @property
    def changed(self):
        return bool(self.add or self.remove)


def reconcile(current, declared, key, exclusive=False, absent=False):
    """Reconcile the ``current`` items of a list with the ``declared`` keys.

    ``key(item)`` gives an item's key (compare in one case: lower-case ids). ``absent`` removes every current
    item whose key is declared (duplicates included: Graph can hold two copies of one grant); otherwise missing
    keys are added and, with ``exclusive``, items whose key is not declared are removed, and so are extra copies of
    a declared key."""
    declared = list(dict.fromkeys(declared))
    wanted = set(declared)
    seen = set()
    remove, keep = [], []
    for item in current:
        k = key(item)
        if absent:
            (remove if k in wanted else keep).append(item)
            continue
        if k in wanted:
            # an extra copy of a declared key (Graph can hold two copies of one grant) goes only with exclusive:
            # without it, state=present removes nothing
            (remove if k in seen and exclusive else keep).append(item)
            seen.add(k)
        elif exclusive:
            remove.append(item)
        else:
            keep.append(item)
    add = [] if absent else [k for k in declared if k not in seen]
    return ListPlan(add, remove, keep)


def link_argspec(**options):
    """The argument spec of a :class:`LinkSet` module: ``principal``, ``exclusive``, ``state`` and
    ``principal_wait_timeout`` (doc fragment ``m365.exo_automation.assignment``) plus ``options``."""
    spec = dict(
        principal=dict(type="str", required=True),
        exclusive=dict(type="bool", default=False),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        principal_wait_timeout=dict(type="int", default=PRINCIPAL_WAIT_TIMEOUT),
    )
    spec.update(options)
    return spec


class LinkSet(Resource):
    """The immutable links of one principal that a module reconciles (app-role grants on a resource, Entra role
    assignments at a directory scope): created and deleted, never updated. The principal is read with one list
    call; the links the task manages are those :meth:`in_scope`, and every link of the principal that the task
    does not declare (in scope or not) is returned as ``extra``, whether or not the task removes it.

    Subclasses set ``what`` (the links in messages, such as ``"app roles"``) and ``verb`` (``"granting"``), and
    define :meth:`key` (the lower-cased key of a Graph item: a role id), :meth:`declared_keys` (the keys the task
    declares, resolved and checked), :meth:`name` (the display name of a key),
    :meth:`list_all`, :meth:`in_scope`, :meth:`new_link` (the predicted Graph item of a link to create),
    :meth:`create`, :meth:`delete`, :meth:`link_facts` and :meth:`privileged` (both for ``extra``), and may
    define :meth:`read_targets` (what the links point to, read and checked before the principal is waited for)
    and :meth:`named` (the links once read). :meth:`read` sets ``self.graph`` and ``self.principal_id``. The
    options ``principal``, ``exclusive``, ``state`` and ``principal_wait_timeout`` are read."""

    result_key = "assignments"
    names_key = "names"
    fact_key = "id"  # the key of facts() that holds the role id
    what = "links"
    verb = "creating"
    # the list is read under the principal's path (Graph answers 404 for a principal it does not know): a list
    # that answers proves the principal exists
    list_proves_principal = False

    def __init__(self, m):
        super(LinkSet, self).__init__(m)
        check_seconds(self.params["principal_wait_timeout"], "principal_wait_timeout", self.params["timeout"])
        self.graph = None
        self.principal_id = None
        self.held = []  # every link of the principal before the task
        self.declared = set()
        self.expected = None

    def privileged(self, item):
        return False

    def read(self):
        """The links in scope. The principal option is resolved, then :meth:`read_targets` runs (so a role or
        resource that does not exist fails before the principal is waited for), then the principal must be known
        and its links are read (:meth:`read_links`). After apply() only the links are read again."""
        if self.expected is not None:
            return self.read_links()
        self.resolve()
        return self.named(self.read_links())

    def resolve(self):
        """The principal option resolved and what the links point to read and checked (:meth:`read_targets`),
        once, before anything is listed or waited for. :func:`run_entries` resolves every entry first, so a wrong
        role in the last entry fails before the first entry waits for a new principal."""
        if self.graph is not None:
            return
        principal = self._principal()
        self.graph = self.m.graph()
        self.read_targets()
        # a missing identity fails (or, in check mode, warns) once per task
        self.principal_id = principal["id"] if principal.get("required") else require_principal(self.m, principal)
        principal["required"] = True

    def _principal(self):
        """The principal option resolved, once per task however many entries grant to it (``m.principals``)."""
        value = self.params["principal"]
        if value not in self.m.principals:
            self.m.principals[value] = resolve_principal(self.m, value)
        return self.m.principals[value]

    def read_targets(self):
        """What the links point to (a resource and its app roles, role definitions), before the principal."""

    def named(self, links):
        """``links`` once read, after anything the names of the principal's other links need."""
        return links

    def read_links(self):
        """The links in scope: after apply() the confirmed ones, else those the principal holds. The principal's
        links are listed first; only when Graph does not know the principal (a 404 or, where the list cannot
        tell, with state=present a declared link that is missing) is it waited for (replication of a new
        identity) and listed again, so a run with nothing to do reads the links once and the principal not at
        all. A principal Graph does not know holds none."""
        if self.expected is not None:
            return [a for a in self._confirm() if self.in_scope(a)]
        p = self.params
        held = None
        if self.principal_id:
            held = self._list_if_known()
            known = self.m.known_principals  # shown known by an earlier list of the task (principal_access)
            if self._knows_principal(held):
                known.add(self.principal_id)
            elif p["state"] == "present" and self.principal_id not in known:
                wait_for_principal(self.graph, self.principal_id, p["principal_wait_timeout"])
                known.add(self.principal_id)
                held = self.list_all()
        self.held = held or []
        return [a for a in self.held if self.in_scope(a)]

    def _list_if_known(self):
        """Every link of the principal, or None when Graph answers that it does not know the principal."""
        try:
            return self.list_all()
        except GraphError as err:
            if err.is_not_found():
                return None
            raise

    def _knows_principal(self, held):
        """Whether the list shows that Graph knows the principal: it answered, and either it is read under the
        principal's path or it holds every declared link."""
        if held is None:
            return False
        return self.list_proves_principal or set(self.declared_keys()) <= set(
            self.key(a) for a in held if self.in_scope(a))

    def _confirm(self):
        keys, gone = self.expected
        return confirm(
            self.list_all,
            lambda items: (set(self.key(a) for a in items if self.in_scope(a)) == keys
                           and not any(a.get("id") in gone for a in items)),
            "%s of %s" % (self.what, self.principal_id))

    def plan(self, current, desired):
        p = self.params
        self.declared = set(desired)
        lp = reconcile(current, desired, key=self.key, exclusive=p["exclusive"], absent=p["state"] == "absent")
        if not lp.changed:
            return Plan(lists=lp)
        return Plan(UPDATE, list(lp.keep) + [self.new_link(k) for k in lp.add], lists=lp)

    def apply(self, plan):
        lp, p = plan.details["lists"], self.params
        for item in lp.remove:
            self.delete(item)
        for k in lp.add:
            try:
                retry_replication(lambda k=k: self.create(k), p["principal_wait_timeout"],
                                  "%s %s to %s" % (self.verb, self.name(k), self.principal_id), option="principal")
            except GraphError as err:
                if not err.is_duplicate():  # created meanwhile by someone else: the confirmation shows it
                    raise
        self.expected = (set(self.key(a) for a in lp.keep) | set(lp.add), set(a.get("id") for a in lp.remove))

    def extra(self, plan, after):
        """``principal_id``, ``added`` and ``removed`` (names), ``names_key``: the names in scope after the task,
        and ``extra``: see :meth:`extra_links`."""
        lp = plan.details["lists"]
        result = {
            "principal_id": self.principal_id,
            "added": [self.name(k) for k in lp.add],
            "removed": list(dict.fromkeys(self.name(self.key(a)) for a in lp.remove)),
            self.names_key: sorted(set(self.name(self.key(a)) for a in after or [])),
            "extra": self.extra_links(plan),
        }
        result.update(self.more_results(after))
        return result

    def more_results(self, after):
        """Result keys of the subclass."""
        return {}

    def diffable(self, facts):
        return {self.names_key: sorted(set(self.name(str(a.get(self.fact_key)).lower()) for a in facts))}

    def extra_links(self, plan):
        """The links the principal held before the task that the task does not declare, each with ``removed``:
        whether the task removes it (or would, in check mode)."""
        lp = plan.details["lists"]
        removed = set(a.get("id") for a in lp.remove)
        out = []
        for a in self.held:
            if self.in_scope(a) and self.key(a) in self.declared:
                continue
            facts = {"id": a.get("id")}
            facts.update(self.link_facts(a))
            facts["privileged"] = bool(self.privileged(a))
            facts["removed"] = a.get("id") in removed
            out.append(facts)
        return out


__all__ = ["CREATE", "DELETE", "UPDATE", "GroupResource", "LinkSet", "ListPlan", "Plan", "Resource", "link_argspec",
           "main", "reconcile", "run"]
