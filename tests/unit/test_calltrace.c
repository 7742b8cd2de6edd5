/* Unit tests for calltrace: W3C traceparent parsing and the request_id of
 * a request message. */
#include "calltrace.h"

#include <criterion/criterion.h>
#include <string.h>

#include "cameos/content/v1/content.pb-c.h"
#include "cameos/credits/v1/credits.pb-c.h"

static int parse(const char *v, char *out)
{
    return calltrace_parse(v, strlen(v), out);
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
    cr_assert_eq(calltrace_parse(nul, 54, id), -1);
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
