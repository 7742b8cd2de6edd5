/*
 * fuzz_h2watch - the bytes a client sends on a plaintext connection, as
 * connlimit.c hands each read to h2watch_feed, in reads of random sizes at
 * an increasing clock.
 *
 * Feeds: byte 0: bit 7 puts the HTTP/2 client preface first, bits 0-4 + 1
 * are how many times the data is repeated (so that the flood thresholds,
 * 1000 frames a second, are in reach of short inputs); byte 1: the clock's
 * step per read in ms; bytes 2-3: the seed of the read sizes; byte 4: the
 * largest read (255: up to 16 KiB); the rest: the data.
 * Asserts, against a reference that follows the same rules one byte at a
 * time over the whole stream:
 *  - each feed hands on all its bytes, or on the flood the bytes before the
 *    frame that reached the threshold or took its header block past
 *    BLOCK_MAX bytes (none when that frame's header began in an earlier
 *    read), and flags the flood then and only then;
 *  - after each feed, state, buckets, payload bytes left and the header
 *    block's count agree;
 *  - once not following (TLS, not HTTP/2, or after a flood), every byte is
 *    handed on and nothing is flagged.
 */
#include "fuzz.h"

#include <stdbool.h>

#include "h2watch.h"

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
#define PREFACE_LEN (sizeof(preface) - 1)
/* Small, so that short inputs reach it. */
#define BLOCK_MAX 2048u

/* The reference: the same state, advanced one byte at a time. */
typedef struct ref {
    int state; /* 0 preface, 1 header, 2 payload, 3 off */
    size_t have;
    uint8_t hdr[9];
    uint32_t skip;
    uint64_t last_ms;
    uint64_t resets, control; /* thousandths of a frame left in each bucket */
    uint64_t block;           /* bytes of the header block under way */
    bool in_block;            /* HEADERS or PUSH_PROMISE without END_HEADERS */
} ref;

/* One more byte; true when it completes the header of the frame that
 * floods (the connection is then off). */
static bool ref_byte(ref *r, uint8_t b)
{
    switch (r->state) {
    case 0:
        if (b != (uint8_t)preface[r->have]) {
            r->state = 3;
            return false;
        }
        if (++r->have == PREFACE_LEN) {
            r->state = 1;
            r->have = 0;
        }
        return false;
    case 1:
        r->hdr[r->have++] = b;
        if (r->have < 9)
            return false;
        r->have = 0;
        r->skip = (uint32_t)r->hdr[0] << 16 | (uint32_t)r->hdr[1] << 8 | r->hdr[2];
        uint64_t *bucket = r->hdr[3] == 3                                           ? &r->resets
                           : (r->hdr[3] == 4 || r->hdr[3] == 6) && !(r->hdr[4] & 1) ? &r->control
                                                                                    : NULL;
        if (bucket) {
            if (*bucket < 1000) {
                r->state = 3;
                return true;
            }
            *bucket -= 1000;
        }
        uint8_t type = r->hdr[3];
        if (type == 1 || type == 5 || (type == 9 && r->in_block)) {
            r->block = type == 9 ? r->block + r->skip : r->skip;
            r->in_block = !(r->hdr[4] & 4);
            if (r->block > BLOCK_MAX) {
                r->state = 3;
                return true;
            }
        }
        r->state = r->skip ? 2 : 1;
        return false;
    case 2:
        if (--r->skip == 0)
            r->state = 1;
        return false;
    default:
        return false;
    }
}

static uint32_t next_rand(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5)
        return 0;
    bool with_preface = data[0] & 0x80;
    size_t repeat = (size_t)(data[0] & 31) + 1;
    uint64_t step = data[1];
    uint32_t seed = (uint32_t)data[2] << 8 | data[3] | 0x10000u;
    size_t max_read = data[4] == 255 ? 16384 : (size_t)data[4] + 1;
    const uint8_t *body = data + 5;
    size_t blen = size - 5;

    size_t total = (with_preface ? PREFACE_LEN : 0) + repeat * blen;
    uint8_t *stream = malloc(total ? total : 1);
    FUZZ_CHECK(stream != NULL);
    size_t at = 0;
    if (with_preface) {
        memcpy(stream, preface, PREFACE_LEN);
        at = PREFACE_LEN;
    }
    for (size_t i = 0; i < repeat; i++, at += blen)
        if (blen > 0)
            memcpy(stream + at, body, blen);

    h2watch w;
    h2watch_init(&w, BLOCK_MAX);
    ref r = {.resets = H2WATCH_RESET_BURST * 1000u, .control = H2WATCH_CONTROL_BURST * 1000u};
    uint64_t now = 1000000;
    for (size_t off = 0; off < total; now += step) {
        size_t n = 1 + next_rand(&seed) % max_read;
        if (n > total - off)
            n = total - off;
        /* each read is its own buffer: ASan sees any read past it */
        uint8_t *buf = malloc(n);
        FUZZ_CHECK(buf != NULL);
        memcpy(buf, stream + off, n);

        /* the reference's view of this read */
        if (now > r.last_ms) {
            uint64_t dt = now - r.last_ms;
            r.last_ms = now;
            r.resets += dt * H2WATCH_RESET_RATE;
            if (r.resets > H2WATCH_RESET_BURST * 1000u)
                r.resets = H2WATCH_RESET_BURST * 1000u;
            r.control += dt * H2WATCH_CONTROL_RATE;
            if (r.control > H2WATCH_CONTROL_BURST * 1000u)
                r.control = H2WATCH_CONTROL_BURST * 1000u;
        }
        bool was_off = r.state == 3;
        size_t want = n;
        bool flood = false;
        for (size_t i = 0; i < n && r.state != 3; i++) {
            if (ref_byte(&r, buf[i])) {
                flood = true;
                /* the frame's header began 8 bytes before this one */
                want = i >= 8 ? i - 8 : 0;
            }
        }

        int got_flood = 0;
        size_t got = h2watch_feed(&w, buf, n, now, &got_flood);
        FUZZ_CHECK(got == want);
        FUZZ_CHECK(got_flood == (int)flood);
        if (was_off)
            FUZZ_CHECK(got == n && !got_flood);
        FUZZ_CHECK(w.state == r.state);
        if (r.state != 3) {
            FUZZ_CHECK(w.reset_credit == r.resets && w.control_credit == r.control);
            FUZZ_CHECK(w.have == r.have);
            FUZZ_CHECK(w.block == r.block && w.in_block == r.in_block);
            if (r.state == 2)
                FUZZ_CHECK(w.skip == r.skip);
        }
        free(buf);
        off += n;
    }
    free(stream);
    return 0;
}
