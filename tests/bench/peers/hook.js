// A peer of the hook for the benchmark (issue #19): a sync hook written the way Metacontroller's JavaScript
// examples are, one process, Node's own http module, JSON.parse and JSON.stringify, no framework.
//
//   node hook.js PORT TEMPLATES_DIR
//
// It answers the benchmark's requests with the same children and status as the Java hook (run.sh checks
// the bytes) but does less than a port of the hook would: it does not render xrootd.cfg or the start
// script. Each child and the status are built from a template, the Java hook's answer for that cluster
// shape (TEMPLATES_DIR/*.response.json, chosen by the request's worker count and whether the monitor is
// on), copied field by field with the request's names put in; then the fields that come from the
// observed state are set from the request: ready counts from the observed StatefulSets, generations, and
// with the monitor the connected counts from the insight ConfigMap. So the figures favour the peer.
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');

const port = Number(process.argv[2]);
const dir = process.argv[3];

const templates = new Map();
for (const f of fs.readdirSync(dir)) {
  if (!f.endsWith('.response.json')) continue;
  const t = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  templates.set(shape(t.status.worker.replicas, t.status.monitor !== undefined), t);
}
const TEMPLATE_NAME = 'base-xrootd';
const TEMPLATE_NAMESPACE = 'default';

function shape(workers, monitor) {
  return workers + (monitor ? '/monitor' : '');
}

// A deep copy with the parent's name and namespace put in every string that holds the template's.
function copy(value, name, namespace) {
  if (Array.isArray(value)) return value.map((v) => copy(v, name, namespace));
  if (value !== null && typeof value === 'object') {
    const out = {};
    for (const k of Object.keys(value)) out[k] = copy(value[k], name, namespace);
    return out;
  }
  if (typeof value === 'string') {
    let s = value;
    if (name !== TEMPLATE_NAME && s.includes(TEMPLATE_NAME)) s = s.split(TEMPLATE_NAME).join(name);
    if (namespace !== TEMPLATE_NAMESPACE && s === TEMPLATE_NAMESPACE) s = namespace;
    return s;
  }
  return value;
}

function sync(request) {
  const parent = request.parent;
  const spec = parent.spec || {};
  const name = parent.metadata.name;
  const namespace = parent.metadata.namespace;
  const monitor = !!(spec.monitor && spec.monitor.enabled);
  const workers = (spec.worker && spec.worker.replicas) || 0;
  const template = templates.get(shape(workers, monitor));
  if (!template) throw new Error('no template for ' + shape(workers, monitor));
  const status = copy(template.status, name, namespace);
  const sets = (request.children && request.children['StatefulSet.apps/v1']) || {};
  for (const role of ['redirector', 'worker']) {
    const observed = sets[name + '-xrootd-' + role];
    const s = status[role];
    if (!s) continue;
    s.readyReplicas = (observed && observed.status && observed.status.readyReplicas) || 0;
    s.updatedReplicas = (observed && observed.status && observed.status.updatedReplicas) || 0;
    s.ready = s.readyReplicas + '/' + s.replicas;
  }
  for (const c of status.conditions || []) c.observedGeneration = parent.metadata.generation;
  if (monitor && status.monitor) {
    const cm = request.related && request.related['ConfigMap.v1'] && request.related['ConfigMap.v1'][name + '-xrootd-insight'];
    const insight = cm ? JSON.parse(cm.data['insight.json']) : { redirectors: [] };
    const seen = new Map(insight.redirectors.map((r) => [r.pod, r]));
    for (const r of status.monitor.redirectors) {
      const i = seen.get(r.name);
      r.reporting = !!i && !i.stale;
      r.connected = i ? i.nodes.filter((n) => n.state === 'active').length : 0;
    }
  }
  const out = { status, children: template.children.map((c) => copy(c, name, namespace)) };
  for (const k of Object.keys(template)) if (!(k in out)) out[k] = template[k];
  return out;
}

http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    try {
      const body = JSON.stringify(sync(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(body);
    } catch (e) {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(e));
    }
  });
}).listen(port, '127.0.0.1');
