"""The token endpoint (tests/emulator/README.md, "Signing in"): certificate credentials (private_key_jwt),
workload identity federation with the emulator's own issuer, and scopes resolved as Entra resolves them."""
import base64
import datetime
import hashlib
import json
import os
import time
import urllib.parse
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from tests.emulator.client import EmulatorProcess

from .helpers import ARM_SCOPE, GRAPH_SCOPE, call, raw

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
FEDERATION_AUDIENCE = "api://AzureADTokenExchange"


# -- helpers ----------------------------------------------------------------------------------------------------
def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def claims_of(token):
    return json.loads(unb64url(token.split(".")[1]))


def admin_key_and_cert(emulator):
    info = emulator.admin_certificate
    with open(info["path"], "rb") as f:
        data = f.read()
    return serialization.load_pem_private_key(data, info["password"].encode()), x509.load_pem_x509_certificate(data)


def other_key_and_cert():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "not-registered")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    return key, cert


def federation_key(emulator):
    """The emulator issuer's signing key, kept next to the admin certificate."""
    path = os.path.join(os.path.dirname(emulator.admin_certificate["path"]), "federation-issuer.key")
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


def sign_jwt(key, header, claims, alg="RS256"):
    header = dict(header, alg=alg, typ="JWT")
    signing_input = (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())).encode()
    if alg == "PS256":
        pad = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=hashes.SHA256.digest_size)
    else:
        pad = padding.PKCS1v15()
    return signing_input.decode() + "." + b64url(key.sign(signing_input, pad, hashes.SHA256()))


def token_endpoint(emulator):
    return f"{emulator.url}/{emulator.health['tenant_id']}/oauth2/v2.0/token"


def cert_assertion(emulator, key=None, cert=None, alg="RS256", **overrides):
    """A certificate client assertion as MSAL builds it; ``overrides`` replace claims (None removes one)."""
    if key is None:
        key, cert = admin_key_and_cert(emulator)
    client_id = emulator.health["env"]["AZURE_CLIENT_ID"]
    now = int(time.time())
    claims = {"aud": token_endpoint(emulator), "iss": client_id, "sub": client_id, "jti": str(uuid.uuid4()),
              "nbf": now, "iat": now, "exp": now + 600}
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    der = cert.public_bytes(serialization.Encoding.DER)
    if alg == "PS256":
        header = {"x5t#S256": b64url(hashlib.sha256(der).digest())}
    else:
        header = {"x5t": b64url(hashlib.sha1(der).digest())}  # noqa: S324 - x5t is SHA-1 by definition
    return sign_jwt(key, header, claims, alg)


def federated_assertion(emulator, key=None, **overrides):
    """A token of the emulator's issuer (or, with overrides, of another one) for the admin's federation."""
    key = key or federation_key(emulator)
    now = int(time.time())
    claims = {"iss": f"{emulator.url}/federation", "sub": "system:serviceaccount:exo-automation:exo-automation-admin",
              "aud": [FEDERATION_AUDIENCE], "iat": now, "nbf": now, "exp": now + 3600, "jti": str(uuid.uuid4())}
    claims.update(overrides)
    return sign_jwt(key, {}, claims)


def request_token(emulator, scope=ARM_SCOPE, assertion=None, secret=None, client_id=None, **extra):
    env = emulator.health["env"]
    form = {"grant_type": "client_credentials", "client_id": client_id or env["AZURE_CLIENT_ID"]}
    if scope is not None:
        form["scope"] = scope
    if assertion is not None:
        form.update({"client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion})
    if secret is not None:
        form["client_secret"] = secret
    form.update(extra)
    return raw(emulator, "POST", f"/{env['AZURE_TENANT']}/oauth2/v2.0/token", urllib.parse.urlencode(form).encode(),
               {"Content-Type": "application/x-www-form-urlencoded"})


def assert_error(answer, status, error, code):
    got_status, _headers, body = answer
    assert got_status == status, body
    assert body["error"] == error, body
    assert body["error_codes"] == [code], body
    assert body["error_description"].startswith(f"AADSTS{code}: "), body
    return body["error_description"]


def arm_and_graph_work(emulator, arm_token, graph_token):
    sub = emulator.health["subscription_id"]
    status, _h, body = call(emulator, "GET", f"/subscriptions/{sub}/resourcegroups?api-version=2025-04-01",
                            token=arm_token)
    assert status == 200, body
    status, _h, body = call(emulator, "GET", "/v1.0/servicePrincipals?$top=1", token=graph_token)
    assert status == 200, body


# -- health and Graph registration ------------------------------------------------------------------------------
def test_health_names_the_admin_certificate_and_federated_token_file(emulator):
    health = emulator.call("GET", "/_emulator/health")
    cert_info = health["admin_certificate"]
    assert set(cert_info) == {"path", "password", "thumbprint"}
    assert os.path.isabs(cert_info["path"]) and os.path.dirname(cert_info["path"]) == os.path.dirname(emulator.ca_file)
    key, cert = admin_key_and_cert(emulator)  # the key is encrypted with the password
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(open(cert_info["path"], "rb").read(), None)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    assert cert.subject == cert.issuer  # self-signed
    assert cert_info["thumbprint"] == cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303
    token_file = health["admin_federated_token_file"]
    assert os.path.dirname(token_file) == os.path.dirname(emulator.ca_file)
    claims = claims_of(open(token_file).read().strip())
    assert claims["iss"] == f"{emulator.url}/federation" and claims["aud"] == [FEDERATION_AUDIENCE]
    assert claims["exp"] > time.time() + 3600
    # env keeps exactly the secret-based credentials
    assert not {k for k in health["env"] if "CERTIFICATE" in k or "FEDERATED" in k}
    assert "AZURE_SECRET" in health["env"]


def test_admin_application_holds_the_certificate_and_the_federation(emulator):
    apps = emulator.state()["graph"]["applications"].values()
    app = next(a for a in apps if a["appId"] == emulator.env["AZURE_CLIENT_ID"])
    _key, cert = admin_key_and_cert(emulator)
    [key_cred] = [k for k in app["keyCredentials"] if k["type"] == "AsymmetricX509Cert"]
    assert key_cred["usage"] == "Verify"
    assert base64.b64decode(key_cred["key"]) == cert.public_bytes(serialization.Encoding.DER)
    assert key_cred["customKeyIdentifier"] == emulator.admin_certificate["thumbprint"]
    [fic] = app["federatedIdentityCredentials"]
    assert fic["issuer"] == f"{emulator.url}/federation"
    assert fic["subject"] == "system:serviceaccount:exo-automation:exo-automation-admin"
    assert fic["audiences"] == [FEDERATION_AUDIENCE]


def test_federation_issuer_serves_its_discovery_document_and_keys(emulator):
    status, _h, config = raw(emulator, "GET", "/federation/.well-known/openid-configuration")
    assert status == 200 and config["issuer"] == f"{emulator.url}/federation"
    assert config["jwks_uri"] == f"{emulator.url}/federation/keys"
    status, _h, jwks = raw(emulator, "GET", "/federation/keys")
    assert status == 200
    [jwk] = jwks["keys"]
    token = open(emulator.federated_token_file).read().strip()
    head, body, sig = token.split(".")
    assert json.loads(unb64url(head))["kid"] == jwk["kid"]
    public = rsa.RSAPublicNumbers(int.from_bytes(unb64url(jwk["e"]), "big"),
                                  int.from_bytes(unb64url(jwk["n"]), "big")).public_key()
    public.verify(unb64url(sig), f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())


# -- azure-identity, unchanged ----------------------------------------------------------------------------------
def test_certificate_credential_signs_in_and_calls_arm_and_graph(emulator_env, emulator):
    from azure.identity import CertificateCredential

    info = emulator.admin_certificate
    credential = CertificateCredential(emulator_env["AZURE_TENANT"], emulator_env["AZURE_CLIENT_ID"], info["path"],
                                       password=info["password"], authority=emulator.url,
                                       disable_instance_discovery=True)
    arm_token = credential.get_token(ARM_SCOPE).token
    graph_token = credential.get_token(GRAPH_SCOPE).token
    assert claims_of(arm_token)["appid"] == emulator_env["AZURE_CLIENT_ID"]
    arm_and_graph_work(emulator, arm_token, graph_token)
    # the Azure CLI's and azure.azcollection's scope for a custom cloud whose resource id is the emulator's URL
    arm_and_graph_work(emulator, credential.get_token(emulator.url + "/.default").token, graph_token)


def test_certificate_credential_with_sha1_thumbprint_rs256(emulator_env, emulator):
    """Older clients (and MSAL for AD FS) name the certificate by ``x5t`` and sign RS256."""
    status, _h, body = request_token(emulator, assertion=cert_assertion(emulator, alg="RS256"))
    assert status == 200, body
    status, _h, body = request_token(emulator, scope=GRAPH_SCOPE, assertion=cert_assertion(emulator, alg="PS256"))
    assert status == 200, body
    assert claims_of(body["access_token"])["aud"] == "https://graph.microsoft.com"


def test_workload_identity_credential_with_the_federated_token_file(emulator_env, emulator):
    from azure.identity import WorkloadIdentityCredential

    credential = WorkloadIdentityCredential(tenant_id=emulator_env["AZURE_TENANT"],
                                            client_id=emulator_env["AZURE_CLIENT_ID"],
                                            token_file_path=emulator.federated_token_file,
                                            authority=emulator.url, disable_instance_discovery=True)
    arm_and_graph_work(emulator, credential.get_token(ARM_SCOPE).token, credential.get_token(GRAPH_SCOPE).token)


def test_client_assertion_credential_with_the_federated_token(emulator_env, emulator):
    from azure.identity import ClientAssertionCredential

    def read_token():
        with open(emulator.federated_token_file) as f:
            return f.read().strip()

    credential = ClientAssertionCredential(emulator_env["AZURE_TENANT"], emulator_env["AZURE_CLIENT_ID"], read_token,
                                           authority=emulator.url, disable_instance_discovery=True)
    arm_and_graph_work(emulator, credential.get_token(ARM_SCOPE).token, credential.get_token(GRAPH_SCOPE).token)


def test_certificate_credential_with_an_unregistered_certificate_fails(emulator_env, emulator, tmp_path):
    from azure.core.exceptions import ClientAuthenticationError
    from azure.identity import CertificateCredential

    key, cert = other_key_and_cert()
    pem = tmp_path / "other.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()) + cert.public_bytes(serialization.Encoding.PEM))
    credential = CertificateCredential(emulator_env["AZURE_TENANT"], emulator_env["AZURE_CLIENT_ID"], str(pem),
                                       authority=emulator.url, disable_instance_discovery=True)
    with pytest.raises(ClientAuthenticationError) as caught:
        credential.get_token(ARM_SCOPE)
    assert "AADSTS700027" in str(caught.value)


# -- certificate assertions over raw HTTP -----------------------------------------------------------------------
def test_assertion_signed_by_an_unregistered_certificate_is_rejected(emulator):
    key, cert = other_key_and_cert()
    text = assert_error(request_token(emulator, assertion=cert_assertion(emulator, key, cert)),
                        401, "invalid_client", 700027)
    assert "Client assertion contains an invalid signature. [Reason - The key was not found." in text
    assert cert.fingerprint(hashes.SHA1()).hex().upper() in text  # noqa: S303 - the thumbprint the client used


def test_assertion_naming_the_admin_certificate_but_signed_by_another_key_is_rejected(emulator):
    _admin_key, admin_cert = admin_key_and_cert(emulator)
    other_key, _other_cert = other_key_and_cert()
    for alg in ("RS256", "PS256"):
        text = assert_error(request_token(emulator, assertion=cert_assertion(emulator, other_key, admin_cert, alg=alg)),
                            401, "invalid_client", 700027)
        assert "The provided signature value did not match the expected signature value." in text


def test_expired_assertion_is_rejected(emulator):
    now = int(time.time())
    text = assert_error(request_token(emulator, assertion=cert_assertion(emulator, nbf=now - 7200, exp=now - 3600)),
                        400, "invalid_client", 700024)
    assert "Client assertion is not within its valid time range." in text
    assert_error(request_token(emulator, assertion=cert_assertion(emulator, exp=None)), 400, "invalid_client", 700024)
    assert_error(request_token(emulator, assertion=cert_assertion(emulator, nbf=now + 3600, exp=now + 7200)),
                 400, "invalid_client", 700024)


def test_assertion_for_another_audience_is_rejected(emulator):
    for aud in ("https://login.microsoftonline.com/common/oauth2/v2.0/token",
                f"{emulator.url}/{uuid.uuid4()}/oauth2/v2.0/token"):
        text = assert_error(request_token(emulator, assertion=cert_assertion(emulator, aud=aud)),
                            401, "invalid_client", 700023)
        assert "Client assertion audience claim does not match Realm issuer." in text
    # the v1 endpoint and the tenant's domain name are the same realm
    tenant = emulator.health["tenant_id"]
    for aud in (f"{emulator.url}/{tenant}/oauth2/token", f"{emulator.url}/{emulator.health['organization']}/oauth2/v2.0/token"):
        status, _h, body = request_token(emulator, assertion=cert_assertion(emulator, aud=aud))
        assert status == 200, body


def test_assertion_whose_subject_is_another_application_is_rejected(emulator):
    other = str(uuid.uuid4())
    assert_error(request_token(emulator, assertion=cert_assertion(emulator, sub=other)), 401, "invalid_client", 700021)
    assert_error(request_token(emulator, assertion=cert_assertion(emulator, iss=other, sub=other)),
                 401, "invalid_client", 700021)


def test_malformed_or_missing_client_credentials(emulator):
    assert_error(request_token(emulator, assertion="not.a-jwt"), 400, "invalid_request", 50027)
    assert_error(request_token(emulator), 401, "invalid_client", 7000216)
    # an assertion without its type is no credential, as in Entra
    assert_error(request_token(emulator, client_assertion=cert_assertion(emulator)), 401, "invalid_client", 7000216)
    # the secret keeps working beside the new credentials
    assert request_token(emulator, secret=emulator.env["AZURE_SECRET"])[0] == 200


# -- federated assertions over raw HTTP -------------------------------------------------------------------------
def test_federated_token_with_a_wrong_subject_is_rejected(emulator):
    text = assert_error(request_token(emulator, assertion=federated_assertion(emulator, sub="system:serviceaccount:x:y")),
                        400, "invalid_client", 700213)
    assert "No matching federated identity record found for presented assertion subject 'system:serviceaccount:x:y'" in text


def test_federated_token_with_a_wrong_issuer_is_rejected(emulator):
    text = assert_error(request_token(emulator, assertion=federated_assertion(emulator, iss="https://token.example.com")),
                        400, "invalid_client", 700211)
    assert "No matching federated identity record found for presented assertion issuer 'https://token.example.com'" in text


def test_federated_token_with_a_wrong_audience_is_rejected(emulator):
    text = assert_error(request_token(emulator, assertion=federated_assertion(emulator, aud=["api://other"])),
                        400, "invalid_client", 700212)
    assert "No matching federated identity record found for presented assertion audience 'api://other'" in text


def test_federated_token_expired_or_signed_by_another_key_is_rejected(emulator):
    now = int(time.time())
    expired = federated_assertion(emulator, iat=now - 7200, nbf=now - 7200, exp=now - 3600)
    assert_error(request_token(emulator, assertion=expired), 400, "invalid_client", 700024)
    forged = federated_assertion(emulator, key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    assert_error(request_token(emulator, assertion=forged), 401, "invalid_client", 700027)


def test_federated_token_of_an_application_without_federation(emulator):
    """A tenant whose admin application has no federated identity credential answers AADSTS70021."""
    state = emulator.state()
    app = next(a for a in state["graph"]["applications"].values() if a["appId"] == emulator.env["AZURE_CLIENT_ID"])
    emulator.call("DELETE", f"/_emulator/graph/applications/{app['id']}")
    app["federatedIdentityCredentials"] = []
    emulator.call("POST", "/_emulator/graph/applications", app)
    text = assert_error(request_token(emulator, assertion=federated_assertion(emulator)), 400, "invalid_request", 70021)
    assert f"Assertion Issuer: '{emulator.url}/federation'." in text
    # the certificate stays registered
    assert request_token(emulator, assertion=cert_assertion(emulator))[0] == 200


# -- scopes -----------------------------------------------------------------------------------------------------
def test_double_slash_graph_scope_is_graph(emulator):
    """``az ad`` and ``az rest --resource https://graph.microsoft.com/`` ask for ``https://graph.microsoft.com//.default``."""
    status, _h, body = request_token(emulator, scope="https://graph.microsoft.com//.default",
                                     secret=emulator.env["AZURE_SECRET"])
    assert status == 200, body
    assert call(emulator, "GET", "/v1.0/servicePrincipals?$top=1", token=body["access_token"])[0] == 200


def test_emulator_url_scope_gives_an_arm_token(emulator):
    sub = emulator.health["subscription_id"]
    for scope, aud in ((emulator.url + "/.default", emulator.url), (emulator.url + "//.default", emulator.url + "/")):
        status, _h, body = request_token(emulator, scope=scope, secret=emulator.env["AZURE_SECRET"])
        assert status == 200, body
        assert claims_of(body["access_token"])["aud"] == aud
        assert call(emulator, "GET", f"/subscriptions/{sub}/resourcegroups?api-version=2025-04-01",
                    token=body["access_token"])[0] == 200
        status, _h, err = call(emulator, "GET", "/v1.0/servicePrincipals", token=body["access_token"])
        assert status == 401 and err["error"]["code"] == "InvalidAuthenticationToken"


def test_known_resources_resolve_like_entra(emulator):
    secret = emulator.env["AZURE_SECRET"]
    expected = {
        "https://management.core.windows.net//.default": "https://management.core.windows.net/",
        "https://management.core.windows.net/.default": "https://management.core.windows.net/",
        "https://management.azure.com/.default": "https://management.azure.com/",
        "https://MANAGEMENT.azure.com//.default": "https://management.azure.com/",
        "797f4846-ba00-4fd7-ba43-dac1f8f63013/.default": "https://management.core.windows.net/",
        "00000003-0000-0000-c000-000000000000/.default": "https://graph.microsoft.com",
        "https://graph.microsoft.com/.default": "https://graph.microsoft.com",
        # a first-party service principal of the tenant, by identifier URI
        "https://outlook.office365.com/.default": "https://outlook.office365.com",
    }
    for scope, aud in expected.items():
        status, _h, body = request_token(emulator, scope=scope, secret=secret)
        assert status == 200, (scope, body)
        assert claims_of(body["access_token"])["aud"] == aud, scope
    # OpenID scopes beside the resource are ignored
    assert request_token(emulator, scope="https://graph.microsoft.com/.default offline_access openid",
                         secret=secret)[0] == 200


def test_unknown_resource_and_scopes_without_default(emulator):
    secret = emulator.env["AZURE_SECRET"]
    text = assert_error(request_token(emulator, scope="https://vault.example.net/.default", secret=secret),
                        400, "invalid_resource", 500011)
    assert text.startswith("AADSTS500011: The resource principal named https://vault.example.net was not found in the "
                           f"tenant named {emulator.health['tenant_id']}.")
    text = assert_error(request_token(emulator, scope="https://graph.microsoft.com/User.Read.All", secret=secret),
                        400, "invalid_scope", 1002012)
    assert "Client credential flows must have a scope value with /.default suffixed" in text
    assert_error(request_token(emulator, scope=None, secret=secret), 400, "invalid_request", 900144)
    assert_error(request_token(emulator, scope=f"{GRAPH_SCOPE} {ARM_SCOPE}", secret=secret), 400, "invalid_scope", 28000)


def test_a_tenant_without_the_exchange_service_principal_has_no_exchange_resource(emulator):
    emulator.reset(exchange_online_sp=False)
    assert_error(request_token(emulator, scope="https://outlook.office365.com/.default",
                               secret=emulator.env["AZURE_SECRET"]), 400, "invalid_resource", 500011)


# -- persistence ------------------------------------------------------------------------------------------------
def test_certificate_is_reused_and_federation_follows_the_port_across_restarts(tmp_path):
    state_file = str(tmp_path / "state.json")
    with EmulatorProcess(state_file=state_file) as first:
        cert_before = first.admin_certificate
        pem_before = open(cert_before["path"], "rb").read()
    with EmulatorProcess(state_file=state_file) as second:
        assert second.admin_certificate == cert_before
        assert open(cert_before["path"], "rb").read() == pem_before
        status, _h, body = request_token(second, assertion=cert_assertion(second))
        assert status == 200, body
        token = open(second.federated_token_file).read().strip()
        assert claims_of(token)["iss"] == f"{second.url}/federation"
        status, _h, body = request_token(second, assertion=token)
        assert status == 200, body
