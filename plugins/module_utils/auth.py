# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication options and their resolution.

Resolution order (documented in the ``auth`` doc fragment; unit tested):

Settings (``subscription_id``, ``tenant_id``, ``cloud``, endpoints) are resolved field by field:
module option, then the ``~/.azure/credentials`` profile when one is in use, then the environment (AWX names
first, then azure-identity names), then the default.

Credential material (client id + secret, certificate or federated token file) comes from one source as a
whole, never mixed, in this order when ``auth_source=auto``:

1. module options (``client_id`` with ``client_secret``, ``certificate_path`` or ``federated_token_file``);
2. environment: ``AZURE_CLIENT_ID`` with ``AZURE_SECRET`` (AWX) or ``AZURE_CLIENT_SECRET``, or
   ``AZURE_CLIENT_CERTIFICATE_PATH`` (+ ``AZURE_CLIENT_CERTIFICATE_PASSWORD``), or ``AZURE_FEDERATED_TOKEN_FILE``;
3. the ``~/.azure/credentials`` profile named by ``profile`` / ``AZURE_PROFILE`` (or its ``default`` section);
4. the Azure CLI, when ``az`` is on the PATH.

``auth_source`` other than ``auto`` uses exactly that source. ``msi`` uses the managed identity of the host
(``client_id`` selects a user-assigned one).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible.module_utils.basic import env_fallback

from ansible_collections.m365.exo_automation.plugins.module_utils.clouds import (
    CLOUD_NAMES,
    Cloud,
    CloudMetadataError,
    UnknownCloudError,
    cloud_from_metadata,
    fetch_cloud_metadata,
    is_metadata_url,
    metadata_request_url,
)

AUTH_SOURCES = ("auto", "env", "cli", "msi", "credential_file")

AUTH_ARGSPEC = dict(
    auth_source=dict(type="str", choices=list(AUTH_SOURCES), default="auto",
                     fallback=(env_fallback, ["ANSIBLE_AZURE_AUTH_SOURCE"])),
    profile=dict(type="str"),
    subscription_id=dict(type="str"),
    tenant_id=dict(type="str", aliases=["tenant"]),
    client_id=dict(type="str"),
    client_secret=dict(type="str", no_log=True, aliases=["secret"]),
    certificate_path=dict(type="path"),
    certificate_password=dict(type="str", no_log=True),
    federated_token_file=dict(type="path"),
    # a cloud name (CLOUD_NAMES, checked by resolve with the names in its error) or a metadata URL
    cloud=dict(type="str", aliases=["cloud_environment"]),
    arm_endpoint=dict(type="str"),
    graph_endpoint=dict(type="str"),
    authority_host=dict(type="str"),
)

# Environment names, first match wins.
ENV = {
    "subscription_id": ("AZURE_SUBSCRIPTION_ID",),
    "tenant_id": ("AZURE_TENANT", "AZURE_TENANT_ID"),
    "client_id": ("AZURE_CLIENT_ID",),
    "client_secret": ("AZURE_SECRET", "AZURE_CLIENT_SECRET"),
    "certificate_path": ("AZURE_CLIENT_CERTIFICATE_PATH",),
    "certificate_password": ("AZURE_CLIENT_CERTIFICATE_PASSWORD",),
    "federated_token_file": ("AZURE_FEDERATED_TOKEN_FILE",),
    "cloud": ("AZURE_CLOUD_ENVIRONMENT",),
    "arm_endpoint": ("AZURE_ARM_ENDPOINT",),
    "graph_endpoint": ("AZURE_GRAPH_ENDPOINT",),
    "authority_host": ("AZURE_AUTHORITY_HOST",),
    "profile": ("AZURE_PROFILE",),
}

# ~/.azure/credentials keys (the azure.azcollection format), first match wins.
PROFILE_KEYS = {
    "subscription_id": ("subscription_id",),
    "tenant_id": ("tenant", "tenant_id"),
    "client_id": ("client_id",),
    "client_secret": ("secret", "client_secret"),
    "certificate_path": ("certificate_path", "x509_certificate_path"),
    "certificate_password": ("certificate_password",),
    "federated_token_file": ("federated_token_file",),
    "cloud": ("cloud_environment", "cloud"),
    "arm_endpoint": ("arm_endpoint",),
    "graph_endpoint": ("graph_endpoint",),
    "authority_host": ("authority_host", "adfs_authority_url"),
}

SECRET_FIELDS = ("client_secret", "certificate_password")
MATERIAL_FIELDS = ("client_secret", "certificate_path", "federated_token_file")

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
TENANT_DOMAIN_RE = re.compile(r"^(?=.{3,253}$)[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class AuthError(ValueError):
    """Bad or missing authentication settings; ``option`` names the offending option when there is one."""

    def __init__(self, message, option=None):
        super(AuthError, self).__init__(message)
        self.option = option


def credentials_file_path(environ=None):
    environ = os.environ if environ is None else environ
    home = environ.get("HOME") or os.path.expanduser("~")
    config_dir = environ.get("AZURE_CONFIG_DIR") or os.path.join(home, ".azure")
    return os.path.join(config_dir, "credentials")


def read_profile(name, path):
    """The section ``name`` of an INI credentials file as a dict, or None when file or section is missing."""
    if not path or not os.path.isfile(path):
        return None
    try:
        import configparser
    except ImportError:  # pragma: no cover - Python 2
        return None
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    if name == "default" and not parser.has_section("default"):
        defaults = parser.defaults()
        return dict(defaults) if defaults else None
    if not parser.has_section(name):
        return None
    return dict(parser.items(name))


class AuthSettings:
    """Resolved authentication settings.

    ``kind`` is one of ``secret``, ``certificate``, ``federated``, ``cli``, ``msi``; ``source`` says where the
    credential material came from (``options``, ``env``, ``credential_file``, ``cli``, ``msi``).
    """

    def __init__(self):
        self.kind = None
        self.source = None
        self.profile = None
        self.subscription_id = None
        self.tenant_id = None
        self.client_id = None
        self.client_secret = None
        self.certificate_path = None
        self.certificate_password = None
        self.federated_token_file = None
        self.cloud = None
        self.secrets = []

    def describe(self):
        """A log/diagnostic view without secrets."""
        return {
            "kind": self.kind,
            "source": self.source,
            "profile": self.profile,
            "subscription_id": self.subscription_id,
            "tenant_id": self.tenant_id,
            "client_id": self.client_id,
            "cloud": self.cloud.name if self.cloud else None,
        }


def _first(mapping, keys):
    """The first of ``keys`` that ``mapping`` holds a non-empty value for, or None."""
    for key in keys:
        value = mapping.get(key)
        if value not in (None, ""):
            return value
    return None


def _env(environ, field):
    return _first(environ, ENV.get(field, ()))


def _profile_value(profile, field):
    return _first(profile or {}, PROFILE_KEYS.get(field, ()))


def _opt(params, field):
    value = params.get(field)
    return None if value in (None, "") else value


def _check_guid(value, option, what):
    if value is not None and not GUID_RE.match(str(value)):
        raise AuthError("%s '%s' is not valid: %s must be a GUID like 00000000-0000-0000-0000-000000000000"
                        % (option, value, what), option)


def _check_tenant(value, option):
    if value is None:
        return
    if not (GUID_RE.match(value) or TENANT_DOMAIN_RE.match(value)):
        raise AuthError("%s '%s' is not valid: use the tenant (directory) id, a GUID, or its domain such as "
                        "contoso.onmicrosoft.com" % (option, value), option)


def _material_from(getter):
    """The credential material one source offers: dict of the fields it sets (empty when none)."""
    found = {}
    for field in ("client_id",) + MATERIAL_FIELDS + ("certificate_password",):
        value = getter(field)
        if value is not None:
            found[field] = value
    return found


def _check_material_conflicts(material, where):
    given = [f for f in MATERIAL_FIELDS if material.get(f) is not None]
    if len(given) > 1:
        raise AuthError("conflicting authentication %s: %s cannot be used together; give exactly one of "
                        "client_secret, certificate_path or federated_token_file" % (where, " and ".join(given)),
                        given[0])


def _has_material(material):
    return material.get("client_id") is not None and any(material.get(f) is not None for f in MATERIAL_FIELDS)


def resolve(params, environ=None, which=None, credentials_path=None, transport=None):
    """Resolve the auth options of a module into :class:`AuthSettings`.

    ``params``: module params (any subset of AUTH_ARGSPEC). ``environ``: the environment (default os.environ).
    ``which``: lookup for executables (default shutil.which), used for the Azure CLI fallback.
    ``transport``: the azure-core transport the cloud metadata is read with (tests).
    Raises :class:`AuthError`. The only network call is the one GET of the cloud's metadata document when
    ``cloud`` is a metadata URL (see :func:`resolve_cloud`); it comes after every other check of the settings.
    """
    environ = os.environ if environ is None else environ
    if which is None:
        import shutil
        which = shutil.which
    source = params.get("auth_source") or "auto"
    if source not in AUTH_SOURCES:
        raise AuthError("auth_source '%s' is not valid; allowed: %s" % (source, ", ".join(AUTH_SOURCES)),
                        "auth_source")

    option_material = _material_from(lambda f: _opt(params, f))
    _check_material_conflicts(option_material, "options")
    given_options = [f for f in MATERIAL_FIELDS if option_material.get(f) is not None]
    if source == "auto" and option_material.get("client_id") is not None and not given_options:
        raise AuthError("client_id was given without client_secret, certificate_path or federated_token_file; "
                        "add one of them, or set auth_source=msi to use that managed identity", "client_id")

    if source in ("cli", "msi") and given_options:
        raise AuthError("conflicting authentication options: auth_source=%s takes no %s; remove it or use "
                        "auth_source=auto" % (source, given_options[0]), given_options[0])
    if source in ("env", "credential_file") and given_options:
        raise AuthError("conflicting authentication options: auth_source=%s reads the credential from %s, "
                        "but %s was also given; remove it or use auth_source=auto"
                        % (source, "the environment" if source == "env" else "the credentials file",
                           given_options[0]), given_options[0])
    if source == "cli" and _opt(params, "client_id"):
        raise AuthError("conflicting authentication options: auth_source=cli uses the signed-in Azure CLI "
                        "account and takes no client_id", "client_id")

    # -- profile ---------------------------------------------------------------------------------
    profile_name = _opt(params, "profile")
    profile_explicit = profile_name is not None
    if profile_name is None and source in ("auto", "credential_file"):
        profile_name = _env(environ, "profile")
        profile_explicit = profile_name is not None
    if profile_explicit and source in ("env", "cli", "msi"):
        raise AuthError("conflicting authentication options: profile selects a ~/.azure/credentials profile, "
                        "which auth_source=%s does not read; remove profile or use auth_source=credential_file"
                        % source, "profile")
    path = credentials_path or credentials_file_path(environ)
    profile = None
    if source == "credential_file" or (source == "auto" and profile_explicit):
        profile_name = profile_name or "default"
        profile = read_profile(profile_name, path)
        if profile is None:
            raise AuthError("profile '%s' was not found in %s; add a [%s] section with subscription_id, "
                            "client_id, secret and tenant, or choose another profile"
                            % (profile_name, path, profile_name), "profile")
    elif source == "auto":
        profile_name = "default"
        profile = read_profile(profile_name, path)  # used only when options and environment hold no credential

    settings = AuthSettings()

    # -- credential material ----------------------------------------------------------------------
    env_material = _material_from(lambda f: _env(environ, f))
    profile_material = _material_from(lambda f: _profile_value(profile, f)) if profile else {}

    material = None
    if source == "auto":
        if profile_explicit:
            candidates = [("options", option_material), ("credential_file", profile_material)]
        else:
            candidates = [("options", option_material), ("env", env_material), ("credential_file", profile_material)]
        for name, mat in candidates:
            if given_options and name != "options":
                break
            if _has_material(mat):
                material, settings.source = mat, name
                break
        if given_options and material is None:
            raise AuthError("client_id is required with %s; set the client_id option (the application id of "
                            "the service principal)" % given_options[0], "client_id")
        if material is None:
            if which("az"):
                settings.kind, settings.source = "cli", "cli"
            else:
                raise AuthError(
                    "no Azure credentials found. Give client_id with client_secret, certificate_path or "
                    "federated_token_file; or export AZURE_CLIENT_ID, AZURE_SECRET (or AZURE_CLIENT_SECRET), "
                    "AZURE_TENANT and AZURE_SUBSCRIPTION_ID (an AWX Azure credential does this); or add a "
                    "profile to %s; or sign in with the Azure CLI; or set auth_source=msi on an Azure host "
                    "with a managed identity" % path)
    elif source == "env":
        if not _has_material(env_material):
            raise AuthError("auth_source=env but the environment holds no complete credential: export "
                            "AZURE_CLIENT_ID with AZURE_SECRET (or AZURE_CLIENT_SECRET), "
                            "AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE, and AZURE_TENANT",
                            "auth_source")
        material, settings.source = env_material, "env"
    elif source == "credential_file":
        if not _has_material(profile_material):
            raise AuthError("profile '%s' in %s holds no complete credential: it needs client_id with secret "
                            "(or certificate_path), and tenant" % (profile_name, path), "profile")
        material, settings.source = profile_material, "credential_file"
    elif source == "cli":
        settings.kind, settings.source = "cli", "cli"
    elif source == "msi":
        settings.kind, settings.source = "msi", "msi"
        settings.client_id = _opt(params, "client_id")

    if material is not None:
        _check_material_conflicts(material, {"options": "options", "env": "environment variables",
                                             "credential_file": "profile settings"}[settings.source])
        settings.client_id = material.get("client_id")
        if material.get("client_secret") is not None:
            settings.kind = "secret"
            settings.client_secret = material["client_secret"]
        elif material.get("certificate_path") is not None:
            settings.kind = "certificate"
            settings.certificate_path = material["certificate_path"]
            settings.certificate_password = material.get("certificate_password")
        else:
            settings.kind = "federated"
            settings.federated_token_file = material["federated_token_file"]
    settings.profile = profile_name if settings.source == "credential_file" or profile_explicit else None
    use_profile = profile if (settings.source == "credential_file" or profile_explicit) else None

    # -- settings, field by field: option -> profile (when one is in use) -> environment --------------
    def setting(field):
        value = _opt(params, field)
        if value is None:
            value = _profile_value(use_profile, field)
        if value is None:
            value = _env(environ, field)
        return value

    settings.subscription_id = setting("subscription_id")
    settings.tenant_id = setting("tenant_id")
    cloud_name = setting("cloud")
    endpoints = dict((field, setting(field)) for field in ("arm_endpoint", "graph_endpoint", "authority_host"))
    if not is_metadata_url(cloud_name):
        settings.cloud = resolve_cloud(cloud_name, **endpoints)
    for field, url in endpoints.items():
        if url is not None and not re.match(r"^https://[^/\s]+", url):
            raise AuthError("%s '%s' is not valid: give an https:// URL such as %s"
                            % (field, url, Cloud("AzureCloud").as_dict()[field]), field)

    _check_guid(settings.subscription_id, "subscription_id", "the subscription id")
    _check_guid(settings.client_id, "client_id", "the application (client) id")
    _check_tenant(settings.tenant_id, "tenant_id")
    if settings.kind in ("secret", "certificate", "federated") and not settings.tenant_id:
        raise AuthError("tenant_id is required for a service principal credential; set the tenant_id option, "
                        "AZURE_TENANT or AZURE_TENANT_ID", "tenant_id")
    if settings.kind == "certificate" and not os.path.isfile(settings.certificate_path):
        raise AuthError("certificate_path '%s' does not exist or is not a file; give a PEM or PKCS12 file "
                        "holding the certificate and its private key" % settings.certificate_path,
                        "certificate_path")
    if settings.kind == "federated" and not os.path.isfile(settings.federated_token_file):
        raise AuthError("federated_token_file '%s' does not exist or is not a file; give the path of the "
                        "token your identity provider writes (for example the Kubernetes projected service "
                        "account token)" % settings.federated_token_file, "federated_token_file")

    settings.secrets = [v for v in (settings.client_secret, settings.certificate_password) if v]
    if settings.cloud is None:  # a metadata URL: read last, once every other setting is known to be good
        settings.cloud = resolve_cloud(cloud_name, environ=environ, transport=transport, **endpoints)
    return settings


def resolve_cloud(name, arm_endpoint=None, graph_endpoint=None, authority_host=None, environ=None, transport=None):
    """The :class:`Cloud` of a ``cloud`` value with the explicit endpoints applied.

    A name (``AzureCloud``, ...) is looked up in clouds.CLOUDS. A URL is a metadata discovery URL, as
    azure.azcollection takes: its ``/metadata/endpoints`` document is read (once: resolve runs once per module
    run, when the first client is built) and gives the endpoints and token scopes; explicit endpoints still win.
    Raises :class:`AuthError` naming ``cloud``."""
    if not is_metadata_url(name):
        try:
            return Cloud(name, arm_endpoint, graph_endpoint, authority_host)
        except UnknownCloudError as err:
            raise AuthError("cloud: %s" % err, "cloud")
    try:
        document = fetch_cloud_metadata(name, transport=transport, environ=environ)
        try:
            return cloud_from_metadata(name, document, arm_endpoint, graph_endpoint, authority_host)
        except CloudMetadataError as err:
            raise CloudMetadataError("%s (read from %s)" % (err, metadata_request_url(name)))
    except CloudMetadataError as err:
        raise AuthError("cloud '%s' is a metadata URL, but the cloud could not be discovered from it: %s. Give "
                        "the Resource Manager URL of the cloud (https://management.azure.com for the public "
                        "cloud), or one of %s, or set arm_endpoint, graph_endpoint and authority_host"
                        % (name, err, ", ".join(CLOUD_NAMES)), "cloud")


def build_credential(settings, **transport):
    """The azure-identity credential for resolved settings (imports azure-identity here, lazily). ``transport``
    goes to azure-identity's pipeline (``retry_total``, ``retry_status``, ...: the token endpoint is retried as
    ARM is)."""
    from azure import identity

    cloud = settings.cloud
    common = dict(transport, authority=cloud.authority_host)
    if cloud.custom_authority:
        # A custom authority host (AD FS, a private test double, an unlisted sovereign cloud) has no Entra
        # instance metadata to discover; azure-identity would fail looking for it.
        common["disable_instance_discovery"] = True
    if settings.kind == "secret":
        return identity.ClientSecretCredential(settings.tenant_id, settings.client_id, settings.client_secret,
                                               **common)
    if settings.kind == "certificate":
        kwargs = dict(common)
        if settings.certificate_password:
            kwargs["password"] = settings.certificate_password
        try:
            return identity.CertificateCredential(settings.tenant_id, settings.client_id,
                                                  certificate_path=settings.certificate_path, **kwargs)
        except (TypeError, ValueError) as exc:
            raise certificate_error(settings, exc)
    if settings.kind == "federated":
        return identity.WorkloadIdentityCredential(tenant_id=settings.tenant_id, client_id=settings.client_id,
                                                   token_file_path=settings.federated_token_file, **common)
    if settings.kind == "cli":
        kwargs = {}
        if settings.tenant_id:
            kwargs["tenant_id"] = settings.tenant_id
        return identity.AzureCliCredential(**kwargs)
    if settings.kind == "msi":
        if settings.client_id:
            return identity.ManagedIdentityCredential(client_id=settings.client_id)
        return identity.ManagedIdentityCredential()
    raise AuthError("no credential could be built (kind %r)" % settings.kind)


def _holds_encrypted_pem_key(path):
    """True when ``path`` is a PEM file with an encrypted private key (PKCS8 or the older Proc-Type form)."""
    try:
        with open(path, "rb") as handle:
            text = handle.read()
    except (OSError, TypeError):
        return False
    return b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in text or b"Proc-Type: 4,ENCRYPTED" in text


def certificate_error(settings, exc):
    """What a certificate that azure-identity (cryptography) cannot load means, naming the option to fix."""
    text = str(exc)
    lowered = text.lower()
    if "password was not given" in lowered:
        return AuthError("the private key in certificate_path '%s' is encrypted: give its password in "
                         "certificate_password (or AZURE_CLIENT_CERTIFICATE_PASSWORD)" % settings.certificate_path,
                         "certificate_password")
    if "password was given" in lowered:
        return AuthError("the private key in certificate_path '%s' is not encrypted: leave certificate_password "
                         "(AZURE_CLIENT_CERTIFICATE_PASSWORD) unset" % settings.certificate_path,
                         "certificate_password")
    if settings.certificate_password and ("decrypt" in lowered or "password" in lowered or "mac" in lowered
                                          or _holds_encrypted_pem_key(settings.certificate_path)):
        # a wrong password can also decrypt to bytes that are no key ("Could not deserialize key data")
        return AuthError("certificate_password does not open the private key in certificate_path '%s'; give the "
                         "password the key was exported with" % settings.certificate_path, "certificate_password")
    return AuthError("certificate_path '%s' could not be read as a certificate with its private key (%s); give a "
                     "PEM file holding both (or a PKCS12 file)" % (settings.certificate_path, text.splitlines()[0]
                                                                   if text else type(exc).__name__),
                     "certificate_path")


def cli_subscription_id(runner=None):
    """The Azure CLI's current subscription (``az account show``), or None."""
    import json
    import subprocess

    runner = runner or subprocess.check_output
    try:
        out = runner(["az", "account", "show", "--output", "json"], stderr=subprocess.DEVNULL)
        return json.loads(out).get("id")
    except Exception:  # noqa: BLE001 - any failure means "not known"
        return None


__all__ = ["AUTH_ARGSPEC", "AUTH_SOURCES", "AuthError", "AuthSettings", "CLOUD_NAMES", "ENV", "build_credential",
           "cli_subscription_id", "resolve", "resolve_cloud"]
