"""Entra ID token endpoints (OpenID configuration + client-credentials token) and token checks.

Tokens are compact JWTs signed with HMAC-SHA256 by a per-emulator key; ARM and Graph accept exactly
their own audience, as the services do."""
import base64
import hashlib
import hmac
import json
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
    if secret is None and req.headers.get("Authorization", "").lower().startswith("basic "):
        import base64 as _b

        user, _colon, secret = _b.b64decode(req.headers["Authorization"][6:]).decode().partition(":")
        client_id = client_id or user
    if client_id != req.emu.identity["admin_client_id"]:
        _oauth_error(400, "unauthorized_client",
                     f"AADSTS700016: Application with identifier '{client_id}' was not found in the directory "
                     f"'{req.emu.tenant_id}'. This can happen if the application has not been installed by the "
                     "administrator of the tenant or consented to by any user in the tenant.", [700016])
    if secret != req.emu.identity["admin_client_secret"]:
        _oauth_error(401, "invalid_client",
                     "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is "
                     "the client secret value, not the client secret ID, for a secret added to app "
                     f"'{client_id}'.", [7000215])
    scopes = form.get("scope", "").split()
    audience = None
    for scope in scopes:
        audience = SCOPE_AUDIENCES.get(scope)
        if audience:
            break
    if audience is None:
        _oauth_error(400, "invalid_scope",
                     f"AADSTS1002012: The provided value for scope {' '.join(scopes)} is not valid. Client credential "
                     "flows must have a scope value with /.default suffixed to the resource identifier "
                     "(application ID URI).", [1002012])
    access = issue(req.emu, audience, client_id, req.emu.identity["admin_object_id"])
    return 200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": access}
