"""Discovery of the official API contracts in ``../shared/specs`` (beside the repository) and
schema validation of responses against the swagger documents, ``$ref``s resolved inside each spec tree."""
import datetime
import json
import os
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO_ROOT = Path(__file__).resolve().parents[2]
SPECS_DIR = Path(os.environ.get("EXO_SPECS_DIR", REPO_ROOT.parent / "shared" / "specs"))
METHODS = ("get", "put", "post", "patch", "delete", "head")


@lru_cache(maxsize=None)
def load_json(path):
    with open(path, encoding="utf-8-sig") as f:
        return json.load(f)


def swagger_files():
    azure = SPECS_DIR / "azure"
    if not azure.is_dir():
        return []
    return sorted(
        p for p in azure.rglob("*.json")
        if "examples" not in p.parts and "common-types" not in p.parts and "common" not in p.parts
        and "paths" in load_json(p)
    )


class AzureExample:
    def __init__(self, swagger, path, method, name, example_file):
        self.swagger = swagger
        self.path = path
        self.method = method
        self.name = name
        self.example_file = example_file
        self.example = load_json(example_file)
        self.operation = load_json(swagger)["paths"][path][method]

    @property
    def id(self):
        return f"{self.example_file.stem}[{self.method.upper()}]"

    def parameter_defs(self):
        """The operation's parameters with ``$ref``s resolved (path-level + operation-level)."""
        doc = load_json(self.swagger)
        out = []
        for param in doc["paths"][self.path].get("parameters", []) + self.operation.get("parameters", []):
            if "$ref" in param:
                param = resolve_ref(self.swagger, param["$ref"])[1]
            out.append(param)
        return out

    def response_schema_ref(self, status):
        """A ``$ref`` URI to the response schema of ``status`` (or ``default``), or None."""
        responses = self.operation["responses"]
        key = str(status) if str(status) in responses else None
        if key is None or "schema" not in responses[key]:
            return None
        pointer = "/".join(["", "paths", _escape(self.path), self.method, "responses", key, "schema"])
        return self.swagger.resolve().as_uri() + "#" + pointer


def _escape(segment):
    return segment.replace("~", "~0").replace("/", "~1")


def resolve_ref(base_file, ref):
    file_part, _hash, pointer = ref.partition("#")
    target = (Path(base_file).parent / file_part).resolve() if file_part else Path(base_file)
    if not target.exists():
        target = _fallback_common_types(Path(base_file), file_part)
    node = load_json(target)
    for part in [p for p in pointer.split("/") if p]:
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return target, node


def _fallback_common_types(base_file, file_part):
    """The resources spec refers to ``common-types`` one level too deep (see specs/README.md): resolve it
    against the real upstream location ``specification/common-types``."""
    rel = Path(file_part)
    parts = list(rel.parts)
    if "common-types" in parts:
        idx = parts.index("common-types")
        root = base_file
        while root.name != "specification":
            root = root.parent
        candidate = root.joinpath(*parts[idx:])
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"{file_part} from {base_file}")


def azure_examples():
    found = []
    for swagger in swagger_files():
        doc = load_json(swagger)
        for path, ops in doc["paths"].items():
            for method, op in ops.items():
                if method not in METHODS:
                    continue
                for name, ref in op.get("x-ms-examples", {}).items():
                    example_file = (swagger.parent / ref["$ref"]).resolve()
                    if example_file.exists():
                        found.append(AzureExample(swagger, path, method, name, example_file))
    return found


def graph_examples():
    graph = SPECS_DIR / "graph" / "v1.0"
    out = []
    if not graph.is_dir():
        return out
    for page in sorted(graph.glob("*.json")):
        doc = load_json(page)
        for i, ex in enumerate(doc.get("examples") or []):
            out.append((page.stem, i, ex))
    return out


# -- schema validation -----------------------------------------------------------------------------
def _retrieve(uri):
    from referencing import Resource
    from referencing.jsonschema import DRAFT4

    path = Path(unquote(urlsplit(uri).path))
    if not path.exists() and "common-types" in path.parts:
        parts = path.parts
        tail = parts[parts.index("common-types"):]
        root = path.parent
        while root != root.parent and not root.joinpath(*tail).exists():
            root = root.parent
        path = root.joinpath(*tail)
    return Resource.from_contents(_nullable(load_json(path)), default_specification=DRAFT4)


def _nullable(node):
    """Swagger's ``x-nullable: true`` allows null; JSON Schema needs the null type spelled out."""
    if isinstance(node, dict):
        out = {k: _nullable(v) for k, v in node.items()}
        if out.get("x-nullable") and isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = list(out["enum"]) + [None]
        return out
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


def validate(schema_ref, instance):
    """Errors (list of str) of ``instance`` against the schema at ``schema_ref``."""
    import jsonschema
    from referencing import Registry

    registry = Registry(retrieve=_retrieve)
    validator = jsonschema.Draft4Validator({"$ref": schema_ref}, registry=registry)
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}" for e in validator.iter_errors(instance)]


# -- example helpers -------------------------------------------------------------------------------
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T")


def future_dates(obj, years=20):
    """Moves date-times of an example request into the future (the examples were recorded years ago and
    the services reject schedule starts and webhook expiries in the past)."""
    if isinstance(obj, dict):
        return {k: future_dates(v, years) for k, v in obj.items()}
    if isinstance(obj, list):
        return [future_dates(v, years) for v in obj]
    if isinstance(obj, str):
        m = _DATE.match(obj)
        if m and int(m.group(1)) < datetime.date.today().year + 1:
            return f"{int(m.group(1)) + years:04d}" + obj[4:]
    return obj
