'use strict';
// run.cjs - the attack suite: each attack of attacks.cjs against a fresh
// instance of a service started here on loopback, while this process probes
// it. For every attack it prints one line (stayed up, health answered within
// 1 s during the attack, legitimate calls on another connection: success
// rate and p99, peak RSS, RSS after) and TAP results judged against the
// budgets: peak RSS <= 96 MiB, back under 48 MiB within 10 s.
//
// Environment: CAMEOS_BUILD_DIR (binaries), DATABASE_URL (superuser),
// JWT_SECRET; ATTACKS="a b" runs some; ATTACK_SECONDS (default 5) is how
// long each flood lasts. Needs no running service: it starts its own.

const fs = require('fs');
const net = require('net');
const path = require('path');
const crypto = require('crypto');
const cp = require('child_process');

const ROOT = path.resolve(__dirname, '..', '..');
const grpc = require(path.join(ROOT, 'tests', 'node_modules', '@grpc', 'grpc-js'));

const MiB = 1048576;
const PEAK_BUDGET = 96 * MiB;
const AFTER_BUDGET = 48 * MiB;
const SECONDS = Number(process.env.ATTACK_SECONDS || 5);
const BUILD = process.env.CAMEOS_BUILD_DIR;
const DB = process.env.DATABASE_URL;
const SECRET = process.env.JWT_SECRET;
const LOGDIR = process.env.SERVICE_LOG_DIR || fs.mkdtempSync('/tmp/attack-');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const id = (b) => b;

// ------------------------------------------------------------------ TAP
let tapN = 0, tapFailed = 0;
function ok(cond, name, detail) {
  tapN++;
  if (cond) console.log(`ok ${tapN} - ${name}`);
  else {
    tapFailed++;
    console.log(`not ok ${tapN} - ${name}`);
    if (detail) console.log(`# ${detail}`);
  }
}

// ------------------------------------------------------------ the setup
function b64url(b) {
  return Buffer.from(b).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

function mint(sub, role) {
  const now = Math.floor(Date.now() / 1000);
  const h = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const p = b64url(JSON.stringify({ sub, role, aud: 'authenticated', iat: now, exp: now + 3600 }));
  const s = b64url(crypto.createHmac('sha256', SECRET).update(`${h}.${p}`).digest());
  return `${h}.${p}.${s}`;
}

function sql(text) {
  const r = cp.spawnSync('psql', [DB, '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c', text], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout.trim().split('\n').filter((l) => l);
}

// n users, each with one generation in progress (WatchGeneration keeps it open).
function makeUsers(n) {
  const rows = sql(`WITH u AS (
      INSERT INTO auth.users (id, email, raw_user_meta_data)
      SELECT gen_random_uuid(), 'attack-' || md5(random()::text) || '@test.local', '{}'
        FROM generate_series(1, ${n}) RETURNING id)
    INSERT INTO public.generations (user_id, prompt) SELECT id, 'attack' FROM u
    RETURNING user_id || ' ' || id`);
  return rows.map((r) => {
    const [user, generation] = r.split(' ');
    return { id: user, generation, token: mint(user, 'authenticated') };
  });
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

// --------------------------------------------------------- an instance
const FULL = {
  credits: 'cameos.credits.v1.CreditsService',
  content: 'cameos.content.v1.ContentService',
  planning: 'cameos.planning.v1.PlanningService',
};
// A cheap call each service answers for any user: the legitimate traffic.
const LEGIT = {
  credits: '/cameos.credits.v1.CreditsService/GetProfile',
  content: '/cameos.content.v1.ContentService/ListStylePresets',
  planning: '/cameos.planning.v1.PlanningService/ListCampaigns',
};

async function spawnService(svc, name, env, nofile) {
  const port = await freePort();
  const metricsPort = await freePort();
  const url = DB.replace('//postgres@', `//cameos_${svc}@`);
  const bin = path.join(BUILD, 'services', svc, `cameos-${svc}`);
  const log = path.join(LOGDIR, `attack-${name}.log`);
  const out = fs.openSync(log, 'w');
  const args = nofile ? [`--nofile=${nofile}:${nofile}`, bin] : [bin];
  const child = cp.spawn(nofile ? 'prlimit' : bin, nofile ? args : [], {
    env: Object.assign({}, process.env, {
      DATABASE_URL: url, JWT_SECRET: SECRET, GRPC_LISTEN: `127.0.0.1:${port}`,
      METRICS_LISTEN: `127.0.0.1:${metricsPort}`, LOG_LEVEL: 'info',
    }, env || {}),
    stdio: ['ignore', out, out],
  });
  const inst = { svc, child, pid: child.pid, port, metricsPort, log, exited: null };
  child.on('exit', (code, sig) => { inst.exited = { code, sig }; });
  return inst;
}

// How many of the process's threads are named loopN (N >= 1).
function loopThreads(pid) {
  try {
    return fs.readdirSync(`/proc/${pid}/task`)
      .filter((t) => /^loop[1-9][0-9]*$/.test(fs.readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim())).length;
  } catch (e) {
    return -1;
  }
}

function rss(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number((s.match(new RegExp(`${k}:\\s+(\\d+)`)) || [0, 0])[1]) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch (e) {
    return { rss: 0, hwm: 0 };
  }
}

function fdCount(pid) {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch (e) {
    return -1;
  }
}

// GET /metrics on a new connection: {status, body}, status the error text
// when there was no answer.
function getMetrics(port) {
  return new Promise((resolve) => {
    const http = require('http');
    const req = http.get({ host: '127.0.0.1', port, path: '/metrics', timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: e.message, body: '' }));
  });
}

// After an attack: waits (at most ms) until none of its sockets to the
// ports can still reach the service. On a busy machine the listen queue
// overflows; the kernel then completes those handshakes seconds after the
// attacker has gone, in bursts that fill the service's connection slots just
// when a new connection must be served. In flight: the client's side of a
// connection to a port still connecting (SYN-SENT) or closed first by the
// client (FIN-WAIT-1/2: the service may not have seen it yet), or the port's
// side in SYN-RECV. Where the service sent its FIN first (the client's side
// in CLOSE-WAIT or LAST-ACK, perhaps with megabytes it will never deliver)
// the service holds no slot for it. Returns how many were still in flight.
async function settle(ports, ms) {
  const filter = ports.map((p) => `sport = :${p} or dport = :${p}`).join(' or ');
  const ours = (addr) => ports.some((p) => addr.endsWith(`:${p}`));
  const deadline = Date.now() + ms;
  for (;;) {
    const out = cp.spawnSync('ss', ['-Htan', `( ${filter} )`], { encoding: 'utf8' }).stdout || '';
    const busy = out.split('\n').filter((l) => {
      const [state, , , local, peer] = l.trim().split(/\s+/);
      if (!peer) return false;
      if (ours(peer)) return state === 'SYN-SENT' || state.startsWith('FIN-WAIT');
      return ours(local) && state === 'SYN-RECV';
    }).length;
    if (busy === 0 || Date.now() >= deadline) return busy;
    await sleep(200);
  }
}

function resetPeak(pid) {
  try { fs.writeFileSync(`/proc/${pid}/clear_refs`, '5'); } catch (e) { /* reported as peak since start */ }
}

function newClient(port) {
  return new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
  });
}

function call(c, method, token, deadlineMs) {
  return new Promise((resolve) => {
    const md = new grpc.Metadata();
    if (token) md.set('authorization', 'Bearer ' + token);
    const t0 = process.hrtime.bigint();
    c.makeUnaryRequest(method, id, id, Buffer.alloc(0), md, { deadline: Date.now() + deadlineMs },
      (err, resp) => resolve({ code: err ? err.code : 0, ms: Number(process.hrtime.bigint() - t0) / 1e6, resp }));
  });
}

async function waitServing(inst, ms) {
  const c = newClient(inst.port);
  const end = Date.now() + ms;
  try {
    while (Date.now() < end && !inst.exited) {
      const r = await call(c, '/grpc.health.v1.Health/Check', null, 1000);
      // HealthCheckResponse{status: SERVING} is 08 01.
      if (r.code === 0 && r.resp && r.resp.equals(Buffer.from([8, 1]))) return true;
      await sleep(200);
    }
    return false;
  } finally {
    c.close();
  }
}

// Probes running beside the attack, each on a connection of its own opened
// before it: health every 250 ms (1 s deadline), and back-to-back legitimate
// calls (5 s deadline).
function startProbes(inst, token) {
  const health = newClient(inst.port), legit = newClient(inst.port);
  const p = { stop: false, health: [], legit: [] };
  p.done = Promise.all([
    (async () => {
      while (!p.stop) {
        p.health.push(await call(health, '/grpc.health.v1.Health/Check', null, 1000));
        await sleep(250);
      }
    })(),
    (async () => {
      while (!p.stop) {
        p.legit.push(await call(legit, LEGIT[inst.svc], token, 5000));
        await sleep(20);
      }
    })(),
  ]).then(() => { health.close(); legit.close(); });
  return p;
}

async function warm(inst, token) {
  const c = newClient(inst.port);
  for (let i = 0; i < 20; i++) await call(c, LEGIT[inst.svc], token, 5000);
  c.close();
}

function runAttacker(name, ctx, timeoutMs) {
  return new Promise((resolve) => {
    const child = cp.spawn(process.execPath, [path.join(__dirname, 'attacks.cjs'), name, JSON.stringify(ctx)],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch (e) {
        resolve({ summary: `attacker exited ${code}: ${err.slice(0, 300)}`, checks: [{ name: 'the attack ran', ok: false, detail: err.slice(0, 300) }] });
      }
    });
  });
}

function p99(xs) {
  if (!xs.length) return 0;
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.99 * s.length) - 1)];
}

const fmt = (b) => `${(b / MiB).toFixed(1)} MiB`;

// ------------------------------------------------------------ the plan
// service, instance settings, whether health must hold during the attack
// (not for descriptor exhaustion: there new connections are refused and the
// probes' existing connections must be served), the attacker's context.
function plan(users) {
  const u = users[0];
  const base = { userToken: u.token, seconds: SECONDS };
  return [
    { name: 'deep_struct_content', counts: 'request_shape', svc: 'content', attack: 'deep_struct', ctx: base },
    { name: 'deep_struct_planning', svc: 'planning', attack: 'deep_struct', ctx: base },
    { name: 'idle_connections', counts: 'grpc_connections', svc: 'credits', attack: 'idle_connections', nofile: 1024,
      ctx: Object.assign({}, base, { count: 3000, holdMs: SECONDS * 1000 }) },
    { name: 'idle_connections_default_cap', svc: 'credits', attack: 'idle_connections', nofile: 20000,
      ctx: Object.assign({}, base, { count: 3000, holdMs: SECONDS * 1000 }) },
    { name: 'silent_connections', svc: 'credits', attack: 'silent_connections', env: { HANDSHAKE_TIMEOUT_MS: '1000' },
      ctx: Object.assign({}, base, { count: 500, waitMs: 15000 }) },
    { name: 'metrics_connections', counts: 'metrics_connections', svc: 'credits', attack: 'metrics_connections', env: { METRICS_TIMEOUT_MS: '1000' },
      ctx: Object.assign({}, base, { count: 2000, waitMs: 15000 }) },
    { name: 'ping_flood', svc: 'credits', attack: 'ping_flood', ctx: base },
    { name: 'settings_flood', svc: 'credits', attack: 'settings_flood', ctx: base },
    { name: 'rapid_reset', counts: 'rapid_resets', svc: 'credits', attack: 'rapid_reset', ctx: Object.assign({}, base, { count: 2000000 }) },
    { name: 'continuation_flood', svc: 'credits', attack: 'continuation_flood', ctx: base },
    { name: 'big_metadata', svc: 'credits', attack: 'big_metadata', ctx: base },
    { name: 'slow_body', svc: 'credits', attack: 'slow_body', env: { READ_TIMEOUT_MS: '2000' },
      expectLog: /did not arrive in time/, ctx: Object.assign({}, base, { conns: 10, streams: 100 }) },
    { name: 'idle_goaway', svc: 'credits', attack: 'idle_goaway', env: { MAX_CONNECTION_IDLE_MS: '1000' },
      ctx: Object.assign({}, base, { waitMs: 10000 }) },
    { name: 'health_watch_flood', svc: 'credits', attack: 'health_watch_flood', env: { UNAUTHENTICATED_STREAMS_MAX: '100' },
      ctx: Object.assign({}, base, { count: 300, limit: 100 }) },
    { name: 'watch_not_reading', svc: 'content', attack: 'watch_not_reading', expectLog: /not reading the stream/,
      ctx: Object.assign({}, base, { db: DB, generation: u.generation, updates: 150 }) },
    { name: 'oversized_bodies', svc: 'credits', attack: 'big_bodies', expectCodes: { 8: 100 },
      ctx: Object.assign({}, base, { conns: 4, count: 100, parallel: 20, bytes: 2 * MiB, withToken: true }) },
    { name: 'big_list_page', svc: 'content', attack: 'list_page', before: bigPresets,
      ctx: Object.assign({}, base, { userToken: users[2].token, calls: 20 }) },
    { name: 'wide_list_page', svc: 'content', attack: 'wide_list_page', before: widePresets,
      ctx: Object.assign({}, base, { userToken: users[3].token, calls: 12, rows: 1000, rowBytes: 60000 }) },
    { name: 'dense_list_page', svc: 'content', attack: 'wide_list_page', before: densePresets,
      ctx: Object.assign({}, base, { userToken: users[4].token, calls: 12, rows: 100, rowBytes: 180000 }) },
    { name: 'reflection_zero_window', svc: 'credits', attack: 'reflection_zero_window', ctx: base },
    { name: 'stream_limit', svc: 'credits', attack: 'stream_limit', ctx: Object.assign({}, base, { count: 1000 }) },
    { name: 'big_bodies_no_token', svc: 'credits', attack: 'big_bodies',
      ctx: Object.assign({}, base, { conns: 20, count: 600, parallel: 200, bytes: MiB - 64, withToken: false }) },
    { name: 'big_bodies_token', svc: 'credits', attack: 'big_bodies',
      ctx: Object.assign({}, base, { conns: 20, count: 600, parallel: 200, bytes: MiB - 64, withToken: true }) },
    // The read gate opened wide (RECV_BUDGET_BYTES 1 GiB): only gRPC's own
    // memory quota, at its floor of 4 MiB, stands between the bodies and RSS.
    // At the quota gRPC 1.51 cancels streams it picks itself, legitimate
    // ones and probes among them (SECURITY.md): half must still succeed.
    // Which streams it cancels, and when, varies from run to run: the peak
    // is usually 35-60 MiB but reached 101 MiB once (a fresh-clone run of
    // 2026-12-04), so this one attack is held to 112 MiB, under the pods'
    // 128 Mi, not to the 96 MiB of the others.
    { name: 'memory_quota', svc: 'credits', attack: 'big_bodies', probeShare: 0.5, expectRefused: 100,
      peakBudget: 112 * MiB,
      env: { MEMORY_QUOTA_BYTES: String(4 * MiB), RECV_BUDGET_BYTES: String(1024 * MiB) },
      ctx: Object.assign({}, base, { conns: 20, count: 600, parallel: 200, bytes: MiB - 64, withToken: true }) },
    { name: 'worker_wait_flood', counts: 'streams', svc: 'content', attack: 'worker_wait_flood',
      env: { STREAMS_PER_USER: '50' },
      ctx: Object.assign({}, base, { serviceToken: mint(users[5].id, 'service_role'), userToken: users[5].token,
        count: 2000, creates: 5, limitPerUser: 50 }) },
    { name: 'watch_flood', counts: 'streams', svc: 'content', attack: 'watch_flood', env: { STREAMS_PER_USER: '50', STREAMS_MAX: '400' },
      ctx: Object.assign({}, base, { users: users.slice(0, 11), perUser: 2000, eachOther: 60, limitPerUser: 50, limitTotal: 400 }) },
    // The same floods against a process of two loops (LOOPS=2): the process's
    // caps (connections, descriptors, unauthenticated streams, the read
    // budget) hold across its loops, and both loops stay up and small.
    ...twoLoops([
      { name: 'idle_connections', svc: 'credits', attack: 'idle_connections', nofile: 1024,
        ctx: Object.assign({}, base, { count: 3000, holdMs: SECONDS * 1000 }) },
      { name: 'health_watch_flood', svc: 'credits', attack: 'health_watch_flood', env: { UNAUTHENTICATED_STREAMS_MAX: '100' },
        ctx: Object.assign({}, base, { count: 300, limit: 100, loops: 2 }) },
      { name: 'slow_body', svc: 'credits', attack: 'slow_body', env: { READ_TIMEOUT_MS: '2000' },
        expectLog: /did not arrive in time/, ctx: Object.assign({}, base, { conns: 10, streams: 100 }) },
      { name: 'rapid_reset', counts: 'rapid_resets', svc: 'credits', attack: 'rapid_reset', ctx: Object.assign({}, base, { count: 2000000 }) },
      { name: 'big_bodies_token', svc: 'credits', attack: 'big_bodies',
        ctx: Object.assign({}, base, { conns: 20, count: 600, parallel: 200, bytes: MiB - 64, withToken: true }) },
    ]),
  ];
}

// Plan entries run again with LOOPS=2, named <name>_two_loops.
function twoLoops(entries) {
  return entries.map((a) => Object.assign({}, a, {
    name: `${a.name}_two_loops`, loops: 2, env: Object.assign({}, a.env || {}, { LOOPS: '2' }),
  }));
}

// 10 presets of a user whose style_data is a list of 1,000,000 nulls, as
// other clients of these tables may have written them (the services refuse
// them at write).
function bigPresets(users) {
  sql(`INSERT INTO public.style_presets (user_id, name, style_data)
       SELECT '${users[2].id}', 'nulls ' || g,
              jsonb_build_object('items', (SELECT jsonb_agg(NULL::int) FROM generate_series(1, 1000000)))
       FROM generate_series(1, 10) g`);
}

// 1000 presets of another user whose style_data is a 60,000-character
// string: under the write cap of 65,536 bytes of JSON, so each row is served.
function widePresets(users) {
  sql(`INSERT INTO public.style_presets (user_id, name, style_data)
       SELECT '${users[3].id}', 'wide ' || g, jsonb_build_object('s', repeat(md5(g::text), 1875))
       FROM generate_series(1, 1000) g`);
}

// 100 presets of another user whose style_data hold 30,000 values each
// (nulls: 180 kB): under the 1 MiB read cap, so it is the decoding budget
// (ROWMAP_JSON_READ_VALUES, 65,536 values a reply) that cuts the pages.
function densePresets(users) {
  sql(`INSERT INTO public.style_presets (user_id, name, style_data)
       SELECT '${users[4].id}', 'dense ' || g,
              jsonb_build_object('items', (SELECT jsonb_agg(NULL::int) FROM generate_series(1, 30000)))
       FROM generate_series(1, 100) g`);
}

// A fresh instance once it is SERVING, or null after a failed test (and
// the instance killed). With loops > 1, a test that it runs that many:
// threads named loop1.. run the loops after the first (the main thread's).
async function startServing(svc, name, env, nofile, loops) {
  const inst = await spawnService(svc, name, env, nofile);
  if (!(await waitServing(inst, 60000))) {
    ok(false, `${name}: the instance starts`, fs.readFileSync(inst.log, 'utf8').slice(-500));
    inst.child.kill('SIGKILL');
    return null;
  }
  if (loops > 1) {
    const named = loopThreads(inst.pid);
    ok(named === loops - 1, `${name}: the process runs ${loops} loops`, `${named} loop threads`);
  }
  return inst;
}

// SIGTERM, then a test that the instance exits 0 within 30 s (else killed).
async function exitsOnTerm(inst, name) {
  inst.child.kill('SIGTERM');
  const end = Date.now() + 30000;
  while (inst.exited === null && Date.now() < end) await sleep(100);
  ok(inst.exited && inst.exited.code === 0, `${name}: exits 0 on SIGTERM afterwards`, JSON.stringify(inst.exited));
  if (inst.exited === null) inst.child.kill('SIGKILL');
}

// cameos-sockkill: shuts down the (first) listening socket on the
// instance's port under gRPC; a test that it did.
function sockkill(inst, what) {
  const kill = cp.spawnSync(path.join(BUILD, 'tests', 'support', 'cameos-sockkill'), [String(inst.pid), String(inst.port)],
    { encoding: 'utf8' });
  ok(kill.status === 0, what, kill.stderr);
}

async function runOne(a, users) {
  if (a.before) a.before(users);
  const inst = await startServing(a.svc, a.name, a.env, a.nofile, a.loops);
  if (!inst) return;
  const token = users[users.length - 1].token; // the legitimate caller is not the attacker
  await warm(inst, token);
  resetPeak(inst.pid);
  const probes = startProbes(inst, token);
  await sleep(300);
  const ctx = Object.assign({
    port: inst.port, metricsPort: inst.metricsPort, service: a.svc, pid: inst.pid, nofile: a.nofile || 0,
    fdsBefore: fdCount(inst.pid),
  }, a.ctx);
  const res = await runAttacker(a.attack, ctx, 120000);
  probes.stop = true;
  await probes.done;
  const settleStart = Date.now();
  const inFlight = await settle([inst.port, inst.metricsPort], 15000);
  const settleMs = Date.now() - settleStart;
  const peak = rss(inst.pid).hwm;
  let after = rss(inst.pid).rss, afterMs = 0;
  const t0 = Date.now();
  while (after > AFTER_BUDGET && Date.now() - t0 < 10000) {
    await sleep(250);
    after = rss(inst.pid).rss;
  }
  afterMs = Date.now() - t0;
  const up = inst.exited === null;
  const hOk = probes.health.filter((r) => r.code === 0 && r.ms <= 1000).length;
  const lOk = probes.legit.filter((r) => r.code === 0).length;
  const lP99 = p99(probes.legit.filter((r) => r.code === 0).map((r) => r.ms));
  console.log(`attack ${a.name}: ${res.summary}; ${inFlight} of its sockets in flight after ${settleMs} ms`);
  console.log(`attack ${a.name}: up ${up ? 'yes' : 'NO'}, health ${hOk}/${probes.health.length} within 1 s, ` +
    `legit ${lOk}/${probes.legit.length} ok p99 ${lP99.toFixed(1)} ms, peak RSS ${fmt(peak)}, ` +
    `RSS after ${fmt(after)} (${(afterMs / 1000).toFixed(1)} s)`);
  ok(up, `${a.name}: the service stayed up`, inst.exited ? `exited ${JSON.stringify(inst.exited)}` : '');
  // A probe may miss on a shared CI machine; one in twenty is the margin
  // (a.probeShare where the attack's own answer cancels calls at random).
  const share = a.probeShare || 0.95;
  const shareNote = a.probeShare ? ` (${share * 100}% or more)` : '';
  ok(probes.health.length > 0 && hOk >= share * probes.health.length,
    `${a.name}: health answered within 1 s during the attack${shareNote}`, `${hOk}/${probes.health.length}`);
  ok(probes.legit.length > 0 && lOk >= share * probes.legit.length,
    `${a.name}: legitimate calls on another connection succeeded${shareNote}`, `${lOk}/${probes.legit.length}`);
  const peakBudget = a.peakBudget || PEAK_BUDGET;
  ok(peak <= peakBudget, `${a.name}: peak RSS within ${fmt(peakBudget)}`, fmt(peak));
  ok(after <= AFTER_BUDGET, `${a.name}: RSS back under ${fmt(AFTER_BUDGET)} within 10 s`, fmt(after));
  for (const c of res.checks || []) ok(c.ok, `${a.name}: ${c.name}`, c.detail);
  if (a.expectLog) {
    const log = fs.readFileSync(inst.log, 'utf8');
    ok(a.expectLog.test(log), `${a.name}: the service log shows ${a.expectLog}`, log.slice(-300));
  }
  if (a.expectRefused) {
    const refused = (res.codes || {})[8] || 0;
    ok(refused >= a.expectRefused, `${a.name}: ${a.expectRefused} or more calls refused RESOURCE_EXHAUSTED`, String(refused));
  }
  if (a.expectCodes) {
    ok(JSON.stringify(res.codes || {}) === JSON.stringify(a.expectCodes), `${a.name}: every call got the expected code`,
      `${JSON.stringify(res.codes)} vs ${JSON.stringify(a.expectCodes)}`);
  }
  if (up) {
    // The listeners outlived the attack: a new connection is served on each.
    const fresh = newClient(inst.port);
    const r = await call(fresh, '/grpc.health.v1.Health/Check', null, 5000);
    fresh.close();
    ok(r.code === 0, `${a.name}: a new connection is served after the attack`, `code ${r.code}`);
    // A second try, 2 s later, where the first found the port's connection
    // slots taken all the same by the attack's last handshakes (settle);
    // both answers are printed.
    let m = await getMetrics(inst.metricsPort);
    if (m.status !== 200) {
      console.log(`# ${a.name}: /metrics first try: ${m.status}; trying again in 2 s`);
      await sleep(2000);
      m = await getMetrics(inst.metricsPort);
    }
    ok(m.status === 200, `${a.name}: /metrics answers after the attack`, String(m.status));
    if (a.counts) {
      // The refusals this attack causes are counted where operators look.
      const hit = m.body.match(new RegExp(`^cameos_refused_total\\{limit="${a.counts}"\\} (\\d+)$`, 'm'));
      ok(hit && Number(hit[1]) > 0, `${a.name}: cameos_refused_total{limit="${a.counts}"} counted it`,
        hit ? hit[0] : 'no such line');
    }
  }
  // A clean exit after the attack: nothing it left behind blocks the drain.
  if (up) await exitsOnTerm(inst, a.name);
}

// The process notices a listener that no longer accepts: a socket shut down
// under gRPC 1.51 (cameos-sockkill) makes its next accept fail with EINVAL,
// which ends its listener for good; the self-probe must see it and the
// process drain and exit 3.
async function listenerShutdown() {
  const inst = await startServing('credits', 'listener_shutdown', { LISTENER_CHECK_MS: '500' });
  if (!inst) return;
  sockkill(inst, 'listener_shutdown: the listening socket was shut down under gRPC');
  // A connection now waits for ever or is refused: the listener is gone.
  const end = Date.now() + 30000;
  while (inst.exited === null && Date.now() < end) await sleep(100);
  const log = fs.readFileSync(inst.log, 'utf8');
  console.log(`attack listener_shutdown: exit ${JSON.stringify(inst.exited)}`);
  ok(inst.exited && inst.exited.code === 3, 'listener_shutdown: the process exits 3 once its listener stopped accepting',
    JSON.stringify(inst.exited));
  ok(/no longer accepts connections/.test(log), 'listener_shutdown: the log says why', log.slice(-300));
  if (inst.exited === null) inst.child.kill('SIGKILL');
}

// With two loops the port has two listening sockets (SO_REUSEPORT). One
// shut down under gRPC leaves the kernel's group, so every new connection
// goes to the other loop: the process must keep serving new connections,
// not hang half of them, and still drain and exit 0 on SIGTERM.
async function listenerShutdownTwoLoops() {
  const name = 'listener_shutdown_two_loops';
  const inst = await startServing('credits', name, { LISTENER_CHECK_MS: '500', LOOPS: '2' }, 0, 2);
  if (!inst) return;
  sockkill(inst, `${name}: one of the two listening sockets was shut down under gRPC`);
  await sleep(2000); // four self-probe rounds
  // 20 new connections, each a client of its own: every one served.
  let served = 0;
  for (let i = 0; i < 20; i++) {
    const c = newClient(inst.port);
    const r = await call(c, '/grpc.health.v1.Health/Check', null, 5000);
    c.close();
    if (r.code === 0) served++;
  }
  console.log(`attack ${name}: ${served}/20 new connections served after the shutdown, ` +
    `process ${inst.exited === null ? 'up' : 'exited ' + JSON.stringify(inst.exited)}`);
  const log = fs.readFileSync(inst.log, 'utf8');
  ok(/Failed accept4/.test(log), `${name}: gRPC's listener on that loop stopped (its accept failed)`, log.slice(-300));
  ok(served === 20, `${name}: every new connection is served by the other loop`, `${served}/20`);
  ok(inst.exited === null, `${name}: the process stays up`, JSON.stringify(inst.exited));
  if (inst.exited === null) await exitsOnTerm(inst, name);
}

async function main() {
  for (const v of ['CAMEOS_BUILD_DIR', 'DATABASE_URL', 'JWT_SECRET']) {
    if (!process.env[v]) {
      console.log(`not ok 1 - ${v} is set`);
      console.log('1..1');
      process.exit(1);
    }
  }
  const users = makeUsers(12);
  const only = (process.env.ATTACKS || '').split(/\s+/).filter((x) => x);
  for (const a of plan(users)) {
    if (only.length && !only.includes(a.name)) continue;
    try {
      await runOne(a, users);
    } catch (e) {
      ok(false, `${a.name}: ran to the end`, String(e && e.stack || e).split('\n').slice(0, 3).join(' | '));
    }
  }
  // The attacks with a course of their own, after the plan's.
  const own = { listener_shutdown: listenerShutdown, listener_shutdown_two_loops: listenerShutdownTwoLoops };
  for (const [name, run] of Object.entries(own)) {
    if (only.length && !only.includes(name)) continue;
    try {
      await run();
    } catch (e) {
      ok(false, `${name}: ran to the end`, String(e && e.stack || e).split('\n').slice(0, 3).join(' | '));
    }
  }
  console.log(`1..${tapN}`);
  process.exit(tapFailed ? 1 : 0);
}

main();
