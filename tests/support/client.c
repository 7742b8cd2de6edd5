/* client - a blocking gRPC client for the integration tests. */
#include "client.h"

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "google/rpc/error_details.pb-c.h"
#include "google/rpc/status.pb-c.h"

/* Core ends a call at its deadline; this much later we cancel it ourselves,
 * so a bug on either side shows up as a failed call, never as a hung test. */
#define TC_GUARD_MS 5000

struct tc_chan {
    grpc_channel *ch;
};

/* One call in flight: what we send and what core fills in. */
typedef struct tc_call {
    grpc_completion_queue *cq;
    grpc_call *call;
    gpr_timespec deadline;
    grpc_metadata *md;
    size_t nmd;
    grpc_byte_buffer *send;
    grpc_metadata_array recv_md;
    grpc_metadata_array trailers;
    grpc_status_code status;
    grpc_slice details;
} tc_call;

/* grpc_init is refcounted by core too; counting here keeps init and
 * shutdown paired with tc_connect and tc_close whatever else the test does. */
static pthread_mutex_t tc_init_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned tc_init_refs;

static const char *const tc_code_names[] = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
};

static void tc_result_init(tc_result *out);
static const char *tc_read_details(const tc_call *c, tc_result *out);
static int tc_unary_bytes(tc_chan *ch, const char *method_path, const uint8_t *req, size_t len,
                          const ProtobufCMessageDescriptor *resp_desc, const char *token,
                          const char *const *extra_md, int deadline_ms, tc_result *out);
static int tc_call_begin(tc_call *c, tc_chan *ch, const char *method_path, const uint8_t *req,
                         size_t len, const char *token, const char *const *extra_md,
                         int deadline_ms);
static int tc_call_run(tc_call *c, const grpc_op *ops, size_t nops);
static void tc_call_end(tc_call *c);
static void tc_call_status(tc_call *c, tc_result *out);
static int tc_build_md(tc_call *c, const char *token, const char *const *extra_md);
static int tc_read_buffer(grpc_byte_buffer *bb, uint8_t **data, size_t *len);
static char *tc_strdup_len(const char *s, size_t n);
static void tc_set_message(tc_result *out, const char *msg);
static gpr_timespec tc_deadline(int ms);
static void tc_grpc_ref(void);
static void tc_grpc_unref(void);

tc_chan *tc_connect(const char *addr)
{
    if (addr == NULL || *addr == '\0')
        return NULL;
    tc_chan *ch = calloc(1, sizeof(*ch));
    if (ch == NULL)
        return NULL;
    tc_grpc_ref();

    /* A private subchannel pool gives each tc_chan its own connection, so a
     * test opening two channels really has two clients. Short reconnect
     * back-off lets a test follow a service restart within a second. The
     * receive limit is lifted so that only the server's limits are tested. */
    grpc_arg args[] = {
        {GRPC_ARG_INTEGER, GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, {.integer = 1}},
        {GRPC_ARG_INTEGER, GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, {.integer = 100}},
        {GRPC_ARG_INTEGER, GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, {.integer = 100}},
        {GRPC_ARG_INTEGER, GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, {.integer = 1000}},
        {GRPC_ARG_INTEGER, GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, {.integer = -1}},
    };
    grpc_channel_args cargs = {sizeof(args) / sizeof(args[0]), args};
    grpc_channel_credentials *creds = grpc_insecure_credentials_create();
    if (creds != NULL) {
        ch->ch = grpc_channel_create(addr, creds, &cargs);
        grpc_channel_credentials_release(creds);
    }
    if (ch->ch == NULL) {
        free(ch);
        tc_grpc_unref();
        return NULL;
    }
    return ch;
}

void tc_close(tc_chan *ch)
{
    if (ch == NULL)
        return;
    grpc_channel_destroy(ch->ch);
    free(ch);
    tc_grpc_unref();
}

int tc_wait_ready(tc_chan *ch, int timeout_ms)
{
    if (ch == NULL)
        return -1;
    gpr_timespec deadline = tc_deadline(timeout_ms);
    grpc_completion_queue *cq = grpc_completion_queue_create_for_pluck(NULL);
    int tag, rc = -1;
    for (;;) {
        grpc_connectivity_state st = grpc_channel_check_connectivity_state(ch->ch, 1);
        if (st == GRPC_CHANNEL_READY) {
            rc = 0;
            break;
        }
        if (st == GRPC_CHANNEL_SHUTDOWN ||
            gpr_time_cmp(gpr_now(GPR_CLOCK_MONOTONIC), deadline) >= 0)
            break;
        /* Completes on the next state change, or unsuccessfully at the deadline. */
        grpc_channel_watch_connectivity_state(ch->ch, st, deadline, cq, &tag);
        grpc_event ev =
            grpc_completion_queue_pluck(cq, &tag, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
        if (ev.type != GRPC_OP_COMPLETE || !ev.success)
            break;
    }
    grpc_completion_queue_shutdown(cq);
    while (grpc_completion_queue_pluck(cq, NULL, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL).type !=
           GRPC_QUEUE_SHUTDOWN)
        ;
    grpc_completion_queue_destroy(cq);
    return rc;
}

int tc_unary(tc_chan *ch, const char *method_path, const ProtobufCMessage *req,
             const ProtobufCMessageDescriptor *resp_desc, const char *token,
             const char *const *extra_md, int deadline_ms, tc_result *out)
{
    if (req == NULL) {
        if (out != NULL)
            tc_result_init(out);
        return -1;
    }
    size_t len = protobuf_c_message_get_packed_size(req);
    uint8_t *buf = malloc(len ? len : 1);
    if (buf == NULL) {
        if (out != NULL)
            tc_result_init(out);
        return -1;
    }
    protobuf_c_message_pack(req, buf);
    int rc =
        tc_unary_bytes(ch, method_path, buf, len, resp_desc, token, extra_md, deadline_ms, out);
    free(buf);
    return rc;
}

int tc_unary_raw(tc_chan *ch, const char *method_path, const uint8_t *req, size_t len,
                 const ProtobufCMessageDescriptor *resp_desc, const char *token, int deadline_ms,
                 tc_result *out)
{
    return tc_unary_bytes(ch, method_path, req, len, resp_desc, token, NULL, deadline_ms, out);
}

int tc_stream(tc_chan *ch, const char *method_path, const ProtobufCMessage *req,
              const ProtobufCMessageDescriptor *resp_desc, const char *token, int deadline_ms,
              int (*on_msg)(const ProtobufCMessage *m, void *arg), void *arg, tc_result *out)
{
    if (out == NULL)
        return -1;
    tc_result_init(out);
    if (req == NULL || resp_desc == NULL || on_msg == NULL)
        return -1;

    size_t len = protobuf_c_message_get_packed_size(req);
    uint8_t *buf = malloc(len ? len : 1);
    if (buf == NULL)
        return -1;
    protobuf_c_message_pack(req, buf);
    tc_call c;
    int rc = tc_call_begin(&c, ch, method_path, buf, len, token, NULL, deadline_ms);
    free(buf);
    if (rc != 0) {
        tc_call_end(&c);
        return -1;
    }

    grpc_op open[4];
    memset(open, 0, sizeof(open));
    open[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    /* Wait for the connection instead of failing fast: a fresh channel's
     * first connect can fail once (seen as a flaky UNAVAILABLE in a race
     * test); a service that is really down still ends at the deadline. */
    open[0].flags = GRPC_INITIAL_METADATA_WAIT_FOR_READY;
    open[0].data.send_initial_metadata.count = c.nmd;
    open[0].data.send_initial_metadata.metadata = c.md;
    open[1].op = GRPC_OP_SEND_MESSAGE;
    open[1].data.send_message.send_message = c.send;
    open[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    open[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    open[3].data.recv_initial_metadata.recv_initial_metadata = &c.recv_md;
    if (tc_call_run(&c, open, 4) != 0) {
        tc_call_end(&c);
        return -1;
    }

    /* Messages one at a time until core reports the end of the stream. */
    for (;;) {
        grpc_byte_buffer *bb = NULL;
        grpc_op op;
        memset(&op, 0, sizeof(op));
        op.op = GRPC_OP_RECV_MESSAGE;
        op.data.recv_message.recv_message = &bb;
        if (tc_call_run(&c, &op, 1) != 0) {
            tc_call_end(&c);
            return -1;
        }
        if (bb == NULL)
            break;
        uint8_t *data = NULL;
        size_t n = 0;
        int ok = tc_read_buffer(bb, &data, &n);
        grpc_byte_buffer_destroy(bb);
        if (ok != 0) {
            grpc_call_cancel_with_status(c.call, GRPC_STATUS_INTERNAL,
                                         "tc: out of memory reading a stream message", NULL);
            break;
        }
        out->resp_bytes += n;
        ProtobufCMessage *m = protobuf_c_message_unpack(resp_desc, NULL, n, data);
        free(data);
        if (m == NULL) {
            char why[256];
            snprintf(why, sizeof(why), "tc: stream message did not decode as %s (%zu bytes)",
                     resp_desc->name, n);
            grpc_call_cancel_with_status(c.call, GRPC_STATUS_INTERNAL, why, NULL);
            break;
        }
        int stop = on_msg(m, arg);
        protobuf_c_message_free_unpacked(m, NULL);
        if (stop) {
            grpc_call_cancel(c.call, NULL);
            break;
        }
    }

    grpc_op fin;
    memset(&fin, 0, sizeof(fin));
    fin.op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    fin.data.recv_status_on_client.trailing_metadata = &c.trailers;
    fin.data.recv_status_on_client.status = &c.status;
    fin.data.recv_status_on_client.status_details = &c.details;
    rc = tc_call_run(&c, &fin, 1);
    if (rc == 0)
        tc_call_status(&c, out);
    tc_call_end(&c);
    if (rc == 0 && out->message == NULL)
        rc = -1;
    return rc;
}

void tc_result_free(tc_result *r)
{
    if (r == NULL)
        return;
    free(r->message);
    if (r->resp != NULL)
        protobuf_c_message_free_unpacked(r->resp, NULL);
    tc_result_init(r);
}

const char *tc_code_name(grpc_status_code c)
{
    if ((int)c < 0 || (size_t)c >= sizeof(tc_code_names) / sizeof(tc_code_names[0]))
        return "?";
    return tc_code_names[c];
}

static void tc_result_init(tc_result *out)
{
    out->code = GRPC_STATUS_UNKNOWN;
    out->message = NULL;
    out->resp = NULL;
    out->resp_bytes = 0;
    out->reason[0] = out->domain[0] = out->field[0] = '\0';
    out->retry_ms = -1;
}

static int tc_unary_bytes(tc_chan *ch, const char *method_path, const uint8_t *req, size_t len,
                          const ProtobufCMessageDescriptor *resp_desc, const char *token,
                          const char *const *extra_md, int deadline_ms, tc_result *out)
{
    if (out == NULL)
        return -1;
    tc_result_init(out);
    if (req == NULL && len > 0)
        return -1;

    tc_call c;
    if (tc_call_begin(&c, ch, method_path, req, len, token, extra_md, deadline_ms) != 0) {
        tc_call_end(&c);
        return -1;
    }

    /* The whole exchange in one batch: core completes it with the status. */
    grpc_byte_buffer *recv = NULL;
    grpc_op ops[6];
    memset(ops, 0, sizeof(ops));
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    /* Wait for the connection instead of failing fast: a fresh channel's
     * first connect can fail once (seen as a flaky UNAVAILABLE in a race
     * test); a service that is really down still ends at the deadline. */
    ops[0].flags = GRPC_INITIAL_METADATA_WAIT_FOR_READY;
    ops[0].data.send_initial_metadata.count = c.nmd;
    ops[0].data.send_initial_metadata.metadata = c.md;
    ops[1].op = GRPC_OP_SEND_MESSAGE;
    ops[1].data.send_message.send_message = c.send;
    ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[3].data.recv_initial_metadata.recv_initial_metadata = &c.recv_md;
    ops[4].op = GRPC_OP_RECV_MESSAGE;
    ops[4].data.recv_message.recv_message = &recv;
    ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[5].data.recv_status_on_client.trailing_metadata = &c.trailers;
    ops[5].data.recv_status_on_client.status = &c.status;
    ops[5].data.recv_status_on_client.status_details = &c.details;
    if (tc_call_run(&c, ops, 6) != 0) {
        tc_call_end(&c);
        return -1;
    }

    int rc = 0;
    tc_call_status(&c, out);
    if (out->message == NULL)
        rc = -1;
    if (recv != NULL) {
        uint8_t *data = NULL;
        size_t n = 0;
        if (tc_read_buffer(recv, &data, &n) != 0) {
            rc = -1;
        } else {
            out->resp_bytes = n;
            if (rc == 0 && out->code == GRPC_STATUS_OK && resp_desc != NULL) {
                out->resp = protobuf_c_message_unpack(resp_desc, NULL, n, data);
                if (out->resp == NULL) {
                    char why[256];
                    snprintf(why, sizeof(why), "tc: OK response did not decode as %s (%zu bytes)",
                             resp_desc->name, n);
                    out->code = GRPC_STATUS_INTERNAL;
                    tc_set_message(out, why);
                }
            }
            free(data);
        }
        grpc_byte_buffer_destroy(recv);
    }
    tc_call_end(&c);
    return rc;
}

/* Fills c enough for tc_call_end to be safe whatever happens. */
static int tc_call_begin(tc_call *c, tc_chan *ch, const char *method_path, const uint8_t *req,
                         size_t len, const char *token, const char *const *extra_md,
                         int deadline_ms)
{
    memset(c, 0, sizeof(*c));
    c->status = GRPC_STATUS_UNKNOWN;
    c->details = grpc_empty_slice();
    grpc_metadata_array_init(&c->recv_md);
    grpc_metadata_array_init(&c->trailers);
    if (ch == NULL || method_path == NULL || method_path[0] != '/')
        return -1;
    if (tc_build_md(c, token, extra_md) != 0)
        return -1;

    grpc_slice s = grpc_slice_from_copied_buffer(len ? (const char *)req : "", len);
    c->send = grpc_raw_byte_buffer_create(&s, 1);
    grpc_slice_unref(s);

    c->deadline = tc_deadline(deadline_ms > 0 ? deadline_ms : TC_DEFAULT_DEADLINE_MS);
    c->cq = grpc_completion_queue_create_for_pluck(NULL);
    grpc_slice method = grpc_slice_from_copied_string(method_path);
    c->call = grpc_channel_create_call(ch->ch, NULL, GRPC_PROPAGATE_DEFAULTS, c->cq, method, NULL,
                                       c->deadline, NULL);
    grpc_slice_unref(method);
    return c->call != NULL && c->send != NULL && c->cq != NULL ? 0 : -1;
}

/* Starts one batch and waits for it. */
static int tc_call_run(tc_call *c, const grpc_op *ops, size_t nops)
{
    int tag;
    if (grpc_call_start_batch(c->call, ops, nops, &tag, NULL) != GRPC_CALL_OK)
        return -1;
    gpr_timespec guard = gpr_time_add(c->deadline, gpr_time_from_millis(TC_GUARD_MS, GPR_TIMESPAN));
    grpc_event ev = grpc_completion_queue_pluck(c->cq, &tag, guard, NULL);
    if (ev.type == GRPC_QUEUE_TIMEOUT) {
        grpc_call_cancel_with_status(c->call, GRPC_STATUS_DEADLINE_EXCEEDED,
                                     "tc: call outlived its deadline; cancelled by the client",
                                     NULL);
        ev = grpc_completion_queue_pluck(c->cq, &tag, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
    }
    return ev.type == GRPC_OP_COMPLETE ? 0 : -1;
}

static void tc_call_end(tc_call *c)
{
    if (c->call != NULL)
        grpc_call_unref(c->call);
    if (c->cq != NULL) {
        grpc_completion_queue_shutdown(c->cq);
        while (grpc_completion_queue_pluck(c->cq, NULL, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL)
                   .type != GRPC_QUEUE_SHUTDOWN)
            ;
        grpc_completion_queue_destroy(c->cq);
    }
    if (c->send != NULL)
        grpc_byte_buffer_destroy(c->send);
    for (size_t i = 0; i < c->nmd; i++) {
        grpc_slice_unref(c->md[i].key);
        grpc_slice_unref(c->md[i].value);
    }
    free(c->md);
    grpc_metadata_array_destroy(&c->recv_md);
    grpc_metadata_array_destroy(&c->trailers);
    grpc_slice_unref(c->details);
    memset(c, 0, sizeof(*c));
}

/* Copies the received status into out; out->message stays NULL on ENOMEM. */
static void tc_call_status(tc_call *c, tc_result *out)
{
    out->code = c->status;
    out->message = tc_strdup_len((const char *)GRPC_SLICE_START_PTR(c->details),
                                 GRPC_SLICE_LENGTH(c->details));
    const char *wrong = tc_read_details(c, out);
    const char *require = getenv("TC_REQUIRE_DETAILS");
    if (wrong && require && strcmp(require, "1") == 0) {
        fprintf(stderr, "tc: status %s \"%s\": %s (TC_REQUIRE_DETAILS)\n", tc_code_name(out->code),
                out->message ? out->message : "", wrong);
        abort();
    }
}

/* Copies at most TC_DETAIL_MAX - 1 bytes of s into dst. */
static void tc_copy(char dst[TC_DETAIL_MAX], const char *s)
{
    snprintf(dst, TC_DETAIL_MAX, "%s", s ? s : "");
}

/* Fills out's reason, domain, field and retry_ms from the trailer
 * grpc-status-details-bin. Returns NULL when the details are as
 * TC_REQUIRE_DETAILS wants them (see client.h), else what is wrong. */
static const char *tc_read_details(const tc_call *c, tc_result *out)
{
    const grpc_slice *bin = NULL, *pushback = NULL;
    for (size_t i = 0; i < c->trailers.count; i++) {
        if (grpc_slice_str_cmp(c->trailers.metadata[i].key, "grpc-status-details-bin") == 0)
            bin = &c->trailers.metadata[i].value;
        else if (grpc_slice_str_cmp(c->trailers.metadata[i].key, "grpc-retry-pushback-ms") == 0)
            pushback = &c->trailers.metadata[i].value;
    }
    if (out->code == GRPC_STATUS_OK)
        return bin ? "an OK status carries error details" : NULL;
    if (!bin) {
        switch (out->code) {
        case GRPC_STATUS_INVALID_ARGUMENT:
        case GRPC_STATUS_NOT_FOUND:
        case GRPC_STATUS_ALREADY_EXISTS:
        case GRPC_STATUS_PERMISSION_DENIED:
        case GRPC_STATUS_FAILED_PRECONDITION:
        case GRPC_STATUS_ABORTED:
        case GRPC_STATUS_OUT_OF_RANGE:
        case GRPC_STATUS_UNAUTHENTICATED:
        case GRPC_STATUS_INTERNAL:
            return "no grpc-status-details-bin trailer";
        default:
            return NULL; /* may come from gRPC itself, on either side */
        }
    }
    Google__Rpc__Status *st =
        google__rpc__status__unpack(NULL, GRPC_SLICE_LENGTH(*bin), GRPC_SLICE_START_PTR(*bin));
    if (!st)
        return "grpc-status-details-bin is not a google.rpc.Status";
    const char *wrong = NULL;
    if (st->code != (int32_t)out->code)
        wrong = "google.rpc.Status.code differs from the status";
    else if (!out->message || strcmp(st->message, out->message) != 0)
        wrong = "google.rpc.Status.message differs from the status message";
    for (size_t i = 0; i < st->n_details; i++) {
        const Google__Protobuf__Any *a = st->details[i];
        const char *type = strrchr(a->type_url, '/');
        type = type ? type + 1 : a->type_url;
        if (strcmp(type, "google.rpc.ErrorInfo") == 0) {
            Google__Rpc__ErrorInfo *e =
                google__rpc__error_info__unpack(NULL, a->value.len, a->value.data);
            if (!e) {
                wrong = "an ErrorInfo does not decode";
                continue;
            }
            tc_copy(out->reason, e->reason);
            tc_copy(out->domain, e->domain);
            google__rpc__error_info__free_unpacked(e, NULL);
        } else if (strcmp(type, "google.rpc.BadRequest") == 0) {
            Google__Rpc__BadRequest *b =
                google__rpc__bad_request__unpack(NULL, a->value.len, a->value.data);
            if (!b || b->n_field_violations == 0)
                wrong = "a BadRequest does not decode or names no field";
            else
                tc_copy(out->field, b->field_violations[0]->field);
            if (b)
                google__rpc__bad_request__free_unpacked(b, NULL);
        } else if (strcmp(type, "google.rpc.RetryInfo") == 0) {
            Google__Rpc__RetryInfo *r =
                google__rpc__retry_info__unpack(NULL, a->value.len, a->value.data);
            if (!r || !r->retry_delay)
                wrong = "a RetryInfo does not decode or has no delay";
            else
                out->retry_ms =
                    (int)(r->retry_delay->seconds * 1000 + r->retry_delay->nanos / 1000000);
            if (r)
                google__rpc__retry_info__free_unpacked(r, NULL);
        }
    }
    google__rpc__status__free_unpacked(st, NULL);
    /* grpc-retry-pushback-ms says what RetryInfo says, for gRPC's own retries. */
    char pb[16] = "";
    if (pushback)
        snprintf(pb, sizeof(pb), "%.*s", (int)GRPC_SLICE_LENGTH(*pushback),
                 (const char *)GRPC_SLICE_START_PTR(*pushback));
    if (!wrong && (out->retry_ms >= 0) != (pushback != NULL))
        wrong = "grpc-retry-pushback-ms present without RetryInfo, or missing beside it";
    else if (!wrong && pushback && atoi(pb) != out->retry_ms)
        wrong = "grpc-retry-pushback-ms differs from RetryInfo's delay";
    size_t dl = strlen(out->domain), sl = strlen(".cameos.dev");
    if (!wrong && out->reason[0] == '\0')
        wrong = "no ErrorInfo with a reason";
    else if (!wrong && (dl <= sl || strcmp(out->domain + dl - sl, ".cameos.dev") != 0))
        wrong = "ErrorInfo.domain is not <service>.cameos.dev";
    return wrong;
}

static int tc_build_md(tc_call *c, const char *token, const char *const *extra_md)
{
    size_t npairs = 0;
    if (extra_md != NULL) {
        while (extra_md[npairs * 2] != NULL) {
            if (extra_md[npairs * 2 + 1] == NULL)
                return -1; /* a key without a value */
            npairs++;
        }
    }
    size_t n = npairs + (token != NULL);
    if (n == 0)
        return 0;
    c->md = calloc(n, sizeof(*c->md));
    if (c->md == NULL)
        return -1;
    if (token != NULL) {
        static const char bearer[] = "Bearer ";
        size_t tl = strlen(token);
        grpc_slice v = grpc_slice_malloc(sizeof(bearer) - 1 + tl);
        memcpy(GRPC_SLICE_START_PTR(v), bearer, sizeof(bearer) - 1);
        memcpy(GRPC_SLICE_START_PTR(v) + sizeof(bearer) - 1, token, tl);
        c->md[c->nmd].key = grpc_slice_from_static_string("authorization");
        c->md[c->nmd].value = v;
        c->nmd++;
    }
    for (size_t i = 0; i < npairs; i++) {
        c->md[c->nmd].key = grpc_slice_from_copied_string(extra_md[i * 2]);
        c->md[c->nmd].value = grpc_slice_from_copied_string(extra_md[i * 2 + 1]);
        c->nmd++;
    }
    return 0;
}

/* Flattens a received buffer (core may have decompressed it) into malloc'd
 * bytes. */
static int tc_read_buffer(grpc_byte_buffer *bb, uint8_t **data, size_t *len)
{
    grpc_byte_buffer_reader r;
    if (!grpc_byte_buffer_reader_init(&r, bb))
        return -1;
    grpc_slice s = grpc_byte_buffer_reader_readall(&r);
    grpc_byte_buffer_reader_destroy(&r);
    size_t n = GRPC_SLICE_LENGTH(s);
    uint8_t *p = malloc(n ? n : 1);
    if (p != NULL && n > 0)
        memcpy(p, GRPC_SLICE_START_PTR(s), n);
    grpc_slice_unref(s);
    if (p == NULL)
        return -1;
    *data = p;
    *len = n;
    return 0;
}

static char *tc_strdup_len(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p == NULL)
        return NULL;
    if (n > 0)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* Replaces the server's message with a local explanation (kept on ENOMEM). */
static void tc_set_message(tc_result *out, const char *msg)
{
    char *p = tc_strdup_len(msg, strlen(msg));
    if (p == NULL)
        return;
    free(out->message);
    out->message = p;
}

static gpr_timespec tc_deadline(int ms)
{
    return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(ms, GPR_TIMESPAN));
}

static void tc_grpc_ref(void)
{
    pthread_mutex_lock(&tc_init_lock);
    if (tc_init_refs++ == 0)
        grpc_init();
    pthread_mutex_unlock(&tc_init_lock);
}

static void tc_grpc_unref(void)
{
    pthread_mutex_lock(&tc_init_lock);
    if (--tc_init_refs == 0)
        grpc_shutdown();
    pthread_mutex_unlock(&tc_init_lock);
}
