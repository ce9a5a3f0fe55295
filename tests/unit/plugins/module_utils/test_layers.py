# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The layers of plugins/: imports run one way, and there is no cycle (docs/development.md draws them).

Every import of a collection module is counted, at module level or inside a function."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import functools
import os

import pytest

PLUGINS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins"))
PREFIX = "ansible_collections.m365.exo_automation.plugins."

# Each module_utils file and the layer it belongs to; a file may import only files of lower layers.
LAYERS = {
    "errors": 0, "validation": 1, "clouds": 0, "wellknown": 0, "diff": 0, "runbook_lint": 1,
    "waiting": 1, "auth": 1,
    "arm": 2, "graph": 2,
    "base": 3,
    "lookups": 4, "resources": 4, "automation": 4, "automation_assets": 5,
    "flow": 6, "grants": 7,
}
MODULE_LAYER = 8
# The plugins Ansible loads (modules, the action plugin, the inventory plugin, the filters) stand above
# module_utils, side by side: none of them imports another.
ENTRY_POINTS = ("modules", "action", "inventory", "filter")


def _imports(path):
    """Collection modules imported by the file at ``path``: ``module_utils.X`` / ``modules.X`` names."""
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PREFIX):
            rest = node.module[len(PREFIX):]
            if rest in ("module_utils",) + ENTRY_POINTS:
                found.update("%s.%s" % (rest, alias.name) for alias in node.names)
            else:
                found.add(rest)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PREFIX):
                    found.add(alias.name[len(PREFIX):])
    return found


@functools.lru_cache(maxsize=None)
def _graph():
    graph = {}
    for kind in ("module_utils",) + ENTRY_POINTS:
        folder = os.path.join(PLUGINS, kind)
        for name in sorted(os.listdir(folder)):
            if name.endswith(".py") and name != "__init__.py":
                graph["%s.%s" % (kind, name[:-3])] = _imports(os.path.join(folder, name))
    return graph


def _layer(node):
    kind, name = node.split(".", 1)
    return MODULE_LAYER if kind in ENTRY_POINTS else LAYERS.get(name)


def test_every_module_utils_file_has_a_layer():
    missing = [n for n in _graph() if n.startswith("module_utils.") and _layer(n) is None]
    assert missing == [], "add these files to LAYERS (and to the picture in docs/development.md): %s" % missing


@pytest.mark.parametrize("node", sorted(_graph()))
def test_imports_point_down(node):
    wrong = sorted(dep for dep in _graph()[node] if _layer(dep) is None or _layer(dep) >= _layer(node))
    # also an import of a plugin file that is not there (a typo, a removed file) points nowhere
    wrong += sorted(dep for dep in _graph()[node] if dep not in _graph() and dep not in wrong)
    assert wrong == [], "%s (layer %s) imports %s of the same or a higher layer" % (node, _layer(node), wrong)


def test_every_plugin_type_is_in_the_graph():
    kinds = set(node.split(".", 1)[0] for node in _graph())
    assert kinds == set(("module_utils",) + ENTRY_POINTS)
    on_disk = set(k for k in os.listdir(PLUGINS) if os.path.isdir(os.path.join(PLUGINS, k)))
    # doc fragments hold only documentation; every other folder of plugins/ is drawn
    assert on_disk - {"doc_fragments", "__pycache__"} == set(("module_utils",) + ENTRY_POINTS)


def test_there_is_no_import_cycle():
    graph = _graph()
    state = {}

    def visit(node, path):
        if state.get(node) == "done":
            return
        assert state.get(node) != "open", "import cycle: %s" % " -> ".join(path + [node])
        state[node] = "open"
        for dep in sorted(graph.get(node, ())):
            visit(dep, path + [node])
        state[node] = "done"

    for node in sorted(graph):
        visit(node, [])
