"""Write (or check) the variables section of each role's README.md from its meta/argument_specs.yml.

A role README is hand-written (what the role does, requirements, an example) except for the part between the
markers below, which this script writes from the argument spec, so that the README never falls behind the role:

    python tests/utils/role_readmes.py           # rewrite the sections
    python tests/utils/role_readmes.py --check   # exit 1 when a section is out of date (tests/tooling runs it)
"""
import argparse
import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BEGIN = "<!-- variables: written by tests/utils/role_readmes.py from meta/argument_specs.yml -->"
END = "<!-- end of variables -->"

_MARKUP = [
    (re.compile(r"[OV]\(([^)]*)\)"), r"`\1`"),
    (re.compile(r"[CE]\(([^)]*)\)"), r"`\1`"),
    (re.compile(r"M\(([^)]*)\)"), r"`\1`"),
    (re.compile(r"P\(([^)#]*)#role\)"), r"`\1` role"),
    (re.compile(r"I\(([^)]*)\)"), r"*\1*"),
    (re.compile(r"B\(([^)]*)\)"), r"**\1**"),
    (re.compile(r"U\(([^)]*)\)"), r"<\1>"),
    (re.compile(r"L\(([^,]*),\s*([^)]*)\)"), r"[\1](\2)"),
]


def plain(text):
    """Ansible doc markup as Markdown, on one line."""
    text = " ".join(text) if isinstance(text, list) else str(text or "")
    for regex, repl in _MARKUP:
        text = regex.sub(repl, text)
    return " ".join(text.split()).replace("|", "\\|")


def default_text(spec):
    if spec.get("required"):
        return "required"
    if "default" not in spec:
        return ""
    value = spec["default"]
    if value == "" or value == [] or value == {}:
        return "`%s`" % ("''" if value == "" else ("[]" if value == [] else "{}"))
    if isinstance(value, (list, dict)):
        return "`%s`" % yaml.safe_dump(value, default_flow_style=True, width=10000).strip()
    return "`%s`" % str(value).lower() if isinstance(value, bool) else "`%s`" % value


def section(role_dir):
    with open(os.path.join(role_dir, "meta", "argument_specs.yml")) as f:
        spec = yaml.safe_load(f)["argument_specs"]["main"]
    lines = [BEGIN, "", "| variable | type | default | description |", "| --- | --- | --- | --- |"]
    for name, option in spec.get("options", {}).items():
        kind = option.get("type", "str")
        if option.get("elements"):
            kind = "%s of %s" % (kind, option["elements"])
        if option.get("choices"):
            kind += " (%s)" % ", ".join(str(c) for c in option["choices"])
        lines.append("| `%s` | %s | %s | %s |" % (name, kind, default_text(option), plain(option.get("description"))))
    lines += ["", END]
    return "\n".join(lines)


def update(readme, role_dir):
    with open(readme) as f:
        text = f.read()
    if BEGIN not in text or END not in text:
        raise SystemExit("%s has no variables markers (%s ... %s)" % (readme, BEGIN, END))
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    return head + section(role_dir) + tail


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    stale = []
    roles = os.path.join(ROOT, "roles")
    for name in sorted(os.listdir(roles)):
        role_dir = os.path.join(roles, name)
        readme = os.path.join(role_dir, "README.md")
        if not os.path.isfile(os.path.join(role_dir, "meta", "argument_specs.yml")):
            continue
        if not os.path.isfile(readme):
            stale.append("%s: README.md is missing" % name)
            continue
        new = update(readme, role_dir)
        with open(readme) as f:
            if f.read() == new:
                continue
        if args.check:
            stale.append("%s: the variables in README.md differ from meta/argument_specs.yml" % name)
        else:
            with open(readme, "w") as f:
                f.write(new)
    if stale:
        print("\n".join(stale + ["run: python tests/utils/role_readmes.py"]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
