/* Unit tests for h2watch: RST_STREAM frames counted per second from frame
 * headers only, however the bytes are split, and the cut before the frame
 * that crosses the line. */
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
    h2watch_init(&w);
    size_t len;
    uint8_t *b = resets(H2WATCH_RESETS_PER_S - 1, &len);
    int flood = 0;
    cr_assert_eq(h2watch_feed(&w, b, len, 5000, &flood), len);
    cr_assert_eq(flood, 0);
    free(b);
}

Test(h2watch, the_frame_that_crosses_is_cut_with_the_rest)
{
    h2watch w;
    h2watch_init(&w);
    size_t len;
    uint8_t *b = resets(H2WATCH_RESETS_PER_S + 50, &len);
    int flood = 0;
    size_t keep = h2watch_feed(&w, b, len, 5000, &flood);
    cr_assert_eq(flood, 1);
    /* The preface and the resets before the line, not the one on it. */
    cr_assert_eq(keep, sizeof(preface) - 1 + (H2WATCH_RESETS_PER_S - 1) * 13);
    free(b);
}

Test(h2watch, byte_by_byte_counts_the_same)
{
    h2watch w;
    h2watch_init(&w);
    size_t len;
    uint8_t *b = resets(H2WATCH_RESETS_PER_S, &len);
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

Test(h2watch, a_new_second_starts_again)
{
    h2watch w;
    h2watch_init(&w);
    size_t len;
    uint8_t *b = resets(H2WATCH_RESETS_PER_S - 1, &len);
    int flood = 0;
    cr_assert_eq(h2watch_feed(&w, b, len, 1000, &flood), len);
    /* Another 999 in the next second, without the preface this time. */
    size_t pl = sizeof(preface) - 1;
    cr_assert_eq(h2watch_feed(&w, b + pl, len - pl, 2000, &flood), len - pl);
    cr_assert_eq(flood, 0);
    free(b);
}

Test(h2watch, payloads_are_skipped_not_read)
{
    h2watch w;
    h2watch_init(&w);
    uint8_t *b = malloc(64 + 3 * (9 + 60000));
    cr_assert_not_null(b);
    memcpy(b, preface, sizeof(preface) - 1);
    size_t off = sizeof(preface) - 1;
    for (int i = 0; i < 3; i++)
        off += put_frame(b + off, 0, 60000); /* DATA full of 0x03 bytes */
    int flood = 0;
    cr_assert_eq(h2watch_feed(&w, b, off, 1000, &flood), off);
    cr_assert_eq(flood, 0);
    cr_assert_eq(w.resets, 0, "no RST_STREAM frame was sent");
    free(b);
}

Test(h2watch, not_http2_is_not_followed)
{
    h2watch w;
    h2watch_init(&w);
    /* A TLS record, then what would be thousands of resets in cleartext. */
    size_t len;
    uint8_t *b = resets(3 * H2WATCH_RESETS_PER_S, &len);
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
        h2watch_init(&w);
        size_t n = H2WATCH_CONTROL_PER_S + 10, len;
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
        cr_assert_eq(keep,
                     sizeof(preface) - 1 + (H2WATCH_CONTROL_PER_S - 1) * (type == 6 ? 17 : 9));
        free(b);
    }
}

Test(h2watch, acknowledgements_are_not_counted)
{
    h2watch w;
    h2watch_init(&w);
    size_t n = 3 * H2WATCH_CONTROL_PER_S;
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
