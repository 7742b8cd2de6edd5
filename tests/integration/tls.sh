#!/usr/bin/env bash
# TLS and mutual TLS from TLS_CERT / TLS_KEY / TLS_CLIENT_CA, with a CA and
# certificates made here by openssl: TLS serves a client that trusts the
# CA; mutual TLS refuses a client without a certificate, or with one of
# another CA, and serves one with a valid certificate.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$IT_TMP"' EXIT
D=$IT_TMP/pki
mkdir -p "$D"
quiet() { "$@" >/dev/null 2>&1; }
mkca() { quiet openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$1" -keyout "$D/$1.key" -out "$D/$1.pem"; }
# mkcert NAME CA [SAN]: a key and a certificate signed by CA.
mkcert() {
	quiet openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$D/$1.key" -out "$D/$1.csr"
	local ext=$D/$1.ext
	if [[ -n ${3:-} ]]; then echo "subjectAltName=$3" >"$ext"; else : >"$ext"; fi
	quiet openssl x509 -req -in "$D/$1.csr" -CA "$D/$2.pem" -CAkey "$D/$2.key" -CAcreateserial \
		-days 1 -extfile "$ext" -out "$D/$1.pem"
}
mkca ca
mkca otherca
mkcert server ca "DNS:localhost,IP:127.0.0.1"
mkcert client ca
mkcert stranger otherca
[[ -s $D/server.pem && -s $D/client.pem && -s $D/stranger.pem ]] &&
	pass "openssl made a CA and certificates" || fail "openssl made a CA and certificates"

# tls_health ADDR [buf args...]: Health/Check over TLS; prints SERVING or ERROR.
tls_health() {
	local addr=$1 out
	shift
	out=$(timeout 20 "$BUF" curl --protocol grpc --connect-timeout 3 --cacert "$D/ca.pem" "$@" \
		-d '{}' "https://localhost:${addr##*:}/grpc.health.v1.Health/Check" 2>/dev/null) || {
		echo ERROR
		return
	}
	[[ $out =~ SERVING ]] && echo SERVING || echo "UNEXPECTED $out"
}

spawn_credits tls TLS_CERT="$D/server.pem" TLS_KEY="$D/server.key"
pids+=("$SPAWN_PID")
tls=127.0.0.1:$SPAWN_PORT
spawn_credits mtls TLS_CERT="$D/server.pem" TLS_KEY="$D/server.key" TLS_CLIENT_CA="$D/ca.pem"
pids+=("$SPAWN_PID")
mtls=127.0.0.1:$SPAWN_PORT
sleep 1

is "$(tls_health "$tls")" SERVING "TLS: a client trusting the CA is served"
call "$tls" grpc.health.v1.Health/Check '{}'
[[ $CODE != 0 ]] && pass "TLS: a plaintext client is refused" || fail "TLS: a plaintext client is refused"
is "$(tls_health "$mtls")" ERROR "mTLS: a client without a certificate is refused"
is "$(tls_health "$mtls" --cert "$D/stranger.pem" --key "$D/stranger.key")" ERROR \
	"mTLS: a certificate of another CA is refused"
is "$(tls_health "$mtls" --cert "$D/client.pem" --key "$D/client.key")" SERVING \
	"mTLS: a client with a valid certificate is served"
out=$(timeout 20 "$BUF" curl --protocol grpc --cacert "$D/ca.pem" --cert "$D/client.pem" \
	--key "$D/client.key" -H "authorization: Bearer $USER_TOKEN" \
	"https://localhost:${mtls##*:}/cameos.credits.v1.CreditsService/GetProfile" 2>&1) || true
[[ $out =~ \"credits\" ]] && pass "mTLS: an RPC with a valid certificate and token works" ||
	fail "mTLS: an RPC with a valid certificate and token works" "$out"
grep -q '"serving mutual TLS"' "$SPAWN_LOG" && pass "mTLS: the log says what it serves" ||
	fail "mTLS: the log says what it serves"

# A key that does not exist: refuse to start, with a message naming the file.
spawn_credits badtls TLS_CERT="$D/server.pem" TLS_KEY="$D/missing.key"
rc=0
timeout 10 tail --pid="$SPAWN_PID" -f /dev/null || true
wait "$SPAWN_PID" || rc=$?
[[ $rc != 0 ]] && pass "a missing TLS key stops the start (exit $rc)" || fail "a missing TLS key stops the start"
grep -qF "TLS_KEY names a file that cannot be read: $D/missing.key" "$SPAWN_LOG" &&
	pass "the log names the variable and the file" || fail "the log names the variable and the file" "$(tail -n 3 "$SPAWN_LOG")"

# An endless file (/dev/zero) as the certificate: refused at its first
# MiB, not read until memory runs out.
spawn_credits endlesstls TLS_CERT=/dev/zero TLS_KEY="$D/server.key"
rc=0
timeout 30 tail --pid="$SPAWN_PID" -f /dev/null || true
kill -0 "$SPAWN_PID" 2>/dev/null && kill -KILL "$SPAWN_PID"
wait "$SPAWN_PID" || rc=$?
[[ $rc != 0 && $rc != 137 ]] && pass "an endless TLS_CERT stops the start (exit $rc)" ||
	fail "an endless TLS_CERT stops the start" "exit $rc"
grep -q "cannot read TLS_CERT /dev/zero: over 1 MiB" "$SPAWN_LOG" &&
	pass "the log says the certificate file is over 1 MiB" || fail "the log says the certificate file is over 1 MiB" "$(tail -n 3 "$SPAWN_LOG")"

done_testing
