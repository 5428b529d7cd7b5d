/*
 * fuzz_expect.c — the --expect file reader (probes/expect.c) on a file of
 * fuzz bytes (a memfd, read through its /proc path like any file).
 * Property: an error is one line.
 * Input: the file's bytes.
 */
#define _GNU_SOURCE
#include "fuzz.h"
#include "xp.h"
#include "xp_expect.h"

#include <sys/mman.h>
#include <unistd.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    struct xp_expect *e;
    char path[64], err[1024] = "";

    if (fd < 0 && (fd = memfd_create("expect", 0)) < 0)
        abort();
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    e = xp_expect_new();
    if (xp_expect_load(e, path, err, sizeof(err)) < 0)
        FUZZ_ASSERT(err[0] && !strchr(err, '\n'), "error %.200s", err);
    xp_expect_free(e);
    return 0;
}
