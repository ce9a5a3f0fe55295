"""docs/conf.py turns antsibull-docs' file links into links to the built pages."""

from __future__ import annotations


def rewrite(docs_conf, text):
    source = [text]
    docs_conf._link_built_pages(None, "page", source)
    return source[0]


def test_relative_rst_links_point_at_html_pages(docs_conf):
    text = "* `runbook module <runbook_module.rst>`_ -- Manage runbooks\n* `Index <../index.rst#modules>`_\n"
    assert rewrite(docs_conf, text) == (
        "* `runbook module <runbook_module.html>`_ -- Manage runbooks\n* `Index <../index.html#modules>`_\n"
    )


def test_absolute_links_are_left_alone(docs_conf):
    text = "`spec <https://example.org/a.rst>`_ and ``<code.rst>``"
    assert rewrite(docs_conf, text) == text
