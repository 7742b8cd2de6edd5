'use strict';
// health_loops.cjs watch ADDR N | check ADDR N - grpc.health.v1.Health for
// "" over N connections of their own, which the kernel spreads over a
// process's loops. watch: opens N Watch streams and prints "stream I
// STATUS" for every status each one gets, until killed. check: one Check a
// connection, then prints "SERVING S NOT_SERVING X other O". Raw bytes, no
// reflection. A helper of loops.sh, not a test itself.
const path = require('path');
const grpc = require(path.join(__dirname, '..', 'node_modules', '@grpc', 'grpc-js'));

const [mode, addr, n] = [process.argv[2], process.argv[3], Number(process.argv[4])];
const raw = (b) => b;
const NAMES = { 0: 'UNKNOWN', 1: 'SERVING', 2: 'NOT_SERVING', 3: 'SERVICE_UNKNOWN' };
// HealthCheckResponse is one enum field (1, varint); absent is 0.
const statusOf = (b) => NAMES[b.length >= 2 && b[0] === 0x08 ? b[1] : 0] || 'bad';
// A client of its own per call, with no shared subchannel: a connection each.
const client = () => new grpc.Client(addr, grpc.credentials.createInsecure(),
  { 'grpc.use_local_subchannel_pool': 1 });

if (mode === 'watch') {
  for (let i = 0; i < n; i++) {
    const call = client().makeServerStreamRequest('/grpc.health.v1.Health/Watch', raw, raw,
      Buffer.alloc(0));
    call.on('data', (b) => process.stdout.write(`stream ${i} ${statusOf(b)}\n`));
    call.on('error', (e) => process.stdout.write(`stream ${i} ended ${e.code}\n`));
  }
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
  console.error('usage: health_loops.cjs watch|check ADDR N');
  process.exit(2);
}
