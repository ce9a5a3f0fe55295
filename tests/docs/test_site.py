"""Open the built documentation site (`make docs`) in headless Chromium and check what a reader sees.

Chromium loads each page from disk and prints the DOM it rendered (``--dump-dom``); the checks read that DOM:
the collection index links every module and role of the work tree, a module page shows its synopsis, every
option, examples and return values, and every guide is reachable from the start page.

Run: ``make docs-check`` (builds the site first). ``DOCS_SITE`` overrides the site directory, ``CHROMIUM``
the browser binary.
"""

from __future__ import annotations

import ast
import html
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("DOCS_SITE", ROOT / "docs" / "build" / "html"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
COLLECTION_DIR = SITE / "collections" / "m365" / "exo_automation"
GUIDES = sorted(path.stem for path in (ROOT / "docs" / "guides").glob("*.rst"))

# The flags that keep headless Chromium quiet and offline on a CI machine running as root.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def modules():
    return sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if not p.name.startswith("_"))


def roles():
    return sorted(p.name for p in (ROOT / "roles").iterdir() if (p / "meta" / "argument_specs.yml").is_file()) \
        if (ROOT / "roles").is_dir() else []


def module_doc(name):
    """The DOCUMENTATION and RETURN blocks of a module, parsed from its source without importing it."""
    tree = ast.parse((ROOT / "plugins" / "modules" / (name + ".py")).read_text(encoding="utf-8"))
    blocks = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id in ("DOCUMENTATION", "RETURN", "EXAMPLES"):
                    blocks[target.id] = node.value.value
    return yaml.safe_load(blocks["DOCUMENTATION"]), yaml.safe_load(blocks.get("RETURN") or "") or {}


@pytest.fixture(scope="session")
def browser():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)) and not shutil.which(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("%s is missing: `make chromium` installs Debian's chromium package" % CHROMIUM)
        pytest.skip("%s is missing (install Debian's chromium package)" % CHROMIUM)
    if not (SITE / "index.html").is_file():
        pytest.fail("%s/index.html is missing: run `make docs` first" % SITE)
    return CHROMIUM


def render(browser, page):
    """Return the DOM that Chromium rendered for a page of the site, as HTML text."""
    path = SITE / page
    assert path.is_file(), "%s was not built" % path
    with tempfile.TemporaryDirectory(prefix="docs-chromium-") as profile:
        proc = subprocess.run(
            [browser, *CHROMIUM_FLAGS, "--user-data-dir=" + profile, "--dump-dom", path.as_uri()],
            capture_output=True, text=True, timeout=180, check=False,
        )
    assert proc.returncode == 0, "chromium failed on %s:\n%s" % (page, proc.stderr[-2000:])
    assert "<body" in proc.stdout, "chromium rendered no page for %s:\n%s" % (page, proc.stderr[-2000:])
    return proc.stdout


def text_of(dom):
    """Visible text of a DOM, whitespace collapsed (scripts and styles dropped)."""
    dom = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", dom)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", dom))).strip()


def test_collection_index_links_every_module_and_role(browser):
    names = modules()
    assert names, "plugins/modules holds no module"
    dom = render(browser, "collections/m365/exo_automation/index.html")
    text = text_of(dom)
    assert "Plugin Index" in text and "Modules" in text
    for name in names:
        assert 'href="%s_module.html"' % name in dom, "the collection index does not link module %s" % name
        assert "%s module" % name in text
    for name in roles():
        assert 'href="%s_role.html"' % name in dom, "the collection index does not link role %s" % name


@pytest.mark.parametrize("name", modules()[:1] + modules()[-1:] if len(modules()) > 1 else modules())
def test_module_page_renders_every_option(browser, name):
    doc, returns = module_doc(name)
    dom = render(browser, "collections/m365/exo_automation/%s_module.html" % name)
    text = text_of(dom)
    assert re.search(r"<h1[^>]*>\s*m365\.exo_automation\.%s module" % re.escape(name), dom), "no module title"
    assert doc["short_description"].rstrip(".") in text
    for heading in ("Synopsis", "Parameters", "Examples"):
        assert re.search(r"<h2[^>]*>.*?%s" % heading, dom), "no %s section" % heading
    for option in doc.get("options") or {}:
        assert 'id="parameter-%s"' % option in dom, "option %s is not shown" % option
    if returns:
        assert re.search(r"<h2[^>]*>.*?Return Values", dom)
        for key in returns:
            assert 'id="return-%s"' % key in dom, "return value %s is not shown" % key
    # The page carries the site's navigation back to the start page.
    assert re.search(r'href="(\.\./)+index\.html"', dom)


def test_start_page_links_every_guide(browser):
    dom = render(browser, "index.html")
    assert GUIDES, "docs/guides holds no guide"
    for guide in GUIDES:
        assert 'href="guides/%s.html"' % guide in dom, "the start page does not link guide %s" % guide
    assert 'href="collections/m365/exo_automation/index.html"' in dom


def test_troubleshooting_guide_renders_its_error_table(browser):
    dom = render(browser, "guides/troubleshooting.html")
    text = text_of(dom)
    for known in ("Exchange.ManageAsApp", "Connect-ExchangeOnline", "Not a valid reference update"):
        assert known in text, "troubleshooting guide lacks %r" % known
