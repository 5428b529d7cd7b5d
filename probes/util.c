/*
 * util.c — allocation wrappers, the fatal path, clocks, DNS-name helpers
 * and a small growable buffer. Used everywhere.
 */
#define _GNU_SOURCE
#include "xp.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void (*fatal_hook)(void);

void
xp_set_fatal_hook(void (*hook)(void))
{
    fatal_hook = hook;
}

void
xp_fatal(const char *fmt, ...)
{
    va_list ap;

    if (fatal_hook) {
        void (*hook)(void) = fatal_hook;
        fatal_hook = NULL;  /* a failing hook must not recurse */
        hook();
    }
    fputs("exprobe: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(XP_EXIT_USAGE);
}

void *
xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p)
        xp_fatal("out of memory (%zu bytes)", n);
    return p;
}

void *
xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (!p)
        xp_fatal("out of memory (%zu x %zu bytes)", n, size);
    return p;
}

void *
xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (!q)
        xp_fatal("out of memory (%zu bytes)", n);
    return q;
}

char *
xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);

    if (n)   /* s may be NULL when n is 0 (an empty BIO, an empty subject) */
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
    char *s;

    if (vasprintf(&s, fmt, ap) < 0)
        xp_fatal("out of memory formatting a string");
    return s;
}

char *
xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

int64_t
xp_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
xp_trace_on(void)
{
    static int on = -1;   /* the environment's, read once: not run state */

    if (on < 0) {
        const char *v = getenv("EXPROBE_TRACE");

        on = v && *v && strcmp(v, "0") != 0;
    }
    return on;
}

void
xp_trace(const char *fmt, ...)
{
    static int64_t t0;
    int64_t now;
    va_list ap;

    if (!xp_trace_on())
        return;
    now = xp_now_us();
    if (!t0)
        t0 = now;
    fprintf(stderr, "%8.1f ", (double)(now - t0) / 1000.0);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void
xp_rfc3339_now(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Length of a DNS name without one trailing dot. */
static size_t
name_len(const char *s)
{
    size_t n = strlen(s);

    if (n > 0 && s[n - 1] == '.')
        n--;
    return n;
}

int
xp_name_eq(const char *a, const char *b)
{
    size_t la = name_len(a), lb = name_len(b);

    return la == lb && strncasecmp(a, b, la) == 0;
}

int
xp_name_ends_with(const char *name, const char *suffix)
{
    size_t ln = name_len(name), ls = name_len(suffix);

    if (ls == 0 || ls > ln)
        return 0;
    if (strncasecmp(name + ln - ls, suffix, ls) != 0)
        return 0;
    return ln == ls || name[ln - ls - 1] == '.';
}

void
xp_strv_free(char **v, size_t n)
{
    size_t i;

    if (!v)
        return;
    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void
xp_buf_add(struct xp_buf *b, const char *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;

        while (cap < b->len + n + 1)
            cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
    memcpy(b->s + b->len, data, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void
xp_buf_printf(struct xp_buf *b, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
    va_end(ap);
    xp_buf_add(b, s, strlen(s));
    free(s);
}

/* ---- sanitizer builds (make asan) ----
 * A report must be unmistakable: exit 86 (not 1, which is a warning, nor
 * 2/3) for ASan, LeakSanitizer and UBSan alike, UBSan stopping at its first
 * report. Compiled in, so the binary behaves so without any environment;
 * ASAN_OPTIONS / UBSAN_OPTIONS still override. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define XP_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define XP_ASAN 1
#endif
#ifdef XP_ASAN
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);
const char *__lsan_default_options(void);

const char *
__asan_default_options(void)
{
    return "exitcode=86:detect_leaks=1:abort_on_error=0";
}

const char *
__ubsan_default_options(void)
{
    return "exitcode=86:halt_on_error=1:print_stacktrace=1";
}

const char *
__lsan_default_options(void)
{
    return "exitcode=86";
}
#endif

int
xp_is_ip(const char *s)
{
    unsigned char buf[16];

    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

const char *
xp_fail_name(enum xp_fail f)
{
    static const char *const names[] = {
        [XP_FAIL_NONE] = "none", [XP_FAIL_DNS] = "dns", [XP_FAIL_REFUSED] = "refused",
        [XP_FAIL_UNREACHABLE] = "unreachable", [XP_FAIL_TIMEOUT] = "timeout",
        [XP_FAIL_TLS] = "tls", [XP_FAIL_HTTP_STATUS] = "http_status", [XP_FAIL_SIZE] = "size",
        [XP_FAIL_PROTOCOL] = "protocol",
    };

    return (size_t)f < XP_ARRAY_LEN(names) ? names[f] : "unknown";
}

unsigned
xp_str_hash(const char *s)
{
    unsigned h = 2166136261u;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

struct strset_entry {
    unsigned hash;
    struct strset_entry *next;
    char s[];
};

struct xp_strset {
    struct strset_entry **buckets;
    size_t nbuckets, count;     /* nbuckets: a power of two */
};

struct xp_strset *
xp_strset_new(void)
{
    struct xp_strset *set = xcalloc(1, sizeof(*set));

    set->nbuckets = 64;
    set->buckets = xcalloc(set->nbuckets, sizeof(*set->buckets));
    return set;
}

static struct strset_entry *
strset_find(const struct xp_strset *set, const char *s, unsigned h)
{
    struct strset_entry *e;

    for (e = set->buckets[h & (set->nbuckets - 1)]; e; e = e->next)
        if (e->hash == h && strcmp(e->s, s) == 0)
            return e;
    return NULL;
}

/* Twice the buckets once there are more entries than buckets: chains stay
 * short, and the rehash costs O(1) amortised per add. */
static void
strset_grow(struct xp_strset *set)
{
    size_t i, n = set->nbuckets * 2;
    struct strset_entry **b = xcalloc(n, sizeof(*b)), *e, *en;

    for (i = 0; i < set->nbuckets; i++)
        for (e = set->buckets[i]; e; e = en) {
            en = e->next;
            e->next = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
        }
    free(set->buckets);
    set->buckets = b;
    set->nbuckets = n;
}

int
xp_strset_add(struct xp_strset *set, const char *s)
{
    unsigned h = xp_str_hash(s);
    size_t len = strlen(s);
    struct strset_entry *e;

    if (strset_find(set, s, h))
        return 0;
    if (set->count >= set->nbuckets)
        strset_grow(set);
    e = xmalloc(sizeof(*e) + len + 1);
    e->hash = h;
    memcpy(e->s, s, len + 1);
    e->next = set->buckets[h & (set->nbuckets - 1)];
    set->buckets[h & (set->nbuckets - 1)] = e;
    set->count++;
    return 1;
}

int
xp_strset_has(const struct xp_strset *set, const char *s)
{
    return strset_find(set, s, xp_str_hash(s)) != NULL;
}

size_t
xp_strset_count(const struct xp_strset *set)
{
    return set ? set->count : 0;
}

void
xp_strset_free(struct xp_strset *set)
{
    struct strset_entry *e, *en;
    size_t i;

    if (!set)
        return;
    for (i = 0; i < set->nbuckets; i++)
        for (e = set->buckets[i]; e; e = en) {
            en = e->next;
            free(e);
        }
    free(set->buckets);
    free(set);
}
