/*
 * tjson.c - Struct fixtures from JSON text (see tjson.h).
 */
#include "tjson.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static Google__Protobuf__Struct *object(json_t *obj);
static Google__Protobuf__Value *value(json_t *j);
static char *copy(const char *s, size_t n);

Google__Protobuf__Struct *tj_struct(const char *json)
{
    json_t *root = json_loads(json, JSON_DECODE_INT_AS_REAL, NULL);
    Google__Protobuf__Struct *s = json_is_object(root) ? object(root) : NULL;
    json_decref(root);
    return s;
}

/* Partial trees stay freeable: a count grows only once its slot is filled. */
static Google__Protobuf__Struct *object(json_t *obj)
{
    Google__Protobuf__Struct *s = malloc(sizeof(*s));
    if (!s)
        return NULL;
    google__protobuf__struct__init(s);
    size_t n = json_object_size(obj);
    if (n && !(s->fields = calloc(n, sizeof(*s->fields))))
        goto fail;
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        Google__Protobuf__Struct__FieldsEntry *e = malloc(sizeof(*e));
        if (!e)
            goto fail;
        google__protobuf__struct__fields_entry__init(e);
        s->fields[s->n_fields++] = e;
        if (!(e->key = copy(key, strlen(key))) || !(e->value = value(v)))
            goto fail;
    }
    return s;
fail:
    protobuf_c_message_free_unpacked(&s->base, NULL);
    return NULL;
}

static Google__Protobuf__Value *value(json_t *j)
{
    Google__Protobuf__Value *v = malloc(sizeof(*v));
    if (!v)
        return NULL;
    google__protobuf__value__init(v);
    int ok = 1;
    switch (json_typeof(j)) {
    case JSON_NULL:
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE;
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE;
        v->bool_value = json_is_true(j);
        break;
    case JSON_INTEGER:
    case JSON_REAL:
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
        v->number_value = json_number_value(j);
        break;
    case JSON_STRING:
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
        ok = (v->string_value = copy(json_string_value(j), json_string_length(j))) != NULL;
        break;
    case JSON_OBJECT:
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
        ok = (v->struct_value = object(j)) != NULL;
        break;
    case JSON_ARRAY: {
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE;
        Google__Protobuf__ListValue *l = v->list_value = malloc(sizeof(*l));
        if (!l) {
            ok = 0;
            break;
        }
        google__protobuf__list_value__init(l);
        size_t n = json_array_size(j);
        if (n && !(l->values = calloc(n, sizeof(*l->values)))) {
            ok = 0;
            break;
        }
        for (size_t i = 0; i < n && ok; i++)
            ok = (l->values[l->n_values] = value(json_array_get(j, i))) != NULL && ++l->n_values;
        break;
    }
    }
    if (!ok) {
        protobuf_c_message_free_unpacked(&v->base, NULL);
        return NULL;
    }
    return v;
}

static char *copy(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}
