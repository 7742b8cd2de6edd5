"""The Smart Cameos example client in Python.

The code that a back end calling the services writes, over the stubs that
buf.gen.yaml generates into gen/python (put that folder on PYTHONPATH). It
runs one real flow and checks each answer:

  1. CreateUser (service role): a new user, who starts with 100 credits;
  2. GrantCredits (service role) of 50, under a request_id, so that a retry
     can never grant twice;
  3. CreateGeneration as the user (a Veo 2 video, 40 credits);
  4. WatchGeneration until a worker completes it (a worker must be running:
     examples/run.sh starts the reference worker);
  5. ListCreditTransactions as the user: the ledger, newest first;
  6. a SpendCredits the balance cannot cover, to read the error a program
     acts on: google.rpc.ErrorInfo's reason, not the English message.

Environment: CREDITS_ADDR, CONTENT_ADDR, SERVICE_TOKEN (a service_role JWT),
JWT_SECRET (to sign the new user's token here; a real back end forwards the
token its user signed in with), CAMEOS_SERVICE_CONFIG (the service config
JSON, deploy/grpc-service-config.json). Needs grpcio and protobuf (Debian:
python3-grpcio, python3-protobuf).

It prints one line per step and exits 0, or 1 with the reason on the first
answer that is not what the flow expects.
"""

import base64
import hashlib
import hmac
import json
import os
import secrets
import sys
import time

import grpc

from cameos.content.v1 import content_pb2, content_pb2_grpc
from cameos.credits.v1 import credits_pb2, credits_pb2_grpc
from google.rpc import error_details_pb2, status_pb2


class FlowError(Exception):
    """An answer the flow did not expect."""


def main():
    with open(env("CAMEOS_SERVICE_CONFIG")) as f:
        options = [("grpc.service_config", f.read()), ("grpc.enable_retries", 1)]
    with grpc.insecure_channel(env("CREDITS_ADDR"), options) as credits_ch, \
            grpc.insecure_channel(env("CONTENT_ADDR"), options) as content_ch:
        flow(credits_pb2_grpc.CreditsServiceStub(credits_ch),
             content_pb2_grpc.ContentServiceStub(content_ch))
    print("flow complete")


def flow(credits, content):
    service = bearer(env("SERVICE_TOKEN"))

    # 1. A new user: the database gives every new user 100 credits.
    profile = credits.CreateUser(credits_pb2.CreateUserRequest(
        user=credits_pb2.User(email=f"python-example-{secrets.token_hex(6)}@cameos.local")),
        metadata=service)
    print(f"user {profile.id} created with {profile.credits} credits")
    user = bearer(user_token(profile.id))

    # 2. A grant under a request_id: repeating the call returns the first
    # answer, so a timeout can be retried without granting twice.
    grant = credits_pb2.GrantCreditsRequest(
        user_id=profile.id, amount=50, description="python example",
        request_id=f"python-example-grant-{secrets.token_hex(8)}")
    granted = credits.GrantCredits(grant, metadata=service)
    again = credits.GrantCredits(grant, metadata=service)
    if again.transaction.id != granted.transaction.id:
        raise FlowError("a repeated GrantCredits is not the same grant")
    print(f"granted 50: balance {granted.balance}")

    # 3. A generation, paid for in the same transaction.
    gen = content.CreateGeneration(content_pb2.CreateGenerationRequest(
        generation=content_pb2.Generation(
            prompt="python example: a heron at dusk",
            model=content_pb2.MODEL_VEO_2,
            aspect_ratio=content_pb2.ASPECT_RATIO_16_9,
            resolution=content_pb2.RESOLUTION_720P,
            mode=content_pb2.GENERATION_MODE_TEXT_TO_VIDEO),
        request_id=f"python-example-gen-{secrets.token_hex(8)}"), metadata=user)
    print(f"generation {gen.id} queued: {gen.credits_used} credits")

    # 4. Its state now, then every change, until it finishes.
    last = None
    for g in content.WatchGeneration(content_pb2.WatchGenerationRequest(id=gen.id),
                                     metadata=user, timeout=90):
        print(f"watch: {content_pb2.GenerationStatus.Name(g.status)} {g.video_url}")
        last = g
    if last is None or last.status != content_pb2.GENERATION_STATUS_SUCCESS:
        raise FlowError(f"the watch ended before SUCCESS: {last}")

    # 5. The ledger, newest first, page by page.
    amounts = []
    req = credits_pb2.ListCreditTransactionsRequest(page_size=2)
    while True:
        page = credits.ListCreditTransactions(req, metadata=user)
        for t in page.credit_transactions:
            kind = credits_pb2.TransactionType.Name(t.transaction_type)
            print(f"ledger: {kind} {t.amount:+d} {t.description}")
            amounts.append(t.amount)
        if not page.next_page_token:
            break
        req.page_token = page.next_page_token
    if amounts != [-40, 50, 100]:
        raise FlowError(f"ledger {amounts}, expected [-40, 50, 100]")

    # 6. An error to act on: the reason is stable, the message is for people.
    try:
        credits.SpendCredits(credits_pb2.SpendCreditsRequest(
            user_id=profile.id, amount=1000000,
            request_id=f"python-example-spend-{secrets.token_hex(8)}"), metadata=service)
        raise FlowError("SpendCredits past the balance succeeded")
    except grpc.RpcError as err:
        info = error_info(err)
        print(f"error: {err.code().name} {info.reason} ({info.domain})")
        if err.code() != grpc.StatusCode.FAILED_PRECONDITION or info.reason != "INSUFFICIENT_CREDITS":
            raise FlowError(f"SpendCredits past the balance: {err.code()} {info.reason}") from err

    balance = credits.GetProfile(credits_pb2.GetProfileRequest(), metadata=user).credits
    print(f"balance {balance}")
    if balance != 110:
        raise FlowError(f"balance {balance}, expected 110")


def error_info(err):
    """The ErrorInfo of a failed call, read from grpc-status-details-bin."""
    for key, value in err.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    return info
    return error_details_pb2.ErrorInfo()


def bearer(token):
    return (("authorization", f"Bearer {token}"),)


def user_token(user_id):
    """An HS256 JWT for the user, in the shape Supabase issues: only this
    example signs one; a back end forwards its user's own token."""
    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    now = int(time.time())
    claims = {"sub": user_id, "role": "authenticated", "iat": now, "exp": now + 600}
    signed = b64(b'{"alg":"HS256","typ":"JWT"}') + "." + b64(json.dumps(claims).encode())
    mac = hmac.new(env("JWT_SECRET").encode(), signed.encode(), hashlib.sha256)
    return signed + "." + b64(mac.digest())


def env(name):
    value = os.environ.get(name)
    if not value:
        sys.exit(f"python example: {name} is not set")
    return value


if __name__ == "__main__":
    try:
        main()
    except (FlowError, grpc.RpcError) as e:
        sys.exit(f"python example: {e}")
