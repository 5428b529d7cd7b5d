/* tests/bench/delay_proxy.c - the benches' wide-area stand-in: every byte
 * between exprobe and the lab's b17.test hosts and DNS is held MS
 * milliseconds each way. (netem would do this in the kernel; this machine's
 * kernel has no sch_netem, hence a userspace proxy.)
 *
 *     DNS   127.0.17.2:53 udp+tcp   -> 127.0.1.1:53 (the lab's named)
 *     SMTP  127.0.17.110-.124:25    -> 127.0.17.10-.24:25 (Exim, mx0-14.b17.test)
 *     HTTPS 127.0.17.130-.132:443   -> 127.0.17.30-.32:443 (nginx, ad0-2.b17.test)
 *     HTTP  127.0.17.130-.132:80    -> 127.0.17.30-.32:8080 (the redirect to adK.slow)
 *
 *     delay_proxy MS     prints "delay_proxy: ready, MS ms each way" on stdout
 *                        once every socket listens; runs until SIGTERM/SIGINT,
 *                        then prints one "delay_proxy: stats ..." line (how late
 *                        its timers fired: the latency it adds on top of MS) and
 *                        per listening address "... connections N at_once_max M"
 *                        (connections accepted, and open at once at most).
 *
 * TCP: the first bytes each way also wait one round trip (2 x MS) after the
 * accept, standing in for the handshake a real path would cost; afterwards
 * each chunk is forwarded MS after it arrived, in order; end-of-stream
 * (shutdown) and a reset likewise. DNS over UDP: each datagram MS after it
 * arrived, through one upstream socket per client address and port.
 *
 * One thread, epoll, one timerfd over a heap of due times. Nonblocking;
 * at most QUEUE_MAX bytes held per direction (reading pauses above it).
 * Written in C because the Python one it replaces (asyncio) stretched each
 * 100 ms round trip to ~230 ms on this loaded machine: the delayed bench
 * figures measured the proxy. Built by make bench / bench-bulk.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define DNS_FRONT "127.0.17.2"
#define DNS_UP "127.0.1.1"
#define QUEUE_MAX (256 * 1024)  /* bytes held per direction before reading pauses */
#define READ_MAX 65536
#define UDP_IDLE_NS (30LL * 1000000000)  /* an idle upstream DNS socket is closed */
#define UDP_BUCKETS 4096
#define LATE_BUCKETS 2000                /* lateness histogram: 0.05 ms steps to 100 ms */
#define LATE_STEP_NS 50000

/* ---- time and the timer heap ---- */

enum timer_kind { T_PIPE, T_DGRAM, T_RELISTEN };

struct timer {
    int64_t due;      /* CLOCK_MONOTONIC ns */
    uint64_t seq;     /* ties keep arrival order */
    int hidx;         /* place in the heap, -1 when not in it */
    enum timer_kind kind;
};

static int64_t delay_ns;
static struct timer **heap;
static size_t heap_n, heap_cap;
static uint64_t seq_next = 1;
static int timer_fd, epoll_fd;

static struct {
    uint64_t fired, conns, refused, resets, dgrams_up, dgrams_down, dgrams_lost;
    uint64_t late[LATE_BUCKETS + 1];
    int64_t late_max;
} stats;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "delay_proxy: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p)
        die("malloc");
    return p;
}

static bool timer_before(const struct timer *a, const struct timer *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void heap_set(size_t i, struct timer *t)
{
    heap[i] = t;
    t->hidx = (int)i;
}

static void heap_up(size_t i)
{
    struct timer *t = heap[i];
    while (i > 0 && timer_before(t, heap[(i - 1) / 2])) {
        heap_set(i, heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_set(i, t);
}

static void heap_down(size_t i)
{
    struct timer *t = heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= heap_n)
            break;
        if (c + 1 < heap_n && timer_before(heap[c + 1], heap[c]))
            c++;
        if (!timer_before(heap[c], t))
            break;
        heap_set(i, heap[c]);
        i = c;
    }
    heap_set(i, t);
}

static void timer_add(struct timer *t, int64_t due)
{
    if (heap_n == heap_cap) {
        heap_cap = heap_cap ? 2 * heap_cap : 1024;
        heap = realloc(heap, heap_cap * sizeof *heap);
        if (!heap)
            die("malloc");
    }
    t->due = due;
    t->seq = seq_next++;
    heap[heap_n] = t;
    heap_up(heap_n++);
}

static void timer_del(struct timer *t)
{
    if (t->hidx < 0)
        return;
    size_t i = (size_t)t->hidx;
    t->hidx = -1;
    if (i == --heap_n)
        return;
    heap_set(i, heap[heap_n]);
    heap_up(i);
    heap_down((size_t)heap[i]->hidx);
}

static struct timer *timer_pop_due(int64_t now)
{
    if (!heap_n || heap[0]->due > now)
        return NULL;
    struct timer *t = heap[0];
    timer_del(t);
    int64_t late = now - t->due;
    size_t b = (size_t)(late / LATE_STEP_NS);
    stats.late[b < LATE_BUCKETS ? b : LATE_BUCKETS]++;
    if (late > stats.late_max)
        stats.late_max = late;
    stats.fired++;
    return t;
}

static void timer_rearm(void)
{
    struct itimerspec its = {0};
    if (heap_n) {
        int64_t due = heap[0]->due;
        its.it_value.tv_sec = due / 1000000000;
        its.it_value.tv_nsec = due % 1000000000;
        if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
            its.it_value.tv_nsec = 1;  /* zero would disarm */
    }
    if (timerfd_settime(timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
        die("timerfd_settime");
}

/* ---- epoll tags: what an event's fd is ---- */

enum tag_kind { K_LISTEN, K_CONN, K_UDP_FRONT, K_UDP_UP, K_TIMER, K_SIGNAL };

struct tag {
    enum tag_kind kind;
};

/* ---- TCP: one connection = two pipes ---- */

enum chunk_kind { C_DATA, C_EOF, C_RST };

struct chunk {
    struct chunk *next;
    int64_t due;
    enum chunk_kind kind;
    size_t len, off;
    unsigned char data[];
};

struct conn;

/* One direction: bytes read from conn->fd[dir], written to conn->fd[!dir]. */
struct pipe_ {
    struct timer t;       /* due for the head chunk (T_PIPE) */
    struct conn *c;
    int dir;
    struct chunk *head, *tail;
    size_t queued;        /* bytes held */
    bool blocked;         /* the destination said EAGAIN: wait for EPOLLOUT */
    bool eof_in;          /* the source ended (end of stream or reset) */
    bool done;            /* end of stream delivered, or the destination is gone */
};

struct end {              /* one socket of a connection, for epoll */
    struct tag tag;
    struct conn *c;
    int side;
    uint32_t events;      /* registered interest, 0 = not registered */
};

struct conn {
    struct listener *l;
    int fd[2];            /* 0 the client (exprobe), 1 the upstream server */
    struct end end[2];
    struct pipe_ p[2];    /* p[0] client -> upstream, p[1] upstream -> client */
    bool connecting;      /* upstream connect() in progress */
    bool closed;
    int64_t not_before;   /* the handshake's round trip */
    struct conn *next_dead;
};

static struct conn *graveyard;  /* closed during this batch of events, freed after it */

struct listener {
    struct tag tag;
    int fd;
    struct sockaddr_in front, up;
    uint64_t conns;           /* accepted */
    int open, peak;           /* connections open at once, now and at most */
};

static struct listener listeners[64];
static size_t n_listeners;
static struct timer relisten = {.hidx = -1, .kind = T_RELISTEN};

static void end_interest(struct conn *c, int side)
{
    struct end *e = &c->end[side];
    struct pipe_ *in = &c->p[side], *out = &c->p[!side];
    uint32_t want = 0;
    if (!in->eof_in && in->queued < QUEUE_MAX && !(side == 1 && c->connecting))
        want |= EPOLLIN;
    if (out->blocked || (side == 1 && c->connecting))
        want |= EPOLLOUT;
    if (want == e->events)
        return;
    /* Nothing wanted: out of the set, else a hung-up socket reports
       EPOLLHUP level-triggered until the other direction ends. */
    struct epoll_event ev = {.events = want, .data.ptr = e};
    int op = !want ? EPOLL_CTL_DEL : e->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(epoll_fd, op, c->fd[side], &ev) < 0)
        die("epoll_ctl (connection)");
    e->events = want;
}

static void chunks_free(struct pipe_ *p)
{
    while (p->head) {
        struct chunk *k = p->head;
        p->head = k->next;
        free(k);
    }
    p->tail = NULL;
    p->queued = 0;
}

static void conn_close(struct conn *c, bool reset)
{
    if (c->closed)
        return;
    c->closed = true;
    c->l->open--;
    for (int s = 0; s < 2; s++) {
        timer_del(&c->p[s].t);
        chunks_free(&c->p[s]);
        if (c->fd[s] < 0)
            continue;
        if (reset) {
            struct linger lg = {.l_onoff = 1, .l_linger = 0};
            setsockopt(c->fd[s], SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        }
        close(c->fd[s]);
    }
    c->next_dead = graveyard;
    graveyard = c;
}

static void conn_check_done(struct conn *c)
{
    if (c->p[0].done && c->p[1].done)
        conn_close(c, false);
}

static void pipe_arm(struct pipe_ *p)
{
    if (p->head && !p->blocked && p->t.hidx < 0)
        timer_add(&p->t, p->head->due);
}

static void pipe_push(struct pipe_ *p, enum chunk_kind kind, const void *data, size_t len)
{
    if (p->done)
        return;  /* the destination is gone: discard */
    struct chunk *k = xmalloc(sizeof *k + len);
    int64_t due = now_ns() + delay_ns;
    k->next = NULL;
    k->due = due > p->c->not_before ? due : p->c->not_before;
    k->kind = kind;
    k->len = len;
    k->off = 0;
    if (len)
        memcpy(k->data, data, len);
    if (p->tail)
        p->tail->next = k;
    else
        p->head = k;
    p->tail = k;
    p->queued += len;
    pipe_arm(p);
}

/* The destination of P failed (reset, broken pipe): what it still held is
   dropped, and the reset travels back to the source like a real one. */
static void pipe_dest_failed(struct pipe_ *p)
{
    struct conn *c = p->c;
    chunks_free(p);
    timer_del(&p->t);
    p->done = true;
    p->blocked = false;
    struct pipe_ *back = &c->p[!p->dir];
    if (!back->eof_in) {
        back->eof_in = true;
        pipe_push(back, C_RST, NULL, 0);
    }
    end_interest(c, p->dir);
    end_interest(c, !p->dir);
    conn_check_done(c);
}

/* Writes P's chunks that are due. */
static void pipe_flush(struct pipe_ *p)
{
    struct conn *c = p->c;
    int dst = c->fd[!p->dir];
    int64_t now = now_ns();
    if (p->dir == 0 && c->connecting) {
        p->blocked = true;
        end_interest(c, 1);
        return;
    }
    while (p->head && p->head->due <= now) {
        struct chunk *k = p->head;
        if (k->kind == C_RST) {
            stats.resets++;
            conn_close(c, true);
            return;
        }
        if (k->kind == C_EOF) {
            shutdown(dst, SHUT_WR);
            p->done = true;
        }
        while (k->off < k->len) {
            ssize_t n = send(dst, k->data + k->off, k->len - k->off, MSG_NOSIGNAL);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                p->blocked = true;
                end_interest(c, !p->dir);
                return;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                pipe_dest_failed(p);
                return;
            }
            k->off += (size_t)n;
        }
        p->head = k->next;
        if (!p->head)
            p->tail = NULL;
        p->queued -= k->len;
        free(k);
    }
    if (p->blocked) {
        p->blocked = false;
        end_interest(c, !p->dir);
    }
    end_interest(c, p->dir);  /* reading may resume below QUEUE_MAX */
    pipe_arm(p);
    conn_check_done(c);
}

static void conn_read(struct conn *c, int side, bool hup)
{
    struct pipe_ *p = &c->p[side];
    static unsigned char buf[READ_MAX];
    /* After a hang-up, read what the socket holds (bounded by its buffer)
       whatever the queue: the hang-up would otherwise be reported forever. */
    while (!p->eof_in && (hup || p->queued < QUEUE_MAX)) {
        ssize_t n = recv(c->fd[side], buf, sizeof buf, 0);
        if (n > 0) {
            pipe_push(p, C_DATA, buf, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        p->eof_in = true;
        pipe_push(p, n == 0 ? C_EOF : C_RST, NULL, 0);
    }
    end_interest(c, side);
}

/* The upstream refused: the client sees a reset when a real refusal would
   have arrived (the handshake's round trip after the accept). */
static void conn_refused(struct conn *c)
{
    stats.refused++;
    c->connecting = false;
    chunks_free(&c->p[0]);
    timer_del(&c->p[0].t);
    c->p[0].done = true;
    c->p[0].blocked = false;
    c->p[1].eof_in = true;
    pipe_push(&c->p[1], C_RST, NULL, 0);
    end_interest(c, 0);
    end_interest(c, 1);
}

static void conn_connected(struct conn *c)
{
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) {
        conn_refused(c);
        return;
    }
    c->connecting = false;
    end_interest(c, 1);
    if (c->p[0].blocked) {
        c->p[0].blocked = false;
        pipe_arm(&c->p[0]);
    }
}

static void conn_event(struct end *e, uint32_t ev)
{
    struct conn *c = e->c;
    int s = e->side;
    if (c->closed)
        return;
    if (s == 1 && c->connecting) {
        if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            conn_connected(c);
        return;
    }
    bool hup = ev & (EPOLLHUP | EPOLLERR | EPOLLRDHUP);
    if ((ev & EPOLLIN) || hup)
        conn_read(c, s, hup);
    if (c->closed)
        return;
    struct pipe_ *out = &c->p[!s];
    if (out->blocked && (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        out->blocked = false;
        pipe_flush(out);
    }
}

static int set_nodelay(int fd)
{
    int one = 1;
    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void relisten_pause(void)
{
    for (size_t i = 0; i < n_listeners; i++)
        epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listeners[i].fd, NULL);
    if (relisten.hidx < 0)
        timer_add(&relisten, now_ns() + 50000000);
}

static void relisten_resume(void)
{
    for (size_t i = 0; i < n_listeners; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &listeners[i].tag};
        epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listeners[i].fd, &ev);
    }
}

static void conn_accept(struct listener *l)
{
    for (;;) {
        int cfd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                fprintf(stderr, "delay_proxy: accept: %s (pausing 50 ms)\n", strerror(errno));
                relisten_pause();
            }
            return;  /* EAGAIN, or the client already left */
        }
        int ufd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (ufd < 0) {
            fprintf(stderr, "delay_proxy: socket: %s\n", strerror(errno));
            close(cfd);
            continue;
        }
        set_nodelay(cfd);
        set_nodelay(ufd);
        struct conn *c = calloc(1, sizeof *c);
        if (!c)
            die("malloc");
        stats.conns++;
        c->l = l;
        l->conns++;
        if (++l->open > l->peak)
            l->peak = l->open;
        c->fd[0] = cfd;
        c->fd[1] = ufd;
        c->not_before = now_ns() + 2 * delay_ns;
        for (int s = 0; s < 2; s++) {
            c->end[s] = (struct end){.tag = {K_CONN}, .c = c, .side = s};
            c->p[s].t = (struct timer){.hidx = -1, .kind = T_PIPE};
            c->p[s].c = c;
            c->p[s].dir = s;
        }
        if (connect(ufd, (struct sockaddr *)&l->up, sizeof l->up) < 0) {
            if (errno != EINPROGRESS) {
                conn_refused(c);
                continue;
            }
            c->connecting = true;
        }
        end_interest(c, 0);
        end_interest(c, 1);
    }
}

/* ---- DNS over UDP ---- */

struct udp_up {          /* one upstream socket per client address and port */
    struct tag tag;
    int fd;
    struct sockaddr_in client;
    int64_t last;
    struct udp_up *hnext, *lru_prev, *lru_next;
};

struct dgram {
    struct timer t;
    bool to_client;
    struct sockaddr_in client;
    size_t len;
    unsigned char data[];
};

static struct tag udp_front_tag = {K_UDP_FRONT};
static int udp_front;
static struct sockaddr_in dns_up;
static struct udp_up *udp_hash[UDP_BUCKETS];
static struct udp_up *lru_new, *lru_old;  /* most and least recently used */

static size_t udp_bucket(const struct sockaddr_in *a)
{
    return ((size_t)a->sin_addr.s_addr * 2654435761u ^ a->sin_port) % UDP_BUCKETS;
}

static void lru_unlink(struct udp_up *u)
{
    if (u->lru_prev)
        u->lru_prev->lru_next = u->lru_next;
    else
        lru_new = u->lru_next;
    if (u->lru_next)
        u->lru_next->lru_prev = u->lru_prev;
    else
        lru_old = u->lru_prev;
}

static void lru_touch(struct udp_up *u)
{
    if (lru_new == u)
        return;
    if (u->lru_prev || u->lru_next || lru_old == u)
        lru_unlink(u);
    u->lru_prev = NULL;
    u->lru_next = lru_new;
    if (lru_new)
        lru_new->lru_prev = u;
    lru_new = u;
    if (!lru_old)
        lru_old = u;
    u->last = now_ns();
}

static void udp_up_free(struct udp_up *u)
{
    struct udp_up **pp = &udp_hash[udp_bucket(&u->client)];
    while (*pp != u)
        pp = &(*pp)->hnext;
    *pp = u->hnext;
    lru_unlink(u);
    close(u->fd);
    free(u);
}

static void udp_expire(int64_t now)
{
    while (lru_old && now - lru_old->last > UDP_IDLE_NS)
        udp_up_free(lru_old);
}

/* A bulk run's burst of DNS questions (256 in flight) must not overflow the
 * stock 208 KiB buffer: a drop costs the client a retry seconds later. */
static void big_rcvbuf(int fd)
{
    int size = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
}

static struct udp_up *udp_up_for(const struct sockaddr_in *client)
{
    size_t b = udp_bucket(client);
    for (struct udp_up *u = udp_hash[b]; u; u = u->hnext)
        if (u->client.sin_addr.s_addr == client->sin_addr.s_addr &&
            u->client.sin_port == client->sin_port)
            return u;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fprintf(stderr, "delay_proxy: udp socket: %s\n", strerror(errno));
        return NULL;
    }
    big_rcvbuf(fd);
    if (connect(fd, (struct sockaddr *)&dns_up, sizeof dns_up) < 0)
        die("connect (DNS upstream)");
    struct udp_up *u = calloc(1, sizeof *u);
    if (!u)
        die("malloc");
    u->tag.kind = K_UDP_UP;
    u->fd = fd;
    u->client = *client;
    u->hnext = udp_hash[b];
    udp_hash[b] = u;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &u->tag};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
        die("epoll_ctl (udp)");
    return u;
}

static void dgram_schedule(bool to_client, const struct sockaddr_in *client,
                           const unsigned char *data, size_t len)
{
    struct dgram *d = xmalloc(sizeof *d + len);
    d->t = (struct timer){.hidx = -1, .kind = T_DGRAM};
    d->to_client = to_client;
    d->client = *client;
    d->len = len;
    memcpy(d->data, data, len);
    timer_add(&d->t, now_ns() + delay_ns);
}

static void dgram_fire(struct dgram *d)
{
    /* A failed send is a loss, as on a real path: counted. */
    if (d->to_client) {
        stats.dgrams_down++;
        if (sendto(udp_front, d->data, d->len, 0, (struct sockaddr *)&d->client,
                   sizeof d->client) < 0)
            stats.dgrams_lost++;
    } else {
        struct udp_up *u = udp_up_for(&d->client);
        stats.dgrams_up++;
        if (!u || send(u->fd, d->data, d->len, 0) < 0)
            stats.dgrams_lost++;
        if (u)
            lru_touch(u);
    }
    free(d);
}

static void udp_front_read(void)
{
    unsigned char buf[READ_MAX];
    for (;;) {
        struct sockaddr_in client;
        socklen_t alen = sizeof client;
        ssize_t n = recvfrom(udp_front, buf, sizeof buf, 0, (struct sockaddr *)&client, &alen);
        if (n < 0)
            return;
        dgram_schedule(false, &client, buf, (size_t)n);
    }
}

static void udp_up_read(struct udp_up *u)
{
    unsigned char buf[READ_MAX];
    for (;;) {
        ssize_t n = recv(u->fd, buf, sizeof buf, 0);
        if (n < 0)
            return;
        lru_touch(u);
        dgram_schedule(true, &u->client, buf, (size_t)n);
    }
}

/* ---- setup ---- */

static struct sockaddr_in addr_of(const char *ip, int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
        fprintf(stderr, "delay_proxy: bad address %s\n", ip);
        exit(1);
    }
    return a;
}

static int bound_socket(int type, const char *ip, int port)
{
    struct sockaddr_in a = addr_of(ip, port);
    int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0)
        die("socket");
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (type == SOCK_DGRAM)
        big_rcvbuf(fd);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        fprintf(stderr, "delay_proxy: bind %s:%d: %s\n", ip, port, strerror(errno));
        exit(1);
    }
    return fd;
}

static void listen_on(const char *ip, int port, const char *up_ip, int up_port)
{
    if (n_listeners == sizeof listeners / sizeof listeners[0]) {
        fprintf(stderr, "delay_proxy: too many listeners\n");
        exit(1);
    }
    struct listener *l = &listeners[n_listeners++];
    l->tag.kind = K_LISTEN;
    l->fd = bound_socket(SOCK_STREAM, ip, port);
    l->front = addr_of(ip, port);
    l->up = addr_of(up_ip, up_port);
    if (listen(l->fd, 4096) < 0)
        die("listen");
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &l->tag};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, l->fd, &ev) < 0)
        die("epoll_ctl (listen)");
}

static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static void add_fd(int fd, struct tag *tag)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = tag};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
        die("epoll_ctl");
}

static double late_quantile(double q)
{
    uint64_t want = (uint64_t)(q * (double)stats.fired), seen = 0;
    for (size_t b = 0; b <= LATE_BUCKETS; b++) {
        seen += stats.late[b];
        if (seen > want)
            return (double)(b + 1) * LATE_STEP_NS / 1e6;
    }
    return (double)stats.late_max / 1e6;
}

static void run_timers(void)
{
    struct timer *t;
    int64_t now = now_ns();
    while ((t = timer_pop_due(now))) {
        if (t->kind == T_PIPE) {
            struct pipe_ *p = (struct pipe_ *)t;  /* t is its first member */
            pipe_flush(p);
        } else if (t->kind == T_DGRAM) {
            dgram_fire((struct dgram *)t);
        } else {
            relisten_resume();
        }
    }
    udp_expire(now);
    timer_rearm();
}

int main(int argc, char **argv)
{
    char *end;
    long ms = argc == 2 ? strtol(argv[1], &end, 10) : -1;
    if (argc != 2 || *end || ms < 0 || ms > 60000) {
        fprintf(stderr, "usage: delay_proxy MS   (0..60000 ms each way)\n");
        return 2;
    }
    delay_ns = ms * 1000000LL;
    raise_nofile();
    signal(SIGPIPE, SIG_IGN);
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (epoll_fd < 0 || timer_fd < 0)
        die("epoll/timerfd");
    static struct tag timer_tag = {K_TIMER}, signal_tag = {K_SIGNAL};
    add_fd(timer_fd, &timer_tag);
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigprocmask(SIG_BLOCK, &sigs, NULL);
    int sig_fd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sig_fd < 0)
        die("signalfd");
    add_fd(sig_fd, &signal_tag);

    dns_up = addr_of(DNS_UP, 53);
    listen_on(DNS_FRONT, 53, DNS_UP, 53);
    char ip[32], up[32];
    for (int k = 0; k < 15; k++) {
        snprintf(ip, sizeof ip, "127.0.17.%d", 110 + k);
        snprintf(up, sizeof up, "127.0.17.%d", 10 + k);
        listen_on(ip, 25, up, 25);
    }
    for (int k = 0; k < 3; k++) {
        snprintf(ip, sizeof ip, "127.0.17.%d", 130 + k);
        snprintf(up, sizeof up, "127.0.17.%d", 30 + k);
        listen_on(ip, 443, up, 443);
        listen_on(ip, 80, up, 8080);
    }
    udp_front = bound_socket(SOCK_DGRAM, DNS_FRONT, 53);
    add_fd(udp_front, &udp_front_tag);
    printf("delay_proxy: ready, %ld ms each way\n", ms);
    fflush(stdout);

    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(epoll_fd, evs, 256, -1);
        if (n < 0 && errno != EINTR)
            die("epoll_wait");
        for (int i = 0; i < n; i++) {
            struct tag *tag = evs[i].data.ptr;
            switch (tag->kind) {
            case K_LISTEN:
                conn_accept((struct listener *)tag);
                break;
            case K_CONN:
                conn_event((struct end *)tag, evs[i].events);
                break;
            case K_UDP_FRONT:
                udp_front_read();
                break;
            case K_UDP_UP:
                udp_up_read((struct udp_up *)tag);
                break;
            case K_TIMER: {
                uint64_t x;
                if (read(timer_fd, &x, sizeof x) < 0 && errno != EAGAIN)
                    die("read timerfd");
                break;
            }
            case K_SIGNAL:
                printf("delay_proxy: stats connections %llu refused %llu resets %llu "
                       "datagrams_up %llu datagrams_down %llu datagrams_lost %llu "
                       "timers %llu late_ms p50 %.2f p99 %.2f max %.2f\n",
                       (unsigned long long)stats.conns, (unsigned long long)stats.refused,
                       (unsigned long long)stats.resets, (unsigned long long)stats.dgrams_up,
                       (unsigned long long)stats.dgrams_down,
                       (unsigned long long)stats.dgrams_lost,
                       (unsigned long long)stats.fired, late_quantile(0.5), late_quantile(0.99),
                       (double)stats.late_max / 1e6);
                for (size_t k = 0; k < n_listeners; k++) {
                    char a[INET_ADDRSTRLEN];
                    struct listener *l = &listeners[k];
                    if (!l->conns)
                        continue;
                    inet_ntop(AF_INET, &l->front.sin_addr, a, sizeof a);
                    printf("delay_proxy: listener %s:%d connections %llu at_once_max %d\n", a,
                           ntohs(l->front.sin_port), (unsigned long long)l->conns, l->peak);
                }
                fflush(stdout);
                return 0;
            }
        }
        run_timers();
        while (graveyard) {
            struct conn *c = graveyard;
            graveyard = c->next_dead;
            free(c);
        }
    }
}
