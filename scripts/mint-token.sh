#!/usr/bin/env bash
# mint-token.sh SUB ROLE TTL_SECONDS: prints an HS256 JWT signed with
# $JWT_SECRET, claims {sub, role, iat, exp = now + TTL}, in the shape Supabase
# issues. A negative TTL makes an already-expired token (for tests).
set -euo pipefail

if (($# != 3)); then
	echo "usage: $0 SUB ROLE TTL_SECONDS   (JWT_SECRET from the environment)" >&2
	exit 2
fi
sub=$1 role=$2 ttl=$3
[[ -n ${JWT_SECRET:-} ]] || {
	echo "$0: JWT_SECRET is not set" >&2
	exit 2
}
[[ $ttl =~ ^-?[0-9]+$ ]] || {
	echo "$0: TTL_SECONDS must be an integer" >&2
	exit 2
}
# The claims are written as JSON text below: refuse what would need escaping.
[[ $sub =~ ^[A-Za-z0-9_.:@-]*$ && $role =~ ^[A-Za-z0-9_-]+$ ]] || {
	echo "$0: SUB and ROLE may hold only letters, digits and _.:@-" >&2
	exit 2
}

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

now=$(date +%s)
header=$(printf '%s' '{"alg":"HS256","typ":"JWT"}' | b64url)
payload=$(printf '{"sub":"%s","role":"%s","iat":%d,"exp":%d}' \
	"$sub" "$role" "$now" "$((now + ttl))" | b64url)
signature=$(printf '%s.%s' "$header" "$payload" |
	openssl dgst -sha256 -hmac "$JWT_SECRET" -binary | b64url)
printf '%s.%s.%s\n' "$header" "$payload" "$signature"
