/*
 * fuzz_refl - one message of the server reflection stream (v1 and v1alpha
 * share the wire format), through refl_answer over an index built once
 * from the descriptor set of all three services with health and
 * reflection (tests/fuzz/CMakeLists.txt embeds it as fuzz_refl_fds, as
 * each service embeds its own), serving the names a server lists.
 *
 * Feeds: the whole input as a serialized ServerReflectionRequest.
 * Asserts:
 *  - refl_answer returns 0 with a response, or -1 with none exactly when
 *    protobuf-c cannot unpack the request (never -2: no memory shortage
 *    here);
 *  - the response unpacks, echoes valid_host and the request, and answers
 *    what was asked: list_services the served names in order; a file by
 *    name that file first; a symbol the file that defines it first
 *    (its package prefixes the name); every file at most once, each with
 *    every dependency the index holds (the transitive closure); an
 *    extension NOT_FOUND; an empty request INVALID_ARGUMENT.
 */
#include "fuzz.h"

#include <stdbool.h>

#include "refl.h"

#include "google/protobuf/descriptor.pb-c.h"
#include "grpc/reflection/v1/reflection.pb-c.h"

extern const unsigned char fuzz_refl_fds[];
extern const size_t fuzz_refl_fds_len;

typedef Grpc__Reflection__V1__ServerReflectionRequest req_t;
typedef Grpc__Reflection__V1__ServerReflectionResponse resp_t;
typedef Google__Protobuf__FileDescriptorProto fdp_t;

static const char *const services[] = {"cameos.credits.v1.CreditsService",
                                       "cameos.content.v1.ContentService",
                                       "cameos.planning.v1.PlanningService",
                                       "grpc.health.v1.Health",
                                       "grpc.reflection.v1.ServerReflection",
                                       "grpc.reflection.v1alpha.ServerReflection",
                                       NULL};
#define NSERVICES (sizeof(services) / sizeof(services[0]) - 1)

static refl_index *ix;
/* The names of the files in the set (the index's files). */
static char **set_files;
static size_t set_nfiles;

static void init(void)
{
    if (ix != NULL)
        return;
    FUZZ_CHECK(refl_index_build(fuzz_refl_fds, fuzz_refl_fds_len, services, &ix) == 0);
    Google__Protobuf__FileDescriptorSet *set =
        google__protobuf__file_descriptor_set__unpack(NULL, fuzz_refl_fds_len, fuzz_refl_fds);
    FUZZ_CHECK(set != NULL);
    set_files = calloc(set->n_file + 1, sizeof(*set_files));
    FUZZ_CHECK(set_files != NULL);
    for (size_t i = 0; i < set->n_file; i++) {
        set_files[i] = strdup(set->file[i]->name);
        FUZZ_CHECK(set_files[i] != NULL);
    }
    set_nfiles = set->n_file;
    google__protobuf__file_descriptor_set__free_unpacked(set, NULL);
}

static bool in_set(const char *name)
{
    for (size_t i = 0; i < set_nfiles; i++)
        if (strcmp(set_files[i], name) == 0)
            return true;
    return false;
}

/* Checks the files of a FileDescriptorResponse; the first's name and
 * package to the caller. */
static void check_files(const Grpc__Reflection__V1__FileDescriptorResponse *r, char **first_name,
                        char **first_pkg)
{
    size_t n = r->n_file_descriptor_proto;
    FUZZ_CHECK(n >= 1 && n <= set_nfiles);
    fdp_t **fd = calloc(n, sizeof(*fd));
    FUZZ_CHECK(fd != NULL);
    for (size_t i = 0; i < n; i++) {
        fd[i] = google__protobuf__file_descriptor_proto__unpack(
            NULL, r->file_descriptor_proto[i].len, r->file_descriptor_proto[i].data);
        FUZZ_CHECK(fd[i] != NULL && fd[i]->name != NULL);
        FUZZ_CHECK(in_set(fd[i]->name));
        for (size_t k = 0; k < i; k++)
            FUZZ_CHECK(strcmp(fd[k]->name, fd[i]->name) != 0);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t d = 0; d < fd[i]->n_dependency; d++) {
            if (!in_set(fd[i]->dependency[d]))
                continue;
            size_t k = 0;
            while (k < n && strcmp(fd[k]->name, fd[i]->dependency[d]) != 0)
                k++;
            FUZZ_CHECK(k < n);
        }
    *first_name = strdup(fd[0]->name);
    *first_pkg = strdup(fd[0]->package ? fd[0]->package : "");
    FUZZ_CHECK(*first_name != NULL && *first_pkg != NULL);
    for (size_t i = 0; i < n; i++)
        google__protobuf__file_descriptor_proto__free_unpacked(fd[i], NULL);
    free(fd);
}

static void check_error(const resp_t *r, int code)
{
    FUZZ_CHECK(r->message_response_case ==
               GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ERROR_RESPONSE);
    FUZZ_CHECK(r->error_response != NULL && r->error_response->error_code == code);
    FUZZ_CHECK(r->error_response->error_message && r->error_response->error_message[0]);
}

static void check_answer(const req_t *q, const resp_t *r)
{
    char *name = NULL, *pkg = NULL;
    const char *sym;
    switch (q->message_request_case) {
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_LIST_SERVICES:
        FUZZ_CHECK(
            r->message_response_case ==
            GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_LIST_SERVICES_RESPONSE);
        FUZZ_CHECK(r->list_services_response->n_service == NSERVICES);
        for (size_t i = 0; i < NSERVICES; i++)
            FUZZ_CHECK(strcmp(r->list_services_response->service[i]->name, services[i]) == 0);
        break;
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_BY_FILENAME:
        if (!in_set(q->file_by_filename)) {
            check_error(r, 5);
            break;
        }
        FUZZ_CHECK(
            r->message_response_case ==
            GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_FILE_DESCRIPTOR_RESPONSE);
        check_files(r->file_descriptor_response, &name, &pkg);
        FUZZ_CHECK(strcmp(name, q->file_by_filename) == 0);
        break;
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_SYMBOL:
        if (r->message_response_case ==
            GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ERROR_RESPONSE) {
            check_error(r, 5);
            break;
        }
        FUZZ_CHECK(
            r->message_response_case ==
            GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_FILE_DESCRIPTOR_RESPONSE);
        check_files(r->file_descriptor_response, &name, &pkg);
        sym = q->file_containing_symbol + (q->file_containing_symbol[0] == '.');
        FUZZ_CHECK(pkg[0] == '\0' ||
                   (strncmp(sym, pkg, strlen(pkg)) == 0 && sym[strlen(pkg)] == '.'));
        break;
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_EXTENSION:
        check_error(r, 5);
        break;
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_ALL_EXTENSION_NUMBERS_OF_TYPE:
        if (r->message_response_case ==
            GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ERROR_RESPONSE) {
            check_error(r, 5);
            break;
        }
        FUZZ_CHECK(
            r->message_response_case ==
            GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ALL_EXTENSION_NUMBERS_RESPONSE);
        sym = q->all_extension_numbers_of_type + (q->all_extension_numbers_of_type[0] == '.');
        FUZZ_CHECK(strcmp(r->all_extension_numbers_response->base_type_name, sym) == 0);
        FUZZ_CHECK(r->all_extension_numbers_response->n_extension_number == 0);
        break;
    default:
        check_error(r, 3);
        break;
    }
    free(name);
    free(pkg);
}

/* Whether m or a message inside it kept an unknown field numbered 0. */
static bool has_field_zero(const ProtobufCMessage *m)
{
    for (size_t i = 0; i < m->n_unknown_fields; i++)
        if (m->unknown_fields[i].tag == 0)
            return true;
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t which;
            memcpy(&which, (const char *)m + f->quantifier_offset, sizeof(which));
            if (which != f->id)
                continue;
        }
        const char *at = (const char *)m + f->offset;
        size_t n = 1;
        const ProtobufCMessage *const *items = (const ProtobufCMessage *const *)at;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            memcpy(&n, (const char *)m + f->quantifier_offset, sizeof(n));
            items = *(const ProtobufCMessage *const *const *)at;
        }
        for (size_t k = 0; k < n; k++)
            if (items[k] != NULL && has_field_zero(items[k]))
                return true;
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    uint8_t *out = (uint8_t *)&out;
    size_t out_len = 7;
    int rc = refl_answer(ix, data, size, &out, &out_len);
    req_t *q = grpc__reflection__v1__server_reflection_request__unpack(NULL, size, data);
    FUZZ_CHECK(rc == 0 || rc == -1);
    FUZZ_CHECK((rc == 0) == (q != NULL));
    if (rc != 0) {
        FUZZ_CHECK(out == NULL && out_len == 0);
        return 0;
    }
    FUZZ_CHECK(out != NULL);
    /* protobuf-c 1.4 reads a field number 0 spelt in more than one byte
     * (0x80 0x00) as an unknown field, at any level, and writes it back as
     * 0x00, which it then refuses: the echoed request makes the response
     * unreadable. A protobuf-c quirk (pbguard refuses field 0 in every other
     * request), not refl's: such requests are only checked this far. */
    if (has_field_zero(&q->base)) {
        grpc__reflection__v1__server_reflection_request__free_unpacked(q, NULL);
        free(out);
        return 0;
    }
    resp_t *r = grpc__reflection__v1__server_reflection_response__unpack(NULL, out_len, out);
    FUZZ_CHECK(r != NULL);
    FUZZ_CHECK(strcmp(r->valid_host, q->host) == 0);

    /* The request comes back as it was read. */
    FUZZ_CHECK(r->original_request != NULL);
    size_t a = grpc__reflection__v1__server_reflection_request__get_packed_size(q),
           b = grpc__reflection__v1__server_reflection_request__get_packed_size(
               r->original_request);
    FUZZ_CHECK(a == b);
    uint8_t *pa = malloc(a + 1), *pb = malloc(b + 1);
    FUZZ_CHECK(pa != NULL && pb != NULL);
    grpc__reflection__v1__server_reflection_request__pack(q, pa);
    grpc__reflection__v1__server_reflection_request__pack(r->original_request, pb);
    FUZZ_CHECK(memcmp(pa, pb, a) == 0);
    free(pa);
    free(pb);

    check_answer(q, r);

    grpc__reflection__v1__server_reflection_response__free_unpacked(r, NULL);
    grpc__reflection__v1__server_reflection_request__free_unpacked(q, NULL);
    free(out);
    return 0;
}
