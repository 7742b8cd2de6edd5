/*
 * pgbin (common/pgbin) against a real PostgreSQL: each query runs twice,
 * once with text results and once with binary ones, and every binary value
 * must decode to exactly what the text format says: numerics of every
 * shape, times before 1970 and after 2000, uuids, integers, floats, bools
 * and jsonb. No service is involved; this lives with the integration tests
 * because it needs the database (DATABASE_URL).
 */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pgbin.h"
#include "testdb.h"

/* sql run in both formats; the results must have the same shape. */
static void both(PGconn *db, const char *sql, PGresult **text, PGresult **bin)
{
    *text = PQexecParams(db, sql, 0, NULL, NULL, NULL, NULL, 0);
    *bin = PQexecParams(db, sql, 0, NULL, NULL, NULL, NULL, 1);
    cr_assert_eq(PQresultStatus(*text), PGRES_TUPLES_OK, "%s", PQerrorMessage(db));
    cr_assert_eq(PQresultStatus(*bin), PGRES_TUPLES_OK, "%s", PQerrorMessage(db));
    cr_assert_gt(PQntuples(*text), 0);
    cr_assert_eq(PQntuples(*text), PQntuples(*bin));
    cr_assert_eq(PQfformat(*bin, 0), 1);
}

Test(pgbin_db, numerics_print_as_postgres_prints_them)
{
    PGconn *db = tdb_connect();
    PGresult *t, *b;
    /* Integers, fractions, trailing zeros kept by the scale, tiny and huge
     * magnitudes, the specials, and 4000 generated values of every scale. */
    both(db,
         "select v from (values ('0'::numeric), ('-0.000'), ('12.50'), ('-12.500'),"
         " ('0.0001'), ('0.00000012'), ('123456789'), ('100000000000000000000'),"
         " ('99990009.00100'), ('1e-30'), ('-1e300'), ('1e400'), ('3.14159265358979323846'),"
         " ('NaN'), ('Infinity'), ('-Infinity')) x(v)"
         " union all select round((g * 7919.123457 - 500000)::numeric / 10::numeric ^ (g % 13), g "
         "% 9)"
         " from generate_series(1, 4000) g",
         &t, &b);
    cr_assert_eq(pgbin_type_of(PQftype(b, 0)), PGBIN_NUMERIC);
    char buf[512];
    for (int i = 0; i < PQntuples(t); i++) {
        const char *want = PQgetvalue(t, i, 0), *v = PQgetvalue(b, i, 0);
        size_t len = (size_t)PQgetlength(b, i, 0);
        long n = pgbin_numeric_text(v, len, buf, sizeof(buf));
        cr_assert_eq(n, (long)strlen(want), "row %d: %s", i, want);
        cr_assert_str_eq(buf, want, "row %d", i);
        double d, w = strtod(want, NULL);
        cr_assert_eq(pgbin_double(PGBIN_NUMERIC, v, len, &d), 0);
        cr_assert(isnan(w) ? isnan(d) : d == w, "%s read as %.17g", want, d);
    }
    PQclear(t);
    PQclear(b);
    PQfinish(db);
}

Test(pgbin_db, timestamps_are_the_epoch_microseconds_of_sql_us)
{
    PGconn *db = tdb_connect();
    PGresult *t, *b;
    /* binary: the timestamptz; text: (extract(epoch ...) * 1000000)::int8 of
     * the same value, as the text-format statements select it. */
    const char *times = "select timestamptz '1999-12-31 23:59:59.999999+00' + g * interval "
                        "'1234567.654321 seconds' - interval '5000 days' as ts"
                        " from generate_series(-3000, 3000) g union all values"
                        " (timestamptz '0001-01-01 00:00:00+00'), ('1970-01-01 00:00:00+00'),"
                        " ('1969-12-31 23:59:59.999999+00'), ('9999-12-31 23:59:59.999999+00'),"
                        " ('2000-01-01 00:00:00+00'), ('2026-11-26 12:00:00.123456+00')";
    char sql[1024];
    snprintf(sql, sizeof(sql), "select ts from (%s) x order by ts", times);
    PGresult *tmp = PQexecParams(db, sql, 0, NULL, NULL, NULL, NULL, 1);
    snprintf(sql, sizeof(sql),
             "select (extract(epoch from ts) * 1000000)::int8 from (%s) x order by ts", times);
    t = PQexecParams(db, sql, 0, NULL, NULL, NULL, NULL, 0);
    b = tmp;
    cr_assert_eq(PQresultStatus(t), PGRES_TUPLES_OK, "%s", PQerrorMessage(db));
    cr_assert_eq(PQresultStatus(b), PGRES_TUPLES_OK, "%s", PQerrorMessage(db));
    cr_assert_eq(PQntuples(t), 6007);
    cr_assert_eq(PQntuples(b), 6007);
    cr_assert_eq(pgbin_type_of(PQftype(b, 0)), PGBIN_TIMESTAMP);
    for (int i = 0; i < PQntuples(t); i++) {
        long long us;
        cr_assert_eq(pgbin_epoch_us(PQgetvalue(b, i, 0), (size_t)PQgetlength(b, i, 0), &us), 0);
        cr_assert_eq(us, strtoll(PQgetvalue(t, i, 0), NULL, 10), "row %d", i);
    }
    PQclear(t);
    PQclear(b);
    PQfinish(db);
}

Test(pgbin_db, uuids_integers_floats_bools_and_jsonb)
{
    PGconn *db = tdb_connect();
    PGresult *t, *b;
    both(
        db,
        "select md5(g::text)::uuid, (g * 7 - 7000)::int2, (g * 1000003 - 1)::int4,"
        " (g::int8 * 4611686018427387 - 9223372036854775807), g / 7.0::float8, (g / 3.0)::float4,"
        " g % 2 = 0, jsonb_build_object('g', g, 's', repeat('é', g % 5), 'a', jsonb_build_array(g))"
        " from generate_series(0, 2000) g",
        &t, &b);
    const pgbin_type want[] = {PGBIN_UUID,   PGBIN_INT2,   PGBIN_INT4, PGBIN_INT8,
                               PGBIN_FLOAT8, PGBIN_FLOAT4, PGBIN_BOOL, PGBIN_JSONB};
    for (int c = 0; c < 8; c++)
        cr_assert_eq(pgbin_type_of(PQftype(b, c)), want[c], "column %d", c);
    for (int i = 0; i < PQntuples(t); i++) {
        const char *v;
        size_t len;
#define CELL(c) (v = PQgetvalue(b, i, c), len = (size_t)PQgetlength(b, i, c), PQgetvalue(t, i, c))
        const char *text = CELL(0);
        char u[PGBIN_UUID_TEXT];
        cr_assert_eq(pgbin_uuid_text(v, len, u), 0);
        cr_assert_str_eq(u, text);
        for (int c = 1; c <= 3; c++) {
            long long n;
            text = CELL(c);
            cr_assert_eq(pgbin_int(want[c], v, len, &n), 0);
            cr_assert_eq(n, strtoll(text, NULL, 10), "row %d column %d", i, c);
        }
        for (int c = 4; c <= 5; c++) {
            double d;
            text = CELL(c);
            cr_assert_eq(pgbin_double(want[c], v, len, &d), 0);
            /* float4 text is the shortest that reads back as the float. */
            double w = c == 5 ? (double)strtof(text, NULL) : strtod(text, NULL);
            cr_assert_eq(d, w, "row %d column %d: %s", i, c, text);
        }
        int flag;
        text = CELL(6);
        cr_assert_eq(pgbin_bool(v, len, &flag), 0);
        cr_assert_eq(flag, text[0] == 't');
        const char *json;
        size_t n;
        text = CELL(7);
        cr_assert_eq(pgbin_jsonb_text(v, len, &json, &n), 0);
        cr_assert_eq(n, strlen(text));
        cr_assert_eq(memcmp(json, text, n), 0, "row %d", i);
#undef CELL
    }
    PQclear(t);
    PQclear(b);
    PQfinish(db);
}
