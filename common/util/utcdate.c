/*
 * utcdate.c - see utcdate.h. The civil date comes from the day count by the
 * usual 400-year-era arithmetic: eras of 146097 days, years counted from
 * March so that the leap day falls last.
 */
#include "utcdate.h"

void utcdate_of(long long unix_us, utc_date *out)
{
    long long sec = unix_us / 1000000, us = unix_us % 1000000;
    if (us < 0) {
        us += 1000000;
        sec--;
    }
    long long days = sec >= 0 ? sec / 86400 : -((-sec + 86399) / 86400);
    long long rem = sec - days * 86400;
    long long z = days + 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    out->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    out->month = (int)(mp < 10 ? mp + 3 : mp - 9);
    out->year = yoe + era * 400 + (out->month <= 2);
    out->hour = (int)(rem / 3600);
    out->min = (int)(rem / 60 % 60);
    out->sec = (int)(rem % 60);
    out->us = (int)us;
}
