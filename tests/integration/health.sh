#!/usr/bin/env bash
# grpc.health.v1.Health on each service: "" and the service's full name are
# SERVING, so is `liveness`; an unknown name is NotFound; Watch streams the
# current status first.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

for svc in "${SERVICES[@]}"; do
	addr=${ADDR[$svc]}
	is "$(health "$addr" "")" SERVING "$svc: Health/Check \"\" is SERVING"
	is "$(health "$addr" "${FULLNAME[$svc]}")" SERVING "$svc: Health/Check ${FULLNAME[$svc]} is SERVING"
	is "$(health "$addr" liveness)" SERVING "$svc: Health/Check liveness is SERVING"
	call "$addr" grpc.health.v1.Health/Check '{"service":"no.such.v1.Service"}'
	expect_code 5 "$svc: Health/Check of an unknown service is NotFound"

	# Watch never ends by itself: read what arrives in 3 s, then stop it.
	out=$(timeout 3 "$BUF" curl --protocol grpc --http2-prior-knowledge --connect-timeout 2 \
		-d '{"service":""}' "http://$addr/grpc.health.v1.Health/Watch" 2>/dev/null || true)
	if [[ $out =~ \"status\":[[:space:]]*\"SERVING\" ]]; then
		pass "$svc: Health/Watch sends SERVING first"
	else
		fail "$svc: Health/Watch sends SERVING first" "got: ${out:-nothing}"
	fi
done

done_testing
