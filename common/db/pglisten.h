/*
 * pglisten.h - one dedicated PostgreSQL connection that LISTENs on a channel
 * and hands each NOTIFY payload to a callback, driven by the libuv loop (no
 * polling: the socket wakes the loop). However many streams wait for
 * changes, they share this one connection.
 *
 * The connection reconnects with back-off when it breaks; notifications
 * sent while it was down are lost, so after every (re)connect the callback
 * gets payload NULL, meaning "resynchronise: re-read what you watch".
 * Ownership: the listener owns its connection and handles; payload strings
 * are valid during the callback only. Loop thread only.
 */
#ifndef CAMEOS_PGLISTEN_H
#define CAMEOS_PGLISTEN_H

#include <uv.h>

typedef struct pglisten pglisten;
typedef void (*pglisten_fn)(const char *payload, void *arg);

pglisten *pglisten_new(uv_loop_t *loop, const char *conninfo, const char *app_name,
                       const char *channel, pglisten_fn fn, void *arg)
    __attribute__((warn_unused_result));
/* Closes the connection and handles; the memory goes when they are closed. */
void pglisten_close(pglisten *l);

#endif
