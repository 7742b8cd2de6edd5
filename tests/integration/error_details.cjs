'use strict';
// error_details.cjs - the machine-readable errors, read as a Node caller
// reads them: grpc-js, the grpc-status-details-bin trailer decoded as
// google.rpc.Status with protobufjs from proto/google/rpc/. For each error
// path: the code, and the details' ErrorInfo reason and domain, BadRequest
// field, RetryInfo where retrying helps. (Every error path of the Criterion
// tests is also checked for well-formed details by their C client:
// TC_REQUIRE_DETAILS in tests/support/client.h.)
//
// Called by error_details.sh (TAP). Environment: CREDITS_ADDR CONTENT_ADDR
// PLANNING_ADDR SERVICE_TOKEN JWT_SECRET.

const crypto = require('crypto');
const lib = require('./lib.cjs');

const { grpc, ok, mint } = lib;

// google.rpc types, from the project's own declarations.
const rpcRoot = lib.protoRoot(['google/rpc/status.proto', 'google/rpc/error_details.proto']);
const Status = rpcRoot.lookupType('google.rpc.Status');

// The details of a grpc-js error: {reason, domain, metadata, fields, retryMs}.
function details(err) {
  const bin = err.metadata && err.metadata.get('grpc-status-details-bin');
  if (!bin || bin.length === 0) return null;
  const st = Status.decode(bin[0]);
  const d = { code: st.code, message: st.message, types: [], fields: [], retryMs: null };
  for (const any of st.details) {
    const name = any.type_url.split('/').pop();
    d.types.push(name);
    const T = rpcRoot.lookupType(name);
    const m = T.toObject(T.decode(any.value), { longs: Number, defaults: true });
    if (name === 'google.rpc.ErrorInfo') Object.assign(d, { reason: m.reason, domain: m.domain, metadata: m.metadata });
    if (name === 'google.rpc.BadRequest') d.fields = m.field_violations.map((v) => v.field);
    if (name === 'google.rpc.RetryInfo') d.retryMs = m.retry_delay.seconds * 1000 + Math.round(m.retry_delay.nanos / 1e6);
  }
  return d;
}

const clients = lib.clients();
const call = (svc, method, req, token) => lib.call(clients[svc], method, req, token);

// One error path: the call must fail with `code`, and its details must say
// `reason` in `domain`, name `field` (INVALID_ARGUMENT) and carry RetryInfo
// exactly when `retry` is true.
async function expectError(name, svc, method, req, token, want) {
  const r = await call(svc, method, req, token);
  if (!ok(r.err && r.err.code === grpc.status[want.code], `${name}: ${want.code}`,
    r.err ? `got ${grpc.status[r.err.code]}: ${r.err.details}` : 'got OK')) return;
  const d = details(r.err);
  if (!ok(d, `${name}: grpc-status-details-bin decodes as google.rpc.Status`)) return;
  ok(d.code === r.err.code && d.message === r.err.details, `${name}: Status code and message match the gRPC status`,
    `Status ${d.code} "${d.message}" vs ${r.err.code} "${r.err.details}"`);
  ok(d.reason === want.reason && d.domain === `${svc}.cameos.dev`, `${name}: ErrorInfo ${want.reason} in ${svc}.cameos.dev`,
    `got ${d.reason} in ${d.domain}`);
  if (want.code === 'INVALID_ARGUMENT' || want.field) {
    ok(JSON.stringify(d.fields) === JSON.stringify(want.field ? [want.field] : []),
      `${name}: BadRequest names ${want.field || 'no field'}`, `got ${JSON.stringify(d.fields)}`);
  }
  ok((d.retryMs !== null) === Boolean(want.retry), `${name}: ${want.retry ? 'a' : 'no'} RetryInfo`,
    `retry ${d.retryMs}`);
}

async function main() {
  const service = process.env.SERVICE_TOKEN;
  const email = `errors-${crypto.randomUUID().slice(0, 8)}@details.example`;
  const u = await call('credits', 'CreateUser', { user: { email } }, service);
  if (!ok(!u.err, 'CreateUser of a fresh account', u.err && u.err.details)) return;
  const user = u.res.id;
  const token = mint(user, 'authenticated');

  await expectError('CreateUser with a used email', 'credits', 'CreateUser', { user: { email } }, service,
    { code: 'ALREADY_EXISTS', reason: 'EMAIL_TAKEN' });
  await expectError('GetCampaign of a malformed id', 'planning', 'GetCampaign', { id: 'nope' }, token,
    { code: 'INVALID_ARGUMENT', reason: 'INVALID_UUID', field: 'id' });
  await expectError('GetCampaign of an unknown id', 'planning', 'GetCampaign', { id: crypto.randomUUID() }, token,
    { code: 'NOT_FOUND', reason: 'NOT_FOUND' });
  await expectError('CreateCampaign with a 201-character name', 'planning', 'CreateCampaign',
    { campaign: { name: 'x'.repeat(201) } }, token,
    { code: 'INVALID_ARGUMENT', reason: 'INVALID_LENGTH', field: 'campaign.name' });
  await expectError('CreateCampaign with a NUL in a platform', 'planning', 'CreateCampaign',
    { campaign: { name: 'n', platform: ['ok', 'a\u0000b'] } }, token,
    { code: 'INVALID_ARGUMENT', reason: 'NUL_CHARACTER', field: 'campaign.platform' });
  await expectError('CreateCampaign without a campaign', 'planning', 'CreateCampaign', {}, token,
    { code: 'INVALID_ARGUMENT', reason: 'FIELD_REQUIRED', field: 'campaign' });
  await expectError('UpdateProfile with a bad username', 'credits', 'UpdateProfile',
    { profile: { username: 'a b' }, update_mask: { paths: ['username'] } }, token,
    { code: 'INVALID_ARGUMENT', reason: 'INVALID_USERNAME', field: 'profile.username' });
  await expectError('ListCampaigns with a forged page token', 'planning', 'ListCampaigns', { page_token: 'AAAA' }, token,
    { code: 'INVALID_ARGUMENT', reason: 'INVALID_PAGE_TOKEN', field: 'page_token' });

  const c = await call('planning', 'CreateCampaign', { campaign: { name: 'draft' } }, token);
  if (ok(!c.err, 'CreateCampaign of a draft', c.err && c.err.details)) {
    await expectError('UpdateCampaign from DRAFT to COMPLETED', 'planning', 'UpdateCampaign',
      { campaign: { id: c.res.id, status: 'CAMPAIGN_STATUS_COMPLETED' }, update_mask: { paths: ['status'] } }, token,
      { code: 'FAILED_PRECONDITION', reason: 'INVALID_STATUS_TRANSITION' });
  }

  await expectError('SpendCredits with a user token', 'credits', 'SpendCredits',
    { user_id: user, amount: 1, request_id: 'e1' }, token,
    { code: 'PERMISSION_DENIED', reason: 'SERVICE_ROLE_REQUIRED' });
  await expectError('SpendCredits beyond the balance', 'credits', 'SpendCredits',
    { user_id: user, amount: 1000, request_id: `e2-${user}` }, service,
    { code: 'FAILED_PRECONDITION', reason: 'INSUFFICIENT_CREDITS' });
  await expectError('GrantCredits above 1,000,000', 'credits', 'GrantCredits',
    { user_id: user, amount: 1000001, request_id: `e3-${user}` }, service,
    { code: 'INVALID_ARGUMENT', reason: 'OUT_OF_RANGE', field: 'amount' });
  const g = await call('credits', 'GrantCredits', { user_id: user, amount: 10, request_id: `e4-${user}` }, service);
  if (ok(!g.err, 'GrantCredits of 10', g.err && g.err.details)) {
    await expectError('GrantCredits reusing its request_id with another amount', 'credits', 'GrantCredits',
      { user_id: user, amount: 11, request_id: `e4-${user}` }, service,
      { code: 'FAILED_PRECONDITION', reason: 'REQUEST_ID_REUSED' });
  }

  await expectError('GetProfile without a token', 'credits', 'GetProfile', {}, null,
    { code: 'UNAUTHENTICATED', reason: 'TOKEN_MISSING' });
  await expectError('GetProfile with an expired token', 'credits', 'GetProfile', {}, mint(user, 'authenticated', -60),
    { code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' });
  await expectError('GetProfile with a forged signature', 'credits', 'GetProfile', {}, `${token.slice(0, -4)}AAAA`,
    { code: 'UNAUTHENTICATED', reason: 'UNAUTHENTICATED' });
}

main()
  .catch((e) => ok(false, 'the run finished', e.stack))
  .finally(() => {
    for (const c of Object.values(clients)) c.close();
    lib.plan();
  });
