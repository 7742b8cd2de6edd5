#!/usr/bin/env bash
# Prometheus metrics at METRICS_LISTEN /metrics: the go-grpc-prometheus
# series move with the calls we make, pool gauges and build info are there,
# and other paths are 404.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
: "${CREDITS_METRICS_ADDR:?CREDITS_METRICS_ADDR is not set}"
declare -A MADDR=([credits]=$CREDITS_METRICS_ADDR [content]=${CONTENT_METRICS_ADDR:?}
	[planning]=${PLANNING_METRICS_ADDR:?})

scrape() { curl -sf --max-time 5 "http://$1/metrics"; }
# value TEXT SERIES-PREFIX: the sample value of the first series line that
# starts with the prefix (labels in go-grpc-prometheus order), 0 when absent.
value() { awk -v p="$2" 'index($0, p) == 1 { print $NF; found = 1; exit } END { if (!found) print 0 }' <<<"$1"; }

for svc in "${SERVICES[@]}"; do
	m=${MADDR[$svc]}
	if text=$(scrape "$m"); then pass "$svc: GET /metrics answers"; else
		fail "$svc: GET /metrics answers" "no answer from $m"
		continue
	fi
	grep -q "^cameos_build_info{binary=\"cameos-$svc\"" <<<"$text" &&
		pass "$svc: build info names the binary" || fail "$svc: build info names the binary"
	is "$(value "$text" cameos_db_pool_ready)" "$(value "$text" cameos_db_pool_size)" \
		"$svc: every pool connection is ready"
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://$m/other")
	is "$code" 404 "$svc: other paths are 404"

	hc='grpc_server_handled_total{grpc_code="OK",grpc_method="Check",grpc_service="grpc.health.v1.Health",grpc_type="unary"}'
	before=$(value "$text" "$hc")
	for _ in 1 2 3; do health "${ADDR[$svc]}" >/dev/null; done
	after=$(value "$(scrape "$m")" "$hc")
	is "$((after - before))" 3 "$svc: three Health/Check calls count three OK"
done

# A method's codes are told apart, and the histogram counts every call.
m=$CREDITS_METRICS_ADDR
ok='grpc_server_handled_total{grpc_code="OK",grpc_method="GetProfile",grpc_service="cameos.credits.v1.CreditsService",grpc_type="unary"}'
unauth='grpc_server_handled_total{grpc_code="Unauthenticated",grpc_method="GetProfile",grpc_service="cameos.credits.v1.CreditsService",grpc_type="unary"}'
started='grpc_server_started_total{grpc_method="GetProfile",grpc_service="cameos.credits.v1.CreditsService",grpc_type="unary"}'
hist='grpc_server_handling_seconds_count{grpc_method="GetProfile",grpc_service="cameos.credits.v1.CreditsService",grpc_type="unary"}'
t0=$(scrape "$m")
for _ in 1 2; do call "$CREDITS_ADDR" cameos.credits.v1.CreditsService/GetProfile '{}' "$USER_TOKEN"; done
call "$CREDITS_ADDR" cameos.credits.v1.CreditsService/GetProfile '{}'
t1=$(scrape "$m")
is "$(($(value "$t1" "$ok") - $(value "$t0" "$ok")))" 2 "credits: GetProfile OK counted twice"
is "$(($(value "$t1" "$unauth") - $(value "$t0" "$unauth")))" 1 \
	"credits: GetProfile Unauthenticated counted once"
is "$(($(value "$t1" "$started") - $(value "$t0" "$started")))" 3 "credits: three GetProfile started"
is "$(($(value "$t1" "$hist") - $(value "$t0" "$hist")))" 3 "credits: the histogram counts all three"
le_inf=$(grep -F 'grpc_server_handling_seconds_bucket{grpc_method="GetProfile",grpc_service="cameos.credits.v1.CreditsService",grpc_type="unary",le="+Inf"}' <<<"$t1" | awk '{print $NF}')
is "$le_inf" "$(value "$t1" "$hist")" "credits: the +Inf bucket equals the count"

done_testing
