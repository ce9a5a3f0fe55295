"""Entra ID token endpoints (OpenID configuration + client-credentials token) and token checks.

Tokens are compact JWTs signed with HMAC-SHA256 by a per-emulator key; ARM and Graph accept exactly
their own audiences, as the services do.

The seeded admin signs in as an Entra application does, with any of its credentials:

- its client secret (``client_secret`` in the body, or HTTP basic);
- a certificate (``private_key_jwt``): ``client_assertion`` is a JWT signed RS256/PS256 by the private key of a
  certificate in the admin application's ``keyCredentials``, named by ``x5t`` / ``x5t#S256``;
- workload identity federation: ``client_assertion`` is a token of an external OIDC issuer that matches one of
  the application's ``federatedIdentityCredentials`` (issuer, subject, audience). The emulator is such an
  issuer itself (``<url>/federation``, keys served as JWKS) and writes a token for the admin to a file.

Scopes are resolved as Entra resolves them: ``<resource>/.default``, where the resource is an identifier URI
(trailing slashes aside) or an application id of a service principal in the tenant."""
import base64
import hashlib
import hmac
import json
import os
import time

from .core import ApiError, new_guid, route

SCOPE_AUDIENCES = {
    "https://management.azure.com/.default": "https://management.azure.com/",
    "https://management.azure.com//.default": "https://management.azure.com/",
    "https://management.core.windows.net/.default": "https://management.core.windows.net/",
    "https://management.core.windows.net//.default": "https://management.core.windows.net/",
    "https://graph.microsoft.com/.default": "https://graph.microsoft.com",
    "00000003-0000-0000-c000-000000000000/.default": "https://graph.microsoft.com",
}
LIFETIME_S = 3599


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(emu, audience, client_id, object_id, lifetime_s=LIFETIME_S):
    now = int(time.time())
    header = {"typ": "JWT", "alg": "HS256", "kid": "emulator"}
    claims = {
        "aud": audience, "iss": f"https://sts.windows.net/{emu.tenant_id}/", "iat": now, "nbf": now,
        "exp": now + lifetime_s, "appid": client_id, "azp": client_id, "oid": object_id, "sub": object_id,
        "tid": emu.tenant_id, "idtyp": "app", "ver": "1.0", "uti": new_guid(),
    }
    signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
    sig = hmac.new(emu.identity["token_key"].encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64(sig)


def decode(emu, token):
    """The claims of a token this emulator issued, or None."""
    try:
        head, body, sig = token.split(".")
        expected = hmac.new(emu.identity["token_key"].encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(sig)):
            return None
        return json.loads(_unb64(body))
    except (ValueError, TypeError):
        return None


def _oauth_error(status, error, description, codes):
    trace, corr = new_guid(), new_guid()
    raise ApiError(status, {
        "error": error,
        "error_description": f"{description}\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\nTimestamp: {time.strftime('%Y-%m-%d %H:%M:%SZ', time.gmtime())}",
        "error_codes": codes, "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
        "trace_id": trace, "correlation_id": corr,
    })


def _check_tenant(req):
    tenant = req.params["tenant"]
    if tenant.lower() not in (req.emu.tenant_id.lower(), req.emu.organization.lower(), "organizations", "common"):
        _oauth_error(400, "invalid_tenant",
                     f"AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID "
                     "and are signing into the correct cloud.", [90002])


@route("token", "GET", r"/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration")
def openid_configuration(req):
    _check_tenant(req)
    base = f"{req.base_url}/{req.params['tenant']}"
    tid = req.emu.tenant_id
    return 200, {
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": f"{req.base_url}/{tid}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{req.base_url}/{tid}/v2.0",
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": f"{req.base_url}/oidc/userinfo",
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "tid", "oid"],
        "kerberos_endpoint": f"{base}/kerberos",
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    }


@route("token", "POST", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/token")
def token(req):
    from urllib.parse import parse_qsl

    _check_tenant(req)
    form = dict(parse_qsl(req.raw_body.decode("utf-8"), keep_blank_values=True))
    if form.get("grant_type") != "client_credentials":
        _oauth_error(400, "unsupported_grant_type",
                     "AADSTS70003: The app requested an unsupported grant type. Only client_credentials is served here.",
                     [70003])
    client_id = form.get("client_id", "")
    secret = form.get("client_secret")
    assertion = form.get("client_assertion")
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        assertion = None
    if secret is None and req.headers.get("Authorization", "").lower().startswith("basic "):
        user, _colon, secret = base64.b64decode(req.headers["Authorization"][6:]).decode().partition(":")
        client_id = client_id or user
    if not client_id and assertion:
        client_id = _peek_issuer(assertion)
    if client_id != req.emu.identity["admin_client_id"]:
        _oauth_error(400, "unauthorized_client",
                     f"AADSTS700016: Application with identifier '{client_id}' was not found in the directory "
                     f"'{req.emu.tenant_id}'. This can happen if the application has not been installed by the "
                     "administrator of the tenant or consented to by any user in the tenant.", [700016])
    if assertion:
        check_client_assertion(req, client_id, assertion)
    elif secret is None:
        _oauth_error(401, "invalid_client",
                     "AADSTS7000216: 'client_assertion', 'client_secret' or 'request' is required for the "
                     "'client_credentials' grant type.", [7000216])
    elif secret != req.emu.identity["admin_client_secret"]:
        _oauth_error(401, "invalid_client",
                     "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is "
                     "the client secret value, not the client secret ID, for a secret added to app "
                     f"'{client_id}'.", [7000215])
    audience = resolve_scope(req.emu, form.get("scope"))
    access = issue(req.emu, audience, client_id, req.emu.identity["admin_object_id"])
    return 200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": access}


# ---------------------------------------------------------------------------------------------------------------
# Scopes
# ---------------------------------------------------------------------------------------------------------------
OIDC_SCOPES = ("openid", "profile", "offline_access", "email")
ARM_RESOURCES = ("https://management.azure.com", "https://management.core.windows.net")
ARM_APP_ID = "797f4846-ba00-4fd7-ba43-dac1f8f63013"  # Windows Azure Service Management API
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
GRAPH_RESOURCES = ("https://graph.microsoft.com", GRAPH_APP_ID)


def _resource_key(resource):
    return resource.rstrip("/").lower()


def resource_audience(emu, resource):
    """The ``aud`` of a token for ``resource`` (a ``.default`` scope without its suffix), or None when the
    tenant has no such resource. Identifier URIs match without regard to case or trailing slashes."""
    key = _resource_key(resource)
    if not key:
        return None
    if key in ARM_RESOURCES:
        return key + "/"
    if key == ARM_APP_ID:
        return "https://management.core.windows.net/"
    if emu.base_url and key == emu.base_url.lower():
        # the emulator is the resource manager of a custom cloud whose resource id is its own URL
        return emu.base_url + ("/" if resource.endswith("/") else "")
    if key in GRAPH_RESOURCES:
        return "https://graph.microsoft.com"
    with emu.lock:
        for sp in emu.graph("servicePrincipals").values():
            names = [sp.get("appId") or ""] + list(sp.get("servicePrincipalNames") or [])
            if any(_resource_key(n) == key for n in names if n):
                return resource.rstrip("/") if "://" in resource else sp.get("appId")
    return None


def resolve_scope(emu, scope_param):
    """The audience of the token a client-credentials request for ``scope_param`` gets, or Entra's error."""
    if scope_param is None or not scope_param.strip():
        _oauth_error(400, "invalid_request",
                     "AADSTS900144: The request body must contain the following parameter: 'scope'.", [900144])
    scopes = scope_param.split()
    wanted = [s for s in scopes if s.lower() not in OIDC_SCOPES]
    audiences = []
    for scope in wanted:
        audience = SCOPE_AUDIENCES.get(scope)
        if audience is None:
            if not scope.lower().endswith("/.default"):
                _oauth_error(400, "invalid_scope",
                             f"AADSTS1002012: The provided value for scope {' '.join(scopes)} is not valid. Client "
                             "credential flows must have a scope value with /.default suffixed to the resource "
                             "identifier (application ID URI).", [1002012])
            resource = scope[:-len("/.default")]
            audience = resource_audience(emu, resource)
            if audience is None:
                _oauth_error(400, "invalid_resource",
                             f"AADSTS500011: The resource principal named {resource} was not found in the tenant "
                             f"named {emu.tenant_id}. This can happen if the application has not been installed by "
                             "the administrator of the tenant or consented to by any user in the tenant. You might "
                             "have sent your authentication request to the wrong tenant.", [500011])
        if audience not in audiences:
            audiences.append(audience)
    if not audiences:
        _oauth_error(400, "invalid_scope",
                     f"AADSTS1002012: The provided value for scope {' '.join(scopes)} is not valid. Client credential "
                     "flows must have a scope value with /.default suffixed to the resource identifier "
                     "(application ID URI).", [1002012])
    if len(audiences) > 1:
        _oauth_error(400, "invalid_scope",
                     "AADSTS28000: Provided value for the input parameter scope is not valid because it contains "
                     f"more than one resource. Scope {' '.join(scopes)} is not valid.", [28000])
    return audiences[0]


# ---------------------------------------------------------------------------------------------------------------
# Client assertions: certificates (private_key_jwt) and workload identity federation
# ---------------------------------------------------------------------------------------------------------------
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
FEDERATION_AUDIENCE = "api://AzureADTokenExchange"
FEDERATED_SUBJECT = "system:serviceaccount:exo-automation:exo-automation-admin"
FEDERATION_FIC_NAME = "emulator-workload-identity"
ADMIN_KEY_DISPLAY_NAME = "CN=exo-automation-admin"
FEDERATED_TOKEN_LIFETIME_S = 24 * 3600
FEDERATED_TOKEN_REFRESH_S = 3600  # rewrite the token file when less than this is left
CLOCK_SKEW_S = 300
CERT_DOCS = "Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials ."
WIF_DOCS = "https://learn.microsoft.com/entra/workload-id/workload-identity-federation"


def _iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + ".0000000Z"


def _peek_issuer(assertion):
    try:
        return json.loads(_unb64(assertion.split(".")[1])).get("iss") or ""
    except (ValueError, TypeError, IndexError, AttributeError):
        return ""


def _parse_jwt(assertion):
    try:
        head, body, sig = assertion.split(".")
        header, claims = json.loads(_unb64(head)), json.loads(_unb64(body))
        signature = _unb64(sig)
    except (ValueError, TypeError):
        header = claims = None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        _oauth_error(400, "invalid_request", "AADSTS50027: JWT token is invalid or malformed.", [50027])
    return header, claims, f"{head}.{body}".encode("ascii"), signature


def _verify_rsa(public_key, alg, signing_input, signature):
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    if alg == "RS256":
        pad = padding.PKCS1v15()
    elif alg == "PS256":
        pad = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=hashes.SHA256.digest_size)
    else:
        return False
    try:
        public_key.verify(signature, signing_input, pad, hashes.SHA256())
    except (InvalidSignature, ValueError, TypeError):
        if alg == "PS256":  # PSS signers may use the maximum salt length
            try:
                public_key.verify(signature, signing_input,
                                  padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO),
                                  hashes.SHA256())
                return True
            except (InvalidSignature, ValueError, TypeError):
                return False
        return False
    return True


def _check_time(claims, now):
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if not isinstance(exp, (int, float)) or now > exp + CLOCK_SKEW_S or (
            isinstance(nbf, (int, float)) and nbf > now + CLOCK_SKEW_S):
        valid_from = nbf if isinstance(nbf, (int, float)) else 0
        expiry = exp if isinstance(exp, (int, float)) else 0
        _oauth_error(400, "invalid_client",
                     f"AADSTS700024: Client assertion is not within its valid time range. Current time: {_iso(now)}, "
                     f"assertion valid from {_iso(valid_from)}, expiry time of assertion {_iso(expiry)}. "
                     f"{CERT_DOCS}", [700024])


def _token_endpoint_audiences(req):
    base = req.base_url.lower()
    tenants = {req.params["tenant"].lower(), req.emu.tenant_id.lower(), req.emu.organization.lower()}
    accepted = {f"{base}/{req.emu.tenant_id.lower()}/v2.0"}
    for tenant in tenants:
        accepted.update({f"{base}/{tenant}/oauth2/v2.0/token", f"{base}/{tenant}/oauth2/token"})
    return accepted


def application_keys(emu, client_id):
    """``[(sha1 hex upper, sha256 hex upper, public key)]`` of the certificates in the application's
    ``keyCredentials`` (type AsymmetricX509Cert, usage Verify)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    keys = []
    with emu.lock:
        apps = [a for a in emu.graph("applications").values() if a.get("appId") == client_id]
        creds = [dict(k) for a in apps for k in a.get("keyCredentials") or []]
    for cred in creds:
        if cred.get("type") != "AsymmetricX509Cert" or cred.get("usage") != "Verify" or not cred.get("key"):
            continue
        try:
            cert = x509.load_der_x509_certificate(base64.b64decode(cred["key"]))
        except (ValueError, TypeError):
            continue
        keys.append((cert.fingerprint(hashes.SHA1()).hex().upper(),  # noqa: S303 - x5t is SHA-1 by definition
                     cert.fingerprint(hashes.SHA256()).hex().upper(), cert.public_key()))
    return keys


def check_client_assertion(req, client_id, assertion):
    """Accept a certificate assertion or a federated token for ``client_id``, or raise Entra's error."""
    header, claims, signing_input, signature = _parse_jwt(assertion)
    is_certificate = "x5t" in header or "x5t#S256" in header or claims.get("iss") == client_id
    if is_certificate:
        _check_certificate_assertion(req, client_id, header, claims, signing_input, signature)
    else:
        _check_federated_assertion(req, client_id, header, claims, signing_input, signature)


def _check_certificate_assertion(req, client_id, header, claims, signing_input, signature):
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        _oauth_error(401, "invalid_client",
                     "AADSTS700021: Client assertion application identifier doesn't match 'client_id' parameter. "
                     f"{CERT_DOCS}", [700021])
    sha1 = sha256 = None
    try:
        if header.get("x5t#S256"):
            sha256 = _unb64(header["x5t#S256"]).hex().upper()
        if header.get("x5t"):
            sha1 = _unb64(header["x5t"]).hex().upper()
    except (ValueError, TypeError):
        _oauth_error(400, "invalid_request", "AADSTS50027: JWT token is invalid or malformed.", [50027])
    shown = sha1 or sha256 or ""
    key = next((k for s1, s256, k in application_keys(req.emu, client_id)
                if (sha256 and s256 == sha256) or (sha1 and s1 == sha1)), None)
    graph_hint = ("Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for "
                  f"app Id '{client_id}'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments "
                  "to determine the corresponding service endpoint and "
                  "https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build "
                  f"a query request URL, such as 'https://graph.microsoft.com/beta/applications/{client_id}'")
    if key is None:
        _oauth_error(401, "invalid_client",
                     "AADSTS700027: Client assertion contains an invalid signature. [Reason - The key was not found., "
                     f"Thumbprint of key used by client: '{shown}', {graph_hint}]", [700027])
    if not _verify_rsa(key, header.get("alg"), signing_input, signature):
        _oauth_error(401, "invalid_client",
                     "AADSTS700027: Client assertion contains an invalid signature. [Reason - The provided signature "
                     f"value did not match the expected signature value., Thumbprint of key used by client: '{shown}', "
                     f"{graph_hint}]", [700027])
    aud = claims.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    accepted = _token_endpoint_audiences(req)
    if not any(isinstance(a, str) and a.lower() in accepted for a in auds):
        _oauth_error(401, "invalid_client",
                     f"AADSTS700023: Client assertion audience claim does not match Realm issuer. {CERT_DOCS}", [700023])
    _check_time(claims, time.time())


def _check_federated_assertion(req, client_id, header, claims, signing_input, signature):
    from . import graph

    emu = req.emu
    issuer, subject = claims.get("iss"), claims.get("sub")
    aud = claims.get("aud")
    auds = [a for a in (aud if isinstance(aud, list) else [aud]) if isinstance(a, str)]
    with emu.lock:
        app = graph.admin_application(emu) if client_id == emu.identity["admin_client_id"] else None
        fics = [dict(f) for f in (app or {}).get("federatedIdentityCredentials") or []]
    if not fics:
        _oauth_error(400, "invalid_request",
                     "AADSTS70021: No matching federated identity record found for presented assertion. Assertion "
                     f"Issuer: '{issuer}'. Assertion Subject: '{subject}'. Assertion Audience: '{', '.join(auds)}'. "
                     f"{WIF_DOCS}", [70021])
    check = "Please check your federated identity credential Subject, Audience and Issuer against the presented assertion."
    by_issuer = [f for f in fics if f.get("issuer") == issuer]
    if not by_issuer:
        _oauth_error(400, "invalid_client",
                     f"AADSTS700211: No matching federated identity record found for presented assertion issuer "
                     f"'{issuer}'. Please note that the matching is done using a case-sensitive comparison. {check} "
                     f"{WIF_DOCS}", [700211])
    by_subject = [f for f in by_issuer if f.get("subject") == subject]
    if not by_subject:
        _oauth_error(400, "invalid_client",
                     f"AADSTS700213: No matching federated identity record found for presented assertion subject "
                     f"'{subject}'. Please note that the matching is done using a case-sensitive comparison. {check} "
                     f"{WIF_DOCS}", [700213])
    if not any(a in (f.get("audiences") or []) for f in by_subject for a in auds):
        _oauth_error(400, "invalid_client",
                     f"AADSTS700212: No matching federated identity record found for presented assertion audience "
                     f"'{', '.join(auds)}'. Please note that the matching is done using a case-sensitive comparison. "
                     f"{check} {WIF_DOCS}", [700212])
    own_issuer = federation_issuer(emu)
    if issuer != own_issuer or emu.federation_key is None:
        # Entra reads the issuer's OpenID configuration and keys; the emulator reaches no other issuer
        _oauth_error(400, "invalid_request",
                     f"AADSTS50166: Request to External OIDC endpoint failed. The issuer '{issuer}' is not reachable "
                     "from the emulator; only its own issuer's tokens can be verified.", [50166])
    if header.get("kid") not in (None, federation_kid(emu)) or not _verify_rsa(
            emu.federation_key.public_key(), header.get("alg"), signing_input, signature):
        _oauth_error(401, "invalid_client",
                     "AADSTS700027: Client assertion contains an invalid signature. [Reason - The provided signature "
                     f"value did not match the expected signature value. The key was not found in the keys of issuer "
                     f"'{issuer}'.]", [700027])
    _check_time(claims, time.time())


# ---------------------------------------------------------------------------------------------------------------
# The emulator as a workload identity issuer, and the admin's sign-in material
# ---------------------------------------------------------------------------------------------------------------
def federation_issuer(emu):
    return f"{emu.base_url}/federation" if emu.base_url else None


def _int_b64(n):
    return _b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def federation_kid(emu):
    from cryptography.hazmat.primitives import serialization

    der = emu.federation_key.public_key().public_bytes(serialization.Encoding.DER,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo)
    return _b64(hashlib.sha256(der).digest())[:43]


def federated_token(emu, subject=FEDERATED_SUBJECT, audience=FEDERATION_AUDIENCE, lifetime_s=FEDERATED_TOKEN_LIFETIME_S,
                    issuer=None, now=None):
    """A token of the emulator's workload identity issuer (RS256, like a Kubernetes service account token)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    now = int(time.time() if now is None else now)
    header = {"alg": "RS256", "kid": federation_kid(emu), "typ": "JWT"}
    claims = {"aud": [audience], "iss": issuer or federation_issuer(emu), "sub": subject, "iat": now, "nbf": now,
              "exp": now + lifetime_s, "jti": new_guid()}
    signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
    sig = emu.federation_key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + _b64(sig)


def refresh_federated_token_file(emu, force=False):
    """(Re)write the admin's federated token file when it is missing or close to expiry, as a projected service
    account token is refreshed."""
    path = emu.federated_token_file
    if not path or emu.federation_key is None or not emu.base_url:
        return
    with emu.lock:  # one writer at a time: health answers run in parallel threads
        _refresh_federated_token_file(emu, path, force)


def _refresh_federated_token_file(emu, path, force):
    if not force and os.path.exists(path):
        with open(path, encoding="ascii") as f:
            current = f.read().strip()
        try:
            claims = json.loads(_unb64(current.split(".")[1]))
            if claims.get("iss") == federation_issuer(emu) and claims.get("exp", 0) - time.time() > FEDERATED_TOKEN_REFRESH_S:
                return
        except (ValueError, TypeError, IndexError):
            pass
    from .tls import _write_private

    _write_private(path, federated_token(emu).encode("ascii"))


def setup_admin_credentials(emu, directory):
    """Give the seeded admin a certificate and a workload identity federation, kept in ``directory`` (the CA's):
    reuses what the directory already holds. Call once the server is bound (the issuer URL carries the port)."""
    from . import graph, tls

    emu.admin_certificate = tls.ensure_admin_certificate(directory)
    emu.federation_key = tls.ensure_federation_key(directory)
    emu.federated_token_file = os.path.join(os.path.abspath(directory), tls.FEDERATED_TOKEN_FILE)
    refresh_federated_token_file(emu, force=True)
    with emu.lock:
        graph.sync_admin_credentials(emu)
    emu.save()


def health_credentials(emu):
    """The health keys that describe the admin's certificate and federated token file."""
    cert = emu.admin_certificate
    refresh_federated_token_file(emu)
    return {
        "admin_certificate": {"path": cert["path"], "password": cert["password"], "thumbprint": cert["thumbprint"]}
        if cert else None,
        "admin_federated_token_file": emu.federated_token_file,
    }


@route("token", "GET", r"/federation/\.well-known/openid-configuration")
def federation_openid_configuration(req):
    issuer = federation_issuer(req.emu)
    return 200, {
        "issuer": issuer, "jwks_uri": f"{issuer}/keys", "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
    }


@route("token", "GET", r"/federation/keys")
def federation_keys(req):
    emu = req.emu
    if emu.federation_key is None:
        return 200, {"keys": []}
    numbers = emu.federation_key.public_key().public_numbers()
    return 200, {"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": federation_kid(emu),
                           "n": _int_b64(numbers.n), "e": _int_b64(numbers.e)}]}
