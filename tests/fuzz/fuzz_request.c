/*
 * fuzz_request - a request message as a caller sends it, through what
 * callreq.c does with it: pbguard_check, then protobuf-c.
 *
 * Feeds: byte 0 picks the request type (the input of one method of the
 * credits, content and planning services, or of grpc.health.v1.Health);
 * the rest is the message's wire bytes.
 * Asserts:
 *  - pbguard_check names a NUL-terminated field that fits its buffer, also
 *    when the buffer is tiny; lower limits never turn a refusal into OK,
 *    and refuse only for depth or count;
 *  - when pbguard says OK, protobuf_c_message_unpack may refuse, but what it
 *    unpacks packs to get_packed_size bytes, unpacks again, packs to the
 *    same bytes, and passes pbguard_check again;
 *  - every string field of the unpacked message (nested ones included):
 *    utf8_chars agrees with a reference UTF-8 decoder, valid_text
 *    with it, valid_uuid / valid_uuid_lower / valid_hex_color /
 *    valid_username with reference checks; valid_http_url accepts only
 *    printable http(s) text;
 *  - a Struct or Value field that pbjson writes as JSON reads back with
 *    jsonr and is written again as the same text (the jsonb round trip of
 *    the services' stored documents).
 */
#include "fuzz.h"

#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <strings.h>

#include "arena.h"
#include "jsonr.h"
#include "pbguard.h"
#include "pbjson.h"
#include "utf8.h"
#include "valid.h"

#include "cameos/content/v1/content.pb-c.h"
#include "cameos/credits/v1/credits.pb-c.h"
#include "cameos/planning/v1/planning.pb-c.h"
#include "google/protobuf/struct.pb-c.h"
#include "grpc/health/v1/health.pb-c.h"

#define MAX_INPUTS 256

static const ProtobufCMessageDescriptor *inputs[MAX_INPUTS];
static size_t ninputs;

static void add_service(const ProtobufCServiceDescriptor *s)
{
    for (unsigned i = 0; i < s->n_methods; i++) {
        const ProtobufCMessageDescriptor *d = s->methods[i].input;
        size_t k = 0;
        while (k < ninputs && inputs[k] != d)
            k++;
        if (k == ninputs) {
            FUZZ_CHECK(ninputs < MAX_INPUTS);
            inputs[ninputs++] = d;
        }
    }
}

static void init(void)
{
    if (ninputs > 0)
        return;
    add_service(&cameos__credits__v1__credits_service__descriptor);
    add_service(&cameos__content__v1__content_service__descriptor);
    add_service(&cameos__planning__v1__planning_service__descriptor);
    add_service(&grpc__health__v1__health__descriptor);
    /* FUZZ_REQUEST_LIST=1: print the table (the seeds' byte 0 indexes it). */
    const char *list = getenv("FUZZ_REQUEST_LIST");
    if (list != NULL && list[0] == '1')
        for (size_t i = 0; i < ninputs; i++)
            fprintf(stderr, "%zu %s\n", i, inputs[i]->name);
}

static bool is_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool ref_uuid(const char *s, size_t n)
{
    if (n != 36)
        return false;
    for (size_t i = 0; i < 36; i++)
        if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-' : !is_hex(s[i]))
            return false;
    return true;
}

static bool ref_hex_color(const char *s, size_t n)
{
    if ((n != 4 && n != 7) || s[0] != '#')
        return false;
    for (size_t i = 1; i < n; i++)
        if (!is_hex(s[i]))
            return false;
    return true;
}

static bool ref_username(const char *s, size_t n)
{
    if (n < 3 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalnum(c) && c < 0x80) && c != '_' && c != '.' && c != '-')
            return false;
    }
    return true;
}

static void check_text(const char *s)
{
    if (s == NULL)
        return;
    size_t n = strlen(s);
    long ref = fuzz_utf8_chars((const unsigned char *)s, n);
    FUZZ_CHECK(utf8_chars(s, n) == ref);
    FUZZ_CHECK(valid_text(s, 0, SIZE_MAX) == (ref >= 0));
    if (ref >= 0) {
        FUZZ_CHECK(valid_text(s, (size_t)ref, (size_t)ref));
        FUZZ_CHECK(!valid_text(s, (size_t)ref + 1, SIZE_MAX));
    }

    bool uuid = ref_uuid(s, n);
    FUZZ_CHECK(valid_uuid(s) == uuid);
    char lower[37];
    valid_uuid_lower(s, lower);
    if (uuid) {
        for (size_t i = 0; i < 36; i++)
            FUZZ_CHECK(lower[i] == (char)tolower((unsigned char)s[i]));
        FUZZ_CHECK(lower[36] == '\0');
    } else {
        FUZZ_CHECK(lower[0] == '\0');
    }
    FUZZ_CHECK(valid_hex_color(s) == ref_hex_color(s, n));
    FUZZ_CHECK(valid_username(s) == ref_username(s, n));
    for (int https = 0; https < 2; https++) {
        if (!valid_http_url(s, https, 2048))
            continue;
        FUZZ_CHECK(n <= 2048);
        FUZZ_CHECK(strncasecmp(s, "https://", 8) == 0 ||
                   (!https && strncasecmp(s, "http://", 7) == 0));
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK(s[i] > 0x20 && s[i] < 0x7f);
    }
}

static void *arena_mem(void *ctx, size_t n)
{
    return arena_alloc(ctx, n);
}

/* JSON written by pbjson must read back with jsonr as the same document. */
static void check_json(const char *json)
{
    arena *a = NULL;
    const jsonr_mem mem = {arena_mem, &a};
    Google__Protobuf__Value *v = NULL;
    FUZZ_CHECK(jsonr_parse(json, strlen(json), &mem, &v) == 0);
    char *again = NULL;
    FUZZ_CHECK(pbjson_from_value(v, &again) == 0);
    FUZZ_CHECK(strcmp(json, again) == 0);
    free(again);
    arena_free(&a);
}

static bool is_json_type(const ProtobufCMessageDescriptor *d)
{
    return d == &google__protobuf__struct__descriptor ||
           d == &google__protobuf__value__descriptor ||
           d == &google__protobuf__list_value__descriptor ||
           d == &google__protobuf__struct__fields_entry__descriptor;
}

static void walk(const ProtobufCMessage *m, unsigned depth, bool in_json)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    FUZZ_CHECK(depth <= 4 * PBGUARD_MAX_DEPTH + 8);

    if (!in_json && is_json_type(d)) {
        char *json = NULL;
        int rc = d == &google__protobuf__struct__descriptor
                     ? pbjson_from_struct((const Google__Protobuf__Struct *)m, &json)
                 : d == &google__protobuf__value__descriptor
                     ? pbjson_from_value((const Google__Protobuf__Value *)m, &json)
                 : d == &google__protobuf__list_value__descriptor
                     ? pbjson_from_list((const Google__Protobuf__ListValue *)m, &json)
                     : -1;
        FUZZ_CHECK((rc == 0) == (json != NULL));
        if (rc == 0)
            check_json(json);
        free(json);
    }
    in_json = in_json || is_json_type(d);

    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *at = (const char *)m + f->offset;
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t which;
            memcpy(&which, (const char *)m + f->quantifier_offset, sizeof(which));
            if (which != f->id)
                continue;
        }
        if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        void *const *items;
        size_t n = 1;
        void *const *one = (void *const *)at;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            memcpy(&n, (const char *)m + f->quantifier_offset, sizeof(n));
            items = *(void *const *const *)at;
            FUZZ_CHECK(n == 0 || items != NULL);
        } else {
            items = one;
        }
        for (size_t k = 0; k < n; k++) {
            if (items[k] == NULL)
                continue;
            if (f->type == PROTOBUF_C_TYPE_STRING)
                check_text(items[k]);
            else
                walk(items[k], depth + 1, in_json);
        }
    }
}

static const pbguard_limits lim = {PBGUARD_MAX_DEPTH, PBGUARD_MAX_NODES};

static pbguard_verdict guard(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t n,
                             const pbguard_limits *l, size_t fieldsz)
{
    char field[300];
    FUZZ_CHECK(fieldsz <= sizeof(field));
    memset(field, 'x', sizeof(field));
    pbguard_verdict v = pbguard_check(d, p, n, l, field, fieldsz);
    FUZZ_CHECK(v >= PBGUARD_OK && v <= PBGUARD_MALFORMED);
    if (fieldsz > 0) {
        FUZZ_CHECK(memchr(field, '\0', fieldsz) != NULL);
        if (v == PBGUARD_OK)
            FUZZ_CHECK(field[0] == '\0');
        char msg[512];
        pbguard_message(v, field, l, msg, sizeof(msg));
        FUZZ_CHECK(msg[0] != '\0');
    }
    for (size_t i = fieldsz; i < sizeof(field); i++)
        FUZZ_CHECK(field[i] == 'x');
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    if (size < 1)
        return 0;
    const ProtobufCMessageDescriptor *d = inputs[data[0] % ninputs];
    const uint8_t *wire = data + 1;
    size_t len = size - 1;

    pbguard_verdict v = guard(d, wire, len, &lim, 128);

    /* Lower limits, chosen by the input: never more permissive. */
    pbguard_limits small = {data[0] % 9, (size_t)(size * 7 % 61)};
    pbguard_verdict vs = guard(d, wire, len, &small, size % 12);
    if (vs == PBGUARD_OK)
        FUZZ_CHECK(v == PBGUARD_OK);
    if (v == PBGUARD_OK)
        FUZZ_CHECK(vs == PBGUARD_OK || vs == PBGUARD_TOO_DEEP || vs == PBGUARD_TOO_MANY);

    if (v != PBGUARD_OK)
        return 0;
    ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, len, wire);
    if (m == NULL)
        return 0;
    FUZZ_CHECK(m->descriptor == d);
    walk(m, 0, false);

    size_t n1 = protobuf_c_message_get_packed_size(m);
    uint8_t *b1 = malloc(n1 ? n1 : 1);
    FUZZ_CHECK(b1 != NULL);
    FUZZ_CHECK(protobuf_c_message_pack(m, b1) == n1);
    FUZZ_CHECK(guard(d, b1, n1, &lim, 128) == PBGUARD_OK);

    ProtobufCMessage *m2 = protobuf_c_message_unpack(d, NULL, n1, b1);
    FUZZ_CHECK(m2 != NULL);
    size_t n2 = protobuf_c_message_get_packed_size(m2);
    FUZZ_CHECK(n2 == n1);
    uint8_t *b2 = malloc(n2 ? n2 : 1);
    FUZZ_CHECK(b2 != NULL);
    FUZZ_CHECK(protobuf_c_message_pack(m2, b2) == n2);
    FUZZ_CHECK(memcmp(b1, b2, n1) == 0);

    free(b1);
    free(b2);
    protobuf_c_message_free_unpacked(m2, NULL);
    protobuf_c_message_free_unpacked(m, NULL);
    return 0;
}
