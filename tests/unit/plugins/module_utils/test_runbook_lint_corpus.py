# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every runbook the collection ships comes out of the lint clean; the runbooks of the source articles (copied
under ``runbooks/``) give the findings their mistakes deserve."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.m365.exo_automation.plugins.module_utils import automation as au
from ansible_collections.m365.exo_automation.plugins.module_utils import runbook_lint as rl

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
SKIP = (".build", ".venv", ".venv-2.16", ".venv-importer", ".collections", ".git", "tests")


def shipped_ps1():
    found = []
    for folder in ("playbooks", "roles", "docs", "plugins"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, folder)):
            dirnames[:] = [d for d in dirnames if d not in SKIP and d != "build"]
            found.extend(os.path.join(dirpath, f) for f in filenames if f.lower().endswith(".ps1"))
    return sorted(found)


def read(path):
    with open(path, "rb") as f:
        return au.read_text(f.read())


def test_the_collection_ships_runbooks():
    names = [os.path.basename(p) for p in shipped_ps1()]
    assert "Enable-ArchiveMailbox.ps1" in names and "Invoke-MobileDeviceAccountWipe.ps1" in names


@pytest.mark.parametrize("path", shipped_ps1(), ids=lambda p: os.path.relpath(p, ROOT))
def test_shipped_runbook_is_clean(path):
    assert rl.lint_text(read(path)) == []


@pytest.mark.parametrize("client_id", [None, "bf6dcc76-4331-4942-8d50-87ea41d6e8a1"])
def test_the_template_is_clean(client_id):
    assert rl.lint_text(au.render_template("exchange_online", "contoso.onmicrosoft.com", client_id)) == []


REFERENCE = {
    # Remote PowerShell with a token as a basic-auth password
    "reference_000_access_token_rps.ps1.txt": [("EXO004", 10)],
    # user name and password from Key Vault into -Credential, never disconnected
    "reference_000_keyvault_credential.ps1.txt": [("EXO008", 10), ("EXO005", 10)],
    # Microsoft's one-line examples: correct connections, but never closed
    "reference_001_system_assigned.ps1.txt": [("EXO008", 2)],
    "reference_001_user_assigned.ps1.txt": [("EXO008", 2)],
    # the walkthrough's runbook: a placeholder left in -Organization, never disconnected
    "reference_002_remove_company_data.ps1.txt": [("EXO008", 9), ("EXO003", 9)],
    "reference_003_enable_archive.ps1.txt": [("EXO008", 5)],
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_reference_runbooks(name):
    found = rl.lint_text(read(os.path.join(HERE, "runbooks", name)))
    assert [(f["rule"], f["line"]) for f in found] == REFERENCE[name]


def test_every_reference_runbook_is_in_the_table():
    assert sorted(os.listdir(os.path.join(HERE, "runbooks"))) == sorted(REFERENCE)


def test_the_troubleshooting_guide_has_a_section_per_rule():
    with open(os.path.join(ROOT, "docs", "guides", "troubleshooting.rst"), encoding="utf-8") as f:
        text = f.read()
    flat = " ".join(text.replace("\\", "").split())
    for r in rl.RULES:
        title = "%s (%s): %s" % (r.id, r.severity, r.title)
        assert title in flat, title
        assert " ".join(r.error.split()) in flat, r.id
        assert r.link in flat, r.id
