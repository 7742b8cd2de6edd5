'use strict';
// service_config.cjs - the published gRPC service config
// (deploy/grpc-service-config.json): every method it names exists, it
// retries exactly the calls a retry cannot apply twice, streams get no
// deadline, and grpc-js accepts it and calls each service through it
// (round_robin). Called by service_config.sh (TAP). Environment:
// CREDITS_ADDR CONTENT_ADDR PLANNING_ADDR USER_TOKEN.

const fs = require('fs');
const path = require('path');
const lib = require('./lib.cjs');

const { grpc, ok } = lib;
const CONFIG_PATH = path.join(lib.ROOT, 'deploy', 'grpc-service-config.json');
const root = lib.protoRoot();
const SERVICES = Object.values(lib.SERVICES);

// Which calls an automatic retry may repeat: a retry on UNAVAILABLE can
// follow an attempt that committed (the reply was lost), so only calls whose
// second run changes nothing more. Reads; AIP-134 updates (they set fields
// to the values sent); calls whose request_id is required (the ledger's
// idempotency key makes the repeat a replay); the lease heartbeat (it sets
// the expiry from now). Not: Create* (request_id optional), Delete* (a
// repeat answers NOT_FOUND), Use* (counts a use), the queue's transitions.
function retrySafe(method) {
  if (method.requestStream || method.responseStream) return false;
  if (/^(Get|List)/.test(method.name) || /^Update/.test(method.name)) return true;
  if (method.name === 'ExtendGenerationLease') return true;
  const rid = method.resolvedRequestType.fields.request_id;
  return Boolean(rid && /Required/.test(rid.comment || ''));
}

function main() {
  let cfg;
  try {
    cfg = JSON.parse(fs.readFileSync(CONFIG_PATH, 'utf8'));
  } catch (e) {
    ok(false, 'deploy/grpc-service-config.json is JSON', e.message);
    return Promise.resolve();
  }
  ok(true, 'deploy/grpc-service-config.json is JSON');
  ok(JSON.stringify(cfg.loadBalancingConfig) === JSON.stringify([{ round_robin: {} }]), 'it balances round_robin');

  // Every name exists; which methods retry and which have deadlines.
  const methods = new Map(); // "svc/method" -> method
  for (const s of SERVICES) for (const m of root.lookupService(s).methodsArray) methods.set(`${s}/${m.name}`, m);
  const unknown = [], retried = new Set(), timeoutOf = new Map(), svcTimeout = new Map();
  for (const mc of cfg.methodConfig) {
    for (const n of mc.name) {
      if (!n.method) {
        if (!SERVICES.includes(n.service)) unknown.push(n.service);
        svcTimeout.set(n.service, mc.timeout);
        continue;
      }
      const key = `${n.service}/${n.method}`;
      if (!methods.has(key)) unknown.push(key);
      if (mc.retryPolicy) retried.add(key);
      timeoutOf.set(key, mc.timeout);
    }
  }
  ok(unknown.length === 0, 'every service and method it names exists', unknown.join('\n'));
  const should = [...methods.entries()].filter(([, m]) => retrySafe(m)).map(([k]) => k).sort();
  const missing = should.filter((k) => !retried.has(k)), extra = [...retried].filter((k) => !should.includes(k));
  ok(missing.length === 0, 'it retries every call a repeat cannot apply twice', `not retried: ${missing.join(', ')}`);
  ok(extra.length === 0, 'it retries no other call', `retried but unsafe: ${extra.join(', ')}`);
  const streamsTimed = [...methods.entries()].filter(([k, m]) => (m.requestStream || m.responseStream) &&
    (timeoutOf.has(k) ? timeoutOf.get(k) !== undefined : svcTimeout.get(k.split('/')[0]) !== undefined)).map(([k]) => k);
  ok(streamsTimed.length === 0, 'streams get no deadline from it', streamsTimed.join(', '));
  const untimed = [...methods.entries()].filter(([k, m]) => !(m.requestStream || m.responseStream) &&
    (timeoutOf.has(k) ? timeoutOf.get(k) === undefined : svcTimeout.get(k.split('/')[0]) === undefined)).map(([k]) => k);
  ok(untimed.length === 0, 'every unary call gets a deadline from it', untimed.join(', '));

  // grpc-js takes it as a channel's service config and calls through it.
  const pkg = lib.grpcPackage();
  const opts = { 'grpc.service_config': JSON.stringify(cfg), 'grpc.service_config_disable_resolution': 1 };
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${process.env.USER_TOKEN}`);
  const calls = [
    ['credits', pkg.cameos.credits.v1.CreditsService, process.env.CREDITS_ADDR, 'GetProfile', {}],
    ['content', pkg.cameos.content.v1.ContentService, process.env.CONTENT_ADDR, 'ListGenerations', { page_size: 1 }],
    ['planning', pkg.cameos.planning.v1.PlanningService, process.env.PLANNING_ADDR, 'ListCampaigns', { page_size: 1 }],
  ];
  return Promise.all(calls.map(([name, Ctor, addr, method, req]) => new Promise((resolve) => {
    let client;
    try {
      client = new Ctor(`dns:///${addr}`, grpc.credentials.createInsecure(), opts);
    } catch (e) {
      ok(false, `grpc-js accepts the config for ${name}`, e.message);
      resolve();
      return;
    }
    client[method](req, md, { deadline: Date.now() + 30000 }, (err) => {
      ok(!err, `${name}: ${method} through the config answers OK`, err && `${grpc.status[err.code]}: ${err.details}`);
      client.close();
      resolve();
    });
  })));
}

main()
  .catch((e) => ok(false, 'the run finished', e.stack))
  .finally(() => lib.plan());
