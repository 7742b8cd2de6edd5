/*
 * fuzz_pbjson - a google.protobuf.Value as a caller sends it (any Struct
 * field of a request), written as JSON text by pbjson (what the services
 * store in jsonb), then read back by jsonr (what they read from jsonb).
 *
 * Feeds: the input as the wire bytes of a Value; only what pbguard_check
 * (the runtime's limits) lets through is unpacked, as callreq.c does.
 * Asserts:
 *  - pbjson_from_value succeeds exactly when the tree is writable: every
 *    kind set, every entry with a value, numbers finite, strings and keys
 *    well-formed UTF-8 (by a reference decoder), at most PBJSON_MAX_DEPTH
 *    containers; entries whose key comes again later are not written and
 *    so not checked; 0 comes with text, -1 with NULL;
 *  - pbjson_from_struct / pbjson_from_list / pbjson_from_struct_list of
 *    the same container write the same text;
 *  - jsonr reads the text back (a document a client stored can always be
 *    read), to the tree the Value means (a repeated key: its last entry, at
 *    its own position; numbers bit for bit), and pbjson writes it again as
 *    the same text.
 */
#include "fuzz.h"

#include <math.h>
#include <stdbool.h>

#include "arena.h"
#include "jsonr.h"
#include "pbguard.h"
#include "pbjson.h"

typedef Google__Protobuf__Value pb_value;
typedef Google__Protobuf__Struct pb_struct;
typedef Google__Protobuf__ListValue pb_list;

static bool good_text(const char *s)
{
    return s != NULL && fuzz_utf8_chars((const unsigned char *)s, strlen(s)) >= 0;
}

/* Whether entry i's key comes again later (the later entry wins, this one
 * is not written at all). */
static bool superseded(const pb_struct *s, size_t i)
{
    for (size_t j = i + 1; j < s->n_fields; j++)
        if (strcmp(s->fields[i]->key, s->fields[j]->key) == 0)
            return true;
    return false;
}

/* Whether pbjson can write v, which sits inside `depth` containers. */
static bool writable(const pb_value *v, int depth)
{
    if (v == NULL)
        return false;
    switch (v->kind_case) {
    case GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE:
    case GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE:
        return true;
    case GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE:
        return isfinite(v->number_value);
    case GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE:
        return good_text(v->string_value);
    case GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE: {
        const pb_struct *s = v->struct_value;
        if (depth + 1 > PBJSON_MAX_DEPTH)
            return false;
        for (size_t i = 0; i < s->n_fields; i++)
            if (!superseded(s, i) &&
                (!good_text(s->fields[i]->key) || !writable(s->fields[i]->value, depth + 1)))
                return false;
        return true;
    }
    case GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE: {
        const pb_list *l = v->list_value;
        if (depth + 1 > PBJSON_MAX_DEPTH)
            return false;
        for (size_t i = 0; i < l->n_values; i++)
            if (!writable(l->values[i], depth + 1))
                return false;
        return true;
    }
    default:
        return false;
    }
}

/* b (read back from the JSON) is what a means: the same kinds and scalars,
 * and for a struct, a's entries less those whose key comes again later. */
static bool means(const pb_value *a, const pb_value *b)
{
    if (a->kind_case != b->kind_case)
        return false;
    switch (a->kind_case) {
    case GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE:
        return true;
    case GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE:
        return !a->bool_value == !b->bool_value;
    case GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE:
        return memcmp(&a->number_value, &b->number_value, sizeof(double)) == 0;
    case GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE:
        return strcmp(a->string_value, b->string_value) == 0;
    case GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE: {
        const pb_struct *x = a->struct_value, *y = b->struct_value;
        size_t k = 0;
        for (size_t i = 0; i < x->n_fields; i++) {
            if (superseded(x, i))
                continue;
            if (k >= y->n_fields || strcmp(x->fields[i]->key, y->fields[k]->key) != 0 ||
                !means(x->fields[i]->value, y->fields[k]->value))
                return false;
            k++;
        }
        return k == y->n_fields;
    }
    case GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE: {
        const pb_list *x = a->list_value, *y = b->list_value;
        if (x->n_values != y->n_values)
            return false;
        for (size_t i = 0; i < x->n_values; i++)
            if (!means(x->values[i], y->values[i]))
                return false;
        return true;
    }
    default:
        return false;
    }
}

static void *arena_mem(void *ctx, size_t n)
{
    return arena_alloc(ctx, n);
}

static void same_text(int rc, char *text, const char *want)
{
    FUZZ_CHECK(rc == 0 && text != NULL);
    FUZZ_CHECK(strcmp(text, want) == 0);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const pbguard_limits lim = {PBGUARD_MAX_DEPTH, PBGUARD_MAX_NODES};
    char field[128];
    if (pbguard_check(&google__protobuf__value__descriptor, data, size, &lim, field,
                      sizeof(field)) != PBGUARD_OK)
        return 0;
    pb_value *v = google__protobuf__value__unpack(NULL, size, data);
    if (v == NULL)
        return 0;

    char *text = (char *)v;
    int rc = pbjson_from_value(v, &text);
    FUZZ_CHECK(rc == 0 || rc == -1);
    FUZZ_CHECK((rc == 0) == (text != NULL));
    FUZZ_CHECK((rc == 0) == writable(v, 0));

    if (rc == 0) {
        char *t = NULL;
        if (v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE) {
            same_text(pbjson_from_struct(v->struct_value, &t), t, text);
        } else if (v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE) {
            const pb_list *l = v->list_value;
            same_text(pbjson_from_list(l, &t), t, text);
            Google__Protobuf__Struct **items = malloc((l->n_values + 1) * sizeof(*items));
            FUZZ_CHECK(items != NULL);
            size_t n = 0;
            while (n < l->n_values &&
                   l->values[n]->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE) {
                items[n] = l->values[n]->struct_value;
                n++;
            }
            if (n == l->n_values)
                same_text(pbjson_from_struct_list(items, n, &t), t, text);
            free(items);
        }

        arena *a = NULL;
        const jsonr_mem mem = {arena_mem, &a};
        pb_value *back = NULL;
        FUZZ_CHECK(jsonr_parse(text, strlen(text), &mem, &back) == 0);
        FUZZ_CHECK(means(v, back));
        char *again = NULL;
        same_text(pbjson_from_value(back, &again), again, text);
        arena_free(&a);
    }
    free(text);
    google__protobuf__value__free_unpacked(v, NULL);
    return 0;
}
