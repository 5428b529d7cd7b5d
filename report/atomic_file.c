/*
 * atomic_file.c — see xp_atomic.h. What is at the path decides how it is
 * written: only a regular file (or nothing) is ever replaced, because
 * rename() over a device, FIFO or symlink would destroy it (run as root,
 * "-o /dev/null" would turn /dev/null into a regular file for everyone).
 */
#include "xp_atomic.h"
#include "xp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void
finish(struct xp_atomic_file *af)
{
    free(af->tmp);
    free(af->path);
    af->tmp = af->path = NULL;
    af->fp = NULL;
}

static int
fail_errno(struct xp_atomic_file *af, const char *path, int e, char *err, size_t errlen)
{
    snprintf(err, errlen, "cannot write '%s': %s", path, strerror(e));
    finish(af);
    return -1;
}

/* A temporary file beside PATH, created exclusively with mode 0666 so that
 * the kernel applies the umask (and any default ACL) as for a new file. */
static int
create_temp(struct xp_atomic_file *af)
{
    static unsigned counter;
    int i, fd = -1;

    for (i = 0; i < 100 && fd < 0; i++) {
        unsigned r = (unsigned)getpid() * 2654435761u ^ (unsigned)time(NULL) ^
                     (++counter * 40503u);

        free(af->tmp);
        af->tmp = xasprintf("%s.%06x.tmp", af->path, r & 0xffffff);
        fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        int e = errno;

        free(af->tmp);
        af->tmp = NULL;
        errno = e;
    }
    return fd;
}

/* A Unix socket cannot be open()ed: connect to it (stream, then datagram). */
static int
open_socket(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    static const int types[] = { SOCK_STREAM, SOCK_DGRAM };
    int e = ENXIO;
    size_t i;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);

        if (fd < 0)
            return -1;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
            return fd;
        e = errno;
        close(fd);
    }
    errno = e;
    return -1;
}

/* Write through: the symlink's target, the device, the FIFO, the socket. */
static int
open_through(const char *path, int flags)
{
    struct stat st;
    int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC | flags, 0666);

    if (fd < 0 && errno == ENXIO && stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        fd = open_socket(path);
    return fd;
}

int
xp_atomic_open(struct xp_atomic_file *af, const char *path, char *err, size_t errlen)
{
    struct stat st;
    int fd, exists;

    memset(af, 0, sizeof(*af));
    af->path = xstrdup(path);
    if (strcmp(path, "-") == 0) {
        af->kind = XP_OUT_STDOUT;
        af->fp = stdout;
        return 0;
    }
    exists = lstat(path, &st) == 0;
    if (!exists && errno != ENOENT)
        return fail_errno(af, path, errno, err, errlen);
    if (exists && S_ISDIR(st.st_mode))
        return fail_errno(af, path, EISDIR, err, errlen);
    if (!exists || S_ISREG(st.st_mode)) {
        int e;

        af->kind = XP_OUT_RENAME;
        fd = create_temp(af);
        e = errno;
        /* No temporary file possible beside an existing file (a directory
         * we may not write): write the file in place, as curl does. */
        if (fd < 0 && exists && (e == EACCES || e == EPERM || e == EROFS)) {
            af->kind = XP_OUT_THROUGH;
            fd = open_through(path, O_TRUNC);
            if (fd < 0)
                e = errno;
        }
        if (fd < 0)
            return fail_errno(af, path, e, err, errlen);
    } else {
        af->kind = XP_OUT_THROUGH;
        fd = open_through(path, S_ISLNK(st.st_mode) ? O_CREAT | O_TRUNC : 0);
        if (fd < 0)
            return fail_errno(af, path, errno, err, errlen);
    }
    af->fp = fdopen(fd, "w");
    if (!af->fp) {
        int e = errno;

        close(fd);
        if (af->tmp)
            unlink(af->tmp);
        return fail_errno(af, path, e, err, errlen);
    }
    return 0;
}

/* Between open and rename something else may have been put at the path:
 * replace only a regular file (or nothing). */
static int
still_replaceable(const char *path)
{
    struct stat st;

    if (lstat(path, &st) != 0)
        return errno == ENOENT;
    return S_ISREG(st.st_mode);
}

int
xp_atomic_commit(struct xp_atomic_file *af, char *err, size_t errlen)
{
    int e = 0;

    if (!af->fp) {
        finish(af);
        return 0;
    }
    if (fflush(af->fp) != 0 || ferror(af->fp))
        e = errno ? errno : EIO;
    if (af->kind == XP_OUT_RENAME && !e && fsync(fileno(af->fp)) != 0)
        e = errno;
    if (af->kind != XP_OUT_STDOUT && fclose(af->fp) != 0 && !e)
        e = errno;
    af->fp = NULL;
    if (af->kind == XP_OUT_RENAME && !e) {
        if (!still_replaceable(af->path))
            e = EEXIST;
        else if (rename(af->tmp, af->path) != 0)
            e = errno;
    }
    if (af->kind == XP_OUT_RENAME && e)
        unlink(af->tmp);
    /* A reader that went away (exprobe | head, a FIFO) is not an error. */
    if (e == EPIPE && af->kind != XP_OUT_RENAME)
        e = 0;
    if (e == EEXIST)
        snprintf(err, errlen, "cannot write '%s': it is no longer a regular file; "
                 "not replaced", af->path);
    else if (e)
        snprintf(err, errlen, "cannot write '%s': %s", af->path, strerror(e));
    finish(af);
    return e ? -1 : 0;
}

void
xp_atomic_abort(struct xp_atomic_file *af)
{
    if (af->fp && af->kind != XP_OUT_STDOUT)
        fclose(af->fp);
    if (af->fp && af->tmp)
        unlink(af->tmp);
    finish(af);
}
