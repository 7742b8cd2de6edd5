/* Unit tests for pgerr: SQLSTATE to gRPC status mapping. */
#include "pgerr.h"

#include <criterion/criterion.h>
#include <string.h>

typedef struct pgerr_case {
    const char *sqlstate;
    int cancel_reason;
    grpc_status_code code;
    int retryable;
    int use_db_message;
} pgerr_case;

static const pgerr_case cases[] = {
    {"23505", 0, GRPC_STATUS_ALREADY_EXISTS, 0, 0},
    {"23503", 0, GRPC_STATUS_FAILED_PRECONDITION, 0, 0},
    {"23514", 0, GRPC_STATUS_INVALID_ARGUMENT, 0, 0},
    {"23502", 0, GRPC_STATUS_INVALID_ARGUMENT, 0, 0},
    {"22P02", 0, GRPC_STATUS_INVALID_ARGUMENT, 0, 0},
    {"22001", 0, GRPC_STATUS_INVALID_ARGUMENT, 0, 0},
    {"22003", 0, GRPC_STATUS_INVALID_ARGUMENT, 0, 0},
    {"22023", 0, GRPC_STATUS_INVALID_ARGUMENT, 0, 0},
    {"22007", 0, GRPC_STATUS_INVALID_ARGUMENT, 0, 0},
    {"40001", 0, GRPC_STATUS_ABORTED, 1, 0},
    {"40P01", 0, GRPC_STATUS_ABORTED, 1, 0},
    {"40002", 0, GRPC_STATUS_INTERNAL, 0, 0},
    {"57014", 0, GRPC_STATUS_CANCELLED, 0, 0},
    {"57014", 1, GRPC_STATUS_DEADLINE_EXCEEDED, 0, 0},
    {"57014", 2, GRPC_STATUS_CANCELLED, 0, 0},
    {"57014", 7, GRPC_STATUS_CANCELLED, 0, 0},
    {"57P01", 0, GRPC_STATUS_UNAVAILABLE, 0, 0},
    {"57P02", 0, GRPC_STATUS_UNAVAILABLE, 0, 0},
    {"57P03", 0, GRPC_STATUS_UNAVAILABLE, 0, 0},
    {"57P04", 0, GRPC_STATUS_INTERNAL, 0, 0},
    {"08000", 0, GRPC_STATUS_UNAVAILABLE, 0, 0},
    {"08003", 0, GRPC_STATUS_UNAVAILABLE, 0, 0},
    {"08006", 0, GRPC_STATUS_UNAVAILABLE, 0, 0},
    {"08P01", 0, GRPC_STATUS_UNAVAILABLE, 0, 0},
    {"53300", 0, GRPC_STATUS_UNAVAILABLE, 0, 0},
    {"53000", 0, GRPC_STATUS_RESOURCE_EXHAUSTED, 0, 0},
    {"53100", 0, GRPC_STATUS_RESOURCE_EXHAUSTED, 0, 0},
    {"53200", 0, GRPC_STATUS_RESOURCE_EXHAUSTED, 0, 0},
    {"53400", 0, GRPC_STATUS_RESOURCE_EXHAUSTED, 0, 0},
    {"42501", 0, GRPC_STATUS_INTERNAL, 0, 0},
    {"42601", 0, GRPC_STATUS_INTERNAL, 0, 0},
    {"42P01", 0, GRPC_STATUS_INTERNAL, 0, 0},
    {"25P02", 0, GRPC_STATUS_INTERNAL, 0, 0},
    {"XX000", 0, GRPC_STATUS_INTERNAL, 0, 0},
    {"P0001", 0, GRPC_STATUS_INTERNAL, 0, 0},
    {"CM400", 0, GRPC_STATUS_INVALID_ARGUMENT, 0, 1},
    {"CM403", 0, GRPC_STATUS_PERMISSION_DENIED, 0, 1},
    {"CM404", 0, GRPC_STATUS_NOT_FOUND, 0, 1},
    {"CM409", 0, GRPC_STATUS_ALREADY_EXISTS, 0, 1},
    {"CM412", 0, GRPC_STATUS_FAILED_PRECONDITION, 0, 1},
    {"CM500", 0, GRPC_STATUS_INTERNAL, 0, 0},
    {"cm404", 0, GRPC_STATUS_INTERNAL, 0, 0},
    {"", 0, GRPC_STATUS_INTERNAL, 0, 0},
    {"2350", 0, GRPC_STATUS_INTERNAL, 0, 0},
    {"235050", 0, GRPC_STATUS_INTERNAL, 0, 0},
    {"22", 0, GRPC_STATUS_INTERNAL, 0, 0},
    {NULL, 0, GRPC_STATUS_UNAVAILABLE, 0, 0},
};

Test(pgerr, table)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const pgerr_case *t = &cases[i];
        pgerr_map m = pgerr_classify(t->sqlstate, t->cancel_reason);
        const char *s = t->sqlstate ? t->sqlstate : "(null)";
        cr_assert_eq(m.code, t->code, "%s/%d: got %s want %s", s, t->cancel_reason,
                     pgerr_code_name(m.code), pgerr_code_name(t->code));
        cr_assert_eq(m.retryable, t->retryable, "%s retryable", s);
        cr_assert_eq(m.use_db_message, t->use_db_message, "%s use_db_message", s);
        cr_assert_not_null(m.message, "%s message", s);
        cr_assert_gt(strlen(m.message), 0);
    }
}

Test(pgerr, messages)
{
    cr_assert_str_eq(pgerr_classify("23505", 0).message, "already exists");
    cr_assert_str_eq(pgerr_classify("23503", 0).message, "a referenced resource does not exist");
    cr_assert_str_eq(pgerr_classify("XX000", 0).message, "internal error");
    cr_assert_str_eq(pgerr_classify("42501", 0).message, "internal error");
    cr_assert_str_eq(pgerr_classify(NULL, 0).message, "database unavailable");
    cr_assert_str_eq(pgerr_classify("08006", 0).message, "database unavailable");
    /* never SQL-looking text, whatever the code */
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *msg = pgerr_classify(cases[i].sqlstate, cases[i].cancel_reason).message;
        cr_assert_null(strstr(msg, "SELECT"));
        cr_assert_null(strstr(msg, "relation"));
        cr_assert_null(strstr(msg, "constraint \""));
    }
}

/* PostgreSQL 15's multixact race rolls the transaction back: a conflict to
 * rerun, not a fault; any other XX000 stays INTERNAL. */
Test(pgerr, transient_internal_errors)
{
    const char *mx =
        "new multixact has more than one updating member: 0 4[1 (nokeyupd), 2 (keysh)]";
    cr_assert(pgerr_transient("40001", NULL));
    cr_assert(pgerr_transient("40P01", "deadlock detected"));
    cr_assert(pgerr_transient("XX000", mx));
    cr_assert_not(pgerr_transient("XX000", "could not read block 0"));
    cr_assert_not(pgerr_transient("XX000", NULL));
    cr_assert_not(pgerr_transient("XX001", mx));
    cr_assert_not(pgerr_transient("23505", mx));
    cr_assert_not(pgerr_transient(NULL, mx));

    pgerr_map m = pgerr_classify_error("XX000", mx, 0);
    cr_assert_eq(m.code, GRPC_STATUS_ABORTED);
    cr_assert_eq(m.retryable, 1);
    cr_assert_str_eq(m.message, "the request conflicted with a concurrent one");
    m = pgerr_classify_error("XX000", "cache lookup failed", 0);
    cr_assert_eq(m.code, GRPC_STATUS_INTERNAL);
    cr_assert_eq(m.retryable, 0);
    /* the message never changes what a known code means */
    cr_assert_eq(pgerr_classify_error("23505", mx, 0).code, GRPC_STATUS_ALREADY_EXISTS);
    cr_assert_eq(pgerr_classify_error("57014", NULL, PGERR_CANCEL_DEADLINE).code,
                 GRPC_STATUS_DEADLINE_EXCEEDED);
    cr_assert_eq(pgerr_classify_error(NULL, NULL, 0).code, GRPC_STATUS_UNAVAILABLE);
}

Test(pgerr, code_names)
{
    static const char *names[] = {
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
    for (int i = 0; i <= 16; i++)
        cr_assert_str_eq(pgerr_code_name((grpc_status_code)i), names[i]);
    cr_assert_str_eq(pgerr_code_name(GRPC_STATUS_UNAUTHENTICATED), "UNAUTHENTICATED");
    cr_assert_str_eq(pgerr_code_name(GRPC_STATUS_DEADLINE_EXCEEDED), "DEADLINE_EXCEEDED");
    cr_assert_str_eq(pgerr_code_name((grpc_status_code)17), "UNKNOWN");
    cr_assert_str_eq(pgerr_code_name((grpc_status_code)-1), "UNKNOWN");
}

Test(pgerr, go_labels)
{
    cr_assert_str_eq(pgerr_code_label(GRPC_STATUS_OK), "OK");
    cr_assert_str_eq(pgerr_code_label(GRPC_STATUS_CANCELLED), "Canceled");
    cr_assert_str_eq(pgerr_code_label(GRPC_STATUS_INVALID_ARGUMENT), "InvalidArgument");
    cr_assert_str_eq(pgerr_code_label(GRPC_STATUS_DEADLINE_EXCEEDED), "DeadlineExceeded");
    cr_assert_str_eq(pgerr_code_label(GRPC_STATUS_RESOURCE_EXHAUSTED), "ResourceExhausted");
    cr_assert_str_eq(pgerr_code_label(GRPC_STATUS_DATA_LOSS), "DataLoss");
    cr_assert_str_eq(pgerr_code_label(GRPC_STATUS_UNAUTHENTICATED), "Unauthenticated");
    cr_assert_str_eq(pgerr_code_label((grpc_status_code)99), "Unknown");
}
