#!/usr/bin/env bash
# The commands of deploy/OPERATORS.md that need no Kubernetes cluster, taken
# from the document itself (so the test and the text cannot drift) and run:
#   - the Secrets block: each `kubectl create secret generic` line, with
#     --dry-run=client -o json added, over files written with `printf %s`
#     as the text says: every Secret holds the file's exact bytes;
#   - the release block: `kubectl kustomize` into "$R"; the label selector
#     of step 1 picks the Job with what it needs and none of the services
#     (evaluated with jq: kubectl evaluates -l only against a server); the
#     Job and Deployments that steps 1 and 2 wait for exist in "$R";
#   - the health check through buf curl, against the running credits;
#   - the JWT rotation: the two Secret pipelines as written (up to
#     `| kubectl apply`), whose secrets then run a credits instance each:
#     after step 1 tokens of the new and the old secret are both accepted,
#     after step 4 only the new one.
# The steps that act on a cluster (apply, wait, rollout, port-forward, get,
# label, debug) are listed, not run: no Kubernetes API server runs here.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
DOC=$IT_ROOT/deploy/OPERATORS.md
export KUBECONFIG=/dev/null # never a real cluster

# block PATTERN: the ```sh block of OPERATORS.md that contains PATTERN.
block() {
	awk -v pat="$1" '/^```sh$/ { inb = 1; b = ""; next }
		/^```$/ && inb { if (index(b, pat)) { printf "%s", b; exit } inb = 0; next }
		inb { b = b $0 "\n" }' "$DOC"
}

# ---- Secrets: the files as the text says to write them, then each line.
secrets=$(block 'create secret generic cameos-db-owner')
[[ -n $secrets ]] && pass "OPERATORS.md has the Secrets block" || fail "OPERATORS.md has the Secrets block"
work=$IT_TMP/secrets
mkdir -p "$work"
declare -A want=(
	[owner.url]='postgresql://owner:p%40ss@db.example.com:5432/cameos?sslmode=verify-full'
	[credits.url]='postgresql://cameos_credits:a1@db.example.com:5432/cameos?sslmode=verify-full'
	[content.url]='postgresql://cameos_content:b2@db.example.com:5432/cameos?sslmode=verify-full'
	[planning.url]='postgresql://cameos_planning:c3@db.example.com:5432/cameos?sslmode=verify-full'
	[jwt.secret]=$(openssl rand -hex 32)
)
for f in "${!want[@]}"; do printf %s "${want[$f]}" >"$work/$f"; done
n=0
while IFS= read -r line; do
	[[ $line =~ ^kubectl\ -n\ \$NS\ create\ secret\ generic\ ([a-z-]+)\ +--from-file=([A-Z_]+)=\./([a-z.]+)$ ]] || continue
	name=${BASH_REMATCH[1]} key=${BASH_REMATCH[2]} file=${BASH_REMATCH[3]}
	n=$((n + 1))
	out=$(cd "$work" && NS=cameos eval "$line --dry-run=client -o json" 2>&1)
	got=$(jq -r --arg k "$key" '"\(.metadata.namespace)/\(.metadata.name) " + (.data[$k] | @base64d)' <<<"$out" 2>/dev/null)
	is "$got" "cameos/$name ${want[$file]}" "$name: $key holds ./$file byte for byte"
done <<<"$secrets"
is "$n" 5 "the five Secrets of the table are created by the block"

# ---- The release: render, then the selector of step 1.
release=$(block 'kubectl kustomize deploy/k8s/overlays/prod')
render=$(grep -E '^(R=|kubectl kustomize )' <<<"$release")
(cd "$IT_ROOT" && eval "$render" && cp "$R" "$IT_TMP/rendered.yaml") 2>"$IT_TMP/render.err" &&
	[[ -s $IT_TMP/rendered.yaml ]] && pass "R=\$(mktemp); kubectl kustomize deploy/k8s/overlays/prod >\"\$R\"" ||
	fail "kubectl kustomize deploy/k8s/overlays/prod" "$(cat "$IT_TMP/render.err")"
yq -c . "$IT_TMP/rendered.yaml" | jq -s '[.[] | select(. != null)]' >"$IT_TMP/objects.json"
sel=$(sed -nE "s/^kubectl apply -f \"\\\$R\" -l '(.*)'$/\1/p" <<<"$release")
if [[ $sel =~ ^app\.kubernetes\.io/component\ notin\ \(([a-z,]+)\)$ ]]; then
	pass "step 1 applies with a set-based selector: $sel"
	picked=$(jq -r --arg not "${BASH_REMATCH[1]}" '($not | split(",")) as $n
		| [.[] | select((.metadata.labels["app.kubernetes.io/component"] // "") as $c | ($n | index($c)) | not)
		| .kind] | sort | unique | join(" ")' "$IT_TMP/objects.json")
	is "$picked" "ConfigMap Job Namespace NetworkPolicy ServiceAccount" \
		"step 1 picks the Job and what it needs (namespace, config, account, policy), nothing of the services"
else
	fail "step 1 applies with a set-based selector" "found: $sel"
fi
job=$(sed -nE 's/.*wait --for=condition=complete (job\/[a-z-]+).*/\1/p' <<<"$release")
is "$(jq -r --arg j "${job#job/}" '[.[] | select(.kind == "Job" and .metadata.name == $j)] | length' "$IT_TMP/objects.json")" 1 \
	"the Job step 1 waits for ($job) is in the rendering"
deploys=$(sed -nE 's/^for d in ([a-z ]+); do kubectl -n \$NS rollout status deploy\/cameos-\$d.*/\1/p' <<<"$release")
is "$(for d in $deploys; do jq -r --arg d "cameos-$d" '.[] | select(.kind == "Deployment" and .metadata.name == $d) | .metadata.name' "$IT_TMP/objects.json"; done | sort | tr '\n' ' ')" \
	"cameos-content cameos-credits cameos-planning " "step 2 waits for the three Deployments of the rendering"

# ---- The health check, against the running credits.
check=$(block 'grpc.health.v1.Health/Check' | sed -n '/^buf curl/,/Health\/Check/p' | sed 's/\\$//' | tr -d '\n')
check=${check%%#*}
out=$(eval "$(sed "s|^buf |\"\$BUF\" |; s|127.0.0.1:50051|$CREDITS_ADDR|" <<<"$check")" 2>&1 || true)
[[ $(jq -r .status <<<"$out" 2>/dev/null) == SERVING ]] && pass "the documented Health/Check answers SERVING" ||
	fail "the documented Health/Check answers SERVING" "$out"

# ---- The JWT rotation: the Secrets of steps 1 and 4, and what they let in.
rot=$(block 'JWT_SECRET_PREVIOUS=<(printf')
eval "$(grep -E '^NEW=' <<<"$rot")"
OLD=$(openssl rand -hex 32) # the doc reads it from the cluster
# step N's pipeline: its lines up to `| kubectl apply -f -`, which becomes a file.
pipeline() {
	awk -v want="$1" '/create secret generic cameos-jwt/ { n++; on = (n == want) }
		on { print; if (/kubectl apply -f -/) exit }' <<<"$rot" |
		sed 's/\\$//' | tr '\n' ' ' | sed -E 's/\| *kubectl apply -f - *$//'
}
for step in 1 2; do
	cmd=$(pipeline "$step")
	NS=cameos eval "$cmd" >"$IT_TMP/jwt-$step.yaml" 2>"$IT_TMP/jwt-$step.err" ||
		fail "rotation Secret $step renders" "$(cat "$IT_TMP/jwt-$step.err")"
done
dec() { yq -r ".data.$2 // \"\"" "$IT_TMP/jwt-$1.yaml" | base64 -d; }
is "$(dec 1 JWT_SECRET) $(dec 1 JWT_SECRET_PREVIOUS)" "$NEW $OLD" \
	"step 1's Secret: JWT_SECRET is the new secret, JWT_SECRET_PREVIOUS the old, byte for byte"
is "$(dec 2 JWT_SECRET)|$(dec 2 JWT_SECRET_PREVIOUS)" "$NEW|" "step 4's Secret: the new secret alone"
MINT=$IT_ROOT/scripts/mint-token.sh
new_tok=$(JWT_SECRET=$NEW "$MINT" "$USER_ID" authenticated 600)
old_tok=$(JWT_SECRET=$OLD "$MINT" "$USER_ID" authenticated 600)
for step in 1 2; do
	args=(JWT_SECRET="$(dec "$step" JWT_SECRET)")
	prev=$(dec "$step" JWT_SECRET_PREVIOUS)
	[[ -n $prev ]] && args+=(JWT_SECRET_PREVIOUS="$prev")
	spawn_credits "rot$step" "${args[@]}"
	addr=127.0.0.1:$SPAWN_PORT
	kill_later=$SPAWN_PID
	wait_health 30 "$addr" "" SERVING || fail "rotation instance $step is SERVING" "$(tail -n 3 "$SPAWN_LOG")"
	call "$addr" cameos.credits.v1.CreditsService/GetProfile '{}' "$new_tok"
	expect_code 0 "after step $((step == 1 ? 1 : 4)): a token of the new secret is accepted"
	call "$addr" cameos.credits.v1.CreditsService/GetProfile '{}' "$old_tok"
	if ((step == 1)); then expect_code 0 "after step 1: a token of the old secret is still accepted"; else
		expect_code 16 "after step 4: a token of the old secret is refused (UNAUTHENTICATED)"
	fi
	kill "$kill_later" 2>/dev/null
	wait "$kill_later" 2>/dev/null
done

# ---- What needs a cluster, listed so that a new command is seen.
diag "not run here (each acts on a Kubernetes API server):"
diag "$(grep -hoE '^(kubectl|for d in)[^#]*' <<<"$(block 'kubectl create namespace'; block 'kubectl kustomize'; block 'port-forward'; block 'JWT_SECRET_PREVIOUS=<(printf')" |
	grep -vE 'create secret generic|kubectl kustomize' | sed 's/ *$//' | sort -u)"
done_testing
