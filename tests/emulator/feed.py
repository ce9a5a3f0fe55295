"""Package feed and blob store: what a module or package ``contentLink`` points to.

Azure Automation downloads the content link of an import and fails the import when nothing is there, or when
what is there is no PowerShell module. The emulator cannot download anything, so it keeps its own picture of
what exists:

* the **PowerShell Gallery**: a built-in catalogue (:data:`CATALOGUE`) of the modules the collection, its roles,
  its demo and its tests import, with real version numbers. ``https://www.powershellgallery.com/api/v2/package/
  <Name>[/<Version>]`` resolves against it (name without regard to case, the newest version without a version),
  as does the gallery's CDN address ``https://psg-prod-eastus.azureedge.net/packages/<name>.<version>.nupkg``;
* the **emulator's own NuGet v2 feed** at ``<emulator url>/_emulator/feed/api/v2``: the catalogue plus every
  package registered with ``POST /_emulator/packages {"name", "version"}``. ``GET <feed>/package/<Name>[/<Version>]``
  downloads a ``.nupkg`` (a zip with the ``.nuspec`` and, for a valid package, the module manifest ``.psd1``);
* **any other URL** (a storage blob, another feed) registered with ``POST /_emulator/packages {"uri", "name",
  "version"}``. It is compared without its query string, so a SAS token on the link does not matter.

A registration with ``"valid": false`` is a package without a module manifest: importing it fails the way Azure
fails a zip that holds no module. Registered packages are state: ``POST /_emulator/reset`` removes them, and
``--state FILE`` keeps them. ``GET /_emulator/packages`` lists the catalogue and the registrations.
"""
import io
import re
import zipfile
from urllib.parse import unquote, urlsplit

from .core import ApiError, route

GALLERY_HOSTS = ("www.powershellgallery.com", "powershellgallery.com")
GALLERY_CDN_HOSTS = ("psg-prod-eastus.azureedge.net", "psg-prod-centralus.azureedge.net")
FEED_PATH = "/_emulator/feed/api/v2"

# PowerShell Gallery packages the emulator knows: name -> versions (real releases, oldest first).
CATALOGUE = {
    "ExchangeOnlineManagement": ("2.0.5", "3.0.0", "3.1.0", "3.2.0", "3.3.0", "3.4.0", "3.5.0", "3.5.1", "3.6.0",
                                 "3.7.0", "3.7.1", "3.7.2", "3.8.0", "3.9.0", "3.9.2", "3.10.0", "3.10.1"),
    "PackageManagement": ("1.4.7", "1.4.8.1"),
    "PowerShellGet": ("2.2.4.1", "2.2.5"),
    "Microsoft.Graph.Authentication": ("2.21.1", "2.24.0", "2.25.0", "2.32.0", "2.39.0"),
    "Az.Accounts": ("2.12.1", "2.19.0", "3.0.0", "3.0.4", "4.2.0"),
    "Az.Resources": ("6.0.0",),
}


def _bad(message):
    raise ApiError(400, {"error": {"code": "BadRequest", "message": message}})


def version_key(version):
    """Sort key of a NuGet version (numeric parts; a version with a pre-release label sorts below its release)."""
    core, _dash, label = str(version).partition("-")
    parts = []
    for piece in core.split("."):
        parts.append(int(piece) if piece.isdigit() else 0)
    while len(parts) < 4:
        parts.append(0)
    return tuple(parts), label == "", label


def normalize_version(version):
    """NuGet's normalized form: ``2.2.5.0`` -> ``2.2.5``, ``3.4`` -> ``3.4.0``."""
    core, sep, label = str(version).strip().partition("-")
    parts = core.split(".")
    while len(parts) > 3 and parts[-1] == "0":
        parts.pop()
    while len(parts) < 3:
        parts.append("0")
    return ".".join(str(int(p)) if p.isdigit() else p for p in parts) + (sep + label if label else "")


def _registered(emu):
    return emu.state.setdefault("packages", [])


def _strip_query(uri):
    parts = urlsplit(uri.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path}"


def _pick(candidates, name, version):
    """The package ``name`` (no case) at ``version`` (normalized; None = newest release) among ``candidates``."""
    same = [c for c in candidates if c["name"].lower() == name.lower()]
    if not same:
        return None
    if version:
        wanted = normalize_version(version)
        return next((c for c in same if normalize_version(c["version"]) == wanted), None)
    releases = [c for c in same if "-" not in c["version"]] or same
    return max(releases, key=lambda c: version_key(c["version"]))


def _catalogue_entries():
    return [{"name": name, "version": v, "valid": True, "source": "gallery"}
            for name, versions in CATALOGUE.items() for v in versions]


def _feed_entries(emu):
    return _catalogue_entries() + [dict(p, source="feed") for p in _registered(emu) if not p.get("uri")]


def _package_path(segments):
    """``(name, version or None)`` of ``.../package/<Name>[/<Version>]`` path segments, or None."""
    lowered = [s.lower() for s in segments]
    if "package" not in lowered:
        return None
    idx = len(lowered) - 1 - lowered[::-1].index("package")
    tail = segments[idx + 1:]
    if len(tail) not in (1, 2) or not tail[0]:
        return None
    return tail[0], (tail[1] if len(tail) == 2 else None)


def _cdn_package(filename):
    """``exchangeonlinemanagement.3.7.2.nupkg`` -> a catalogue entry, or None."""
    if not filename.lower().endswith(".nupkg"):
        return None
    stem = filename[:-len(".nupkg")]
    for entry in _catalogue_entries():
        if stem.lower() == f"{entry['name']}.{entry['version']}".lower():
            return entry
    return None


def resolve(emu, uri):
    """What a content link points to: ``{"name", "version", "valid", "source"}`` or None when nothing is there."""
    if not isinstance(uri, str) or not uri.strip():
        return None
    parts = urlsplit(uri.strip())
    if parts.scheme.lower() != "https" or not parts.netloc:
        return None
    plain = _strip_query(uri)
    for pkg in _registered(emu):
        if pkg.get("uri") and _strip_query(pkg["uri"]) == plain:
            return dict(pkg, source="uri")
    host = parts.netloc.lower()
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if host in GALLERY_HOSTS and [s.lower() for s in segments[:2]] == ["api", "v2"]:
        found = _package_path(segments[2:])
        return _pick(_catalogue_entries(), *found) if found else None
    if host in GALLERY_CDN_HOSTS and len(segments) == 2 and segments[0].lower() == "packages":
        return _cdn_package(segments[1])
    base = urlsplit(emu.base_url or "")
    own = {base.netloc.lower(), f"localhost:{base.port}"} if base.netloc else set()
    if host in own and parts.path.lower().startswith(FEED_PATH.lower() + "/"):
        found = _package_path([unquote(s) for s in parts.path[len(FEED_PATH):].split("/") if s])
        return _pick(_feed_entries(emu), *found) if found else None
    return None


def feed_url(emu):
    return f"{emu.base_url}{FEED_PATH}"


# -- control routes --------------------------------------------------------------------------------------
_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_VERSION_RE = re.compile(r"^\d+(\.\d+){1,3}(-[0-9A-Za-z.-]+)?$")


def _name_from_uri(uri):
    last = urlsplit(uri).path.rstrip("/").rsplit("/", 1)[-1]
    for ext in (".zip", ".nupkg"):
        if last.lower().endswith(ext):
            return unquote(last[:-len(ext)])
    return unquote(last)


@route("control", "POST", r"/_emulator/packages")
def register_package(req):
    body = req.json
    allowed = {"uri", "name", "version", "valid"}
    if not isinstance(body, dict):
        _bad(f"a package is a JSON object with any of {sorted(allowed)} (name and version, or uri)")
    unknown = sorted(set(body) - allowed)
    if unknown:
        _bad(f"unknown package field(s) {unknown}; allowed: {sorted(allowed)}")
    uri = body.get("uri")
    if uri is not None:
        if not isinstance(uri, str) or urlsplit(uri).scheme.lower() != "https" or not urlsplit(uri).netloc:
            _bad("uri must be an https URL")
    name = body.get("name") or (_name_from_uri(uri) if uri else None)
    if not isinstance(name, str) or not _NAME_RE.match(name):
        _bad("name is required (a module name such as Contoso.Tools)")
    version = body.get("version", "1.0.0" if uri else None)
    if not isinstance(version, str) or not _VERSION_RE.match(version):
        _bad("version is required (such as 1.0.0)")
    valid = body.get("valid", True)
    if not isinstance(valid, bool):
        _bad("valid is true or false")
    pkg = {"name": name, "version": version, "valid": valid}
    if uri:
        pkg["uri"] = uri
    emu = req.emu
    with emu.lock:
        store = _registered(emu)
        for i, old in enumerate(store):
            same_uri = uri and old.get("uri") and _strip_query(old["uri"]) == _strip_query(uri)
            same_pkg = not uri and not old.get("uri") and old["name"].lower() == name.lower() and \
                normalize_version(old["version"]) == normalize_version(version)
            if same_uri or same_pkg:
                store[i] = pkg
                break
        else:
            store.append(pkg)
        emu.save()
    view = dict(pkg, source="uri" if uri else "feed")
    if not uri:
        view["uri"] = f"{feed_url(emu)}/package/{name}/{version}"
    return 201, view


@route("control", "GET", r"/_emulator/packages")
def list_packages(req):
    emu = req.emu
    with emu.lock:
        out = [dict(e, uri=f"https://www.powershellgallery.com/api/v2/package/{e['name']}/{e['version']}")
               for e in _catalogue_entries()]
        for pkg in _registered(emu):
            view = dict(pkg, source="uri" if pkg.get("uri") else "feed")
            if not pkg.get("uri"):
                view["uri"] = f"{feed_url(emu)}/package/{pkg['name']}/{pkg['version']}"
            out.append(view)
    return 200, {"feed": feed_url(emu), "value": out}


@route("control", "DELETE", r"/_emulator/packages")
def clear_packages(req):
    with req.emu.lock:
        req.emu.state["packages"] = []
        req.emu.save()
    return 204, None


# -- the NuGet v2 feed ----------------------------------------------------------------------------------
def nupkg(pkg):
    """A small ``.nupkg``: the ``.nuspec`` and, for a valid package, a module manifest."""
    name, version = pkg["name"], pkg["version"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{name}.nuspec", (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<package xmlns="http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd">\n'
            f"  <metadata>\n    <id>{name}</id>\n    <version>{version}</version>\n"
            "    <authors>m365.exo_automation emulator</authors>\n"
            f"    <description>{name} as served by the emulator's package feed</description>\n"
            "    <tags>PSModule</tags>\n  </metadata>\n</package>\n"))
        if pkg.get("valid", True):
            zf.writestr(f"{name}.psd1", f"@{{\n    ModuleVersion = '{version.split('-')[0]}'\n"
                                        f"    RootModule = '{name}.psm1'\n}}\n")
            zf.writestr(f"{name}.psm1", "")
    return buf.getvalue()


@route("control", "GET", FEED_PATH.replace(".", r"\.") + r"/package/(?P<name>[^/]+)(?:/(?P<version>[^/]+))?")
def download(req):
    emu = req.emu
    name, version = req.params["name"], req.params.get("version")
    with emu.lock:
        pkg = _pick(_feed_entries(emu), name, version)
    if pkg is None:
        what = f"{name} {version}" if version else name
        raise ApiError(404, {"error": {"code": "NotFound", "message": f"The package '{what}' was not found."}})
    filename = f"{pkg['name'].lower()}.{pkg['version']}.nupkg"
    return 200, nupkg(pkg), {"Content-Type": "application/zip",
                             "Content-Disposition": f"attachment; filename={filename}"}
