# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible_collections.m365.exo_automation`` importable when pytest runs from a plain checkout.

``ansible-test units`` runs from ``.../ansible_collections/m365/exo_automation`` and needs nothing. From a
checkout, the Makefile's ``.collections/ansible_collections/m365/exo_automation`` symlink is used (and created
when missing)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _ensure_collection_on_path():
    parts = REPO.replace(os.sep, "/").split("/")
    if len(parts) >= 3 and parts[-3] == "ansible_collections":
        root = os.sep.join(REPO.split(os.sep)[:-3])
    else:
        root = os.path.join(REPO, ".collections")
        link = os.path.join(root, "ansible_collections", "m365", "exo_automation")
        if not os.path.exists(link):
            os.makedirs(os.path.dirname(link), exist_ok=True)
            os.symlink(REPO, link)
    if root not in sys.path:
        sys.path.insert(0, root)


_ensure_collection_on_path()
