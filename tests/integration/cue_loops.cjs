'use strict';
// cue_loops.cjs ADDR N - the streams a content process keeps per loop, each
// loop cueing its own from the notifications of its own LISTEN connection.
// Opens N WaitForGenerations streams (SERVICE_TOKEN) and then N
// WatchGeneration streams (USER_TOKEN), each on a connection of its own, so
// that the kernel spreads them over the loops' listeners; then, by SQL as
// the database's owner (DATABASE_URL):
//   1. queues a generation of USER_ID (status generating): every waiting
//      worker must get a cue after its first;
//   2. finishes it (status success): every watcher must get the row again
//      and its stream end OK.
// Prints "waiters W/N watchers V/N", W the waiters cued by the new work, V
// the watchers that saw the change and ended OK. A helper of loops.sh, not
// a test itself.
const path = require('path');
const cp = require('child_process');
const grpc = require(path.join(__dirname, '..', 'node_modules', '@grpc', 'grpc-js'));

const [addr, n] = [process.argv[2], Number(process.argv[3])];
const { DATABASE_URL, USER_ID, USER_TOKEN, SERVICE_TOKEN } = process.env;
const SVC = '/cameos.content.v1.ContentService';
const raw = (b) => b;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const clients = [];

function sql(text) {
  const r = cp.spawnSync('psql', [DATABASE_URL, '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c', text],
    { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
  return r.stdout.trim().split('\n')[0];
}

// A server stream on a connection of its own: messages counted, the end's
// status code kept (null while open).
function open(method, token, body) {
  const c = new grpc.Client(addr, grpc.credentials.createInsecure(),
    { 'grpc.use_local_subchannel_pool': 1 });
  clients.push(c);
  const md = new grpc.Metadata();
  md.set('authorization', 'Bearer ' + token);
  const st = { messages: 0, code: null };
  st.call = c.makeServerStreamRequest(SVC + '/' + method, raw, raw, body, md,
    { deadline: Date.now() + 60000 });
  st.call.on('data', () => { st.messages++; });
  st.call.on('error', () => {});
  st.call.on('status', (s) => { st.code = s.code; });
  return st;
}

// Waits up to ms for pred to hold over every stream; true when it did.
async function every(streams, pred, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (streams.every(pred)) return true;
    await sleep(50);
  }
  return streams.every(pred);
}

// The protobuf of a message whose field 1 is a string (both requests).
function field1(s) {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([0x0a, b.length]), b]);
}

async function main() {
  const waiters = Array.from({ length: n }, (_, i) =>
    open('WaitForGenerations', SERVICE_TOKEN, field1(`cue-loops-${i}`)));
  await every(waiters, (w) => w.messages >= 1, 20000); // the first cue of each
  const before = waiters.map((w) => w.messages);
  const id = sql(`INSERT INTO public.generations (user_id, prompt, status)
    VALUES ('${USER_ID}', 'cue loops', 'generating') RETURNING id`);
  await every(waiters, (w, i) => w.messages > before[i], 20000);
  const cued = waiters.filter((w, i) => w.messages > before[i]).length;

  const watchers = Array.from({ length: n }, () => open('WatchGeneration', USER_TOKEN, field1(id)));
  await every(watchers, (w) => w.messages >= 1, 20000); // each one's first read
  sql(`UPDATE public.generations SET status = 'success', video_url = 'https://example.com/v.mp4',
    completed_at = now() WHERE id = '${id}'`);
  await every(watchers, (w) => w.code !== null, 20000);
  const saw = watchers.filter((w) => w.messages >= 2 && w.code === grpc.status.OK).length;

  console.log(`waiters ${cued}/${n} watchers ${saw}/${n}`);
  for (const w of waiters.concat(watchers)) w.call.cancel();
  for (const c of clients) c.close();
  process.exit(0);
}

main().catch((e) => {
  console.log(`error ${e.message}`);
  process.exit(1);
});
