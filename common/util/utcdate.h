/*
 * utcdate.h - UTC calendar fields of a Unix time in microseconds, by
 * day-count arithmetic (proleptic Gregorian, astronomical years: 0 is 1 BC).
 * Shared by the log's timestamps and the page bounds sent to PostgreSQL, so
 * that neither goes through gmtime_r (which takes glibc's time-zone lock) and
 * both agree on every date. Pure; any long long input is in range.
 */
#ifndef CAMEOS_UTCDATE_H
#define CAMEOS_UTCDATE_H

typedef struct utc_date {
    long long year;
    int month, day;     /* 1-12, 1-31 */
    int hour, min, sec; /* 0-23, 0-59, 0-59 */
    int us;             /* 0-999999 */
} utc_date;

void utcdate_of(long long unix_us, utc_date *out);

#endif
