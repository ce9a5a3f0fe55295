# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A scripted azure-core transport: the real SDK clients and pipeline policies (auth, retry, error mapping) run;
only the socket is replaced. Sleeps are recorded instead of slept."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import json
import time

import requests
from azure.core.credentials import AccessToken
from azure.core.pipeline.transport import RequestsTransport
from azure.core.rest._requests_basic import RestRequestsTransportResponse


class FakeCredential:
    def __init__(self):
        self.scopes = []

    def get_token(self, *scopes, **kwargs):
        self.scopes.append(scopes)
        return AccessToken("token", int(time.time()) + 3600)

    def get_token_info(self, *scopes, **kwargs):
        from azure.core.credentials import AccessTokenInfo

        self.scopes.append(scopes)
        return AccessTokenInfo("token", int(time.time()) + 3600)


def response(status, body=None, headers=None):
    return {"status": status, "body": body, "headers": dict(headers or {})}


class ScriptedTransport(RequestsTransport):
    """Answers requests from a list of ``response(...)`` dicts, in order; records requests and sleeps."""

    def __init__(self, answers):
        super(ScriptedTransport, self).__init__()
        self.answers = list(answers)
        self.requests = []
        self.sleeps = []

    def send(self, request, **kwargs):
        self.requests.append((request.method, request.url))
        if not self.answers:
            raise AssertionError("unexpected request %s %s" % (request.method, request.url))
        answer = self.answers.pop(0)
        raw = requests.Response()
        raw.status_code = answer["status"]
        raw.reason = "Status %d" % answer["status"]
        raw.headers.update(answer["headers"])
        body = answer["body"]
        if body is not None:
            raw._content = json.dumps(body).encode()
            raw.headers.setdefault("Content-Type", "application/json")
        else:
            raw._content = b""
        raw.raw = io.BytesIO(raw._content)
        raw.url = request.url
        return RestRequestsTransportResponse(request=request, internal_response=raw)

    def sleep(self, duration):
        self.sleeps.append(duration)

    def open(self):
        pass

    def close(self):
        pass

    def __exit__(self, *args):
        pass
