/* Unit tests for errdetail: reasons, retry hints, field paths, and the
 * google.rpc.Status it packs, decoded again with protobuf-c. */
#include "errdetail.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cameos/credits/v1/credits.pb-c.h"
#include "cameos/planning/v1/planning.pb-c.h"
#include "google/rpc/error_details.pb-c.h"
#include "google/rpc/status.pb-c.h"
#include "pgerr.h"

typedef struct reason_case {
    grpc_status_code code;
    const char *msg;
    const char *reason;
} reason_case;

static const reason_case reasons[] = {
    {GRPC_STATUS_FAILED_PRECONDITION, "insufficient credits", "INSUFFICIENT_CREDITS"},
    {GRPC_STATUS_FAILED_PRECONDITION, "request_id was already used with different parameters",
     "REQUEST_ID_REUSED"},
    {GRPC_STATUS_FAILED_PRECONDITION, "campaign status cannot move from draft to completed",
     "INVALID_STATUS_TRANSITION"},
    {GRPC_STATUS_FAILED_PRECONDITION, "generation is already finished (success)",
     "GENERATION_FINISHED"},
    {GRPC_STATUS_FAILED_PRECONDITION, "veo-3 at 1080p has no price", "NO_PRICE"},
    {GRPC_STATUS_NOT_FOUND, "campaign not found", "NOT_FOUND"},
    {GRPC_STATUS_ALREADY_EXISTS, "username is already taken", "USERNAME_TAKEN"},
    {GRPC_STATUS_INVALID_ARGUMENT, "id must be a UUID", "INVALID_UUID"},
    {GRPC_STATUS_INVALID_ARGUMENT, "campaign.name must be 1 to 200 characters", "INVALID_LENGTH"},
    {GRPC_STATUS_INVALID_ARGUMENT, "campaign is required", "FIELD_REQUIRED"},
    {GRPC_STATUS_INVALID_ARGUMENT, "amount must be 1 to 1000000", "OUT_OF_RANGE"},
    {GRPC_STATUS_INVALID_ARGUMENT, "tags must have at most 100 items", "INVALID_ITEM_COUNT"},
    {GRPC_STATUS_INVALID_ARGUMENT, "campaign.name: text must not contain NUL characters",
     "NUL_CHARACTER"},
    {GRPC_STATUS_INVALID_ARGUMENT, "update_mask: unknown field x", "INVALID_UPDATE_MASK"},
    {GRPC_STATUS_INVALID_ARGUMENT, "page_token is invalid or belongs to another request",
     "INVALID_PAGE_TOKEN"},
    {GRPC_STATUS_INVALID_ARGUMENT, "something new", "INVALID_ARGUMENT"},
    {GRPC_STATUS_UNAUTHENTICATED, "token expired", "TOKEN_EXPIRED"},
    {GRPC_STATUS_UNAUTHENTICATED, "missing authorization: Bearer token", "TOKEN_MISSING"},
    {GRPC_STATUS_UNAUTHENTICATED, "invalid signature", "UNAUTHENTICATED"},
    {GRPC_STATUS_UNAVAILABLE, "database unavailable, try again later", "DATABASE_UNAVAILABLE"},
    {GRPC_STATUS_ABORTED, "the request conflicted with a concurrent one", "ABORTED"},
    {GRPC_STATUS_INTERNAL, "internal error", "INTERNAL"},
    {GRPC_STATUS_INTERNAL, NULL, "INTERNAL"},
    /* A rule for one code does not apply to another. */
    {GRPC_STATUS_NOT_FOUND, "id must be a UUID", "NOT_FOUND"},
};

Test(errdetail, reasons)
{
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        cr_expect_str_eq(errdetail_reason(reasons[i].code, reasons[i].msg), reasons[i].reason, "%s",
                         reasons[i].msg ? reasons[i].msg : "(null)");
}

Test(errdetail, retry_only_where_it_helps)
{
    cr_expect_eq(errdetail_retry_ms("DATABASE_UNAVAILABLE"), 1000);
    cr_expect_eq(errdetail_retry_ms("ABORTED"), 50);
    cr_expect_eq(errdetail_retry_ms("INSUFFICIENT_CREDITS"), -1);
    cr_expect_eq(errdetail_retry_ms("INVALID_UUID"), -1);
    cr_expect_eq(errdetail_retry_ms("INTERNAL"), -1);
}

typedef struct field_case {
    const ProtobufCMessageDescriptor *d;
    const char *msg;
    const char *field; /* NULL: none */
} field_case;

#define CAMPAIGN_REQ (&cameos__planning__v1__create_campaign_request__descriptor)
#define CHAIN_REQ    (&cameos__planning__v1__create_tool_preset_chain_request__descriptor)
#define PROFILE_REQ  (&cameos__credits__v1__update_profile_request__descriptor)

static const field_case fields[] = {
    {CAMPAIGN_REQ, "campaign.name must be 1 to 200 characters", "campaign.name"},
    {CAMPAIGN_REQ, "campaign is required", "campaign"},
    {CAMPAIGN_REQ, "request_id must be 1 to 128 printable ASCII characters", "request_id"},
    {CAMPAIGN_REQ, "campaign.platform[3] must be 1 to 500 characters", "campaign.platform[3]"},
    {CAMPAIGN_REQ, "campaign.name: text must not contain NUL characters", "campaign.name"},
    /* Below a Struct the path is JSON keys, not fields. */
    {CAMPAIGN_REQ, "campaign.concepts[0].anything is not representable as JSON", NULL},
    {CAMPAIGN_REQ, "campaign.concepts is not representable as JSON", "campaign.concepts"},
    {CHAIN_REQ, "tool_preset_chain.tools[1].tool_name must be 1 to 500 characters",
     "tool_preset_chain.tools[1].tool_name"},
    /* A field of the resource named without the resource. */
    {PROFILE_REQ, "username must be 3 to 32 characters of letters", "profile.username"},
    {PROFILE_REQ, "avatar_url must be an http(s) URL of at most 2048 characters",
     "profile.avatar_url"},
    /* Not fields. */
    {CAMPAIGN_REQ, "a required value is missing", NULL},
    {CAMPAIGN_REQ, "request: messages nested deeper than 64 levels", NULL},
    {CAMPAIGN_REQ, "campaign.name[0] must be short", NULL}, /* not repeated */
    {CAMPAIGN_REQ, "campaign.platform[] is bad", NULL},
    {CAMPAIGN_REQ, "campaign. is bad", NULL},
    {CAMPAIGN_REQ, "campaign..name is bad", NULL},
    {CAMPAIGN_REQ, "Campaign.name is bad", NULL},
    {CAMPAIGN_REQ, "", NULL},
    {NULL, "campaign.name is bad", NULL},
};

Test(errdetail, field_paths)
{
    char out[ERRDETAIL_FIELD_MAX];
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        size_t n = errdetail_field(fields[i].d, fields[i].msg, out);
        if (fields[i].field) {
            cr_expect_eq(n, strlen(fields[i].field), "%s", fields[i].msg);
            cr_expect_str_eq(out, fields[i].field, "%s", fields[i].msg);
        } else {
            cr_expect_eq(n, 0, "%s gave %s", fields[i].msg, out);
            cr_expect_str_eq(out, "");
        }
    }
    /* A path that does not fit is not named at all. */
    char longmsg[300];
    memset(longmsg, 'a', sizeof(longmsg) - 1);
    longmsg[sizeof(longmsg) - 1] = '\0';
    cr_expect_eq(errdetail_field(CAMPAIGN_REQ, longmsg, out), 0);
}

/* The packed Status, decoded: code, message, and its details by type. */
typedef struct decoded {
    Google__Rpc__Status *st;
    Google__Rpc__ErrorInfo *info;
    Google__Rpc__BadRequest *bad;
    Google__Rpc__RetryInfo *retry;
} decoded;

static decoded unpack(grpc_status_code code, const char *msg, const ProtobufCMessageDescriptor *in)
{
    size_t len = 0;
    int retry_ms = -2;
    uint8_t *buf = errdetail_pack(code, msg, "planning.cameos.dev", in, &len, &retry_ms);
    cr_assert_not_null(buf);
    decoded d = {google__rpc__status__unpack(NULL, len, buf), NULL, NULL, NULL};
    free(buf);
    cr_assert_not_null(d.st);
    for (size_t i = 0; i < d.st->n_details; i++) {
        const Google__Protobuf__Any *a = d.st->details[i];
        if (strcmp(a->type_url, "type.googleapis.com/google.rpc.ErrorInfo") == 0)
            d.info = google__rpc__error_info__unpack(NULL, a->value.len, a->value.data);
        else if (strcmp(a->type_url, "type.googleapis.com/google.rpc.BadRequest") == 0)
            d.bad = google__rpc__bad_request__unpack(NULL, a->value.len, a->value.data);
        else if (strcmp(a->type_url, "type.googleapis.com/google.rpc.RetryInfo") == 0)
            d.retry = google__rpc__retry_info__unpack(NULL, a->value.len, a->value.data);
        else
            cr_assert_fail("unexpected detail %s", a->type_url);
    }
    /* The delay it hands back is the RetryInfo it packed. */
    cr_assert_eq(retry_ms >= 0, d.retry != NULL);
    if (d.retry)
        cr_assert_eq(retry_ms,
                     d.retry->retry_delay->seconds * 1000 + d.retry->retry_delay->nanos / 1000000);
    return d;
}

static void release(decoded *d)
{
    google__rpc__status__free_unpacked(d->st, NULL);
    if (d->info)
        google__rpc__error_info__free_unpacked(d->info, NULL);
    if (d->bad)
        google__rpc__bad_request__free_unpacked(d->bad, NULL);
    if (d->retry)
        google__rpc__retry_info__free_unpacked(d->retry, NULL);
}

Test(errdetail, pack_invalid_argument_with_field)
{
    decoded d = unpack(GRPC_STATUS_INVALID_ARGUMENT, "campaign.name must be 1 to 200 characters",
                       CAMPAIGN_REQ);
    cr_expect_eq(d.st->code, GRPC_STATUS_INVALID_ARGUMENT);
    cr_expect_str_eq(d.st->message, "campaign.name must be 1 to 200 characters");
    cr_assert_not_null(d.info);
    cr_expect_str_eq(d.info->reason, "INVALID_LENGTH");
    cr_expect_str_eq(d.info->domain, "planning.cameos.dev");
    cr_assert_eq(d.info->n_metadata, 1);
    cr_expect_str_eq(d.info->metadata[0]->key, "field");
    cr_expect_str_eq(d.info->metadata[0]->value, "campaign.name");
    cr_assert_not_null(d.bad);
    cr_assert_eq(d.bad->n_field_violations, 1);
    cr_expect_str_eq(d.bad->field_violations[0]->field, "campaign.name");
    cr_expect_str_eq(d.bad->field_violations[0]->description,
                     "campaign.name must be 1 to 200 characters");
    cr_expect_str_eq(d.bad->field_violations[0]->reason, "INVALID_LENGTH");
    cr_expect_null(d.retry);
    release(&d);
}

Test(errdetail, pack_precondition_has_no_field_nor_retry)
{
    decoded d = unpack(GRPC_STATUS_FAILED_PRECONDITION, "insufficient credits", CAMPAIGN_REQ);
    cr_assert_not_null(d.info);
    cr_expect_str_eq(d.info->reason, "INSUFFICIENT_CREDITS");
    cr_expect_eq(d.info->n_metadata, 0);
    cr_expect_null(d.bad);
    cr_expect_null(d.retry);
    release(&d);
}

Test(errdetail, pack_unavailable_has_retry)
{
    decoded d = unpack(GRPC_STATUS_UNAVAILABLE, "database unavailable, try again later", NULL);
    cr_assert_not_null(d.info);
    cr_expect_str_eq(d.info->reason, "DATABASE_UNAVAILABLE");
    cr_assert_not_null(d.retry);
    cr_assert_not_null(d.retry->retry_delay);
    cr_expect_eq(d.retry->retry_delay->seconds, 1);
    cr_expect_eq(d.retry->retry_delay->nanos, 0);
    release(&d);

    d = unpack(GRPC_STATUS_ABORTED, "the request conflicted with a concurrent one", NULL);
    cr_assert_not_null(d.retry);
    cr_expect_eq(d.retry->retry_delay->seconds, 0);
    cr_expect_eq(d.retry->retry_delay->nanos, 50000000);
    release(&d);
}

Test(errdetail, pack_without_message)
{
    decoded d = unpack(GRPC_STATUS_INTERNAL, NULL, NULL);
    cr_expect_str_eq(d.st->message, "");
    cr_expect_str_eq(d.info->reason, "INTERNAL");
    release(&d);
}

/* ---- every message the migrations raise has a reason of its own -------- */

static grpc_status_code code_of(const char *errcode)
{
    static const struct {
        const char *sqlstate;
        grpc_status_code code;
    } map[] = {{"CM400", GRPC_STATUS_INVALID_ARGUMENT},
               {"CM403", GRPC_STATUS_PERMISSION_DENIED},
               {"CM404", GRPC_STATUS_NOT_FOUND},
               {"CM409", GRPC_STATUS_ALREADY_EXISTS},
               {"CM412", GRPC_STATUS_FAILED_PRECONDITION}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strncmp(errcode, map[i].sqlstate, 5) == 0)
            return map[i].code;
    return GRPC_STATUS_OK;
}

/* Each `ERRCODE = 'CMxxx', MESSAGE = '<literal>'` of one migration file:
 * the literal's reason must not be the bare code name (NOT_FOUND excepted:
 * it is the reason). Returns how many messages it checked. */
static int check_file(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    static char sql[1 << 20];
    size_t n = fread(sql, 1, sizeof(sql) - 1, f);
    fclose(f);
    sql[n] = '\0';
    int checked = 0;
    for (char *p = strstr(sql, "ERRCODE = '"); p; p = strstr(p + 1, "ERRCODE = '")) {
        grpc_status_code code = code_of(p + 11);
        char *m = strstr(p, "MESSAGE = ");
        char *end = strchr(p, ';');
        if (code == GRPC_STATUS_OK || !m || (end && m > end) || m[10] != '\'')
            continue; /* not ours, or a message built by format() */
        char msg[512];
        size_t k = 0;
        for (char *q = m + 11; *q && k < sizeof(msg) - 1; q++) {
            if (*q == '\'' && q[1] == '\'')
                msg[k++] = *q++;
            else if (*q == '\'')
                break;
            else
                msg[k++] = *q;
        }
        msg[k] = '\0';
        const char *reason = errdetail_reason(code, msg);
        if (code != GRPC_STATUS_NOT_FOUND)
            cr_expect_str_neq(reason, pgerr_code_name(code), "%s: \"%s\" has no reason of its own",
                              path, msg);
        checked++;
    }
    return checked;
}

Test(errdetail, every_migration_message_has_a_reason)
{
    const char *dir = CAMEOS_SOURCE_DIR "/db/migrations";
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "%s", dir);
    int checked = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 4 || strcmp(e->d_name + len - 4, ".sql") != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        checked += check_file(path);
    }
    closedir(d);
    cr_expect_gt(checked, 20, "only %d messages found: is the scan still right?", checked);
}
