'use strict';
// watch_count.cjs ADDR N SECONDS - opens N Health/Watch streams to ADDR, each
// on a connection of its own, holds them SECONDS, and prints "kept K
// refused R other O": K streams got a first status, R ended
// RESOURCE_EXHAUSTED, O ended otherwise. Raw bytes, no reflection (buf curl
// would open a reflection stream first, which counts against the same caps).
// A helper of loops.sh, not a test itself.
const path = require('path');
const grpc = require(path.join(__dirname, '..', 'node_modules', '@grpc', 'grpc-js'));

const [addr, n, seconds] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const raw = (b) => b;
let kept = 0, refused = 0, other = 0;
const calls = [];
const clients = [];
for (let i = 0; i < n; i++) {
  // A client of its own per stream, with no shared subchannel: a
  // connection each, spread by the kernel over the loops' listeners.
  const c = new grpc.Client(addr, grpc.credentials.createInsecure(),
    {'grpc.use_local_subchannel_pool': 1});
  clients.push(c);
  let first = true;
  const call = c.makeServerStreamRequest('/grpc.health.v1.Health/Watch', raw, raw,
    Buffer.alloc(0));
  call.on('data', () => { if (first) { first = false; kept++; } });
  call.on('error', (e) => {
    if (!first) return;
    first = false;
    if (e.code === grpc.status.RESOURCE_EXHAUSTED) refused++; else other++;
  });
  calls.push(call);
}
setTimeout(() => {
  console.log(`kept ${kept} refused ${refused} other ${other}`);
  for (const call of calls) call.cancel();
  for (const c of clients) c.close();
  process.exit(0);
}, seconds * 1000);
