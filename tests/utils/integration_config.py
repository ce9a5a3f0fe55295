"""Render tests/integration/integration_config.yml from its template and the environment.

``python tests/utils/integration_config.py TEMPLATE OUTPUT``. Each ``${NAME}`` is replaced by the JSON-quoted
value of the environment variable NAME; a line whose variable is unset or empty is dropped. When
EXO_RESOURCE_PREFIX is unset, a unique ``exo-it-xxxxxx`` prefix is used so that runs against a real subscription do
not collide."""
import json
import os
import re
import sys
import uuid

VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")


def render(text, environ):
    environ = dict(environ)
    environ.setdefault("EXO_RESOURCE_PREFIX", "exo-it-" + uuid.uuid4().hex[:6])
    out = []
    for line in text.splitlines():
        names = VAR.findall(line)
        if any(not environ.get(name) for name in names):
            continue
        out.append(VAR.sub(lambda m: json.dumps(environ[m.group(1)]), line))
    return "\n".join(out) + "\n"


def main(argv):
    template, output = argv
    with open(template, encoding="utf-8") as f:
        text = render(f.read(), os.environ)
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
