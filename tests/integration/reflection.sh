#!/usr/bin/env bash
# Server reflection (v1 and v1alpha): each service lists exactly the RPCs of
# API.md section 8, plus the health and reflection services.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

crud() { local r; for r in "$@"; do printf '%s\n' "Create$r" "Get$r" "List${r}s" "Update$r" "Delete$r"; done; }

declare -A EXPECTED
EXPECTED[credits]=$(printf '%s\n' GetProfile UpdateProfile ListCreditTransactions \
	ListPricingTiers CreateUser PurchaseCredits SpendCredits RefundCredits GrantCredits GetBalance | sort)
EXPECTED[content]=$({
	printf '%s\n' CreateGeneration GetGeneration ListGenerations DeleteGeneration \
		CompleteGeneration FailGeneration WatchGeneration CreatePerformanceMetric \
		CancelGeneration ClaimGenerations ExtendGenerationLease ReleaseGeneration \
		WaitForGenerations \
		GetPerformanceMetric ListPerformanceMetrics UpdatePerformanceMetric \
		UseStylePreset UseToolConfiguration
	crud StylePreset ToolConfiguration PlatformConfiguration
} | sort)
EXPECTED[planning]=$({
	crud BrandGuideline Campaign StoryboardSequence ToolPresetChain
	echo UseToolPresetChain
} | sort)

# list WHAT ADDR [PROTOCOL]: --list-methods / --list-services output, or
# "ERROR(rc)" with buf's message.
list() {
	local what=$1 addr=$2 proto=${3:-} rc=0 out
	local args=(--protocol grpc --http2-prior-knowledge --connect-timeout 3 --timeout 15s "--list-$what")
	if [[ -n $proto ]]; then args+=(--reflect-protocol "$proto"); fi
	out=$(timeout 20 "$BUF" curl "${args[@]}" "http://$addr" 2>&1) || rc=$?
	if ((rc != 0)); then echo "ERROR($rc): $out"; else echo "$out"; fi
}

for svc in "${SERVICES[@]}"; do
	addr=${ADDR[$svc]}
	full=${FULLNAME[$svc]}
	for proto in "" grpc-v1 grpc-v1alpha; do
		label=${proto:-default}
		out=$(list methods "$addr" $proto)
		got=$(grep "^$full/" <<<"$out" | sed "s|^$full/||" | sort || true)
		if [[ $got == "${EXPECTED[$svc]}" ]]; then
			pass "$svc: reflection ($label) lists exactly the RPCs of $full"
		else
			fail "$svc: reflection ($label) lists exactly the RPCs of $full" \
				"$(diff <(echo "${EXPECTED[$svc]}") <(echo "$got") | grep '^[<>]' |
					sed 's/^</missing:/; s/^>/unexpected:/' | head -n 20)" \
				"$(head -n 3 <<<"$out")"
		fi
	done
	services=$(list services "$addr" grpc-v1)
	own=$(grep '^cameos\.' <<<"$services" | sort || true)
	is "$own" "$full" "$svc: the only cameos service it offers is $full"
	if grep -qx grpc.health.v1.Health <<<"$services"; then
		pass "$svc: reflection lists grpc.health.v1.Health"
	else
		fail "$svc: reflection lists grpc.health.v1.Health" "got: $services"
	fi
done

done_testing
