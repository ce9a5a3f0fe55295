# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  wait:
    description:
      - Wait until Azure has finished the operation before returning.
      - With V(false) the task returns once Azure has accepted the request; the returned facts may then show
        the object as it was when the request was accepted.
    type: bool
    default: true
  timeout:
    description:
      - How many seconds to wait when O(wait=true). When the time is up the task fails; the operation itself
        continues in Azure, and re-running the task picks up where it is.
    type: int
    default: 600
'''
