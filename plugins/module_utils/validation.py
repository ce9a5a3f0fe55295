# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input checks that run before any write: Azure naming rules, locations, GUIDs, resource ids.

Each check raises ModuleError naming the option and what is allowed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.m365.exo_automation.plugins.module_utils.errors import ModuleError

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
LOCATION_RE = re.compile(r"^[a-z][a-z0-9]{2,39}$")

# Azure naming rules (learn.microsoft.com "Naming rules and restrictions for Azure resources"): kind -> (regex,
# the rule in words). Every module checks names with check_name(kind, ...).
NAME_RULES = {
    "resource_group": (
        re.compile(r"^[-\w.()]{1,90}$", re.UNICODE),
        "1-90 characters: letters, digits, underscores, hyphens, periods and parentheses, not ending with a "
        "period",
    ),
    "user_assigned_identity": (
        re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$"),
        "3-128 characters: letters, digits, hyphens and underscores, starting with a letter or digit",
    ),
    "automation_account": (
        re.compile(r"^[A-Za-z][A-Za-z0-9-]{4,48}[A-Za-z0-9]$"),
        "6-50 characters: letters, digits and hyphens, starting with a letter and ending with a letter or digit",
    ),
    "runbook": (
        re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,62}$"),
        "up to 63 letters, digits, hyphens and underscores, starting with a letter",
    ),
    "module": (
        re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"),
        "letters, digits, periods, hyphens and underscores (as on the PowerShell Gallery, for example "
        "ExchangeOnlineManagement)",
    ),
}
NAME_RULES["runtime_environment"] = (
    re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"),
    "up to 63 letters, digits, periods, hyphens and underscores, starting with a letter or digit",
)
# Automation assets (schedules, variables, webhooks) share one rule.
for _asset in ("schedule", "variable", "webhook"):
    NAME_RULES[_asset] = (
        re.compile(r"^[^<>*%&:\\?/#\x00-\x1f\s](?:[^<>*%&:\\?/#\x00-\x1f]{0,126}[^<>*%&:\\?/#\x00-\x1f\s])?$"),
        "1-128 characters without < > * % & : \\ ? / # and without leading or trailing spaces",
    )
# What a kind is called in an error message, where that is not its key with spaces.
_KIND_WORDS = {"module": "PowerShell module"}


def check_name(kind, value, option="name"):
    """Validate ``value`` against the naming rule of ``kind`` (a key of NAME_RULES); returns it."""
    regex, rule = NAME_RULES[kind]
    if not isinstance(value, str) or not regex.match(value) or (kind == "resource_group" and value.endswith(".")):
        raise ModuleError("%s '%s' is not a valid %s name: use %s"
                          % (option, value, _KIND_WORDS.get(kind, kind.replace("_", " ")), rule), option=option)
    return value


def is_guid(value):
    return isinstance(value, str) and bool(GUID_RE.match(value.strip()))


def looks_like_guid(value):
    """A value that tries to be a GUID (hex and dashes only) but may be malformed."""
    text = str(value).strip()
    return bool(re.match(r"^[0-9a-fA-F-]{20,}$", text) or
                re.match(r"^[0-9a-zA-Z]{6,10}(-[0-9a-zA-Z]{2,6}){3}-[0-9a-zA-Z]{8,14}$", text))


def check_guid(value, option, what=None):
    """``value`` stripped and lower-cased; ModuleError naming ``option`` when it is not a GUID (None passes)."""
    if value is None:
        return None
    if not is_guid(value):
        raise ModuleError("option '%s': '%s' is not a valid GUID (%sexpected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
                          % (option, value, "%s is a GUID; " % what if what else ""), option=option)
    return value.strip().lower()


def check_seconds(value, option, timeout=None):
    """A wait in seconds: 0 or more and, when ``timeout`` (the task's ``timeout`` option) is given, no longer
    than the task may take; ModuleError naming ``option`` otherwise."""
    if value is not None and value < 0:
        raise ModuleError("option '%s' must be 0 or more seconds" % option, option=option)
    if value is not None and timeout is not None and value > timeout:
        raise ModuleError("option '%s' (%d s) is longer than option 'timeout' (%d s), the time the whole task may "
                          "take: raise timeout to at least %d" % (option, value, timeout, value), option=option)
    return value


def normalise_location(value, option="location"):
    """``West Europe`` / ``westeurope`` -> ``westeurope``; ModuleError for anything that cannot be a region."""
    if value is None:
        return None
    key = "".join(str(value).split()).lower()
    if not LOCATION_RE.match(key):
        raise ModuleError("%s '%s' is not a valid Azure region name: use a region name such as westeurope or "
                          "eastus2 (or its display name, for example 'West Europe')" % (option, value),
                          option=option)
    return key


def check_location_available(value, available, option="location"):
    """``value`` (normalised) must be one of ``available`` (region names); ``available=None`` skips the check."""
    if available is None or value in available:
        return value
    import difflib

    close = difflib.get_close_matches(value, sorted(available), n=3)
    hint = " Did you mean %s?" % " or ".join(close) if close else ""
    raise ModuleError("%s '%s' is not a region of this subscription.%s Allowed: %s"
                      % (option, value, hint, ", ".join(sorted(available))), option=option)


RESOURCE_ID_RE = re.compile(
    r"^/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<resource_group>[^/]+)"
    r"/providers/(?P<namespace>[^/]+)/(?P<type>[^/]+)/(?P<name>[^/]+)$", re.IGNORECASE)


def parse_resource_id(value):
    """A top-level ARM resource id as a dict (subscription, resource_group, namespace, type, name) or None."""
    m = RESOURCE_ID_RE.match(str(value or "").strip().rstrip("/"))
    return m.groupdict() if m else None


def resource_group_id(subscription_id, resource_group):
    return "/subscriptions/%s/resourceGroups/%s" % (subscription_id, resource_group)


def resource_id(subscription_id, resource_group, provider_type, name):
    return "%s/providers/%s/%s" % (resource_group_id(subscription_id, resource_group), provider_type, name)


def same_id(a, b):
    """ARM ids compare without regard to case."""
    return (a or "").rstrip("/").lower() == (b or "").rstrip("/").lower()


def user_identity_id(ref, subscription_id, resource_group, option="identity.user_assigned_identities"):
    """A user-assigned identity reference -> its ARM resource id.

    Accepted: a name (in ``resource_group``), ``<resource group>/<name>``, or a full resource id."""
    ref = (ref or "").strip()
    if ref.startswith("/"):
        parts = parse_resource_id(ref)
        if not parts or parts["namespace"].lower() != "microsoft.managedidentity" \
                or parts["type"].lower() != "userassignedidentities":
            raise ModuleError("%s: '%s' is not a user-assigned identity resource id; give a name, "
                              "'<resource group>/<name>' or "
                              "/subscriptions/<id>/resourceGroups/<group>/providers/"
                              "Microsoft.ManagedIdentity/userAssignedIdentities/<name>" % (option, ref), option=option)
        check_guid(parts["subscription"], option, "the subscription id in the resource id")
        check_name("resource_group", parts["resource_group"], option)
        check_name("user_assigned_identity", parts["name"], option)
        return ("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.ManagedIdentity/userAssignedIdentities/%s"
                % (parts["subscription"], parts["resource_group"], parts["name"]))
    if "/" in ref:
        group, _sep, name = ref.partition("/")
    else:
        group, name = resource_group, ref
    check_name("resource_group", group, option)
    check_name("user_assigned_identity", name, option)
    return ("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.ManagedIdentity/userAssignedIdentities/%s"
            % (subscription_id, group, name))


def check_tags(tags, option="tags"):
    """ARM's tag limits: at most 50, names up to 512 characters without ``<>%&\\?/``, values up to 256."""
    if tags is None:
        return None
    if len(tags) > 50:
        raise ModuleError("%s: %d tags given; Azure allows at most 50 per resource" % (option, len(tags)),
                          option=option)
    out = {}
    for name, value in tags.items():
        name = str(name)
        value = "" if value is None else str(value)
        if not name or len(name) > 512 or any(ch in name for ch in "<>%&\\?/"):
            raise ModuleError("%s: tag name '%s' is not allowed: 1-512 characters without < > %% & \\ ? /"
                              % (option, name), option=option)
        if len(value) > 256:
            raise ModuleError("%s: the value of tag '%s' is longer than 256 characters" % (option, name),
                              option=option)
        out[name] = value
    return out


__all__ = ["GUID_RE", "NAME_RULES", "check_guid", "check_location_available", "check_name", "check_seconds", "check_tags",
           "is_guid", "looks_like_guid", "normalise_location", "parse_resource_id", "resource_group_id", "resource_id",
           "same_id", "user_identity_id"]
