/*
 * h2watch.c - the frame-header walk of one connection (see h2watch.h).
 */
#include "h2watch.h"

#include <string.h>

enum { ST_PREFACE = 0, ST_HEADER = 1, ST_PAYLOAD = 2, ST_OFF = 3 };

#define FRAME_HEADERS      1
#define FRAME_RST_STREAM   3
#define FRAME_SETTINGS     4
#define FRAME_PUSH_PROMISE 5
#define FRAME_PING         6
#define FRAME_CONTINUATION 9
#define FLAG_ACK           1
#define FLAG_END_HEADERS   4

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
#define PREFACE_LEN (sizeof(preface) - 1)

#define FRAME_COST 1000u /* thousandths of a frame */

static uint32_t refill(uint32_t credit, uint64_t elapsed_ms, uint32_t rate, uint32_t burst);
static int block_grows_past(h2watch *w, uint8_t type, uint8_t flags, uint32_t len);

void h2watch_init(h2watch *w, uint32_t block_max)
{
    memset(w, 0, sizeof(*w));
    w->block_max = block_max;
    w->reset_credit = H2WATCH_RESET_BURST * FRAME_COST;
    w->control_credit = H2WATCH_CONTROL_BURST * FRAME_COST;
}

size_t h2watch_feed(h2watch *w, const uint8_t *p, size_t n, uint64_t now_ms, int *flood)
{
    const uint8_t *start = p;
    if (now_ms > w->last_ms) {
        uint64_t elapsed = now_ms - w->last_ms;
        w->last_ms = now_ms;
        w->reset_credit = refill(w->reset_credit, elapsed, H2WATCH_RESET_RATE, H2WATCH_RESET_BURST);
        w->control_credit =
            refill(w->control_credit, elapsed, H2WATCH_CONTROL_RATE, H2WATCH_CONTROL_BURST);
    }
    while (n > 0 && w->state != ST_OFF) {
        switch (w->state) {
        case ST_PREFACE: {
            size_t k = PREFACE_LEN - w->have;
            if (k > n)
                k = n;
            if (memcmp(p, preface + w->have, k) != 0) {
                w->state = ST_OFF; /* TLS, or not HTTP/2: nothing to follow */
                break;
            }
            w->have = (uint8_t)(w->have + k);
            p += k;
            n -= k;
            if (w->have == PREFACE_LEN) {
                w->state = ST_HEADER;
                w->have = 0;
            }
            break;
        }
        case ST_HEADER: {
            /* A header wholly in this read is read in place; one split
             * across reads is gathered in w->hdr first. */
            const uint8_t *h = p;
            size_t k = 9;
            if (w->have > 0 || n < 9) {
                k = 9u - w->have < n ? 9u - w->have : n;
                memcpy(w->hdr + w->have, p, k);
                w->have = (uint8_t)(w->have + k);
                h = w->hdr;
            }
            p += k;
            n -= k;
            if (h == w->hdr && w->have < 9)
                break;
            w->have = 0;
            w->skip = (uint32_t)h[0] << 16 | (uint32_t)h[1] << 8 | h[2];
            uint8_t type = h[3];
            int asks = (type == FRAME_PING || type == FRAME_SETTINGS) && !(h[4] & FLAG_ACK);
            uint32_t *bucket = type == FRAME_RST_STREAM ? &w->reset_credit
                               : asks                   ? &w->control_credit
                                                        : NULL;
            if ((bucket && *bucket < FRAME_COST) || block_grows_past(w, type, h[4], w->skip)) {
                /* Cut before this frame's header (its first bytes may have
                 * come in an earlier read: then nothing of this one goes on). */
                size_t used = (size_t)(p - start);
                *flood = 1;
                w->state = ST_OFF;
                return used >= k ? used - k : 0;
            }
            if (bucket)
                *bucket -= FRAME_COST;
            w->state = w->skip ? ST_PAYLOAD : ST_HEADER;
            break;
        }
        case ST_PAYLOAD: {
            size_t k = w->skip < n ? w->skip : n;
            w->skip -= (uint32_t)k;
            p += k;
            n -= k;
            if (w->skip == 0)
                w->state = ST_HEADER;
            break;
        }
        default:
            return (size_t)(p - start) + n;
        }
    }
    return (size_t)(p - start) + n;
}

/* ---- internals ------------------------------------------------------- */

/* Counts a frame of a header block; 1 when the block passes its bound. A
 * frame of another type ends no block: gRPC treats one inside a block as
 * the protocol error it is. */
static int block_grows_past(h2watch *w, uint8_t type, uint8_t flags, uint32_t len)
{
    if (type == FRAME_HEADERS || type == FRAME_PUSH_PROMISE)
        w->block = 0;
    else if (type != FRAME_CONTINUATION || !w->in_block)
        return 0;
    w->block = len > UINT32_MAX - w->block ? UINT32_MAX : w->block + len;
    w->in_block = !(flags & FLAG_END_HEADERS);
    return w->block_max && w->block > w->block_max;
}

/* rate thousandths a millisecond is rate frames a second. */
static uint32_t refill(uint32_t credit, uint64_t elapsed_ms, uint32_t rate, uint32_t burst)
{
    uint64_t full = (uint64_t)burst * FRAME_COST;
    uint64_t more = elapsed_ms >= full ? full : elapsed_ms * rate; /* no overflow */
    uint64_t sum = credit + more;
    return (uint32_t)(sum < full ? sum : full);
}
