/*
 * test_http_share.c — HTTP answers shared across targets
 * (include/xp_http_share.h): which requests may be shared (never with
 * credentials, fresh connections or NTLM conversations), keys that differ
 * in anything sent, waiters called in order with the answer, stored
 * answers found again, an unwaited request cancelled, deep copies, LRU
 * eviction by count and by bytes, flush.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "xp.h"
#include "xp_http_share.h"

static struct xp_http_req
get(const char *url)
{
    struct xp_http_req r = { .url = url, .method = "GET", .connect_ip = "192.0.2.1",
                             .timeout_ms = 10000, .max_body = 4096 };

    return r;
}

static void
test_never_shared(void **state)
{
    struct xp_http_req r = get("https://mail.example.com/EWS/Exchange.asmx");
    char *k;

    (void)state;
    k = xp_http_share_key(&r);
    assert_non_null(k);
    free(k);
    r.user = "alice";
    assert_null(xp_http_share_key(&r));   /* credentials: never */
    r.user = NULL;
    r.fresh = 1;
    assert_null(xp_http_share_key(&r));   /* the connection is what is judged */
    r.fresh = 0;
    r.conversation = 7;
    r.conversation_step = 1;
    assert_null(xp_http_share_key(&r));
}

/* Two requests that differ in one thing sent have different keys. */
static void
differ(const struct xp_http_req *a, const struct xp_http_req *b)
{
    char *ka = xp_http_share_key(a), *kb = xp_http_share_key(b);

    assert_non_null(ka);
    assert_non_null(kb);
    assert_string_not_equal(ka, kb);
    free(ka);
    free(kb);
}

static void
test_keys(void **state)
{
    struct xp_http_req a = get("https://h.example/x"), b = a;
    const char *h1[] = { "Authorization: Bearer ", NULL };
    const char *h2[] = { "Authorization: Bearer", NULL };
    char *ka, *kb;

    (void)state;
    ka = xp_http_share_key(&a);
    kb = xp_http_share_key(&b);
    assert_string_equal(ka, kb);          /* the same request, the same key */
    free(ka);
    free(kb);
    b.connect_ip = "192.0.2.2";
    differ(&a, &b);
    b = a;
    b.method = "POST";
    differ(&a, &b);
    b = a;
    b.body = "x";
    differ(&a, &b);
    b = a;
    b.headers = h1;
    differ(&a, &b);
    a.headers = h2;
    differ(&a, &b);
    a = get("https://h.example/x");
    b = a;
    b.http1_only = 1;
    differ(&a, &b);
    b = a;
    b.max_body = 1;
    differ(&a, &b);
    /* No value can fake a field boundary. */
    a.content_type = "a";
    a.soap_action = "b";
    b = get("https://h.example/x");
    b.content_type = "a1:b";
    differ(&a, &b);
}

struct seen {
    int calls[4];
    long status[4];
    int n;
};

struct who {
    struct seen *s;
    int id;
};

static void
on_answer(void *arg, const struct xp_http_resp *resp)
{
    struct who *w = arg;

    w->s->calls[w->s->n] = w->id;
    w->s->status[w->s->n] = resp->status;
    w->s->n++;
}

static struct xp_http_resp
answer(long status, const char *body)
{
    static struct xp_http_header hdr = { "Server", "nginx" };
    struct xp_http_resp r = { .completed = 1, .status = status, .headers = &hdr,
                              .nheaders = 1, .body = (char *)body,
                              .body_len = strlen(body) };

    return r;
}

static void
test_waiters_and_store(void **state)
{
    struct xp_http_share *s = xp_http_share_new(16, 1 << 20);
    struct xp_http_shared *e;
    struct seen seen = { 0 };
    struct who w1 = { &seen, 1 }, w2 = { &seen, 2 };
    struct xp_http_resp r = answer(401, "denied");
    const struct xp_http_resp *got;

    (void)state;
    assert_null(xp_http_share_find(s, "k"));
    e = xp_http_share_begin(s, "k");
    assert_null(xp_http_shared_resp(e));                  /* in flight */
    assert_ptr_equal(xp_http_share_find(s, "k"), e);
    xp_http_share_wait(e, on_answer, &w1);
    xp_http_share_wait(e, on_answer, &w2);
    xp_http_share_done(s, e, &r);
    assert_int_equal(seen.n, 2);
    assert_int_equal(seen.calls[0], 1);                   /* in the order they asked */
    assert_int_equal(seen.calls[1], 2);
    assert_int_equal(seen.status[1], 401);
    got = xp_http_shared_resp(xp_http_share_find(s, "k"));
    assert_non_null(got);                                 /* stored: a copy */
    assert_ptr_not_equal(got->body, r.body);
    assert_string_equal(got->body, "denied");
    assert_string_equal(got->headers[0].value, "nginx");
    assert_int_equal(xp_http_share_hits(s), 2);
    xp_http_share_flush(s);
    assert_null(xp_http_share_find(s, "k"));
    xp_http_share_free(s);
}

/* A prefetched request nobody joined is cancelled before it is sent: its
 * entry goes, so the next identical request goes on the wire itself. */
static void
test_cancel_unwaited(void **state)
{
    struct xp_http_share *s = xp_http_share_new(16, 1 << 20);
    struct xp_http_shared *e, *other;
    struct seen seen = { 0 };
    struct who w1 = { &seen, 1 };

    (void)state;
    e = xp_http_share_begin(s, "k");
    other = xp_http_share_begin(s, "k2");
    assert_false(xp_http_shared_waited(e));
    xp_http_share_wait(other, on_answer, &w1);
    assert_true(xp_http_shared_waited(other));
    xp_http_share_cancel(s, e);
    assert_null(xp_http_share_find(s, "k"));
    assert_ptr_equal(xp_http_share_find(s, "k2"), other);   /* the others stay */
    xp_http_share_free(s);
    assert_int_equal(seen.n, 0);
}

static void
store(struct xp_http_share *s, const char *key, const char *body)
{
    struct xp_http_resp r = answer(200, body);

    xp_http_share_done(s, xp_http_share_begin(s, key), &r);
}

static void
test_lru(void **state)
{
    struct xp_http_share *s = xp_http_share_new(2, 1 << 20);
    char big[4096];

    (void)state;
    store(s, "a", "1");
    store(s, "b", "2");
    assert_non_null(xp_http_share_find(s, "a"));          /* a is now the newest */
    store(s, "c", "3");                                   /* over 2: b goes */
    assert_null(xp_http_share_find(s, "b"));
    assert_non_null(xp_http_share_find(s, "a"));
    assert_non_null(xp_http_share_find(s, "c"));
    xp_http_share_free(s);

    s = xp_http_share_new(100, 6000);                     /* by bytes */
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    store(s, "a", big);
    store(s, "b", big);                                   /* over 6000 bytes: a goes */
    assert_null(xp_http_share_find(s, "a"));
    assert_non_null(xp_http_share_find(s, "b"));
    xp_http_share_free(s);
}

static void
test_dup(void **state)
{
    struct xp_http_resp r = answer(302, "");
    struct xp_http_resp *d;

    (void)state;
    r.location = "https://elsewhere.example/";
    r.body = NULL;
    r.body_len = 0;
    d = xp_http_resp_dup(&r);
    assert_null(d->body);                                 /* as it was */
    assert_string_equal(d->location, r.location);
    assert_ptr_not_equal(d->location, r.location);
    assert_int_equal(d->status, 302);
    xp_http_resp_free(d);
    xp_http_resp_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_never_shared),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_waiters_and_store),
        cmocka_unit_test(test_cancel_unwaited),
        cmocka_unit_test(test_lru),
        cmocka_unit_test(test_dup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
