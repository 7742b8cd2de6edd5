// The Smart Cameos example client in TypeScript for Node: the code that a back
// end calling the services writes, over the ts-proto stubs that buf.gen.yaml
// generates into gen/ts (on @grpc/grpc-js). It runs one real flow and checks
// each answer:
//
//   1. CreateUser (service role): a new user, who starts with 100 credits;
//   2. GrantCredits (service role) of 50, under a request_id, so that a retry
//      can never grant twice;
//   3. CreateGeneration as the user (a Veo 2 video, 40 credits);
//   4. WatchGeneration until a worker completes it (a worker must be running:
//      examples/run.sh starts the reference worker);
//   5. ListCreditTransactions as the user: the ledger, newest first;
//   6. a SpendCredits the balance cannot cover, to read the error a program
//      acts on: google.rpc.ErrorInfo's reason, not the English message.
//
// Environment: CREDITS_ADDR, CONTENT_ADDR, SERVICE_TOKEN (a service_role
// JWT), JWT_SECRET (to sign the new user's token here; a real back end
// forwards the token its user signed in with), CAMEOS_SERVICE_CONFIG (the
// service config JSON, deploy/grpc-service-config.json). Build with
// `npm run build`, run with `npm start`.
//
// It prints one line per step and exits 0, or 1 with the reason on the first
// answer that is not what the flow expects.

import { createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  type CallOptions,
  type ClientUnaryCall,
  credentials,
  Metadata,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import {
  ContentServiceClient,
  GenerationMode,
  GenerationStatus,
  generationStatusToJSON,
  Generation,
  AspectRatio,
  Model,
  Resolution,
} from "../../gen/ts/cameos/content/v1/content";
import {
  CreditsServiceClient,
  type ListCreditTransactionsRequest,
  transactionTypeToJSON,
  User,
} from "../../gen/ts/cameos/credits/v1/credits";
import { ErrorInfo } from "../../gen/ts/google/rpc/error_details";
import { Status } from "../../gen/ts/google/rpc/status";

async function main(): Promise<void> {
  const options = {
    "grpc.service_config": readFileSync(env("CAMEOS_SERVICE_CONFIG"), "utf8"),
  };
  const credits = new CreditsServiceClient(env("CREDITS_ADDR"), credentials.createInsecure(), options);
  const content = new ContentServiceClient(env("CONTENT_ADDR"), credentials.createInsecure(), options);
  try {
    await flow(credits, content);
  } finally {
    credits.close();
    content.close();
  }
  console.log("flow complete");
}

async function flow(credits: CreditsServiceClient, content: ContentServiceClient): Promise<void> {
  const service = bearer(env("SERVICE_TOKEN"));

  // 1. A new user: the database gives every new user 100 credits.
  const profile = await unary(credits.createUser.bind(credits), {
    user: User.fromPartial({ email: `ts-example-${hex(6)}@cameos.local` }),
  }, service);
  console.log(`user ${profile.id} created with ${profile.credits} credits`);
  const user = bearer(userToken(profile.id));

  // 2. A grant under a request_id: repeating the call returns the first
  // answer, so a timeout can be retried without granting twice.
  const grant = {
    userId: profile.id, amount: 50, description: "typescript example",
    requestId: `ts-example-grant-${hex(8)}`,
  };
  const granted = await unary(credits.grantCredits.bind(credits), grant, service);
  const again = await unary(credits.grantCredits.bind(credits), grant, service);
  expect(again.transaction?.id === granted.transaction?.id, "a repeated GrantCredits is the same grant");
  console.log(`granted 50: balance ${granted.balance}`);

  // 3. A generation, paid for in the same transaction.
  const gen = await unary(content.createGeneration.bind(content), {
    // fromPartial fills the fields left out with their defaults.
    generation: Generation.fromPartial({
      prompt: "typescript example: a kite over dunes",
      model: Model.MODEL_VEO_2,
      aspectRatio: AspectRatio.ASPECT_RATIO_16_9,
      resolution: Resolution.RESOLUTION_720P,
      mode: GenerationMode.GENERATION_MODE_TEXT_TO_VIDEO,
    }),
    requestId: `ts-example-gen-${hex(8)}`,
  }, user);
  console.log(`generation ${gen.id} queued: ${gen.creditsUsed} credits`);

  // 4. Its state now, then every change, until it finishes.
  let last: Generation | undefined;
  const stream = content.watchGeneration({ id: gen.id }, user, { deadline: Date.now() + 90_000 });
  for await (const g of stream as AsyncIterable<Generation>) {
    console.log(`watch: ${generationStatusToJSON(g.status)} ${g.videoUrl}`);
    last = g;
  }
  expect(last?.status === GenerationStatus.GENERATION_STATUS_SUCCESS, "the watch ends in SUCCESS");

  // 5. The ledger, newest first, page by page.
  const amounts: number[] = [];
  const req: ListCreditTransactionsRequest = { pageSize: 2, pageToken: "", transactionType: 0 };
  for (;;) {
    const page = await unary(credits.listCreditTransactions.bind(credits), req, user);
    for (const t of page.creditTransactions) {
      const sign = t.amount > 0 ? "+" : "";
      console.log(`ledger: ${transactionTypeToJSON(t.transactionType)} ${sign}${t.amount} ${t.description}`);
      amounts.push(t.amount);
    }
    if (!page.nextPageToken) break;
    req.pageToken = page.nextPageToken;
  }
  expect(amounts.join(" ") === "-40 50 100", `ledger ${amounts.join(" ")} is -40 50 100`);

  // 6. An error to act on: the reason is stable, the message is for people.
  try {
    await unary(credits.spendCredits.bind(credits), {
      userId: profile.id, amount: 1_000_000, description: "", generationId: "",
      requestId: `ts-example-spend-${hex(8)}`,
    }, service);
    expect(false, "SpendCredits past the balance fails");
  } catch (e) {
    const err = e as ServiceError;
    if (err.code === undefined) throw e;
    const info = errorInfo(err);
    console.log(`error: ${status[err.code]} ${info?.reason} (${info?.domain})`);
    expect(err.code === status.FAILED_PRECONDITION && info?.reason === "INSUFFICIENT_CREDITS",
      "SpendCredits past the balance is FAILED_PRECONDITION, INSUFFICIENT_CREDITS");
  }

  const balance = (await unary(credits.getProfile.bind(credits), {}, user)).credits;
  console.log(`balance ${balance}`);
  expect(balance === 110, `balance ${balance} is 110`);
}

// The ErrorInfo of a failed call, read from grpc-status-details-bin.
function errorInfo(err: ServiceError): ErrorInfo | undefined {
  const [bin] = err.metadata?.get("grpc-status-details-bin") ?? [];
  if (!(bin instanceof Buffer)) return undefined;
  const detail = Status.decode(bin).details.find(
    (d) => d.typeUrl === "type.googleapis.com/google.rpc.ErrorInfo");
  return detail && ErrorInfo.decode(detail.value);
}

// One unary call as a promise. The generated methods take (request,
// metadata, options, callback).
function unary<Req, Res>(
  method: (req: Req, md: Metadata, opts: Partial<CallOptions>,
    cb: (err: ServiceError | null, res: Res) => void) => ClientUnaryCall,
  req: Req, md: Metadata,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(req, md, {}, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

function bearer(token: string): Metadata {
  const md = new Metadata();
  md.set("authorization", `Bearer ${token}`);
  return md;
}

// An HS256 JWT for the user, in the shape Supabase issues: only this example
// signs one; a back end forwards its user's own token.
function userToken(userId: string): string {
  const b64 = (s: string | Buffer) => Buffer.from(s).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: userId, role: "authenticated", iat: now, exp: now + 600 };
  const signed = `${b64('{"alg":"HS256","typ":"JWT"}')}.${b64(JSON.stringify(claims))}`;
  return `${signed}.${b64(createHmac("sha256", env("JWT_SECRET")).update(signed).digest())}`;
}

function hex(n: number): string {
  return randomBytes(n).toString("hex");
}

function expect(ok: boolean, what: string): void {
  if (!ok) throw new Error(`expected: ${what}`);
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`typescript example: ${name} is not set`);
    process.exit(2);
  }
  return value;
}

main().catch((e: unknown) => {
  console.error(`typescript example: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
