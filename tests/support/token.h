/*
 * token - JWTs for the integration tests.
 *
 * Mints the HS256 bearer tokens the services accept (docs/API.md §2), and crafted
 * ones that they must refuse. Independent of common/jwt so that a bug there
 * cannot hide itself. Every returned string is malloc'd and the caller's to
 * free; NULL means out of memory or a bad argument.
 */
#ifndef CAMEOS_TESTS_TOKEN_H
#define CAMEOS_TESTS_TOKEN_H

/* header {"alg":"HS256","typ":"JWT"}, payload {sub, role, exp, iat} with
 * iat = now and exp = now + exp_offset_s (negative: already expired).
 * sub or role NULL leaves that claim out. */
char *tt_mint(const char *secret, const char *sub, const char *role, long long exp_offset_s)
    __attribute__((warn_unused_result));

/* base64url(header_json) "." base64url(payload_json) "." signature, both
 * JSON texts used verbatim. header_json NULL means the HS256 header above.
 * The signature is HMAC-SHA256 with secret whatever the header says; secret
 * NULL leaves it empty ("h.p.", the shape of an alg "none" token). */
char *tt_mint_claims(const char *secret, const char *header_json, const char *payload_json)
    __attribute__((warn_unused_result));

#endif
