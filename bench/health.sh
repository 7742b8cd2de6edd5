#!/usr/bin/env bash
# Benchmark of the runtime alone: h2load drives grpc.health.v1.Health/Check
# (no database work) against one running service and prints calls/s, latency
# and the service's RSS idle and at peak. A figure, not a test: nothing here
# passes or fails on speed.
#   bench/health.sh [ADDR] [PID]   (defaults: 127.0.0.1:50051, the process on that port)
set -euo pipefail
addr=${1:-127.0.0.1:50051}
pid=${2:-$(ss -ltnpH "sport = :${addr##*:}" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n1)}
[ -n "$pid" ] || { echo "no process listens on $addr" >&2; exit 1; }
command -v h2load >/dev/null || { echo "h2load missing: apt-get install nghttp2-client" >&2; exit 1; }
body=$(mktemp)
trap 'rm -f "$body"' EXIT
printf '\x00\x00\x00\x00\x00' >"$body" # gRPC frame: uncompressed, empty HealthCheckRequest
rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/status"; }
echo "idle RSS: $(rss VmRSS) kB (pid $pid)"
for conc in "-c 1 -m 1" "-c 8 -m 16"; do
    n=${N:-200000}
    [ "$conc" = "-c 1 -m 1" ] && n=$((n / 10)) # one call at a time: latency, not throughput
    out=$(h2load -n "$n" $conc -t 1 -d "$body" \
        -H 'content-type: application/grpc' -H 'te: trailers' \
        "http://$addr/grpc.health.v1.Health/Check")
    echo "h2load $conc: $(grep -E '^finished in' <<<"$out")"
    grep -E '^requests:|^status codes:|^time for request:' <<<"$out" | sed 's/^/    /'
done
echo "RSS after load: $(rss VmRSS) kB, peak: $(rss VmHWM) kB"
