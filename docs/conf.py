# Sphinx configuration of the m365.exo_automation documentation site (`make docs`).
#
# docs/build.sh copies the hand-written pages of docs/ into docs/build/rst/, lets antsibull-docs write the
# module and role reference next to them (collections/m365/exo_automation/), and runs sphinx-build with this
# file. The reference uses antsibull-docs' "simplified-rst" output, which needs no Sphinx extension of its own.
from __future__ import annotations

import re

project = "m365.exo_automation"
copyright = "m365.exo_automation contributors"
author = "m365.exo_automation contributors"
title = "m365.exo_automation documentation"
html_title = title
html_short_title = "m365.exo_automation"

extensions: list[str] = []

root_doc = "index"
exclude_patterns = ["_build"]
pygments_style = "ansible"
highlight_language = "YAML+Jinja"

html_theme = "alabaster"
html_show_sphinx = False
html_copy_source = False
html_use_index = False
html_domain_indices = False
html_theme_options = {
    "description": "Exchange Online automation on Azure, declaratively",
    "fixed_sidebar": True,
    "page_width": "1200px",
    "sidebar_width": "260px",
}
html_static_path = ["_static"]
html_css_files = ["custom.css"]
# The module and role pages are reached from the collection index (antsibull-docs links them there), not from
# a toctree of their own.
suppress_warnings = ["toc.not_included"]
html_sidebars = {"**": ["about.html", "navigation.html", "searchbox.html"]}

# simplified-rst links pages by file name (`foo_module.rst`), which suits a source browser; on the HTML site
# the same link must point at the built page.
_RST_LINK = re.compile(r"<(?![a-z][a-z0-9+.-]*://)([^<>\s`]+?)\.rst(#[^<>\s`]*)?>`_")


def _link_built_pages(app, docname, source):
    source[0] = _RST_LINK.sub(lambda m: "<%s.html%s>`_" % (m.group(1), m.group(2) or ""), source[0])


def setup(app):
    app.connect("source-read", _link_built_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
