/*
 * errdetail.c - reasons, retry hints and field paths of failed calls, and
 * google.rpc.Status packing (see errdetail.h).
 */
#include "errdetail.h"

#include <stdlib.h>
#include <string.h>

#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/duration.pb-c.h"
#include "google/rpc/error_details.pb-c.h"
#include "google/rpc/status.pb-c.h"
#include "pgerr.h"

#define ANY_CODE  (-1)
#define TYPE_URL  "type.googleapis.com/"
#define N_DETAILS 3

typedef enum match { EXACT, PREFIX, CONTAINS } match;

/* One rule: a failure with this code (ANY_CODE: any) whose message matches
 * text has this reason. First match wins, so specific rules come first.
 * Messages come from the handlers (common/, services/), the SQL functions
 * (db/migrations/, RAISE ... MESSAGE) and pgerr.c's generic sentences; a
 * test (tests/unit/test_errdetail.c) checks that every MESSAGE the
 * migrations raise has a reason of its own. */
typedef struct rule {
    int code;
    match how;
    const char *text;
    const char *reason;
} rule;

static const rule rules[] = {
    /* The ledger and the work queue (SQL functions). */
    {ANY_CODE, EXACT, "insufficient credits", "INSUFFICIENT_CREDITS"},
    {ANY_CODE, EXACT, "request_id was already used with different parameters", "REQUEST_ID_REUSED"},
    {ANY_CODE, EXACT, "request_id is already in use by a request that has not finished",
     "REQUEST_IN_PROGRESS"},
    {ANY_CODE, PREFIX, "request_id could not be claimed", "REQUEST_ID_CONTENDED"},
    {ANY_CODE, EXACT, "request_id was not claimed in this transaction", "REQUEST_ID_NOT_CLAIMED"},
    {ANY_CODE, EXACT, "the balance would exceed the largest allowed value", "BALANCE_LIMIT"},
    {ANY_CODE, EXACT, "pricing tier is not active", "TIER_NOT_ACTIVE"},
    {ANY_CODE, EXACT, "generation was already charged", "ALREADY_CHARGED"},
    {ANY_CODE, EXACT, "generation was already refunded", "ALREADY_REFUNDED"},
    {ANY_CODE, EXACT, "generation was never charged", "NOT_CHARGED"},
    {ANY_CODE, EXACT, "only a failed generation can be refunded", "NOT_REFUNDABLE"},
    {ANY_CODE, EXACT, "a worker is generating it", "GENERATION_LEASED"},
    {ANY_CODE, PREFIX, "generation is already finished", "GENERATION_FINISHED"},
    {ANY_CODE, PREFIX, "generation is still generating", "GENERATION_IN_PROGRESS"},
    {ANY_CODE, PREFIX, "the lease is not held", "LEASE_NOT_HELD"},
    {ANY_CODE, CONTAINS, " has no price", "NO_PRICE"},
    {ANY_CODE, CONTAINS, "status cannot move from", "INVALID_STATUS_TRANSITION"},
    {ANY_CODE, EXACT, "a referenced resource does not exist", "REFERENCE_NOT_FOUND"},
    {ANY_CODE, EXACT, "username is already taken", "USERNAME_TAKEN"},
    {ANY_CODE, EXACT, "a user with this email already exists", "EMAIL_TAKEN"},
    {ANY_CODE, PREFIX, "permission denied", "NOT_OWNER"},
    {ANY_CODE, EXACT, "this method is for internal callers only", "SERVICE_ROLE_REQUIRED"},
    {ANY_CODE, EXACT, "unknown service name", "SERVICE_NOT_FOUND"},
    {ANY_CODE, EXACT, "params are required", "FIELD_REQUIRED"},

    /* The request itself (INVALID_ARGUMENT), handlers and pbguard. */
    {GRPC_STATUS_INVALID_ARGUMENT, CONTAINS, "must not contain NUL characters", "NUL_CHARACTER"},
    {GRPC_STATUS_INVALID_ARGUMENT, CONTAINS, "messages nested deeper than", "TOO_DEEP"},
    {GRPC_STATUS_INVALID_ARGUMENT, CONTAINS, "request holds more than", "TOO_MANY_VALUES"},
    {GRPC_STATUS_INVALID_ARGUMENT, PREFIX, "malformed ", "MALFORMED_REQUEST"},
    {GRPC_STATUS_INVALID_ARGUMENT, EXACT, "missing request message", "MALFORMED_REQUEST"},
    {GRPC_STATUS_INVALID_ARGUMENT, PREFIX, "update_mask:", "INVALID_UPDATE_MASK"},
    {GRPC_STATUS_INVALID_ARGUMENT, PREFIX, "page_token ", "INVALID_PAGE_TOKEN"},
    {GRPC_STATUS_INVALID_ARGUMENT, PREFIX, "request_id must", "INVALID_REQUEST_ID"},
    {GRPC_STATUS_INVALID_ARGUMENT, CONTAINS, " is required", "FIELD_REQUIRED"},
    {GRPC_STATUS_INVALID_ARGUMENT, EXACT, "a required value is missing", "FIELD_REQUIRED"},
    {GRPC_STATUS_INVALID_ARGUMENT, CONTAINS, " must be a UUID", "INVALID_UUID"},
    {GRPC_STATUS_INVALID_ARGUMENT, CONTAINS, " is not valid UTF-8", "INVALID_UTF8"},
    {GRPC_STATUS_INVALID_ARGUMENT, CONTAINS, " has an unknown value", "UNKNOWN_ENUM_VALUE"},
    {GRPC_STATUS_INVALID_ARGUMENT, CONTAINS, " is not a known type", "UNKNOWN_ENUM_VALUE"},
    {GRPC_STATUS_INVALID_ARGUMENT, CONTAINS, " is not representable as JSON", "INVALID_JSON"},
    {GRPC_STATUS_INVALID_ARGUMENT, CONTAINS, " is too large: at most", "JSON_TOO_LARGE"},
    {GRPC_STATUS_INVALID_ARGUMENT, CONTAINS, " URL of at most", "INVALID_URL"},
    {GRPC_STATUS_INVALID_ARGUMENT, CONTAINS, " must be a colour", "INVALID_COLOR"},
    {GRPC_STATUS_INVALID_ARGUMENT, CONTAINS, " must be an email address", "INVALID_EMAIL"},
    {GRPC_STATUS_INVALID_ARGUMENT, PREFIX, "username must", "INVALID_USERNAME"},
    {GRPC_STATUS_INVALID_ARGUMENT, CONTAINS, " is only for ", "FIELD_NOT_ALLOWED"},
    {GRPC_STATUS_INVALID_ARGUMENT, CONTAINS, " item", "INVALID_ITEM_COUNT"},
    {GRPC_STATUS_INVALID_ARGUMENT, CONTAINS, " characters", "INVALID_LENGTH"},
    {GRPC_STATUS_INVALID_ARGUMENT, CONTAINS, " must be between ", "OUT_OF_RANGE"},
    {GRPC_STATUS_INVALID_ARGUMENT, CONTAINS, " must be greater than 0", "OUT_OF_RANGE"},
    {GRPC_STATUS_INVALID_ARGUMENT, CONTAINS, " must be 1 to ", "OUT_OF_RANGE"},
    {GRPC_STATUS_INVALID_ARGUMENT, CONTAINS, " must not be negative", "OUT_OF_RANGE"},
    {GRPC_STATUS_INVALID_ARGUMENT, CONTAINS, " must be positive", "OUT_OF_RANGE"},
    {GRPC_STATUS_INVALID_ARGUMENT, CONTAINS, " must be set and positive", "OUT_OF_RANGE"},
    {GRPC_STATUS_INVALID_ARGUMENT, CONTAINS, " must be at least 1", "OUT_OF_RANGE"},
    {GRPC_STATUS_INVALID_ARGUMENT, EXACT, "a value is outside the allowed range", "OUT_OF_RANGE"},

    /* The caller's token. */
    {GRPC_STATUS_UNAUTHENTICATED, PREFIX, "missing", "TOKEN_MISSING"},
    {GRPC_STATUS_UNAUTHENTICATED, EXACT, "token expired", "TOKEN_EXPIRED"},
    {GRPC_STATUS_UNAUTHENTICATED, EXACT, "token not yet valid", "TOKEN_NOT_YET_VALID"},

    /* Limits of the server. */
    {GRPC_STATUS_RESOURCE_EXHAUSTED, PREFIX, "a stored row is too large", "ROW_TOO_LARGE"},
    {GRPC_STATUS_RESOURCE_EXHAUSTED, PREFIX, "too many open streams", "TOO_MANY_STREAMS"},
    {GRPC_STATUS_RESOURCE_EXHAUSTED, PREFIX, "the client is not reading", "CLIENT_NOT_READING"},
    {GRPC_STATUS_RESOURCE_EXHAUSTED, PREFIX, "the request message did not arrive",
     "REQUEST_READ_TIMEOUT"},
    {GRPC_STATUS_RESOURCE_EXHAUSTED, EXACT, "out of memory", "OUT_OF_MEMORY"},
    {GRPC_STATUS_UNAVAILABLE, PREFIX, "database unavailable", "DATABASE_UNAVAILABLE"},
    {GRPC_STATUS_UNAVAILABLE, EXACT, "server is shutting down", "SHUTTING_DOWN"},
    {GRPC_STATUS_UNIMPLEMENTED, EXACT, "unknown method", "UNKNOWN_METHOD"},
};

/* Where a retry of the unchanged call can succeed, and after how long. */
typedef struct retry {
    const char *reason;
    int ms;
} retry;

static const retry retries[] = {
    {"DATABASE_UNAVAILABLE", 1000}, {"UNAVAILABLE", 1000},
    {"SHUTTING_DOWN", 100},         {"ABORTED", 50},
    {"REQUEST_ID_CONTENDED", 50},   {"REQUEST_IN_PROGRESS", 500},
    {"TOO_MANY_STREAMS", 1000},     {"OUT_OF_MEMORY", 1000},
    {"GENERATION_LEASED", 5000},    {"GENERATION_IN_PROGRESS", 5000},
};

static int matches(const rule *r, grpc_status_code code, const char *msg);
static size_t path_in(const ProtobufCMessageDescriptor *d, const char *msg, size_t n);
static const ProtobufCFieldDescriptor *field_named(const ProtobufCMessageDescriptor *d,
                                                   const char *name, size_t len);
static int pack_any(Google__Protobuf__Any *any, const ProtobufCMessage *m);

const char *errdetail_reason(grpc_status_code code, const char *msg)
{
    if (msg)
        for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
            if (matches(&rules[i], code, msg))
                return rules[i].reason;
    return pgerr_code_name(code);
}

int errdetail_retry_ms(const char *reason)
{
    for (size_t i = 0; i < sizeof(retries) / sizeof(retries[0]); i++)
        if (strcmp(retries[i].reason, reason) == 0)
            return retries[i].ms;
    return -1;
}

size_t errdetail_field(const ProtobufCMessageDescriptor *input, const char *msg,
                       char out[ERRDETAIL_FIELD_MAX])
{
    out[0] = '\0';
    if (!input || !msg)
        return 0;
    /* The path: [a-z0-9_.] with "[digits]" after a name, up to a space or
     * a colon. */
    size_t n = 0;
    while (msg[n] && msg[n] != ' ' && msg[n] != ':')
        n++;
    if (n == 0 || n >= ERRDETAIL_FIELD_MAX)
        return 0;
    if (path_in(input, msg, n)) {
        memcpy(out, msg, n);
        out[n] = '\0';
        return n;
    }
    /* A handler may name a field of the request's resource without the
     * resource ("username" of UpdateProfileRequest.profile): look under
     * each message field of the request, and name the whole path. */
    for (unsigned k = 0; k < input->n_fields; k++) {
        const ProtobufCFieldDescriptor *f = &input->fields[k];
        size_t flen = strlen(f->name);
        if (f->type != PROTOBUF_C_TYPE_MESSAGE || f->label == PROTOBUF_C_LABEL_REPEATED ||
            flen + 1 + n >= ERRDETAIL_FIELD_MAX || !path_in(f->descriptor, msg, n))
            continue;
        memcpy(out, f->name, flen);
        out[flen] = '.';
        memcpy(out + flen + 1, msg, n);
        out[flen + 1 + n] = '\0';
        return flen + 1 + n;
    }
    return 0;
}

uint8_t *errdetail_pack(grpc_status_code code, const char *msg, const char *domain,
                        const ProtobufCMessageDescriptor *input, size_t *len, int *retry_out)
{
    const char *reason = errdetail_reason(code, msg);
    char field[ERRDETAIL_FIELD_MAX];
    size_t has_field =
        code == GRPC_STATUS_INVALID_ARGUMENT ? errdetail_field(input, msg, field) : 0;
    int retry_ms = errdetail_retry_ms(reason);
    if (retry_out)
        *retry_out = retry_ms;

    Google__Rpc__ErrorInfo info = GOOGLE__RPC__ERROR_INFO__INIT;
    Google__Rpc__ErrorInfo__MetadataEntry meta = GOOGLE__RPC__ERROR_INFO__METADATA_ENTRY__INIT;
    Google__Rpc__ErrorInfo__MetadataEntry *metas[1] = {&meta};
    info.reason = (char *)reason;
    info.domain = (char *)(domain ? domain : "");
    if (has_field) {
        meta.key = "field";
        meta.value = field;
        info.n_metadata = 1;
        info.metadata = metas;
    }
    Google__Rpc__BadRequest bad = GOOGLE__RPC__BAD_REQUEST__INIT;
    Google__Rpc__BadRequest__FieldViolation v = GOOGLE__RPC__BAD_REQUEST__FIELD_VIOLATION__INIT;
    Google__Rpc__BadRequest__FieldViolation *vs[1] = {&v};
    v.field = field;
    v.description = (char *)(msg ? msg : "");
    v.reason = (char *)reason;
    bad.n_field_violations = 1;
    bad.field_violations = vs;
    Google__Protobuf__Duration delay = GOOGLE__PROTOBUF__DURATION__INIT;
    Google__Rpc__RetryInfo ri = GOOGLE__RPC__RETRY_INFO__INIT;
    delay.seconds = retry_ms / 1000;
    delay.nanos = (retry_ms % 1000) * 1000000;
    ri.retry_delay = &delay;

    Google__Protobuf__Any anys[N_DETAILS] = {
        GOOGLE__PROTOBUF__ANY__INIT, GOOGLE__PROTOBUF__ANY__INIT, GOOGLE__PROTOBUF__ANY__INIT};
    Google__Protobuf__Any *details[N_DETAILS];
    size_t n = 0;
    int failed = pack_any(&anys[n], &info.base);
    details[n] = &anys[n];
    n++;
    if (!failed && has_field) {
        failed = pack_any(&anys[n], &bad.base);
        details[n] = &anys[n];
        n++;
    }
    if (!failed && retry_ms >= 0) {
        failed = pack_any(&anys[n], &ri.base);
        details[n] = &anys[n];
        n++;
    }
    uint8_t *buf = NULL;
    if (!failed) {
        Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
        st.code = (int32_t)code;
        st.message = (char *)(msg ? msg : "");
        st.n_details = n;
        st.details = details;
        *len = google__rpc__status__get_packed_size(&st);
        if ((buf = malloc(*len ? *len : 1)))
            google__rpc__status__pack(&st, buf);
    }
    for (size_t k = 0; k < n; k++) {
        free(anys[k].type_url);
        free(anys[k].value.data);
    }
    return buf;
}

/* ---- internals --------------------------------------------------------- */

static int matches(const rule *r, grpc_status_code code, const char *msg)
{
    if (r->code != ANY_CODE && r->code != (int)code)
        return 0;
    switch (r->how) {
    case EXACT:
        return strcmp(msg, r->text) == 0;
    case PREFIX:
        return strncmp(msg, r->text, strlen(r->text)) == 0;
    case CONTAINS:
        return strstr(msg, r->text) != NULL;
    }
    return 0;
}

static const ProtobufCFieldDescriptor *field_named(const ProtobufCMessageDescriptor *d,
                                                   const char *name, size_t len)
{
    for (unsigned i = 0; i < d->n_fields; i++)
        if (strlen(d->fields[i].name) == len && memcmp(d->fields[i].name, name, len) == 0)
            return &d->fields[i];
    return NULL;
}

/* m packed into any, with its type URL; both malloc'd (the caller frees
 * them, also on failure). 0, or -1 when out of memory. */
static int pack_any(Google__Protobuf__Any *any, const ProtobufCMessage *m)
{
    size_t ulen = strlen(TYPE_URL) + strlen(m->descriptor->name) + 1;
    size_t size = protobuf_c_message_get_packed_size(m);
    any->type_url = malloc(ulen);
    any->value.data = malloc(size ? size : 1);
    if (!any->type_url || !any->value.data)
        return -1;
    memcpy(any->type_url, TYPE_URL, strlen(TYPE_URL));
    memcpy(any->type_url + strlen(TYPE_URL), m->descriptor->name, strlen(m->descriptor->name) + 1);
    any->value.len = protobuf_c_message_pack(m, any->value.data);
    return 0;
}

/* Whether the n bytes at msg are a field path of d. */
static size_t path_in(const ProtobufCMessageDescriptor *d, const char *msg, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        while (i < n && ((msg[i] >= 'a' && msg[i] <= 'z') || (msg[i] >= '0' && msg[i] <= '9') ||
                         msg[i] == '_'))
            i++;
        if (i == start || !d)
            return 0;
        const ProtobufCFieldDescriptor *f = field_named(d, msg + start, i - start);
        if (!f)
            return 0;
        if (i < n && msg[i] == '[') {
            if (f->label != PROTOBUF_C_LABEL_REPEATED)
                return 0;
            size_t digits = ++i;
            while (i < n && msg[i] >= '0' && msg[i] <= '9')
                i++;
            if (i == digits || i >= n || msg[i] != ']')
                return 0;
            i++;
        }
        /* Below a Struct the path is the caller's JSON keys, not fields. */
        d = f->type == PROTOBUF_C_TYPE_MESSAGE &&
                    strcmp(((const ProtobufCMessageDescriptor *)f->descriptor)->name, "Struct") != 0
                ? f->descriptor
                : NULL;
        if (i < n && msg[i++] != '.')
            return 0;
        if (i == n && msg[n - 1] == '.')
            return 0;
    }
    return n;
}
