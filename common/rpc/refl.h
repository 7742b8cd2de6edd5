/*
 * refl - the transport-free part of gRPC server reflection.
 *
 * An index is built once at start from the serialized FileDescriptorSet that
 * `protoc --include_imports --descriptor_set_out` writes; it then answers one
 * serialized grpc.reflection.v1 ServerReflectionRequest with one serialized
 * ServerReflectionResponse.  v1alpha has the same wire format, so the same
 * bytes serve both.  The index is read-only after build and may be shared by
 * threads without locking.
 *
 * Memory: the index owns copies of everything it keeps (the caller may free
 * the descriptor set and the service names after refl_index_build returns);
 * refl_answer's *out is malloc'd and owned by the caller.
 */
#ifndef CAMEOS_REFL_H
#define CAMEOS_REFL_H

#include <stddef.h>
#include <stdint.h>

typedef struct refl_index refl_index;

/*
 * `services` is a NULL-terminated list of the full service names this server
 * serves, returned by list_services in that order.  Returns 0 and sets *out, or
 * -1 when the set cannot be parsed, a listed service is not defined in it, or
 * memory runs out.
 */
int refl_index_build(const uint8_t *fds, size_t len, const char *const *services, refl_index **out)
    __attribute__((warn_unused_result));

void refl_index_free(refl_index *ix);

/*
 * Returns 0 with a response in *out / *out_len (also for NOT_FOUND and
 * INVALID_ARGUMENT answers, which travel as error_response), -1 when the
 * request bytes cannot be parsed (end the stream with INVALID_ARGUMENT), -2
 * when memory runs out (end the stream with INTERNAL).
 */
int refl_answer(const refl_index *ix, const uint8_t *req, size_t req_len, uint8_t **out,
                size_t *out_len) __attribute__((warn_unused_result));

#endif
