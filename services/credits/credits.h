/*
 * credits.h - the credits service's handlers and its prepared statements.
 */
#ifndef CAMEOS_CREDITS_H
#define CAMEOS_CREDITS_H

#include "cameos/credits/v1/credits.pb-c.h"
#include "rpc.h"

/* Statement indexes into credits_stmts. */
enum { ST_GET_PROFILE, CREDITS_NSTMTS };
extern const pgpool_stmt credits_stmts[CREDITS_NSTMTS];

void credits_get_profile(rpc_call *c, const ProtobufCMessage *req);

#endif
