# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Modules that change things.
    DOCUMENTATION = r'''
attributes:
  check_mode:
    description: Can run in check mode and return the changes it would make, without making them.
    support: full
  diff_mode:
    description: Returns the object before and after the change (server-managed fields left out) in --diff mode.
    support: full
  action_group:
    description: Use C(group/m365.exo_automation.azure) in C(module_defaults) to set the authentication options once.
    support: full
    membership:
      - m365.exo_automation.azure
'''

    # Modules that only read.
    INFO_MODULE = r'''
attributes:
  check_mode:
    description: Only reads, so it runs the same in check mode.
    support: full
  diff_mode:
    description: Returns no diff; it changes nothing.
    support: none
  action_group:
    description: Use C(group/m365.exo_automation.azure) in C(module_defaults) to set the authentication options once.
    support: full
    membership:
      - m365.exo_automation.azure
'''
