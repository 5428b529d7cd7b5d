/*
 * xp.h — what every exprobe file needs: the allocation wrappers that die
 * on OOM (so no other code checks malloc for NULL), the fatal-error path,
 * monotonic time, and the limits every read is bounded by.
 */
#ifndef XP_H
#define XP_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define XP_VERSION "0.1.0"

#if defined(__GNUC__)
#define XP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define XP_NORETURN __attribute__((noreturn))
#else
#define XP_PRINTF(f, a)
#define XP_NORETURN
#endif

#define XP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Exit codes (SPEC: Nagios plugin conventions). */
enum xp_exit {
    XP_EXIT_OK = 0,
    XP_EXIT_WARN = 1,
    XP_EXIT_FAIL = 2,
    XP_EXIT_USAGE = 3,
    XP_EXIT_UNKNOWN = 3,    /* no verdict reached (same code as usage: Nagios UNKNOWN) */
};

/*
 * Why a transport's work failed, as a class every result carries
 * (xp_tcp_result, xp_tls_info, xp_http_resp; xp_dns_fail for DNS), so a
 * check picks its fix from the class, never from an error string.
 */
enum xp_fail {
    XP_FAIL_NONE,           /* it worked */
    XP_FAIL_DNS,            /* the name did not resolve (or the resolver failed) */
    XP_FAIL_REFUSED,        /* the port refused the connection: nothing listens */
    XP_FAIL_UNREACHABLE,    /* no route, host down, or another connect error */
    XP_FAIL_TIMEOUT,        /* no answer within --timeout */
    XP_FAIL_TLS,            /* the TLS handshake (or its verification) failed */
    XP_FAIL_HTTP_STATUS,    /* an HTTP answer, with an error status (>= 400) */
    XP_FAIL_SIZE,           /* an answer cut at one of our size limits */
    XP_FAIL_PROTOCOL,       /* the peer broke the protocol */
};
/* "none", "dns", "refused", ... for evidence. */
const char *xp_fail_name(enum xp_fail f);

/* Allocation: never returns NULL; on failure prints and exits 3. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) XP_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) XP_PRINTF(1, 0);

/*
 * Fatal tool error (not a target's fault): runs the registered cleanup hook
 * (the TUI restores the terminal there), prints "exprobe: ..." and exits 3.
 */
void xp_fatal(const char *fmt, ...) XP_PRINTF(1, 2) XP_NORETURN;
void xp_set_fatal_hook(void (*hook)(void));

/* Monotonic clock in microseconds / milliseconds. */
int64_t xp_now_us(void);

/*
 * EXPROBE_TRACE=1 in the environment: one line per event on stderr, time
 * since the first event in ms ("  412.3 http send autodiscover POST
 * https://..."), a run's timeline to find its critical path (README
 * "Where the time goes"). Nothing otherwise; not part of any report.
 */
int xp_trace_on(void);
void xp_trace(const char *fmt, ...) XP_PRINTF(1, 2);

/* Wall clock as RFC 3339 UTC ("2026-11-21T13:42:58Z") into buf. */
void xp_rfc3339_now(char *buf, size_t len);

/* Case-insensitive compare of DNS names, ignoring one trailing dot. */
int xp_name_eq(const char *a, const char *b);

/* Does name end with suffix at a label boundary ("x.y.z" ends with "y.z")? */
int xp_name_ends_with(const char *name, const char *suffix);

/* Is s an IPv4 or IPv6 address literal (no brackets, no port)? */
int xp_is_ip(const char *s);
/* FNV-1a of the string, for hash tables keyed by text. */
unsigned xp_str_hash(const char *s);

/* A set of strings, hashed (xp_str_hash) and growing with its count, so
 * asking is O(1) however many it holds: e.g. the targets of a 10,000-line
 * --domains-file seen so far. */
struct xp_strset;
struct xp_strset *xp_strset_new(void);
/* 1 if s was added, 0 if it was already there (s is copied). */
int xp_strset_add(struct xp_strset *set, const char *s);
int xp_strset_has(const struct xp_strset *set, const char *s);
size_t xp_strset_count(const struct xp_strset *set);
void xp_strset_free(struct xp_strset *set);

/* Free an array of n strings and the array (NULL is fine). */
void xp_strv_free(char **v, size_t n);

/* Growable string; s is always NUL-terminated once used. Free with free(s). */
struct xp_buf {
    char *s;
    size_t len, cap;
};
void xp_buf_add(struct xp_buf *b, const char *data, size_t n);
void xp_buf_printf(struct xp_buf *b, const char *fmt, ...) XP_PRINTF(2, 3);

#endif
