# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The Automation account a module works in (the options of ``automation.account_argspec()``)."""

    DOCUMENTATION = r'''
options:
  resource_group:
    description: Resource group of the Automation account.
    type: str
    required: true
  account:
    description: Name of the Automation account.
    type: str
    required: true
    aliases: [automation_account]
'''
