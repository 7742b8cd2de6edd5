/*
 * refl - gRPC server reflection answers from an embedded FileDescriptorSet.
 *
 * Files are kept re-serialized (one FileDescriptorProto each, as reflection
 * sends them) with their dependencies resolved to indices, so an answer is a
 * breadth-first walk with no parsing of descriptors.  Symbols live in one
 * array sorted by name and are found with bsearch.
 */
#include "refl.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "google/protobuf/descriptor.pb-c.h"
#include "grpc/reflection/v1/reflection.pb-c.h"

/* grpc status codes carried in ErrorResponse.error_code */
#define REFL_INVALID_ARGUMENT 3
#define REFL_NOT_FOUND        5

enum refl_kind { REFL_MESSAGE, REFL_ENUM, REFL_SERVICE, REFL_METHOD };

struct refl_file {
    char *name;
    uint8_t *data; /* the serialized FileDescriptorProto */
    size_t len;
    size_t *deps; /* indices into refl_index.files */
    size_t ndeps;
};

struct refl_sym {
    char *name; /* fully qualified, no leading dot */
    size_t file;
    enum refl_kind kind;
};

struct refl_index {
    struct refl_file *files;
    size_t nfiles;
    size_t *by_name; /* file indices sorted by file name */
    struct refl_sym *syms;
    size_t nsyms;
    size_t capsyms;
    char **services;
    size_t nservices;
};

typedef Google__Protobuf__FileDescriptorProto refl_fdp;
typedef Grpc__Reflection__V1__ServerReflectionRequest refl_req;
typedef Grpc__Reflection__V1__ServerReflectionResponse refl_resp;

static int refl_add_file(refl_index *ix, size_t i, const refl_fdp *fd);
static int refl_index_message(refl_index *ix, const char *prefix,
                              const Google__Protobuf__DescriptorProto *m, size_t file);
static char *refl_add_sym(refl_index *ix, const char *prefix, const char *name, size_t file,
                          enum refl_kind kind);
static int refl_resolve_deps(refl_index *ix, const Google__Protobuf__FileDescriptorSet *set);
static int refl_copy_services(refl_index *ix, const char *const *services);
static const struct refl_sym *refl_find_sym(const refl_index *ix, const char *name);
static const struct refl_file *refl_find_file(const refl_index *ix, const char *name, size_t *idx);
static int refl_files_from(const refl_index *ix, size_t root,
                           Grpc__Reflection__V1__FileDescriptorResponse *fdr);
static char *refl_strdup(const char *s);
static int refl_sym_cmp(const void *a, const void *b);
static int refl_sym_key_cmp(const void *key, const void *elem);
static int refl_file_cmp(const void *a, const void *b, void *arg);

int refl_index_build(const uint8_t *fds, size_t len, const char *const *services, refl_index **out)
{
    Google__Protobuf__FileDescriptorSet *set;
    refl_index *ix;
    size_t i;

    *out = NULL;
    set = google__protobuf__file_descriptor_set__unpack(NULL, len, fds);
    if (set == NULL)
        return -1;
    ix = calloc(1, sizeof(*ix));
    if (ix == NULL)
        goto fail;
    ix->files = calloc(set->n_file ? set->n_file : 1, sizeof(*ix->files));
    ix->by_name = calloc(set->n_file ? set->n_file : 1, sizeof(*ix->by_name));
    if (ix->files == NULL || ix->by_name == NULL)
        goto fail;
    for (i = 0; i < set->n_file; i++) {
        ix->nfiles++;
        if (refl_add_file(ix, i, set->file[i]) != 0)
            goto fail;
    }
    if (ix->nsyms > 0)
        qsort(ix->syms, ix->nsyms, sizeof(*ix->syms), refl_sym_cmp);
    for (i = 0; i < ix->nfiles; i++)
        ix->by_name[i] = i;
    if (ix->nfiles > 0)
        qsort_r(ix->by_name, ix->nfiles, sizeof(*ix->by_name), refl_file_cmp, ix);
    if (refl_resolve_deps(ix, set) != 0 || refl_copy_services(ix, services) != 0)
        goto fail;
    google__protobuf__file_descriptor_set__free_unpacked(set, NULL);
    *out = ix;
    return 0;

fail:
    google__protobuf__file_descriptor_set__free_unpacked(set, NULL);
    refl_index_free(ix);
    return -1;
}

void refl_index_free(refl_index *ix)
{
    size_t i;

    if (ix == NULL)
        return;
    for (i = 0; i < ix->nfiles; i++) {
        free(ix->files[i].name);
        free(ix->files[i].data);
        free(ix->files[i].deps);
    }
    for (i = 0; i < ix->nsyms; i++)
        free(ix->syms[i].name);
    for (i = 0; i < ix->nservices; i++)
        free(ix->services[i]);
    free(ix->files);
    free(ix->by_name);
    free(ix->syms);
    free(ix->services);
    free(ix);
}

int refl_answer(const refl_index *ix, const uint8_t *req, size_t req_len, uint8_t **out,
                size_t *out_len)
{
    refl_resp resp = GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__INIT;
    Grpc__Reflection__V1__FileDescriptorResponse fdr =
        GRPC__REFLECTION__V1__FILE_DESCRIPTOR_RESPONSE__INIT;
    Grpc__Reflection__V1__ExtensionNumberResponse enr =
        GRPC__REFLECTION__V1__EXTENSION_NUMBER_RESPONSE__INIT;
    Grpc__Reflection__V1__ListServiceResponse lsr =
        GRPC__REFLECTION__V1__LIST_SERVICE_RESPONSE__INIT;
    Grpc__Reflection__V1__ErrorResponse er = GRPC__REFLECTION__V1__ERROR_RESPONSE__INIT;
    Grpc__Reflection__V1__ServiceResponse *svc = NULL;
    Grpc__Reflection__V1__ServiceResponse **svcp = NULL;
    const struct refl_file *file;
    const struct refl_sym *sym;
    refl_req *rq;
    size_t i, idx;
    int rc = -2;

    *out = NULL;
    *out_len = 0;
    rq = grpc__reflection__v1__server_reflection_request__unpack(NULL, req_len, req);
    if (rq == NULL)
        return -1;
    resp.valid_host = rq->host;
    resp.original_request = rq;
    resp.message_response_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ERROR_RESPONSE;
    resp.error_response = &er;
    er.error_code = REFL_NOT_FOUND;

    switch (rq->message_request_case) {
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_BY_FILENAME:
        file = refl_find_file(ix, rq->file_by_filename, &idx);
        if (file == NULL) {
            er.error_message = "file not found";
            break;
        }
        if (refl_files_from(ix, idx, &fdr) != 0)
            goto done;
        resp.message_response_case =
            GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_FILE_DESCRIPTOR_RESPONSE;
        resp.file_descriptor_response = &fdr;
        break;
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_SYMBOL:
        sym = refl_find_sym(ix, rq->file_containing_symbol);
        if (sym == NULL) {
            er.error_message = "symbol not found";
            break;
        }
        if (refl_files_from(ix, sym->file, &fdr) != 0)
            goto done;
        resp.message_response_case =
            GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_FILE_DESCRIPTOR_RESPONSE;
        resp.file_descriptor_response = &fdr;
        break;
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_EXTENSION:
        /* proto3 files define no extensions, so none can be found */
        er.error_message = "extension not found";
        break;
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_ALL_EXTENSION_NUMBERS_OF_TYPE:
        sym = refl_find_sym(ix, rq->all_extension_numbers_of_type);
        if (sym == NULL || sym->kind != REFL_MESSAGE) {
            er.error_message = "type not found";
            break;
        }
        enr.base_type_name = sym->name;
        resp.message_response_case =
            GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ALL_EXTENSION_NUMBERS_RESPONSE;
        resp.all_extension_numbers_response = &enr;
        break;
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_LIST_SERVICES:
        if (ix->nservices > 0) {
            svc = calloc(ix->nservices, sizeof(*svc));
            svcp = calloc(ix->nservices, sizeof(*svcp));
            if (svc == NULL || svcp == NULL)
                goto done;
        }
        for (i = 0; i < ix->nservices; i++) {
            grpc__reflection__v1__service_response__init(&svc[i]);
            svc[i].name = ix->services[i];
            svcp[i] = &svc[i];
        }
        lsr.n_service = ix->nservices;
        lsr.service = svcp;
        resp.message_response_case =
            GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_LIST_SERVICES_RESPONSE;
        resp.list_services_response = &lsr;
        break;
    default:
        er.error_code = REFL_INVALID_ARGUMENT;
        er.error_message = "no message_request set";
        break;
    }

    *out_len = grpc__reflection__v1__server_reflection_response__get_packed_size(&resp);
    *out = malloc(*out_len ? *out_len : 1);
    if (*out == NULL) {
        *out_len = 0;
        goto done;
    }
    grpc__reflection__v1__server_reflection_response__pack(&resp, *out);
    rc = 0;

done:
    free(fdr.file_descriptor_proto);
    free(svc);
    free(svcp);
    grpc__reflection__v1__server_reflection_request__free_unpacked(rq, NULL);
    return rc;
}

/* Serializes one file and indexes the symbols it defines. */
static int refl_add_file(refl_index *ix, size_t i, const refl_fdp *fd)
{
    struct refl_file *f = &ix->files[i];
    const char *pkg = fd->package ? fd->package : "";
    size_t j, k;
    char *svc;

    f->name = refl_strdup(fd->name ? fd->name : "");
    f->len = google__protobuf__file_descriptor_proto__get_packed_size(fd);
    f->data = malloc(f->len ? f->len : 1);
    if (f->name == NULL || f->data == NULL)
        return -1;
    google__protobuf__file_descriptor_proto__pack(fd, f->data);

    for (j = 0; j < fd->n_message_type; j++)
        if (refl_index_message(ix, pkg, fd->message_type[j], i) != 0)
            return -1;
    for (j = 0; j < fd->n_enum_type; j++)
        if (fd->enum_type[j]->name && !refl_add_sym(ix, pkg, fd->enum_type[j]->name, i, REFL_ENUM))
            return -1;
    for (j = 0; j < fd->n_service; j++) {
        const Google__Protobuf__ServiceDescriptorProto *s = fd->service[j];

        if (s->name == NULL)
            continue;
        svc = refl_add_sym(ix, pkg, s->name, i, REFL_SERVICE);
        if (svc == NULL)
            return -1;
        for (k = 0; k < s->n_method; k++)
            if (s->method[k]->name && !refl_add_sym(ix, svc, s->method[k]->name, i, REFL_METHOD))
                return -1;
    }
    return 0;
}

static int refl_index_message(refl_index *ix, const char *prefix,
                              const Google__Protobuf__DescriptorProto *m, size_t file)
{
    char *full;
    size_t j;

    if (m->name == NULL)
        return 0;
    full = refl_add_sym(ix, prefix, m->name, file, REFL_MESSAGE);
    if (full == NULL)
        return -1;
    for (j = 0; j < m->n_nested_type; j++)
        if (refl_index_message(ix, full, m->nested_type[j], file) != 0)
            return -1;
    for (j = 0; j < m->n_enum_type; j++)
        if (m->enum_type[j]->name &&
            !refl_add_sym(ix, full, m->enum_type[j]->name, file, REFL_ENUM))
            return -1;
    return 0;
}

/* Returns the stored full name, which stays valid while the array grows. */
static char *refl_add_sym(refl_index *ix, const char *prefix, const char *name, size_t file,
                          enum refl_kind kind)
{
    size_t plen = strlen(prefix), nlen = strlen(name);
    struct refl_sym *s;
    char *full;

    if (ix->nsyms == ix->capsyms) {
        size_t cap = ix->capsyms ? ix->capsyms * 2 : 64;

        s = realloc(ix->syms, cap * sizeof(*s));
        if (s == NULL)
            return NULL;
        ix->syms = s;
        ix->capsyms = cap;
    }
    full = malloc(plen + 1 + nlen + 1);
    if (full == NULL)
        return NULL;
    if (plen > 0) {
        memcpy(full, prefix, plen);
        full[plen++] = '.';
    }
    memcpy(full + plen, name, nlen + 1);
    s = &ix->syms[ix->nsyms++];
    s->name = full;
    s->file = file;
    s->kind = kind;
    return full;
}

/*
 * A dependency missing from the set (a set written without --include_imports)
 * is left out rather than failing the build: reflection then serves what it
 * has and the client reports the gap.
 */
static int refl_resolve_deps(refl_index *ix, const Google__Protobuf__FileDescriptorSet *set)
{
    size_t i, j, d;

    for (i = 0; i < ix->nfiles; i++) {
        const refl_fdp *fd = set->file[i];
        struct refl_file *f = &ix->files[i];

        if (fd->n_dependency == 0)
            continue;
        f->deps = malloc(fd->n_dependency * sizeof(*f->deps));
        if (f->deps == NULL)
            return -1;
        for (j = 0; j < fd->n_dependency; j++)
            if (refl_find_file(ix, fd->dependency[j], &d) != NULL)
                f->deps[f->ndeps++] = d;
    }
    return 0;
}

/* Every listed service must resolve, or clients would list what they cannot describe. */
static int refl_copy_services(refl_index *ix, const char *const *services)
{
    const struct refl_sym *s;
    size_t n = 0;

    while (services != NULL && services[n] != NULL)
        n++;
    ix->services = calloc(n ? n : 1, sizeof(*ix->services));
    if (ix->services == NULL)
        return -1;
    for (; ix->nservices < n; ix->nservices++) {
        s = refl_find_sym(ix, services[ix->nservices]);
        if (s == NULL || s->kind != REFL_SERVICE)
            return -1;
        ix->services[ix->nservices] = refl_strdup(services[ix->nservices]);
        if (ix->services[ix->nservices] == NULL)
            return -1;
    }
    return 0;
}

static const struct refl_sym *refl_find_sym(const refl_index *ix, const char *name)
{
    /* some clients send protobuf's internal ".pkg.Type" spelling */
    if (name[0] == '.')
        name++;
    if (ix->nsyms == 0)
        return NULL;
    return bsearch(name, ix->syms, ix->nsyms, sizeof(*ix->syms), refl_sym_key_cmp);
}

static const struct refl_file *refl_find_file(const refl_index *ix, const char *name, size_t *idx)
{
    size_t lo = 0, hi = ix->nfiles, mid;
    int c;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        c = strcmp(name, ix->files[ix->by_name[mid]].name);
        if (c == 0) {
            *idx = ix->by_name[mid];
            return &ix->files[*idx];
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* Breadth-first from root: root first, then each transitive dependency once. */
static int refl_files_from(const refl_index *ix, size_t root,
                           Grpc__Reflection__V1__FileDescriptorResponse *fdr)
{
    size_t *queue;
    bool *seen;
    size_t head = 0, tail = 0, j;

    queue = malloc(ix->nfiles * sizeof(*queue));
    seen = calloc(ix->nfiles, sizeof(*seen));
    fdr->file_descriptor_proto = malloc(ix->nfiles * sizeof(*fdr->file_descriptor_proto));
    if (queue == NULL || seen == NULL || fdr->file_descriptor_proto == NULL) {
        free(queue);
        free(seen);
        return -1;
    }
    queue[tail++] = root;
    seen[root] = true;
    while (head < tail) {
        const struct refl_file *f = &ix->files[queue[head++]];

        fdr->file_descriptor_proto[fdr->n_file_descriptor_proto].data = f->data;
        fdr->file_descriptor_proto[fdr->n_file_descriptor_proto].len = f->len;
        fdr->n_file_descriptor_proto++;
        for (j = 0; j < f->ndeps; j++) {
            if (!seen[f->deps[j]]) {
                seen[f->deps[j]] = true;
                queue[tail++] = f->deps[j];
            }
        }
    }
    free(queue);
    free(seen);
    return 0;
}

static char *refl_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);

    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

static int refl_sym_cmp(const void *a, const void *b)
{
    const struct refl_sym *x = a, *y = b;

    return strcmp(x->name, y->name);
}

static int refl_sym_key_cmp(const void *key, const void *elem)
{
    const struct refl_sym *s = elem;

    return strcmp(key, s->name);
}

static int refl_file_cmp(const void *a, const void *b, void *arg)
{
    const refl_index *ix = arg;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return strcmp(ix->files[x].name, ix->files[y].name);
}
