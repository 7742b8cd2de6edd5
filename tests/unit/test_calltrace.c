/* Unit tests for calltrace: W3C traceparent parsing, a call's trace context
 * (the caller's trace, or a fresh one; x-request-id), and the request_id of
 * a request message. */
#include "calltrace.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cameos/content/v1/content.pb-c.h"
#include "cameos/credits/v1/credits.pb-c.h"

static int parse(const char *v, char *out)
{
    return calltrace_parse(v, strlen(v), out, NULL);
}

Test(calltrace, traceparent)
{
    char id[CALLTRACE_ID_LEN + 1];
    cr_assert_eq(parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", id), 0);
    cr_assert_str_eq(id, "4bf92f3577b34da6a3ce929d0e0e4736");
    /* a later version may append fields */
    cr_assert_eq(parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-xyz", id), 0);
    static const char *const bad[] = {
        "",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",      /* no flags */
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",   /* upper case */
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",   /* zero trace id */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",   /* zero parent id */
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   /* version ff */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", /* 00 with more */
        "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00x",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(parse(bad[i], id), -1, "accepted \"%s\"", bad[i]);
    /* length is what counts, not a NUL */
    const char nul[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    cr_assert_eq(calltrace_parse(nul, 54, id, NULL), -1);
    char parent[CALLTRACE_SPAN_LEN + 1];
    cr_assert_eq(calltrace_parse(nul, 55, id, parent), 0);
    cr_assert_str_eq(parent, "00f067aa0ba902b7");
}

static int is_hex_id(const char *s, size_t len)
{
    if (strlen(s) != len || strspn(s, "0123456789abcdef") != len)
        return 0;
    return strspn(s, "0") < len; /* W3C: never all zero */
}

Test(calltrace, continues_the_callers_trace)
{
    const char *tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    uint64_t rng = 1;
    calltrace t;
    calltrace_begin(&t, tp, strlen(tp), NULL, 0, &rng);
    cr_assert_str_eq(t.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    cr_assert_str_eq(t.parent_id, "00f067aa0ba902b7");
    cr_assert(is_hex_id(t.span_id, CALLTRACE_SPAN_LEN), "span \"%s\"", t.span_id);
    cr_assert_str_neq(t.span_id, t.parent_id, "the call's span is its own");
    cr_assert_str_eq(t.xrid, "");
}

Test(calltrace, starts_a_trace_when_none_or_a_bad_one_came)
{
    uint64_t rng = 42;
    calltrace a, b, c;
    calltrace_begin(&a, NULL, 0, NULL, 0, &rng);
    const char *bad = "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01";
    calltrace_begin(&b, bad, strlen(bad), NULL, 0, &rng);
    calltrace_begin(&c, NULL, 0, NULL, 0, &rng);
    cr_assert(is_hex_id(a.trace_id, CALLTRACE_ID_LEN) && is_hex_id(a.span_id, CALLTRACE_SPAN_LEN));
    cr_assert(is_hex_id(b.trace_id, CALLTRACE_ID_LEN) && is_hex_id(b.span_id, CALLTRACE_SPAN_LEN));
    cr_assert_str_eq(a.parent_id, "");
    cr_assert_str_eq(b.parent_id, "", "a malformed traceparent is ignored whole");
    cr_assert_str_neq(b.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    cr_assert_str_neq(a.trace_id, b.trace_id);
    cr_assert_str_neq(a.trace_id, c.trace_id);
    cr_assert_str_neq(a.span_id, c.span_id);
}

Test(calltrace, fresh_ids_do_not_repeat)
{
    /* 10,000 calls from one state: every trace id and span id differs. */
    enum { N = 10000 };
    static char seen[N][CALLTRACE_ID_LEN + 1];
    uint64_t rng = 7;
    for (int i = 0; i < N; i++) {
        calltrace t;
        calltrace_begin(&t, NULL, 0, NULL, 0, &rng);
        memcpy(seen[i], t.trace_id, sizeof(seen[i]));
    }
    qsort(seen, N, sizeof(seen[0]), (int (*)(const void *, const void *))strcmp);
    for (int i = 1; i < N; i++)
        cr_assert_str_neq(seen[i - 1], seen[i]);
}

Test(calltrace, x_request_id)
{
    uint64_t rng = 3;
    calltrace t;
    const char *ok = "req-7f3a/9";
    calltrace_begin(&t, NULL, 0, ok, strlen(ok), &rng);
    cr_assert_str_eq(t.xrid, "req-7f3a/9");
    char longest[CALLTRACE_XRID_MAX + 2];
    memset(longest, 'x', sizeof(longest));
    calltrace_begin(&t, NULL, 0, longest, CALLTRACE_XRID_MAX, &rng);
    cr_assert_eq(strlen(t.xrid), CALLTRACE_XRID_MAX, "the longest kept whole");
    static const char *const dropped[] = {"", "has space", "tab\there", "caf\xc3\xa9", "nl\n"};
    for (size_t i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++) {
        calltrace_begin(&t, NULL, 0, dropped[i], strlen(dropped[i]), &rng);
        cr_assert_str_eq(t.xrid, "", "kept \"%s\"", dropped[i]);
    }
    calltrace_begin(&t, NULL, 0, longest, CALLTRACE_XRID_MAX + 1, &rng);
    cr_assert_str_eq(t.xrid, "", "one over the limit is dropped, not cut");
}

Test(calltrace, request_id)
{
    Cameos__Credits__V1__SpendCreditsRequest s = CAMEOS__CREDITS__V1__SPEND_CREDITS_REQUEST__INIT;
    cr_assert_null(calltrace_request_id(&s.base), "empty is none");
    s.request_id = "order-42";
    cr_assert_str_eq(calltrace_request_id(&s.base), "order-42");
    Cameos__Content__V1__CreateGenerationRequest g =
        CAMEOS__CONTENT__V1__CREATE_GENERATION_REQUEST__INIT;
    g.request_id = "gen-1";
    cr_assert_str_eq(calltrace_request_id(&g.base), "gen-1");
    Cameos__Content__V1__GetGenerationRequest n = CAMEOS__CONTENT__V1__GET_GENERATION_REQUEST__INIT;
    cr_assert_null(calltrace_request_id(&n.base), "a request without the field");
    cr_assert_null(calltrace_request_id(NULL));
}
