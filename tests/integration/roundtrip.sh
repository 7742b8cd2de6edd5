#!/usr/bin/env bash
# roundtrip.sh - storage round trip (TAP): random valid values of every field
# of every resource come back identical through Create, Get, List and Update
# (roundtrip.cjs, a grpc-js client driven by the .proto files and their
# comments). Prints its seed; ROUNDTRIP_SEED=<seed> repeats a run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${CREDITS_ADDR:?CREDITS_ADDR is not set (run scripts/test.sh, or . .stack/env)}"
exec node "$ROOT/tests/integration/roundtrip.cjs"
