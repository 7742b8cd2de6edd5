/* Unit tests for file_read: a file read whole and exactly (NULs too), the
 * bound (a file of max bytes is read, one byte more refused with EFBIG,
 * and /dev/zero, endless, refused within the bound), an empty file, and a
 * missing one (the open's errno). */
#include "file.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

/* A temporary file holding len bytes of data. */
static void make_file(const void *data, size_t len)
{
    snprintf(path, sizeof(path), "/tmp/test_file_XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert(write(fd, data, len) == (ssize_t)len);
    cr_assert(close(fd) == 0);
}

static void remove_file(void)
{
    unlink(path);
}

TestSuite(file, .fini = remove_file);

Test(file, reads_every_byte_and_ends_with_a_nul)
{
    static const char data[] = "-----BEGIN\0CERT-----\nline two\n";
    make_file(data, sizeof(data) - 1);
    size_t len = 0;
    char *s = file_read(path, 1024, &len);
    cr_assert(s != NULL);
    cr_assert(len == sizeof(data) - 1);
    cr_assert(memcmp(s, data, len) == 0);
    cr_assert(s[len] == '\0');
    free(s);
}

Test(file, a_file_of_max_bytes_is_read_one_more_is_refused)
{
    size_t max = 10000; /* past the first 4 KiB: the buffer grows twice */
    char *data = malloc(max + 1);
    cr_assert(data != NULL);
    for (size_t i = 0; i <= max; i++)
        data[i] = (char)('a' + i % 26);
    make_file(data, max);
    size_t len = 0;
    char *s = file_read(path, max, &len);
    cr_assert(s != NULL && len == max && memcmp(s, data, max) == 0);
    free(s);
    remove_file();
    make_file(data, max + 1);
    errno = 0;
    cr_assert(file_read(path, max, &len) == NULL);
    cr_assert(errno == EFBIG, "errno %d", errno);
    free(data);
}

Test(file, an_endless_file_is_refused_within_the_bound)
{
    errno = 0;
    cr_assert(file_read("/dev/zero", 1 << 20, NULL) == NULL);
    cr_assert(errno == EFBIG);
}

Test(file, an_empty_file_is_an_empty_string)
{
    make_file("", 0);
    size_t len = 1;
    char *s = file_read(path, 0, &len);
    cr_assert(s != NULL && len == 0 && s[0] == '\0');
    free(s);
}

Test(file, a_missing_file_gives_the_open_errno)
{
    errno = 0;
    cr_assert(file_read("/nonexistent/cameos/file", 100, NULL) == NULL);
    cr_assert(errno == ENOENT);
}
