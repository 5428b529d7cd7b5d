/*
 * test_loop.c — the event loop (include/xp_loop.h): timers, cancel,
 * deferred calls, fd watches, and callbacks that change the loop from
 * inside. Every test has a watchdog timer, so a broken loop fails the
 * test instead of hanging it; the whole file runs well under a second.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xp.h"
#include "xp_loop.h"
#include "xp_tcp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define WATCHDOG_MS 500

struct ctx {
    struct xp_loop *loop;
    int log[32];
    int n;
    int stop_after;       /* stop the loop once n reaches this (0: never) */
    int watchdog_fired;
    int io_calls;
    unsigned io_revents;
    char io_data[8];
    int pipefd[2];
    int written;
    int io_before_write;
};

/* One timer's job: log val, then maybe cancel/add/stop. */
struct job {
    struct ctx *ctx;
    int val;
    int stop;             /* call xp_loop_stop */
    uint64_t cancel;      /* a timer id to cancel */
    struct job *add;      /* a timer to add ... */
    int64_t add_ms;       /* ... after this long */
    int defer_val;        /* a deferred call to queue (0: none) */
};

static struct ctx *the_ctx;   /* for deferred callbacks that carry an int */

static void
logv(struct ctx *c, int v)
{
    if (c->n < (int)XP_ARRAY_LEN(c->log))
        c->log[c->n] = v;
    c->n++;
    if (c->stop_after && c->n == c->stop_after)
        xp_loop_stop(c->loop);
}

static void
on_deferred(void *arg)
{
    logv(the_ctx, (int)(intptr_t)arg);
}

static void
on_timer(void *arg)
{
    struct job *j = arg;

    logv(j->ctx, j->val);
    if (j->cancel)
        xp_loop_timer_cancel(j->ctx->loop, j->cancel);
    if (j->add)
        xp_loop_timer(j->ctx->loop, j->add_ms, on_timer, j->add);
    if (j->defer_val)
        xp_loop_defer(j->ctx->loop, on_deferred, (void *)(intptr_t)j->defer_val);
    if (j->stop)
        xp_loop_stop(j->ctx->loop);
}

static void
on_watchdog(void *arg)
{
    struct ctx *c = arg;

    c->watchdog_fired = 1;
    xp_loop_stop(c->loop);
}

static int64_t
now_ms(void)
{
    return xp_now_us() / 1000;
}

static void
sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Run the loop with a watchdog; fails the test if the watchdog fired. */
static void
run_loop(struct ctx *c)
{
    uint64_t wd = xp_loop_timer(c->loop, WATCHDOG_MS, on_watchdog, c);

    assert_int_equal(xp_loop_run(c->loop), 0);
    xp_loop_timer_cancel(c->loop, wd);
    if (c->watchdog_fired)
        fail_msg("watchdog: the loop did not stop by itself within %d ms", WATCHDOG_MS);
}

static void
expect_log(const struct ctx *c, const int *want, int n)
{
    char got[128] = "", exp[128] = "";
    int i, same = c->n == n;

    for (i = 0; i < c->n && i < (int)XP_ARRAY_LEN(c->log); i++)
        snprintf(got + strlen(got), sizeof(got) - strlen(got), " %d", c->log[i]);
    for (i = 0; i < n; i++) {
        snprintf(exp + strlen(exp), sizeof(exp) - strlen(exp), " %d", want[i]);
        if (same && c->log[i] != want[i])
            same = 0;
    }
    if (!same)
        fail_msg("callbacks ran in order [%s ], expected [%s ]", got, exp);
}

static int
group_setup(void **state)
{
    (void)state;
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int
group_teardown(void **state)
{
    (void)state;
    curl_global_cleanup();
    return 0;
}

static int
setup(void **state)
{
    struct ctx *c = xcalloc(1, sizeof(*c));

    c->loop = xp_loop_new();
    c->pipefd[0] = c->pipefd[1] = -1;
    the_ctx = c;
    *state = c;
    return 0;
}

static int
teardown(void **state)
{
    struct ctx *c = *state;

    if (c->pipefd[0] >= 0)
        close(c->pipefd[0]);
    if (c->pipefd[1] >= 0)
        close(c->pipefd[1]);
    xp_loop_free(c->loop);
    free(c);
    the_ctx = NULL;
    return 0;
}

/* ---- timers ---- */

static void
timers__different_delays__fire_in_delay_order(void **state)
{
    struct ctx *c = *state;
    struct job j30 = { .ctx = c, .val = 30, .stop = 1 };
    struct job j10 = { .ctx = c, .val = 10 };
    struct job j20 = { .ctx = c, .val = 20 };
    const int want[] = { 10, 20, 30 };
    int64_t t0 = now_ms(), took;

    xp_loop_timer(c->loop, 30, on_timer, &j30);
    xp_loop_timer(c->loop, 10, on_timer, &j10);
    xp_loop_timer(c->loop, 20, on_timer, &j20);
    run_loop(c);
    took = now_ms() - t0;
    expect_log(c, want, 3);
    assert_true(took >= 30);                 /* no timer fired early */
    assert_true(took < WATCHDOG_MS);         /* stop from the last one ended the run */
}

static void
timers__overdue_together__fire_in_deadline_order(void **state)
{
    struct ctx *c = *state;
    struct job j30 = { .ctx = c, .val = 30 };
    struct job j10 = { .ctx = c, .val = 10 };
    struct job j20 = { .ctx = c, .val = 20 };
    const int want[] = { 10, 20, 30 };

    /* The loop was busy: by the time it runs, all three are due at once. */
    c->stop_after = 3;
    xp_loop_timer(c->loop, 30, on_timer, &j30);
    xp_loop_timer(c->loop, 10, on_timer, &j10);
    xp_loop_timer(c->loop, 20, on_timer, &j20);
    sleep_ms(40);
    run_loop(c);
    expect_log(c, want, 3);
}

static void
timer__zero_or_negative_delay__fires_on_first_iteration(void **state)
{
    struct ctx *c = *state;
    struct job a = { .ctx = c, .val = 1 };
    struct job b = { .ctx = c, .val = 2 };
    int64_t t0 = now_ms();

    c->stop_after = 2;
    xp_loop_timer(c->loop, 0, on_timer, &a);
    xp_loop_timer(c->loop, -5, on_timer, &b);
    run_loop(c);
    assert_int_equal(c->n, 2);
    assert_true(now_ms() - t0 < 50);
}

static void
timer__ids__nonzero_and_distinct(void **state)
{
    struct ctx *c = *state;
    struct job j = { .ctx = c, .val = 1 };
    uint64_t a = xp_loop_timer(c->loop, 100, on_timer, &j);
    uint64_t b = xp_loop_timer(c->loop, 100, on_timer, &j);

    assert_true(a != 0);
    assert_true(b != 0);
    assert_true(a != b);
}

static void
timer_cancel__pending__never_fires(void **state)
{
    struct ctx *c = *state;
    struct job a = { .ctx = c, .val = 1 };
    struct job b = { .ctx = c, .val = 2, .stop = 1 };
    const int want[] = { 2 };
    uint64_t id;

    id = xp_loop_timer(c->loop, 10, on_timer, &a);
    xp_loop_timer(c->loop, 30, on_timer, &b);
    xp_loop_timer_cancel(c->loop, id);
    run_loop(c);
    expect_log(c, want, 1);
}

static void
timer_cancel__from_another_callback__never_fires(void **state)
{
    struct ctx *c = *state;
    struct job victim = { .ctx = c, .val = 99 };
    struct job killer = { .ctx = c, .val = 1 };
    struct job end = { .ctx = c, .val = 2, .stop = 1 };
    const int want[] = { 1, 2 };

    killer.cancel = xp_loop_timer(c->loop, 15, on_timer, &victim);
    xp_loop_timer(c->loop, 5, on_timer, &killer);
    xp_loop_timer(c->loop, 25, on_timer, &end);
    run_loop(c);
    expect_log(c, want, 2);
}

static void
timer_cancel__unknown_or_fired_id__ignored(void **state)
{
    struct ctx *c = *state;
    struct job a = { .ctx = c, .val = 1 };
    struct job b = { .ctx = c, .val = 2, .stop = 1 };
    const int want[] = { 1, 2 };
    uint64_t fired;

    fired = xp_loop_timer(c->loop, 0, on_timer, &a);
    c->stop_after = 1;
    run_loop(c);
    c->stop_after = 0;
    xp_loop_timer_cancel(c->loop, fired);      /* already fired */
    xp_loop_timer_cancel(c->loop, 0);          /* never an id */
    xp_loop_timer_cancel(c->loop, 123456789);  /* unknown */
    xp_loop_timer(c->loop, 5, on_timer, &b);
    run_loop(c);
    expect_log(c, want, 2);
}

static void
timer__callback_adds_timer__new_timer_fires(void **state)
{
    struct ctx *c = *state;
    struct job second = { .ctx = c, .val = 2, .stop = 1 };
    struct job first = { .ctx = c, .val = 1, .add = &second, .add_ms = 10 };
    const int want[] = { 1, 2 };
    int64_t t0 = now_ms();

    xp_loop_timer(c->loop, 5, on_timer, &first);
    run_loop(c);
    expect_log(c, want, 2);
    assert_true(now_ms() - t0 >= 15);
}

/* ---- deferred calls ---- */

static void
defer__several__fifo_before_timers(void **state)
{
    struct ctx *c = *state;
    struct job t = { .ctx = c, .val = 99, .stop = 1 };
    const int want[] = { 1, 2, 3, 99 };

    xp_loop_timer(c->loop, 0, on_timer, &t);   /* queued first, due at once */
    xp_loop_defer(c->loop, on_deferred, (void *)(intptr_t)1);
    xp_loop_defer(c->loop, on_deferred, (void *)(intptr_t)2);
    xp_loop_defer(c->loop, on_deferred, (void *)(intptr_t)3);
    run_loop(c);
    expect_log(c, want, 4);
}

/* A deferred call that cancels a later one of its own batch (who frees
 * the later one's arg first cancels it), and one cancelled before the
 * loop runs. */
static void
on_deferred_cancel(void *arg)
{
    logv(the_ctx, (int)(intptr_t)arg);
    xp_loop_defer_cancel(the_ctx->loop, on_deferred, (void *)(intptr_t)3);
}

static void
defer__cancelled__never_runs(void **state)
{
    struct ctx *c = *state;
    struct job t = { .ctx = c, .val = 99, .stop = 1 };
    const int want[] = { 1, 99 };

    xp_loop_timer(c->loop, 0, on_timer, &t);
    xp_loop_defer(c->loop, on_deferred_cancel, (void *)(intptr_t)1);
    xp_loop_defer(c->loop, on_deferred, (void *)(intptr_t)2);
    xp_loop_defer(c->loop, on_deferred, (void *)(intptr_t)3);
    xp_loop_defer_cancel(c->loop, on_deferred, (void *)(intptr_t)2);
    run_loop(c);
    expect_log(c, want, 2);
}

static void
defer__queued_from_timer__runs_before_later_timer(void **state)
{
    struct ctx *c = *state;
    struct job late = { .ctx = c, .val = 2, .stop = 1 };
    struct job early = { .ctx = c, .val = 1, .defer_val = 7 };
    const int want[] = { 1, 7, 2 };

    xp_loop_timer(c->loop, 5, on_timer, &early);
    xp_loop_timer(c->loop, 30, on_timer, &late);
    run_loop(c);
    expect_log(c, want, 3);
}

static void
loop_free__pending_work__dropped_not_run(void **state)
{
    struct ctx *c = *state;
    struct job j = { .ctx = c, .val = 1 };

    xp_loop_timer(c->loop, 0, on_timer, &j);
    xp_loop_defer(c->loop, on_deferred, (void *)(intptr_t)2);
    xp_loop_free(c->loop);
    c->loop = xp_loop_new();   /* for teardown */
    assert_int_equal(c->n, 0);
}

/* ---- fd watches ---- */

static void
on_pipe_readable(struct xp_loop *loop, int fd, unsigned revents, void *arg)
{
    struct ctx *c = arg;
    ssize_t n;

    c->io_calls++;
    c->io_revents |= revents;
    if (!c->written)
        c->io_before_write = 1;
    n = read(fd, c->io_data, sizeof(c->io_data) - 1);
    if (n > 0)
        c->io_data[n] = '\0';
    xp_loop_unwatch(loop, fd);
    xp_loop_stop(loop);
}

static void
write_pipe(void *arg)
{
    struct ctx *c = arg;

    c->written = 1;
    assert_int_equal(write(c->pipefd[1], "hi", 2), 2);
}

static void
watch__pipe_written__callback_gets_in(void **state)
{
    struct ctx *c = *state;

    assert_int_equal(pipe(c->pipefd), 0);
    xp_loop_watch(c->loop, c->pipefd[0], XP_IN, on_pipe_readable, c);
    xp_loop_timer(c->loop, 10, write_pipe, c);
    run_loop(c);
    assert_int_equal(c->io_calls, 1);
    assert_int_equal(c->io_before_write, 0);
    assert_true(c->io_revents & XP_IN);
    assert_string_equal(c->io_data, "hi");
}

static void
on_readable_count_unwatch(struct xp_loop *loop, int fd, unsigned revents, void *arg)
{
    struct ctx *c = arg;

    (void)revents;
    c->io_calls++;
    xp_loop_unwatch(loop, fd);   /* the data stays unread: fd stays readable */
}

static void
on_readable_count(struct xp_loop *loop, int fd, unsigned revents, void *arg)
{
    struct ctx *c = arg;

    (void)loop;
    (void)fd;
    (void)revents;
    c->io_calls++;
}

static void
stop_loop(void *arg)
{
    struct ctx *c = arg;

    xp_loop_stop(c->loop);
}

static void
unwatch__inside_callback__no_further_calls(void **state)
{
    struct ctx *c = *state;

    assert_int_equal(pipe(c->pipefd), 0);
    assert_int_equal(write(c->pipefd[1], "x", 1), 1);
    xp_loop_watch(c->loop, c->pipefd[0], XP_IN, on_readable_count_unwatch, c);
    xp_loop_timer(c->loop, 30, stop_loop, c);
    run_loop(c);
    assert_int_equal(c->io_calls, 1);
}

static void
watch__readable_not_drained__called_again(void **state)
{
    struct ctx *c = *state;

    /* Control for the test above: without unwatch the calls continue. */
    assert_int_equal(pipe(c->pipefd), 0);
    assert_int_equal(write(c->pipefd[1], "x", 1), 1);
    xp_loop_watch(c->loop, c->pipefd[0], XP_IN, on_readable_count, c);
    xp_loop_timer(c->loop, 20, stop_loop, c);
    run_loop(c);
    assert_true(c->io_calls > 1);
    xp_loop_unwatch(c->loop, c->pipefd[0]);
}

static void
watch__same_fd_again__replaces_callback(void **state)
{
    struct ctx *c = *state;

    assert_int_equal(pipe(c->pipefd), 0);
    assert_int_equal(write(c->pipefd[1], "x", 1), 1);
    xp_loop_watch(c->loop, c->pipefd[0], XP_IN, on_readable_count, c);
    xp_loop_watch(c->loop, c->pipefd[0], XP_IN, on_readable_count_unwatch, c);
    xp_loop_timer(c->loop, 20, stop_loop, c);
    run_loop(c);
    assert_int_equal(c->io_calls, 1);   /* only the second, which unwatches */
}

static void
loop__no_signal_caught__not_interrupted(void **state)
{
    struct ctx *c = *state;

    assert_int_equal(xp_loop_interrupted(c->loop), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* ---- a transport's failure class ---- */

static void
on_tcp_result(void *arg, const struct xp_tcp_result *res)
{
    struct ctx *c = the_ctx;
    enum xp_fail *fail = arg;

    *fail = res->fail;
    if (res->fd >= 0)
        close(res->fd);
    xp_loop_stop(c->loop);
}

/* A loopback port nobody listens on: the class is REFUSED, not words. */
static void
tcp__closed_port__fail_refused(void **state)
{
    struct ctx *c = *state;
    struct sockaddr_in sa = { .sin_family = AF_INET };
    socklen_t len = sizeof(sa);
    enum xp_fail fail = XP_FAIL_NONE;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);   /* the port is free again, and nothing listens on it */
    xp_tcp_connect(c->loop, "127.0.0.1", ntohs(sa.sin_port), 2000, on_tcp_result, &fail);
    assert_int_equal(xp_loop_run(c->loop), 0);
    assert_int_equal(fail, XP_FAIL_REFUSED);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(tcp__closed_port__fail_refused),
        T(timers__different_delays__fire_in_delay_order),
        T(timers__overdue_together__fire_in_deadline_order),
        T(timer__zero_or_negative_delay__fires_on_first_iteration),
        T(timer__ids__nonzero_and_distinct),
        T(timer_cancel__pending__never_fires),
        T(timer_cancel__from_another_callback__never_fires),
        T(timer_cancel__unknown_or_fired_id__ignored),
        T(timer__callback_adds_timer__new_timer_fires),
        T(defer__several__fifo_before_timers),
        T(defer__cancelled__never_runs),
        T(defer__queued_from_timer__runs_before_later_timer),
        T(loop_free__pending_work__dropped_not_run),
        T(watch__pipe_written__callback_gets_in),
        T(unwatch__inside_callback__no_further_calls),
        T(watch__readable_not_drained__called_again),
        T(watch__same_fd_again__replaces_callback),
        T(loop__no_signal_caught__not_interrupted),
    };

    return cmocka_run_group_tests_name("loop", tests, group_setup, group_teardown);
}
