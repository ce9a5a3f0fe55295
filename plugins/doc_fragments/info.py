# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Options of the ``_info`` modules."""

    # Top-level ARM resources (the options of ``resources.info_argspec()``).
    DOCUMENTATION = r'''
options:
  resource_group:
    description:
      - Only the resources in this resource group. Required with O(name).
      - A name that breaks Azure's naming rules for resource groups is an error, before any request.
    type: str
  name:
    description:
      - Only the resource with this name. A missing resource gives an empty list, not an error.
      - A name that breaks Azure's naming rules for the resource (those its managing module applies) is an error,
        before any request.
    type: str
  tags:
    description:
      - Only the resources that carry all of these tags with these values.
    type: dict
'''

    # Objects of an Automation account (the ``name`` option that ``automation_assets.info_read()`` checks).
    ACCOUNT_OBJECTS = r'''
options:
  name:
    description:
      - Read only the object with this name. A missing object gives an empty list, not an error. Without it,
        every such object of the account is listed.
      - A name that breaks the naming rules of the module that manages these objects is an error, before any
        request.
    type: str
'''
