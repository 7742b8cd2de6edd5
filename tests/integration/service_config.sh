#!/usr/bin/env bash
# service_config.sh - the published gRPC service config (TAP): see
# service_config.cjs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${CREDITS_ADDR:?CREDITS_ADDR is not set (run scripts/test.sh, or . .stack/env)}"
exec node "$ROOT/tests/integration/service_config.cjs"
