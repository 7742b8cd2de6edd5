/*
 * pgrow.c - text result values to C (see pgrow.h).
 */
#include "pgrow.h"

#include <stdlib.h>

char *pgrow_str(const PGresult *r, int row, int col)
{
    return PQgetvalue(r, row, col); /* libpq gives "" for NULL */
}

int pgrow_is_null(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col);
}

long long pgrow_i64(const PGresult *r, int row, int col)
{
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

int pgrow_i32(const PGresult *r, int row, int col)
{
    return (int)strtol(PQgetvalue(r, row, col), NULL, 10);
}

double pgrow_f64(const PGresult *r, int row, int col)
{
    return strtod(PQgetvalue(r, row, col), NULL);
}

int pgrow_bool(const PGresult *r, int row, int col)
{
    return PQgetvalue(r, row, col)[0] == 't';
}

Google__Protobuf__Timestamp *pgrow_ts(const PGresult *r, int row, int col,
                                      Google__Protobuf__Timestamp *ts)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    long long us = pgrow_i64(r, row, col);
    google__protobuf__timestamp__init(ts);
    long long sec = us / 1000000, rem = us % 1000000;
    if (rem < 0) { /* before 1970: nanos must stay positive */
        sec -= 1;
        rem += 1000000;
    }
    ts->seconds = sec;
    ts->nanos = (int32_t)(rem * 1000);
    return ts;
}
