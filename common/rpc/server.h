/*
 * server.h - the process a service's main() hands over to: configuration,
 * gRPC server, libuv loop, PostgreSQL pool, health, reflection, logging,
 * the drain on SIGTERM, and the `migrate` subcommand.
 *
 * Ownership: the service's rpc_service (its method table, statements and
 * hooks) is borrowed for the life of the process; the server owns the rest.
 */
#ifndef CAMEOS_SERVER_H
#define CAMEOS_SERVER_H

#include "rpc.h"

/* The whole process: `<binary>` serves, `<binary> migrate` applies pending
 * migrations and exits. Returns the exit status. */
int server_main(const rpc_service *svc, int argc, char **argv);

#endif
