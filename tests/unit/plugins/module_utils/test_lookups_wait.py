# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replication waits and confirmation reads of module_utils.lookups, against a scripted Graph."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.module_utils import graph as g
from ansible_collections.m365.exo_automation.plugins.module_utils import lookups
from ansible_collections.m365.exo_automation.plugins.module_utils.base import ModuleError
from ansible_collections.m365.exo_automation.tests.unit.plugins.module_utils.test_graph import (
    Server,
    graph_error_body,
    make,
)
from ansible_collections.m365.exo_automation.tests.unit.utils import install_clock


P, R, A = ("11111111-0000-0000-0000-000000000001", "11111111-0000-0000-0000-000000000002",
           "11111111-0000-0000-0000-000000000003")


@pytest.fixture
def clock(monkeypatch):
    return install_clock(monkeypatch)


# -- replication wait ----------------------------------------------------------------------------------
def test_retry_replication_waits_with_capped_backoff_until_found(clock):
    server = Server(*([(404, graph_error_body("Request_ResourceNotFound", "nope"))] * 6 + [(200, {"id": "p"})]))
    client = make(server)
    try:
        assert lookups.retry_replication(lambda: client.get(client.service_principals().by_service_principal_id("p")), 600, "principal") == {"id": "p"}
    finally:
        client.close()
    assert clock.sleeps == [2.0, 4.0, 6.0, 10.0, 16.0, 20.0]


def test_retry_replication_on_not_a_valid_reference_update(clock):
    server = Server((400, graph_error_body("Request_BadRequest", "Not a valid reference update.")), (201, {"id": "a"}))
    client = make(server)
    try:
        assert lookups.retry_replication(lambda: lookups.grant_app_role(client, P, R, A), 60, "grant") == {"id": "a"}
    finally:
        client.close()
    assert len(clock.sleeps) == 1


def test_retry_replication_times_out_saying_replication_did_not_finish(clock):
    server = Server((404, graph_error_body("Request_ResourceNotFound", "Resource 'p' does not exist.")))
    client = make(server)
    try:
        with pytest.raises(g.ReplicationTimeout) as info:
            lookups.retry_replication(lambda: client.get(client.service_principals().by_service_principal_id("p")), 30, "service principal p",
                                      option="principal")
    finally:
        client.close()
    text = info.value.format()
    assert "replication did not finish" in text
    assert "principal_wait_timeout=30" in text
    assert info.value.option == "principal"
    assert sum(clock.sleeps) == pytest.approx(30)


def test_retry_replication_does_not_retry_other_errors(clock):
    server = Server((403, graph_error_body("Authorization_RequestDenied", "denied")))
    client = make(server)
    try:
        with pytest.raises(g.GraphError) as info:
            lookups.retry_replication(lambda: client.get(client.organization()), 60, "x")
    finally:
        client.close()
    assert info.value.status == 403
    assert clock.sleeps == []


def test_wait_for_principal_explains_a_client_id(clock):
    def answer(request):
        if request.url.path.endswith("/servicePrincipals/11111111-1111-1111-1111-111111111111"):
            return (404, graph_error_body("Request_ResourceNotFound", "nope"))
        assert request.url.params["$filter"] == "appId eq '11111111-1111-1111-1111-111111111111'"
        return (200, {"value": [{"id": "22222222-2222-2222-2222-222222222222", "displayName": "mi-exo",
                                 "appId": "11111111-1111-1111-1111-111111111111"}]})

    server = Server(answer)
    client = make(server)
    try:
        with pytest.raises(ModuleError) as info:
            lookups.wait_for_principal(client, "11111111-1111-1111-1111-111111111111", 600)
    finally:
        client.close()
    msg = info.value.message
    assert "application (client) id" in msg and "22222222-2222-2222-2222-222222222222" in msg and "mi-exo" in msg
    assert clock.sleeps == []  # failed at once, no replication wait


def test_wait_for_principal_waits_for_a_new_identity(clock):
    state = {"calls": 0}

    def answer(request):
        if "$filter" in str(request.url):
            return (200, {"value": []})
        state["calls"] += 1
        if state["calls"] < 3:
            return (404, graph_error_body("Request_ResourceNotFound", "nope"))
        return (200, {"id": "p1"})

    client = make(Server(answer))
    try:
        assert lookups.wait_for_principal(client, "p1", 600)["id"] == "p1"
    finally:
        client.close()
    assert len(clock.sleeps) == 2


# -- confirmation reads ---------------------------------------------------------------------------------
def test_confirm_needs_consecutive_consistent_reads(clock):
    reads = iter([False, True, False, True, True, True])
    client = make(Server((200, {})))
    calls = []

    def read():
        calls.append(1)
        return next(reads)

    assert lookups.confirm(read, lambda s: s, "grant") is True
    assert len(calls) == 6


def test_confirm_times_out(clock):
    client = make(Server((200, {})))
    with pytest.raises(g.GraphError) as info:
        lookups.confirm(lambda: False, lambda s: s, "grant X", timeout=10)
    assert "did not show it consistently" in info.value.message
