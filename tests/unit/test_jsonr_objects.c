/*
 * Unit tests for jsonr_parse_objects (common/jsonr): arrays of objects read
 * member by member into the caller's records, as rowmap reads the typed
 * sub-messages of a jsonb column. What it accepts must be exactly what
 * jsonr_parse accepts for an array of objects, member for member.
 */
#include <criterion/criterion.h>

#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonr.h"

typedef Google__Protobuf__Value pb_value;

/* Parsed nodes come from one static pool, reset by each test: nothing to
 * free, and a test never holds more than a few kilobytes. */
static alignas(max_align_t) unsigned char pool[1 << 20];
static size_t pool_used;

static void *pool_alloc(void *ctx, size_t n)
{
    (void)ctx;
    size_t at = (pool_used + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
    cr_assert_leq(at + n, sizeof(pool), "test pool exhausted");
    pool_used = at + n;
    return memset(pool + at, 0, n);
}

static const jsonr_mem mem = {pool_alloc, NULL};

/* What the callbacks saw, as text: "0{a:n1,b:s\"x\"}1{}" (index, then each
 * member's key, kind letter and scalar). */
typedef struct seen {
    char log[8192];
    size_t len;
    int records[256];
    size_t nrec;
    int fail_begin_at; /* begin returns NULL at this index; -1 never */
    int fail_member;   /* member returns -1 for this key's first letter; 0 never */
} seen;

static void put(seen *s, const char *text)
{
    size_t n = strlen(text);
    cr_assert_lt(s->len + n, sizeof(s->log));
    memcpy(s->log + s->len, text, n + 1);
    s->len += n;
}

static void describe(const pb_value *v, char *out, size_t size)
{
    switch (v->kind_case) {
    case GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE:
        snprintf(out, size, "n%g", v->number_value);
        break;
    case GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE:
        snprintf(out, size, "s\"%s\"", v->string_value);
        break;
    case GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE:
        snprintf(out, size, "b%d", v->bool_value);
        break;
    case GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE:
        snprintf(out, size, "z");
        break;
    case GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE:
        snprintf(out, size, "o%zu", v->struct_value->n_fields);
        break;
    case GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE:
        snprintf(out, size, "l%zu", v->list_value->n_values);
        break;
    default:
        snprintf(out, size, "?");
    }
}

static void *on_begin(void *ctx, size_t index)
{
    seen *s = ctx;
    if (s->fail_begin_at >= 0 && (size_t)s->fail_begin_at == index)
        return NULL;
    cr_assert_lt(s->nrec, sizeof(s->records) / sizeof(s->records[0]));
    char buf[32];
    snprintf(buf, sizeof(buf), "%s%zu{", index ? "}" : "", index);
    put(s, buf);
    s->records[s->nrec] = (int)index;
    return &s->records[s->nrec++];
}

static int on_member(void *ctx, void *record, const char *key, const pb_value *v)
{
    seen *s = ctx;
    cr_assert_eq(record, &s->records[s->nrec - 1], "members reach the record begin made");
    if (s->fail_member && key[0] == s->fail_member)
        return -1;
    char buf[512];
    int k = snprintf(buf, 256, "%s:", key);
    cr_assert(k > 0 && k < 256);
    describe(v, buf + k, sizeof(buf) - (size_t)k);
    put(s, buf);
    put(s, ",");
    return 0;
}

/* Parses json; on success checks the records array and closes the log. */
static int parse(seen *s, const char *json, size_t len)
{
    jsonr_objects cb = {on_begin, on_member, s};
    void **items = (void **)1;
    size_t n = 99;
    int rc = jsonr_parse_objects(json, len, &mem, &cb, &items, &n);
    if (rc != 0) {
        cr_assert_null(items, "items reset on failure: %s", json);
        cr_assert_eq(n, 0, "count reset on failure: %s", json);
        return rc;
    }
    cr_assert_eq(n, s->nrec, "%s", json);
    cr_assert_not_null(items);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(items[i], &s->records[i], "record %zu in order", i);
    if (n)
        put(s, "}");
    return 0;
}

static void reads(const char *json, const char *want)
{
    seen s = {.fail_begin_at = -1};
    pool_used = 0;
    cr_assert_eq(parse(&s, json, strlen(json)), 0, "%s", json);
    cr_assert_str_eq(s.log, want, "%s", json);
}

static void rejects(const char *json, size_t len)
{
    seen s = {.fail_begin_at = -1};
    pool_used = 0;
    cr_assert_eq(parse(&s, json, len), -1, "accepted: %.*s", (int)len, json ? json : "");
}

Test(jsonr_objects, members_in_text_order)
{
    reads("[{\"index\": 0, \"description\": \"open\", \"duration_seconds\": 4.5}]",
          "0{index:n0,description:s\"open\",duration_seconds:n4.5,}");
    reads(" [ {\"b\":true,\"a\":false} , {\"z\":null} ,{} ] ", "0{b:b1,a:b0,}1{z:z,}2{}");
    /* containers inside a member come whole, as jsonr_parse builds them */
    reads("[{\"s\": {\"x\": [1, 2], \"y\": {}}, \"l\": [[], {}, \"t\"]}]", "0{s:o2,l:l3,}");
    /* escapes in keys and values are decoded */
    reads("[{\"a\\u00e9\": \"line\\nbreak \\ud83d\\ude00\"}]",
          "0{a\xc3\xa9:s\"line\nbreak \xf0\x9f\x98\x80\",}");
    /* a repeated key is handed over twice; the caller's later write wins */
    reads("[{\"k\": 1, \"k\": 2}]", "0{k:n1,k:n2,}");
}

/* Keys up to 63 plain bytes take a short path; longer, escaped or
 * non-ASCII ones the general one: all read the same. */
Test(jsonr_objects, keys_short_and_long)
{
    for (size_t len = 62; len <= 66; len++) {
        char key[80], json[200], want[200];
        memset(key, 'k', len);
        key[len] = '\0';
        key[len - 1] = 'z';
        snprintf(json, sizeof(json), "[{\"%s\": 1, \"\xc3\xa9%s\": 2}]", key, key);
        snprintf(want, sizeof(want), "0{%s:n1,\xc3\xa9%s:n2,}", key, key);
        reads(json, want);
    }
    rejects("[{\"k\x80\": 1}]", 11);
    rejects("[{\"k\x01\": 1}]", 11);
    rejects("[{\"k", 4);
}

Test(jsonr_objects, empty_array)
{
    reads("[]", "");
    reads("  [ ]\n", "");
}

Test(jsonr_objects, rejects_what_is_not_an_array_of_objects)
{
    static const char *const bad[] = {"",
                                      " ",
                                      "{}",
                                      "1",
                                      "\"[]\"",
                                      "null",
                                      "[1]",
                                      "[[]]",
                                      "[{}, 1]",
                                      "[{}, []]",
                                      "[\"x\"]",
                                      "[{}",
                                      "[{}]x",
                                      "[{}] []",
                                      "[{},]",
                                      "[,{}]",
                                      "[{\"a\":1,}]",
                                      "[{\"a\" 1}]",
                                      "[{a:1}]",
                                      "[{\"a\":}]",
                                      "[{\"a\":01}]",
                                      "[{\"a\":1e400}]",
                                      "[{\"a\":\"\\x\"}]",
                                      "[{\"a\":\"x\\u0000y\"}]",
                                      "[{\"a\":\"\\ud800\"}]",
                                      "[{\"\xff\":1}]",
                                      "[{\"a\":\"\x80\"}]",
                                      "[{\"a\":\"\n\"}]",
                                      "[{\"a\":[1,]}]",
                                      "[{\"a\":{\"b\"}}]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        rejects(bad[i], strlen(bad[i]));
    rejects("[{}]\0", 5); /* a NUL byte after the value */
    rejects(NULL, 0);
}

Test(jsonr_objects, honours_len)
{
    seen s = {.fail_begin_at = -1};
    pool_used = 0;
    cr_assert_eq(parse(&s, "[{\"a\":1}]]]", 9), 0);
    cr_assert_str_eq(s.log, "0{a:n1,}");
    rejects("[{\"a\":1}]", 8);
}

Test(jsonr_objects, callbacks_can_fail_the_parse)
{
    seen s = {.fail_begin_at = 1};
    pool_used = 0;
    cr_assert_eq(parse(&s, "[{}, {}, {}]", 12), -1, "begin's NULL fails the parse");
    cr_assert_eq(s.nrec, 1, "nothing begun after the failure");

    seen t = {.fail_begin_at = -1, .fail_member = 'b'};
    const char *json = "[{\"a\": 1}, {\"b\": 2, \"c\": 3}, {\"d\": 4}]";
    cr_assert_eq(parse(&t, json, strlen(json)), -1, "member's -1 fails the parse");
    cr_assert_str_eq(t.log, "0{a:n1,}1{", "no member after the failure");
}

Test(jsonr_objects, bad_arguments)
{
    jsonr_objects none = {NULL, NULL, NULL};
    void **items = (void **)1;
    size_t n = 5;
    cr_assert_eq(jsonr_parse_objects("[]", 2, &mem, &none, &items, &n), -1);
    cr_assert_null(items);
    cr_assert_eq(n, 0);
    seen s = {.fail_begin_at = -1};
    jsonr_objects cb = {on_begin, on_member, &s};
    cr_assert_eq(jsonr_parse_objects("[]", 2, NULL, &cb, &items, &n), -1);
    cr_assert_eq(jsonr_parse_objects("[]", 2, &mem, NULL, &items, &n), -1);
}

/* The array is the first level, each object the second: a member may nest
 * JSONR_MAX_DEPTH - 2 more containers, as in jsonr_parse. */
Test(jsonr_objects, depth_limit_as_jsonr_parse)
{
    for (int extra = JSONR_MAX_DEPTH - 3; extra <= JSONR_MAX_DEPTH - 1; extra++) {
        size_t cap = (size_t)extra * 2 + 32;
        char *json = malloc(cap);
        cr_assert_not_null(json);
        size_t k = (size_t)snprintf(json, cap, "[{\"a\":");
        for (int i = 0; i < extra; i++)
            json[k++] = '[';
        for (int i = 0; i < extra; i++)
            json[k++] = ']';
        k += (size_t)snprintf(json + k, cap - k, "}]");

        seen s = {.fail_begin_at = -1};
        pool_used = 0;
        int want = extra <= JSONR_MAX_DEPTH - 2 ? 0 : -1;
        cr_assert_eq(parse(&s, json, k), want, "%d nested arrays in a member", extra);
        pb_value *v;
        pool_used = 0;
        cr_assert_eq(jsonr_parse(json, k, &mem, &v), want, "jsonr_parse agrees at %d", extra);
        free(json);
    }
}

/* More records than the parser's inline scratch stack holds (64): the
 * records array still comes out whole and in order. */
Test(jsonr_objects, many_records)
{
    static char json[150 * 16 + 4];
    size_t k = 0;
    json[k++] = '[';
    for (int i = 0; i < 150; i++)
        k += (size_t)snprintf(json + k, sizeof(json) - k, "%s{\"i\":%d}", i ? "," : "", i);
    json[k++] = ']';
    seen s = {.fail_begin_at = -1};
    pool_used = 0;
    cr_assert_eq(parse(&s, json, k), 0);
    cr_assert_eq(s.nrec, 150);
    cr_assert(strstr(s.log, "}149{i:n149,}") != NULL, "%s", s.log);
}
