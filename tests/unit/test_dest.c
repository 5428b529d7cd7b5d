/*
 * test_dest.c — per-destination connection limits (include/xp_dest.h):
 * at most the limit open at once per address and port, the others served
 * by order then in FIFO order as slots are released (from the loop, never inside the
 * release), other destinations not held back, a socket's slot freed by
 * closing it (or forgetting it, when someone else closed it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "xp.h"
#include "xp_dest.h"
#include "xp_loop.h"

struct ctx {
    struct xp_loop *loop;
    struct xp_dests *ds;
    struct xp_dest *got[16];
    int order[16];
    int n;
};

struct ticket {
    struct ctx *ctx;
    int id;
};

static void
go(void *arg, struct xp_dest *d)
{
    struct ticket *t = arg;

    t->ctx->got[t->id] = d;
    t->ctx->order[t->ctx->n++] = t->id;
}

static void
stop(void *arg)
{
    xp_loop_stop(arg);
}

/* Run the loop once over what is deferred now. */
static void
spin(struct ctx *c)
{
    xp_loop_timer(c->loop, 0, stop, c->loop);
    xp_loop_run(c->loop);
}

static void
setup_ctx(struct ctx *c, int limit)
{
    memset(c, 0, sizeof(*c));
    c->loop = xp_loop_new();
    c->ds = xp_dests_new(c->loop, limit);
}

static void
free_ctx(struct ctx *c)
{
    xp_dests_free(c->ds);
    xp_loop_free(c->loop);
}

static void
test_limit_and_fifo(void **state)
{
    struct ctx c;
    struct ticket t[5];
    int i;

    (void)state;
    setup_ctx(&c, 2);
    for (i = 0; i < 5; i++) {
        t[i] = (struct ticket){ &c, i };
        xp_dest_acquire(c.ds, "192.0.2.1", 25, go, &t[i]);
    }
    assert_int_equal(c.n, 2);              /* two at once, at once */
    assert_true(xp_dest_busy(c.got[0]));
    xp_dest_release(c.ds, c.got[0]);
    assert_int_equal(c.n, 2);              /* handed over from the loop only */
    spin(&c);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.order[2], 2);       /* first come, first served */
    xp_dest_release(c.ds, c.got[1]);
    xp_dest_release(c.ds, c.got[2]);
    spin(&c);
    assert_int_equal(c.n, 5);
    assert_int_equal(c.order[3], 3);
    assert_int_equal(c.order[4], 4);
    assert_int_equal(xp_dests_peak(c.ds), 2);
    xp_dest_release(c.ds, c.got[3]);
    xp_dest_release(c.ds, c.got[4]);
    free_ctx(&c);
}

static void
test_other_destinations_not_held(void **state)
{
    struct ctx c;
    struct ticket t[3];

    (void)state;
    setup_ctx(&c, 1);
    t[0] = (struct ticket){ &c, 0 };
    t[1] = (struct ticket){ &c, 1 };
    t[2] = (struct ticket){ &c, 2 };
    xp_dest_acquire(c.ds, "192.0.2.1", 25, go, &t[0]);
    xp_dest_acquire(c.ds, "192.0.2.1", 25, go, &t[1]);   /* waits */
    xp_dest_acquire(c.ds, "192.0.2.1", 587, go, &t[2]);  /* another port: at once */
    assert_int_equal(c.n, 2);
    assert_int_equal(c.order[1], 2);
    assert_false(xp_dest_busy(c.got[2]));
    xp_dest_release(c.ds, c.got[2]);
    xp_dest_release(c.ds, c.got[0]);
    spin(&c);
    assert_int_equal(c.n, 3);
    xp_dest_release(c.ds, c.got[1]);
    free_ctx(&c);
}

static void
test_closing_a_socket_frees_its_slot(void **state)
{
    struct ctx c;
    struct ticket t[3];
    int fd, fd2;

    (void)state;
    setup_ctx(&c, 1);
    t[0] = (struct ticket){ &c, 0 };
    t[1] = (struct ticket){ &c, 1 };
    t[2] = (struct ticket){ &c, 2 };
    xp_dest_acquire(c.ds, "2001:db8::1", 443, go, &t[0]);
    xp_dest_acquire(c.ds, "2001:db8::1", 443, go, &t[1]);
    fd = open("/dev/null", O_RDONLY);
    assert_true(fd >= 0);
    xp_dest_own_fd(c.ds, fd, c.got[0]);
    xp_dest_close_fd(c.ds, fd);                        /* releases */
    spin(&c);
    assert_int_equal(c.n, 2);
    /* A socket the TLS layer closed itself: forgetting it frees its slot. */
    fd = open("/dev/null", O_RDONLY);
    xp_dest_own_fd(c.ds, fd, c.got[1]);
    close(fd);
    fd2 = open("/dev/null", O_RDONLY);
    assert_int_equal(fd2, fd);
    xp_dest_acquire(c.ds, "2001:db8::1", 443, go, &t[2]);
    assert_int_equal(c.n, 2);                          /* still held by fd */
    xp_dest_forget_fd(c.ds, fd2);                      /* the handshake closed it */
    spin(&c);
    assert_int_equal(c.n, 3);
    xp_dest_own_fd(c.ds, fd2, c.got[2]);
    xp_dest_close_fd(c.ds, fd2);
    free_ctx(&c);
}

/* Freed while a slot is handed over but its go has not run (Ctrl-C ends
 * the run between the two): the waiter is freed with the table, its
 * deferred go is cancelled, and the loop may still spin. */
static void
test_free_with_a_slot_handed_over(void **state)
{
    struct ctx c;
    struct ticket t[2];

    (void)state;
    setup_ctx(&c, 1);
    t[0] = (struct ticket){ &c, 0 };
    t[1] = (struct ticket){ &c, 1 };
    xp_dest_acquire(c.ds, "192.0.2.1", 443, go, &t[0]);
    xp_dest_acquire(c.ds, "192.0.2.1", 443, go, &t[1]);
    xp_dest_release(c.ds, c.got[0]);       /* t[1]'s go is deferred now */
    xp_dests_free(c.ds);
    c.ds = NULL;
    spin(&c);
    assert_int_equal(c.n, 1);              /* t[1] never ran */
    free_ctx(&c);
}

/* The same, and the loop freed without running again (what exprobe does
 * after Ctrl-C): nothing is left allocated (make asan-test: LSan). */
static void
test_free_then_loop_free_with_a_slot_handed_over(void **state)
{
    struct ctx c;
    struct ticket t[2];

    (void)state;
    setup_ctx(&c, 1);
    t[0] = (struct ticket){ &c, 0 };
    t[1] = (struct ticket){ &c, 1 };
    xp_dest_acquire(c.ds, "192.0.2.1", 443, go, &t[0]);
    xp_dest_acquire(c.ds, "192.0.2.1", 443, go, &t[1]);
    xp_dest_release(c.ds, c.got[0]);
    free_ctx(&c);
}

/* Waiters go by order (their target's place in the input), then by
 * arrival: the oldest target's work goes first. */
static void
test_waiters_by_order(void **state)
{
    struct ctx c;
    struct ticket t[6];
    static const size_t order[6] = { 5, 9, 3, 9, 3, 1 };
    static const int want[6] = { 0, 5, 2, 4, 1, 3 };
    int i;

    (void)state;
    setup_ctx(&c, 1);
    for (i = 0; i < 6; i++) {
        t[i] = (struct ticket){ &c, i };
        xp_dest_acquire_ordered(c.ds, "192.0.2.1", 443, order[i], go, &t[i]);
    }
    assert_int_equal(c.n, 1);              /* t[0] at once, the others wait */
    for (i = 1; i < 6; i++) {
        xp_dest_release(c.ds, c.got[c.order[c.n - 1]]);
        spin(&c);
        assert_int_equal(c.n, i + 1);
    }
    for (i = 0; i < 6; i++)
        assert_int_equal(c.order[i], want[i]);
    xp_dest_release(c.ds, c.got[c.order[5]]);
    free_ctx(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit_and_fifo),
        cmocka_unit_test(test_waiters_by_order),
        cmocka_unit_test(test_other_destinations_not_held),
        cmocka_unit_test(test_closing_a_socket_frees_its_slot),
        cmocka_unit_test(test_free_with_a_slot_handed_over),
        cmocka_unit_test(test_free_then_loop_free_with_a_slot_handed_over),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
