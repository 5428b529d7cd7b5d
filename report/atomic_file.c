/*
 * atomic_file.c — see xp_atomic.h.
 */
#include "xp_atomic.h"
#include "xp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
finish(struct xp_atomic_file *af)
{
    free(af->tmp);
    free(af->path);
    af->tmp = af->path = NULL;
    af->fp = NULL;
}

int
xp_atomic_open(struct xp_atomic_file *af, const char *path, char *err, size_t errlen)
{
    int fd;

    memset(af, 0, sizeof(*af));
    af->path = xstrdup(path);
    af->tmp = xasprintf("%s.XXXXXX", path);
    fd = mkstemp(af->tmp);
    if (fd >= 0)
        af->fp = fdopen(fd, "w");
    if (!af->fp) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(af->tmp);
        }
        finish(af);
        return -1;
    }
    return 0;
}

int
xp_atomic_commit(struct xp_atomic_file *af, char *err, size_t errlen)
{
    int failed = fflush(af->fp) != 0 || ferror(af->fp) || fsync(fileno(af->fp)) != 0;

    if (fclose(af->fp) != 0)
        failed = 1;
    af->fp = NULL;
    if (!failed && rename(af->tmp, af->path) != 0)
        failed = 1;
    if (failed) {
        snprintf(err, errlen, "cannot write '%s': %s", af->path, strerror(errno));
        unlink(af->tmp);
    }
    finish(af);
    return failed ? -1 : 0;
}

void
xp_atomic_abort(struct xp_atomic_file *af)
{
    if (af->fp) {
        fclose(af->fp);
        unlink(af->tmp);
    }
    finish(af);
}
