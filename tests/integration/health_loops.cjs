'use strict';
// health_loops.cjs MODE ADDR N [SECONDS] - grpc.health.v1.Health for "" over
// N connections of their own, which the kernel spreads over a process's
// loops. Raw bytes, no reflection (buf curl would open a reflection stream
// first, which counts against the same stream caps). Helpers of loops.sh,
// not tests themselves:
//   watch: N Watch streams; prints "stream I STATUS" for every status each
//          one gets (or "stream I ended CODE"), until killed.
//   count: N Watch streams held SECONDS, then prints "kept K refused R
//          other O": K got a first status, R ended RESOURCE_EXHAUSTED, O
//          ended otherwise.
//   check: one Check a connection; prints "SERVING S NOT_SERVING X other O".
const path = require('path');
const grpc = require(path.join(__dirname, '..', 'node_modules', '@grpc', 'grpc-js'));

const [mode, addr, n, seconds] = [process.argv[2], process.argv[3], Number(process.argv[4]),
  Number(process.argv[5])];
const raw = (b) => b;
const NAMES = { 0: 'UNKNOWN', 1: 'SERVING', 2: 'NOT_SERVING', 3: 'SERVICE_UNKNOWN' };
// HealthCheckResponse is one enum field (1, varint); absent is 0.
const statusOf = (b) => NAMES[b.length >= 2 && b[0] === 0x08 ? b[1] : 0] || 'bad';
// A client of its own per call, with no shared subchannel: a connection each.
const client = () => new grpc.Client(addr, grpc.credentials.createInsecure(),
  { 'grpc.use_local_subchannel_pool': 1 });
// N Watch streams, each told to onData(i, status) and onError(i, error).
function watches(onData, onError) {
  const calls = [];
  for (let i = 0; i < n; i++) {
    const call = client().makeServerStreamRequest('/grpc.health.v1.Health/Watch', raw, raw,
      Buffer.alloc(0));
    call.on('data', (b) => onData(i, statusOf(b)));
    call.on('error', (e) => onError(i, e));
    calls.push(call);
  }
  return calls;
}

if (mode === 'watch') {
  watches((i, st) => process.stdout.write(`stream ${i} ${st}\n`),
    (i, e) => process.stdout.write(`stream ${i} ended ${e.code}\n`));
} else if (mode === 'count') {
  let kept = 0, refused = 0, other = 0;
  const seen = new Set();
  const first = (i) => !seen.has(i) && seen.add(i);
  watches((i) => { if (first(i)) kept++; }, (i, e) => {
    if (!first(i)) return;
    if (e.code === grpc.status.RESOURCE_EXHAUSTED) refused++; else other++;
  });
  setTimeout(() => {
    console.log(`kept ${kept} refused ${refused} other ${other}`);
    process.exit(0);
  }, seconds * 1000);
} else if (mode === 'check') {
  const counts = { SERVING: 0, NOT_SERVING: 0, other: 0 };
  let left = n;
  for (let i = 0; i < n; i++) {
    const c = client();
    c.makeUnaryRequest('/grpc.health.v1.Health/Check', raw, raw, Buffer.alloc(0),
      { deadline: Date.now() + 20000 }, (err, b) => {
        const st = err ? 'other' : statusOf(b);
        counts[st in counts ? st : 'other']++;
        c.close();
        if (--left === 0) console.log(`SERVING ${counts.SERVING} NOT_SERVING ${counts.NOT_SERVING} other ${counts.other}`);
      });
  }
} else {
  console.error('usage: health_loops.cjs watch|count|check ADDR N [SECONDS]');
  process.exit(2);
}
