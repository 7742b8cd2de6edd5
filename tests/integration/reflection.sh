#!/usr/bin/env bash
# Server reflection (v1 and v1alpha): each service lists exactly the RPCs of
# docs/API.md §8, plus the health and reflection services.
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

# A request protobuf-c would misread (field number 0, written in two bytes)
# gets the request shape checks of every call: INVALID_ARGUMENT, and the
# stream goes no further.
code=$(NODE_PATH="$IT_ROOT/tests/node_modules" timeout 20 node -e '
	const grpc = require("@grpc/grpc-js");
	const c = new grpc.Client(process.argv[1], grpc.credentials.createInsecure());
	const id = (b) => b;
	const s = c.makeBidiStreamRequest("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
		id, id, new grpc.Metadata(), { deadline: Date.now() + 10000 });
	let answers = 0;
	s.on("data", () => answers++);
	s.on("error", (e) => { console.log(e.code + "/" + answers); c.close(); });
	s.on("status", (st) => { if (st.code === 0) { console.log("0/" + answers); c.close(); } });
	s.write(Buffer.from([0x80, 0x00, 0x01]));
	s.end();
' "$CREDITS_ADDR" 2>/dev/null || echo client-error)
is "$code" "3/0" "a reflection request with field number 0 is InvalidArgument, unanswered"

done_testing
