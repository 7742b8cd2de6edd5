/*
 * fuzz_rowmap - rows of a PostgreSQL result read into the services' resource
 * messages by common/crud/rowmap.c, as a Get or List handler's database callback
 * reads them (rowmap_reply_one, rowmap_reply_list), over synthetic results
 * made with libpq's public constructors (PQmakeEmptyPGresult,
 * PQsetResultAttrs, PQsetvalue).
 *
 * Files: this one holds the link seam, the rowmaps and the entry point;
 * rowmap_cells.c (.h) reads the input as columns and cells and makes the
 * PGresult of them (Feeds below); rowmap_expect.c (.h) is what a message
 * read from a TYPED row must hold (Asserts below). The three make the one
 * target fuzz_rowmap (tests/fuzz/CMakeLists.txt).
 *
 * Link seam: rowmap.c lives in cameos_runtime (gRPC server, libuv, the
 * pool); this harness compiles it in alone (tests/fuzz/CMakeLists.txt) and
 * defines, itself, the runtime functions it calls. Reading a result needs a
 * call's memory and a place for its outcome, not a network:
 *  - rpc_alloc, rpc_defer: an arena and a list of deferred frees per input,
 *    freed when the input ends (as call.c does when a call ends);
 *  - rpc_fail, rpc_reply_within: record the outcome (and check the reply);
 *  - pgq_res, pgq_cut: one statement, the synthetic result, and whether the
 *    pool stopped keeping rows (PGPOOL_ROWS);
 *  - list_next: records what it is asked and writes a fixed token of
 *    PAGETOKEN_LEN characters (the longest a real one is) when there are
 *    more rows.
 *
 * Rowmaps: derived, once, from the descriptors of the three services: every
 * method named List*, the repeated message field of its response is a
 * resource, mapped field by field (string RM_TEXT, repeated string
 * RM_TEXT_ARRAY, int32 RM_INT32, double RM_DOUBLE, bool RM_BOOL, enum
 * RM_ENUM with its values' names in lower case as texts, Timestamp RM_TS,
 * Struct RM_STRUCT, repeated Struct RM_STRUCT_LIST, other repeated messages
 * RM_MSG_LIST over their string, int32, double, bool and Struct fields);
 * other fields are left out. The list cursor is created_at (else the first
 * int32 column) and id; a resource without both is read by reply_one only.
 * FUZZ_ROWMAP_LIST=1 prints the table, and each input's outcome.
 *
 * Feeds: byte 0 picks the resource; byte 1 the mode: bit 0 reply_list (else
 * reply_one), bit 1 TYPED (else RAW), bit 2 the pool's cut flag, bits 3-5
 * the page's limit (1..5), bit 6 (RAW) one column fewer than the rowmap
 * has; byte 2 the row count (0..2 for reply_one, 0..limit+2 for a list);
 * then a byte per column for its type and format; then the cells, row by
 * row, each a selector byte (SQL NULL when its low 3 bits are all set) and
 * its value (rowmap_cells.c).
 *  - RAW: every column an input-chosen type OID (those pgbin knows and a
 *    few it does not, or any 4 bytes) and format; every cell arbitrary
 *    bytes.
 *  - TYPED: every column in a type and format the real statements use for
 *    its kind, every cell a valid value of it: RM_TEXT as valid UTF-8
 *    without NUL in text or binary text, or a uuid (binary or text);
 *    RM_INT32 as text or binary int2/int4/int8 within int32; RM_DOUBLE as
 *    text float8 (%.17g, NaN, Infinity), binary float8/float4, numeric
 *    (text or binary); RM_BOOL as t/f or binary; RM_TS as epoch
 *    microseconds in int8 (SQL_US, text or binary) or a binary timestamp,
 *    from PostgreSQL's first day (4714 BC) to the last microsecond that
 *    epoch microseconds hold in int64 (294247 AD: pgbin_epoch_us refuses
 *    the few later years of PostgreSQL's range by its contract, and SQL_US
 *    overflows in the server there); RM_ENUM as a text of its table or any
 *    other text; JSON columns as the cell's bytes when jsonr_parse takes
 *    them, else a valid JSON value built from them (scalars, objects,
 *    arrays, arrays of objects keyed by the sub-message's fields, a value
 *    nested up to 100 deep; up to 64 for RM_TEXT_ARRAY, whose columns are
 *    to_jsonb of a text[] and nest at most 6 deep), in text json/jsonb or
 *    binary jsonb.
 * Asserts:
 *  - the call is answered exactly once, and nothing touches it after that
 *    (no rpc_alloc, rpc_defer or list_next);
 *  - RAW: a failure is INTERNAL, RESOURCE_EXHAUSTED, or NOT_FOUND when
 *    reply_one has no row (and then always);
 *  - TYPED: never INTERNAL (a row the schema accepts always reads);
 *    RESOURCE_EXHAUSTED exactly when the first row read has a Struct,
 *    Struct list or message list cell nested deeper than 64 (a reference
 *    depth counter) or holding ROWMAP_JSON_TOO_LARGE, and a later row of a
 *    list page like that cuts the page before it; every field equals its
 *    cell (rowmap_expect.c): text (a uuid as its lowercase 36 characters),
 *    int32, bool, double bitwise (or both NaN), a timestamp whose seconds
 *    and nanos (0..999999000, whole microseconds) make the microseconds,
 *    enum value (0 for an unknown text), JSON read as jsonr reads the text
 *    (a Struct the object or {"items": value}; list counts by as_list: 0
 *    for null, 1 for a non-array; Struct list items the object or
 *    {"value": item}; string list items the string, "" for null, else JSON
 *    text that reads back as the item; sub-messages from each object, the
 *    last occurrence of a key deciding, a value of the wrong type the
 *    default); SQL NULL the field's default. (An input whose cells pass
 *    64 KiB in all, which the caps of rowmap.h might cut, is held to the
 *    RAW assertions, and never INTERNAL.)
 *  - every reply packs to get_packed_size bytes, unpacks with its
 *    descriptor and sizes the same again, and fits the bound given to
 *    rpc_reply_within when there is one;
 *  - a list page serves at most limit and at most the rows there are; fewer
 *    only when cut, and then list_next hears limit + 1 rows, as it does when
 *    the pool cut the result, else the row count; the cursor list_next gets
 *    is the last item's (its created_at in microseconds or its int32
 *    column, and its id; 0 and "" for an empty page); next_page_token is
 *    what list_next returned.
 * Cells live inside the PGresult as libpq packs them (NUL-terminated, in
 * shared blocks): a read a few bytes past a cell is not an ASan report here.
 */
#include "fuzz.h"

#include <stdbool.h>

#include "arena.h"
#include "jsonr.h"
#include "list.h"
#include "pagetoken.h"
#include "pgpool.h"
#include "rowmap.h"
#include "rowmap_cells.h"
#include "rowmap_expect.h"
#include "rpc.h"
#include "valid.h"

#include "cameos/content/v1/content.pb-c.h"
#include "cameos/credits/v1/credits.pb-c.h"
#include "cameos/planning/v1/planning.pb-c.h"
#include "google/protobuf/struct.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"

#define FIXED_TOKEN "fuzz-rowmap-page-token-0123456789-abcdefghijklmnopqrstu"
_Static_assert(sizeof(FIXED_TOKEN) == PAGETOKEN_SIZE, "a token of PAGETOKEN_LEN characters");

#define MAX_RESOURCES 32
#define MAX_SUBMAPS   16
#define MAX_FIELDS    CELLS_MAX_COLS /* a resource's columns: no more than a result holds */
#define MAX_ENUMS     512

/* The resources (byte 0 indexes them), derived once by init. */
typedef struct resource {
    rowmap map;
    rowmap_col cols[MAX_FIELDS];
    const char *method;
    const char *items;                      /* the response's repeated field */
    const ProtobufCMessageDescriptor *resp; /* NULL: reply_one only */
} resource;

static resource resources[MAX_RESOURCES];
static size_t nresources;

static bool verbose;

static void init(void);
static const char *code_name(grpc_status_code code);
static void check_cursor(const rowmap *m, const rpc_call *c, const ProtobufCMessage *last);

/* ---- the link seam: what rowmap.c needs of the runtime --------------- */

typedef struct deferred {
    void (*fn)(void *p);
    void *p;
} deferred;

struct rpc_call {
    arena *mem;
    deferred *defers;
    size_t ndefers, capdefers;
    int outcomes;
    grpc_status_code code; /* GRPC_STATUS_OK: replied */
    const ProtobufCMessage *reply;
    size_t bound;
    int next_calls;
    int next_nrows;
    long long next_us;
    const char *next_id;
};

struct pgq {
    PGresult *res;
    int cut;
};

void *rpc_alloc(rpc_call *c, size_t n)
{
    FUZZ_CHECK(c->outcomes == 0); /* nothing touches a call once answered */
    return arena_alloc(&c->mem, n);
}

int rpc_defer(rpc_call *c, void (*fn)(void *p), void *p)
{
    FUZZ_CHECK(c->outcomes == 0);
    if (c->ndefers == c->capdefers) {
        size_t cap = c->capdefers ? 2 * c->capdefers : 8;
        deferred *grown = realloc(c->defers, cap * sizeof(*grown));
        if (!grown) {
            fn(p);
            return -1;
        }
        c->defers = grown;
        c->capdefers = cap;
    }
    c->defers[c->ndefers++] = (deferred){fn, p};
    return 0;
}

void rpc_fail(rpc_call *c, grpc_status_code code, const char *msg)
{
    FUZZ_CHECK(c->outcomes == 0);
    FUZZ_CHECK(code != GRPC_STATUS_OK);
    FUZZ_CHECK(msg != NULL && msg[0] != '\0');
    c->outcomes++;
    c->code = code;
}

/* What the real rpc_reply_within does at once (pack), and what the
 * sanitizer builds check there (the bound), plus a round trip. */
void rpc_reply_within(rpc_call *c, const ProtobufCMessage *resp, size_t bound)
{
    FUZZ_CHECK(c->outcomes == 0);
    FUZZ_CHECK(resp != NULL);
    c->outcomes++;
    c->code = GRPC_STATUS_OK;
    c->reply = resp;
    c->bound = bound;

    size_t size = protobuf_c_message_get_packed_size(resp);
    uint8_t *wire = malloc(size ? size : 1);
    FUZZ_CHECK(wire != NULL);
    FUZZ_CHECK(protobuf_c_message_pack(resp, wire) == size);
    if (bound != 0)
        FUZZ_CHECK(size <= bound);
    ProtobufCMessage *back = protobuf_c_message_unpack(resp->descriptor, NULL, size, wire);
    FUZZ_CHECK(back != NULL);
    FUZZ_CHECK(protobuf_c_message_get_packed_size(back) == size);
    protobuf_c_message_free_unpacked(back, NULL);
    free(wire);
}

PGresult *pgq_res(const pgq *q, int i)
{
    return i == 0 ? q->res : NULL;
}

int pgq_cut(const pgq *q, int i)
{
    FUZZ_CHECK(i == 0);
    return q->cut;
}

const char *list_next(const rpc_call *c, const list_page *p, int nrows, long long last_us,
                      const char *last_id, char *buf)
{
    FUZZ_CHECK(c->outcomes == 0 && c->next_calls == 0);
    FUZZ_CHECK(last_id != NULL);
    rpc_call *mc = (rpc_call *)c; /* the harness's own call: not const */
    mc->next_calls++;
    mc->next_nrows = nrows;
    mc->next_us = last_us;
    mc->next_id = last_id;
    buf[0] = '\0';
    if (nrows > p->limit)
        memcpy(buf, FIXED_TOKEN, PAGETOKEN_SIZE);
    return buf;
}

/* ---- the entry point ---------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    cells_in s = {data, size};
    const resource *res = &resources[cells_take(&s) % nresources];
    const rowmap *m = &res->map;
    unsigned mode = cells_take(&s);
    bool list = (mode & 1) && res->resp != NULL, typed = mode & 2, pool_cut = mode & 4;
    int limit = 1 + (int)((mode >> 3) & 7) % 5;
    size_t ncols = m->ncols - (!typed && ((mode >> 6) & 1));
    int nrows = (int)(cells_take(&s) % (list ? (unsigned)limit + 3 : 3));

    cells_spec specs[MAX_FIELDS];
    for (size_t i = 0; i < ncols; i++)
        specs[i] = typed ? cells_typed_spec(m->cols[i].kind, cells_take(&s)) : cells_raw_spec(&s);

    arena *ha = NULL; /* the harness's own JSON trees */
    const jsonr_mem mem = {cells_arena_mem, &ha};
    cells_value *cells = cells_alloc((size_t)nrows * ncols);
    size_t cell_bytes = 0;
    for (int row = 0; row < nrows; row++)
        for (size_t i = 0; i < ncols; i++) {
            cells_value *cv = &cells[(size_t)row * ncols + i];
            if (typed)
                cells_typed(&s, &m->cols[i], &specs[i], cv, &mem);
            else
                cells_raw(&s, cv);
            cell_bytes += cv->len > 0 ? (size_t)cv->len : 0;
        }

    struct pgq q = {cells_result(m, specs, ncols, cells, nrows), pool_cut};
    rpc_call c = {0};
    list_page page = {.limit = limit};
    if (list)
        rowmap_reply_list(&c, m, &q, &page, res->resp);
    else
        rowmap_reply_one(&c, m, &q, "resource not found");

    FUZZ_CHECK(c.outcomes == 1);
    size_t served = 0;
    const ProtobufCMessage *const *items = NULL;
    if (c.code == GRPC_STATUS_OK && list) {
        FUZZ_CHECK(c.reply->descriptor == res->resp);
        const ProtobufCFieldDescriptor *items_fd = expect_field_of(res->resp, res->items);
        const ProtobufCFieldDescriptor *token_fd = expect_field_of(res->resp, "next_page_token");
        served = EXPECT_COUNT_OF(c.reply, items_fd);
        items = (const ProtobufCMessage *const *)EXPECT_AT(c.reply, items_fd, ProtobufCMessage **);
        int whole = nrows < limit ? nrows : limit;
        FUZZ_CHECK(served <= (size_t)whole);
        FUZZ_CHECK(c.next_calls == 1);
        FUZZ_CHECK(c.next_nrows == (pool_cut || served < (size_t)whole ? limit + 1 : nrows));
        FUZZ_CHECK(strcmp(EXPECT_AT(c.reply, token_fd, char *),
                          c.next_nrows > limit ? FIXED_TOKEN : "") == 0);
        check_cursor(m, &c, served ? items[served - 1] : NULL);
    } else if (c.code == GRPC_STATUS_OK) {
        FUZZ_CHECK(nrows >= 1);
        FUZZ_CHECK(c.reply->descriptor == m->desc);
        items = &c.reply;
        served = 1;
    } else {
        FUZZ_CHECK(c.next_calls == 0);
        if (!list && nrows == 0)
            FUZZ_CHECK(c.code == GRPC_STATUS_NOT_FOUND);
        else
            FUZZ_CHECK(c.code == GRPC_STATUS_INTERNAL || c.code == GRPC_STATUS_RESOURCE_EXHAUSTED);
    }

    if (typed) {
        FUZZ_CHECK(c.code != GRPC_STATUS_INTERNAL);
        /* Rows small enough that no cap of rowmap.h can matter: exactly
         * what rowmap must do. (A JSON value takes at least a byte.) */
        if (cell_bytes < ROWMAP_JSON_READ_VALUES) {
            int whole = list ? (nrows < limit ? nrows : limit) : (nrows > 0);
            int readable = 0;
            while (readable < whole && !expect_row_over(m, &cells[(size_t)readable * ncols]))
                readable++;
            if (whole > 0 && readable == 0)
                FUZZ_CHECK(c.code == GRPC_STATUS_RESOURCE_EXHAUSTED);
            else if (whole > 0 || list)
                FUZZ_CHECK(c.code == GRPC_STATUS_OK && served == (size_t)readable);
        }
        for (size_t k = 0; c.code == GRPC_STATUS_OK && k < served; k++)
            expect_check_row(m, items[k], &cells[k * ncols], &mem);
    }
    if (verbose)
        fprintf(stderr, "%s %s %s, %d rows, limit %d%s: %s, %zu served\n", m->desc->name,
                list ? "list" : "one", typed ? "TYPED" : "RAW", nrows, limit,
                pool_cut ? " (cut)" : "", code_name(c.code), served);

    for (size_t k = c.ndefers; k-- > 0;)
        c.defers[k].fn(c.defers[k].p);
    free(c.defers);
    arena_free(&c.mem);
    PQclear(q.res);
    cells_free(cells, (size_t)nrows * ncols);
    arena_free(&ha);
    return 0;
}

/* ---- rowmaps from the service descriptors ----------------------------- */

static rowmap submaps[MAX_SUBMAPS];
static rowmap_col subcols[MAX_SUBMAPS][MAX_FIELDS];
static size_t nsubmaps;
static valid_enum enum_tab[MAX_ENUMS];
static char enum_text[MAX_ENUMS][64];
static size_t nenums;

static const char *const kind_names[] = {
    [RM_TEXT] = "text",           [RM_INT32] = "int32",      [RM_DOUBLE] = "double",
    [RM_BOOL] = "bool",           [RM_TS] = "timestamp",     [RM_STRUCT] = "struct",
    [RM_STRUCT_LIST] = "structs", [RM_TEXT_ARRAY] = "texts", [RM_ENUM] = "enum",
    [RM_MSG_LIST] = "messages",
};

/* The enum's values but 0, each with its name in lower case as its text. */
static const valid_enum *enum_table(const ProtobufCEnumDescriptor *e, size_t *n)
{
    size_t start = nenums;
    for (unsigned k = 0; k < e->n_values; k++) {
        if (e->values[k].value == 0)
            continue;
        FUZZ_CHECK(nenums < MAX_ENUMS);
        char *t = enum_text[nenums];
        size_t len = 0;
        for (const char *s = e->values[k].name; *s && len + 1 < sizeof(enum_text[0]); s++)
            t[len++] = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
        t[len] = '\0';
        enum_tab[nenums++] = (valid_enum){e->values[k].value, t};
    }
    *n = nenums - start;
    return &enum_tab[start];
}

/* A sub-message's column (RM_MSG_LIST): the kinds sub_member reads. */
static bool sub_col(const ProtobufCFieldDescriptor *fd, rowmap_col *col)
{
    if (fd->label == PROTOBUF_C_LABEL_REPEATED)
        return false;
    *col = (rowmap_col){fd->name, RM_TEXT, 0, NULL, 0, NULL};
    switch (fd->type) {
    case PROTOBUF_C_TYPE_STRING:
        return true;
    case PROTOBUF_C_TYPE_INT32:
        col->kind = RM_INT32;
        return true;
    case PROTOBUF_C_TYPE_DOUBLE:
        col->kind = RM_DOUBLE;
        return true;
    case PROTOBUF_C_TYPE_BOOL:
        col->kind = RM_BOOL;
        return true;
    case PROTOBUF_C_TYPE_MESSAGE:
        col->kind = RM_STRUCT;
        return fd->descriptor == &google__protobuf__struct__descriptor;
    default:
        return false;
    }
}

static const rowmap *sub_map(const ProtobufCMessageDescriptor *d)
{
    for (size_t k = 0; k < nsubmaps; k++)
        if (submaps[k].desc == d)
            return &submaps[k];
    FUZZ_CHECK(nsubmaps < MAX_SUBMAPS);
    rowmap_col *cols = subcols[nsubmaps];
    size_t n = 0;
    for (unsigned i = 0; i < d->n_fields; i++) {
        FUZZ_CHECK(n < MAX_FIELDS);
        n += sub_col(&d->fields[i], &cols[n]);
    }
    submaps[nsubmaps] = (rowmap){d, cols, n, -1, -1};
    return &submaps[nsubmaps++];
}

/* A resource's column for field fd, or false: a type rowmap has no kind for. */
static bool top_col(const ProtobufCFieldDescriptor *fd, rowmap_col *col)
{
    bool rep = fd->label == PROTOBUF_C_LABEL_REPEATED;
    *col = (rowmap_col){fd->name, RM_TEXT, 0, NULL, 0, NULL};
    switch (fd->type) {
    case PROTOBUF_C_TYPE_STRING:
        col->kind = rep ? RM_TEXT_ARRAY : RM_TEXT;
        return true;
    case PROTOBUF_C_TYPE_INT32:
        col->kind = RM_INT32;
        return !rep;
    case PROTOBUF_C_TYPE_DOUBLE:
        col->kind = RM_DOUBLE;
        return !rep;
    case PROTOBUF_C_TYPE_BOOL:
        col->kind = RM_BOOL;
        return !rep;
    case PROTOBUF_C_TYPE_ENUM:
        if (rep)
            return false;
        col->kind = RM_ENUM;
        col->enums = enum_table(fd->descriptor, &col->nenums);
        return true;
    case PROTOBUF_C_TYPE_MESSAGE:
        if (fd->descriptor == &google__protobuf__timestamp__descriptor) {
            col->kind = RM_TS;
            return !rep;
        }
        if (fd->descriptor == &google__protobuf__struct__descriptor) {
            col->kind = rep ? RM_STRUCT_LIST : RM_STRUCT;
            return true;
        }
        if (!rep)
            return false;
        col->kind = RM_MSG_LIST;
        col->sub = sub_map(fd->descriptor);
        return true;
    default:
        return false;
    }
}

static void add_resource(const ProtobufCMethodDescriptor *md)
{
    const ProtobufCMessageDescriptor *out = md->output;
    const ProtobufCFieldDescriptor *items = NULL, *token = NULL;
    for (unsigned i = 0; i < out->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &out->fields[i];
        if (fd->label == PROTOBUF_C_LABEL_REPEATED && fd->type == PROTOBUF_C_TYPE_MESSAGE)
            items = fd;
        else if (strcmp(fd->name, "next_page_token") == 0)
            token = fd;
    }
    if (!items)
        return;
    const ProtobufCMessageDescriptor *d = items->descriptor;
    for (size_t k = 0; k < nresources; k++)
        if (resources[k].map.desc == d)
            return;
    FUZZ_CHECK(nresources < MAX_RESOURCES);
    resource *r = &resources[nresources++];
    size_t n = 0;
    int ts = -1, first_int = -1, id = -1;
    for (unsigned i = 0; i < d->n_fields; i++) {
        FUZZ_CHECK(n < MAX_FIELDS);
        rowmap_col *col = &r->cols[n];
        if (!top_col(&d->fields[i], col))
            continue;
        if (col->kind == RM_TS && strcmp(col->field, "created_at") == 0)
            ts = (int)n;
        if (col->kind == RM_INT32 && first_int < 0)
            first_int = (int)n;
        if (col->kind == RM_TEXT && strcmp(col->field, "id") == 0)
            id = (int)n;
        n++;
    }
    r->map = (rowmap){d, r->cols, n, ts >= 0 ? ts : first_int, id};
    r->method = md->name;
    r->items = items->name;
    r->resp = r->map.cursor_ts >= 0 && id >= 0 && token ? out : NULL;
}

static void print_cols(const rowmap *m, const char *indent)
{
    for (size_t i = 0; i < m->ncols; i++) {
        const rowmap_col *col = &m->cols[i];
        fprintf(stderr, "%s%2zu %s %s", indent, i, col->field, kind_names[col->kind]);
        for (size_t k = 0; k < col->nenums; k++)
            fprintf(stderr, "%s%s=%d", k ? ", " : " {", col->enums[k].text, col->enums[k].value);
        if (col->nenums)
            fprintf(stderr, "}");
        if (col->kind == RM_MSG_LIST)
            fprintf(stderr, " of %s:", col->sub->desc->name);
        fprintf(stderr, "\n");
        if (col->kind == RM_MSG_LIST)
            print_cols(col->sub, "           ");
    }
}

static void init(void)
{
    if (nresources > 0)
        return;
    static const ProtobufCServiceDescriptor *const services[] = {
        &cameos__credits__v1__credits_service__descriptor,
        &cameos__content__v1__content_service__descriptor,
        &cameos__planning__v1__planning_service__descriptor,
    };
    for (size_t s = 0; s < sizeof(services) / sizeof(services[0]); s++)
        for (unsigned i = 0; i < services[s]->n_methods; i++)
            if (strncmp(services[s]->methods[i].name, "List", 4) == 0)
                add_resource(&services[s]->methods[i]);
    FUZZ_CHECK(nresources > 0);
    /* FUZZ_ROWMAP_LIST=1: print the table (byte 0 indexes it), and the
     * outcome of each input. */
    const char *list = getenv("FUZZ_ROWMAP_LIST");
    verbose = list != NULL && list[0] == '1';
    if (!verbose)
        return;
    for (size_t k = 0; k < nresources; k++) {
        const resource *r = &resources[k];
        fprintf(stderr, "%zu %s (%s: %s)", k, r->map.desc->name, r->method, r->items);
        if (r->resp)
            fprintf(stderr, ", cursor (%s, %s)\n", r->cols[r->map.cursor_ts].field,
                    r->cols[r->map.cursor_id].field);
        else
            fprintf(stderr, ", reply_one only\n");
        print_cols(&r->map, "    ");
    }
}

/* ---- what the entry point checks with ---------------------------------- */

static const char *code_name(grpc_status_code code)
{
    switch (code) {
    case GRPC_STATUS_OK:
        return "OK";
    case GRPC_STATUS_NOT_FOUND:
        return "NOT_FOUND";
    case GRPC_STATUS_RESOURCE_EXHAUSTED:
        return "RESOURCE_EXHAUSTED";
    case GRPC_STATUS_INTERNAL:
        return "INTERNAL";
    default:
        return "other";
    }
}

/* The cursor list_next got against the last item served. */
static void check_cursor(const rowmap *m, const rpc_call *c, const ProtobufCMessage *last)
{
    if (!last) {
        FUZZ_CHECK(c->next_us == 0 && c->next_id[0] == '\0');
        return;
    }
    const ProtobufCFieldDescriptor *ts_fd = expect_field_of(m->desc, m->cols[m->cursor_ts].field);
    const ProtobufCFieldDescriptor *id_fd = expect_field_of(m->desc, m->cols[m->cursor_id].field);
    if (m->cols[m->cursor_ts].kind == RM_INT32) {
        FUZZ_CHECK(c->next_us == EXPECT_AT(last, ts_fd, int32_t));
    } else {
        const Google__Protobuf__Timestamp *ts =
            EXPECT_AT(last, ts_fd, Google__Protobuf__Timestamp *);
        __int128 want = ts ? (__int128)ts->seconds * 1000000 + ts->nanos / 1000 : 0;
        FUZZ_CHECK((__int128)c->next_us == want);
    }
    FUZZ_CHECK(strcmp(c->next_id, EXPECT_AT(last, id_fd, char *)) == 0);
}
