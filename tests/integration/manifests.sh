#!/usr/bin/env bash
# The Kubernetes manifests (deploy/k8s): each of base, overlays/dev and
# overlays/prod renders with `kubectl kustomize`, and the rendered objects
# hold what deploy/OPERATORS.md promises: gRPC probes, resource limits,
# non-root read-only containers, Services that select pods, a PDB and an HPA
# per Deployment, a NetworkPolicy that limits traffic, a migration Job, no
# secret value. Then the objects are validated against the Kubernetes
# OpenAPI schemas (deploy/k8s/validate.cjs, npm kubernetes-models; skipped
# when that package is not in tests/node_modules).
#
# Needs kubectl (its built-in kustomize), yq and jq; no cluster and no running
# service, so it prints its own TAP instead of sourcing lib.bash (which
# requires the services' addresses). CAMEOS_K8S_DIR and CAMEOS_NODE_MODULES
# point it elsewhere (to try the checks on broken copies).
# shellcheck disable=SC2016 # the jq programs are in single quotes on purpose
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
K8S="${CAMEOS_K8S_DIR:-$ROOT/deploy/k8s}"
NODE_MODULES="${CAMEOS_NODE_MODULES:-$ROOT/tests/node_modules}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# shellcheck source=tests/integration/tap.bash
source "$(dirname "${BASH_SOURCE[0]}")/tap.bash"

# ------------------------------------------------------------ jq checks
# Every check is a jq program over the array of rendered objects that prints
# one line per problem; no output is a pass.
JQ_DEFS='
def id: "\(.kind)/\(.metadata.name)";
def workload: select(.kind == "Deployment" or .kind == "StatefulSet" or .kind == "DaemonSet"
	or .kind == "Job" or .kind == "CronJob" or .kind == "ReplicaSet" or .kind == "Pod");
def serving: select(.kind == "Deployment" or .kind == "StatefulSet" or .kind == "DaemonSet");
def template: if .kind == "Pod" then . elif .kind == "CronJob" then .spec.jobTemplate.spec.template
	else .spec.template end;
def podspec: template.spec;
def podlabels: template.metadata.labels // {};
def containers: podspec | ((.initContainers // []) + (.containers // []))[];
def ns: .metadata.namespace // "";
def selects($labels): (. // {}) as $sel | ($sel | length) > 0
	and all($sel | to_entries[]; $labels[.key] == .value);
def bytes: tostring | capture("^(?<n>[0-9.]+)(?<u>[A-Za-z]*)$") as $q
	| ($q.n | tonumber) * ({"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "Ki": 1024,
		"Mi": 1048576, "Gi": 1073741824}[$q.u] // error("unit \($q.u)"));
def cores: tostring | if endswith("m") then (.[:-1] | tonumber) / 1000 else tonumber end;
def env_value($objs; $name): . as $c
	| ([($c.env // [])[] | select(.name == $name) | .value] | first)
	// ([($c.envFrom // [])[] | .configMapRef.name // empty | . as $cm
		| $objs[] | select(.kind == "ConfigMap" and .metadata.name == $cm)
		| .data[$name] // empty] | first);
'

# check FILE DESCRIPTION PROGRAM
check() {
	local file=$1 desc=$2 prog=$3 out
	if ! out=$(jq -r "$JQ_DEFS . as \$all | $prog" "$file" 2>&1); then
		fail "$desc" "jq failed:" "$out"
	elif [[ -n $out ]]; then
		mapfile -t lines <<<"$out"
		fail "$desc" "${lines[@]}"
	else
		pass "$desc"
	fi
}

checks() {
	local name=$1 file=$2 overlay=$3

	check "$file" "$name: every serving container has gRPC startup, readiness and liveness probes" '
		.[] | serving | id as $w | podspec.containers[] | . as $c
		| ((.command // [])[0] // "" | split("/") | last | ltrimstr("cameos-")) as $svc
		| "cameos.\($svc).v1.\($svc[:1] | ascii_upcase)\($svc[1:])Service" as $full
		| ([$c.ports[]? | select(.name == "grpc") | .containerPort] | first) as $port
		| (("startupProbe", "readinessProbe", "livenessProbe") as $p
			| if $c[$p] == null then "\($w) \($c.name): no \($p)"
			elif $c[$p].grpc == null then "\($w) \($c.name): \($p) is not a gRPC probe"
			elif $c[$p].grpc.port != $port then "\($w) \($c.name): \($p) probes port \($c[$p].grpc.port), the grpc port is \($port)"
			else empty end),
		(if $c.readinessProbe.grpc.service != $full
			then "\($w) \($c.name): readinessProbe asks for \($c.readinessProbe.grpc.service // "the server"), not \($full)" else empty end),
		(("startupProbe", "livenessProbe") as $p | select($c[$p].grpc.service != "liveness")
			| "\($w) \($c.name): \($p) must ask for \"liveness\" (the process, not the database)")'

	check "$file" "$name: every container has cpu and memory requests and limits, requests <= limits" '
		.[] | workload | id as $w | containers | . as $c
		| (("requests", "limits") as $k | ("cpu", "memory") as $r
			| select(($c.resources[$k][$r] // null) == null) | "\($w) \($c.name): no \($k).\($r)"),
		(select($c.resources.requests.memory and $c.resources.limits.memory
			and ($c.resources.requests.memory | bytes) > ($c.resources.limits.memory | bytes))
			| "\($w) \($c.name): memory request above its limit"),
		(select($c.resources.requests.cpu and $c.resources.limits.cpu
			and ($c.resources.requests.cpu | cores) > ($c.resources.limits.cpu | cores))
			| "\($w) \($c.name): cpu request above its limit")'

	# Measured RSS per service: ~17 MB idle, 25-35 MB at peak.
	check "$file" "$name: serving containers request at least the measured peak RSS (35 MB) and may reach twice it" '
		.[] | serving | id as $w | podspec.containers[] | . as $c
		| (select(($c.resources.requests.memory // "0" | bytes) < 35e6)
			| "\($w) \($c.name): memory request \($c.resources.requests.memory) is below the 35 MB peak"),
		(select(($c.resources.limits.memory // "0" | bytes) < 70e6)
			| "\($w) \($c.name): memory limit \($c.resources.limits.memory) is below twice the peak")'

	check "$file" "$name: every container runs non-root, read-only, without privileges or capabilities, seccomp RuntimeDefault" '
		.[] | workload | id as $w | (podspec.securityContext // {}) as $pod | podspec as $spec
		| (("hostNetwork", "hostPID", "hostIPC") as $h | select($spec[$h] == true) | "\($w): \($h)"),
		(containers | . as $c | (.securityContext // {}) as $sc
			| (if ($sc.runAsNonRoot // $pod.runAsNonRoot) != true then "\($w) \($c.name): runAsNonRoot is not true" else empty end),
			(if ($sc.runAsUser // $pod.runAsUser // 1) == 0 then "\($w) \($c.name): runAsUser 0" else empty end),
			(if $sc.readOnlyRootFilesystem != true then "\($w) \($c.name): root filesystem is writable" else empty end),
			(if $sc.allowPrivilegeEscalation != false then "\($w) \($c.name): allowPrivilegeEscalation is not false" else empty end),
			(if $sc.privileged == true then "\($w) \($c.name): privileged" else empty end),
			(if ($sc.capabilities.drop // []) | index("ALL") | not then "\($w) \($c.name): capabilities are not dropped (ALL)" else empty end),
			(if ($sc.capabilities.add // []) | length > 0 then "\($w) \($c.name): adds capabilities" else empty end),
			(if ($sc.seccompProfile.type // $pod.seccompProfile.type // "") | IN("RuntimeDefault", "Localhost") | not
				then "\($w) \($c.name): no RuntimeDefault seccomp profile" else empty end))'

	check "$file" "$name: pods mount no service account token" '
		.[] | workload | id as $w | podspec as $spec
		| select($spec.automountServiceAccountToken != false
			and ([$all[] | select(.kind == "ServiceAccount" and .metadata.name == ($spec.serviceAccountName // "default"))
				| .automountServiceAccountToken] | first) != false)
		| "\($w): the service account token is mounted"'

	check "$file" "$name: serving pods pause in preStop and get the drain time (terminationGracePeriodSeconds >= preStop + SHUTDOWN_GRACE_MS)" '
		.[] | serving | id as $w | podspec as $spec | podspec.containers[] | . as $c
		| ($c.lifecycle.preStop.sleep.seconds // null) as $pause
		| ((env_value($all; "SHUTDOWN_GRACE_MS") // "10000") | tonumber / 1000) as $grace
		| if $pause == null then "\($w) \($c.name): no preStop sleep"
		elif ($spec.terminationGracePeriodSeconds // 30) < $pause + $grace + 1
		then "\($w): terminationGracePeriodSeconds \($spec.terminationGracePeriodSeconds // 30) < preStop \($pause) + grace \($grace) + 1"
		else empty end'

	check "$file" "$name: every Service selects the pods of a workload in its namespace, on ports they declare" '
		.[] | select(.kind == "Service") | . as $s | id as $id
		| [$all[] | workload | select(ns == ($s | ns)) | podlabels as $l | select($s.spec.selector | selects($l))] as $ws
		| if ($s.spec.selector // {}) | length == 0 then "\($id): no selector"
		elif ($ws | length) == 0 then "\($id): selects no pods (\($s.spec.selector | tojson))"
		else ($s.spec.ports[] | . as $p | ($p.targetPort // $p.port) as $t
			| select([$ws[] | podspec.containers[].ports[]? | select(.name == $t or .containerPort == $t)] | length == 0)
			| "\($id): port \($p.name // $p.port) targets \($t), which no selected container declares")
		end'

	check "$file" "$name: every Deployment has a ClusterIP and a headless Service, a PodDisruptionBudget and an HPA" '
		.[] | select(.kind == "Deployment") | . as $d | id as $id | podlabels as $l
		| [$all[] | select(.kind == "Service" and ns == ($d | ns)) | select(.spec.selector | selects($l))] as $svcs
		| (if [$svcs[] | select(.spec.clusterIP == "None")] | length == 0 then "\($id): no headless Service" else empty end),
		(if [$svcs[] | select(.spec.clusterIP != "None")] | length == 0 then "\($id): no ClusterIP Service" else empty end),
		(if [$all[] | select(.kind == "PodDisruptionBudget" and ns == ($d | ns))
			| select(.spec.selector.matchLabels | selects($l))] | length == 0 then "\($id): no PodDisruptionBudget" else empty end),
		([$all[] | select(.kind == "HorizontalPodAutoscaler" and ns == ($d | ns)
			and .spec.scaleTargetRef.kind == "Deployment" and .spec.scaleTargetRef.name == $d.metadata.name)] as $hpa
		| if ($hpa | length) == 0 then "\($id): no HorizontalPodAutoscaler"
		elif $d.spec.replicas != null then "\($id): sets replicas although an HPA scales it"
		elif $hpa[0].spec.maxReplicas < ($hpa[0].spec.minReplicas // 1) then "\($id): HPA maxReplicas < minReplicas"
		else empty end)'

	check "$file" "$name: a NetworkPolicy limits every pod (ingress from sources it names, egress only to DNS and PostgreSQL)" '
		[.[] | select(.kind == "NetworkPolicy")] as $nps
		| (.[] | workload | . as $w | podlabels as $l
			| [$nps[] | select(ns == ($w | ns)) | select(.spec.podSelector.matchLabels | selects($l))
				| select((.spec.policyTypes // []) | index("Ingress") and index("Egress"))]
			| select(length == 0) | "\($w | id): no NetworkPolicy with Ingress and Egress selects its pods"),
		($nps[] | id as $id
			| (.spec.ingress // [])[] | select((.from // []) | length == 0 or any(.[]; .ipBlock != null))
			| "\($id): an ingress rule admits every source"),
		($nps[] | id as $id
			| (.spec.egress // [])[] | select((.ports // []) | length == 0 or any(.[]; (.port | IN(53, 5432, 6432)) | not))
			| "\($id): an egress rule allows ports other than DNS and PostgreSQL: \(.ports // "all" | tojson)")'

	check "$file" "$name: callers in other namespaces can be admitted (a namespace label), and DNS is not tied to kube-dns pods" '
		[.[] | select(.kind == "NetworkPolicy")] as $nps
		| if ([$nps[] | (.spec.ingress // [])[] | (.from // [])[]
				| select(.namespaceSelector.matchLabels["cameos.dev/grpc-client"] == "true" and .podSelector == null)]
				| length) == 0
			then "no ingress rule admits namespaces labelled cameos.dev/grpc-client=true" else empty end,
		($nps[] | id as $id | (.spec.egress // [])[] | select(any((.ports // [])[]; .port == 53))
			| select((.to // []) | length > 0) | "\($id): DNS egress only to \(.to | tojson)")'

	check "$file" "$name: the migration Job cleans itself up (ttlSecondsAfterFinished)" '
		.[] | select(.kind == "Job") | select(.spec.ttlSecondsAfterFinished == null) | "\(id): no ttlSecondsAfterFinished"'

	check "$file" "$name: no secret value: no Secret object, secret-like variables come from secretKeyRef, no password in any string" '
		(.[] | select(.kind == "Secret") | "\(id): a Secret object is rendered (create Secrets out of band)"),
		(.[] | workload | id as $w | containers | . as $c | (.env // [])[]
			| select(.name | test("SECRET|PASSWORD|TOKEN|DATABASE_URL|KEY$"))
			| select(.valueFrom.secretKeyRef.name == null or .valueFrom.secretKeyRef.key == null)
			| "\($w) \($c.name): \(.name) is not read from a Secret"),
		(.[] | select(.kind == "ConfigMap") | id as $id | (.data // {}) | keys[]
			| select(test("SECRET|PASSWORD|TOKEN|DATABASE_URL|KEY$")) | "\($id): holds \(.)"),
		(.[] | id as $id | .. | strings
			| select(test("://[^/@\\s:]+:[^/@\\s]+@|password\\s*=|-----BEGIN"; "i"))
			| "\($id): a credential-like string: \(.[:60])")'

	check "$file" "$name: references resolve (ConfigMaps, service accounts) and the migration Job alone holds the owner URL" '
		(.[] | workload | id as $w | podspec as $spec
			| (containers | (.envFrom // [])[] | .configMapRef.name // empty
				| . as $cm | select([$all[] | select(.kind == "ConfigMap" and .metadata.name == $cm)] | length == 0)
				| "\($w): ConfigMap \($cm) is not rendered"),
			(($spec.serviceAccountName // "default") as $sa | select($sa != "default")
				| select([$all[] | select(.kind == "ServiceAccount" and .metadata.name == $sa)] | length == 0)
				| "\($w): ServiceAccount \($sa) is not rendered")),
		([.[] | select(.kind == "Job") | select([containers | (.command // []) + (.args // []) | index("migrate")] | any)] as $jobs
		| if ($jobs | length) != 1 then "expected one migration Job (command ... migrate), found \($jobs | length)"
		else ([$jobs[0] | containers | (.env // [])[] | select(.name == "DATABASE_URL") | .valueFrom.secretKeyRef.name] | first) as $owner
			| if $owner == null then "the migration Job reads no DATABASE_URL from a Secret"
			else (.[] | serving | id as $w | containers | (.env // [])[] | select(.name == "DATABASE_URL")
				| select(.valueFrom.secretKeyRef.name == $owner)
				| "\($w): uses the owner Secret \($owner) (each service has its own role)")
			end
		end)'

	if [[ $overlay == 1 ]]; then
		check "$file" "$name: every image is pinned (a tag other than latest, or a digest)" '
			.[] | workload | id as $w | containers | . as $c | .image
			| select(test("@sha256:[0-9a-f]{64}$") | not)
			| select((test(":[A-Za-z0-9_][A-Za-z0-9_.-]*$") | not) or test(":latest$"))
			| "\($w) \($c.name): image \(.) is not pinned"'
		check "$file" "$name: every namespaced object is in the overlay namespace, which enforces Pod Security restricted" '
			([.[] | select(.kind == "Namespace")] | if length != 1 then "expected one Namespace, found \(length)" else empty end),
			([.[] | select(.kind == "Namespace")][0] as $nsobj
			| (if $nsobj.metadata.labels["pod-security.kubernetes.io/enforce"] != "restricted"
				then "\($nsobj | id): Pod Security is not enforced as restricted" else empty end),
			(.[] | select(.kind != "Namespace") | select(ns != $nsobj.metadata.name)
				| "\(id): namespace \(ns), not \($nsobj.metadata.name)"))'
	fi
}

# ---------------------------------------------------------------- main
missing=()
for tool in kubectl yq jq; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]} > 0)); then
	fail "the tools to render and read the manifests are installed" "missing: ${missing[*]}" \
		"kubectl comes with the machine image; yq and jq are Debian packages"
	done_testing
	exit 1
fi

for dir in base overlays/dev overlays/prod; do
	name=${dir#overlays/}
	yaml="$TMP/$name.yaml"
	json="$TMP/$name.json"
	if ! kubectl kustomize "$K8S/$dir" >"$yaml" 2>"$TMP/err"; then
		fail "$name: kubectl kustomize deploy/k8s/$dir renders" "$(<"$TMP/err")"
		continue
	fi
	if ! yq -s '[.[] | select(. != null)]' "$yaml" >"$json" 2>"$TMP/err"; then
		fail "$name: kubectl kustomize deploy/k8s/$dir renders" "yq could not read it: $(<"$TMP/err")"
		continue
	fi
	pass "$name: kubectl kustomize deploy/k8s/$dir renders ($(jq length "$json") objects)"
	checks "$name" "$json" "$([[ $dir == overlays/* ]] && echo 1 || echo 0)"

	desc="$name: the objects validate against the Kubernetes OpenAPI schemas, with no unknown field"
	if [[ ! -f $NODE_MODULES/kubernetes-models/package.json ]]; then
		skip "$desc" "npm package kubernetes-models is not in tests/node_modules"
	elif out=$(node "$K8S/validate.cjs" "$NODE_MODULES" <"$json" 2>&1); then
		pass "$desc (${out##*$'\n'})"
	else
		mapfile -t lines <<<"$out"
		fail "$desc" "${lines[@]}"
	fi
done

# The Prometheus Operator objects (deploy/k8s/monitoring): they render, and
# the PodMonitor scrapes every serving pod of the base, on a port it has.
if kubectl kustomize "$K8S/monitoring" >"$TMP/mon.yaml" 2>"$TMP/err" &&
	yq -s '[.[] | select(. != null)]' "$TMP/mon.yaml" >"$TMP/mon.json" 2>>"$TMP/err"; then
	pass "monitoring: kubectl kustomize deploy/k8s/monitoring renders ($(jq length "$TMP/mon.json") objects)"
	check "$TMP/base.json" "monitoring: the PodMonitor selects every Deployment's pods and their metrics port" '
		($all[] | select(.kind == "Deployment")) as $d
		| ($d.spec.template.metadata.labels) as $l
		| ($d.spec.template.spec.containers | map(.ports // [] | map(.name)) | add) as $ports
		| '"$(jq -c '[.[] | select(.kind == "PodMonitor")][0]' "$TMP/mon.json")"' as $pm
		| if $pm == null then "no PodMonitor"
		elif ([$pm.spec.selector.matchLabels | to_entries[] | $l[.key] == .value] | all | not)
			or ([($pm.spec.selector.matchExpressions // [])[] | select(.operator == "In")
				| .key as $k | (.values | index($l[$k])) != null] | all | not)
		then "\($d.metadata.name): its pods are not selected"
		elif ([$pm.spec.podMetricsEndpoints[].port] - $ports | length) > 0
		then "\($d.metadata.name): no port named \([$pm.spec.podMetricsEndpoints[].port])"
		else empty end'
	# The dashboard ConfigMap: Grafana's sidecar label, and a dashboard it
	# can load (a uid, a title, the data source variable, panels with unique
	# ids, each with at least one PromQL target, every target on it).
	dash=$(jq -r '[.[] | select(.kind == "ConfigMap" and .metadata.labels.grafana_dashboard == "1")][0]
		.data["dashboard.json"] // empty' "$TMP/mon.json")
	why=$(jq -r '
		if (.uid // "") == "" or (.title // "") == "" then "no uid or title"
		elif ([.templating.list[] | select(.type == "datasource")] | length) != 1 then "no datasource variable"
		elif (.panels | length) == 0 then "no panels"
		elif ([.panels[].id] | unique | length) != (.panels | length) then "panel ids repeat"
		elif ([.panels[] | select((.targets // []) | length == 0)] | length) > 0 then "a panel without targets"
		elif ([.panels[].targets[] | select((.expr // "") == "")] | length) > 0 then "a target without expr"
		elif ([.panels[] | select(.datasource.uid != "${datasource}")] | length) > 0 then "a panel off the variable"
		else empty end' <<<"${dash:-null}" 2>&1)
	[[ -n $dash && -z $why ]] &&
		pass "monitoring: the dashboard ConfigMap carries a loadable Grafana dashboard ($(jq '.panels | length' <<<"$dash") panels)" ||
		fail "monitoring: the dashboard ConfigMap carries a loadable Grafana dashboard" "${why:-no ConfigMap labelled grafana_dashboard}"
else
	fail "monitoring: kubectl kustomize deploy/k8s/monitoring renders" "$(<"$TMP/err")"
fi

done_testing
