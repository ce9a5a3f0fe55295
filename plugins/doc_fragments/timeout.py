# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  timeout:
    description:
      - Seconds the whole task may take. Every request to Azure Resource Manager and Microsoft Graph, with its
        connection and read time, its retries and the Retry-After waits the service asks for, and every wait for
        replication, stays within it.
      - When the time is up the task fails and the message names the call that ran out of time; nothing half
        done is left that re-running the task does not pick up.
      - Must be 1 or more.
    type: int
    default: 600
'''
