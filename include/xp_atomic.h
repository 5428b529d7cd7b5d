/*
 * xp_atomic.h — writing a report where -o (or the TUI's save) says, the way
 * curl's -o does, without ever destroying what is at the path:
 *
 *   "-"                   standard output
 *   a new path or a       a temporary file in the same directory (created
 *   regular file          with mode 0666 & ~umask), flushed, fsync'ed and
 *                         renamed over the path only when complete; on any
 *                         error (or abort) the temporary file is removed and
 *                         the old file is untouched
 *   a symlink, device,    opened and written through (a symlink: its target,
 *   FIFO or socket        as curl does); never replaced, renamed or removed
 *
 * A regular file in a directory where no temporary file can be created
 * (read-only directory, not writable by us) is truncated and written in
 * place, as curl does: the report then is not atomic, but the file stays.
 */
#ifndef XP_ATOMIC_H
#define XP_ATOMIC_H

#include <stddef.h>
#include <stdio.h>

enum xp_atomic_kind {
    XP_OUT_RENAME,             /* temporary file + rename */
    XP_OUT_THROUGH,            /* opened and written in place */
    XP_OUT_STDOUT,             /* "-" */
};

struct xp_atomic_file {
    FILE *fp;                  /* write here */
    char *tmp;                 /* XP_OUT_RENAME: the temporary file */
    char *path;                /* the name given */
    enum xp_atomic_kind kind;
};

/* Open PATH for writing as above; -1 with err ("cannot write 'path': ..."). */
int xp_atomic_open(struct xp_atomic_file *af, const char *path, char *err, size_t errlen);
/* Flush (fsync and rename for a regular file) and close; -1 with err on
 * failure (the temporary file is removed). af is finished either way. */
int xp_atomic_commit(struct xp_atomic_file *af, char *err, size_t errlen);
/* Give up: close and remove the temporary file. Safe after commit. */
void xp_atomic_abort(struct xp_atomic_file *af);

#endif
