/*
 * xp_atomic.h — writing a file so that it is never seen half-written: a
 * temporary file beside it, flushed and fsync'ed, renamed over it only
 * when complete; on any error (or abort) the temporary file is removed and
 * the old file, if any, is untouched. Used by -o and by the TUI's save.
 */
#ifndef XP_ATOMIC_H
#define XP_ATOMIC_H

#include <stddef.h>
#include <stdio.h>

struct xp_atomic_file {
    FILE *fp;                  /* write here */
    char *tmp;                 /* the temporary file */
    char *path;                /* the final name */
};

/* Open path's temporary file; -1 with err ("cannot write 'path': ..."). */
int xp_atomic_open(struct xp_atomic_file *af, const char *path, char *err, size_t errlen);
/* Flush, fsync, close and rename into place; -1 with err on failure (the
 * temporary file is removed). af is finished either way. */
int xp_atomic_commit(struct xp_atomic_file *af, char *err, size_t errlen);
/* Give up: close and remove the temporary file. Safe after commit. */
void xp_atomic_abort(struct xp_atomic_file *af);

#endif
