'use strict';
// roundtrip.cjs - property test of storage: every field of every resource,
// filled with random valid values, comes back identical through Create ->
// Get -> List -> Update -> Get -> List (Generation: Create -> Get -> List;
// Profile: CreateUser -> GetProfile -> UpdateProfile -> GetProfile;
// CreditTransaction: GrantCredits -> ListCreditTransactions).
//
// Driven by the descriptors and their comments, not by a hand list of
// fields: the resources are the outputs of the services' Create* methods,
// their fields are walked, and each input field's valid range is read from
// its comment in the .proto ("1–200 characters", "at most 100, each 1–500
// characters", "0–100", "at most 65,536 bytes of JSON and 10,000 values").
// A field whose comment states no limit the parser knows, and that the
// small table of semantic rules below (references, URLs, status moves)
// does not cover, fails the run: a new field cannot slip past untested.
// The fields an update may change are read from the update_mask comment.
//
// Values: text of every Unicode plane (controls, combining marks, BOM,
// noncharacters, U+10FFFF; never NUL, which the API refuses), lengths at 0,
// at the minimum, at the maximum and between; numbers at both ends of their
// range; JSON of every kind, nested, with extreme numbers; lists empty, full
// and between.
//
// Called by roundtrip.sh (TAP). Environment: CREDITS_ADDR CONTENT_ADDR
// PLANNING_ADDR SERVICE_TOKEN JWT_SECRET; ROUNDTRIP_SEED reproduces a run
// (every run prints its seed); ROUNDTRIP_ROUNDS rounds per resource
// (default 20).

const crypto = require('crypto');
const lib = require('./lib.cjs');

const { grpc, protobuf, ok, mint } = lib;
// protobufjs (like protoc's C++, Java and Python runtimes) stops at 100
// nested messages, in both directions; a Struct 63 JSON levels deep, which
// the API accepts, is about 130 (Struct, Value, Struct, ...). README "API
// limits" tells callers. proto-loader shares this module.
protobuf.util.recursionLimit = 1000;
protobuf.Reader.recursionLimit = 1000;

const SERVICES = lib.SERVICES;
const ROUNDS = Number(process.env.ROUNDTRIP_ROUNDS || 20);
const SEED = Number(process.env.ROUNDTRIP_SEED || crypto.randomInt(1, 2 ** 31));
const REQUEST_BUDGET = 900 * 1024; // under MAX_RECV_BYTES (1 MiB) with room for framing

// ------------------------------------------------- seeded randomness
// mulberry32: small, fast, and the same sequence for the same seed.
let rngState = SEED >>> 0;
function rnd() {
  rngState = (rngState + 0x6d2b79f5) >>> 0;
  let t = rngState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = (a) => a[Math.floor(rnd() * a.length)];
const chance = (p) => rnd() < p;

// A length in [lo, hi]: the ends often, since that is where limits break.
function length(lo, hi) {
  const r = rnd();
  if (r < 0.25) return hi;
  if (r < 0.4) return lo;
  if (r < 0.7) return int(lo, Math.min(hi, lo + 8));
  return int(lo, hi);
}

// One code point, from every plane; never NUL, never a surrogate.
const SPECIAL = [0x01, 0x09, 0x0a, 0x0d, 0x1f, 0x7f, 0x85, 0xa0, 0xad, 0x300, 0x200b, 0x200d,
  0x2028, 0x2029, 0xfeff, 0xfffd, 0xfffe, 0xffff, 0x1f600, 0x1f9d1, 0xe0001, 0xf0000, 0xffffd,
  0x10fffe, 0x10ffff, 0x22, 0x5c, 0x27, 0x25, 0x2f];
function codePoint() {
  const r = rnd();
  if (r < 0.3) return int(0x20, 0x7e);
  if (r < 0.4) return pick(SPECIAL);
  if (r < 0.5) return int(0x01, 0x7f);
  if (r < 0.6) return int(0x80, 0x7ff);
  if (r < 0.8) {
    const c = int(0x800, 0xfffd);
    return c >= 0xd800 && c <= 0xdfff ? 0xe000 : c;
  }
  return int(0x10000, 0x10ffff);
}
function text(lo, hi) {
  const n = length(lo, hi);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCodePoint(codePoint());
  return s;
}
const chars = (s) => [...s].length;

const DOUBLES = [0, -0, 1, -1, 0.1, 1e-7, 123456789.125, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 1e21,
  1.7976931348623157e308, -1.7976931348623157e308, 5e-324, -5e-324, 2.2250738585072014e-308];
function jsonNumber() {
  return chance(0.4) ? pick(DOUBLES) : chance(0.5) ? int(-1e9, 1e9) : (rnd() - 0.5) * 10 ** int(-30, 30);
}

// Random JSON value of at most `budget` values and `depth` levels.
function json(depth, budget) {
  const kind = depth <= 0 || budget.values < 2 ? int(0, 3) : int(0, 5);
  budget.values--;
  switch (kind) {
    case 0: return null;
    case 1: return chance(0.5);
    case 2: return jsonNumber();
    case 3: return text(0, 40);
    case 4: {
      const a = [];
      for (let n = int(0, 6); n > 0 && budget.values > 0; n--) a.push(json(depth - 1, budget));
      return a;
    }
    default: {
      const o = {};
      for (let n = int(0, 6); n > 0 && budget.values > 0; n--) o[text(0, 20)] = json(depth - 1, budget);
      return o;
    }
  }
}
// An object nested `levels` deep: {"k":{"k":...{}}}.
function deepObject(levels) {
  let o = { leaf: text(0, 10) };
  for (let i = 1; i < levels; i++) o = { [text(1, 3)]: o };
  return o;
}
// Each object, array and scalar counts one, as the API counts them.
function countValues(x) {
  if (x === null || typeof x !== 'object') return 1;
  return 1 + Object.values(x).reduce((n, v) => n + countValues(v), 0);
}
// A random object within half of the caps (the API's byte count is of its
// own compact JSON, which may escape differently), nested maxDepth deep
// one time in ten.
function jsonObject(maxBytes, maxValues, maxDepth) {
  for (;;) {
    const o = chance(0.1) ? deepObject(maxDepth) : {};
    if (Object.keys(o).length === 0) {
      const budget = { values: Math.min(maxValues / 2, chance(0.2) ? 2000 : 60) };
      for (let n = int(0, 12); n > 0 && budget.values > 0; n--) o[text(0, 30)] = json(int(0, 6), budget);
    }
    if (Buffer.byteLength(JSON.stringify(o)) <= maxBytes / 2 && countValues(o) <= maxValues / 2) return o;
  }
}

function hexColor() {
  const d = '0123456789abcdefABCDEF';
  let s = '#';
  for (let n = chance(0.5) ? 3 : 6; n > 0; n--) s += pick(d);
  return s;
}
// An absolute URL of at most maxBytes bytes, printable ASCII.
function url(httpsOnly, maxBytes) {
  const scheme = httpsOnly || chance(0.5) ? 'https' : 'http';
  let s = `${scheme}://${pick(['cdn.example.com', 'a.b', 'img.example.org:8443', '127.0.0.1'])}/`;
  const safe = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%/?=&+!$\'()*,;:';
  const n = length(0, maxBytes - s.length);
  for (let i = 0; i < n; i++) s += pick(safe);
  return s;
}
function uuid() {
  return crypto.randomUUID();
}

// ----------------------------------------------------- proto, clients
const root = lib.protoRoot();
const clients = lib.clients({ 'grpc.max_receive_message_length': 8 << 20 });
const call = (svc, method, req, token) => lib.call(clients[svc], method, req, token);
const describe = (r) => (r.err ? `${grpc.status[r.err.code]}: ${r.err.details}` : 'OK');

// ------------------------------------------- JSON <-> Struct on the wire
function toValue(x) {
  if (x === null) return { nullValue: 'NULL_VALUE' };
  if (typeof x === 'number') return { numberValue: x };
  if (typeof x === 'string') return { stringValue: x };
  if (typeof x === 'boolean') return { boolValue: x };
  if (Array.isArray(x)) return { listValue: { values: x.map(toValue) } };
  return { structValue: toStruct(x) };
}
function toStruct(o) {
  const fields = {};
  for (const [k, v] of Object.entries(o)) fields[k] = toValue(v);
  return { fields };
}
function fromValue(v) {
  switch (v.kind) {
    case 'nullValue': return null;
    case 'numberValue': return v.numberValue;
    case 'stringValue': return v.stringValue;
    case 'boolValue': return v.boolValue;
    case 'listValue': return (v.listValue.values || []).map(fromValue);
    case 'structValue': return fromStruct(v.structValue);
    default: throw new Error(`Value without a kind: ${JSON.stringify(v)}`);
  }
}
function fromStruct(s) {
  if (!s) return null;
  const o = {};
  for (const [k, v] of Object.entries(s.fields || {})) o[k] = fromValue(v);
  return o;
}

// A message as plain data, comparable with same(): Structs as JSON,
// Timestamps as "seconds.nanos".
function plain(type, msg) {
  if (msg === null || msg === undefined) return null;
  if (type.fullName === '.google.protobuf.Struct') return fromStruct(msg);
  if (type.fullName === '.google.protobuf.Timestamp') return `${msg.seconds}.${msg.nanos}`;
  const o = {};
  for (const f of type.fieldsArray) {
    const v = msg[f.name];
    if (f.resolvedType instanceof protobuf.Type) {
      o[f.name] = f.repeated ? (v || []).map((e) => plain(f.resolvedType, e)) : plain(f.resolvedType, v);
    } else o[f.name] = v;
  }
  return o;
}
// Deep equality; numbers by Object.is (so -0 and 0 differ, NaN equals NaN).
function same(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && same(a[k], b[k]));
}
// Where a and b first differ, for the failure message.
function diff(a, b, at = '') {
  if (same(a, b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = diff(a[k], b[k], `${at}.${k}`);
      if (d) return d;
    }
  }
  const show = (x) => {
    const s = JSON.stringify(x, (_k, v) => (Object.is(v, -0) ? '-0' : v));
    return s === undefined ? 'undefined' : s.length > 200 ? `${s.slice(0, 200)}... (${s.length} chars)` : s;
  };
  return `${at || '(top)'}: expected ${show(a)}, got ${show(b)}`;
}

// ------------------------------------------- limits read from comments
const num = (s) => Number(s.replace(/,/g, ''));
const comment = (f) => (f.comment || '').replace(/\s+/g, ' ');
const isOutput = (f) => /Output-only/.test(comment(f));
const NUM = '(-?\\d[\\d,]*(?:\\.\\d+)?)';

// Semantic rules a comment states in words the parser does not read:
// references to other resources, URLs, status moves, coupled fields.
// Each gets (ctx, prev) and returns the value to send; ctx has the user's
// resources created so far (refs) and the message being built (msg).
let platformSerial = 0;
const RULES = {
  'cameos.planning.v1.Campaign.brand_guidelines_id': (ctx) => (chance(0.5) ? ctx.refs.BrandGuideline : ''),
  'cameos.planning.v1.StoryboardSequence.campaign_id': (ctx) => (chance(0.5) ? ctx.refs.Campaign : ''),
  'cameos.content.v1.PerformanceMetric.generation_id': (ctx) => ctx.refs.Generation,
  'cameos.planning.v1.BrandGuideline.color_palette': () => Array.from({ length: length(0, 100) }, hexColor),
  'cameos.content.v1.StylePreset.thumbnail_url': () => (chance(0.2) ? '' : url(false, 2048)),
  'cameos.credits.v1.Profile.avatar_url': () => (chance(0.2) ? '' : url(false, 2048)),
  // Unique per user (ALREADY_EXISTS): random text, then a serial no other
  // round repeats (short random texts collided: " " twice in one run).
  'cameos.content.v1.PlatformConfiguration.platform': () => `${text(1, 190)}#${++platformSerial}`,
  'cameos.credits.v1.Profile.username': () => {
    const a = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-';
    return Array.from({ length: length(3, 32) }, () => pick(a)).join('') + '';
  },
  // Set by the mode: an https URL for IMAGE_TO_VIDEO, empty otherwise.
  'cameos.content.v1.Generation.reference_image_url': (ctx) =>
    ctx.msg.mode === 'GENERATION_MODE_IMAGE_TO_VIDEO' ? url(true, 2048) : '',
  // Create may start anywhere; an update moves DRAFT -> ACTIVE -> COMPLETED
  // or stays.
  'cameos.planning.v1.Campaign.status': (ctx, prev) => {
    const order = ['CAMPAIGN_STATUS_DRAFT', 'CAMPAIGN_STATUS_ACTIVE', 'CAMPAIGN_STATUS_COMPLETED'];
    if (prev === undefined) return pick(order);
    const i = order.indexOf(prev);
    return i < order.length - 1 && chance(0.5) ? order[i + 1] : prev;
  },
  // completed_videos <= total_videos <= 100,000.
  'cameos.planning.v1.Campaign.completed_videos': (ctx) => int(0, ctx.msg.total_videos),
};
// Rules between fields that an update with an empty mask (which leaves the
// fields sent at their defaults unchanged) could break: such an update is
// sent with the explicit mask instead.
// Output-only fields the service computes from the input ones: each gets
// the expected message m, the message before (prev, {} on create) and what
// came back (got), and returns the value the field must have.
const DERIVED = {
  'cameos.planning.v1.StoryboardSequence.total_duration': (m) =>
    (m.frames || []).reduce((n, f) => n + f.duration_seconds, 0),
  // Set when the campaign becomes COMPLETED (a time the test cannot know,
  // so: the one that came back, if there is one and it is not before the
  // creation), then kept; unset before.
  'cameos.planning.v1.Campaign.completed_at': (m, prev, got) => {
    if (m.status !== 'CAMPAIGN_STATUS_COMPLETED') return null;
    if (prev.status === 'CAMPAIGN_STATUS_COMPLETED') return prev.completed_at;
    const t = got.completed_at, c = got.created_at;
    return t && (!c || Number(t.split('.')[0]) >= Number(c.split('.')[0])) ? t : 'a time not before created_at';
  },
};
const derivedFields = (t) => Object.keys(DERIVED).filter((k) => k.startsWith(`${t.fullName.slice(1)}.`))
  .map((k) => k.slice(k.lastIndexOf('.') + 1));
function derive(t, expected, prev, got) {
  for (const f of derivedFields(t)) expected[f] = DERIVED[`${t.fullName.slice(1)}.${f}`](expected, prev, plain(t, got));
  return expected;
}
const COUPLED = {
  'cameos.planning.v1.Campaign': (m) => m.completed_videos <= m.total_videos,
};

// A generator for field f of type t, from RULES or from its comment; null
// when neither gives one (the caller fails the field).
function generatorFor(t, f) {
  const key = `${t.fullName.slice(1)}.${f.name}`;
  if (RULES[key]) return RULES[key];
  const c = comment(f);
  const rt = f.resolvedType;
  if (rt instanceof protobuf.Enum) {
    const refused0 = /UNSPECIFIED (or an unknown number )?is INVALID_ARGUMENT/.test(c);
    const names = Object.keys(rt.values).filter((n) => !(refused0 && rt.values[n] === 0));
    return () => pick(names);
  }
  if (f.type === 'bool') return () => chance(0.5);
  if (rt && rt.fullName === '.google.protobuf.Struct') {
    const cap = c.match(/at most ([\d,]+) bytes of JSON and ([\d,]+) values/);
    const deep = c.match(/at most (\d+) objects or arrays deep/);
    if (!cap && !deep) return null;
    const maxBytes = cap ? num(cap[1]) : 65536, maxValues = cap ? num(cap[2]) : 10000;
    // A Struct field of a resource may nest 63 deep (the request's 64
    // levels, README "API limits"), unless its comment says less.
    const depth = deep ? num(deep[1]) : 63;
    if (f.repeated) {
      const most = num((c.match(/at most (\d+)/) || [0, '100'])[1]);
      return () => {
        for (;;) {
          const list = Array.from({ length: length(0, most) }, () => jsonObject(maxBytes / 8, maxValues / 20, 8));
          if (Buffer.byteLength(JSON.stringify(list)) <= maxBytes / 2 && countValues(list) <= maxValues / 2) return list;
        }
      };
    }
    // Inside a list of sub-messages (ToolStep.settings) each is kept small:
    // the request's 65,536 values and 1 MiB are shared by all of them.
    return (ctx) => (ctx.inList ? jsonObject(4096, 200, depth) : jsonObject(maxBytes, maxValues, depth));
  }
  if (rt instanceof protobuf.Type && f.repeated) {
    const m = c.match(new RegExp(`${NUM}–${NUM}`)) || c.match(/at most ([\d,]+)/);
    if (!m) return null;
    const lo = m.length === 3 ? num(m[1]) : 0, hi = num(m[m.length === 3 ? 2 : 1]);
    const sub = messageGenerator(rt);
    if (!sub.ok) return null;
    return (ctx) => Array.from({ length: length(lo, Math.min(hi, 40)) }, () => sub.make({ ...ctx, inList: true }));
  }
  if (f.type === 'string' && f.repeated) {
    const m = c.match(/at most ([\d,]+)(?: items)?, each ([\d,]+)–([\d,]+) characters/);
    if (!m) return null;
    return () => Array.from({ length: length(0, num(m[1])) }, () => text(num(m[2]), num(m[3])));
  }
  if (f.type === 'string') {
    if (/UUID/.test(c)) return null; // a reference: RULES must say to what
    let m = c.match(/([\d,]+)–([\d,]+) characters/);
    if (m) return () => text(num(m[1]), num(m[2]));
    m = c.match(/at most ([\d,]+) characters/);
    if (m) return () => text(0, num(m[1]));
    return null;
  }
  if (f.type === 'int32' || f.type === 'double') {
    const m = c.match(new RegExp(`${NUM}(?:–| to )${NUM}`));
    if (!m) return null;
    const lo = num(m[1]), hi = num(m[2]);
    if (f.type === 'int32') return () => (chance(0.3) ? pick([lo, hi]) : int(lo, hi));
    return () => {
      const r = rnd();
      if (r < 0.3) return pick([lo, hi, ...(lo === 0 ? [-0] : [])]);
      if (r < 0.4) return lo === 0 ? 5e-324 : lo;
      if (r < 0.5) return hi - (hi - lo) * Number.EPSILON;
      return lo + rnd() * (hi - lo);
    };
  }
  return null;
}

// For message type t: which fields a request may set (inputs) and a
// function that fills them. ok is false, with the reasons in missing,
// when some input field has no generator.
const genCache = new Map();
function messageGenerator(t, only) {
  const key = `${t.fullName}|${only ? [...only].join(',') : '*'}`;
  if (genCache.has(key)) return genCache.get(key);
  const inputs = [], missing = [];
  for (const f of t.fieldsArray) {
    if (isOutput(f) || (only && !only.has(f.name))) continue;
    const g = generatorFor(t, f);
    if (g) inputs.push([f, g]);
    else missing.push(`${t.fullName.slice(1)}.${f.name}: no limit in its comment and no rule`);
  }
  const make = (ctx, prev) => {
    const msg = {};
    const inner = { ...ctx, msg };
    for (const [f, g] of inputs) msg[f.name] = g(inner, prev ? prev[f.name] : undefined);
    return msg;
  };
  const r = { ok: missing.length === 0, missing, inputs: inputs.map(([f]) => f.name), make };
  genCache.set(key, r);
  return r;
}

// The message as the wire wants it (Structs as Struct messages).
function wire(t, o) {
  if (o === null || o === undefined) return o;
  if (t.fullName === '.google.protobuf.Struct') return toStruct(o);
  const w = {};
  for (const [k, v] of Object.entries(o)) {
    const f = t.fields[k];
    const rt = f.resolvedType;
    w[k] = rt instanceof protobuf.Type ? (f.repeated ? v.map((e) => wire(rt, e)) : wire(rt, v)) : v;
  }
  return w;
}

function pickFields(o, names) {
  const r = {};
  for (const n of names) r[n] = o[n];
  return r;
}

// ------------------------------------------------------------ resources
function methodsOf(svc) {
  const s = root.lookupService(SERVICES[svc]);
  return s.methodsArray;
}
// CRUD resources: X with CreateX, GetX, ListXs, UpdateX on one service.
function crudResources() {
  const out = [];
  for (const svc of Object.keys(SERVICES)) {
    const ms = methodsOf(svc);
    const byName = new Map(ms.map((m) => [m.name, m]));
    for (const m of ms) {
      if (!m.name.startsWith('Create')) continue;
      const x = m.name.slice(6);
      const res = m.resolvedResponseType;
      if (res.name !== x) continue;
      out.push({
        svc, name: x, type: res,
        create: m, get: byName.get(`Get${x}`), list: byName.get(`List${x}s`), update: byName.get(`Update${x}`),
        cancel: byName.get(`Cancel${x}`),
      });
    }
  }
  return out;
}
const fieldOfType = (req, t) => req.fieldsArray.find((f) => f.resolvedType === t);
const listField = (resp, t) => resp.fieldsArray.find((f) => f.repeated && f.resolvedType === t);

async function listAll(r, token, id) {
  let pageToken = '', pages = 0;
  const items = [];
  do {
    const res = await call(r.svc, r.list.name, { page_size: 1000, page_token: pageToken }, token);
    if (res.err) return { err: res.err };
    const f = listField(r.list.resolvedResponseType, r.type);
    items.push(...res.res[f.name]);
    pageToken = res.res.next_page_token;
  } while (pageToken && ++pages < 100);
  return { item: items.find((i) => i.id === id) };
}

// The update mask's paths, from "Fields to change: a, b, c." in the
// comment of UpdateXRequest.update_mask.
function updatablePaths(req) {
  const mask = req.fields.update_mask;
  const m = comment(mask).match(/Fields to change: ([a-z_, ]+)\./);
  return m ? m[1].split(',').map((s) => s.trim()).filter(Boolean) : null;
}

// What storage does to a value, as documented (README "API limits",
// "Numbers"): -0 reads back as 0, PostgreSQL's numeric having no negative
// zero. Nothing else changes.
function stored(x) {
  if (Object.is(x, -0)) return 0;
  if (Array.isArray(x)) return x.map(stored);
  if (x && typeof x === 'object') {
    const o = {};
    for (const [k, v] of Object.entries(x)) o[k] = stored(v);
    return o;
  }
  return x;
}

// One check of a step: the whole message against what was expected.
function check(label, t, expected, got, fields) {
  const g = plain(t, got);
  const e = stored(fields ? pickFields(expected, fields) : expected);
  const d = diff(e, fields ? pickFields(g, fields) : g);
  return ok(!d, label, d ? `${d}\n(ROUNDTRIP_SEED=${SEED} reproduces this run)` : '');
}

async function roundtripCrud(r, ctx) {
  const gen = messageGenerator(r.type);
  if (!ok(gen.ok, `${r.name}: every input field has a generator`, gen.missing.join('\n'))) return;
  const paths = r.update ? updatablePaths(r.update.resolvedRequestType) : [];
  if (r.update && !ok(paths, `${r.name}: the update mask comment lists the fields to change`)) return;
  const createField = fieldOfType(r.create.resolvedRequestType, r.type).name;
  for (let round = 1; round <= ROUNDS; round++) {
    const tag = `${r.name} round ${round}`;
    let sent;
    let size;
    do {
      sent = gen.make(ctx);
      size = Buffer.byteLength(JSON.stringify(sent));
    } while (size > REQUEST_BUDGET);
    const created = await call(r.svc, r.create.name, { [createField]: wire(r.type, sent) }, ctx.token);
    if (!ok(!created.err, `${tag}: ${r.create.name} answers OK`, `${describe(created)}\nsent: ${JSON.stringify(sent).slice(0, 400)}\n(ROUNDTRIP_SEED=${SEED})`)) continue;
    check(`${tag}: ${r.create.name} returns every field as sent`, r.type, derive(r.type, { ...sent }, {}, created.res), created.res,
      [...gen.inputs, ...derivedFields(r.type)]);
    const want = plain(r.type, created.res);
    const id = created.res.id;
    const got = await call(r.svc, r.get.name, { id }, ctx.token);
    if (ok(!got.err, `${tag}: ${r.get.name} answers OK`, describe(got))) check(`${tag}: ${r.get.name} returns what ${r.create.name} did`, r.type, want, got.res);
    if (r.list) {
      const l = await listAll(r, ctx.token, id);
      if (ok(!l.err && l.item, `${tag}: ${r.list.name} holds it`, l.err ? describe(l) : 'not in the list')) check(`${tag}: ${r.list.name} returns what ${r.create.name} did`, r.type, want, l.item);
    }
    ctx.refs[r.name] = id;
    if (r.cancel) ctx.toCancel.push([r, id]);
    if (!r.update) continue;
    // Update every changeable field (explicit mask), or with an empty mask
    // only the fields set to a non-default value (AIP-134).
    const upd = messageGenerator(r.type, new Set(paths));
    const next = upd.make(ctx, want);
    let emptyMask = chance(0.3);
    let expected;
    for (;;) {
      expected = { ...want };
      for (const p of paths) {
        const v = next[p];
        const isDefault = v === '' || v === 0 || v === false || v === null || (Array.isArray(v) && v.length === 0) ||
          (typeof v === 'string' && /_UNSPECIFIED$/.test(v));
        if (!emptyMask || !isDefault) expected[p] = v;
      }
      const rule = COUPLED[r.type.fullName.slice(1)];
      if (!emptyMask || !rule || rule(expected)) break;
      emptyMask = false;
    }
    const updated = await call(r.svc, r.update.name, {
      [createField]: wire(r.type, { ...next, id }),
      update_mask: { paths: emptyMask ? [] : paths },
    }, ctx.token);
    if (!ok(!updated.err, `${tag}: ${r.update.name} (${emptyMask ? 'empty mask' : 'every field'}) answers OK`, `${describe(updated)}\nsent: ${JSON.stringify(next).slice(0, 400)}\n(ROUNDTRIP_SEED=${SEED})`)) continue;
    const keep = r.type.fieldsArray.map((f) => f.name).filter((n) => n !== 'updated_at');
    check(`${tag}: ${r.update.name} returns the new values and keeps the rest`, r.type, derive(r.type, expected, want, updated.res), updated.res, keep);
    const after = plain(r.type, updated.res);
    const got2 = await call(r.svc, r.get.name, { id }, ctx.token);
    if (ok(!got2.err, `${tag}: ${r.get.name} after the update answers OK`, describe(got2))) check(`${tag}: ${r.get.name} returns what ${r.update.name} did`, r.type, after, got2.res);
    if (r.list) {
      const l = await listAll(r, ctx.token, id);
      if (ok(!l.err && l.item, `${tag}: ${r.list.name} holds it after the update`, l.err ? describe(l) : 'not in the list')) check(`${tag}: ${r.list.name} returns what ${r.update.name} did`, r.type, after, l.item);
    }
  }
}

// The account: CreateUser with random metadata, GetProfile, then
// UpdateProfile of username and avatar_url.
async function roundtripProfile(ctx) {
  const Profile = root.lookupType('cameos.credits.v1.Profile');
  const upd = root.lookupType('cameos.credits.v1.UpdateProfileRequest');
  const paths = updatablePaths(upd);
  ok(paths, 'Profile: the update mask comment lists the fields to change');
  const gen = messageGenerator(Profile, new Set(paths || []));
  ok(gen.ok, 'Profile: every changeable field has a generator', gen.missing.join('\n'));
  for (let round = 1; round <= ROUNDS; round++) {
    const tag = `Profile round ${round}`;
    const before = await call('credits', 'GetProfile', {}, ctx.token);
    if (!ok(!before.err, `${tag}: GetProfile answers OK`, describe(before))) return;
    const want = plain(Profile, before.res);
    const next = gen.make(ctx, want);
    const u = await call('credits', 'UpdateProfile', { profile: next, update_mask: { paths } }, ctx.token);
    if (!ok(!u.err, `${tag}: UpdateProfile answers OK`, `${describe(u)}\nsent: ${JSON.stringify(next)}`)) continue;
    const expected = { ...want, ...next };
    const keep = Profile.fieldsArray.map((f) => f.name).filter((n) => n !== 'updated_at');
    check(`${tag}: UpdateProfile returns the new values and keeps the rest`, Profile, expected, u.res, keep);
    const g = await call('credits', 'GetProfile', {}, ctx.token);
    if (ok(!g.err, `${tag}: GetProfile after the update answers OK`, describe(g))) check(`${tag}: GetProfile returns what UpdateProfile did`, Profile, plain(Profile, u.res), g.res);
  }
}

// Ledger entries: a grant's description and amount, as ListCreditTransactions reads them.
async function roundtripGrant(ctx) {
  const Tx = root.lookupType('cameos.credits.v1.CreditTransaction');
  const req = root.lookupType('cameos.credits.v1.GrantCreditsRequest');
  const dgen = generatorFor(req, req.fields.description);
  ok(dgen, 'GrantCreditsRequest.description: a limit in its comment', '');
  if (!dgen) return;
  for (let round = 1; round <= ROUNDS; round++) {
    const tag = `CreditTransaction round ${round}`;
    const description = dgen(ctx);
    const amount = chance(0.3) ? pick([1, 1000]) : int(1, 1000);
    const g = await call('credits', 'GrantCredits', {
      user_id: ctx.user, amount, description, request_id: `rt-${SEED}-${round}-${uuid()}`,
    }, ctx.service);
    if (!ok(!g.err, `${tag}: GrantCredits answers OK`, describe(g))) continue;
    const want = plain(Tx, g.res.transaction);
    ok(want.description === (description || 'Bonus credits') && want.amount === amount,
      `${tag}: GrantCredits returns the description and amount as sent`, diff({ description: description || 'Bonus credits', amount }, { description: want.description, amount: want.amount }));
    const l = await call('credits', 'ListCreditTransactions', { page_size: 1000 }, ctx.token);
    const item = l.res && l.res.credit_transactions.find((t) => t.id === want.id);
    if (ok(item, `${tag}: ListCreditTransactions holds it`, describe(l))) check(`${tag}: ListCreditTransactions returns what GrantCredits did`, Tx, want, item);
  }
}

async function main() {
  console.log(`# ROUNDTRIP_SEED=${SEED} ROUNDTRIP_ROUNDS=${ROUNDS}`);
  const service = process.env.SERVICE_TOKEN;
  const email = `rt-${SEED}-${uuid().slice(0, 8)}@roundtrip.example`;
  const meta = jsonObject(65536, 10000, 30);
  const u = await call('credits', 'CreateUser', { user: { email, raw_user_meta_data: toStruct(meta) } }, service);
  if (!ok(!u.err, 'CreateUser of a fresh account with random metadata answers OK', describe(u))) return;
  const user = u.res.id;
  const ctx = { user, service, token: mint(user, 'authenticated'), refs: {}, toCancel: [] };
  // Enough credits for every generation the rounds create.
  const grant = await call('credits', 'GrantCredits', { user_id: user, amount: 1000000, request_id: `rt-fund-${uuid()}` }, service);
  ok(!grant.err, 'GrantCredits funds the account', describe(grant));

  // Parents first: references (generation_id, campaign_id, brand_guidelines_id) need one.
  const order = ['Generation', 'BrandGuideline', 'Campaign'];
  const rs = crudResources().sort((a, b) => {
    const ia = order.indexOf(a.name), ib = order.indexOf(b.name);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  });
  ok(rs.length >= 9, `the services create ${rs.length} resources: ${rs.map((r) => r.name).join(', ')}`);
  for (const r of rs) {
    ok(r.get, `${r.name}: has ${'Get' + r.name}`);
    if (r.get) await roundtripCrud(r, ctx);
  }
  await roundtripProfile(ctx);
  await roundtripGrant(ctx);
  // Generations stay queued for video workers: cancel them, so that the
  // tests after this one (tests/integration/worker.sh) find only their own.
  let cancelled = 0;
  for (const [r, id] of ctx.toCancel) {
    const c = await call(r.svc, r.cancel.name, { id }, ctx.token);
    if (!c.err) cancelled++;
    else ok(false, `${r.cancel.name} of ${id}`, describe(c));
  }
  ok(cancelled === ctx.toCancel.length, `${r0(ctx.toCancel)}: every one created is cancelled again (${cancelled})`);
}
const r0 = (list) => (list.length ? list[0][0].cancel.name : 'nothing to cancel');

main()
  .catch((e) => ok(false, 'the round-trip run finished', e.stack))
  .finally(() => {
    for (const c of Object.values(clients)) c.close();
    lib.plan();
  });
