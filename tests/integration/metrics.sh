#!/usr/bin/env bash
# Prometheus metrics at METRICS_LISTEN /metrics: the go-grpc-prometheus
# series move with the calls we make, pool gauges and build info are there,
# other paths are 404, and the content service's queue series follow a
# generation whose lease runs out.
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
rcv='grpc_server_msg_received_total{grpc_method="GetProfile",grpc_service="cameos.credits.v1.CreditsService",grpc_type="unary"}'
snt='grpc_server_msg_sent_total{grpc_method="GetProfile",grpc_service="cameos.credits.v1.CreditsService",grpc_type="unary"}'
is "$(($(value "$t1" "$rcv") - $(value "$t0" "$rcv")))" 2 \
	"credits: two request messages received (the call without a token never sent its body)"
is "$(($(value "$t1" "$snt") - $(value "$t0" "$snt")))" 2 "credits: two reply messages sent"

# The database's latency: every call's transaction waited for a connection
# and ran; each histogram's +Inf bucket is its count.
for h in cameos_db_pool_wait_seconds cameos_db_transaction_seconds; do
	d=$(($(value "$t1" "${h}_count") - $(value "$t0" "${h}_count")))
	((d >= 2)) && pass "credits: $h counts the two calls' transactions ($d)" ||
		fail "credits: $h counts the two calls' transactions" "count went up by $d"
	is "$(value "$t1" "${h}_bucket{le=\"+Inf\"}")" "$(value "$t1" "${h}_count")" "credits: $h +Inf equals its count"
done

# The same by statement: GetProfile's transaction ends with get_profile.
sc='cameos_db_statement_seconds_count{statement="get_profile"}'
d=$(($(value "$t1" "$sc") - $(value "$t0" "$sc")))
((d >= 2)) && pass "credits: cameos_db_statement_seconds{statement=\"get_profile\"} counts them ($d)" ||
	fail "credits: cameos_db_statement_seconds{statement=\"get_profile\"} counts them" "went up by $d"
is "$(value "$t1" 'cameos_db_statement_seconds_bucket{statement="get_profile",le="+Inf"}')" \
	"$(value "$t1" "$sc")" "credits: its +Inf bucket equals its count"

# The Prometheus clients' process series, with values that make sense.
for svc in "${SERVICES[@]}"; do
	text=$(scrape "${MADDR[$svc]}")
	if awk -v now="$(date +%s)" '
		$1 == "process_resident_memory_bytes" { rss = $2 }
		$1 == "process_open_fds" { fds = $2 }
		$1 == "process_max_fds" { max = $2 }
		$1 == "process_cpu_seconds_total" { cpu = $2 }
		$1 == "process_start_time_seconds" { start = $2 }
		END { exit !(rss > 1000000 && fds > 3 && fds <= max && cpu > 0 && start > 1600000000 && start <= now) }
	' <<<"$text"; then
		pass "$svc: process_* series (RSS, fds, CPU, start time) are there and sane"
	else
		fail "$svc: process_* series (RSS, fds, CPU, start time) are there and sane" "$(grep '^process_' <<<"$text")"
	fi
done

# The generation queue (content, sweep.c): every series is declared, the
# gauges see a new generation, and a lease left to run out is counted as
# expired and requeued by the sweep (every 2 s).
m=$CONTENT_METRICS_ADDR
text=$(scrape "$m")
for series in queued:gauge leased:gauge oldest_queued_seconds:gauge \
	leases_expired_total:counter requeued_total:counter attempts_exhausted_total:counter \
	too_old_total:counter sweep_refunds_total:counter sweep_refunded_credits_total:counter \
	sweeps_total:counter; do
	name=cameos_queue_${series%%:*}
	grep -qx "# TYPE $name ${series##*:}" <<<"$text" && grep -Eq "^$name [0-9.e+]+$" <<<"$text" &&
		pass "content: $name is a ${series##*:}" || fail "content: $name is a ${series##*:}"
done
# The sweep's counters count what each replica's sweeps did, and the
# replicas take turns (an advisory lock): with several content instances
# (CONTENT_METRICS_ADDRS, the PgBouncer suite runs three) any of them may
# requeue the lease, so those counters are summed over all of them.
IFS=, read -r -a content_maddrs <<<"${CONTENT_METRICS_ADDRS:-$m}"
# summed SERIES: the series summed over every content replica.
summed() {
	local a s=0 v
	for a in "${content_maddrs[@]}"; do
		v=$(value "$(scrape "$a")" "$1 ")
		s=$(awk -v s="$s" -v v="$v" 'BEGIN { print s + v }')
	done
	echo "$s"
}
# until_metric SERIES MIN [sum]: waits (30 s at most) until the series of
# this replica ($m), or with "sum" the series summed over the replicas, is
# >= MIN.
until_metric() {
	local v i
	for ((i = 0; i < 60; i++)); do
		if [[ ${3:-} == sum ]]; then v=$(summed "$1"); else v=$(value "$(scrape "$m")" "$1 "); fi
		if awk -v v="$v" -v min="$2" 'BEGIN { exit !(v + 0 >= min + 0) }'; then return 0; fi
		sleep 0.5
	done
	return 1
}
t0=$(scrape "$m")
expired0=$(summed cameos_queue_leases_expired_total)
requeued0=$(summed cameos_queue_requeued_total)
call "$CREDITS_ADDR" cameos.credits.v1.CreditsService/GrantCredits \
	"{\"user_id\": \"$USER_ID\", \"amount\": 40, \"description\": \"metrics test\", \"request_id\": \"metrics-$(date +%s%N)\"}" "$SERVICE_TOKEN"
expect_code 0 "queue: credits for one generation"
call "$CONTENT_ADDR" cameos.content.v1.ContentService/CreateGeneration \
	'{"generation": {"prompt": "metrics", "model": "MODEL_VEO_2", "aspect_ratio": "ASPECT_RATIO_16_9",
	  "resolution": "RESOLUTION_720P", "mode": "GENERATION_MODE_TEXT_TO_VIDEO"}}' "$USER_TOKEN"
expect_code 0 "queue: a generation is created"
gen=$(jq -r .id <<<"$OUT")
until_metric cameos_queue_queued 1 && pass "queue: the queued gauge counts it" ||
	fail "queue: the queued gauge counts it" "$(grep '^cameos_queue' <<<"$(scrape "$m")")"
call "$CONTENT_ADDR" cameos.content.v1.ContentService/ClaimGenerations \
	'{"worker": "metrics-test", "max_generations": 100, "lease_seconds": 1}' "$SERVICE_TOKEN"
expect_code 0 "queue: a worker claims for 1 s and goes silent"
jq -e --arg g "$gen" '[.leases[]?.generation.id] | index($g) != null' <<<"$OUT" >/dev/null &&
	pass "queue: the claim holds the new generation" || fail "queue: the claim holds the new generation" "$OUT"
until_metric cameos_queue_leases_expired_total "$(awk -v v="$expired0" 'BEGIN { print v + 1 }')" sum &&
	pass "queue: the sweep counts the expired lease (${#content_maddrs[@]} replicas summed)" ||
	fail "queue: the sweep counts the expired lease" "$(grep '^cameos_queue' <<<"$(scrape "$m")")"
t1=$(scrape "$m")
ok_ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
ok_ge "$(summed cameos_queue_requeued_total)" "$(awk -v v="$requeued0" 'BEGIN { print v + 1 }')" &&
	pass "queue: and puts it back in the queue" || fail "queue: and puts it back in the queue"
ok_ge "$(value "$t1" "cameos_queue_sweeps_total ")" "$(($(value "$t0" "cameos_queue_sweeps_total ") + 1))" &&
	pass "queue: this replica ran the sweeps" || fail "queue: this replica ran the sweeps"
# The counters may have moved for another lease first (the claim took up
# to 100, other tests' among them): the owner's cancel waits until the
# sweep has requeued this one (30 s at most).
for _ in $(seq 1 60); do
	call "$CONTENT_ADDR" cameos.content.v1.ContentService/CancelGeneration "{\"id\": \"$gen\"}" "$USER_TOKEN"
	[[ $CODE == 9 ]] || break
	sleep 0.5
done
expect_code 0 "queue: the owner cancels the requeued generation (refunded)"

# The shipped alerts (deploy/k8s/monitoring) name only series that exist.
rules="$IT_ROOT/deploy/k8s/monitoring/prometheusrule.yaml"
known=$(for svc in "${SERVICES[@]}"; do scrape "${MADDR[$svc]}"; done | awk '$1 == "#" && $2 == "TYPE" { print $3 }' | sort -u)
series_of() { grep -oE '\b(grpc_server|cameos|process)_[a-z_]+' | sed -E 's/_(bucket|count|sum)$//' | sort -u; }
names=$(yq -r '.spec.groups[].rules[].expr' "$rules" | series_of)
missing=$(comm -23 <(echo "$names") <(echo "$known"))
[[ -n $names && -z $missing ]] && pass "every series the alerts name is served ($(wc -l <<<"$names") of them)" ||
	fail "every series the alerts name is served" "missing: $missing"
# And the dashboard's panels (deploy/k8s/monitoring/dashboard.json).
names=$(jq -r '.panels[].targets[].expr' "$IT_ROOT/deploy/k8s/monitoring/dashboard.json" | series_of)
missing=$(comm -23 <(echo "$names") <(echo "$known"))
[[ -n $names && -z $missing ]] && pass "every series the dashboard shows is served ($(wc -l <<<"$names") of them)" ||
	fail "every series the dashboard shows is served" "missing: $missing"
incomplete=$(yq -r '.spec.groups[].rules[] | select((.alert // "") == "" or (.expr // "") == ""
	or (.labels.severity // "") == "" or (.annotations.summary // "") == "") | .alert // "(unnamed)"' "$rules")
[[ -z $incomplete ]] && pass "every alert has an expression, a severity and a summary" ||
	fail "every alert has an expression, a severity and a summary" "$incomplete"

done_testing
