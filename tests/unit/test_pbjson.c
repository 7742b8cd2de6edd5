/*
 * Unit tests for common/jsonr (JSON text -> Value trees) and common/pbjson
 * (Struct / Value / ListValue -> JSON text): round trips through both and
 * through the wire format, exact numbers, strict UTF-8 both ways. Parsed
 * trees live in a test arena that records every allocation (release() frees
 * them), so LeakSanitizer still sees anything the parser itself leaks.
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "jsonr.h"
#include "pbjson.h"

typedef Google__Protobuf__Struct pb_struct;
typedef Google__Protobuf__Value pb_value;
typedef Google__Protobuf__ListValue pb_list;
typedef Google__Protobuf__Struct__FieldsEntry pb_entry;

#define KIND_NUMBER GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE
#define KIND_STRING GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE
#define KIND_STRUCT GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE
#define KIND_LIST   GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE
#define KIND_NULL   GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE
#define KIND_BOOL   GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE

/* ---- the test arena and the typed parses built on jsonr_parse */

static void **arena;
static size_t narena, carena;

static void *arena_alloc(void *ctx, size_t n)
{
    (void)ctx;
    if (narena == carena) {
        carena = carena ? carena * 2 : 256;
        arena = realloc(arena, carena * sizeof(*arena));
        cr_assert_not_null(arena);
    }
    return arena[narena++] = calloc(1, n);
}

static void release(void)
{
    for (size_t i = 0; i < narena; i++)
        free(arena[i]);
    free(arena);
    arena = NULL;
    narena = carena = 0;
}

static const jsonr_mem test_mem = {arena_alloc, NULL};

static int parse_value(const char *in, size_t len, pb_value **out)
{
    return jsonr_parse(in, len, &test_mem, out);
}

/* The top level must be of `kind`; its payload pointer goes to *out. */
static int parse_kind(const char *in, size_t len, int kind, void **out)
{
    pb_value *v;
    *out = NULL;
    if (parse_value(in, len, &v) != 0 || (int)v->kind_case != kind)
        return -1;
    *out = kind == KIND_STRUCT ? (void *)v->struct_value : (void *)v->list_value;
    return 0;
}

static int parse_struct(const char *in, size_t len, pb_struct **out)
{
    return parse_kind(in, len, KIND_STRUCT, (void **)out);
}

static int parse_list(const char *in, size_t len, pb_list **out)
{
    return parse_kind(in, len, KIND_LIST, (void **)out);
}

/* An array whose every element is an object. */
static int parse_struct_list(const char *in, size_t len, pb_struct ***items, size_t *n)
{
    pb_list *l;
    *items = NULL;
    *n = 0;
    if (parse_list(in, len, &l) != 0)
        return -1;
    pb_struct **arr = l->n_values ? arena_alloc(NULL, l->n_values * sizeof(*arr)) : NULL;
    for (size_t i = 0; i < l->n_values; i++) {
        if (l->values[i]->kind_case != KIND_STRUCT)
            return -1;
        arr[i] = l->values[i]->struct_value;
    }
    *items = arr;
    *n = l->n_values;
    return 0;
}

/*
 * Criterion reports a test before its process exits and ignores assertions in
 * .fini, so LeakSanitizer's exit report would fail nothing: every test ends
 * with this check instead.
 */
static void leak_check(void)
{
    release();
#if defined(__SANITIZE_ADDRESS__)
    cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "memory leaked (see stderr)");
#endif
}

static void free_msg(void *m)
{
    protobuf_c_message_free_unpacked(m, NULL);
}

static int json_text_equal(const char *a, const char *b)
{
    json_error_t err;
    size_t flags = JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL;
    json_t *x = json_loads(a, flags, &err), *y = json_loads(b, flags, &err);
    int eq = x != NULL && y != NULL && json_equal(x, y);

    json_decref(x);
    json_decref(y);
    return eq;
}

/* JSON -> Struct -> JSON must give exactly `want`. */
static void struct_rt(const char *in, const char *want)
{
    pb_struct *s = NULL;
    char *out = NULL;

    cr_assert_eq(parse_struct(in, strlen(in), &s), 0, "parse %s", in);
    cr_assert_not_null(s);
    cr_assert_eq(pbjson_from_struct(s, &out), 0, "print %s", in);
    cr_assert_str_eq(out, want);
    cr_assert(json_text_equal(in, out), "%s vs %s", in, out);
    free(out);
    release();
}

static void value_rt(const char *in, const char *want)
{
    pb_value *v = NULL;
    char *out = NULL;

    cr_assert_eq(parse_value(in, strlen(in), &v), 0, "parse %s", in);
    cr_assert_eq(pbjson_from_value(v, &out), 0, "print %s", in);
    cr_assert_str_eq(out, want);
    free(out);
    release();
}

static void struct_rejects(const char *in, size_t len)
{
    pb_struct *s = (pb_struct *)1;

    cr_assert_eq(parse_struct(in, len, &s), -1, "accepted %.*s", (int)len, in);
    cr_assert_null(s);
}

static void value_rejects(const char *in, size_t len)
{
    pb_value *v = (pb_value *)1;

    cr_assert_eq(parse_value(in, len, &v), -1, "accepted %.*s", (int)len, in);
    cr_assert_null(v);
}

static char *nested(const char *open, const char *close, int depth)
{
    size_t ol = strlen(open), cl = strlen(close);
    char *p = malloc((ol + cl) * (size_t)depth + 1), *q = p;

    cr_assert_not_null(p);
    for (int i = 0; i < depth; i++, q += ol)
        memcpy(q, open, ol);
    for (int i = 0; i < depth; i++, q += cl)
        memcpy(q, close, cl);
    *q = '\0';
    return p;
}

static void print_number(double d, char **out)
{
    pb_value v = GOOGLE__PROTOBUF__VALUE__INIT;

    v.kind_case = KIND_NUMBER;
    v.number_value = d;
    cr_assert_eq(pbjson_from_value(&v, out), 0, "print %a", d);
}

/* One significant digit fewer than out has must not round-trip. */
static void check_shortest(double d, const char *out)
{
    char tmp[400];
    int digits = 0, zeros = 0, lead = 1;

    for (const char *p = out; *p != '\0' && *p != 'e'; p++) {
        if (*p < '0' || *p > '9')
            continue;
        if (lead && *p == '0')
            continue;
        lead = 0;
        digits++;
        zeros = *p == '0' ? zeros + 1 : 0;
    }
    digits -= zeros;
    if (digits <= 1)
        return;
    snprintf(tmp, sizeof tmp, "%.*g", digits - 1, d);
    cr_assert_neq(strtod(tmp, NULL), d, "%s is shorter than %s", tmp, out);
}

static void value_print_rejects(const pb_value *v)
{
    char *out = (char *)1;

    cr_assert_eq(pbjson_from_value(v, &out), -1);
    cr_assert_null(out);
}

static void string_value(pb_value *v, const char *s)
{
    v->kind_case = KIND_STRING;
    v->string_value = (char *)s;
}

Test(pbjson, nested_objects)
{
    struct_rt("{\"a\":{\"b\":{\"c\":1,\"d\":\"x\"}},\"e\":{},\"f\":\"g\"}",
              "{\"a\":{\"b\":{\"c\":1,\"d\":\"x\"}},\"e\":{},\"f\":\"g\"}");
    struct_rt(" {\n\t\"z\" : 1 , \"a\" : 2 }\n", "{\"z\":1,\"a\":2}");
    leak_check();
}

Test(pbjson, lists_of_lists)
{
    struct_rt("{\"l\":[[1,2],[[]],[],[{\"x\":[true,false,null]}],[[[\"s\"]]]]}",
              "{\"l\":[[1,2],[[]],[],[{\"x\":[true,false,null]}],[[[\"s\"]]]]}");
    leak_check();
}

Test(pbjson, scalars_and_empties)
{
    struct_rt("{}", "{}");
    struct_rt("{\"t\":true,\"f\":false,\"n\":null,\"o\":{},\"a\":[],\"s\":\"\"}",
              "{\"t\":true,\"f\":false,\"n\":null,\"o\":{},\"a\":[],\"s\":\"\"}");
    value_rt("null", "null");
    value_rt("true", "true");
    value_rt(" 1.50 ", "1.5");
    value_rt("\"x\"", "\"x\"");
    value_rt("[]", "[]");
    value_rt("[1,{\"a\":[null]}]", "[1,{\"a\":[null]}]");
    leak_check();
}

Test(pbjson, parsed_tree_shape)
{
    const char *in = "{\"n\":null,\"b\":true,\"x\":-2.5,\"s\":\"hi\",\"o\":{},\"l\":[1]}";
    pb_struct *s;

    cr_assert_eq(parse_struct(in, strlen(in), &s), 0);
    cr_assert_eq(s->n_fields, 6);
    cr_assert_str_eq(s->fields[0]->key, "n");
    cr_assert_eq(s->fields[0]->value->kind_case, KIND_NULL);
    cr_assert_eq(s->fields[1]->value->kind_case, KIND_BOOL);
    cr_assert_eq(s->fields[1]->value->bool_value, 1);
    cr_assert_eq(s->fields[2]->value->kind_case, KIND_NUMBER);
    cr_assert_eq(s->fields[2]->value->number_value, -2.5);
    cr_assert_str_eq(s->fields[3]->value->string_value, "hi");
    cr_assert_eq(s->fields[4]->value->kind_case, KIND_STRUCT);
    cr_assert_eq(s->fields[4]->value->struct_value->n_fields, 0);
    cr_assert_eq(s->fields[5]->value->kind_case, KIND_LIST);
    cr_assert_eq(s->fields[5]->value->list_value->n_values, 1);
    release();
    leak_check();
}

Test(pbjson, numbers)
{
    const char *in = "{\"a\":0,\"b\":-0,\"c\":1,\"d\":-1,\"e\":1.5,\"f\":1e-7,\"g\":1e300,"
                     "\"h\":9007199254740992,\"i\":0.1,\"j\":-9007199254740992,\"k\":1E2,"
                     "\"l\":0.30000000000000004,\"m\":5e-324,\"n\":1.7976931348623157e308,"
                     "\"o\":9007199254740994,\"p\":1e21,\"q\":-1.25e-10,\"r\":100.0}";
    const char *want = "{\"a\":0,\"b\":-0,\"c\":1,\"d\":-1,\"e\":1.5,\"f\":1e-7,\"g\":1e+300,"
                       "\"h\":9007199254740992,\"i\":0.1,\"j\":-9007199254740992,\"k\":100,"
                       "\"l\":0.30000000000000004,\"m\":5e-324,\"n\":1.7976931348623157e+308,"
                       "\"o\":9007199254740994,\"p\":1e+21,\"q\":-1.25e-10,\"r\":100}";
    pb_struct *s;

    struct_rt(in, want);
    cr_assert_eq(parse_struct(in, strlen(in), &s), 0);
    cr_assert(signbit(s->fields[1]->value->number_value) != 0, "-0 keeps its sign");
    cr_assert(signbit(s->fields[0]->value->number_value) == 0);
    cr_assert_eq(s->fields[7]->value->number_value, 9007199254740992.0);
    cr_assert_eq(s->fields[8]->value->number_value, 0.1);
    release();
    leak_check();
}

Test(pbjson, big_integers_round_like_doubles)
{
    /* Beyond 2^53 (and beyond 2^63) an integer becomes the nearest double. */
    value_rt("9007199254740993", "9007199254740992");
    value_rt("123456789012345678901234567890", "1.2345678901234568e+29");
    value_rt("-18446744073709551616", "-1.8446744073709552e+19");
    value_rt("1e-400", "0");
    leak_check();
}

Test(pbjson, shortest_round_trip_of_random_doubles)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;
    char *out;

    for (int i = 0; i < 20000; i++) {
        double d, back;

        /* xorshift64: any bit pattern, so subnormals and huge exponents too */
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(&d, &x, sizeof d);
        if (!isfinite(d))
            continue;
        print_number(d, &out);
        back = strtod(out, NULL);
        cr_assert(memcmp(&back, &d, sizeof d) == 0, "%s is not %a", out, d);
        check_shortest(d, out);
        free(out);
    }
    print_number(1.0 / 3.0, &out);
    cr_assert_str_eq(out, "0.3333333333333333");
    free(out);
    print_number(123456.7, &out);
    cr_assert_str_eq(out, "123456.7");
    free(out);
    print_number(0.0001, &out);
    cr_assert_str_eq(out, "0.0001");
    free(out);
    leak_check();
}

Test(pbjson, unicode)
{
    struct_rt("{\"é\":\"日本\",\"e\":\"\xf0\x9f\x98\x80\"}",
              "{\"é\":\"日本\",\"e\":\"\xf0\x9f\x98\x80\"}");
    /* escapes in input come back as plain UTF-8 */
    struct_rt("{\"\\u00e9\":\"\\u00e9\\ud83d\\ude00\\u65e5\"}",
              "{\"é\":\"é\xf0\x9f\x98\x80\xe6\x97\xa5\"}");
    /* only '"', '\' and control characters (DEL among them, as jsonlog
     * escapes it: one escaper) are escaped; '/' is not */
    struct_rt("{\"k\\\"\":\"a\\\"b\\\\c\\/d\\n\\t\\r\\b\\f\\u0001\\u001f\x7f\"}",
              "{\"k\\\"\":\"a\\\"b\\\\c/d\\n\\t\\r\\b\\f\\u0001\\u001f\\u007f\"}");
    leak_check();
}

Test(pbjson, duplicate_keys_last_wins)
{
    pb_struct *s;
    char *out;

    struct_rt("{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":3,\"b\":2}");
    cr_assert_eq(parse_struct("{\"a\":1,\"a\":{}}", 14, &s), 0);
    cr_assert_eq(s->n_fields, 1);
    cr_assert_eq(s->fields[0]->value->kind_case, KIND_STRUCT);
    cr_assert_eq(pbjson_from_struct(s, &out), 0);
    cr_assert_str_eq(out, "{\"a\":{}}");
    free(out);
    release();
    leak_check();
}

/* More keys than the pairwise check handles: the sorted path must merge
 * every repeat (first position, last value) and keep the order; jsonb's
 * own order (shorter keys first, then bytewise) is taken as distinct. */
Test(pbjson, duplicate_keys_in_large_objects)
{
    char in[1024], want[1024];
    size_t a = 0, b = 0;
    a += (size_t)snprintf(in + a, sizeof(in) - a, "{");
    b += (size_t)snprintf(want + b, sizeof(want) - b, "{");
    for (int i = 0; i < 24; i++) {
        /* k0..k23, then k3 and k7 again (twice for k3) with new values */
        a += (size_t)snprintf(in + a, sizeof(in) - a, "%s\"k%d\":%d", i ? "," : "", i, i);
        int v = i == 3 ? 300 : i == 7 ? 700 : i;
        b += (size_t)snprintf(want + b, sizeof(want) - b, "%s\"k%d\":%d", i ? "," : "", i, v);
    }
    snprintf(in + a, sizeof(in) - a, ",\"k3\":30,\"k7\":700,\"k3\":300}");
    snprintf(want + b, sizeof(want) - b, "}");
    struct_rt(in, want);

    /* jsonb order: distinct by construction, kept as is */
    struct_rt("{\"b\":1,\"aa\":2,\"ab\":3,\"abc\":4}", "{\"b\":1,\"aa\":2,\"ab\":3,\"abc\":4}");
    /* equal length, not ascending: still checked */
    struct_rt("{\"ab\":1,\"aa\":2,\"ab\":3}", "{\"ab\":3,\"aa\":2}");
    leak_check();
}

Test(pbjson, hand_built_struct)
{
    pb_value v[6] = {GOOGLE__PROTOBUF__VALUE__INIT, GOOGLE__PROTOBUF__VALUE__INIT,
                     GOOGLE__PROTOBUF__VALUE__INIT, GOOGLE__PROTOBUF__VALUE__INIT,
                     GOOGLE__PROTOBUF__VALUE__INIT, GOOGLE__PROTOBUF__VALUE__INIT};
    pb_entry e[6] = {
        GOOGLE__PROTOBUF__STRUCT__FIELDS_ENTRY__INIT, GOOGLE__PROTOBUF__STRUCT__FIELDS_ENTRY__INIT,
        GOOGLE__PROTOBUF__STRUCT__FIELDS_ENTRY__INIT, GOOGLE__PROTOBUF__STRUCT__FIELDS_ENTRY__INIT,
        GOOGLE__PROTOBUF__STRUCT__FIELDS_ENTRY__INIT, GOOGLE__PROTOBUF__STRUCT__FIELDS_ENTRY__INIT};
    pb_entry *ep[6] = {&e[0], &e[1], &e[2], &e[3], &e[4], &e[5]};
    pb_value *items[2] = {&v[3], &v[4]};
    pb_list list = GOOGLE__PROTOBUF__LIST_VALUE__INIT;
    pb_struct s = GOOGLE__PROTOBUF__STRUCT__INIT, empty = GOOGLE__PROTOBUF__STRUCT__INIT;
    char *out;

    string_value(&v[0], "tab\there");
    v[1].kind_case = KIND_NUMBER;
    v[1].number_value = 42;
    v[2].kind_case = KIND_STRUCT;
    v[2].struct_value = &empty;
    v[3].kind_case = KIND_BOOL;
    v[3].bool_value = 1;
    v[4].kind_case = KIND_NULL;
    v[5].kind_case = KIND_LIST;
    v[5].list_value = &list;
    list.n_values = 2;
    list.values = items;
    e[0].key = "name";
    e[0].value = &v[0];
    e[1].key = "count";
    e[1].value = &v[1];
    e[2].key = NULL; /* protobuf-c packs it as "" */
    e[2].value = &v[2];
    e[3].key = "list";
    e[3].value = &v[5];
    e[4].key = "name"; /* a repeated map key: the later entry wins, in its place */
    e[4].value = &v[1];
    e[5].key = "z";
    e[5].value = &v[4];
    s.n_fields = 6;
    s.fields = ep;
    cr_assert_eq(pbjson_from_struct(&s, &out), 0);
    cr_assert_str_eq(out, "{\"count\":42,\"\":{},\"list\":[true,null],\"name\":42,\"z\":null}");
    free(out);

    s.n_fields = 2;
    cr_assert_eq(pbjson_from_struct(&s, &out), 0);
    cr_assert_str_eq(out, "{\"name\":\"tab\\there\",\"count\":42}");
    free(out);

    cr_assert_eq(pbjson_from_struct(NULL, &out), 0);
    cr_assert_str_eq(out, "{}");
    free(out);
    cr_assert_eq(pbjson_from_list(&list, &out), 0);
    cr_assert_str_eq(out, "[true,null]");
    free(out);
    cr_assert_eq(pbjson_from_list(NULL, &out), 0);
    cr_assert_str_eq(out, "[]");
    free(out);

    /* NULL submessages and strings read as their protobuf defaults */
    v[2].struct_value = NULL;
    v[5].list_value = NULL;
    v[0].string_value = NULL;
    s.n_fields = 4;
    cr_assert_eq(pbjson_from_struct(&s, &out), 0);
    cr_assert_str_eq(out, "{\"name\":\"\",\"count\":42,\"\":{},\"list\":[]}");
    free(out);
    leak_check();
}

Test(pbjson, through_the_wire)
{
    const char *in = "{\"a\":{\"b\":[1,-0,1.5,1e-7,1e300,0.1,\"日本\",null,true,{}]},"
                     "\"\\u00e9\":\"\\ud83d\\ude00\",\"z\":[[[]]],\"n\":null}";
    pb_struct *s, *u;
    char *first, *second;
    uint8_t *buf;
    size_t len;

    cr_assert_eq(parse_struct(in, strlen(in), &s), 0);
    len = protobuf_c_message_get_packed_size(&s->base);
    buf = malloc(len);
    cr_assert_not_null(buf);
    cr_assert_eq(protobuf_c_message_pack(&s->base, buf), len);
    u = (pb_struct *)protobuf_c_message_unpack(&google__protobuf__struct__descriptor, NULL, len,
                                               buf);
    cr_assert_not_null(u);
    cr_assert_eq(pbjson_from_struct(s, &first), 0);
    cr_assert_eq(pbjson_from_struct(u, &second), 0);
    cr_assert(json_text_equal(in, second), "%s", second);
    /* protobuf-c keeps map entries in wire order, so even the text is the same */
    cr_assert_str_eq(first, second);
    free(first);
    free(second);
    free(buf);
    free_msg(u);
    release();
    leak_check();
}

Test(pbjson, struct_lists)
{
    const char *in = "[{\"a\":1},{},{\"b\":[{\"c\":null}]}]";
    pb_struct **items, *none[2] = {NULL, NULL};
    size_t n;
    char *out;

    cr_assert_eq(parse_struct_list(in, strlen(in), &items, &n), 0);
    cr_assert_eq(n, 3);
    cr_assert_eq(items[0]->n_fields, 1);
    cr_assert_eq(items[1]->n_fields, 0);
    cr_assert_eq(pbjson_from_struct_list(items, n, &out), 0);
    cr_assert_str_eq(out, in);
    free(out);
    release();

    cr_assert_eq(parse_struct_list(" [ ] ", 5, &items, &n), 0);
    cr_assert_eq(n, 0);
    cr_assert_null(items);
    cr_assert_eq(pbjson_from_struct_list(NULL, 0, &out), 0);
    cr_assert_str_eq(out, "[]");
    free(out);
    cr_assert_eq(pbjson_from_struct_list(none, 2, &out), 0);
    cr_assert_str_eq(out, "[{},{}]");
    free(out);

    items = (pb_struct **)1;
    n = 7;
    /* not an array of objects; the objects already built are freed */
    cr_assert_eq(parse_struct_list("[{\"a\":[1]},{},1]", 16, &items, &n), -1);
    cr_assert_null(items);
    cr_assert_eq(n, 0);
    cr_assert_eq(parse_struct_list("{}", 2, &items, &n), -1);
    cr_assert_eq(parse_struct_list("[[]]", 4, &items, &n), -1);
    cr_assert_eq(parse_struct_list("[null]", 6, &items, &n), -1);
    cr_assert_eq(pbjson_from_struct_list(NULL, 1, &out), -1);
    leak_check();
}

Test(pbjson, list_values)
{
    pb_list *l;
    char *out;

    cr_assert_eq(parse_list("[1,[2],{\"a\":\"b\"}]", 17, &l), 0);
    cr_assert_eq(l->n_values, 3);
    cr_assert_eq(pbjson_from_list(l, &out), 0);
    cr_assert_str_eq(out, "[1,[2],{\"a\":\"b\"}]");
    free(out);
    release();
    l = (pb_list *)1;
    cr_assert_eq(parse_list("{}", 2, &l), -1);
    cr_assert_null(l);
    leak_check();
}

Test(pbjson, rejects_wrong_or_invalid_json)
{
    static const char *const bad[] = {
        "[]", "1", "\"x\"", "null", "true", "", " ", "{", "{\"a\":}", "{\"a\":1,}", "{} {}", "{}x",
        "{'a':1}", "{a:1}", "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":1e400}", "{\"a\":-1e400}",
        "{\"a\":01}", "{\"a\":.5}", "{\"a\":\"\\x\"}",
        /* \u0000 and lone or reversed surrogates */
        "{\"a\":\"x\\u0000y\"}", "{\"a\\u0000b\":1}", "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\\ude00\\ud83d\"}", "{\"a\":\"\\ud83dx\"}",
        /* raw control characters in a string */
        "{\"a\":\"\n\"}",
        /* invalid UTF-8: stray continuation, overlong '/', encoded surrogate,
         * above U+10FFFF, truncated, 0xFF */
        "{\"a\":\"\x80\"}", "{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xed\xa0\x80\"}",
        "{\"a\":\"\xf4\x90\x80\x80\"}", "{\"a\":\"\xe6\x97\"}", "{\"\xff\":1}"};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        struct_rejects(bad[i], strlen(bad[i]));
    struct_rejects("{\"a\":\"x\0y\"}", 11); /* a raw NUL byte */
    struct_rejects("{}\0", 3);
    struct_rejects(NULL, 0);
    value_rejects("", 0);
    value_rejects("1 2", 3);
    value_rejects("nul", 3);
    leak_check();
}

Test(pbjson, honours_len)
{
    pb_value *v;

    /* no NUL needed, nothing read past len */
    cr_assert_eq(parse_value("[1]]]", 3, &v), 0);
    cr_assert_eq(v->kind_case, KIND_LIST);
    release();
    leak_check();
}

Test(pbjson, input_depth_limit)
{
    char *ok = nested("{\"a\":", "}", JSONR_MAX_DEPTH - 1), *deep, *buf;
    pb_struct *s;
    pb_struct **items;
    size_t n;

    /* JSONR_MAX_DEPTH objects: the outer one plus 63 nested */
    buf = malloc(strlen(ok) + 3);
    cr_assert_not_null(buf);
    sprintf(buf, "%.*s{}%s", JSONR_MAX_DEPTH * 5 - 5, ok, ok + (JSONR_MAX_DEPTH - 1) * 5);
    cr_assert_eq(parse_struct(buf, strlen(buf), &s), 0, "%s", buf);
    release();
    free(ok);
    free(buf);

    deep = nested("{\"a\":", "}", JSONR_MAX_DEPTH);
    buf = malloc(strlen(deep) + 3);
    cr_assert_not_null(buf);
    sprintf(buf, "%.*s{}%s", JSONR_MAX_DEPTH * 5, deep, deep + JSONR_MAX_DEPTH * 5);
    struct_rejects(buf, strlen(buf)); /* 65 */
    free(buf);
    free(deep);

    ok = nested("[", "]", JSONR_MAX_DEPTH);
    value_rt(ok, ok);
    free(ok);
    deep = nested("[", "]", JSONR_MAX_DEPTH + 1);
    value_rejects(deep, strlen(deep));
    free(deep);

    /* a struct list: the array is the first level */
    deep = nested("{\"a\":", "}", JSONR_MAX_DEPTH - 2);
    buf = malloc(strlen(deep) + 5);
    cr_assert_not_null(buf);
    sprintf(buf, "[%.*s{}%s]", (JSONR_MAX_DEPTH - 2) * 5, deep, deep + (JSONR_MAX_DEPTH - 2) * 5);
    cr_assert_eq(parse_struct_list(buf, strlen(buf), &items, &n), 0); /* 64 */
    release();
    free(buf);
    free(deep);
    deep = nested("{\"a\":", "}", JSONR_MAX_DEPTH - 1);
    buf = malloc(strlen(deep) + 5);
    cr_assert_not_null(buf);
    sprintf(buf, "[%.*s{}%s]", (JSONR_MAX_DEPTH - 1) * 5, deep, deep + (JSONR_MAX_DEPTH - 1) * 5);
    cr_assert_eq(parse_struct_list(buf, strlen(buf), &items, &n), -1); /* 65 */
    free(buf);
    free(deep);

    /* far beyond: jansson's own limit stops it without deep recursion */
    deep = nested("[", "]", 100000);
    value_rejects(deep, strlen(deep));
    free(deep);
    leak_check();
}

Test(pbjson, output_depth_limit)
{
    enum { LEVELS = PBJSON_MAX_DEPTH + 1 };
    pb_struct s[LEVELS];
    pb_entry e[LEVELS];
    pb_entry *ep[LEVELS];
    pb_value v[LEVELS];
    char *out;

    for (int i = 0; i < LEVELS; i++) {
        google__protobuf__struct__init(&s[i]);
        google__protobuf__struct__fields_entry__init(&e[i]);
        google__protobuf__value__init(&v[i]);
        ep[i] = &e[i];
        e[i].key = "a";
        e[i].value = &v[i];
        v[i].kind_case = KIND_STRUCT;
        v[i].struct_value = i + 1 < LEVELS ? &s[i + 1] : NULL;
        s[i].n_fields = 1;
        s[i].fields = &ep[i];
    }
    /* s[0] holds 64 more levels of structs: 65 in all */
    s[LEVELS - 1].n_fields = 0;
    cr_assert_eq(pbjson_from_struct(&s[0], &out), -1);
    cr_assert_null(out);
    cr_assert_eq(pbjson_from_struct(&s[1], &out), 0);
    cr_assert_eq(strlen(out), (size_t)(PBJSON_MAX_DEPTH - 1) * 6 + 2);
    free(out);
    /* a cycle is only ever too deep */
    v[3].struct_value = &s[0];
    cr_assert_eq(pbjson_from_struct(&s[0], &out), -1);
    leak_check();
}

Test(pbjson, rejects_non_finite_numbers)
{
    static const double bad[] = {NAN, -NAN, INFINITY, -INFINITY};
    pb_value v = GOOGLE__PROTOBUF__VALUE__INIT;

    v.kind_case = KIND_NUMBER;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v.number_value = bad[i];
        value_print_rejects(&v);
    }
    leak_check();
}

Test(pbjson, rejects_kind_not_set)
{
    pb_value unset = GOOGLE__PROTOBUF__VALUE__INIT, odd = GOOGLE__PROTOBUF__VALUE__INIT;
    pb_value *items[1] = {&unset};
    pb_list list = GOOGLE__PROTOBUF__LIST_VALUE__INIT;
    pb_entry e = GOOGLE__PROTOBUF__STRUCT__FIELDS_ENTRY__INIT, *ep = &e;
    pb_struct s = GOOGLE__PROTOBUF__STRUCT__INIT;
    char *out = (char *)1;

    value_print_rejects(&unset);
    value_print_rejects(NULL);
    odd.kind_case = (Google__Protobuf__Value__KindCase)7;
    value_print_rejects(&odd);
    list.n_values = 1;
    list.values = items;
    cr_assert_eq(pbjson_from_list(&list, &out), -1);
    cr_assert_null(out);
    e.key = "k";
    e.value = &unset;
    s.n_fields = 1;
    s.fields = &ep;
    cr_assert_eq(pbjson_from_struct(&s, &out), -1);
    e.value = NULL; /* an entry on the wire without its value */
    cr_assert_eq(pbjson_from_struct(&s, &out), -1);
    ep = NULL;
    cr_assert_eq(pbjson_from_struct(&s, &out), -1);
    leak_check();
}

Test(pbjson, rejects_invalid_utf8_on_output)
{
    static const char *const bad[] = {
        "\x80",     "a\xc0\xaf", "\xc1\xbf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
        "\xe6\x97", "\xe6",      "\xff",     "\xf0\x9f\x98", "\xf8\x88\x80\x80\x80"};
    static const char *const good[] = {"\xc2\x80",     "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf",
                                       "\xed\x9f\xbf", "\xee\x80\x80", "\xf0\x90\x80\x80"};
    pb_value v = GOOGLE__PROTOBUF__VALUE__INIT;
    pb_entry e = GOOGLE__PROTOBUF__STRUCT__FIELDS_ENTRY__INIT, *ep = &e;
    pb_struct s = GOOGLE__PROTOBUF__STRUCT__INIT;
    char *out;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        string_value(&v, bad[i]);
        value_print_rejects(&v);
    }
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        string_value(&v, good[i]);
        cr_assert_eq(pbjson_from_value(&v, &out), 0, "%zu", i);
        cr_assert_eq(strlen(out), strlen(good[i]) + 2);
        free(out);
    }
    string_value(&v, "ok");
    e.key = "\xe6\x97";
    e.value = &v;
    s.n_fields = 1;
    s.fields = &ep;
    cr_assert_eq(pbjson_from_struct(&s, &out), -1);
    leak_check();
}

/* jsonr_parse keeps the last of a repeated key; jsonr_parse_unique refuses
 * the text, at any depth; jsonr_member finds what either kept. */
Test(jsonr, unique_and_member)
{
    static const char dup_top[] = "{\"a\":1,\"b\":\"x\",\"a\":2}";
    static const char dup_deep[] = "{\"a\":[{\"k\":1,\"k\":1}]}";
    static const char once[] = "{\"a\":[{\"k\":1,\"j\":1}],\"s\":\"t\",\"n\":null}";
    pb_value *v;

    cr_assert_eq(jsonr_parse(dup_top, strlen(dup_top), &test_mem, &v), 0);
    cr_assert_eq(v->kind_case, GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE);
    const pb_value *a = jsonr_member(v->struct_value, "a");
    cr_assert_not_null(a);
    cr_assert_eq(a->number_value, 2.0);
    cr_assert_str_eq(jsonr_member_string(v->struct_value, "b"), "x");
    cr_assert_null(jsonr_member_string(v->struct_value, "a"), "a number is not a string");
    cr_assert_null(jsonr_member(v->struct_value, "c"));
    cr_assert_null(jsonr_member(NULL, "a"));

    cr_assert_eq(jsonr_parse_unique(dup_top, strlen(dup_top), &test_mem, &v), -1);
    cr_assert_null(v);
    cr_assert_eq(jsonr_parse_unique(dup_deep, strlen(dup_deep), &test_mem, &v), -1);
    cr_assert_eq(jsonr_parse(dup_deep, strlen(dup_deep), &test_mem, &v), 0);
    cr_assert_eq(jsonr_parse_unique(once, strlen(once), &test_mem, &v), 0);
    cr_assert_str_eq(jsonr_member_string(v->struct_value, "s"), "t");
    cr_assert_eq(jsonr_member(v->struct_value, "n")->kind_case,
                 GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE);
    leak_check();
}
