"""Microsoft Graph v1.0 ``organization``: the tenant with its verified domains, as Graph returns it."""
from .helpers import GRAPH_SCOPE, call
from .test_graph import err, g, ok


def health(emulator):
    code, _headers, body = call(emulator, "GET", "/_emulator/health", scope=GRAPH_SCOPE)
    assert code == 200, body
    return body


def test_organization_lists_the_tenant_with_its_verified_domains(emulator):
    info = health(emulator)
    body = ok(g(emulator, "GET", "/v1.0/organization"))
    assert body["@odata.context"].endswith("/v1.0/$metadata#organization")
    assert len(body["value"]) == 1
    org = body["value"][0]
    assert org["id"] == info["tenant_id"]
    domains = {d["name"]: d for d in org["verifiedDomains"]}
    initial = [d["name"] for d in org["verifiedDomains"] if d["isInitial"]]
    assert initial == [info["organization"]]
    assert initial[0].endswith(".onmicrosoft.com")
    assert len([d for d in org["verifiedDomains"] if d["isDefault"]]) == 1
    assert "contoso.com" in domains and domains["contoso.com"]["isInitial"] is False
    for d in org["verifiedDomains"]:
        assert d["type"] == "Managed"
        assert set(d) == {"capabilities", "isDefault", "isInitial", "name", "type"}


def test_organization_select_and_get_by_id(emulator):
    info = health(emulator)
    body = ok(g(emulator, "GET", "/v1.0/organization", query={"$select": "id,verifiedDomains"}))
    assert set(body["value"][0]) == {"id", "verifiedDomains"}
    assert body["@odata.context"].endswith("#organization(id,verifiedDomains)")
    one = ok(g(emulator, "GET", "/v1.0/organization/" + info["tenant_id"], query={"$select": "displayName"}))
    assert set(one) == {"@odata.context", "displayName"}
    assert "Could not find a property named 'nope'" in err(
        g(emulator, "GET", "/v1.0/organization", query={"$select": "nope"}), 400)
    err(g(emulator, "GET", "/v1.0/organization/00000000-0000-0000-0000-000000000001"), 404, "Request_ResourceNotFound")
