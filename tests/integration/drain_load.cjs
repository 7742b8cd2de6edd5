'use strict';
// drain_load.cjs - drains lose nothing under load: a closed loop of
// concurrent GetProfile, SpendCredits and GrantCredits calls runs against a
// credits instance of the test's own; SIGTERM comes mid-run, the load goes
// on until the process is gone. Every call must end OK or refused before
// the service started it, and PostgreSQL must agree: each money call
// answered OK wrote exactly one ledger row, each one refused wrote none, and
// every test user's balance is the sum of their ledger and of the OK answers.
//
// Refused means UNAVAILABLE (the service's "server is shutting down", or the
// client's own when the connection is gone), or CANCELLED with no error
// details: gRPC core (1.51, Debian 12's) answers so for a call that reaches
// it after the shutdown began, before any service code sees it
// (grpc/grpc#41785). The service attaches details to every status it sends,
// so a CANCELLED of its own would carry them; and each call's x-request-id
// is looked up in the service's log, which must not know any such call.
//
// Called by drain_load.sh (TAP), which spawns the instance, waits for the
// process and checks its exit. Environment: DRAIN_ADDR (host:port of the
// instance), DRAIN_PID (its pid), DRAIN_TERM_FILE (where the time of the
// SIGTERM is written, epoch ms), DRAIN_LOG (the instance's log),
// SERVICE_TOKEN JWT_SECRET DATABASE_URL (superuser).

const crypto = require('crypto');
const fs = require('fs');
const { execFileSync } = require('child_process');
const lib = require('./lib.cjs');

const { grpc, ok, mint } = lib;

const ADDR = process.env.DRAIN_ADDR;
const PID = Number(process.env.DRAIN_PID);
const TERM_FILE = process.env.DRAIN_TERM_FILE;
const SERVICE = process.env.SERVICE_TOKEN;
const LOG = process.env.DRAIN_LOG;

const USERS = 4;
const CHANNELS = 4; // separate HTTP/2 connections: each gets its own GOAWAY
const WORKERS = 32; // calls in flight at any time
const TERM_AFTER = 1500; // completed calls before the SIGTERM
const MIN_CALLS = 300; // "hundreds of calls" at the least
const SETUP_GRANT = 100000; // so that no spend of the run can be short of credits
const WELCOME = 100; // handle_new_user()'s bonus
const DEADLINE_MS = 20000;
// Only a bound for a process that never exits (the .sh then fails it): the
// grace period is 10 s, so a healthy drain ends long before.
const EXIT_BOUND_MS = 60000;

// google.rpc types, from the project's own declarations (as error_details.cjs).
const rpcRoot = lib.protoRoot(['google/rpc/status.proto', 'google/rpc/error_details.proto']);
const Status = rpcRoot.lookupType('google.rpc.Status');
const ErrorInfo = rpcRoot.lookupType('google.rpc.ErrorInfo');

// The ErrorInfo reason of a grpc-js error; '' when it carries no details
// (a refusal by the client library itself: connection refused, GOAWAY).
function reason(err) {
  const bin = err.metadata && err.metadata.get('grpc-status-details-bin');
  if (!bin || bin.length === 0) return '';
  try {
    for (const any of Status.decode(bin[0]).details) {
      if (any.type_url.endsWith('/google.rpc.ErrorInfo')) return ErrorInfo.decode(any.value).reason;
    }
  } catch (e) {
    return `undecodable details: ${e.message}`;
  }
  return '';
}

// Clients of the spawned instance. A local subchannel pool per client, or
// grpc-js would share one connection among them.
const pkg = lib.grpcPackage();
const Ctor = lib.SERVICES.credits.split('.').reduce((o, k) => o[k], pkg);
const clients = Array.from({ length: CHANNELS }, () =>
  new Ctor(ADDR, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }));

function call(client, method, req, token, xrid) {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  if (xrid) md.set('x-request-id', xrid);
  return new Promise((resolve) => {
    client[method](req, md, { deadline: Date.now() + DEADLINE_MS }, (err, res) => resolve({ err, res }));
  });
}

// The process counts as gone once it is reaped (drain_load.sh waits for it)
// or a zombie.
function processGone() {
  try {
    process.kill(PID, 0);
  } catch (e) {
    return e.code === 'ESRCH';
  }
  try {
    const stat = fs.readFileSync(`/proc/${PID}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch (e) {
    return true;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function psqlJson(sql) {
  const out = execFileSync('psql', [process.env.DATABASE_URL, '-qAt', '-v', 'ON_ERROR_STOP=1', '-c',
    `select coalesce(json_agg(t), '[]') from (${sql}) t`], { encoding: 'utf8' });
  return JSON.parse(out);
}

// Counts of a list of strings, as "A 3, B 1".
function tally(list) {
  const m = new Map();
  for (const x of list) m.set(x, (m.get(x) || 0) + 1);
  return [...m].map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
}

async function main() {
  if (!ok(ADDR && PID > 0 && TERM_FILE, 'DRAIN_ADDR, DRAIN_PID and DRAIN_TERM_FILE are set')) return;

  // ---- fresh users, each with enough credits for the whole run.
  const tag = crypto.randomUUID().slice(0, 8);
  const users = [];
  for (let i = 0; i < USERS; i++) {
    const u = await call(clients[0], 'CreateUser', { user: { email: `drainload-${tag}-${i}@load.example` } }, SERVICE);
    if (!ok(!u.err, `CreateUser of test user ${i}`, u.err && `${grpc.status[u.err.code]}: ${u.err.details}`)) return;
    const g = await call(clients[0], 'GrantCredits',
      { user_id: u.res.id, amount: SETUP_GRANT, request_id: `drainload-${tag}-setup` }, SERVICE);
    if (!ok(!g.err, `GrantCredits of ${SETUP_GRANT} to test user ${i}`,
      g.err && `${grpc.status[g.err.code]}: ${g.err.details}`)) return;
    users.push({ id: u.res.id, token: mint(u.res.id, 'authenticated') });
  }

  // ---- the load: WORKERS closed loops, each issuing its next call as soon
  // as the last one settled.
  const calls = [];
  let seq = 0;
  let completed = 0;
  let termAt = 0; // Date.now() of the SIGTERM
  let termSent = false;
  let goneSeen = false;
  let stop = false;
  let termError = null;

  function sendTerm() {
    termSent = true;
    termAt = Date.now();
    // Written first: the .sh times the exit from it.
    fs.writeFileSync(TERM_FILE, `${termAt}\n`);
    try {
      process.kill(PID, 'SIGTERM');
    } catch (e) {
      termError = e;
      stop = true;
    }
  }

  async function one(w) {
    const n = seq++;
    const user = users[n % USERS];
    const client = clients[w % CHANNELS];
    // Two reads to one spend and one grant: money calls are half the load.
    const kind = n % 4;
    const rec = {
      n, user: user.id, amount: 0, request_id: '', afterTerm: termSent, afterGone: goneSeen,
      xrid: `drainload-${tag}-x${n}`,
    };
    let r;
    if (kind < 2) {
      rec.method = 'GetProfile';
      r = await call(client, 'GetProfile', {}, user.token, rec.xrid);
    } else {
      rec.method = kind === 2 ? 'SpendCredits' : 'GrantCredits';
      rec.amount = 1;
      rec.request_id = `drainload-${tag}-${n}`;
      r = await call(client, rec.method, { user_id: user.id, amount: 1, request_id: rec.request_id }, SERVICE,
        rec.xrid);
    }
    rec.settledAfterTerm = termSent;
    if (r.err) {
      rec.code = grpc.status[r.err.code] || String(r.err.code);
      rec.reason = reason(r.err);
      const bin = r.err.metadata && r.err.metadata.get('grpc-status-details-bin');
      rec.details = Boolean(bin && bin.length);
      rec.message = r.err.details;
    } else {
      rec.code = 'OK';
      if (rec.method !== 'GetProfile') rec.txId = r.res.transaction && r.res.transaction.id;
    }
    calls.push(rec);
    completed++;
    if (!termSent && completed >= TERM_AFTER) sendTerm();
    return rec;
  }

  async function worker(w) {
    while (!stop) {
      const rec = await one(w);
      // Refusals come back at once: a short pause keeps the loop from
      // spinning through thousands of them while the drain finishes.
      if (rec.code !== 'OK' && termSent) await sleep(5);
    }
    // One call more once the process is gone: it must be refused.
    if (goneSeen) await one(w);
  }

  const t0 = Date.now();
  const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
  // Watch for the end of the process (by state, not by time): the bound is
  // only for a process that never goes.
  for (;;) {
    await sleep(20);
    if (termSent && processGone()) {
      goneSeen = true;
      stop = true;
      break;
    }
    if (stop) break;
    // A stack too slow to reach TERM_AFTER still gets its drain; the
    // count assertion below then says how far it got.
    if (!termSent && Date.now() - t0 > EXIT_BOUND_MS) sendTerm();
    if (termSent && Date.now() - termAt > EXIT_BOUND_MS) {
      stop = true;
      break;
    }
  }
  await Promise.all(workers);
  const secs = (Date.now() - t0) / 1000;

  if (!ok(!termError, 'SIGTERM sent to the instance', termError && termError.stack)) return;
  ok(goneSeen, 'the process ended while the load was running', `still there ${EXIT_BOUND_MS} ms after SIGTERM`);

  // ---- 1. every call ended OK or refused before the service started it.
  const coreCancel = (c) => c.code === 'CANCELLED' && !c.details;
  const bad = calls.filter((c) => c.code !== 'OK' && c.code !== 'UNAVAILABLE' && !coreCancel(c));
  ok(bad.length === 0, `every call ended OK, UNAVAILABLE or CANCELLED by gRPC core before the service saw it ` +
    `(${calls.length} calls)`,
    `other codes: ${tally(bad.map((c) => c.code))}\n` +
    bad.slice(0, 10).map((c) => `${c.method} #${c.n} (issued ${c.afterTerm ? 'after' : 'before'} SIGTERM): ` +
      `${c.code} "${c.message}"${c.reason ? ` reason ${c.reason}` : ', no error details'}`).join('\n'));
  const unavail = calls.filter((c) => c.code === 'UNAVAILABLE');
  console.log(`# UNAVAILABLE by reason: ${tally(unavail.map((c) => c.reason || '(no details: client-side)'))}`);
  const cancelled = calls.filter(coreCancel);
  console.log(`# CANCELLED by gRPC core during its shutdown (grpc/grpc#41785): ${cancelled.length}`);
  // The service logs every call it accepted with its x-request-id (lines of
  // failed calls may be dropped at 100 a second, which can only hide one):
  // none of the CANCELLED may be among them.
  let logged = new Map();
  try {
    for (const l of fs.readFileSync(LOG, 'utf8').split('\n')) {
      if (!l.includes(`drainload-${tag}-x`)) continue;
      const j = JSON.parse(l);
      logged.set(j.x_request_id, j.code);
    }
  } catch (e) {
    logged = null;
    ok(false, 'the instance\'s log is readable JSON lines', e.stack);
  }
  if (logged) {
    const seen = cancelled.filter((c) => logged.has(c.xrid));
    ok(seen.length === 0, `none of the ${cancelled.length} CANCELLED calls reached the service (its log)`,
      seen.slice(0, 10).map((c) => `${c.method} #${c.n}: logged ${logged.get(c.xrid)}`).join('\n'));
    const differ = calls.filter((c) => logged.has(c.xrid) && logged.get(c.xrid) !== c.code);
    ok(differ.length === 0, `every call the service logged (${logged.size}) got the code it logged`,
      differ.slice(0, 10).map((c) => `${c.method} #${c.n}: logged ${logged.get(c.xrid)}, got ${c.code}`)
        .join('\n'));
  }
  const early = calls.filter((c) => !c.settledAfterTerm && c.code !== 'OK');
  ok(early.length === 0, 'every call that settled before SIGTERM was OK',
    early.slice(0, 10).map((c) => `${c.method} #${c.n} ${c.code} ${c.reason} ${c.message}`).join('\n'));
  const lateOk = calls.filter((c) => c.afterGone && c.code !== 'UNAVAILABLE');
  ok(lateOk.length === 0, 'every call issued after the process was gone was refused (UNAVAILABLE)',
    lateOk.slice(0, 10).map((c) => `${c.method} #${c.n} ${c.code}`).join('\n'));

  // ---- 2. in-flight calls finished, new ones were refused, and it was load.
  const okAfter = calls.filter((c) => c.settledAfterTerm && c.code === 'OK');
  const refused = unavail.length;
  const money = (c) => c.method !== 'GetProfile';
  console.log(`# ${calls.length} calls in ${secs.toFixed(1)} s (${Math.round(calls.length / secs)} calls/s), ` +
    `${calls.filter(money).length} money calls; after SIGTERM: ${okAfter.length} OK ` +
    `(${okAfter.filter(money).length} money, ${okAfter.filter((c) => c.afterTerm).length} issued after it), ` +
    `${refused} refused (${unavail.filter(money).length} money)`);
  ok(okAfter.length > 0, `calls in flight at SIGTERM finished OK (${okAfter.length})`);
  ok(refused > 0, `new calls after SIGTERM were refused with UNAVAILABLE (${refused})`);
  ok(calls.length >= MIN_CALLS, `at least ${MIN_CALLS} calls were made (${calls.length})`);

  // ---- 3. the ledger, straight from PostgreSQL.
  const ids = users.map((u) => `'${u.id}'`).join(',');
  const keys = psqlJson(`select user_id, request_id, result->>'id' as tx from public.request_keys
    where user_id in (${ids}) and request_id like 'drainload-${tag}-%'`);
  const txs = psqlJson(`select id, user_id, amount, transaction_type as type from public.credit_transactions
    where user_id in (${ids})`);
  const keyOf = new Map(keys.map((k) => [`${k.user_id}/${k.request_id}`, k]));
  const txById = new Map(txs.map((t) => [t.id, t]));

  const moneyOk = calls.filter((c) => money(c) && c.code === 'OK');
  const moneyRefused = calls.filter((c) => money(c) && (c.code === 'UNAVAILABLE' || coreCancel(c)));
  const wrongOk = [];
  for (const c of moneyOk) {
    const k = keyOf.get(`${c.user}/${c.request_id}`);
    const t = k && txById.get(k.tx);
    const want = c.method === 'SpendCredits' ? { amount: -1, type: 'generation' } : { amount: 1, type: 'bonus' };
    if (!k) wrongOk.push(`${c.method} ${c.request_id}: no request key`);
    else if (!t) wrongOk.push(`${c.method} ${c.request_id}: no ledger row ${k.tx}`);
    else if (t.amount !== want.amount || t.type !== want.type || t.user_id !== c.user) {
      wrongOk.push(`${c.method} ${c.request_id}: row ${t.id} is ${t.type} ${t.amount}`);
    } else if (c.txId !== t.id) wrongOk.push(`${c.method} ${c.request_id}: answered ${c.txId}, stored ${t.id}`);
  }
  ok(wrongOk.length === 0, `each of the ${moneyOk.length} money calls answered OK has its ledger row`,
    wrongOk.slice(0, 10).join('\n'));
  const applied = moneyRefused.filter((c) => keyOf.has(`${c.user}/${c.request_id}`));
  ok(applied.length === 0, `none of the ${moneyRefused.length} money calls refused was applied`,
    applied.slice(0, 10).map((c) => `${c.method} ${c.request_id} (${c.reason || 'no details'}: ${c.message}) ` +
      `wrote ${keyOf.get(`${c.user}/${c.request_id}`).tx}`).join('\n'));
  // Exactly one row each, and no row nobody was told about: the welcome
  // bonus and the setup grant of each user plus one per OK money call.
  const expectRows = USERS * 2 + moneyOk.length;
  ok(txs.length === expectRows && keys.length === USERS + moneyOk.length,
    `the test users' ledger holds exactly the rows answered OK (${txs.length})`,
    `ledger rows ${txs.length}, expected ${expectRows}; request keys ${keys.length}, ` +
    `expected ${USERS + moneyOk.length}`);

  // ---- 4. balances: the profile, the ledger and the answers agree.
  const profiles = psqlJson(`select id, credits, total_spent::bigint as spent from public.user_profiles
    where id in (${ids})`);
  const wrongBal = [];
  for (const u of users) {
    const p = profiles.find((x) => x.id === u.id);
    const sum = txs.filter((t) => t.user_id === u.id).reduce((s, t) => s + t.amount, 0);
    const mine = moneyOk.filter((c) => c.user === u.id);
    const spends = mine.filter((c) => c.method === 'SpendCredits').length;
    const grants = mine.length - spends;
    const want = WELCOME + SETUP_GRANT + grants - spends;
    if (!p || p.credits !== sum || p.credits !== want || Number(p.spent) !== spends) {
      wrongBal.push(`${u.id}: credits ${p && p.credits}, ledger sum ${sum}, answers ${want} ` +
        `(${grants} grants, ${spends} spends), total_spent ${p && p.spent}`);
    }
  }
  ok(wrongBal.length === 0, 'each balance equals its ledger sum and 100 + grants - spends answered OK',
    wrongBal.join('\n'));
}

main()
  .catch((e) => ok(false, 'the run finished', e.stack))
  .finally(() => {
    // Never leave the instance running for the .sh to wait on forever.
    if (PID > 0 && !fs.existsSync(TERM_FILE || '/nonexistent')) {
      try { process.kill(PID, 'SIGTERM'); } catch (e) { /* already gone */ }
    }
    for (const c of clients) c.close();
    lib.plan();
  });
