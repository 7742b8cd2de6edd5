/* Unit tests for h2watch: RST_STREAM frames drawn from a bucket, read from
 * frame headers only, however the bytes are split; the cut before the frame
 * that finds the bucket empty; a slow reader crossing the line all the same.
 * Header blocks (HEADERS, then CONTINUATION) bounded in bytes, one block at
 * a time. The clock is the caller's, so time here is simulated. */
#include "h2watch.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/* Appends a frame of type with a payload of len bytes (all 0x03 0x00 ...,
 * which would read as RST_STREAM headers if payloads were looked at). */
static size_t put_frame(uint8_t *out, uint8_t type, uint32_t len)
{
    out[0] = (uint8_t)(len >> 16);
    out[1] = (uint8_t)(len >> 8);
    out[2] = (uint8_t)len;
    out[3] = type;
    out[4] = 0;
    memset(out + 5, 0, 4);
    out[8] = 1;
    for (uint32_t i = 0; i < len; i++)
        out[9 + i] = i % 9 == 3 ? 3 : 0;
    return 9 + len;
}

/* preface + n RST_STREAM frames (4-byte payload each). */
static uint8_t *resets(size_t n, size_t *len)
{
    uint8_t *b = malloc(sizeof(preface) + n * 13);
    cr_assert_not_null(b);
    memcpy(b, preface, sizeof(preface) - 1);
    size_t off = sizeof(preface) - 1;
    for (size_t i = 0; i < n; i++)
        off += put_frame(b + off, 3, 4);
    *len = off;
    return b;
}

Test(h2watch, below_the_line_everything_passes)
{
    h2watch w;
    h2watch_init(&w, 0);
    size_t len;
    uint8_t *b = resets(H2WATCH_RESET_BURST, &len);
    int flood = 0;
    cr_assert_eq(h2watch_feed(&w, b, len, 5000, &flood), len);
    cr_assert_eq(flood, 0);
    free(b);
}

Test(h2watch, the_frame_that_crosses_is_cut_with_the_rest)
{
    h2watch w;
    h2watch_init(&w, 0);
    size_t len;
    uint8_t *b = resets(H2WATCH_RESET_BURST + 50, &len);
    int flood = 0;
    size_t keep = h2watch_feed(&w, b, len, 5000, &flood);
    cr_assert_eq(flood, 1);
    /* The preface and the burst, not the reset that found the bucket empty. */
    cr_assert_eq(keep, sizeof(preface) - 1 + H2WATCH_RESET_BURST * 13);
    free(b);
}

Test(h2watch, byte_by_byte_counts_the_same)
{
    h2watch w;
    h2watch_init(&w, 0);
    size_t len;
    uint8_t *b = resets(H2WATCH_RESET_BURST + 1, &len);
    int flood = 0;
    size_t kept = 0, i;
    for (i = 0; i < len && !flood; i++)
        kept += h2watch_feed(&w, b + i, 1, 7000, &flood);
    cr_assert_eq(flood, 1);
    cr_assert_eq(i, len - 4, "the line is crossed by the last frame's header");
    /* Its first 8 bytes went on before it was known; its 9th and the rest
     * do not. */
    cr_assert_eq(kept, len - 5);
    free(b);
}

Test(h2watch, the_bucket_refills_at_its_rate)
{
    h2watch w;
    h2watch_init(&w, 0);
    size_t len;
    uint8_t *b = resets(H2WATCH_RESET_BURST, &len);
    int flood = 0;
    cr_assert_eq(h2watch_feed(&w, b, len, 1000, &flood), len);
    /* One second later RATE more pass, and the one after them is cut. */
    size_t pl = sizeof(preface) - 1;
    size_t rate_bytes = H2WATCH_RESET_RATE * 13;
    cr_assert_eq(h2watch_feed(&w, b + pl, rate_bytes + 13, 2000, &flood), rate_bytes);
    cr_assert_eq(flood, 1);
    free(b);
}

Test(h2watch, a_whole_idle_second_does_not_overfill_the_bucket)
{
    h2watch w;
    h2watch_init(&w, 0);
    size_t len;
    uint8_t *b = resets(H2WATCH_RESET_BURST + 1, &len);
    int flood = 0;
    /* An hour idle, then more than a burst at once: still cut at the burst. */
    cr_assert_eq(h2watch_feed(&w, b, len, 3600u * 1000u, &flood), len - 13);
    cr_assert_eq(flood, 1);
    free(b);
}

/* The flaw a count per second had: a server starved of CPU reads the flood
 * at fewer than BURST frames a second and never tripped it. Read here at
 * five times RATE (50 resets every 100 ms, far under BURST a second), the
 * line is crossed once the burst is spent: after about
 * BURST / (5 RATE - RATE) seconds, 2.5 s with the values of h2watch.h. */
Test(h2watch, a_slow_reader_still_crosses_the_line)
{
    h2watch w;
    h2watch_init(&w, 0);
    size_t per_read = H2WATCH_RESET_RATE / 2;
    size_t len;
    uint8_t *b = resets(per_read, &len);
    int flood = 0;
    size_t pl = sizeof(preface) - 1;
    cr_assert_eq(h2watch_feed(&w, b, pl, 1000, &flood), pl);
    uint64_t now = 1000;
    size_t passed = 0;
    int reads = 0;
    while (!flood && reads < 1000) {
        now += 100;
        size_t kept = h2watch_feed(&w, b + pl, len - pl, now, &flood);
        passed += kept / 13;
        reads++;
    }
    cr_assert_eq(flood, 1, "never cut after %d reads", reads);
    /* Elapsed s = reads / 10: the burst plus RATE a second, give or take
     * the read that crossed. */
    size_t most = H2WATCH_RESET_BURST + H2WATCH_RESET_RATE * (size_t)reads / 10;
    cr_assert(passed <= most && passed + per_read >= most, "%zu passed, %zu allowed", passed, most);
    free(b);
}

Test(h2watch, payloads_are_skipped_not_read)
{
    h2watch w;
    h2watch_init(&w, 0);
    uint8_t *b = malloc(64 + 3 * (9 + 60000));
    cr_assert_not_null(b);
    memcpy(b, preface, sizeof(preface) - 1);
    size_t off = sizeof(preface) - 1;
    for (int i = 0; i < 3; i++)
        off += put_frame(b + off, 0, 60000); /* DATA full of 0x03 bytes */
    int flood = 0;
    cr_assert_eq(h2watch_feed(&w, b, off, 1000, &flood), off);
    cr_assert_eq(flood, 0);
    cr_assert_eq(w.reset_credit, H2WATCH_RESET_BURST * 1000u, "no RST_STREAM frame was counted");
    free(b);
}

Test(h2watch, not_http2_is_not_followed)
{
    h2watch w;
    h2watch_init(&w, 0);
    /* A TLS record, then what would be thousands of resets in cleartext. */
    size_t len;
    uint8_t *b = resets(3 * H2WATCH_RESET_BURST, &len);
    b[0] = 0x16;
    b[1] = 0x03;
    int flood = 0;
    cr_assert_eq(h2watch_feed(&w, b, len, 1000, &flood), len);
    cr_assert_eq(flood, 0);
    free(b);
}

Test(h2watch, ping_and_settings_floods_cross_their_own_line)
{
    for (int type = 4; type <= 6; type += 2) {
        h2watch w;
        h2watch_init(&w, 0);
        size_t n = H2WATCH_CONTROL_BURST + 10, len;
        uint8_t *b = resets(n, &len);
        /* Turn the resets into PINGs (8-byte payload needs room: rebuild). */
        free(b);
        b = malloc(sizeof(preface) + n * 17);
        cr_assert_not_null(b);
        memcpy(b, preface, sizeof(preface) - 1);
        len = sizeof(preface) - 1;
        for (size_t i = 0; i < n; i++)
            len += put_frame(b + len, (uint8_t)type, type == 6 ? 8 : 0);
        int flood = 0;
        size_t keep = h2watch_feed(&w, b, len, 9000, &flood);
        cr_assert_eq(flood, 1, "type %d", type);
        cr_assert_eq(keep, sizeof(preface) - 1 + H2WATCH_CONTROL_BURST * (type == 6 ? 17 : 9));
        free(b);
    }
}

Test(h2watch, acknowledgements_are_not_counted)
{
    h2watch w;
    h2watch_init(&w, 0);
    size_t n = 3 * H2WATCH_CONTROL_BURST;
    uint8_t *b = malloc(sizeof(preface) + n * 17);
    cr_assert_not_null(b);
    memcpy(b, preface, sizeof(preface) - 1);
    size_t len = sizeof(preface) - 1;
    for (size_t i = 0; i < n; i++) {
        size_t at = len;
        len += put_frame(b + len, 6, 8);
        b[at + 4] = 1; /* ACK */
    }
    int flood = 0;
    cr_assert_eq(h2watch_feed(&w, b, len, 9000, &flood), len);
    cr_assert_eq(flood, 0);
    free(b);
}

/* preface + HEADERS without END_HEADERS + n CONTINUATION frames of size
 * each, the last one ending the block when end is set. */
static uint8_t *header_block(size_t n, uint32_t size, int end, size_t *len)
{
    uint8_t *b = malloc(sizeof(preface) + (n + 1) * (9 + size));
    cr_assert_not_null(b);
    memcpy(b, preface, sizeof(preface) - 1);
    size_t off = sizeof(preface) - 1;
    off += put_frame(b + off, 1, size);
    for (size_t i = 0; i < n; i++) {
        size_t at = off;
        off += put_frame(b + off, 9, size);
        if (end && i + 1 == n)
            b[at + 4] = 4; /* END_HEADERS */
    }
    *len = off;
    return b;
}

Test(h2watch, a_header_block_within_its_bound_passes)
{
    h2watch w;
    h2watch_init(&w, 4 * 16384);
    size_t len;
    uint8_t *b = header_block(3, 16384, 1, &len); /* exactly the bound */
    int flood = 0;
    cr_assert_eq(h2watch_feed(&w, b, len, 1000, &flood), len);
    cr_assert_eq(flood, 0);
    free(b);
}

Test(h2watch, the_frame_that_takes_a_block_past_its_bound_is_cut)
{
    size_t len;
    uint8_t *b = header_block(63, 16384, 1, &len); /* 1 MiB of metadata */
    /* However the bytes are split, the cut lands at the 5th frame. */
    size_t splits[] = {len, 16384, 4096, 9, 1};
    for (size_t s = 0; s < sizeof(splits) / sizeof(splits[0]); s++) {
        h2watch w;
        h2watch_init(&w, 4 * 16384);
        size_t kept = 0, off = 0;
        int flood = 0;
        while (off < len && !flood) {
            size_t k = len - off < splits[s] ? len - off : splits[s];
            kept += h2watch_feed(&w, b + off, k, 1000, &flood);
            off += k;
        }
        cr_assert_eq(flood, 1, "split %zu", splits[s]);
        /* What came before the crossing frame goes on; so may those bytes of
         * its header that an earlier read held, never more. */
        size_t before = sizeof(preface) - 1 + 4 * (9 + 16384);
        cr_assert(kept >= before && kept < before + 9, "split %zu kept %zu", splits[s], kept);
    }
    free(b);
}

Test(h2watch, blocks_are_counted_one_at_a_time)
{
    /* Many blocks of 3 frames, each ended, under a bound of 3 frames: the
     * sum is far past the bound, and no block is. */
    h2watch w;
    h2watch_init(&w, 3 * 16384);
    int flood = 0;
    size_t len;
    uint8_t *b = header_block(2, 16384, 1, &len);
    size_t frames = len - (sizeof(preface) - 1);
    cr_assert_eq(h2watch_feed(&w, b, len, 1000, &flood), len);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(h2watch_feed(&w, b + sizeof(preface) - 1, frames, 1000, &flood), frames);
    cr_assert_eq(flood, 0);
    free(b);
}

Test(h2watch, without_a_bound_any_block_passes)
{
    h2watch w;
    h2watch_init(&w, 0);
    size_t len;
    uint8_t *b = header_block(63, 16384, 0, &len);
    int flood = 0;
    cr_assert_eq(h2watch_feed(&w, b, len, 1000, &flood), len);
    cr_assert_eq(flood, 0);
    free(b);
}
