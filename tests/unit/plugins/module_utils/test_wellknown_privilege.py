# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The privilege tables: privileged Entra roles by template id, broad app roles by value."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.module_utils import wellknown as wk


@pytest.mark.parametrize("name", ["Global Administrator", "Privileged Role Administrator",
                                  "Privileged Authentication Administrator", "Security Administrator",
                                  "Application Administrator", "Cloud Application Administrator"])
def test_privileged_entra_roles(name):
    assert wk.privileged_entra_role(wk.ENTRA_ROLES[name])
    assert wk.privileged_entra_role(wk.ENTRA_ROLES[name].upper())  # ids compare in one case


@pytest.mark.parametrize("declared, expected", [
    ([], False),
    ([wk.ENTRA_ROLES["Exchange Recipient Administrator"]], True),
    ([wk.GLOBAL_ADMINISTRATOR_ID], False),
])
def test_exchange_administrator_is_privileged_next_to_a_narrower_role(declared, expected):
    assert wk.privileged_entra_role(wk.EXCHANGE_ADMINISTRATOR_ID, declared) is expected


def test_ordinary_roles_are_not_privileged():
    assert not wk.privileged_entra_role(wk.ENTRA_ROLES["Reports Reader"])
    assert not wk.privileged_entra_role(None)


@pytest.mark.parametrize("value, broad", [
    ("full_access_as_app", True), ("Mail.ReadWrite", True), ("Mail.Send", True),
    ("Directory.ReadWrite.All", True), ("RoleManagement.ReadWrite.Directory", True),
    ("AppRoleAssignment.ReadWrite.All", True), ("Application.ReadWrite.All", True),
    ("Exchange.ManageAsApp", False), ("User.Read.All", False), (None, False),
])
def test_broad_app_roles(value, broad):
    assert wk.broad_app_role(value) is broad


def test_privileged_table_holds_template_ids_of_known_roles():
    assert set(wk.PRIVILEGED_ENTRA_ROLES.values()) <= set(wk.ENTRA_ROLES)
    assert all(wk.ENTRA_ROLES[name] == tid for tid, name in wk.PRIVILEGED_ENTRA_ROLES.items())
