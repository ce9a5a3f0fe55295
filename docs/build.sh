#!/usr/bin/env bash
# Build the documentation site: docs/build/html/index.html.
#
# 1. the hand-written pages (index.rst, guides/) are copied to docs/build/rst/;
# 2. antsibull-docs writes the module and role reference of the installed collection next to them
#    (collections/m365/exo_automation/), failing on any documentation error;
# 3. sphinx-build renders the tree with docs/conf.py, warnings being errors.
#
# The collection must be importable as m365.exo_automation: `make docs` sets ANSIBLE_COLLECTIONS_PATH to
# .collections/, where `make venv` links the work tree.
set -euo pipefail
docs="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
build="${DOCS_BUILD_DIR:-$docs/build}"

rm -rf "$build"
mkdir -p "$build/rst"
chmod 755 "$build" "$build/rst"  # antsibull-docs refuses a destination others can write to
cp -a "$docs/index.rst" "$docs/guides" "$build/rst/"

antsibull-docs collection \
    --use-current \
    --output-format simplified-rst \
    --fail-on-error \
    --no-add-antsibull-docs-version \
    --dest-dir "$build/rst" \
    m365.exo_automation

sphinx-build -b html -W --keep-going -q -c "$docs" "$build/rst" "$build/html"
echo "docs: $build/html/index.html"
