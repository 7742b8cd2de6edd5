/*
 * file - a small file read whole: a TLS certificate or key, a cgroup's
 * cpu.max. Bounded, so that a path that names something endless
 * (/dev/zero, a pipe nobody closes) or huge by mistake fails at start-up
 * instead of eating the process's memory.
 */
#ifndef CAMEOS_FILE_H
#define CAMEOS_FILE_H

#include <stddef.h>

/* The file at path as a NUL-terminated string, and its length in *len
 * (when len is not NULL; the string may hold NULs of its own). NULL, with
 * errno set, when it cannot be opened or read (the open's errno), holds
 * more than max bytes (EFBIG), or out of memory (ENOMEM). The caller frees
 * the string. */
char *file_read(const char *path, size_t max, size_t *len) __attribute__((warn_unused_result));

#endif
