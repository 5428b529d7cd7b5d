/*
 * xp_params.h — every bound and timeout of a run, in one struct (in the
 * spirit of OpenSMTPD's smtp_params): each field says its default and why.
 *
 * The CLI starts from xp_params_defaults and applies the options
 * (--timeout, --max-time, ...); the engine keeps the run's copy
 * (xp_options.params) and hands it down explicitly: checks read it with
 * xp_check_params(c), the model through run->params, transports in the
 * parameters of each request (timeout_ms, max_body, struct
 * xp_smtp_limits). Nothing reads a process-wide mutable limit.
 *
 * A new limit: a field here with its default in probes/params.c (and, when
 * the user may change it, its option in ui/cli.c and its line in
 * report_json.c's "run" object). Bounds that are a protocol's own rule
 * (Outlook's 10 redirect hops, RFC 7208's 10 SPF lookups) stay next to the
 * rule they implement.
 */
#ifndef XP_PARAMS_H
#define XP_PARAMS_H

#include <stddef.h>

/* What one SMTP session may receive before we stop reading (RFC 5321
 * §4.5.3.1 sizes, with room for broken servers), and how long QUIT may
 * take. */
struct xp_smtp_limits {
    size_t line_max;      /* bytes of one reply line, CRLF excluded: 1000, RFC 5321's
                           * 512 doubled for servers that overstep it */
    size_t lines_max;     /* lines of one reply: 100 (an EHLO reply has ~15) */
    size_t total_max;     /* bytes received in one session: 64 KiB (a full dialogue
                           * is ~2 KiB; a flooding server stops here) */
    int quit_wait_ms;     /* how long a 221 to QUIT is awaited: 2 s (a missing 221
                           * is no fault worth a full --timeout) */
};

struct xp_params {
    /* ---- time ---- */
    int timeout_ms;       /* one network operation (a DNS question, a connect, a TLS
                           * handshake, an HTTP request, one SMTP stage): 10 s
                           * (--timeout). A healthy server answers in well under a
                           * second; 10 s forgives a slow link while a dead host
                           * costs one wait. */
    int max_time_ms;      /* every check of one target: 60 s (--max-time). Bounds a
                           * run against servers that answer slowly at every
                           * stage (a tarpit, a dripping proxy). */
    /* ---- concurrency ---- */
    int parallel;         /* targets checked at once: 8 for targets given as arguments
                           * (--parallel). Interactive runs have a few targets. */
    int parallel_file;    /* the same with --domains-file: 64. Thousands of domains
                           * need many in flight (each waits mostly on round trips);
                           * the limits below keep that polite. */
    int parallel_max;     /* the largest --parallel accepted: 1024 (file descriptors:
                           * each target may hold a dozen sockets). */
    int conns_per_dest;   /* connections open at once to one IP address and port: 8.
                           * A thousand domains hosted on the same Exchange Online
                           * or hoster addresses must not hammer them; the others
                           * wait their turn (probes/dest.c). Idle kept-alive HTTP
                           * connections count too: the least useful one is closed
                           * before a new one passes it (probes/http_conns.c).
                           * --per-address. */
    int conns_per_dest_max;   /* the largest --per-address accepted: 256. */
    int retry_backoff_ms; /* a connection refused or reset while others are open to
                           * the same place is retried once after 250 ms: maybe the
                           * server's own limit, not a verdict. */
    int dns_inflight;     /* DNS questions on the wire at once: 256. A bulk run asks
                           * ~22 per domain: at 100 ms a round trip, 64 held 1,000
                           * domains to >= 35 s of DNS alone (make bench-bulk).
                           * More is unkind to a resolver: with 512 at once the
                           * lab's named lost a few (its socket buffer), each
                           * then costing a retry timeout. */
    size_t dns_cache_max; /* DNS answers memoised per run: 16384, least recently used
                           * dropped first, none past its TTL. Memory stays flat
                           * whatever the number of targets. */
    int order_window;     /* jsonl in input order: no target starts more than 256 (+
                           * parallel) places ahead of the oldest still running, so a
                           * slow host holds back a bounded number of documents. */
    int http_pool;        /* idle keep-alive HTTP connections kept for reuse: 64. */
    int http_lanes;       /* HTTP requests at once to one host name at one address:
                           * 6 (as browsers). The next one waits for a kept-alive
                           * connection instead of opening one more (a TLS
                           * handshake each: most of the CPU of a bulk run);
                           * fresh connections and NTLM conversations need no
                           * lane. preauth's 6 and hybridauth's 4 requests to one
                           * Exchange host: 4 lanes made them 4 round trips
                           * long, 6 lanes 3 (with the NTLM conversation and
                           * 8 per address: room for one more check's). */
    int http_lanes_file;  /* the same with --domains-file: 8, as many as
                           * conns_per_dest. A hoster's one Autodiscover name gets
                           * every domain's POSTs (their bodies name the domain:
                           * not shared); 2 lanes made 1,000 domains queue ~38 s
                           * behind each other at 100 ms a request. The
                           * connections stay kept alive and reused, so the
                           * handshakes (CPU) do not grow with the domains. */
    size_t http_share_max;    /* HTTP answers kept to share across targets: 1024, */
    size_t http_share_kib;    /* of at most 8192 KiB together, least recently used
                               * dropped first (xp_http_share.h: a hoster's front end
                               * is asked once, not once per domain). */
    /* ---- sizes ---- */
    size_t value_max;     /* bytes of one string kept in the model (messages,
                           * evidence): 4 KiB. A hostile server's banner or header
                           * cannot grow a report without bound. */
    size_t dns_answers;   /* records kept from one DNS answer: 64 (a large SPF or MX
                           * set has ~20). */
    size_t http_body_max; /* bytes of an HTTP body read when the request sets none:
                           * 1 MiB (Autodiscover XML is ~10 KiB). */
    struct xp_smtp_limits smtp;   /* one SMTP session */
};

/* The defaults above; read-only. */
extern const struct xp_params xp_params_defaults;

#endif
