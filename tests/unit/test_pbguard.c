/* Unit tests for pbguard: depth, node and NUL limits on wire bytes, built by
 * hand so that the shapes protobuf-c itself cannot survive can be tried. */
#include "pbguard.h"
#include "pbwire.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdlib.h>
#include <string.h>

#include "cameos/content/v1/content.pb-c.h"
#include "cameos/credits/v1/credits.pb-c.h"
#include "cameos/planning/v1/planning.pb-c.h"
#include "google/protobuf/descriptor.pb-c.h"
#include "google/protobuf/struct.pb-c.h"

static pbguard_verdict check(const ProtobufCMessageDescriptor *d, pbwire w, unsigned depth,
                             size_t nodes, char *field)
{
    pbguard_limits lim = {depth, nodes};
    return pbguard_check(d, w.p, w.len, &lim, field, 128);
}

Test(pbguard, struct_depth_counts_objects_not_wrappers)
{
    char field[128];
    /* The request (here the Struct itself) is level 0: 65 objects fit 64. */
    pbwire ok = pbwire_nested_struct(65), deep = pbwire_nested_struct(66);
    cr_assert_eq(check(&google__protobuf__struct__descriptor, ok, 64, 1u << 20, field), PBGUARD_OK);
    cr_assert_eq(check(&google__protobuf__struct__descriptor, deep, 64, 1u << 20, field),
                 PBGUARD_TOO_DEEP);
    cr_assert_str_eq(field, "fields");
    /* protobuf-c agrees that what passed is a well-formed Struct. */
    ProtobufCMessage *m =
        protobuf_c_message_unpack(&google__protobuf__struct__descriptor, NULL, ok.len, ok.p);
    cr_assert_not_null(m);
    protobuf_c_message_free_unpacked(m, NULL);
    free(ok.p);
    free(deep.p);
}

Test(pbguard, list_depth)
{
    char field[128];
    pbwire ok = pbwire_nested_list(65), deep = pbwire_nested_list(66);
    cr_assert_eq(check(&google__protobuf__list_value__descriptor, ok, 64, 1u << 20, field),
                 PBGUARD_OK);
    cr_assert_eq(check(&google__protobuf__list_value__descriptor, deep, 64, 1u << 20, field),
                 PBGUARD_TOO_DEEP);
    cr_assert_str_eq(field, "values");
    free(ok.p);
    free(deep.p);
}

/* The shape that crashed content: 5,000 levels in a real request, refused
 * without recursing past the limit (a crash here fails the test). */
Test(pbguard, deep_request_names_the_top_field)
{
    char field[128];
    const ProtobufCFieldDescriptor *sd = protobuf_c_message_descriptor_get_field_by_name(
        &cameos__content__v1__style_preset__descriptor, "style_data");
    cr_assert_not_null(sd);
    pbwire w = pbwire_nested_struct(5000);
    pbwire_wrap(&w, sd->id, NULL, 0); /* StylePreset.style_data */
    pbwire_wrap(&w, 1, NULL, 0);      /* CreateStylePresetRequest.style_preset */
    cr_assert_eq(check(&cameos__content__v1__create_style_preset_request__descriptor, w, 64,
                       PBGUARD_MAX_NODES, field),
                 PBGUARD_TOO_DEEP);
    cr_assert_str_eq(field, "style_preset");
    char msg[256];
    pbguard_limits lim = {64, PBGUARD_MAX_NODES};
    pbguard_message(PBGUARD_TOO_DEEP, field, &lim, msg, sizeof(msg));
    cr_assert_str_eq(msg, "style_preset: messages nested deeper than 64 levels");
    free(w.p);
}

Test(pbguard, node_limit_counts_repeated_elements)
{
    char field[128];
    /* n null Values in a ListValue: "\x0a\x02\x08\x00" each. */
    for (size_t n = 9; n <= 11; n++) {
        pbwire w = {malloc(4 * n), 4 * n};
        for (size_t i = 0; i < n; i++)
            memcpy(w.p + 4 * i, "\x0a\x02\x08\x00", 4);
        pbguard_verdict v = check(&google__protobuf__list_value__descriptor, w, 64, 10, field);
        cr_assert_eq(v, n <= 10 ? PBGUARD_OK : PBGUARD_TOO_MANY, "n=%zu", n);
        if (n > 10)
            cr_assert_str_eq(field, "values");
        free(w.p);
    }
}

Test(pbguard, node_limit_counts_packed_and_unknown)
{
    char field[128];
    /* SourceCodeInfo.Location.path is packed int32: 12 one-byte varints. */
    uint8_t packed[] = {0x0a, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    pbwire w = {packed, sizeof(packed)};
    cr_assert_eq(check(&google__protobuf__source_code_info__location__descriptor, w, 64, 13, field),
                 PBGUARD_OK);
    cr_assert_eq(check(&google__protobuf__source_code_info__location__descriptor, w, 64, 12, field),
                 PBGUARD_TOO_MANY);
    cr_assert_str_eq(field, "path");
    /* Unknown field 15 (varint) three times: three nodes. */
    uint8_t unknown[] = {0x78, 1, 0x78, 2, 0x78, 3};
    pbwire u = {unknown, sizeof(unknown)};
    cr_assert_eq(check(&google__protobuf__struct__descriptor, u, 64, 3, field), PBGUARD_OK);
    cr_assert_eq(check(&google__protobuf__struct__descriptor, u, 64, 2, field), PBGUARD_TOO_MANY);
}

Test(pbguard, nul_in_strings_names_the_path)
{
    char field[128];
    /* {"a\0b": null} */
    uint8_t key_nul[] = {0x0a, 0x09, 0x0a, 0x03, 'a', 0, 'b', 0x12, 0x02, 0x08, 0x00};
    pbwire k = {key_nul, sizeof(key_nul)};
    cr_assert_eq(check(&google__protobuf__struct__descriptor, k, 64, 100, field), PBGUARD_NUL);
    cr_assert_str_eq(field, "fields.key");
    /* {"a": "x\0"} */
    uint8_t val_nul[] = {0x0a, 0x09, 0x0a, 0x01, 'a', 0x12, 0x04, 0x1a, 0x02, 'x', 0};
    pbwire v = {val_nul, sizeof(val_nul)};
    cr_assert_eq(check(&google__protobuf__struct__descriptor, v, 64, 100, field), PBGUARD_NUL);
    cr_assert_str_eq(field, "fields.value.string_value");
    /* bytes may hold NUL: FieldDescriptorProto has none, FileDescriptorSet
     * neither; BytesValue-like: UninterpretedOption.string_value (bytes, 7). */
    uint8_t bytes_nul[] = {0x3a, 0x02, 0, 0};
    pbwire b = {bytes_nul, sizeof(bytes_nul)};
    cr_assert_eq(check(&google__protobuf__uninterpreted_option__descriptor, b, 64, 100, field),
                 PBGUARD_OK);
    /* The same text without NUL passes. */
    uint8_t clean[] = {0x0a, 0x09, 0x0a, 0x01, 'a', 0x12, 0x04, 0x1a, 0x02, 'x', 'y'};
    pbwire c = {clean, sizeof(clean)};
    cr_assert_eq(check(&google__protobuf__struct__descriptor, c, 64, 100, field), PBGUARD_OK);
}

Test(pbguard, malformed_wire)
{
    char field[128];
    static const struct {
        const char *why;
        uint8_t b[12];
        size_t n;
    } bad[] = {
        {"truncated key varint", {0x80}, 1},
        {"field number 0", {0x00, 0x00}, 2},
        {"length past the end", {0x0a, 0x05, 'a'}, 3},
        {"truncated fixed64", {0x09, 1, 2, 3}, 4},
        {"truncated fixed32", {0x0d, 1, 2}, 3},
        {"start group", {0x0b}, 1},
        {"varint of 11 bytes",
         {0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
         12},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        pbwire w = {(uint8_t *)bad[i].b, bad[i].n};
        cr_assert_eq(check(&google__protobuf__struct__descriptor, w, 64, 100, field),
                     PBGUARD_MALFORMED, "%s", bad[i].why);
    }
    /* The empty message is fine, with or without a buffer. */
    cr_assert_eq(pbguard_check(&google__protobuf__struct__descriptor, NULL, 0,
                               &(pbguard_limits){64, 100}, field, sizeof(field)),
                 PBGUARD_OK);
}

Test(pbguard, long_paths_are_cut_not_overrun)
{
    char field[8];
    pbwire w = pbwire_nested_struct(40);
    pbguard_limits lim = {64, 100};
    /* 40 levels make 117 nodes: over the count deep inside. */
    cr_assert_eq(pbguard_check(&google__protobuf__struct__descriptor, w.p, w.len, &lim, field,
                               sizeof(field)),
                 PBGUARD_TOO_MANY);
    cr_assert_eq(strlen(field), sizeof(field) - 1);
    cr_assert_eq(strncmp(field, "fields.", 7), 0);
    free(w.p);
}

/* ---- every string field of every request, found by the descriptors ---- */

#define WALK_MAX_DEPTH 8

typedef struct walk {
    const ProtobufCFieldDescriptor *path[WALK_MAX_DEPTH];
    const ProtobufCMessageDescriptor *types[WALK_MAX_DEPTH];
    int checked; /* string fields tried */
} walk;

static void put_varint(uint8_t *b, size_t *n, uint64_t v)
{
    while (v >= 0x80) {
        b[(*n)++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b[(*n)++] = (uint8_t)v;
}

/* The request with only path[0..depth] set: the innermost string holds text. */
static pbwire string_at(walk *w, int depth, const char *text, size_t len)
{
    uint8_t field[32];
    size_t n = 0;
    put_varint(field, &n, ((uint64_t)w->path[depth]->id << 3) | 2);
    put_varint(field, &n, len);
    memcpy(field + n, text, len);
    n += len;
    pbwire wire = {NULL, 0};
    pbwire_add(&wire, field, n);
    for (int k = depth - 1; k >= 0; k--)
        pbwire_wrap(&wire, w->path[k]->id, NULL, 0);
    return wire;
}

static int seen_twice(const walk *w, int depth, const ProtobufCMessageDescriptor *d)
{
    int n = 0;
    for (int k = 0; k < depth; k++)
        n += w->types[k] == d;
    return n >= 2;
}

/* Tries every string field below d (a message at path depth `depth`); a
 * message type already twice on the path (Value in Struct in Value) is not
 * entered again. */
static void walk_strings(walk *w, const ProtobufCMessageDescriptor *req,
                         const ProtobufCMessageDescriptor *d, int depth)
{
    w->types[depth] = d;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        w->path[depth] = f;
        if (f->type == PROTOBUF_C_TYPE_STRING) {
            char field[128];
            pbguard_limits lim = {PBGUARD_MAX_DEPTH, PBGUARD_MAX_NODES};
            pbwire bad = string_at(w, depth, "a\0b", 3), good = string_at(w, depth, "ab", 2);
            pbguard_verdict v = pbguard_check(req, bad.p, bad.len, &lim, field, sizeof(field));
            cr_assert_eq(v, PBGUARD_NUL, "%s: NUL in %s (depth %d) passed", req->name, f->name,
                         depth);
            size_t top = strlen(w->path[0]->name);
            cr_assert(strncmp(field, w->path[0]->name, top) == 0 &&
                          (field[top] == 0 || field[top] == '.'),
                      "%s: the refusal names \"%s\", not the request's field %s", req->name, field,
                      w->path[0]->name);
            cr_assert_eq(pbguard_check(req, good.p, good.len, &lim, field, sizeof(field)),
                         PBGUARD_OK, "%s: %s without NUL is refused", req->name, f->name);
            free(bad.p);
            free(good.p);
            w->checked++;
        } else if (f->type == PROTOBUF_C_TYPE_MESSAGE && depth + 1 < WALK_MAX_DEPTH &&
                   !seen_twice(w, depth + 1, f->descriptor)) {
            walk_strings(w, req, f->descriptor, depth + 1);
        }
    }
}

/* What every RPC's request passes through before its handler (call.c):
 * a string holding NUL anywhere in any request of the three services, at
 * the top, nested, repeated, in a map or a Struct key or value, is refused
 * and named. The fields are found by walking the descriptors, so a field
 * added tomorrow is tried tomorrow. */
Test(pbguard, every_string_field_of_every_request_refuses_nul)
{
    const ProtobufCServiceDescriptor *services[] = {
        &cameos__credits__v1__credits_service__descriptor,
        &cameos__content__v1__content_service__descriptor,
        &cameos__planning__v1__planning_service__descriptor,
    };
    int methods = 0, with_strings = 0, total = 0;
    for (size_t s = 0; s < sizeof(services) / sizeof(services[0]); s++) {
        for (unsigned m = 0; m < services[s]->n_methods; m++) {
            walk w = {.checked = 0};
            walk_strings(&w, services[s]->methods[m].input, services[s]->methods[m].input, 0);
            methods++;
            with_strings += w.checked > 0;
            total += w.checked;
        }
    }
    cr_log_info("%d requests, %d with string fields, %d string paths tried", methods, with_strings,
                total);
    cr_assert_geq(methods, 64, "the three services have 64 methods or more, not %d", methods);
    cr_assert_gt(total, 250, "only %d string paths were found", total);
}
