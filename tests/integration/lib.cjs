'use strict';
// lib.cjs - what the Node integration tests beside this file share (required
// by them; not a test itself): TAP output, HS256 tokens, the project's protos
// loaded for protobufjs (with comments) and for grpc-js, and a client per
// service. Environment: CREDITS_ADDR CONTENT_ADDR PLANNING_ADDR JWT_SECRET.

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const ROOT = path.resolve(__dirname, '..', '..');
const NM = path.join(ROOT, 'tests', 'node_modules');
const grpc = require(path.join(NM, '@grpc', 'grpc-js'));
const loader = require(path.join(NM, '@grpc', 'proto-loader'));
const protobuf = require(path.join(NM, 'protobufjs'));

const INCLUDE = [path.join(ROOT, 'proto'), '/usr/include'];
const FILES = ['cameos/credits/v1/credits.proto', 'cameos/content/v1/content.proto',
  'cameos/planning/v1/planning.proto'];
const SERVICES = {
  credits: 'cameos.credits.v1.CreditsService',
  content: 'cameos.content.v1.ContentService',
  planning: 'cameos.planning.v1.PlanningService',
};

// ---- TAP: ok() prints one result; plan() the plan, and sets the exit code.
let tapN = 0, tapFailed = 0;
function ok(cond, name, detail) {
  tapN++;
  console.log(`${cond ? 'ok' : 'not ok'} ${tapN} - ${name}`);
  if (!cond) {
    tapFailed++;
    for (const l of String(detail || '').split('\n')) if (l) console.log(`# ${l}`);
  }
  return cond;
}
function plan() {
  console.log(`1..${tapN}`);
  process.exitCode = tapFailed ? 1 : 0;
}

// ---- tokens as the services verify them (HS256, JWT_SECRET).
function b64url(b) {
  return Buffer.from(b).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}
// A token for sub with role, expiring expIn seconds from now (negative:
// already expired), issued two hours ago.
function mint(sub, role, expIn = 3600) {
  const now = Math.floor(Date.now() / 1000);
  const h = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const p = b64url(JSON.stringify({ sub, role, aud: 'authenticated', iat: now - 7200, exp: now + expIn }));
  const s = b64url(crypto.createHmac('sha256', process.env.JWT_SECRET).update(`${h}.${p}`).digest());
  return `${h}.${p}.${s}`;
}

// ---- protos
// A protobufjs root of files (default: the three services), with comments.
function protoRoot(files = FILES) {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    for (const d of INCLUDE) if (fs.existsSync(path.join(d, target))) return path.join(d, target);
    return target;
  };
  root.loadSync(files, { keepCase: true, alternateCommentMode: true });
  root.resolveAll();
  return root;
}
// The grpc-js package object of the three services.
function grpcPackage() {
  return grpc.loadPackageDefinition(loader.loadSync(FILES, {
    keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true, includeDirs: INCLUDE,
  }));
}
// A client per service at its *_ADDR (insecure), with channel options.
function clients(options = {}) {
  const pkg = grpcPackage();
  const out = {};
  for (const [name, full] of Object.entries(SERVICES)) {
    const Ctor = full.split('.').reduce((o, k) => o[k], pkg);
    out[name] = new Ctor(process.env[`${name.toUpperCase()}_ADDR`], grpc.credentials.createInsecure(), options);
  }
  return out;
}
// A unary call with a bearer token (none when token is falsy) and a 60 s
// deadline; resolves to {err, res}.
function call(client, method, req, token) {
  const md = new grpc.Metadata();
  if (token) md.set('authorization', `Bearer ${token}`);
  return new Promise((resolve) => {
    client[method](req, md, { deadline: Date.now() + 60000 }, (err, res) => resolve({ err, res }));
  });
}

module.exports = { ROOT, NM, grpc, protobuf, INCLUDE, FILES, SERVICES, ok, plan, mint, protoRoot,
  grpcPackage, clients, call };
