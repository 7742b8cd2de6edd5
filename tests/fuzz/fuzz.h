/*
 * fuzz.h - what the libFuzzer harnesses of tests/fuzz share: the entry
 * point's prototype, FUZZ_CHECK (an invariant that must hold whatever the
 * input: abort() so that libFuzzer keeps the input as a crash), and small
 * reference implementations the harnesses compare the project's code with.
 * Header-only (static functions): each harness is one .c file, but for
 * fuzz_rowmap, whose modules rowmap_cells.c and rowmap_expect.c include it
 * too.
 */
#ifndef CAMEOS_FUZZ_H
#define CAMEOS_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "google/protobuf/struct.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Code points in the n bytes at s by Unicode's table of well-formed byte
 * sequences (Table 3-7), or -1: the reference for valid.c, jsonr.c and
 * pbjson.c, which each have their own decoder. */
static inline long fuzz_utf8_chars(const unsigned char *s, size_t n)
{
    long count = 0;
    for (size_t i = 0; i < n; count++) {
        unsigned c = s[i];
        unsigned lo = 0x80, hi = 0xBF;
        size_t len;
        if (c <= 0x7F) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            len = 2;
        else if (c == 0xE0)
            len = 3, lo = 0xA0;
        else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
            len = 3;
        else if (c == 0xED)
            len = 3, hi = 0x9F;
        else if (c == 0xF0)
            len = 4, lo = 0x90;
        else if (c >= 0xF1 && c <= 0xF3)
            len = 4;
        else if (c == 0xF4)
            len = 4, hi = 0x8F;
        else
            return -1;
        if (n - i < len || s[i + 1] < lo || s[i + 1] > hi)
            return -1;
        for (size_t k = 2; k < len; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xBF)
                return -1;
        i += len;
    }
    return count;
}

/* The timestamptz text pagetoken_ts_text promises for unix_us, through
 * glibc's gmtime_r (proleptic Gregorian too) instead of utcdate.c's day
 * arithmetic. 0, or -1 when gmtime_r cannot say (year beyond an int). */
static inline int fuzz_ts_text(long long unix_us, char *out, size_t size)
{
    long long s = unix_us / 1000000, us = unix_us % 1000000;
    if (us < 0) {
        us += 1000000;
        s -= 1;
    }
    time_t t = (time_t)s;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL)
        return -1;
    long long year = (long long)tm.tm_year + 1900;
    snprintf(out, size, "%04lld-%02d-%02d %02d:%02d:%02d.%06lld+00%s", year > 0 ? year : 1 - year,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us,
             year > 0 ? "" : " BC");
    return 0;
}

/* A NUL-terminated copy of n bytes (ASan sees any read past it). */
static inline char *fuzz_strndup(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    FUZZ_CHECK(s != NULL);
    if (n > 0)
        memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* a and b are the same JSON value: kinds, scalars (numbers bit for bit),
 * struct entries in order, list elements. For the harnesses that read JSON
 * twice and compare (fuzz_jsonr, fuzz_rowmap). */
static inline bool fuzz_same_value(const Google__Protobuf__Value *a,
                                   const Google__Protobuf__Value *b);

static inline bool fuzz_same_struct(const Google__Protobuf__Struct *a,
                                    const Google__Protobuf__Struct *b)
{
    if (!a || !b)
        return a == b;
    if (a->n_fields != b->n_fields)
        return false;
    for (size_t k = 0; k < a->n_fields; k++)
        if (strcmp(a->fields[k]->key, b->fields[k]->key) != 0 ||
            !fuzz_same_value(a->fields[k]->value, b->fields[k]->value))
            return false;
    return true;
}

static inline bool fuzz_same_value(const Google__Protobuf__Value *a,
                                   const Google__Protobuf__Value *b)
{
    if (!a || !b || a->kind_case != b->kind_case)
        return false;
    switch (a->kind_case) {
    case GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE:
        return true;
    case GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE:
        return memcmp(&a->number_value, &b->number_value, sizeof(double)) == 0;
    case GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE:
        return strcmp(a->string_value, b->string_value) == 0;
    case GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE:
        return !a->bool_value == !b->bool_value;
    case GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE:
        return fuzz_same_struct(a->struct_value, b->struct_value);
    case GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE:
        if (a->list_value->n_values != b->list_value->n_values)
            return false;
        for (size_t k = 0; k < a->list_value->n_values; k++)
            if (!fuzz_same_value(a->list_value->values[k], b->list_value->values[k]))
                return false;
        return true;
    default:
        return false;
    }
}

#endif
