/*
 * auth - verification of the HS256 bearer tokens every RPC carries
 * (docs/API.md §2; the format Supabase issues).
 *
 * Pure: the caller supplies the keys and the current time. The key bytes
 * stay the caller's; auth_claims.json is malloc'd here and released with
 * auth_claims_free. Reasons returned through *why are static strings.
 */
#ifndef CAMEOS_AUTH_H
#define CAMEOS_AUTH_H

#include <stddef.h>

/* Longest token accepted, in bytes. */
#define AUTH_MAX_TOKEN_LEN 8192
/* Clock skew tolerated on exp, nbf and iat, in seconds. */
#define AUTH_LEEWAY_S 30

typedef struct auth_keys {
    const unsigned char *key;
    size_t key_len;
    const unsigned char *prev; /* previous secret during rotation, or NULL */
    size_t prev_len;
} auth_keys;

typedef enum { AUTH_ROLE_AUTHENTICATED = 1, AUTH_ROLE_SERVICE = 2 } auth_role;

typedef struct auth_claims {
    char sub[37]; /* lowercase canonical UUID */
    auth_role role;
    long long exp;
    char *json; /* the decoded payload, NUL-terminated; freed by auth_claims_free */
} auth_claims;

/* Verifies token (token_len bytes, need not be NUL-terminated) at unix time
 * now. Returns 0 and fills *out, or -1 with *out zeroed and *why (if why is
 * not NULL) set to a short English reason fit to send to the client. */
int auth_verify(const auth_keys *keys, const char *token, size_t token_len, long long now,
                auth_claims *out, const char **why) __attribute__((warn_unused_result));

/* Frees c->json and zeroes *c; safe on a zeroed or already freed struct. */
void auth_claims_free(auth_claims *c);

/* Parses an authorization header value "Bearer <token>" (scheme in any
 * case, surrounding spaces/tabs ignored). On 0, *token points into
 * header_value; -1 when the scheme is not Bearer or the token is empty or
 * contains whitespace. */
int auth_bearer(const char *header_value, size_t len, const char **token, size_t *token_len)
    __attribute__((warn_unused_result));

#endif
