/*
 * Unit tests for common/refl: answers built from the descriptor set named by
 * REFL_TEST_FDS (health + reflection + google/protobuf/struct.proto, written by
 * protoc --include_imports at build time) and from small sets built in code.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "refl.h"
#include "google/protobuf/descriptor.pb-c.h"
#include "grpc/reflection/v1/reflection.pb-c.h"

typedef Grpc__Reflection__V1__ServerReflectionRequest req_t;
typedef Grpc__Reflection__V1__ServerReflectionResponse resp_t;

#define RESP_FILES                                                                                 \
    GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_FILE_DESCRIPTOR_RESPONSE
#define RESP_EXTNUM                                                                                \
    GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ALL_EXTENSION_NUMBERS_RESPONSE
#define RESP_LIST                                                                                  \
    GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_LIST_SERVICES_RESPONSE
#define RESP_ERROR GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ERROR_RESPONSE
#define REQ_FILE   GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_BY_FILENAME
#define REQ_SYMBOL                                                                                 \
    GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_SYMBOL
#define REQ_EXT                                                                                    \
    GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_EXTENSION
#define REQ_EXTNUM                                                                                 \
    GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_ALL_EXTENSION_NUMBERS_OF_TYPE
#define REQ_LIST GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_LIST_SERVICES

#define HEALTH_PROTO "grpc/health/v1/health.proto"
#define REFL_PROTO   "grpc/reflection/v1/reflection.proto"
#define STRUCT_PROTO "google/protobuf/struct.proto"

static const char *const services[] = {"grpc.reflection.v1.ServerReflection",
                                       "grpc.health.v1.Health", NULL};
static refl_index *ix;

static uint8_t *read_fds(size_t *len)
{
    const char *path = getenv("REFL_TEST_FDS");
    uint8_t *buf;
    FILE *f;
    long n;

    cr_assert_not_null(path, "REFL_TEST_FDS must name a descriptor set file");
    f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    cr_assert_gt(n, 0);
    rewind(f);
    buf = malloc((size_t)n);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void setup(void)
{
    size_t len;
    uint8_t *fds = read_fds(&len);

    cr_assert_eq(refl_index_build(fds, len, services, &ix), 0);
    free(fds);
}

/*
 * Criterion reports a test before its process exits and ignores assertions in
 * .fini, so LeakSanitizer's exit report would fail nothing: every test ends
 * with this check instead (the shared index is still reachable then).
 */
static void leak_check(void)
{
#if defined(__SANITIZE_ADDRESS__)
    cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "memory leaked (see stderr)");
#endif
}

static void teardown(void)
{
    refl_index_free(ix);
    ix = NULL;
}

/* Sends rq with host "h:1" to idx and returns the parsed response. */
static resp_t *ask_ix(const refl_index *idx, req_t *rq)
{
    size_t len = grpc__reflection__v1__server_reflection_request__get_packed_size(rq);
    uint8_t *buf = malloc(len + 1);
    uint8_t *out;
    size_t out_len;
    resp_t *r;

    cr_assert_not_null(buf);
    grpc__reflection__v1__server_reflection_request__pack(rq, buf);
    cr_assert_eq(refl_answer(idx, buf, len, &out, &out_len), 0);
    free(buf);
    r = grpc__reflection__v1__server_reflection_response__unpack(NULL, out_len, out);
    free(out);
    cr_assert_not_null(r);
    return r;
}

static resp_t *ask_str(const refl_index *idx, int which, const char *arg)
{
    req_t rq = GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__INIT;

    rq.host = "h:1";
    rq.message_request_case = which;
    switch (which) {
    case REQ_FILE:
        rq.file_by_filename = (char *)arg;
        break;
    case REQ_SYMBOL:
        rq.file_containing_symbol = (char *)arg;
        break;
    case REQ_EXTNUM:
        rq.all_extension_numbers_of_type = (char *)arg;
        break;
    case REQ_LIST:
        rq.list_services = (char *)arg;
        break;
    }
    return ask_ix(idx, &rq);
}

static void free_resp(resp_t *r)
{
    grpc__reflection__v1__server_reflection_response__free_unpacked(r, NULL);
}

/* Asserts the response carries exactly the files in want (NULL-terminated), in that order. */
static void assert_files(const resp_t *r, const char *const *want)
{
    size_t n = 0, i;

    while (want[n] != NULL)
        n++;
    cr_assert_eq(r->message_response_case, RESP_FILES);
    cr_assert_eq(r->file_descriptor_response->n_file_descriptor_proto, n);
    for (i = 0; i < n; i++) {
        const ProtobufCBinaryData *b = &r->file_descriptor_response->file_descriptor_proto[i];
        Google__Protobuf__FileDescriptorProto *fd =
            google__protobuf__file_descriptor_proto__unpack(NULL, b->len, b->data);

        cr_assert_not_null(fd);
        cr_expect_str_eq(fd->name, want[i]);
        google__protobuf__file_descriptor_proto__free_unpacked(fd, NULL);
    }
}

static void assert_symbol_in(const char *symbol, const char *file)
{
    const char *want[] = {file, NULL};
    resp_t *r = ask_str(ix, REQ_SYMBOL, symbol);

    assert_files(r, want);
    free_resp(r);
}

static void assert_error(const resp_t *r, int code, const char *msg)
{
    cr_assert_eq(r->message_response_case, RESP_ERROR);
    cr_expect_eq(r->error_response->error_code, code);
    cr_expect_str_eq(r->error_response->error_message, msg);
}

TestSuite(refl, .init = setup, .fini = teardown);

Test(refl, list_services_in_given_order)
{
    resp_t *r = ask_str(ix, REQ_LIST, "*");

    cr_assert_eq(r->message_response_case, RESP_LIST);
    cr_assert_eq(r->list_services_response->n_service, 2);
    cr_expect_str_eq(r->list_services_response->service[0]->name, services[0]);
    cr_expect_str_eq(r->list_services_response->service[1]->name, services[1]);
    free_resp(r);
    leak_check();
}

Test(refl, symbol_service)
{
    assert_symbol_in("grpc.health.v1.Health", HEALTH_PROTO);
    assert_symbol_in("grpc.reflection.v1.ServerReflection", REFL_PROTO);
    leak_check();
}

Test(refl, symbol_method)
{
    assert_symbol_in("grpc.health.v1.Health.Watch", HEALTH_PROTO);
    assert_symbol_in("grpc.reflection.v1.ServerReflection.ServerReflectionInfo", REFL_PROTO);
    leak_check();
}

Test(refl, symbol_message)
{
    assert_symbol_in("grpc.reflection.v1.ServerReflectionRequest", REFL_PROTO);
    assert_symbol_in("google.protobuf.Struct", STRUCT_PROTO);
    leak_check();
}

Test(refl, symbol_nested_message)
{
    assert_symbol_in("google.protobuf.Struct.FieldsEntry", STRUCT_PROTO);
    leak_check();
}

Test(refl, symbol_enum)
{
    assert_symbol_in("google.protobuf.NullValue", STRUCT_PROTO);
    assert_symbol_in("grpc.health.v1.HealthCheckResponse.ServingStatus", HEALTH_PROTO);
    leak_check();
}

Test(refl, symbol_with_leading_dot)
{
    assert_symbol_in(".grpc.health.v1.HealthCheckRequest", HEALTH_PROTO);
    leak_check();
}

Test(refl, file_by_filename)
{
    const char *want[] = {STRUCT_PROTO, NULL};
    resp_t *r = ask_str(ix, REQ_FILE, STRUCT_PROTO);

    assert_files(r, want);
    free_resp(r);
    leak_check();
}

Test(refl, unknown_symbol_not_found)
{
    static const char *const names[] = {"grpc.health.v1.Nope", "grpc.health",
                                        "grpc.health.v1.HealthCheckRequest.service", "",
                                        "grpc.health.v1.Health.Check.X"};
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        resp_t *r = ask_str(ix, REQ_SYMBOL, names[i]);

        assert_error(r, 5, "symbol not found");
        free_resp(r);
    }
    leak_check();
}

Test(refl, unknown_file_not_found)
{
    resp_t *r = ask_str(ix, REQ_FILE, "grpc/health/v1/nope.proto");

    assert_error(r, 5, "file not found");
    free_resp(r);
    leak_check();
}

Test(refl, file_containing_extension_not_found)
{
    req_t rq = GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__INIT;
    Grpc__Reflection__V1__ExtensionRequest ext = GRPC__REFLECTION__V1__EXTENSION_REQUEST__INIT;
    resp_t *r;

    ext.containing_type = "google.protobuf.Struct";
    ext.extension_number = 100;
    rq.message_request_case = REQ_EXT;
    rq.file_containing_extension = &ext;
    r = ask_ix(ix, &rq);
    assert_error(r, 5, "extension not found");
    cr_assert_not_null(r->original_request);
    cr_assert_eq(r->original_request->message_request_case, REQ_EXT);
    cr_expect_str_eq(r->original_request->file_containing_extension->containing_type,
                     "google.protobuf.Struct");
    cr_expect_eq(r->original_request->file_containing_extension->extension_number, 100);
    free_resp(r);
    leak_check();
}

Test(refl, all_extension_numbers_of_known_type)
{
    resp_t *r = ask_str(ix, REQ_EXTNUM, "google.protobuf.Struct");

    cr_assert_eq(r->message_response_case, RESP_EXTNUM);
    cr_expect_str_eq(r->all_extension_numbers_response->base_type_name, "google.protobuf.Struct");
    cr_expect_eq(r->all_extension_numbers_response->n_extension_number, 0);
    free_resp(r);
    leak_check();
}

Test(refl, all_extension_numbers_of_unknown_or_non_message)
{
    static const char *const names[] = {"google.protobuf.Nope", "google.protobuf.NullValue",
                                        "grpc.health.v1.Health"};
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        resp_t *r = ask_str(ix, REQ_EXTNUM, names[i]);

        assert_error(r, 5, "type not found");
        free_resp(r);
    }
    leak_check();
}

Test(refl, garbage_request_is_rejected)
{
    static const uint8_t truncated_varint[] = {0xff, 0xff, 0xff};
    static const uint8_t overlong_string[] = {0x0a, 0x10, 'h'}; /* host, 16 bytes promised */
    uint8_t *out = (uint8_t *)1;
    size_t out_len = 1;

    cr_expect_eq(refl_answer(ix, truncated_varint, sizeof(truncated_varint), &out, &out_len), -1);
    cr_expect_null(out);
    cr_expect_eq(out_len, 0);
    cr_expect_eq(refl_answer(ix, overlong_string, sizeof(overlong_string), &out, &out_len), -1);
    cr_expect_null(out);
    leak_check();
}

Test(refl, empty_request_is_invalid_argument)
{
    req_t rq = GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__INIT;
    resp_t *r;

    rq.host = "example.com:443";
    r = ask_ix(ix, &rq);
    assert_error(r, 3, "no message_request set");
    cr_expect_str_eq(r->valid_host, "example.com:443");
    free_resp(r);
    leak_check();
}

Test(refl, zero_length_request_is_invalid_argument)
{
    uint8_t *out;
    size_t out_len;
    resp_t *r;

    cr_assert_eq(refl_answer(ix, (const uint8_t *)"", 0, &out, &out_len), 0);
    r = grpc__reflection__v1__server_reflection_response__unpack(NULL, out_len, out);
    free(out);
    cr_assert_not_null(r);
    assert_error(r, 3, "no message_request set");
    free_resp(r);
    leak_check();
}

Test(refl, host_and_original_request_echoed)
{
    static const int kinds[] = {REQ_FILE, REQ_SYMBOL, REQ_EXTNUM, REQ_LIST};
    static const char *const args[] = {HEALTH_PROTO, "no.such.Symbol", "google.protobuf.Value", ""};
    size_t i;

    for (i = 0; i < 4; i++) {
        resp_t *r = ask_str(ix, kinds[i], args[i]);

        cr_expect_str_eq(r->valid_host, "h:1");
        cr_assert_not_null(r->original_request);
        cr_expect_str_eq(r->original_request->host, "h:1");
        cr_assert_eq((int)r->original_request->message_request_case, kinds[i]);
        switch (kinds[i]) {
        case REQ_FILE:
            cr_expect_str_eq(r->original_request->file_by_filename, args[i]);
            break;
        case REQ_SYMBOL:
            cr_expect_str_eq(r->original_request->file_containing_symbol, args[i]);
            break;
        case REQ_EXTNUM:
            cr_expect_str_eq(r->original_request->all_extension_numbers_of_type, args[i]);
            break;
        default:
            cr_expect_str_eq(r->original_request->list_services, args[i]);
        }
        free_resp(r);
    }
    leak_check();
}

/*
 * A diamond built in code: a imports b and c, both import d; a also names a
 * file missing from the set; e stands apart.  Returns the serialized set.
 */
static uint8_t *diamond_fds(size_t *len)
{
    static char *a_deps[] = {"b.proto", "c.proto", "missing.proto"};
    static char *bc_deps[] = {"d.proto"};
    static char *names[] = {"a.proto", "b.proto", "c.proto", "d.proto", "e.proto"};
    static char *msgs[] = {"A", "B", "C", "D", "E"};
    Google__Protobuf__FileDescriptorProto fd[5];
    Google__Protobuf__FileDescriptorProto *fdp[5];
    Google__Protobuf__DescriptorProto msg[5];
    Google__Protobuf__DescriptorProto *msgp[5];
    Google__Protobuf__ServiceDescriptorProto svc = GOOGLE__PROTOBUF__SERVICE_DESCRIPTOR_PROTO__INIT;
    Google__Protobuf__ServiceDescriptorProto *svcp = &svc;
    Google__Protobuf__FileDescriptorSet set = GOOGLE__PROTOBUF__FILE_DESCRIPTOR_SET__INIT;
    uint8_t *buf;
    size_t i;

    for (i = 0; i < 5; i++) {
        google__protobuf__file_descriptor_proto__init(&fd[i]);
        google__protobuf__descriptor_proto__init(&msg[i]);
        fd[i].name = names[i];
        fd[i].package = "dia";
        msg[i].name = msgs[i];
        msgp[i] = &msg[i];
        fd[i].n_message_type = 1;
        fd[i].message_type = &msgp[i];
        fdp[i] = &fd[i];
    }
    fd[0].n_dependency = 3;
    fd[0].dependency = a_deps;
    fd[1].n_dependency = fd[2].n_dependency = 1;
    fd[1].dependency = fd[2].dependency = bc_deps;
    svc.name = "Svc";
    fd[0].n_service = 1;
    fd[0].service = &svcp;
    set.n_file = 5;
    set.file = fdp;
    *len = google__protobuf__file_descriptor_set__get_packed_size(&set);
    buf = malloc(*len);
    cr_assert_not_null(buf);
    google__protobuf__file_descriptor_set__pack(&set, buf);
    return buf;
}

static refl_index *diamond_index(void)
{
    static const char *const svcs[] = {"dia.Svc", NULL};
    refl_index *d;
    size_t len;
    uint8_t *fds = diamond_fds(&len);

    cr_assert_eq(refl_index_build(fds, len, svcs, &d), 0);
    free(fds);
    return d;
}

Test(refl_deps, file_by_filename_includes_each_dependency_once)
{
    const char *want_a[] = {"a.proto", "b.proto", "c.proto", "d.proto", NULL};
    const char *want_b[] = {"b.proto", "d.proto", NULL};
    const char *want_e[] = {"e.proto", NULL};
    refl_index *d = diamond_index();
    resp_t *r;

    r = ask_str(d, REQ_FILE, "a.proto");
    assert_files(r, want_a);
    free_resp(r);
    r = ask_str(d, REQ_FILE, "b.proto");
    assert_files(r, want_b);
    free_resp(r);
    r = ask_str(d, REQ_FILE, "e.proto");
    assert_files(r, want_e);
    free_resp(r);
    refl_index_free(d);
    leak_check();
}

Test(refl_deps, symbol_includes_each_dependency_once)
{
    const char *want_a[] = {"a.proto", "b.proto", "c.proto", "d.proto", NULL};
    const char *want_c[] = {"c.proto", "d.proto", NULL};
    refl_index *d = diamond_index();
    resp_t *r;

    r = ask_str(d, REQ_SYMBOL, "dia.Svc");
    assert_files(r, want_a);
    free_resp(r);
    r = ask_str(d, REQ_SYMBOL, "dia.C");
    assert_files(r, want_c);
    free_resp(r);
    refl_index_free(d);
    leak_check();
}

Test(refl_build, rejects_garbage_set)
{
    static const uint8_t garbage[] = {0x0a, 0x7f, 0x01};
    refl_index *d = (refl_index *)1;

    cr_expect_eq(refl_index_build(garbage, sizeof(garbage), NULL, &d), -1);
    cr_expect_null(d);
    leak_check();
}

Test(refl_build, rejects_unresolvable_service)
{
    static const char *const unknown[] = {"grpc.health.v1.Health", "no.such.Service", NULL};
    static const char *const not_service[] = {"grpc.health.v1.HealthCheckRequest", NULL};
    size_t len;
    uint8_t *fds = read_fds(&len);
    refl_index *d = (refl_index *)1;

    cr_expect_eq(refl_index_build(fds, len, unknown, &d), -1);
    cr_expect_null(d);
    cr_expect_eq(refl_index_build(fds, len, not_service, &d), -1);
    cr_expect_null(d);
    free(fds);
    leak_check();
}

Test(refl_build, empty_set_answers_not_found)
{
    static const char *const none[] = {NULL};
    refl_index *d;
    resp_t *r;

    cr_assert_eq(refl_index_build((const uint8_t *)"", 0, none, &d), 0);
    r = ask_str(d, REQ_LIST, "");
    cr_assert_eq(r->message_response_case, RESP_LIST);
    cr_expect_eq(r->list_services_response->n_service, 0);
    free_resp(r);
    r = ask_str(d, REQ_SYMBOL, "a.B");
    assert_error(r, 5, "symbol not found");
    free_resp(r);
    refl_index_free(d);
    leak_check();
}
