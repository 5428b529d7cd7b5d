/*
 * test_http_conns.c — HTTP connections per destination, idle ones included
 * (include/xp_http_conns.h): nothing is closed below the limit or while
 * every connection carries a request; at the limit the idle connection
 * least likely to be asked again goes first (its host name's only one,
 * before one of a shared front end's), a pinned one (an NTLM
 * conversation's) never; other destinations are not counted. A
 * "connection" here is one end of a socketpair: the peer reads EOF once it
 * is shut down.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xp_http_conns.h"

#define N 6

struct pair {
    int ours, peer;
};

static struct pair conns[N];
static int owners[N];   /* their addresses stand for requests */

static struct sockaddr_in
dest(const char *ip, int port)
{
    struct sockaddr_in a;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

/* Connection k to ip:443 for host, idle after one request. */
static void
open_idle(int k, const char *ip, const char *host, int pinned)
{
    int sv[2];
    struct sockaddr_in a = dest(ip, 443);

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    conns[k].ours = sv[0];
    conns[k].peer = sv[1];
    fcntl(sv[1], F_SETFL, O_NONBLOCK);
    xp_http_conns_opened(sv[0], (struct sockaddr *)&a, host, pinned, &owners[k]);
    xp_http_conns_idle(&owners[k]);
}

/* Did the peer of connection k see it shut down? */
static int
was_shut(int k)
{
    char c;

    return read(conns[k].peer, &c, 1) == 0;
}

static int
setup(void **state)
{
    (void)state;
    memset(conns, -1, sizeof(conns));
    xp_http_conns_reset();
    xp_http_conns_set_limit(3);
    return 0;
}

static int
teardown(void **state)
{
    int k;

    (void)state;
    for (k = 0; k < N; k++) {
        if (conns[k].ours >= 0) {
            xp_http_conns_closed(conns[k].ours);
            close(conns[k].ours);
            close(conns[k].peer);
        }
    }
    xp_http_conns_reset();
    return 0;
}

static void
test_below_limit_nothing_closed(void **state)
{
    struct sockaddr_in a = dest("192.0.2.1", 443);

    (void)state;
    open_idle(0, "192.0.2.1", "front.example", 0);
    open_idle(1, "192.0.2.1", "autodiscover.d1.example", 0);
    assert_int_equal(xp_http_conns_make_room((struct sockaddr *)&a), 0);
    assert_false(was_shut(0));
    assert_false(was_shut(1));
}

static void
test_single_use_host_closed_first(void **state)
{
    struct sockaddr_in a = dest("192.0.2.1", 443);

    (void)state;
    /* The front end's two connections are older than the domain's own. */
    open_idle(0, "192.0.2.1", "front.example", 0);
    open_idle(1, "192.0.2.1", "front.example", 0);
    open_idle(2, "192.0.2.1", "autodiscover.d1.example", 0);
    assert_int_equal(xp_http_conns_make_room((struct sockaddr *)&a), 1);
    assert_true(was_shut(2));
    assert_false(was_shut(0));
    assert_false(was_shut(1));
    /* Room now: the next one closes nothing. */
    assert_int_equal(xp_http_conns_make_room((struct sockaddr *)&a), 0);
    assert_int_equal(xp_http_conns_peak(), 3);
}

static void
test_busy_and_pinned_kept(void **state)
{
    struct sockaddr_in a = dest("192.0.2.1", 443);

    (void)state;
    open_idle(0, "192.0.2.1", "autodiscover.d1.example", 1);   /* a conversation's */
    open_idle(1, "192.0.2.1", "front.example", 0);
    open_idle(2, "192.0.2.1", "front.example", 0);
    /* 1 and 2 carry requests again (opened for them: owner known). */
    xp_http_conns_closed(conns[1].ours);
    xp_http_conns_closed(conns[2].ours);
    {
        struct sockaddr_in d = dest("192.0.2.1", 443);

        xp_http_conns_opened(conns[1].ours, (struct sockaddr *)&d, "front.example", 0,
                             &owners[1]);
        xp_http_conns_opened(conns[2].ours, (struct sockaddr *)&d, "front.example", 0,
                             &owners[2]);
    }
    /* Over the limit, but nothing may go: the slots allow it. */
    assert_int_equal(xp_http_conns_make_room((struct sockaddr *)&a), 0);
    assert_false(was_shut(0));
    /* The request ends: its connection is idle and can go. */
    xp_http_conns_idle(&owners[1]);
    assert_int_equal(xp_http_conns_make_room((struct sockaddr *)&a), 1);
    assert_true(was_shut(1));
    assert_false(was_shut(0));
}

static void
test_other_destinations_apart(void **state)
{
    struct sockaddr_in a = dest("192.0.2.1", 443), b = dest("192.0.2.2", 443);
    struct sockaddr_in c = dest("192.0.2.1", 80);

    (void)state;
    open_idle(0, "192.0.2.1", "front.example", 0);
    open_idle(1, "192.0.2.2", "autodiscover.d1.example", 0);
    open_idle(2, "192.0.2.2", "autodiscover.d2.example", 0);
    open_idle(3, "192.0.2.2", "autodiscover.d3.example", 0);
    assert_int_equal(xp_http_conns_make_room((struct sockaddr *)&a), 0);
    assert_int_equal(xp_http_conns_make_room((struct sockaddr *)&c), 0);
    assert_false(was_shut(0));
    /* 192.0.2.2 is full: the one idle longest (all met once) goes. */
    assert_int_equal(xp_http_conns_make_room((struct sockaddr *)&b), 1);
    assert_true(was_shut(1));
    assert_false(was_shut(2));
    assert_false(was_shut(3));
}

static void
test_no_limit_counts_nothing(void **state)
{
    struct sockaddr_in a = dest("192.0.2.1", 443);
    int k;

    (void)state;
    xp_http_conns_set_limit(0);
    for (k = 0; k < 4; k++)
        open_idle(k, "192.0.2.1", "autodiscover.d1.example", 0);
    assert_int_equal(xp_http_conns_make_room((struct sockaddr *)&a), 0);
    for (k = 0; k < 4; k++)
        assert_false(was_shut(k));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_below_limit_nothing_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_single_use_host_closed_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_and_pinned_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_destinations_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_limit_counts_nothing, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
