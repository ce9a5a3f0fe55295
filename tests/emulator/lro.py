"""Long-running operations, as ARM answers them: 202 (or 201/200) with ``Azure-AsyncOperation`` and
``Location`` headers; the operation status resource moves ``InProgress`` -> ``Succeeded``/``Failed``.

    op = lro.start(req, delay_s=0)                       # record the operation
    return lro.accepted(req, op)                          # 202 + headers
    return lro.accepted(req, op, status=200, body=obj)    # e.g. a PUT answered with the resource
"""

from .core import arm_error, new_guid, route, utcnow_iso


def _ops(emu):
    return emu.state.setdefault("operations", {})


def start(req, delay_s=0, error=None, provider="Microsoft.Automation", location="westeurope"):
    """Record an operation that completes ``delay_s`` seconds from now; ``error`` ({code, message}) fails it."""
    emu = req.emu
    op_id = new_guid()
    now = emu.now()
    with emu.lock:
        _ops(emu)[op_id] = {
            "id": op_id, "started": now, "done_at": now + float(delay_s or 0), "error": error,
            "provider": provider, "location": location,
        }
    return op_id


def status_url(req, op_id):
    op = _ops(req.emu)[op_id]
    return (f"{req.base_url}/subscriptions/{req.emu.subscription_id}/providers/{op['provider']}/locations/"
            f"{op['location']}/operationStatuses/{op_id}?api-version={req.q('api-version')}")


def result_url(req, op_id):
    op = _ops(req.emu)[op_id]
    return (f"{req.base_url}/subscriptions/{req.emu.subscription_id}/providers/{op['provider']}/locations/"
            f"{op['location']}/operationResults/{op_id}?api-version={req.q('api-version')}")


def accepted(req, op_id, status=202, body=None, retry_after=0):
    headers = {
        "Azure-AsyncOperation": status_url(req, op_id),
        "Location": result_url(req, op_id),
        "Retry-After": str(retry_after),
    }
    return status, body, headers


def _view(emu, op_id):
    op = _ops(emu).get(op_id)
    if op is None:
        arm_error(404, "OperationNotFound", f"The operation '{op_id}' could not be found.")
    done = emu.now() >= op["done_at"]
    status = "InProgress" if not done else ("Failed" if op["error"] else "Succeeded")
    view = {"id": op_id, "name": op_id, "status": status, "startTime": utcnow_iso(op["started"])}
    if done:
        view["endTime"] = utcnow_iso(op["done_at"])
        if op["error"]:
            view["error"] = dict(op["error"])
    return op, view


@route("arm", "GET", r"/subscriptions/(?P<sub>[^/]+)/providers/(?P<provider>[^/]+)/locations/(?P<loc>[^/]+)/operationStatuses/(?P<op>[^/]+)")
def get_status(req):
    _op, view = _view(req.emu, req.params["op"])
    return 200, view


@route("arm", "GET", r"/subscriptions/(?P<sub>[^/]+)/providers/(?P<provider>[^/]+)/locations/(?P<loc>[^/]+)/operationResults/(?P<op>[^/]+)")
def get_result(req):
    op, view = _view(req.emu, req.params["op"])
    if view["status"] == "InProgress":
        return 202, None, {"Location": result_url(req, op["id"]), "Retry-After": "0"}
    if view["status"] == "Failed":
        return 200, {"error": view["error"], "status": "Failed"}
    return 204, None
