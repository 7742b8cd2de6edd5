/*
 * embed.h - files compiled into the binary by cmake/embed.cmake.
 *
 * The arrays are static data owned by the binary; nothing is ever freed.
 */
#ifndef CAMEOS_EMBED_H
#define CAMEOS_EMBED_H

#include <stddef.h>

typedef struct embed_file {
    const char *name; /* base name, e.g. "0001_auth.sql" */
    const char *data; /* NUL-terminated contents */
    size_t len;       /* length without the NUL */
} embed_file;

/* The migrations in name order, terminated by a {NULL} entry. */
extern const embed_file embed_migrations[];
extern const size_t embed_migrations_count;

#endif
