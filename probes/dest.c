/*
 * dest.c — per-destination connection limits (xp_dest.h): a small hash
 * table of destinations ("ip|port"), each with its open count and a queue
 * of connections waiting for a slot (by order, then arrival); a table from socket to destination so
 * closing a socket frees its slot. A destination with nothing open and
 * nobody waiting is forgotten, so the table holds what is in use only.
 */
#include "xp_dest.h"
#include "xp.h"
#include "xp_loop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUCKETS 1024

struct waiter {
    struct xp_dests *ds;
    struct xp_dest *d;
    xp_dest_go go;
    void *arg;
    size_t order;
    struct waiter *next;
};

struct xp_dest {
    char *key;
    unsigned hash;
    int active;
    struct waiter *head, *tail;
    struct xp_dest *next;      /* hash chain */
};

struct xp_dests {
    struct xp_loop *loop;
    int limit;
    int peak;
    struct xp_dest *buckets[BUCKETS];
    struct xp_dest **by_fd;    /* socket -> the destination whose slot it holds */
    size_t nfd;
    struct waiter *granted;    /* slots handed over, go not yet run (deferred) */
};

static void run_granted(void *arg);

struct xp_dests *
xp_dests_new(struct xp_loop *loop, int limit)
{
    struct xp_dests *ds = xcalloc(1, sizeof(*ds));

    ds->loop = loop;
    ds->limit = limit > 0 ? limit : 1;
    return ds;
}

static void
dest_free(struct xp_dest *d)
{
    struct waiter *w, *wn;

    for (w = d->head; w; w = wn) {
        wn = w->next;
        free(w);
    }
    free(d->key);
    free(d);
}

void
xp_dests_free(struct xp_dests *ds)
{
    struct xp_dest *d, *dn;
    struct waiter *w, *wn;
    size_t i;

    if (!ds)
        return;
    for (i = 0; i < BUCKETS; i++)
        for (d = ds->buckets[i]; d; d = dn) {
            dn = d->next;
            dest_free(d);
        }
    for (w = ds->granted; w; w = wn) {
        wn = w->next;
        xp_loop_defer_cancel(ds->loop, run_granted, w);   /* its go never runs */
        free(w);
    }
    free(ds->by_fd);
    free(ds);
}

static struct xp_dest *
dest_get(struct xp_dests *ds, const char *ip, int port)
{
    char key[300];
    unsigned h;
    struct xp_dest *d;

    snprintf(key, sizeof(key), "%s|%d", ip, port);
    h = xp_str_hash(key);
    for (d = ds->buckets[h % BUCKETS]; d; d = d->next)
        if (d->hash == h && strcmp(d->key, key) == 0)
            return d;
    d = xcalloc(1, sizeof(*d));
    d->key = xstrdup(key);
    d->hash = h;
    d->next = ds->buckets[h % BUCKETS];
    ds->buckets[h % BUCKETS] = d;
    return d;
}

static void
dest_maybe_forget(struct xp_dests *ds, struct xp_dest *d)
{
    struct xp_dest **pp;

    if (d->active > 0 || d->head)
        return;
    for (pp = &ds->buckets[d->hash % BUCKETS]; *pp; pp = &(*pp)->next)
        if (*pp == d) {
            *pp = d->next;
            dest_free(d);
            return;
        }
}

static void
take_slot(struct xp_dests *ds, struct xp_dest *d)
{
    d->active++;
    if (d->active > ds->peak)
        ds->peak = d->active;
}

void
xp_dest_acquire_ordered(struct xp_dests *ds, const char *ip, int port, size_t order,
                        xp_dest_go go, void *arg)
{
    struct xp_dest *d = dest_get(ds, ip, port);
    struct waiter *w, **pp;

    if (d->active < ds->limit && !d->head) {
        take_slot(ds, d);
        go(arg, d);
        return;
    }
    w = xcalloc(1, sizeof(*w));
    w->ds = ds;
    w->d = d;
    w->go = go;
    w->arg = arg;
    w->order = order;
    if (!d->tail || d->tail->order <= order) {      /* the usual case: the newest */
        if (d->tail)
            d->tail->next = w;
        else
            d->head = w;
        d->tail = w;
        return;
    }
    for (pp = &d->head; (*pp)->order <= order; pp = &(*pp)->next)
        ;
    w->next = *pp;
    *pp = w;
}

void
xp_dest_acquire(struct xp_dests *ds, const char *ip, int port, xp_dest_go go, void *arg)
{
    xp_dest_acquire_ordered(ds, ip, port, (size_t)-1, go, arg);
}

void
xp_dest_acquire_now(struct xp_dests *ds, const char *ip, int port, xp_dest_go go, void *arg)
{
    struct xp_dest *d = dest_get(ds, ip, port);

    take_slot(ds, d);
    go(arg, d);
}

/* A slot handed to a waiter: its go runs from the loop, not from inside
 * whatever released the slot (a close in the middle of a check). */
static void
run_granted(void *arg)
{
    struct waiter *w = arg, **pp;

    for (pp = &w->ds->granted; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    w->go(w->arg, w->d);
    free(w);
}

void
xp_dest_release(struct xp_dests *ds, struct xp_dest *d)
{
    struct waiter *w;

    d->active--;
    if (d->head && d->active < ds->limit) {
        w = d->head;
        d->head = w->next;
        if (!d->head)
            d->tail = NULL;
        take_slot(ds, d);
        w->next = ds->granted;
        ds->granted = w;
        xp_loop_defer(ds->loop, run_granted, w);
        return;
    }
    dest_maybe_forget(ds, d);
}

int
xp_dest_busy(const struct xp_dest *d)
{
    return d->active > 1 || d->head != NULL;
}

int
xp_dests_peak(const struct xp_dests *ds)
{
    return ds->peak;
}

void
xp_dest_own_fd(struct xp_dests *ds, int fd, struct xp_dest *d)
{
    if (fd < 0)
        return;
    if ((size_t)fd >= ds->nfd) {
        size_t n = (size_t)fd * 2 + 16;

        ds->by_fd = xrealloc(ds->by_fd, n * sizeof(*ds->by_fd));
        memset(ds->by_fd + ds->nfd, 0, (n - ds->nfd) * sizeof(*ds->by_fd));
        ds->nfd = n;
    }
    /* The number was closed behind our back and reused: that slot is free. */
    if (ds->by_fd[fd])
        xp_dest_release(ds, ds->by_fd[fd]);
    ds->by_fd[fd] = d;
}

void
xp_dest_forget_fd(struct xp_dests *ds, int fd)
{
    struct xp_dest *d;

    if (fd < 0 || (size_t)fd >= ds->nfd || !ds->by_fd[fd])
        return;
    d = ds->by_fd[fd];
    ds->by_fd[fd] = NULL;
    xp_dest_release(ds, d);
}

void
xp_dest_close_fd(struct xp_dests *ds, int fd)
{
    if (fd < 0)
        return;
    xp_dest_forget_fd(ds, fd);
    close(fd);
}
