"""A peer of the hook for the benchmark (issue #19): a sync hook written the way Metacontroller's Python
examples are, one process, http.server's HTTPServer and BaseHTTPRequestHandler as they come (HTTP/1.0, one
request at a time, a log line per request on stderr), json.loads and json.dumps, no framework.

    python3 hook.py PORT TEMPLATES_DIR

It answers the benchmark's requests with the same children and status as the Java hook (run.sh checks
the bytes) and builds them as hook.js does (see there): from the Java hook's answer for that cluster shape,
copied with the request's names, the observed state's fields set from the request. It does not render
xrootd.cfg or the start script, so the figures favour the peer.
"""
import glob
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

TEMPLATE_NAME = "base-xrootd"
TEMPLATE_NAMESPACE = "default"


def shape(workers, monitor):
    return "%d%s" % (workers, "/monitor" if monitor else "")


TEMPLATES = {}
for f in glob.glob(sys.argv[2] + "/*.response.json"):
    with open(f, encoding="utf-8") as fh:
        t = json.load(fh)
    TEMPLATES[shape(t["status"]["worker"]["replicas"], "monitor" in t["status"])] = t


def copy(value, name, namespace):
    if isinstance(value, list):
        return [copy(v, name, namespace) for v in value]
    if isinstance(value, dict):
        return {k: copy(v, name, namespace) for k, v in value.items()}
    if isinstance(value, str):
        if name != TEMPLATE_NAME and TEMPLATE_NAME in value:
            value = value.replace(TEMPLATE_NAME, name)
        if namespace != TEMPLATE_NAMESPACE and value == TEMPLATE_NAMESPACE:
            value = namespace
    return value


def sync(request):
    parent = request["parent"]
    spec = parent.get("spec") or {}
    name = parent["metadata"]["name"]
    namespace = parent["metadata"]["namespace"]
    monitor = bool((spec.get("monitor") or {}).get("enabled"))
    workers = (spec.get("worker") or {}).get("replicas") or 0
    template = TEMPLATES[shape(workers, monitor)]
    status = copy(template["status"], name, namespace)
    sets = (request.get("children") or {}).get("StatefulSet.apps/v1") or {}
    for role in ("redirector", "worker"):
        observed = (sets.get(name + "-xrootd-" + role) or {}).get("status") or {}
        s = status.get(role)
        if s is None:
            continue
        s["readyReplicas"] = observed.get("readyReplicas") or 0
        s["updatedReplicas"] = observed.get("updatedReplicas") or 0
        s["ready"] = "%d/%d" % (s["readyReplicas"], s["replicas"])
    for c in status.get("conditions") or []:
        c["observedGeneration"] = parent["metadata"]["generation"]
    if monitor and "monitor" in status:
        cm = ((request.get("related") or {}).get("ConfigMap.v1") or {}).get(name + "-xrootd-insight")
        insight = json.loads(cm["data"]["insight.json"]) if cm else {"redirectors": []}
        seen = {r["pod"]: r for r in insight["redirectors"]}
        for r in status["monitor"]["redirectors"]:
            i = seen.get(r["name"])
            r["reporting"] = bool(i) and not i["stale"]
            r["connected"] = sum(1 for n in i["nodes"] if n["state"] == "active") if i else 0
    out = {"status": status, "children": [copy(c, name, namespace) for c in template["children"]]}
    for k, v in template.items():
        out.setdefault(k, v)
    return out


class Controller(BaseHTTPRequestHandler):
    def do_POST(self):
        observed = json.loads(self.rfile.read(int(self.headers.get("content-length"))))
        body = json.dumps(sync(observed), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


HTTPServer(("127.0.0.1", int(sys.argv[1])), Controller).serve_forever()
