'use strict';
// bench/queue_latency.cjs [COUNT]: how long a new generation takes to reach a
// waiting video worker. One worker waits on WaitForGenerations; COUNT times
// (default 200), one at a time, a user creates a generation and the clock
// runs from just before CreateGeneration is sent until the worker's next
// cue arrives (the push), and until a ClaimGenerations made on that cue
// returns the generation (the worker holds it). Each claimed generation is
// completed, so the queue is back where it was. Prints p50, p90, p99 and
// max of both. Figures only. Run by bench/queue.sh, which sets the
// environment (CONTENT_ADDR, USER_TOKEN, SERVICE_TOKEN).
const path = require('path');
const ROOT = path.resolve(__dirname, '..');
const grpc = require(path.join(ROOT, 'tests', 'node_modules', '@grpc', 'grpc-js'));
const loader = require(path.join(ROOT, 'tests', 'node_modules', '@grpc', 'proto-loader'));

const COUNT = Number(process.argv[2] || 200);
const def = loader.loadSync('cameos/content/v1/content.proto', {
  includeDirs: [path.join(ROOT, 'proto')], keepCase: true, enums: String, defaults: true,
});
const Content = grpc.loadPackageDefinition(def).cameos.content.v1.ContentService;
const client = new Content(process.env.CONTENT_ADDR, grpc.credentials.createInsecure());
const md = (tok) => {
  const m = new grpc.Metadata();
  m.set('authorization', 'Bearer ' + tok);
  return m;
};
const unary = (method, req, tok) => new Promise((resolve, reject) =>
  client[method](req, md(tok), (err, res) => (err ? reject(err) : resolve(res))));

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
function summary(name, xs) {
  const s = [...xs].sort((a, b) => a - b);
  const f = (v) => v.toFixed(2);
  console.log(`${name}: p50 ${f(pct(s, 50))} ms, p90 ${f(pct(s, 90))} ms, p99 ${f(pct(s, 99))} ms, ` +
    `max ${f(s[s.length - 1])} ms (${s.length} generations)`);
}

async function main() {
  const cues = [];
  let waiting = null;
  const stream = client.WaitForGenerations({ worker: 'queue_latency' }, md(process.env.SERVICE_TOKEN));
  stream.on('data', () => {
    const t = process.hrtime.bigint();
    if (waiting) {
      const w = waiting;
      waiting = null;
      w(t);
    } else cues.push(t);
  });
  stream.on('error', () => {});
  await new Promise((r) => { waiting = r; }); // the first cue, at once
  const push = [], held = [];
  for (let i = 0; i < COUNT; i++) {
    cues.length = 0;
    const cued = new Promise((r) => { waiting = r; });
    const t0 = process.hrtime.bigint();
    const g = await unary('CreateGeneration', {
      generation: {
        prompt: 'queue latency', model: 'MODEL_VEO_FAST', aspect_ratio: 'ASPECT_RATIO_16_9',
        resolution: 'RESOLUTION_720P', mode: 'GENERATION_MODE_TEXT_TO_VIDEO',
      },
    }, process.env.USER_TOKEN);
    const t1 = await cued;
    push.push(Number(t1 - t0) / 1e6);
    // Claim on the cue until this generation comes (others queued on the
    // stack may come first: they are given back).
    for (;;) {
      const res = await unary('ClaimGenerations', { worker: 'queue_latency', max_generations: 10, lease_seconds: 60 },
        process.env.SERVICE_TOKEN);
      let mine = null;
      for (const l of res.leases) {
        if (l.generation.id === g.id) mine = l;
        else await unary('ReleaseGeneration', { id: l.generation.id, lease_token: l.lease_token }, process.env.SERVICE_TOKEN);
      }
      if (mine) {
        held.push(Number(process.hrtime.bigint() - t0) / 1e6);
        await unary('CompleteGeneration', { id: g.id, video_url: 'https://videos.test/latency.mp4', lease_token: mine.lease_token },
          process.env.SERVICE_TOKEN);
        break;
      }
    }
  }
  stream.cancel();
  summary('CreateGeneration -> cue on the waiting worker', push);
  summary('CreateGeneration -> the worker holds it (cue, then ClaimGenerations)', held);
  client.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
