/*
 * file.c - a small file read whole (see file.h).
 */
#include "file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

char *file_read(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    /* Grown as it fills: a file in /proc or /sys says its size is 0. */
    size_t used = 0, cap = 0;
    char *buf = NULL;
    int err = 0;
    for (;;) {
        if (used == cap) {
            /* Never past max + 1 bytes: one byte past max tells a file
             * over it (and a full buffer of max + 1 has ended the loop). */
            size_t want = cap ? cap * 2 : 4096;
            if (want > max + 1)
                want = max + 1;
            char *grown = realloc(buf, want + 1);
            if (!grown) {
                err = ENOMEM;
                break;
            }
            buf = grown;
            cap = want;
        }
        size_t n = fread(buf + used, 1, cap - used, f);
        used += n;
        if (used > max) {
            err = EFBIG;
            break;
        }
        if (n == 0) {
            if (ferror(f))
                err = EIO;
            break;
        }
    }
    fclose(f);
    if (err) {
        free(buf);
        errno = err;
        return NULL;
    }
    buf[used] = 0; /* the first turn allocated buf, or failed */
    if (len)
        *len = used;
    return buf;
}
