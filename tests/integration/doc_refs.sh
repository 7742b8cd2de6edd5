#!/usr/bin/env bash
# Comments name files that exist. Scans the comments (`/* */` and `//` in C,
# JS, TS and Go; `#` in shell, Python, YAML, CMake and Containerfile; `--` in
# SQL) of common/ services/ tests/ bench/ scripts/ examples/ deploy/ and
# db/migrations/ for tokens that look like a file: a relative path or a bare
# name ending in .md .c .h .sh .cjs .sql .proto .json or .yaml
# ("docs/queue.md", "common/crud/rowmap.c", "OPERATORS.md"). A path exists from
# the repository root, from the citing file's directory, or as the tail of
# a path ("cameos/credits/v1/credits.proto" under proto/); a bare name when
# a file of that exact name exists anywhere. node_modules, build*, gen, .git
# and .stack are neither scanned nor counted. Tokens right after `$`, `<`,
# `*`, `{`, `/` or `@` (variables, system headers, globs, URLs) are not
# references. Needs no service, so it prints its own TAP instead of sourcing
# lib.bash. CAMEOS_ROOT points it at another tree (to try a broken copy).
set -uo pipefail

ROOT="${CAMEOS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
AREAS=(common services tests bench scripts examples deploy db/migrations)
# Tokens that look like files but name none of this tree, and why.
ALLOW=(
	OUT.sql OUT_pipelined.sql         # bench/lib.sh: what pgbench_script OUT writes
	objects.json                      # deploy/k8s/validate.cjs: its stdin, rendered
	auth_claims.json                  # common/auth/auth.h: a struct member
	struct.proto                      # protobuf's own, as google/protobuf/* below
	seed/database-schema-reference.md # 0003_tables.sql (unchangeable): outside the repo
	common/pgerr.c                    # 0011, 0012, 0014 (unchangeable): now common/db/pgerr.c
)

# shellcheck source=tests/integration/tap.bash
source "$(dirname "${BASH_SOURCE[0]}")/tap.bash"

# Every file of the tree, by path and by name.
declare -A PATHS NAMES
while IFS= read -r f; do
	PATHS[$f]=1
	NAMES[${f##*/}]=1
done < <(cd "$ROOT" && find . -type d \( -name node_modules -o -name 'build*' -o -name gen \
	-o -name .git -o -name .stack \) -prune -o -type f -print | sed 's#^\./##')

# Prints "file<TAB>line<TAB>comment text" for every line holding a comment.
comments() {
	awk -v OFS='\t' '
	FNR == 1 {
		f = FILENAME; blk = 0
		mode = f ~ /\.(c|h|cjs|js|ts|go)$/ ? "c" : f ~ /\.sql$/ ? "sql" : "hash"
	}
	{
		out = ""; q = ""; n = length($0)
		for (i = 1; i <= n; i++) {
			c = substr($0, i, 1); c2 = substr($0, i, 2)
			if (blk) {
				if (c2 == "*/") { blk = 0; i++ } else out = out c
			} else if (q != "") {
				if (c == "\\") i++; else if (c == q) q = ""
			} else if (mode == "c" && c2 == "/*") {
				blk = 1; i++
			} else if ((mode == "c" && c2 == "//") || (mode == "sql" && c2 == "--")) {
				out = out substr($0, i + 2); break
			} else if (mode == "hash" && c == "#" && (i == 1 || substr($0, i - 1, 1) ~ /[ \t]/)) {
				out = out substr($0, i + 1); break
			} else if (c == "\"" || c == "`" || c == "'\''") {
				q = c
			} else if (mode == "hash" && c == "\\") i++
		}
		if (out ~ /[^ \t]/) print f, FNR, out
	}' "$@"
}

RE='(?<![\w.*/<>{}\[\]$@~-])(?:\.\.?/)*[\w-][\w.-]*(?:/[\w.-]+)*\.(?:md|cjs|c|h|sh|sql|proto|json|yaml)(?![\w-])'

declare -A OK
for a in "${ALLOW[@]}"; do OK[$a]=1; done
exists() { # token, citing file
	local t=${1#./} dir=${2%/*} p
	[[ -n ${OK[$t]:-} || $t == google/protobuf/* ]] && return 0
	[[ $t == */* ]] || { [[ -n ${NAMES[$t]:-} ]]; return; }
	[[ -n ${PATHS[$t]:-} ]] && return 0
	p=$(cd "$ROOT" && realpath -m --relative-to=. "$dir/$t") && [[ -n ${PATHS[$p]:-} ]] && return 0
	for p in "${!PATHS[@]}"; do [[ $p == */"$t" ]] && return 0; done
	return 1
}

TMP=$(mktemp)
trap 'rm -f "$TMP" "$TMP.all"' EXIT
for area in "${AREAS[@]}"; do
	if [[ ! -d $ROOT/$area ]]; then
		fail "$area: no such directory"
		continue
	fi
	mapfile -t files < <(cd "$ROOT" && find "$area" -type d \( -name node_modules \
		-o -name 'build*' -o -name gen \) -prune -o -type f \( -name '*.[ch]' -o -name '*.cjs' \
		-o -name '*.js' -o -name '*.ts' -o -name '*.go' -o -name '*.sql' -o -name '*.sh' \
		-o -name '*.bash' -o -name '*.py' -o -name '*.yaml' -o -name '*.yml' -o -name '*.conf' \
		-o -name CMakeLists.txt -o -name Containerfile \) -print | sort)
	((${#files[@]})) || { fail "$area: no source files"; continue; }
	# One comment a line: where it is in loc[], its text in $TMP ($ROOT/ dropped).
	(cd "$ROOT" && comments "${files[@]}") >"$TMP.all"
	mapfile -t loc < <(cut -f1,2 "$TMP.all" | tr '\t' :)
	cut -f3- "$TMP.all" | sed -E 's#\$\{?ROOT\}?/##g' >"$TMP"
	refs=0 bad=0
	while IFS=: read -r i tok; do
		refs=$((refs + 1))
		exists "$tok" "${loc[i - 1]%%:*}" && continue
		bad=$((bad + 1))
		fail "${loc[i - 1]}: \"$tok\" names no file"
	done < <(grep -noP "$RE" "$TMP")
	((bad == 0)) && pass "$area: ${#files[@]} files, $refs references in comments, all name existing files"
done

done_testing
