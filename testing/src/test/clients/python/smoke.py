"""The official Python client (kubernetes) as a real client of the sa-identity fake API server.

Usage: python3 smoke.py KUBECONFIG
Prints one line per step ("ok <step>: ..."), exits non-zero on the first failure ("FAIL <step>: ...").
Never prints a token.
"""
import sys

from kubernetes import client, config, dynamic, watch
from kubernetes.client.rest import ApiException

NS = "python-smoke"
WATCH_SECONDS = 30


def names(items):
    return sorted(o.metadata.name for o in items)


def create_namespace(core):
    ns = core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=NS)))
    assert ns.metadata.uid, "no uid"
    return ns.metadata.name


def create_service_accounts(core):
    for name, app in (("sa-a", "a"), ("sa-b", "b"), ("sa-x", "x")):
        sa = core.create_namespaced_service_account(
            NS, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name=name, labels={"app": app})))
        assert (sa.metadata.labels or {}).get("app") == app, "labels of %s: %s" % (name, sa.metadata.labels)
    return "sa-a sa-b sa-x"


def list_label_selector_in(core):
    got = " ".join(names(core.list_namespaced_service_account(NS, label_selector="app in (a,b)").items))
    assert got == "sa-a sa-b", "app in (a,b) listed [%s]" % got
    return got


def apply(api_client, rev):
    sas = dynamic.DynamicClient(api_client).resources.get(api_version="v1", kind="ServiceAccount")
    # The body as YAML text (application/apply-patch+yaml): the client's REST layer of the Debian
    # package (22.x) cannot encode a dict for that content type, later ones can; text works with both.
    body = ("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: applied\n  namespace: %s\n"
            "  labels:\n    app: a\n    rev: \"%s\"\n" % (NS, rev))
    applied = sas.server_side_apply(body=body, name="applied", namespace=NS, field_manager="python-smoke",
                                    force_conflicts=True)
    assert applied.metadata.uid, "no uid"
    assert applied.metadata.labels["rev"] == rev, "labels %s" % applied.metadata.labels
    return "applied rev=%s" % applied.metadata.labels["rev"]


def server_side_apply_update(core, api_client):
    apply(api_client, "2")
    read = core.read_namespaced_service_account("applied", NS)
    assert read.metadata.labels.get("rev") == "2", "read back %s" % read.metadata.labels
    return "applied rev=%s" % read.metadata.labels["rev"]


def watch_sees_added(core):
    rv = core.list_namespaced_service_account(NS).metadata.resource_version
    # The response is returned once the server has answered the watch (status and headers): the watch
    # has started when the ServiceAccount is created. Bounded on both sides: timeoutSeconds on the
    # server, a read timeout on the socket.
    resp = core.list_namespaced_service_account(
        NS, watch=True, resource_version=rv, timeout_seconds=WATCH_SECONDS,
        _preload_content=False, _request_timeout=WATCH_SECONDS + 5)
    try:
        if resp.status != 200:
            raise AssertionError("watch answered HTTP %s: %s" % (resp.status, resp.data[:400]))
        core.create_namespaced_service_account(NS, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name="watched")))
        w = watch.Watch()
        seen = []
        for line in watch.watch.iter_resp_lines(resp):
            event = w.unmarshal_event(line, "V1ServiceAccount")
            if event["type"] == "ERROR":
                raise AssertionError("watch ERROR event: %s" % event["raw_object"])
            name = event["raw_object"].get("metadata", {}).get("name")
            seen.append("%s %s" % (event["type"], name))
            if event["type"] == "ADDED" and name == "watched":
                return "ADDED watched"
        raise AssertionError("watch ended without ADDED watched; saw %s" % seen)
    finally:
        resp.close()
        resp.release_conn()


def token_request(core):
    tr = core.create_namespaced_service_account_token("sa-a", NS, client.AuthenticationV1TokenRequest(
        spec=client.V1TokenRequestSpec(audiences=["vault"], expiration_seconds=600)))
    assert tr.status and tr.status.token and tr.status.token.count(".") == 2, "no JWT in status.token"
    assert tr.status.expiration_timestamp, "no expirationTimestamp"
    return "token issued, expires %s" % tr.status.expiration_timestamp.isoformat()


def main():
    if len(sys.argv) != 2:
        print("usage: python3 smoke.py KUBECONFIG", file=sys.stderr)
        return 2
    api_client = config.new_client_from_config(config_file=sys.argv[1])
    core = client.CoreV1Api(api_client)
    steps = [
        ("create-namespace", lambda: create_namespace(core)),
        ("create-serviceaccounts-with-labels", lambda: create_service_accounts(core)),
        ("list-label-selector-in", lambda: list_label_selector_in(core)),
        ("server-side-apply-create", lambda: apply(api_client, "1")),
        ("server-side-apply-update", lambda: server_side_apply_update(core, api_client)),
        ("watch-sees-added", lambda: watch_sees_added(core)),
        ("token-request", lambda: token_request(core)),
    ]
    for step, body in steps:
        try:
            detail = body()
        except ApiException as e:
            print("FAIL %s: HTTP %s %s: %s" % (step, e.status, e.reason, (e.body or "")[:400]), flush=True)
            return 1
        except Exception as e:  # noqa: BLE001 - any failure ends the run with its step named
            print("FAIL %s: %s: %s" % (step, type(e).__name__, str(e).splitlines()[0][:300] if str(e) else ""), flush=True)
            return 1
        print("ok %s: %s" % (step, detail), flush=True)
    print("all steps passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
