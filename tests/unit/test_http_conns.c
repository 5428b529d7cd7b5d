/*
 * test_http_conns.c — HTTP connections per destination, idle ones included
 * (include/xp_http_conns.h): nothing is closed below the limit or while
 * every connection carries a request, is still connecting or is pinned;
 * at the limit the idle connection least likely to be asked again goes
 * first (its host name's only one, before one of a shared front end's);
 * a connection carrying two requests (HTTP/2) is idle only when both
 * ended; other destinations are not counted. Connections are real TCP
 * connections to a listener on 127.0.0.1 (the table matches a request to
 * its connection by the local port); the accepted end reads EOF once ours
 * is shut down.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xp_http_conns.h"

#define N 6

struct conn {
    int ours, peer, local_port;
    struct xp_http_conn_ref ref;
};

static int listener = -1;
static struct sockaddr_in where;   /* the listener: the destination */
static struct conn conns[N];

static int
setup(void **state)
{
    socklen_t len = sizeof(where);
    int k;

    (void)state;
    memset(&where, 0, sizeof(where));
    where.sin_family = AF_INET;
    where.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    listener = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(listener >= 0);
    assert_int_equal(bind(listener, (struct sockaddr *)&where, sizeof(where)), 0);
    assert_int_equal(listen(listener, 16), 0);
    assert_int_equal(getsockname(listener, (struct sockaddr *)&where, &len), 0);
    for (k = 0; k < N; k++) {
        conns[k].ours = conns[k].peer = -1;
        conns[k].ref.fd = -1;
    }
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
    close(listener);
    xp_http_conns_reset();
    return 0;
}

/* Connection k to the listener for host, as libcurl opens one. */
static void
open_conn(int k, const char *host, int pinned)
{
    struct sockaddr_in local;
    socklen_t len = sizeof(local);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    xp_http_conns_opened(fd, (struct sockaddr *)&where, host, pinned);
    assert_int_equal(connect(fd, (struct sockaddr *)&where, sizeof(where)), 0);
    conns[k].ours = fd;
    conns[k].peer = accept(listener, NULL, NULL);
    assert_true(conns[k].peer >= 0);
    fcntl(conns[k].peer, F_SETFL, O_NONBLOCK);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&local, &len), 0);
    conns[k].local_port = ntohs(local.sin_port);
}

/* A request starts on connection k (ref: the request's). */
static void
busy(int k, struct xp_http_conn_ref *ref)
{
    xp_http_conns_busy("127.0.0.1", ntohs(where.sin_port), conns[k].local_port, ref);
}

/* Connection k, opened for host, carried one request that ended. */
static void
open_idle(int k, const char *host)
{
    open_conn(k, host, 0);
    busy(k, &conns[k].ref);
    xp_http_conns_done(&conns[k].ref, 1);
}

static int
room(void)
{
    return xp_http_conns_make_room((struct sockaddr *)&where);
}

/* Did the peer of connection k see it shut down? */
static int
was_shut(int k)
{
    char c;

    return read(conns[k].peer, &c, 1) == 0;
}

static void
test_below_limit_nothing_closed(void **state)
{
    (void)state;
    open_idle(0, "front.example");
    open_idle(1, "autodiscover.d1.example");
    assert_int_equal(room(), 0);
    assert_false(was_shut(0));
    assert_false(was_shut(1));
}

static void
test_single_use_host_closed_first(void **state)
{
    (void)state;
    /* The front end's two connections are older than the domain's own. */
    open_idle(0, "front.example");
    open_idle(1, "front.example");
    open_idle(2, "autodiscover.d1.example");
    assert_int_equal(room(), 1);
    assert_true(was_shut(2));
    assert_false(was_shut(0));
    assert_false(was_shut(1));
    assert_int_equal(room(), 0);            /* room now */
    assert_int_equal(xp_http_conns_peak(), 3);
}

static void
test_busy_connecting_and_pinned_kept(void **state)
{
    (void)state;
    open_conn(0, "front.example", 0);                   /* connecting */
    open_conn(1, "front.example", 0);
    busy(1, &conns[1].ref);                             /* a request on it */
    open_conn(2, "autodiscover.d1.example", 1);         /* a conversation's */
    busy(2, &conns[2].ref);
    xp_http_conns_done(&conns[2].ref, 0);               /* step 1 ended: pinned */
    assert_int_equal(room(), 0);        /* over the limit, nothing may go */
    assert_false(was_shut(0) || was_shut(1) || was_shut(2));
    xp_http_conns_done(&conns[1].ref, 1);               /* the request ended */
    assert_int_equal(room(), 1);
    assert_true(was_shut(1));
    assert_false(was_shut(0) || was_shut(2));
}

static void
test_two_requests_on_one_connection(void **state)
{
    struct xp_http_conn_ref a = { -1, 0 }, b = { -1, 0 };

    (void)state;
    open_conn(0, "front.example", 0);
    busy(0, &a);
    busy(0, &b);                    /* HTTP/2: a second stream on it */
    open_idle(1, "autodiscover.d1.example");
    open_idle(2, "autodiscover.d2.example");
    xp_http_conns_done(&b, 1);      /* the second ends first */
    assert_int_equal(room(), 1);    /* 0 still carries a: 1 goes */
    assert_false(was_shut(0));
    assert_true(was_shut(1));
    open_idle(3, "autodiscover.d3.example");
    xp_http_conns_done(&a, 1);      /* now 0 is idle too: the oldest single goes */
    assert_int_equal(room(), 1);
    assert_true(was_shut(2));
    assert_false(was_shut(0) || was_shut(3));
}

static void
test_unpinned_after_the_conversation(void **state)
{
    (void)state;
    open_conn(0, "front.example", 1);
    busy(0, &conns[0].ref);
    xp_http_conns_done(&conns[0].ref, 1);   /* no CHALLENGE: no second request */
    open_idle(1, "front.example");
    open_idle(2, "front.example");
    assert_int_equal(room(), 1);
    assert_true(was_shut(0));               /* idle longest of the three */
}

static void
test_other_destinations_apart(void **state)
{
    struct sockaddr_in other = where;

    (void)state;
    other.sin_port = htons((uint16_t)(ntohs(where.sin_port) ^ 1));
    open_idle(0, "autodiscover.d1.example");
    open_idle(1, "autodiscover.d2.example");
    open_idle(2, "autodiscover.d3.example");
    assert_int_equal(xp_http_conns_make_room((struct sockaddr *)&other), 0);
    assert_false(was_shut(0));
    assert_int_equal(room(), 1);            /* full here: the one idle longest */
    assert_true(was_shut(0));
}

static void
test_no_limit_counts_nothing(void **state)
{
    int k;

    (void)state;
    xp_http_conns_set_limit(0);
    for (k = 0; k < 4; k++)
        open_idle(k, "autodiscover.d1.example");
    assert_int_equal(room(), 0);
    for (k = 0; k < 4; k++)
        assert_false(was_shut(k));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_below_limit_nothing_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_single_use_host_closed_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_connecting_and_pinned_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_requests_on_one_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unpinned_after_the_conversation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_destinations_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_limit_counts_nothing, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
