/*
 * xp_smtp.h — SMTP for the `smtp` check, in two layers:
 *
 *   net_smtp.c   pure: an RFC 5321 reply parser (bytes in, whatever the
 *                TCP segmentation, replies out; bounded line length, lines
 *                per reply and bytes per session) and the client state
 *                machine (replies in, the next command or action out).
 *                No sockets, no clock: unit tests drive it directly.
 *   smtp_conn.c  the driver: one session to one address on the engine's
 *                loop — connect (xp_check_tcp), a timer per stage,
 *                STARTTLS (xp_check_tls, then non-blocking SSL_read /
 *                SSL_write), and the timestamped transcript.
 *
 * The client never sends mail: banner, EHLO (HELO if EHLO is refused),
 * STARTTLS, the TLS handshake, EHLO again, QUIT. Only when STARTTLS is
 * not offered (and the caller asks for it) does it send MAIL FROM:<> —
 * never RCPT or DATA — to see whether the server demands TLS anyway
 * ("451 5.7.3 Must issue a STARTTLS command first"), then QUIT.
 */
#ifndef XP_SMTP_H
#define XP_SMTP_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "xp_params.h"
#include "xp_tls.h"

/* ---- limits ---- */

/* struct xp_smtp_limits and its defaults: include/xp_params.h
 * (xp_params_defaults.smtp). */

/* ---- replies ---- */

struct xp_smtp_reply {
    int code;                 /* 220 */
    char enhanced[16];        /* "5.7.3" when the first line starts with one */
    char **lines;             /* each line's text after "NNN-" / "NNN ", CR LF cut */
    size_t nlines;
};

void xp_smtp_reply_free(struct xp_smtp_reply *r);
/* Deep copy (dst is overwritten, not freed). */
void xp_smtp_reply_copy(struct xp_smtp_reply *dst, const struct xp_smtp_reply *src);
/* All lines as the wire had them ("250-a\n250 b"); caller frees. */
char *xp_smtp_reply_text(const struct xp_smtp_reply *r);

enum xp_smtp_perr {
    XP_SMTP_PERR_NONE,
    XP_SMTP_PERR_LINE_TOO_LONG,   /* a line longer than line_max */
    XP_SMTP_PERR_TOO_MANY_LINES,  /* a reply of more than lines_max lines */
    XP_SMTP_PERR_TOO_MUCH,        /* more than total_max bytes in the session */
    XP_SMTP_PERR_SYNTAX,          /* not "NNN[ -]text": bad code, NUL byte, ... */
    XP_SMTP_PERR_CODE_MISMATCH,   /* a continuation line with another code */
};

struct xp_smtp_parser {
    struct xp_smtp_limits lim;
    char *buf;                    /* bytes not yet parsed */
    size_t len, cap, pos;
    size_t total;                 /* bytes kept in the session (<= total_max) */
    int over;                     /* more than total_max were fed */
    struct xp_smtp_reply cur;     /* the reply being assembled */
    enum xp_smtp_perr err;
    char errline[160];            /* the offending line (cut), for evidence */
};

void xp_smtp_parser_init(struct xp_smtp_parser *p, const struct xp_smtp_limits *lim);
void xp_smtp_parser_free(struct xp_smtp_parser *p);
/* Forget buffered bytes (after STARTTLS: the TLS layer reads from now on). */
void xp_smtp_parser_reset(struct xp_smtp_parser *p);
/*
 * Append n received bytes. Returns 0, or -1 once p->err is set. Bytes past
 * the session's bound are dropped; xp_smtp_next reports XP_SMTP_PERR_TOO_MUCH
 * after the complete replies before the bound (the same for any split).
 */
int xp_smtp_feed(struct xp_smtp_parser *p, const void *data, size_t n);
/*
 * The next complete reply: 1 and *out filled (free with
 * xp_smtp_reply_free), 0 when more bytes are needed, -1 on a protocol
 * error (p->err, p->errline). Errors are sticky.
 */
int xp_smtp_next(struct xp_smtp_parser *p, struct xp_smtp_reply *out);
/* Bytes received after the last complete reply (partial line included). */
size_t xp_smtp_buffered(const struct xp_smtp_parser *p);
/* The buffered bytes themselves (not NUL-terminated). */
const char *xp_smtp_buffered_data(const struct xp_smtp_parser *p);
/* "line longer than 1000 bytes" ... for reports; static storage. */
const char *xp_smtp_perr_text(enum xp_smtp_perr e);

/* ---- EHLO extensions ---- */

enum {
    XP_SMTP_EXT_STARTTLS = 1u << 0,
    XP_SMTP_EXT_SIZE = 1u << 1,
    XP_SMTP_EXT_8BITMIME = 1u << 2,
    XP_SMTP_EXT_PIPELINING = 1u << 3,
    XP_SMTP_EXT_AUTH = 1u << 4,
    XP_SMTP_EXT_DSN = 1u << 5,
    XP_SMTP_EXT_ENHANCEDSTATUSCODES = 1u << 6,
    XP_SMTP_EXT_CHUNKING = 1u << 7,
    XP_SMTP_EXT_BINARYMIME = 1u << 8,
    XP_SMTP_EXT_SMTPUTF8 = 1u << 9,
    XP_SMTP_EXT_REQUIRETLS = 1u << 10,
};

/* Bitmask of the known keywords in an EHLO reply (lines after the first). */
unsigned xp_smtp_ehlo_ext(const struct xp_smtp_reply *r);
/* "STARTTLS SIZE ..." for a mask, written to buf (XP_SMTP_EXT_NAMES_LEN
 * holds every keyword); returns buf. The caller's buffer, so two calls in
 * one argument list cannot overwrite each other. */
#define XP_SMTP_EXT_NAMES_LEN 256
const char *xp_smtp_ext_names(unsigned mask, char *buf, size_t len);

/* ---- inspection signs (domain.md §4.4), pure ---- */

/* 1 if the banner text is mostly '*' (Cisco PIX/ASA "Mailguard"). */
int xp_smtp_banner_masked(const char *text);
/* 1 if an EHLO keyword is a masked one ("XXXXXXXA": STARTTLS rewritten). */
int xp_smtp_keyword_masked(const char *line);
/* 1 for the replies of a server that did not know the command
 * (500/502, as a firewall's rewritten command draws). */
int xp_smtp_unrecognized(const struct xp_smtp_reply *r);
/* 1 for "must issue STARTTLS first": 530 5.7.0, 451/454 5.7.3, or the words. */
int xp_smtp_tls_required(const struct xp_smtp_reply *r);
/* The last address literal ("[203.0.113.5]", "[IPv6:2001:db8::1]") in
 * text, as a plain address into out; 0 if none. */
int xp_smtp_find_ip(const char *text, char *out, size_t len);

/* ---- the client state machine ---- */

enum xp_smtp_stage {
    XP_SMTP_ST_BANNER,
    XP_SMTP_ST_EHLO,
    XP_SMTP_ST_HELO,
    XP_SMTP_ST_STARTTLS,
    XP_SMTP_ST_TLS,           /* the handshake (done by the driver) */
    XP_SMTP_ST_EHLO_TLS,
    XP_SMTP_ST_MAIL,
    XP_SMTP_ST_QUIT,
    XP_SMTP_ST_DONE,
};

/* What the driver does next. */
enum xp_smtp_action {
    XP_SMTP_ACT_SEND,         /* send cl->out, then read the reply */
    XP_SMTP_ACT_TLS,          /* start the TLS handshake */
    XP_SMTP_ACT_CLOSE,        /* the dialogue is over */
};

struct xp_smtp_client {
    enum xp_smtp_stage stage;
    char helo_name[256];
    int probe_mail;           /* MAIL FROM:<> when STARTTLS is not offered */
    char out[300];            /* the command to send, CRLF included */
    /* What each stage got; code 0: not reached. */
    struct xp_smtp_reply banner, ehlo, helo, starttls, ehlo_tls, mail, quit;
    unsigned ext, ext_tls;    /* EHLO extensions before / after TLS */
    char masked[64];          /* a masked EHLO keyword, e.g. "XXXXXXXA" */
    int tls_ok;               /* the handshake succeeded */
    char client_ip[64];       /* as the server saw us, from EHLO/HELO/banner */
    enum xp_smtp_stage rejected_at;   /* where a 4xx/5xx ended the dialogue */
    struct xp_smtp_reply *rejected;   /* that reply (points into the above) */
};

/* helo_name is what follows EHLO/HELO (an FQDN or an address literal). */
void xp_smtp_client_init(struct xp_smtp_client *cl, const char *helo_name, int probe_mail);
void xp_smtp_client_free(struct xp_smtp_client *cl);
/* A complete reply for the current stage; takes ownership of r's contents. */
enum xp_smtp_action xp_smtp_client_reply(struct xp_smtp_client *cl, struct xp_smtp_reply *r);
/* The TLS handshake ended; ok 0: the session is over. */
enum xp_smtp_action xp_smtp_client_tls_done(struct xp_smtp_client *cl, int ok);
/* "banner", "EHLO reply", "TLS handshake", ... */
const char *xp_smtp_stage_name(enum xp_smtp_stage st);

/* ---- the driver (smtp_conn.c): one session to one address ---- */

struct xp_check;
struct xp_smtp_conn;

/* How a session ended. */
enum xp_smtp_end {
    XP_SMTP_END_OK,           /* the dialogue ran to QUIT (whatever the replies) */
    XP_SMTP_END_CONNECT,      /* TCP connect failed: refused, unreachable, timed out */
    XP_SMTP_END_TIMEOUT,      /* a stage got no complete reply in time */
    XP_SMTP_END_CLOSED,       /* the server closed the connection midway */
    XP_SMTP_END_PROTOCOL,     /* malformed reply, a bound exceeded, trailing data */
    XP_SMTP_END_TLS,          /* the TLS handshake failed */
    XP_SMTP_END_IO,           /* a read or write error (connection reset) */
};

struct xp_smtp_conn_params {
    const char *host;         /* the MX name: SNI and certificate name */
    const char *ip;
    int port;
    int timeout_ms;           /* each stage */
    int probe_mail;
    struct xp_smtp_limits lim;
};

/* Called once when the session is over (never from inside start). */
typedef void (*xp_smtp_done_cb)(struct xp_check *c, struct xp_smtp_conn *s, void *arg);

/*
 * A new session; it lives until xp_smtp_conn_free, which the check calls
 * from free_state (so callbacks reach it through c->state, as
 * xp_check.h asks). Start it with xp_smtp_conn_start.
 */
struct xp_smtp_conn *xp_smtp_conn_new(const struct xp_smtp_conn_params *p);
/* Connect and talk; done runs once at the end (unless the check is
 * cancelled or restarted: then the session just closes). */
void xp_smtp_conn_start(struct xp_check *c, struct xp_smtp_conn *s, xp_smtp_done_cb done,
                        void *arg);
/* Before start: cb (with start's arg) once the first EHLO reply has been
 * read, mid-session: what the server saw of us (xp_smtp_client.client_ip)
 * is known then, long before the session ends. */
void xp_smtp_conn_on_ehlo(struct xp_smtp_conn *s, xp_smtp_done_cb cb);
/* Close everything still open (socket, TLS, watch, timer) and free, once
 * every holder let go (xp_smtp_conn_ref). */
void xp_smtp_conn_free(struct xp_smtp_conn *s);
/* One more holder of a session that ended: what it saw is read again by
 * another target's check (check_smtp.c: a session belongs to the MX host
 * and address, not to the domain). Each holder calls xp_smtp_conn_free. */
struct xp_smtp_conn *xp_smtp_conn_ref(struct xp_smtp_conn *s);
int xp_smtp_conn_ended(const struct xp_smtp_conn *s);

/* What the session saw; valid until xp_smtp_conn_free. */
enum xp_smtp_end xp_smtp_conn_end(const struct xp_smtp_conn *s);
enum xp_smtp_stage xp_smtp_conn_stage(const struct xp_smtp_conn *s);  /* where it ended */
const char *xp_smtp_conn_error(const struct xp_smtp_conn *s);   /* why, in words */
const struct xp_smtp_client *xp_smtp_conn_client(const struct xp_smtp_conn *s);
const struct xp_smtp_parser *xp_smtp_conn_parser(const struct xp_smtp_conn *s);
/* TCP connect errno (0 ok) and whether the connect timed out. */
int xp_smtp_conn_connect_err(const struct xp_smtp_conn *s, int *timed_out);
/* The TLS handshake's result (handshake_ok 0 when none or failed). */
const struct xp_tls_info *xp_smtp_conn_tls(const struct xp_smtp_conn *s);
/* Milliseconds: TCP connect, first banner byte, complete banner (-1: not
 * reached), whole session. */
int64_t xp_smtp_conn_ms(const struct xp_smtp_conn *s, int which);
enum { XP_SMTP_MS_CONNECT, XP_SMTP_MS_FIRST_BYTE, XP_SMTP_MS_BANNER, XP_SMTP_MS_TOTAL };
/* Bytes received in all (plain and TLS). */
size_t xp_smtp_conn_bytes(const struct xp_smtp_conn *s);
/* Bytes that followed the 220 reply to STARTTLS (an injection attempt). */
size_t xp_smtp_conn_trailing(const struct xp_smtp_conn *s);
/* The transcript: "S: 220 mx ESMTP", "C: EHLO ..."; and, line for line, the
 * milliseconds since connecting ("12") — kept apart, so that the lines of
 * two sessions with the same server compare equal. */
char *const *xp_smtp_conn_transcript(const struct xp_smtp_conn *s, size_t *n);
char *const *xp_smtp_conn_transcript_times(const struct xp_smtp_conn *s, size_t *n);

/* ---- transcript (pure, bounded) ---- */

struct xp_smtp_transcript {
    char **lines;             /* "S: 220 mx ESMTP": no time inside (stable reports) */
    char **times;             /* parallel: milliseconds since connecting, as text */
    size_t n, cap;
    size_t bytes;             /* text kept */
    size_t dropped;           /* lines not kept past the bound */
};

#define XP_SMTP_TRANSCRIPT_LINES 200
#define XP_SMTP_TRANSCRIPT_LINE 400     /* bytes of one kept line */
#define XP_SMTP_TRANSCRIPT_BYTES 32768

/* Add "DIR text" (text cut at the line bound) and its time; past the bounds
 * lines are counted, not kept, and a last line says how many. */
void xp_smtp_transcript_add(struct xp_smtp_transcript *t, int64_t ms, const char *dir,
                            const char *text, size_t len);
void xp_smtp_transcript_free(struct xp_smtp_transcript *t);

#endif
