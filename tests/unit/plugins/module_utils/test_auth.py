# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Auth resolution: order of sources, environment names (AWX and azure-identity), profiles, conflicts."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.module_utils import auth
from ansible_collections.m365.exo_automation.plugins.module_utils.auth import AuthError, resolve
from ansible_collections.m365.exo_automation.tests.unit.fake_http import ScriptedTransport, response

SUB = "11111111-1111-1111-1111-111111111111"
TENANT = "22222222-2222-2222-2222-222222222222"
CLIENT = "33333333-3333-3333-3333-333333333333"
OTHER = "44444444-4444-4444-4444-444444444444"

AWX_ENV = {
    "AZURE_SUBSCRIPTION_ID": SUB,
    "AZURE_CLIENT_ID": CLIENT,
    "AZURE_SECRET": "awx-secret",
    "AZURE_TENANT": TENANT,
}


def no_az(_name):
    return None


def with_az(name):
    return "/usr/bin/az" if name == "az" else None


@pytest.fixture
def credentials(tmp_path):
    path = tmp_path / "credentials"
    path.write_text(
        "[default]\n"
        "subscription_id=%s\nclient_id=%s\nsecret=profile-secret\ntenant=%s\n\n"
        "[prod]\n"
        "subscription_id=%s\nclient_id=%s\nsecret=prod-secret\ntenant=%s\ncloud_environment=AzureUSGovernment\n\n"
        "[partial]\nsubscription_id=%s\n" % (SUB, CLIENT, TENANT, OTHER, OTHER, OTHER, OTHER))
    return str(path)


def res(params=None, env=None, which=no_az, path="/nonexistent/credentials"):
    return resolve(dict(params or {}), environ=dict(env or {}), which=which, credentials_path=path)


def test_awx_environment():
    s = res(env=AWX_ENV)
    assert (s.kind, s.source) == ("secret", "env")
    assert (s.subscription_id, s.tenant_id, s.client_id, s.client_secret) == (SUB, TENANT, CLIENT, "awx-secret")
    assert s.cloud.name == "AzureCloud"
    assert s.secrets == ["awx-secret"]


def test_azure_identity_environment_names():
    s = res(env={"AZURE_CLIENT_ID": CLIENT, "AZURE_CLIENT_SECRET": "sdk-secret", "AZURE_TENANT_ID": TENANT})
    assert (s.kind, s.client_secret, s.tenant_id) == ("secret", "sdk-secret", TENANT)


def test_awx_names_win_over_azure_identity_names():
    env = dict(AWX_ENV, AZURE_CLIENT_SECRET="sdk-secret", AZURE_TENANT_ID=OTHER)
    s = res(env=env)
    assert (s.client_secret, s.tenant_id) == ("awx-secret", TENANT)


def test_options_win_over_environment_and_are_not_mixed_with_it():
    s = res({"client_id": OTHER, "client_secret": "opt-secret", "tenant_id": OTHER}, env=AWX_ENV)
    assert (s.source, s.client_id, s.client_secret, s.tenant_id) == ("options", OTHER, "opt-secret", OTHER)
    # settings that are not credential material still come from the environment
    assert s.subscription_id == SUB


def test_client_id_option_without_material():
    with pytest.raises(AuthError) as err:
        res({"client_id": OTHER}, env=AWX_ENV)
    assert err.value.option == "client_id" and "auth_source=msi" in str(err.value)


def test_secret_option_without_client_id_does_not_borrow_the_environment_client():
    with pytest.raises(AuthError) as err:
        res({"client_secret": "opt-secret"}, env=AWX_ENV)
    assert err.value.option == "client_id"


def test_environment_wins_over_default_profile(credentials):
    s = res(env=dict(AWX_ENV, AZURE_SECRET="env-secret"), path=credentials)
    assert (s.source, s.client_secret) == ("env", "env-secret")


def test_default_profile_when_nothing_else(credentials):
    s = res(path=credentials)
    assert (s.source, s.client_secret, s.subscription_id) == ("credential_file", "profile-secret", SUB)


def test_named_profile_is_the_only_credential_source(credentials):
    s = res({"profile": "prod"}, env=AWX_ENV, path=credentials)
    assert (s.source, s.client_id, s.client_secret) == ("credential_file", OTHER, "prod-secret")
    # the profile's settings beat the environment's
    assert (s.subscription_id, s.tenant_id, s.cloud.name) == (OTHER, OTHER, "AzureUSGovernment")


def test_profile_from_environment(credentials):
    s = res(env={"AZURE_PROFILE": "prod"}, path=credentials)
    assert s.profile == "prod" and s.client_secret == "prod-secret"


def test_missing_profile(credentials):
    with pytest.raises(AuthError) as err:
        res({"profile": "nope"}, path=credentials)
    assert err.value.option == "profile" and "not found" in str(err.value)


def test_incomplete_profile(credentials):
    with pytest.raises(AuthError) as err:
        res({"auth_source": "credential_file", "profile": "partial"}, path=credentials)
    assert "holds no complete credential" in str(err.value)


def test_config_dir_moves_the_credentials_file(tmp_path):
    (tmp_path / "credentials").write_text("[default]\nclient_id=%s\nsecret=s\ntenant=%s\n" % (CLIENT, TENANT))
    s = resolve({}, environ={"AZURE_CONFIG_DIR": str(tmp_path)}, which=no_az)
    assert s.source == "credential_file"


def test_cli_fallback_only_when_az_is_installed():
    s = res(which=with_az)
    assert (s.kind, s.source) == ("cli", "cli")
    with pytest.raises(AuthError) as err:
        res()
    for hint in ("AZURE_CLIENT_ID", "AZURE_SECRET", "auth_source=msi", "Azure CLI"):
        assert hint in str(err.value)


def test_auth_source_env_ignores_profile(credentials):
    with pytest.raises(AuthError):
        res({"auth_source": "env"}, path=credentials)
    s = res({"auth_source": "env"}, env=AWX_ENV, path=credentials)
    assert s.source == "env"


def test_auth_source_credential_file_ignores_environment_credential(credentials):
    s = res({"auth_source": "credential_file"}, env=dict(AWX_ENV, AZURE_SECRET="env-secret"), path=credentials)
    assert s.client_secret == "profile-secret"


def test_auth_source_from_ansible_environment_variable_is_declared():
    assert auth.AUTH_ARGSPEC["auth_source"]["fallback"][1] == ["ANSIBLE_AZURE_AUTH_SOURCE"]


def test_msi_with_user_assigned_client_id():
    s = res({"auth_source": "msi", "client_id": CLIENT, "subscription_id": SUB}, env=AWX_ENV)
    assert (s.kind, s.client_id, s.client_secret) == ("msi", CLIENT, None)


def test_cli_ignores_environment_credential():
    s = res({"auth_source": "cli"}, env=AWX_ENV)
    assert s.kind == "cli" and s.client_secret is None and s.subscription_id == SUB


def test_certificate(tmp_path):
    cert = tmp_path / "sp.pem"
    cert.write_text("x")
    s = res({"client_id": CLIENT, "tenant_id": TENANT, "certificate_path": str(cert), "certificate_password": "pw"})
    assert (s.kind, s.certificate_path, s.certificate_password) == ("certificate", str(cert), "pw")
    assert s.secrets == ["pw"]
    s = res(env={"AZURE_CLIENT_ID": CLIENT, "AZURE_TENANT_ID": TENANT, "AZURE_CLIENT_CERTIFICATE_PATH": str(cert)})
    assert (s.kind, s.source) == ("certificate", "env")


def test_certificate_must_exist():
    with pytest.raises(AuthError) as err:
        res({"client_id": CLIENT, "tenant_id": TENANT, "certificate_path": "/nope.pem"})
    assert err.value.option == "certificate_path"


def test_workload_identity_federation(tmp_path):
    token = tmp_path / "token"
    token.write_text("eyJ")
    env = {"AZURE_CLIENT_ID": CLIENT, "AZURE_TENANT_ID": TENANT, "AZURE_FEDERATED_TOKEN_FILE": str(token)}
    s = res(env=env)
    assert (s.kind, s.federated_token_file) == ("federated", str(token))


@pytest.mark.parametrize("params,option", [
    ({"client_id": CLIENT, "client_secret": "s", "certificate_path": "/c.pem"}, "client_secret"),
    ({"client_id": CLIENT, "client_secret": "s", "federated_token_file": "/t"}, "client_secret"),
    ({"auth_source": "cli", "client_secret": "s"}, "client_secret"),
    ({"auth_source": "msi", "certificate_path": "/c.pem"}, "certificate_path"),
    ({"auth_source": "env", "client_secret": "s"}, "client_secret"),
    ({"auth_source": "cli", "client_id": CLIENT}, "client_id"),
    ({"auth_source": "msi", "profile": "prod"}, "profile"),
])
def test_conflicting_options(params, option):
    with pytest.raises(AuthError) as err:
        res(params, env=AWX_ENV)
    assert err.value.option == option
    assert "conflicting" in str(err.value)


def test_conflicting_environment():
    env = dict(AWX_ENV, AZURE_CLIENT_CERTIFICATE_PATH="/c.pem")
    with pytest.raises(AuthError) as err:
        res({"auth_source": "env"}, env=env)
    assert "environment variables" in str(err.value)


@pytest.mark.parametrize("field,value", [
    ("subscription_id", "not-a-guid"),
    ("client_id", "1234"),  # with a secret: a client id that is not a GUID
    ("tenant_id", "not a tenant"),
])
def test_guids(field, value):
    params = {field: value}
    if field == "client_id":
        params["client_secret"] = "s"
    with pytest.raises(AuthError) as err:
        res(params, env=AWX_ENV)
    assert err.value.option == field
    assert value in str(err.value)


def test_tenant_domain_is_accepted():
    assert res({"tenant_id": "contoso.onmicrosoft.com"}, env=AWX_ENV).tenant_id == "contoso.onmicrosoft.com"


def test_tenant_required_for_service_principal():
    with pytest.raises(AuthError) as err:
        res(env={"AZURE_CLIENT_ID": CLIENT, "AZURE_SECRET": "s"})
    assert err.value.option == "tenant_id"


def test_cloud_from_environment_and_overrides():
    s = res(env=dict(AWX_ENV, AZURE_CLOUD_ENVIRONMENT="AzureChinaCloud", AZURE_ARM_ENDPOINT="https://127.0.0.1:9/",
                     AZURE_GRAPH_ENDPOINT="https://127.0.0.1:9", AZURE_AUTHORITY_HOST="https://127.0.0.1:9"))
    assert s.cloud.name == "AzureChinaCloud"
    assert (s.cloud.arm_endpoint, s.cloud.graph_endpoint, s.cloud.authority_host) == ("https://127.0.0.1:9",) * 3
    # scopes stay the cloud's
    assert s.cloud.arm_scope == "https://management.chinacloudapi.cn/.default"


def test_option_cloud_wins_over_environment():
    s = res({"cloud": "AzureUSGovernment"}, env=dict(AWX_ENV, AZURE_CLOUD_ENVIRONMENT="AzureChinaCloud"))
    assert s.cloud.name == "AzureUSGovernment"


def test_unknown_cloud():
    with pytest.raises(AuthError) as err:
        res(env=dict(AWX_ENV, AZURE_CLOUD_ENVIRONMENT="AzureGermanCloud"))
    assert err.value.option == "cloud"
    assert "AzureCloud, AzureUSGovernment, AzureUSGovernmentDoD, AzureChinaCloud" in str(err.value)


def test_endpoint_must_be_https():
    with pytest.raises(AuthError) as err:
        res({"arm_endpoint": "http://127.0.0.1:8080"}, env=AWX_ENV)
    assert err.value.option == "arm_endpoint"


class Recorder:
    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        def make(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            return name
        return make


@pytest.fixture
def identity(monkeypatch):
    import azure.identity

    rec = Recorder()
    for name in ("ClientSecretCredential", "CertificateCredential", "WorkloadIdentityCredential",
                 "AzureCliCredential", "ManagedIdentityCredential"):
        monkeypatch.setattr(azure.identity, name, getattr(rec, name))
    return rec


def test_known_authority_keeps_instance_discovery(identity):
    auth.build_credential(res(env=AWX_ENV))
    (name, args, kwargs), = identity.calls
    assert name == "ClientSecretCredential" and args == (TENANT, CLIENT, "awx-secret")
    assert kwargs == {"authority": "https://login.microsoftonline.com"}


@pytest.mark.parametrize("host", ["https://login.microsoftonline.us", "https://LOGIN.chinacloudapi.cn/"])
def test_sovereign_authority_keeps_instance_discovery(identity, host):
    auth.build_credential(res({"authority_host": host}, env=AWX_ENV))
    assert "disable_instance_discovery" not in identity.calls[0][2]


def test_custom_authority_disables_instance_discovery(identity):
    auth.build_credential(res(env=dict(AWX_ENV, AZURE_AUTHORITY_HOST="https://127.0.0.1:8443")))
    assert identity.calls[0][2] == {"authority": "https://127.0.0.1:8443", "disable_instance_discovery": True}


def test_credential_classes(identity, tmp_path):
    cert = tmp_path / "c.pem"
    cert.write_text("x")
    token = tmp_path / "t"
    token.write_text("x")
    auth.build_credential(res({"client_id": CLIENT, "tenant_id": TENANT, "certificate_path": str(cert),
                               "certificate_password": "pw"}))
    auth.build_credential(res({"client_id": CLIENT, "tenant_id": TENANT, "federated_token_file": str(token)}))
    auth.build_credential(res({"auth_source": "cli", "tenant_id": TENANT}))
    auth.build_credential(res({"auth_source": "msi", "client_id": CLIENT}))
    auth.build_credential(res({"auth_source": "msi"}))
    names = [c[0] for c in identity.calls]
    assert names == ["CertificateCredential", "WorkloadIdentityCredential", "AzureCliCredential",
                     "ManagedIdentityCredential", "ManagedIdentityCredential"]
    assert identity.calls[0][2]["password"] == "pw" and identity.calls[0][2]["certificate_path"] == str(cert)
    assert identity.calls[1][2]["token_file_path"] == str(token)
    assert identity.calls[2][2] == {"tenant_id": TENANT}
    assert identity.calls[3][2] == {"client_id": CLIENT}
    assert identity.calls[4][2] == {}


def test_describe_has_no_secrets():
    text = repr(res(env=AWX_ENV).describe())
    assert "awx-secret" not in text and CLIENT in text


def test_cli_subscription_id():
    assert auth.cli_subscription_id(lambda cmd, stderr=None: b'{"id": "%s"}' % SUB.encode()) == SUB

    def failing(cmd, stderr=None):
        raise OSError("az: not found")

    assert auth.cli_subscription_id(failing) is None


def test_the_token_endpoint_is_retried_as_arm_is(identity):
    from ansible_collections.m365.exo_automation.plugins.module_utils.base import ARM_RETRY

    auth.build_credential(res(env=AWX_ENV), **ARM_RETRY)
    kwargs = identity.calls[0][2]
    assert kwargs["retry_status"] == ARM_RETRY["retry_status"] == 6
    assert kwargs["retry_total"] == ARM_RETRY["retry_total"]


def _pem(tmp_path, password):
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "exo-automation")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    encryption = (serialization.BestAvailableEncryption(password.encode()) if password
                  else serialization.NoEncryption())
    path = tmp_path / "cert.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
                     + cert.public_bytes(serialization.Encoding.PEM))
    return str(path)


@pytest.mark.parametrize("stored,given,option,fragment", [
    ("right", "wrong", "certificate_password", "certificate_password does not open the private key"),
    ("right", None, "certificate_password", "is encrypted: give its password in certificate_password"),
    (None, "extra", "certificate_password", "is not encrypted: leave certificate_password"),
])
def test_a_certificate_that_cannot_be_opened_names_the_option(tmp_path, stored, given, option, fragment):
    params = {"client_id": CLIENT, "tenant_id": TENANT, "certificate_path": _pem(tmp_path, stored)}
    if given:
        params["certificate_password"] = given
    with pytest.raises(AuthError) as err:
        auth.build_credential(res(params))
    assert err.value.option == option
    assert fragment in str(err.value)
    assert "wrong" not in str(err.value) and "extra" not in str(err.value)


def test_a_file_that_is_no_certificate_names_certificate_path(tmp_path):
    path = tmp_path / "not.pem"
    path.write_text("hello")
    with pytest.raises(AuthError) as err:
        auth.build_credential(res({"client_id": CLIENT, "tenant_id": TENANT, "certificate_path": str(path)}))
    assert err.value.option == "certificate_path"


def test_a_certificate_with_its_password_builds_a_credential(tmp_path):
    path = _pem(tmp_path, "right")
    credential = auth.build_credential(res({"client_id": CLIENT, "tenant_id": TENANT, "certificate_path": path,
                                            "certificate_password": "right"}))
    assert type(credential).__name__ == "CertificateCredential"


# -- cloud given as a metadata URL ----------------------------------------------------------------------------
STACK = "https://management.local.azurestack.external"
STACK_CLOUD = {
    "authentication": {"loginEndpoint": "https://adfs.local.azurestack.external/adfs/",
                       "audiences": ["https://management.adfs.azurestack.local/4de154de"]},
    "resourceManager": STACK + "/",
    "microsoftGraphResourceId": "https://graph.local.azurestack.external/",
}
PUBLIC_CLOUD = {
    "authentication": {"loginEndpoint": "https://login.microsoftonline.com",
                       "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"]},
    "resourceManager": "https://management.azure.com/",
    "microsoftGraphResourceId": "https://graph.microsoft.com/",
}


class TextTransport(ScriptedTransport):
    """Answers with a body that is not JSON."""

    def send(self, request, **kwargs):
        import io

        import requests
        from azure.core.rest._requests_basic import RestRequestsTransportResponse

        self.requests.append((request.method, request.url))
        raw = requests.Response()
        raw.status_code, raw.reason, raw.url = 200, "OK", request.url
        raw.headers["Content-Type"] = "text/html"
        raw._content = b"<html>sign in</html>"
        raw.raw = io.BytesIO(raw._content)
        return RestRequestsTransportResponse(request=request, internal_response=raw)


def res_url(params=None, env=None, transport=None):
    return resolve(dict(params or {}), environ=dict(env or {}), which=no_az, credentials_path="/nonexistent",
                   transport=transport)


def test_cloud_from_a_metadata_url_in_the_environment_list_answer():
    transport = ScriptedTransport([response(200, [PUBLIC_CLOUD, STACK_CLOUD])])
    s = res_url(env=dict(AWX_ENV, AZURE_CLOUD_ENVIRONMENT=STACK), transport=transport)
    assert transport.requests == [("GET", STACK + "/metadata/endpoints?api-version=2022-09-01")]
    assert s.cloud.name == STACK
    assert (s.cloud.arm_endpoint, s.cloud.graph_endpoint, s.cloud.authority_host) == (
        STACK, "https://graph.local.azurestack.external", "https://adfs.local.azurestack.external/adfs")
    assert s.cloud.arm_scope == "https://management.adfs.azurestack.local/4de154de/.default"
    assert s.cloud.graph_scope == "https://graph.local.azurestack.external/.default"
    assert s.describe()["cloud"] == STACK


def test_cloud_option_takes_a_metadata_url_single_object_answer():
    transport = ScriptedTransport([response(200, PUBLIC_CLOUD)])
    s = res_url({"cloud": "https://management.azure.com/"}, env=AWX_ENV, transport=transport)
    assert s.cloud.arm_endpoint == "https://management.azure.com"
    assert s.cloud.authority_host == "https://login.microsoftonline.com"
    assert s.cloud.arm_scope == "https://management.core.windows.net/.default"
    assert s.cloud.custom_authority is False


def test_explicit_endpoints_win_over_the_metadata_and_its_scopes_are_kept():
    transport = ScriptedTransport([response(200, [PUBLIC_CLOUD])])
    s = res_url(env=dict(AWX_ENV, AZURE_CLOUD_ENVIRONMENT="https://management.azure.com",
                         AZURE_ARM_ENDPOINT="https://127.0.0.1:9/", AZURE_GRAPH_ENDPOINT="https://127.0.0.1:9",
                         AZURE_AUTHORITY_HOST="https://127.0.0.1:9"), transport=transport)
    assert (s.cloud.arm_endpoint, s.cloud.graph_endpoint, s.cloud.authority_host) == ("https://127.0.0.1:9",) * 3
    assert (s.cloud.arm_scope, s.cloud.graph_scope) == ("https://management.core.windows.net/.default",
                                                        "https://graph.microsoft.com/.default")


def test_a_cloud_name_reads_no_metadata():
    transport = ScriptedTransport([])  # any request fails the test
    assert res_url(env=dict(AWX_ENV, AZURE_CLOUD_ENVIRONMENT="AzureUSGovernmentDoD"), transport=transport).cloud.name \
        == "AzureUSGovernmentDoD"
    assert transport.requests == []


def test_the_metadata_is_read_after_the_other_checks():
    transport = ScriptedTransport([])
    with pytest.raises(AuthError) as err:
        res_url(env={"AZURE_CLIENT_ID": CLIENT, "AZURE_SECRET": "s", "AZURE_CLOUD_ENVIRONMENT": STACK},
                transport=transport)
    assert err.value.option == "tenant_id"
    assert transport.requests == []


@pytest.mark.parametrize("transport,fragments", [
    (lambda: ScriptedTransport([response(404, {"error": {"code": "NotFound"}})]), ["404", "serves no cloud metadata"]),
    (lambda: ScriptedTransport([response(403, {"error": {"code": "Forbidden"}})]), ["HTTP 403"]),
    (lambda: TextTransport([]), ["not JSON", "<html>"]),
    (lambda: ScriptedTransport([response(200, {"name": "x"})]), ["authentication.audiences"]),
])
def test_metadata_errors_name_cloud(transport, fragments):
    with pytest.raises(AuthError) as err:
        res_url({"cloud": STACK}, env=AWX_ENV, transport=transport())
    assert err.value.option == "cloud"
    message = str(err.value)
    assert message.startswith("cloud '%s' is a metadata URL" % STACK)
    assert STACK + "/metadata/endpoints?api-version=2022-09-01" in message
    for fragment in fragments:
        assert fragment in message
    assert "AzureCloud" in message


def test_an_unreachable_metadata_url_names_cloud():
    from azure.core.exceptions import ServiceRequestError

    class Unreachable(ScriptedTransport):
        def send(self, request, **kwargs):
            self.requests.append((request.method, request.url))
            raise ServiceRequestError("Connection refused")

    transport = Unreachable([])
    with pytest.raises(AuthError) as err:
        res_url({"cloud": STACK}, env=AWX_ENV, transport=transport)
    assert err.value.option == "cloud"
    assert "could not be reached (Connection refused)" in str(err.value)
    assert "REQUESTS_CA_BUNDLE" in str(err.value)
    assert len(transport.requests) == 3  # retried twice, as a transient network error


def test_a_plain_http_metadata_url_is_refused_without_a_request():
    transport = ScriptedTransport([])
    with pytest.raises(AuthError) as err:
        res_url({"cloud": "http://management.local.azurestack.external"}, env=AWX_ENV, transport=transport)
    assert err.value.option == "cloud" and "https://" in str(err.value)
    assert transport.requests == []


def test_the_metadata_request_trusts_the_ca_bundle(monkeypatch):
    seen = {}

    class Recording(ScriptedTransport):
        def send(self, request, **kwargs):
            seen.update(kwargs)
            return super(Recording, self).send(request, **kwargs)

    res_url({"cloud": STACK}, env=dict(AWX_ENV, REQUESTS_CA_BUNDLE="/etc/ca.pem"),
            transport=Recording([response(200, [STACK_CLOUD])]))
    assert seen.get("connection_verify") == "/etc/ca.pem"


def test_the_cloud_option_has_no_choices_so_that_it_takes_a_url():
    assert "choices" not in auth.AUTH_ARGSPEC["cloud"]


def test_a_wrong_password_that_decrypts_to_no_key_still_names_certificate_password(tmp_path):
    # a wrong password can pass the padding check and give bytes that are no key: cryptography then says
    # "Could not deserialize key data", which says nothing about the password
    settings = res({"client_id": CLIENT, "tenant_id": TENANT, "certificate_path": _pem(tmp_path, "right"),
                    "certificate_password": "wrong"})
    err = auth.certificate_error(settings, ValueError("Could not deserialize key data. The data may be in an "
                                                      "incorrect format"))
    assert err.option == "certificate_password"
    plain = tmp_path / "plain"
    plain.mkdir()
    unencrypted = res({"client_id": CLIENT, "tenant_id": TENANT, "certificate_path": _pem(plain, None),
                       "certificate_password": "wrong"})
    err = auth.certificate_error(unencrypted, ValueError("Could not deserialize key data"))
    assert err.option == "certificate_path"
