/* SQLSTATE classification; see pgerr.h. */
#include "pgerr.h"

#include <string.h>

typedef struct pgerr_exact {
    const char *sqlstate;
    pgerr_map map;
} pgerr_exact;

/* Looked up before the class rules below, so exact codes win. */
static const pgerr_exact pgerr_exact_codes[] = {
    {"23505", {GRPC_STATUS_ALREADY_EXISTS, 0, 0, "already exists"}},
    {"23503", {GRPC_STATUS_FAILED_PRECONDITION, 0, 0, "a referenced resource does not exist"}},
    {"23514", {GRPC_STATUS_INVALID_ARGUMENT, 0, 0, "a value is outside the allowed range"}},
    {"23502", {GRPC_STATUS_INVALID_ARGUMENT, 0, 0, "a required value is missing"}},
    {"40001", {GRPC_STATUS_ABORTED, 1, 0, "the request conflicted with a concurrent one"}},
    {"40P01", {GRPC_STATUS_ABORTED, 1, 0, "the request conflicted with a concurrent one"}},
    {"57P01", {GRPC_STATUS_UNAVAILABLE, 0, 0, "database unavailable"}},
    {"57P02", {GRPC_STATUS_UNAVAILABLE, 0, 0, "database unavailable"}},
    {"57P03", {GRPC_STATUS_UNAVAILABLE, 0, 0, "database unavailable"}},
    {"53300", {GRPC_STATUS_UNAVAILABLE, 0, 0, "database unavailable"}},
    /* insufficient_privilege means our grants are wrong, not the caller. */
    {"42501", {GRPC_STATUS_INTERNAL, 0, 0, "internal error"}},
    {"CM400", {GRPC_STATUS_INVALID_ARGUMENT, 0, 1, "invalid argument"}},
    {"CM403", {GRPC_STATUS_PERMISSION_DENIED, 0, 1, "permission denied"}},
    {"CM404", {GRPC_STATUS_NOT_FOUND, 0, 1, "not found"}},
    {"CM409", {GRPC_STATUS_ALREADY_EXISTS, 0, 1, "already exists"}},
    {"CM412", {GRPC_STATUS_FAILED_PRECONDITION, 0, 1, "precondition failed"}},
};

static const pgerr_map pgerr_internal = {GRPC_STATUS_INTERNAL, 0, 0, "internal error"};
static const pgerr_map pgerr_unavailable = {GRPC_STATUS_UNAVAILABLE, 0, 0, "database unavailable"};

static const char *const pgerr_names[] = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
};

static const char *const pgerr_labels[] = {
    "OK",       "Canceled",        "Unknown",          "InvalidArgument",   "DeadlineExceeded",
    "NotFound", "AlreadyExists",   "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
    "Aborted",  "OutOfRange",      "Unimplemented",    "Internal",          "Unavailable",
    "DataLoss", "Unauthenticated",
};

pgerr_map pgerr_classify(const char *sqlstate, int cancel_reason)
{
    if (sqlstate == NULL)
        return pgerr_unavailable;
    if (strlen(sqlstate) != 5)
        return pgerr_internal;

    for (size_t i = 0; i < sizeof(pgerr_exact_codes) / sizeof(pgerr_exact_codes[0]); i++) {
        if (memcmp(sqlstate, pgerr_exact_codes[i].sqlstate, 5) == 0)
            return pgerr_exact_codes[i].map;
    }
    if (memcmp(sqlstate, "57014", 5) == 0) {
        pgerr_map m = {GRPC_STATUS_CANCELLED, 0, 0, "the request was cancelled"};
        if (cancel_reason == PGERR_CANCEL_DEADLINE) {
            m.code = GRPC_STATUS_DEADLINE_EXCEEDED;
            m.message = "the deadline passed before the request completed";
        }
        return m;
    }
    if (memcmp(sqlstate, "22", 2) == 0) {
        pgerr_map m = {GRPC_STATUS_INVALID_ARGUMENT, 0, 0, "a value is not valid"};
        return m;
    }
    if (memcmp(sqlstate, "08", 2) == 0)
        return pgerr_unavailable;
    if (memcmp(sqlstate, "53", 2) == 0) {
        pgerr_map m = {GRPC_STATUS_RESOURCE_EXHAUSTED, 0, 0, "database resources exhausted"};
        return m;
    }
    return pgerr_internal;
}

pgerr_map pgerr_classify_error(const char *sqlstate, const char *message, int cancel_reason)
{
    if (sqlstate && strcmp(sqlstate, "XX000") == 0 && pgerr_transient(sqlstate, message))
        return pgerr_classify("40001", cancel_reason);
    return pgerr_classify(sqlstate, cancel_reason);
}

int pgerr_transient(const char *sqlstate, const char *message)
{
    static const char multixact[] = "new multixact has more than one updating member";
    if (!sqlstate)
        return 0;
    if (strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0)
        return 1;
    return strcmp(sqlstate, "XX000") == 0 && message &&
           strncmp(message, multixact, sizeof(multixact) - 1) == 0;
}

const char *pgerr_code_name(grpc_status_code code)
{
    if ((int)code < 0 || (size_t)code >= sizeof(pgerr_names) / sizeof(pgerr_names[0]))
        return "UNKNOWN";
    return pgerr_names[code];
}

const char *pgerr_code_label(grpc_status_code code)
{
    if ((int)code < 0 || (size_t)code >= sizeof(pgerr_labels) / sizeof(pgerr_labels[0]))
        return "Unknown";
    return pgerr_labels[code];
}
