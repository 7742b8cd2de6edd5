'use strict';
// attacks - each hostile or careless traffic pattern of the attack suite, run
// in a process of its own (run.cjs forks `node attacks.cjs NAME`) so that its
// load never slows the probes that judge the service. Every attack is bounded
// in count and time and ends by itself; it reports JSON on stdout:
// {summary, checks: [{name, ok, detail}]}, checks being what the attack
// itself must see (e.g. every deep request refused INVALID_ARGUMENT).

const path = require('path');
const h2 = require('./h2raw.cjs');
const pb = require('./pb.cjs');

const ROOT = path.resolve(__dirname, '..', '..');
const grpc = require(path.join(ROOT, 'tests', 'node_modules', '@grpc', 'grpc-js'));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const id = (b) => b;

function client(port) {
  return new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
    'grpc.max_receive_message_length': 64 << 20,
    'grpc.max_send_message_length': 64 << 20,
  });
}

function unary(c, method, buf, token, deadlineMs) {
  return new Promise((resolve) => {
    const md = new grpc.Metadata();
    if (token) md.set('authorization', 'Bearer ' + token);
    c.makeUnaryRequest(method, id, id, buf, md, { deadline: Date.now() + (deadlineMs || 20000) },
      (err, reply) => resolve(err ? { code: err.code, details: err.details } : { code: 0, reply }));
  });
}

// Runs n calls of fn(i) at most `parallel` at a time.
async function pool(n, parallel, fn) {
  let next = 0;
  const out = new Array(n);
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await fn(i);
    }
  }));
  return out;
}

function tally(results) {
  const t = {};
  for (const r of results) t[r.code] = (t[r.code] || 0) + 1;
  return t;
}

// Descriptors the service holds (its sockets among them).
function fdCount(pid) {
  try {
    return require('fs').readdirSync(`/proc/${pid}/fd`).length;
  } catch (e) {
    return -1;
  }
}

function check(name, ok, detail) {
  return { name, ok: !!ok, detail: detail || '' };
}

const ATTACKS = {
  // A Struct 5,000 levels deep (34 KB): a segfault in protobuf-c before the guard.
  async deep_struct(ctx) {
    const c = client(ctx.port);
    const isContent = ctx.service === 'content';
    const body = isContent
      ? pb.bytesField(1, Buffer.concat([pb.bytesField(3, 'deep'), pb.bytesField(5, pb.nestedStruct(5000))]))
      : pb.bytesField(1, Buffer.concat([pb.bytesField(3, 'deep'), pb.bytesField(10, pb.nestedStruct(5000))]));
    const method = isContent
      ? '/cameos.content.v1.ContentService/CreateStylePreset'
      : '/cameos.planning.v1.PlanningService/CreateCampaign';
    const res = await pool(400, 16, () => unary(c, method, body, ctx.userToken));
    c.close();
    const t = tally(res);
    return {
      summary: `400 requests of ${body.length} bytes: ${JSON.stringify(t)}`,
      checks: [check('every deep request is INVALID_ARGUMENT', t[3] === 400, JSON.stringify(t))],
    };
  },

  // Idle HTTP/2 connections (preface and SETTINGS, no token) past the cap and
  // past the descriptor limit: CVE-2023-4785 stopped gRPC 1.51's listener.
  async idle_connections(ctx) {
    const conns = [];
    for (let i = 0; i < ctx.count; i++) conns.push(h2.connect(ctx.port, { connectTimeoutMs: 5000 }));
    const all = await Promise.all(conns);
    await sleep(ctx.holdMs);
    const closedEarly = all.filter((s) => s.closed || s.error).length;
    const fds = fdCount(ctx.pid);
    for (const s of all) s.sock.destroy();
    return {
      summary: `${ctx.count} connections held ${ctx.holdMs} ms, ${closedEarly} closed by the server, ` +
        `${fds} descriptors open in the service (limit ${ctx.nofile})`,
      checks: [
        check('the server closed connections past its cap', closedEarly >= ctx.count - ctx.nofile, `${closedEarly} closed`),
        check('the service kept descriptors free', fds > 0 && fds < ctx.nofile - 64, `${fds} of ${ctx.nofile}`),
      ],
    };
  },

  // Connections that never send the HTTP/2 preface are closed by the
  // handshake timeout, not kept until MAX_CONNECTION_AGE.
  async silent_connections(ctx) {
    const all = await Promise.all(Array.from({ length: ctx.count }, () => h2.connect(ctx.port, { raw: true })));
    const deadline = Date.now() + ctx.waitMs;
    let fds = fdCount(ctx.pid);
    while (Date.now() < deadline && fds > ctx.fdsBefore + 8) {
      await sleep(200);
      fds = fdCount(ctx.pid);
    }
    const open = all.filter((s) => !s.closed).length;
    for (const s of all) s.sock.destroy();
    return {
      summary: `${ctx.count} silent connections: service descriptors ${ctx.fdsBefore} before, ${fds} after ` +
        `${ctx.waitMs} ms at most; ${open} still open on our side`,
      checks: [check('the service closed every silent connection', fds <= ctx.fdsBefore + 8, `${fds} descriptors`)],
    };
  },

  // Idle TCP connections to the metrics port share the descriptor table.
  async metrics_connections(ctx) {
    const net = require('net');
    const socks = await Promise.all(Array.from({ length: ctx.count }, () => new Promise((resolve) => {
      const s = net.connect({ port: ctx.metricsPort, host: '127.0.0.1' });
      const st = { s, closed: false };
      s.on('error', () => {});
      s.on('close', () => { st.closed = true; });
      s.on('connect', () => resolve(st));
      setTimeout(() => resolve(st), 5000);
    })));
    const peakFds = fdCount(ctx.pid);
    const deadline = Date.now() + ctx.waitMs;
    let fds = peakFds;
    while (Date.now() < deadline && fds > ctx.fdsBefore + 8) {
      await sleep(200);
      fds = fdCount(ctx.pid);
    }
    for (const x of socks) x.s.destroy();
    return {
      summary: `${ctx.count} idle metrics connections: service descriptors ${ctx.fdsBefore} before, ` +
        `${peakFds} during, ${fds} after`,
      checks: [
        check('the metrics port keeps at most METRICS_MAX_CONNECTIONS', peakFds <= ctx.fdsBefore + 16 + 8, `${peakFds}`),
        check('the metrics port closed every idle connection', fds <= ctx.fdsBefore + 8, `${fds} descriptors`),
      ],
    };
  },

  // PING frames as fast as the server reads them.
  async ping_flood(ctx) {
    const st = await h2.connect(ctx.port);
    const ping = h2.frame(h2.TYPE.PING, 0, 0, Buffer.alloc(8));
    const batch = Buffer.concat(new Array(1000).fill(ping));
    let sent = 0;
    const end = Date.now() + ctx.seconds * 1000;
    while (Date.now() < end && sent < 2000000 && (await h2.write(st, batch))) sent += 1000;
    const goaway = st.goaway, closed = st.closed;
    st.sock.destroy();
    return {
      summary: `${sent} PINGs sent, GOAWAY ${goaway === null ? 'none' : goaway}, connection ${closed ? 'closed' : 'open'}`,
      checks: [check('the server ends a connection flooding PINGs', closed, '')],
    };
  },

  // Empty SETTINGS frames, each owed an ACK.
  async settings_flood(ctx) {
    const st = await h2.connect(ctx.port);
    const batch = Buffer.concat(new Array(1000).fill(h2.settings([])));
    let sent = 0;
    const end = Date.now() + ctx.seconds * 1000;
    while (Date.now() < end && sent < 2000000 && (await h2.write(st, batch))) sent += 1000;
    const closed = st.closed;
    st.sock.destroy();
    return {
      summary: `${sent} SETTINGS sent, connection ${closed ? 'closed' : 'open'}`,
      checks: [check('the server ends a connection flooding SETTINGS', closed, '')],
    };
  },

  // HEADERS then RST_STREAM, again and again (CVE-2023-44487), on a new
  // connection each time the server closes one.
  async rapid_reset(ctx) {
    const block = h2.grpcHeaders('/cameos.credits.v1.CreditsService/GetProfile', ctx.userToken);
    const rst = Buffer.alloc(4);
    rst.writeUInt32BE(8); // CANCEL
    let sent = 0, conns = 0, closedByServer = 0;
    const end = Date.now() + ctx.seconds * 1000;
    while (Date.now() < end && sent < ctx.count) {
      const st = await h2.connect(ctx.port);
      conns++;
      await sleep(50);
      let sid = 1;
      while (Date.now() < end && sent < ctx.count && !st.closed) {
        const parts = [];
        for (let k = 0; k < 500; k++, sid += 2) {
          parts.push(h2.frame(h2.TYPE.HEADERS, h2.FLAG.END_HEADERS, sid, block));
          parts.push(h2.frame(h2.TYPE.RST_STREAM, 0, sid, rst));
        }
        if (!(await Promise.race([h2.write(st, Buffer.concat(parts)), sleep(2000).then(() => false)]))) break;
        sent += 500;
      }
      await sleep(20);
      if (st.closed) closedByServer++;
      st.sock.destroy();
    }
    return {
      summary: `${sent} HEADERS+RST_STREAM pairs over ${conns} connections, ${closedByServer} closed by the server`,
      checks: [check('the server closes a connection that floods resets', closedByServer > 0, `${closedByServer} of ${conns}`)],
    };
  },

  // One header block that never ends: HEADERS without END_HEADERS, then
  // CONTINUATION frames of 16 KB forever.
  async continuation_flood(ctx) {
    const st = await h2.connect(ctx.port);
    await sleep(100);
    const first = h2.grpcHeaders('/cameos.credits.v1.CreditsService/GetProfile', ctx.userToken);
    await h2.write(st, h2.frame(h2.TYPE.HEADERS, 0, 1, first));
    let n = 0, sent = 0;
    const end = Date.now() + ctx.seconds * 1000;
    while (Date.now() < end && sent < (256 << 20) && !st.closed) {
      const hdrs = [];
      for (let k = 0; k < 16; k++) hdrs.push([`x-junk-${n++}`, 'a'.repeat(1000)]);
      const frame = h2.frame(h2.TYPE.CONTINUATION, 0, 1, h2.headerBlock(hdrs));
      if (!(await h2.write(st, frame))) break;
      sent += frame.length;
    }
    const closed = st.closed;
    st.sock.destroy();
    return {
      summary: `${(sent / 1048576).toFixed(1)} MiB of CONTINUATION, connection ${closed ? 'closed by the server' : 'still open'}`,
      checks: [check('the server ends an endless header block', closed, closed ? '' : 'still open')],
    };
  },

  // A request carrying 1 MiB of metadata, from 20 connections at once.
  async big_metadata(ctx) {
    const results = await Promise.all(Array.from({ length: 20 }, async () => {
      const st = await h2.connect(ctx.port);
      await sleep(50);
      const block = h2.grpcHeaders('/cameos.credits.v1.CreditsService/GetProfile', ctx.userToken,
        [['x-big', 'b'.repeat(1 << 20)]]);
      const chunks = [];
      for (let off = 0; off < block.length; off += 16384) {
        const last = off + 16384 >= block.length;
        const part = block.subarray(off, off + 16384);
        chunks.push(off === 0
          ? h2.frame(h2.TYPE.HEADERS, (last ? h2.FLAG.END_HEADERS : 0) | h2.FLAG.END_STREAM, 1, part)
          : h2.frame(h2.TYPE.CONTINUATION, last ? h2.FLAG.END_HEADERS : 0, 1, part));
      }
      await h2.write(st, Buffer.concat(chunks));
      const deadline = Date.now() + 10000;
      while (Date.now() < deadline && !st.closed && st.rst === 0 && st.frames < 4) await sleep(50);
      const refused = st.closed || st.rst > 0 || st.frames >= 4;
      st.sock.destroy();
      return refused;
    }));
    const refused = results.filter((x) => x).length;
    return {
      summary: `20 requests with 1 MiB of metadata, ${refused} answered or reset`,
      checks: [check('every oversized header block is answered, not kept', refused === 20, `${refused}/20`)],
    };
  },

  // Streams that send their body one byte a second.
  async slow_body(ctx) {
    const conns = await Promise.all(Array.from({ length: ctx.conns }, () => h2.connect(ctx.port)));
    await sleep(100);
    const block = h2.grpcHeaders('/cameos.credits.v1.CreditsService/GetProfile', ctx.userToken);
    const body = h2.grpcMessage(Buffer.alloc(64));
    for (const st of conns) {
      const parts = [];
      for (let k = 0; k < ctx.streams; k++) parts.push(h2.frame(h2.TYPE.HEADERS, h2.FLAG.END_HEADERS, 1 + 2 * k, block));
      await h2.write(st, Buffer.concat(parts));
    }
    for (let sec = 0; sec < ctx.seconds; sec++) {
      for (const st of conns) {
        const parts = [];
        for (let k = 0; k < ctx.streams; k++) parts.push(h2.frame(h2.TYPE.DATA, 0, 1 + 2 * k, body.subarray(sec, sec + 1)));
        await h2.write(st, Buffer.concat(parts));
      }
      await sleep(1000);
    }
    const closed = conns.filter((s) => s.closed).length;
    const ended = conns.reduce((n, s) => n + s.ended + s.rst, 0);
    for (const st of conns) st.sock.destroy();
    return {
      summary: `${ctx.conns * ctx.streams} streams at 1 byte/s for ${ctx.seconds} s: ${ended} ended by the server, ` +
        `${closed} connections closed`,
      checks: [check('the server ends requests whose body does not arrive in time', ended > 0, `${ended} ended`)],
    };
  },

  // Reflection without a token on a stream whose receive window is zero:
  // 20,000 requests whose answers can never be sent.
  async reflection_zero_window(ctx) {
    const st = await h2.connect(ctx.port, { settings: [[4, 0]] }); // INITIAL_WINDOW_SIZE 0
    await sleep(100);
    const block = h2.grpcHeaders('/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', null);
    await h2.write(st, h2.frame(h2.TYPE.HEADERS, h2.FLAG.END_HEADERS, 1, block));
    const req = h2.grpcMessage(pb.bytesField(4, 'cameos.credits.v1.CreditsService'));
    let sent = 0;
    const end = Date.now() + ctx.seconds * 1000;
    // The server's window for our stream bounds what it takes: writes stall.
    const writer = (async () => {
      while (sent < 20000 && Date.now() < end && !st.closed) {
        const batch = Buffer.concat(new Array(100).fill(req));
        if (!(await Promise.race([h2.write(st, h2.frame(h2.TYPE.DATA, 0, 1, batch)), sleep(2000).then(() => false)]))) break;
        sent += 100;
      }
    })();
    await Promise.race([writer, sleep(ctx.seconds * 1000)]);
    st.sock.destroy();
    return { summary: `${sent} reflection requests written before the server stopped reading`, checks: [] };
  },

  // WatchGeneration: many streams of one user, then of many users.
  async watch_flood(ctx) {
    // A connection per user: one connection carries at most
    // MAX_CONCURRENT_STREAMS streams, and the client queues the rest.
    const clients = ctx.users.map(() => client(ctx.port));
    const open = (i) => new Promise((resolve) => {
      const u = ctx.users[i];
      const md = new grpc.Metadata();
      md.set('authorization', 'Bearer ' + u.token);
      const call = clients[i].makeServerStreamRequest('/cameos.content.v1.ContentService/WatchGeneration', id, id,
        pb.bytesField(1, u.generation), md, { deadline: Date.now() + 60000 });
      const st = { call, code: null, msgs: 0 };
      call.on('data', () => { st.msgs++; if (st.msgs === 1) resolve(st); });
      call.on('error', () => {});
      call.on('status', (s) => { st.code = s.code; resolve(st); });
    });
    const one = await pool(ctx.perUser, 32, () => open(0));
    const exhaustedOne = one.filter((s) => s.code === 8).length;
    const liveOne = one.filter((s) => s.code === null).length;
    const many = [];
    for (let i = 1; i < ctx.users.length; i++) many.push(...(await pool(ctx.eachOther, 32, () => open(i))));
    const exhaustedAll = many.filter((s) => s.code === 8).length;
    const live = liveOne + many.filter((s) => s.code === null).length;
    for (const s of one.concat(many)) s.call.cancel();
    for (const c of clients) c.close();
    return {
      summary: `one user: ${ctx.perUser} streams, ${liveOne} kept, ${exhaustedOne} RESOURCE_EXHAUSTED; ` +
        `${ctx.users.length - 1} more users x ${ctx.eachOther}: ${exhaustedAll} RESOURCE_EXHAUSTED; ${live} live in all`,
      checks: [
        check('one user keeps at most STREAMS_PER_USER streams',
          liveOne === ctx.limitPerUser && exhaustedOne === ctx.perUser - ctx.limitPerUser, `${liveOne} live, ${exhaustedOne} refused`),
        check('all users together keep at most STREAMS_MAX streams', live <= ctx.limitTotal && exhaustedAll > 0,
          `${live} live, ${exhaustedAll} refused`),
      ],
    };
  },

  // WaitForGenerations streams of one worker token, far past
  // STREAMS_PER_USER; then a user creates generations, and every stream
  // kept must be cued (the fan-out of one NOTIFY to every waiting worker).
  async worker_wait_flood(ctx) {
    const c = client(ctx.port);
    const md = new grpc.Metadata();
    md.set('authorization', 'Bearer ' + ctx.serviceToken);
    const open = () => new Promise((resolve) => {
      const call = c.makeServerStreamRequest('/cameos.content.v1.ContentService/WaitForGenerations', id, id,
        pb.bytesField(1, 'attack-worker'), md, { deadline: Date.now() + 60000 });
      const st = { call, code: null, msgs: 0 };
      call.on('data', () => { st.msgs++; if (st.msgs === 1) resolve(st); });
      call.on('error', () => {});
      call.on('status', (s) => { st.code = s.code; resolve(st); });
    });
    const all = await pool(ctx.count, 32, open);
    const live = all.filter((s) => s.code === null);
    const exhausted = all.filter((s) => s.code === 8).length;
    // CreateGeneration {generation {prompt, veo-fast, 16:9, 720p, text_to_video}}
    const gen = pb.bytesField(1, Buffer.concat([pb.bytesField(3, 'attack'), pb.varintField(4, 2),
      pb.varintField(5, 1), pb.varintField(6, 1), pb.varintField(7, 1)]));
    const created = tally(await pool(ctx.creates, 1, () =>
      unary(c, '/cameos.content.v1.ContentService/CreateGeneration', gen, ctx.userToken)));
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline && live.some((s) => s.msgs < 2)) await sleep(100);
    const cued = live.filter((s) => s.msgs >= 2).length;
    for (const s of all) s.call.cancel();
    c.close();
    return {
      summary: `${ctx.count} WaitForGenerations streams of one worker token: ${live.length} kept, ` +
        `${exhausted} RESOURCE_EXHAUSTED; ${ctx.creates} CreateGeneration ${JSON.stringify(created)}; ` +
        `${cued} of the kept streams cued again`,
      checks: [
        check('one worker token keeps at most STREAMS_PER_USER streams',
          live.length === ctx.limitPerUser && exhausted === ctx.count - ctx.limitPerUser,
          `${live.length} kept, ${exhausted} refused`),
        check('new work cues every waiting stream', created[0] === ctx.creates && cued === live.length,
          `${cued} of ${live.length}`),
      ],
    };
  },

  // Requests just under MAX_RECV_BYTES, many at once over several
  // connections, with a token or without one.
  async big_bodies(ctx) {
    const clients = Array.from({ length: ctx.conns }, () => client(ctx.port));
    const body = pb.bytesField(15, Buffer.alloc(ctx.bytes - 16, 0x61)); // an unknown field
    const res = await pool(ctx.count, ctx.parallel, (i) =>
      unary(clients[i % clients.length], '/cameos.credits.v1.CreditsService/GetProfile', body,
        ctx.withToken ? ctx.userToken : null, 30000));
    for (const c of clients) c.close();
    const t = tally(res);
    return { summary: `${ctx.count} requests of ${(body.length / 1048576).toFixed(1)} MiB, ${ctx.parallel} at a time, ` +
      `${ctx.withToken ? 'with' : 'without'} a token: ${JSON.stringify(t)}`, codes: t, checks: [] };
  },

  // ListStylePresets of a user whose rows are far over any reply.
  async list_page(ctx) {
    const c = client(ctx.port);
    const res = await pool(ctx.calls, 4, () => unary(c, '/cameos.content.v1.ContentService/ListStylePresets',
      Buffer.alloc(0), ctx.userToken, 30000));
    c.close();
    const t = tally(res);
    return {
      summary: `${ctx.calls} ListStylePresets of 10 rows of 1,000,000 nulls: ${JSON.stringify(t)}`,
      checks: [check('a page of rows too large for any reply is RESOURCE_EXHAUSTED', t[8] === ctx.calls, JSON.stringify(t))],
    };
  },

  // ListStylePresets of 1000 rows whose style_data are each just under the
  // write cap: 60 MB of rows for one page_size=1000 call, which libpq held
  // whole before the pool kept rows one by one (PGPOOL_ROWS).
  async wide_list_page(ctx) {
    const c = client(ctx.port);
    const res = await pool(ctx.calls, 4, () => unary(c, '/cameos.content.v1.ContentService/ListStylePresets',
      pb.varintField(1, 1000), ctx.userToken, 60000));
    // Then one reader walks every page: the short pages lose no row.
    let walked = 0, pagesWalked = 0, token = null, walkCode = 0;
    do {
      const req = Buffer.concat([pb.varintField(1, 1000), token ? pb.bytesField(2, token) : Buffer.alloc(0)]);
      const r = await unary(c, '/cameos.content.v1.ContentService/ListStylePresets', req, ctx.userToken, 60000);
      walkCode = r.code;
      if (r.code !== 0) break;
      const f = pb.topFields(r.reply);
      walked += f.count[1];
      pagesWalked++;
      token = f.bytes[2] ? f.last[2] : null;
    } while (token && pagesWalked < 200);
    c.close();
    const t = tally(res);
    const pages = res.filter((r) => r.code === 0).map((r) => pb.topFields(r.reply));
    const short = pages.filter((f) => f.count[1] > 0 && f.count[1] < ctx.rows && f.bytes[2] > 0).length;
    const sizes = pages.map((f) => f.count[1]);
    return {
      summary: `${ctx.calls} ListStylePresets(page_size 1000) over ${ctx.rows} rows of ${ctx.rowBytes} bytes: ` +
        `${JSON.stringify(t)}, rows per page ${Math.min(...sizes)}..${Math.max(...sizes)}; ` +
        `${walked} rows read in ${pagesWalked} pages by following the tokens`,
      checks: [
        check('every call is OK', t[0] === ctx.calls, JSON.stringify(t)),
        check('every page is short and has a next_page_token', short === ctx.calls, `${short} of ${ctx.calls}`),
        check('following the tokens reads every row once', walkCode === 0 && walked === ctx.rows,
          `${walked} rows in ${pagesWalked} pages, last code ${walkCode}`),
      ],
    };
  },

  // A connection that makes no call: GOAWAY after MAX_CONNECTION_IDLE_MS.
  async idle_goaway(ctx) {
    const st = await h2.connect(ctx.port);
    const end = Date.now() + ctx.waitMs;
    while (Date.now() < end && st.goaway === null && !st.closed) await sleep(100);
    const got = st.goaway !== null || st.closed;
    st.sock.destroy();
    return {
      summary: `a connection without calls: ${st.goaway !== null ? 'GOAWAY' : st.closed ? 'closed' : 'still open'}`,
      checks: [check('an idle connection is sent away', got, '')],
    };
  },

  // Health watches without a token, past UNAUTHENTICATED_STREAMS_MAX.
  async health_watch_flood(ctx) {
    const clients = Array.from({ length: 4 }, () => client(ctx.port));
    const open = (i) => new Promise((resolve) => {
      const call = clients[i % clients.length].makeServerStreamRequest('/grpc.health.v1.Health/Watch', id, id,
        Buffer.alloc(0), new grpc.Metadata(), { deadline: Date.now() + 60000 });
      const st = { call, code: null };
      call.on('data', () => resolve(st));
      call.on('error', () => {});
      call.on('status', (s) => { st.code = s.code; resolve(st); });
    });
    const all = await pool(ctx.count, 32, open);
    const live = all.filter((s) => s.code === null).length;
    const refused = all.filter((s) => s.code === 8).length;
    for (const s of all) s.call.cancel();
    for (const c of clients) c.close();
    return {
      summary: `${ctx.count} health watches without a token: ${live} kept, ${refused} RESOURCE_EXHAUSTED`,
      // Several loops divide the cap: each keeps its share of the streams
      // its connections bring, so the process keeps at most the cap, and at
      // least one loop's share (the kernel may hand every connection to
      // one loop).
      checks: [ctx.loops > 1
        ? check('at most UNAUTHENTICATED_STREAMS_MAX are kept across the loops, the rest refused',
          live <= ctx.limit && live >= Math.ceil(ctx.limit / ctx.loops) && live + refused === ctx.count,
          `${live} live, ${refused} refused`)
        : check('at most UNAUTHENTICATED_STREAMS_MAX are kept, the rest refused',
          live === ctx.limit && refused === ctx.count - ctx.limit, `${live} live, ${refused} refused`)],
    };
  },

  // A watcher that never reads while its generation changes again and again.
  async watch_not_reading(ctx) {
    const st = await h2.connect(ctx.port, { settings: [[4, 0]] }); // INITIAL_WINDOW_SIZE 0
    await sleep(100);
    const block = h2.grpcHeaders('/cameos.content.v1.ContentService/WatchGeneration', ctx.userToken);
    await h2.write(st, Buffer.concat([
      h2.frame(h2.TYPE.HEADERS, h2.FLAG.END_HEADERS, 1, block),
      h2.frame(h2.TYPE.DATA, h2.FLAG.END_STREAM, 1, h2.grpcMessage(pb.bytesField(1, ctx.generation))),
    ]));
    await sleep(300);
    const cp = require('child_process');
    for (let i = 0; i < ctx.updates; i++) {
      cp.spawnSync('psql', [ctx.db, '-qAtX', '-c',
        `UPDATE public.generations SET prompt = 'attack ${i}' WHERE id = '${ctx.generation}'`]);
    }
    await sleep(1000);
    st.sock.destroy();
    return { summary: `${ctx.updates} changes to a generation whose watcher reads nothing`, checks: [] };
  },

  // More concurrent streams on one connection than SETTINGS allow.
  async stream_limit(ctx) {
    const st = await h2.connect(ctx.port);
    await sleep(200); // our ACK of the server's SETTINGS makes its limit binding
    const block = h2.grpcHeaders('/grpc.health.v1.Health/Watch', null);
    const msg = h2.grpcMessage(Buffer.alloc(0));
    const parts = [];
    for (let k = 0; k < ctx.count; k++) {
      parts.push(h2.frame(h2.TYPE.HEADERS, h2.FLAG.END_HEADERS, 1 + 2 * k, block));
      parts.push(h2.frame(h2.TYPE.DATA, h2.FLAG.END_STREAM, 1 + 2 * k, msg));
    }
    await h2.write(st, Buffer.concat(parts));
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline && !st.closed) await sleep(100);
    const closed = st.closed;
    st.sock.destroy();
    return {
      summary: `${ctx.count} streams opened at once on one connection: ${closed ? 'connection closed' : 'still open'}`,
      checks: [check('a connection past SETTINGS_MAX_CONCURRENT_STREAMS is closed', closed, '')],
    };
  },
};

async function main() {
  const name = process.argv[2];
  const ctx = JSON.parse(process.argv[3] || '{}');
  if (!ATTACKS[name]) {
    console.log(JSON.stringify({ summary: `unknown attack ${name}`, checks: [check('known attack', false)] }));
    process.exit(2);
  }
  const out = await ATTACKS[name](ctx);
  console.log(JSON.stringify(out));
  process.exit(0);
}

if (require.main === module) main();
module.exports = { ATTACKS };
