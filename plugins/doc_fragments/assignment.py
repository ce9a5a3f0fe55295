# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Options of the modules that grant roles to a principal (app roles, Entra roles).
    DOCUMENTATION = r'''
options:
  principal:
    description:
      - Who receives the roles. Either the object id of a service principal (for a managed identity, its
        I(principal id), not its client id), or the ARM resource id of a managed identity, an Automation account
        (C(/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Automation/automationAccounts/<name>),
        its system-assigned identity) or a user-assigned identity
        (C(.../providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>)).
      - A client (application) id given here fails at once with the matching object id in the message.
    type: str
    required: true
  exclusive:
    description:
      - With V(true), the roles of O(principal) in the scope of the task (the resource of its app roles, the
        directory scope of its Entra roles) that the task does not declare are removed.
      - Roles outside that scope are never touched. Either way, what the task does not declare is returned as
        RV(extra).
    type: bool
    default: false
  state:
    description: V(present) grants (assigns) the declared roles, V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  principal_wait_timeout:
    description:
      - Seconds to wait for Microsoft Graph to know O(principal) (and to accept a grant or assignment that
        references it) after the identity was created. Replication has no documented bound; users report from
        15 seconds to over 5 minutes.
      - Used with O(state=present). With O(state=absent) nothing is waited for; a principal that Graph does not
        know holds nothing to remove.
    type: int
    default: 600
'''
