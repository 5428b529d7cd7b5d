/*
 * cli.c — the command line: getopt_long, validation, --help and --version.
 * Anything wrong with what the user typed gets one line on stderr naming
 * the problem and exit 3, before any network traffic.
 */
#define _GNU_SOURCE
#include "xp_cli.h"
#include "xp_baseline.h"
#include "xp_cert.h"
#include "xp_check.h"
#include "xp_codes.h"
#include "xp_dnssec.h"
#include "xp_expect.h"
#include "xp_model.h"
#include "xp_options.h"
#include "xp_report.h"
#include "xp_target.h"

#include <ares.h>
#include <curl/curl.h>
#include <idn2.h>
#include <jansson.h>
#include <libxml/xmlversion.h>
#include <ncurses.h>
#include <openssl/crypto.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    OPT_DNS_SERVER = 256,
    OPT_EXPECT,
    OPT_TIMEOUT,
    OPT_MAX_TIME,
    OPT_NO_COLOR,
    OPT_DOMAINS_FILE,
    OPT_HOSTS,
    OPT_CA_FILE,
    OPT_USER,
    OPT_IP,
    OPT_DNSBL,
    OPT_PREFLIGHT,
    OPT_IGNORE,
    OPT_BASELINE,
    OPT_EHLO,
    OPT_CONNECT_TO,
    OPT_EXPIRY_WARN_DAYS,
    OPT_NO_REVOCATION,
    OPT_EXPLAIN,
    OPT_TRUST_ANCHOR,
    OPT_PARALLEL,
    OPT_PER_ADDRESS,
    OPT_UNORDERED,
    OPT_NO_CLOUD_LOOKUPS,
    OPT_REDACT,
};

static const struct option long_options[] = {
    { "checks", required_argument, NULL, 'c' },
    { "format", required_argument, NULL, 'f' },
    { "output", required_argument, NULL, 'o' },
    { "dns-server", required_argument, NULL, OPT_DNS_SERVER },
    { "expect", required_argument, NULL, OPT_EXPECT },
    { "timeout", required_argument, NULL, OPT_TIMEOUT },
    { "max-time", required_argument, NULL, OPT_MAX_TIME },
    { "domains-file", required_argument, NULL, OPT_DOMAINS_FILE },
    { "hosts", required_argument, NULL, OPT_HOSTS },
    { "ca-file", required_argument, NULL, OPT_CA_FILE },
    { "trust-anchor", required_argument, NULL, OPT_TRUST_ANCHOR },
    { "user", required_argument, NULL, OPT_USER },
    { "ip", required_argument, NULL, OPT_IP },
    { "dnsbl", required_argument, NULL, OPT_DNSBL },
    { "tui", no_argument, NULL, 'i' },
    { "preflight", no_argument, NULL, OPT_PREFLIGHT },
    { "ignore", required_argument, NULL, OPT_IGNORE },
    { "baseline", required_argument, NULL, OPT_BASELINE },
    { "ehlo", required_argument, NULL, OPT_EHLO },
    { "connect-to", required_argument, NULL, OPT_CONNECT_TO },
    { "ipv4", no_argument, NULL, '4' },
    { "ipv6", no_argument, NULL, '6' },
    { "expiry-warn-days", required_argument, NULL, OPT_EXPIRY_WARN_DAYS },
    { "no-revocation", no_argument, NULL, OPT_NO_REVOCATION },
    { "explain", required_argument, NULL, OPT_EXPLAIN },
    { "parallel", required_argument, NULL, OPT_PARALLEL },
    { "per-address", required_argument, NULL, OPT_PER_ADDRESS },
    { "unordered", no_argument, NULL, OPT_UNORDERED },
    { "no-cloud-lookups", no_argument, NULL, OPT_NO_CLOUD_LOOKUPS },
    { "redact", no_argument, NULL, OPT_REDACT },
    { "verbose", no_argument, NULL, 'v' },
    { "quiet", no_argument, NULL, 'q' },
    { "no-color", no_argument, NULL, OPT_NO_COLOR },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 },
};

/* Each check's own help text, from the registry: name, then its lines. */
static void
usage_checks(FILE *out)
{
    size_t i;

    fprintf(out, "Checks (all by default): %s\n", xp_check_ids());
    for (i = 0; xp_checks[i]; i++) {
        const char *h = xp_checks[i]->help ? xp_checks[i]->help : xp_checks[i]->title;
        const char *nl;

        fprintf(out, "  %-7s%s", xp_checks[i]->id, strlen(xp_checks[i]->id) > 7 ? "  " : " ");
        for (; (nl = strchr(h, '\n')); h = nl + 1)
            fprintf(out, "%.*s\n          ", (int)(nl - h), h);
        fprintf(out, "%s\n", h);
    }
}

void
xp_cli_usage(FILE *out)
{
    /* Pieces under 4095 characters each: the longest literal ISO C promises. */
    fputs(
"Usage: exprobe [OPTIONS] DOMAIN|EMAIL...\n"
"       exprobe [OPTIONS] --domains-file FILE\n"
"       exprobe --explain CODE\n"
"\n"
"Remote connectivity analyzer for Exchange / Microsoft 365 (Exchange Online)\n"
"hybrid, mail flow, DKIM/DMARC and Teams / Skype for Business DNS. Checks what a domain publishes, judges it\n"
"against what Microsoft's services expect, and explains every problem with\n"
"the evidence and the fix.\n"
"\n", out);
    usage_checks(out);
    fputs(
"\n"
"Options:\n"
"  -c, --checks LIST        comma-separated check ids to run (default: all);\n"
"                           -ID leaves one out (-c -lync,-dnsbl), 'all' adds\n"
"                           every check (-c all,-dnsbl); repeated -c add up\n"
"  -f, --format FMT         text (default), json, jsonl (one line per target),\n"
"                           junit (JUnit XML for CI dashboards)\n"
"  -o, --output FILE        write the report to FILE (- = stdout; devices are\n"
"                           written through, files replaced atomically)\n"
"  -i, --tui                interactive session: the tree of checks fills in\n"
"                           live; open a step for its evidence, re-run a check\n"
"                           (r), save a report (s), help (?), quit (q)\n"
"      --preflight          lead the report with the Hybrid Configuration\n"
"                           Wizard readiness checklist (ready / not ready,\n"
"                           blockers, fixes); judged as hybrid unless --expect\n"
"                           says otherwise; its verdict is the exit status\n"
"                           (0 ready, 1 with warnings, 2 not ready, 3 unknown);\n"
"                           in the session: p\n"
"      --dns-server ADDR[:PORT][,...]\n"
"                           resolvers to ask instead of the system's\n"
"                           (IPv6 as [ADDR]:PORT); how to test internal vs\n"
"                           external DNS\n"
"      --expect FILE        tenant expectations (deployment kind, hybrid =\n"
"                           classic|modern, hma = yes, cloud\n"
"                           worldwide|gcchigh|dod|21vianet, verification code,\n"
"                           tenant and DKIM selectors, lync none|online|onprem,\n"
"                           federation, intune, msstd name and\n"
"                           outlook_anywhere, hosts, ignore):\n"
"                           see man exprobe, THE EXPECT FILE\n"
"      --hosts HOST[:PORT],...\n"
"                           extra TLS endpoints whose certificates to judge\n"
"                           (default port 443; IPv6 as [ADDR]:PORT); on port\n"
"                           25 or 587: SMTP endpoints for the smtp check\n"
"      --ip ADDR            the sending IP to look up on block lists and in the\n"
"                           connector list (default: the one smtp learns)\n"
"      --dnsbl ZONE[,...]   block-list zones instead of the built-in list\n"
"                           (zen.spamhaus.org, bl.spamcop.net,\n"
"                           psbl.surriel.com)\n"
"      --ignore CODE[,...]  report these finding codes as information, marked\n"
"                           suppressed (accepted states; same as ignore = in\n"
"                           --expect)\n"
"      --baseline FILE      a previous -f json/jsonl report: also report what\n"
"                           changed since (findings, certificates, DNS\n"
"                           answers); with -q only the changes. Run once per\n"
"                           --dns-server to compare internal and external DNS\n", out);
    fputs(
"  -4, -6                   IPv4 or IPv6 addresses only (the other family is\n"
"                           not asked)\n"
"      --connect-to HOST:PORT:ADDR\n"
"                           reach HOST at ADDR (one node behind a load\n"
"                           balancer): SNI, Host and the name judged stay\n"
"                           HOST; IPv6 as [ADDR]; repeatable\n"
"      --ehlo NAME          the name the smtp check sends with EHLO (default:\n"
"                           this host's FQDN, else its address literal), as\n"
"                           the on-premises server or Exchange Online would\n"
"      --ca-file FILE       trust anchors (PEM) instead of the system store\n"
"      --expiry-warn-days N certificate expiry warning: when less than a third\n"
"                           of its lifetime, at most N days, is left (default 30)\n"
"      --no-revocation      fetch no OCSP/CRL (a stapled OCSP answer is still\n"
"                           judged)\n"
"      --trust-anchor FILE  DNSSEC trust anchors (DS or DNSKEY records, zone-file\n"
"                           format) for the dane check's own validation,\n"
"                           instead of " XP_DNSSEC_DEFAULT_ANCHOR "\n"
"      --user UPN           authenticated Autodiscover as UPN (on-premises only:\n"
"                           Exchange Online refuses Basic since 2022); the\n"
"                           password comes from EXPROBE_PASSWORD or a no-echo\n"
"                           prompt (never empty), and goes only over verified\n"
"                           https to hosts in DOMAIN\n"
    , out);
    /* Split: ISO C's bound on a string literal (4095). */
    fputs(
"      --no-cloud-lookups   send nothing to Microsoft's public endpoints (the\n"
"                           tenant's OpenID configuration, Exchange Online's\n"
"                           Autodiscover v2): for air-gapped runs\n"
"      --redact             mask what servers reveal of the inside of the\n"
"                           network (NTLM's internal server and domain names,\n"
"                           Windows build) in every report: for tickets\n"
"      --timeout SECONDS    per network operation (0.001-300, default 10)\n"
"      --max-time SECONDS   bound on all checks of one target (0.001-3600,\n"
"                           default 60)\n"
"      --domains-file FILE  targets, one per line ('-' reads stdin; # comments)\n"
"      --parallel N         targets checked at once (default 8, 64 with\n"
"                           --domains-file); whatever N, at most\n"
"                           --per-address connections at once go to one\n"
"                           address and port\n"
"      --per-address N      connections open at once to one IP address and\n"
"                           port, idle kept-alive ones included (default 8,\n"
"                           1-256): manners towards shared hosts\n"
"      --unordered          with -f jsonl, write each target's line as soon as\n"
"                           it is done (default: in input order)\n"
"  -v, --verbose            show every step's detail and all evidence\n"
"  -q, --quiet              only problems and the verdict\n"
"      --no-color           no colour (also when NO_COLOR is set)\n"
"  -h, --help               this help\n"
"      --explain CODE       what a finding code means, why it matters, how\n"
"                           it is fixed (and which check reports it)\n"
"  -V, --version            version and library versions\n"
"\n"
"Statuses: pass, warn, fail, skip, and unknown (no verdict could be reached:\n"
"no resolver answered, cut short by --max-time or Ctrl-C, block lists you\n"
"asked for gave none). The worst counts: fail > unknown > warn > pass; when\n"
"nothing was judged, unknown. Premises first: no resolver answering\n"
"(RESOLVER_UNREACHABLE) or a domain that does not exist (DOMAIN_NOT_FOUND)\n"
"is one finding, the other checks are skipped with that reason.\n"
"Exit status (Nagios): 0 all passed, 1 worst is a warning, 2 something failed,\n"
"3 unknown: no verdict could be reached (no resolver answered, cut short,\n"
"nothing judged) or could not run (bad usage, unreadable file). With\n"
"--preflight: the checklist's verdict (0 ready, 1 warnings, 2 not ready, 3 unknown).\n"
"\n"
"Environment: EXPROBE_PASSWORD (the --user password), NO_COLOR; proxy\n"
"variables are not used. The manual: man exprobe; a code: --explain CODE.\n"
"\n"
"Examples:\n"
"  exprobe contoso.com                      all checks, readable report\n"
"  exprobe -c cname --expect tenant.conf admin@contoso.com\n"
"  exprobe -f json -o report.json contoso.com && echo healthy\n"
"  exprobe -f jsonl --domains-file domains.txt | jq -r '.target + \" \" + .status'\n"
"  exprobe --dns-server 10.0.0.53 contoso.com   what the internal DNS says\n"
"  exprobe -c cert --hosts mail.contoso.com,sip.contoso.com:5061 contoso.com\n"
"  exprobe -i contoso.com                   interactive troubleshooting\n"
"  exprobe --preflight --expect tenant.conf contoso.com   before the HCW\n"
"  exprobe -q -f junit -o exprobe.xml --domains-file domains.txt   for CI\n", out);
}

/* -V: every library with the version it runs with, and what was built in,
 * so a bug report says what the user has. */
static void
version(void)
{
    curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);

    printf("exprobe %s\n", XP_VERSION);
    printf("  libcurl   %s (%s%s%s)\n", cv->version, cv->ssl_version ? cv->ssl_version : "no TLS",
           cv->features & CURL_VERSION_HTTP2 ? ", HTTP/2" : "",
           cv->features & CURL_VERSION_NTLM ? ", NTLM" : "");
    printf("  OpenSSL   %s\n", OpenSSL_version(OPENSSL_VERSION));
    printf("  c-ares    %s\n", ares_version(NULL));
    printf("  libxml2   %s\n", LIBXML_DOTTED_VERSION);
    printf("  jansson   %s\n", jansson_version_str());
    printf("  libidn2   %s\n", idn2_check_version(NULL));
    printf("  ncurses   %s\n", curses_version());
    printf("features: checks %s\n", xp_check_ids());
}

static void XP_PRINTF(1, 2) XP_NORETURN usage_error(const char *fmt, ...);

/* --explain CODE: the code's row of the table (any letter case), exit 0. */
static void XP_NORETURN
explain(const char *name)
{
    char upper[64];
    size_t i;
    int code;

    for (i = 0; name[i] && i + 1 < sizeof(upper); i++)
        upper[i] = (char)toupper((unsigned char)name[i]);
    upper[i] = '\0';
    code = name[i] ? -1 : xp_code_by_name(upper);
    if (code < 0)
        usage_error("--explain: unknown finding code '%s'", name);
    xp_code_explain(stdout, xp_code_info((enum xp_code)code));
    exit(XP_EXIT_OK);
}

/* One line on stderr, exit 3. */
static void XP_PRINTF(1, 2) XP_NORETURN
usage_error(const char *fmt, ...)
{
    va_list ap;
    char msg[1024];

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* What the user typed is echoed: one line, control bytes shown \xNN. */
    fputs("exprobe: ", stderr);
    xp_report_put_safe(stderr, msg);
    fputs(" (see exprobe --help)\n", stderr);
    exit(XP_EXIT_USAGE);
}

static int
parse_seconds(const char *opt, const char *v, int max)
{
    char *end;
    double d;

    /* isfinite: NaN passes every comparison; below 1 ms would round to 0,
     * which libcurl reads as "no timeout". */
    errno = 0;
    d = strtod(v, &end);
    if (errno || end == v || *end || !isfinite(d) || d < 0.001 || d > max)
        usage_error("%s wants seconds more than 0 (at least 0.001) and at most %d, not '%s'",
                    opt, max, v);
    return (int)(d * 1000.0 + 0.5);
}

/*
 * -c LIST, repeatable: "ID" adds a check, "all" adds every check, "-ID"
 * removes one. With no added check the base is the default set (every
 * check), so "-c -lync,-dnsbl" is "all but lync and dnsbl".
 */
struct check_selection {
    unsigned long added, removed;
    unsigned long named;      /* ids named one by one: the user asked for them */
    int given;
};

static void
parse_checks(struct check_selection *sel, const char *list)
{
    char *copy = xstrdup(list), *save = NULL, *id;
    int n = 0;

    for (id = strtok_r(copy, ", ", &save); id; id = strtok_r(NULL, ", ", &save), n++) {
        int remove = id[0] == '-';
        const char *name = remove ? id + 1 : id;
        int i = strcmp(name, "all") == 0 ? -2 : xp_check_index(name);

        if (i == -1 || (remove && i == -2))
            usage_error("unknown check '%s' in --checks (known: all, %s; -ID removes one)",
                        id, xp_check_ids());
        if (remove)
            sel->removed |= 1ul << i;
        else
            sel->added |= i == -2 ? ~0ul : 1ul << i;
        if (!remove && i >= 0)
            sel->named |= 1ul << i;
    }
    free(copy);
    if (!n)
        usage_error("--checks needs at least one check id (known: all, %s)", xp_check_ids());
    sel->given = 1;
}

static int
parse_days(const char *opt, const char *v, int max)
{
    char *end;
    long n;

    errno = 0;
    n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < 0 || n > max)
        usage_error("%s wants a whole number of days between 0 and %d, not '%s'", opt, max, v);
    return (int)n;
}

static int
parse_count(const char *opt, const char *v, int min, int max)
{
    char *end;
    long n;

    errno = 0;
    n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < min || n > max)
        usage_error("%s wants a whole number between %d and %d, not '%s'", opt, min, max, v);
    return (int)n;
}

static unsigned long
checks_selected(const struct check_selection *sel)
{
    unsigned long mask, known = 0;
    size_t i;

    if (!sel->given)
        return ~0ul;
    for (i = 0; xp_checks[i]; i++)
        known |= 1ul << i;
    mask = (sel->added ? sel->added : ~0ul) & ~sel->removed;
    if (!(mask & known))
        usage_error("--checks leaves no check to run");
    return mask;
}

/* Edit distance, for "did you mean": small words only. */
static size_t
distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i, j, prev[64], cur[64];

    if (la >= 63 || lb >= 63)
        return 99;
    for (j = 0; j <= lb; j++)
        prev[j] = j;
    for (i = 1; i <= la; i++) {
        cur[0] = i;
        for (j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof(size_t));
    }
    return prev[lb];
}

/* An unknown or shortened --name: say so, and what was probably meant. */
static void XP_NORETURN
unknown_long(const char *name, size_t n)
{
    static const char *const formats[] = { "json", "jsonl", "junit", "text" };
    char given[64], best[64] = "";
    size_t i, d, bestd = 3;

    snprintf(given, sizeof(given), "%.*s", (int)(n < 63 ? n : 63), name);
    for (i = 0; i < XP_ARRAY_LEN(formats); i++)
        if (strcasecmp(given, formats[i]) == 0)
            usage_error("unknown option '--%s': did you mean -f %s?", given, formats[i]);
    for (i = 0; long_options[i].name; i++) {
        const char *o = long_options[i].name;

        d = strncmp(o, given, strlen(given)) == 0 ? 1 : distance(given, o);
        if (d < bestd) {
            bestd = d;
            snprintf(best, sizeof(best), "%s", o);
        }
    }
    if (best[0] && strncmp(best, given, strlen(given)) == 0)
        usage_error("option '--%s' is not a whole option name: write --%s", given, best);
    if (best[0])
        usage_error("unknown option '--%s': did you mean --%s?", given, best);
    usage_error("unknown option '--%s'", given);
}

/*
 * getopt_long takes any unambiguous prefix ("--domain" for
 * --domains-file), so a typo can change what a run means. Every long
 * option must be spelt out; options' values are skipped, not judged.
 */
static void
check_long_names(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        size_t n, k;
        int found = -1;

        if (strcmp(a, "--") == 0)
            return;
        if (a[0] == '-' && a[1] && a[1] != '-') {
            /* -c LIST, -f FMT, -o FILE: the next word is a value. */
            if (strchr("cfo", a[strlen(a) - 1]) && strspn(a + 1, "ivqhVcfo") == strlen(a + 1))
                i++;
            continue;
        }
        if (strncmp(a, "--", 2) != 0)
            continue;
        n = strcspn(a + 2, "=");
        for (k = 0; long_options[k].name; k++)
            if (strlen(long_options[k].name) == n && strncmp(long_options[k].name, a + 2, n) == 0)
                found = (int)k;
        if (found < 0)
            unknown_long(a + 2, n);
        if (long_options[found].has_arg == required_argument && !a[2 + n])
            i++;
    }
}

/*
 * --connect-to HOST:PORT:ADDR (curl's form; PORT may be empty): HOST's
 * address answers are ADDR, so one node behind a load balancer is reached
 * with HOST as SNI, Host and the name judged. IPv6 as [ADDR].
 */
static void
add_connect_to(struct xp_options *o, const char *v)
{
    struct xp_connect_to ct;
    const char *c1 = strchr(v, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL, *addr;
    unsigned char bin[16];
    char *end;
    long port = 0;
    size_t alen;

    memset(&ct, 0, sizeof(ct));
    if (!c1 || !c2 || c1 == v || (size_t)(c1 - v) >= sizeof(ct.host))
        usage_error("--connect-to wants HOST:PORT:ADDR (mail.contoso.com:443:203.0.113.7), "
                    "not '%.80s'", v);
    memcpy(ct.host, v, (size_t)(c1 - v));
    if (c2 > c1 + 1) {
        port = strtol(c1 + 1, &end, 10);
        if (end != c2 || port < 1 || port > 65535)
            usage_error("--connect-to '%.80s': the port must be 1-65535 or empty", v);
    }
    addr = c2 + 1;
    alen = strlen(addr);
    if (addr[0] == '[' && alen > 2 && addr[alen - 1] == ']') {
        addr++;
        alen -= 2;
    }
    if (alen >= sizeof(ct.addr))
        usage_error("--connect-to '%.80s': ADDR is not an IP address", v);
    memcpy(ct.addr, addr, alen);
    if (inet_pton(AF_INET, ct.addr, bin) != 1 && inet_pton(AF_INET6, ct.addr, bin) != 1)
        usage_error("--connect-to '%.80s': ADDR must be an IP address (IPv6 as [ADDR])", v);
    if (ct.host[strlen(ct.host) - 1] == '.')
        ct.host[strlen(ct.host) - 1] = '\0';
    ct.port = (int)port;
    o->connect_to = xrealloc(o->connect_to, (o->nconnect_to + 1) * sizeof(ct));
    o->connect_to[o->nconnect_to++] = ct;
}

/* --ehlo: a domain (RFC 5321 Domain) or an address literal in brackets;
 * nothing that could end the command line or smuggle another one. */
static int
valid_ehlo(const char *s)
{
    size_t n = strlen(s), i;

    if (n == 0 || n > 255)
        return 0;
    if (s[0] == '[')
        return s[n - 1] == ']' && n > 2 && strspn(s + 1, "0123456789abcdefABCDEF.:IPv6") == n - 2;
    for (i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
            return 0;
    return s[0] != '.' && s[0] != '-' && !strstr(s, "..");
}

/* One server: IPv4[:port], [IPv6][:port] or a bare IPv6 address. */
static int
valid_server(const char *s)
{
    char host[64];
    const char *port = NULL;
    unsigned char buf[16];

    if (s[0] == '[') {
        const char *close = strchr(s, ']');

        if (!close || (size_t)(close - s - 1) >= sizeof(host))
            return 0;
        memcpy(host, s + 1, (size_t)(close - s - 1));
        host[close - s - 1] = '\0';
        if (close[1] == ':')
            port = close + 2;
        else if (close[1])
            return 0;
        if (inet_pton(AF_INET6, host, buf) != 1)
            return 0;
    } else if (inet_pton(AF_INET6, s, buf) == 1) {
        return 1;
    } else {
        const char *colon = strchr(s, ':');
        size_t n = colon ? (size_t)(colon - s) : strlen(s);

        if (n >= sizeof(host))
            return 0;
        memcpy(host, s, n);
        host[n] = '\0';
        if (inet_pton(AF_INET, host, buf) != 1)
            return 0;
        port = colon ? colon + 1 : NULL;
    }
    if (port) {
        char *end;
        long p = strtol(port, &end, 10);

        if (*end || end == port || p < 1 || p > 65535)
            return 0;
    }
    return 1;
}

static void
check_servers(const char *list)
{
    char *copy = xstrdup(list), *save = NULL, *s;

    if (!*list || *list == ',' || list[strlen(list) - 1] == ',' || strstr(list, ",,"))
        usage_error("--dns-server: empty entry in '%s'", list);

    for (s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save))
        if (!valid_server(s))
            usage_error("--dns-server: '%s' is not ADDR[:PORT] (IPv6 as [ADDR]:PORT)", s);
    free(copy);
}

/* --dnsbl: ZONE[,ZONE...], each a DNS name (at most 32). */
static void
check_dnsbl_zones(const char *list)
{
    const char *p = list;
    int n = 0;

    if (!*list || *list == ',' || list[strlen(list) - 1] == ',' || strstr(list, ",,"))
        usage_error("--dnsbl: empty entry in '%s'", list);
    while (*p) {
        size_t len = strcspn(p, ","), i;
        int dots = 0;

        for (i = 0; i < len; i++) {
            unsigned char ch = (unsigned char)p[i];

            if (ch == '.' && (i == 0 || p[i - 1] == '.'))
                break;   /* an empty label */
            if (ch == '.')
                dots++;
            if (!isalnum(ch) && ch != '-' && ch != '.' && ch != '_')
                break;
        }
        if (i < len || len > 200 || !dots)
            usage_error("--dnsbl: '%.*s' is not a DNS zone name like zen.spamhaus.org",
                        (int)(len > 80 ? 80 : len), p);
        if (++n > 32)
            usage_error("--dnsbl: more than 32 zones");
        p += len;
        if (*p == ',')
            p++;
    }
}

/* Add target T; a bad one is a usage error, prefixed with WHERE
 * ("FILE:LINE: ") when it came from --domains-file. */
static void
add_target_at(struct xp_options *o, const char *t, const char *where)
{
    char err[256], *domain, *email;

    if (xp_target_parse(t, &domain, &email, err, sizeof(err)) < 0)
        usage_error("%s%s", where, err);
    free(domain);
    free(email);
    o->targets = xrealloc(o->targets, (o->ntargets + 1) * sizeof(char *));
    if (o->target_errors) {
        o->target_errors = xrealloc(o->target_errors, (o->ntargets + 1) * sizeof(char *));
        o->target_errors[o->ntargets] = NULL;
    }
    o->targets[o->ntargets++] = xstrdup(t);
}

static void
add_target(struct xp_options *o, const char *t)
{
    add_target_at(o, t, "");
}

/* What makes two lines one target: the domain (case aside; the parser has
 * dropped a trailing dot) and the address, as one key of the file's set of
 * targets seen (a hash: a line costs the same at line 10 as at 10,000). */
static char *
target_key(const char *domain, const char *email)
{
    char *key = email ? xasprintf("%s\x01%s", domain, email) : xstrdup(domain);
    char *p;

    for (p = key; *p && *p != '\x01'; p++)
        *p = (char)tolower((unsigned char)*p);
    return key;
}

/*
 * A --domains-file line. A batch survives one bad line: it is named on
 * stderr and becomes a target that is reported (DOMAIN_INVALID, unknown),
 * not checked, while the other lines run. A line naming a target already
 * listed runs once.
 */
static void
add_file_target(struct xp_options *o, struct xp_strset *seen, const char *t, const char *where)
{
    char err[256], *domain = NULL, *email = NULL, *why = NULL, *key;

    if (xp_target_parse(t, &domain, &email, err, sizeof(err)) < 0) {
        why = xasprintf("%s%s", where, err);
        fputs("exprobe: ", stderr);
        xp_report_put_safe(stderr, why);
        fputs(" (reported as DOMAIN_INVALID; the other lines run)\n", stderr);
    } else {
        key = target_key(domain, email);
        if (!xp_strset_add(seen, key)) {
            free(key);
            free(domain);
            free(email);
            return;   /* runs once, under its first line */
        }
        free(key);
    }
    free(domain);
    free(email);
    if (why && !o->target_errors)
        o->target_errors = xcalloc(o->ntargets + 1, sizeof(char *));
    o->targets = xrealloc(o->targets, (o->ntargets + 1) * sizeof(char *));
    if (o->target_errors) {
        o->target_errors = xrealloc(o->target_errors, (o->ntargets + 1) * sizeof(char *));
        o->target_errors[o->ntargets] = why;
    }
    o->targets[o->ntargets++] = xstrdup(t);
}

/* --domains-file limits (README, exprobe.1): a line longer than this is an
 * error naming FILE:LINE, never split (its tail would become a target of
 * its own); reading stops at DOMAINS_MAX_BYTES, so /dev/zero or a huge file
 * ends at once; a NUL byte means a binary file. */
#define DOMAINS_MAX_LINE 1023
#define DOMAINS_MAX_BYTES (4L * 1024 * 1024)

/* One line of a --domains-file, comments and blanks trimmed. */
static void
domains_line(struct xp_options *o, struct xp_strset *seen, char *line, size_t len,
             const char *path, long lineno)
{
    char where[600], *s = line, *end;
    size_t i, cl;

    line[len] = '\0';
    if (lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
        s += 3;   /* a UTF-8 byte-order mark, as some editors write */
    for (i = 0; i < len; i += cl) {
        cl = xp_utf8_printable_len(line + i, len - i);
        if (!cl && line[i] != '\t' && line[i] != '\r')
            usage_error("--domains-file %s:%ld: control or invalid UTF-8 bytes: a binary "
                        "file, not a list of targets", path, lineno);
        cl = cl ? cl : 1;
    }
    while (isspace((unsigned char)*s))
        s++;
    end = s + strcspn(s, "#\r\n");
    while (end > s && isspace((unsigned char)end[-1]))
        end--;
    *end = '\0';
    snprintf(where, sizeof(where), "--domains-file %s:%ld: ", path, lineno);
    if (*s)
        add_file_target(o, seen, s, where);
}

static void
read_domains_file(struct xp_options *o, const char *path)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    char line[DOMAINS_MAX_LINE + 2];
    size_t len = 0;
    long lineno = 1, total = 0;
    struct stat st;
    struct xp_strset *seen;
    int c;

    if (!fp)
        usage_error("cannot read --domains-file '%s': %s", path, strerror(errno));
    if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode))
        usage_error("--domains-file '%s' is a directory, not a file of targets", path);
    seen = xp_strset_new();
    while ((c = getc(fp)) != EOF) {
        if (++total > DOMAINS_MAX_BYTES)
            usage_error("--domains-file '%s' is larger than %ld MiB: not a list of targets",
                        path, DOMAINS_MAX_BYTES >> 20);
        if (c == '\0')
            usage_error("--domains-file %s:%ld: a NUL byte: a binary file, not a list of "
                        "targets", path, lineno);
        if (c == '\n') {
            domains_line(o, seen, line, len, path, lineno++);
            len = 0;
            continue;
        }
        if (len == DOMAINS_MAX_LINE)
            usage_error("--domains-file %s:%ld: line longer than %d bytes", path, lineno,
                        DOMAINS_MAX_LINE);
        line[len++] = (char)c;
    }
    if (ferror(fp))
        usage_error("cannot read --domains-file '%s': %s", path, strerror(errno));
    if (len)
        domains_line(o, seen, line, len, path, lineno);
    xp_strset_free(seen);
    if (fp != stdin)
        fclose(fp);
}

void
xp_cli_parse(struct xp_options *o, int argc, char **argv)
{
    const char *domains_file = NULL;
    struct check_selection checks = { 0, 0, 0, 0 };
    char err[512];
    int ch, format_given = 0, parallel_given = 0;

    memset(o, 0, sizeof(*o));
    o->checks = ~0ul;
    o->params = xp_params_defaults;
    o->expiry_warn_days = 30;
    o->color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    o->expect = xp_expect_new();
    check_long_names(argc, argv);
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":c:f:o:ivqhV46", long_options, NULL)) != -1) {
        switch (ch) {
        case 'c':
            parse_checks(&checks, optarg);
            break;
        case 'f':
            format_given = 1;
            if (strcasecmp(optarg, "text") == 0)
                o->format = XP_FMT_TEXT;
            else if (strcasecmp(optarg, "json") == 0)
                o->format = XP_FMT_JSON;
            else if (strcasecmp(optarg, "jsonl") == 0)
                o->format = XP_FMT_JSONL;
            else if (strcasecmp(optarg, "junit") == 0)
                o->format = XP_FMT_JUNIT;
            else
                usage_error("unknown format '%s' (text, json, jsonl, junit)", optarg);
            break;
        case 'o':
            o->output = optarg;
            break;
        case 'i':
            o->tui = 1;
            break;
        case OPT_PREFLIGHT:
            o->preflight = 1;
            break;
        case OPT_NO_CLOUD_LOOKUPS:
            o->no_cloud_lookups = 1;
            break;
        case OPT_REDACT:
            o->redact = 1;
            break;
        case OPT_DNS_SERVER:
            check_servers(optarg);
            o->dns_servers = optarg;
            break;
        case OPT_EXPECT:
            o->expect_file = optarg;
            if (xp_expect_load(o->expect, optarg, err, sizeof(err)) < 0)
                usage_error("%s", err);
            break;
        case OPT_TIMEOUT:
            o->params.timeout_ms = parse_seconds("--timeout", optarg, 300);
            break;
        case OPT_EXPIRY_WARN_DAYS:
            o->expiry_warn_days = parse_days("--expiry-warn-days", optarg, 3650);
            break;
        case OPT_NO_REVOCATION:
            o->no_revocation = 1;
            break;
        case OPT_MAX_TIME:
            o->params.max_time_ms = parse_seconds("--max-time", optarg, 3600);
            break;
        case OPT_DOMAINS_FILE:
            domains_file = optarg;
            break;
        case '4':
        case '6':
            if (o->family && o->family != ch - '0')
                usage_error("-4 and -6 contradict each other");
            o->family = ch - '0';
            break;
        case OPT_CONNECT_TO:
            add_connect_to(o, optarg);
            break;
        case OPT_EHLO:
            if (!valid_ehlo(optarg))
                usage_error("--ehlo wants a host name (mail.contoso.com) or an address "
                            "literal ([203.0.113.5]), not '%.80s'", optarg);
            o->ehlo = optarg;
            break;
        case OPT_PARALLEL:
            o->params.parallel = parse_count("--parallel", optarg, 1,
                                             xp_params_defaults.parallel_max);
            parallel_given = 1;
            break;
        case OPT_PER_ADDRESS:
            o->params.conns_per_dest = parse_count("--per-address", optarg, 1,
                                                   xp_params_defaults.conns_per_dest_max);
            break;
        case OPT_UNORDERED:
            o->unordered = 1;
            break;
        case OPT_BASELINE:
            xp_baseline_free(o->baseline);
            o->baseline = xp_baseline_load(optarg, err, sizeof(err));
            if (!o->baseline)
                usage_error("%s", err);
            break;
        case OPT_IGNORE:
            if (xp_expect_add_ignored(o->expect, optarg, err, sizeof(err)) < 0)
                usage_error("--%s", err);
            break;
        case OPT_HOSTS:
            if (!optarg[strspn(optarg, " ,")])
                usage_error("--hosts needs at least one HOST[:PORT]");
            if (xp_expect_add_hosts(o->expect, optarg, err, sizeof(err)) < 0)
                usage_error("--hosts: %s", err);
            break;
        case OPT_USER:
            if (!strchr(optarg, '@') || strpbrk(optarg, " \t\r\n"))
                usage_error("--user wants a user principal name like admin@contoso.com, "
                            "not '%s'", optarg);
            o->user = optarg;
            break;
        case OPT_IP: {
            unsigned char bin[16];

            if (inet_pton(AF_INET, optarg, bin) != 1 && inet_pton(AF_INET6, optarg, bin) != 1)
                usage_error("--ip wants an IPv4 or IPv6 address, not '%s'", optarg);
            o->ip = optarg;
            break;
        }
        case OPT_DNSBL:
            check_dnsbl_zones(optarg);
            o->dnsbl = optarg;
            break;
        case OPT_CA_FILE: {
            X509_STORE *store = xp_cert_store_new(optarg, err, sizeof(err));

            if (!store)
                usage_error("%s", err);
            X509_STORE_free(store);
            o->ca_file = optarg;
            break;
        }
        case OPT_TRUST_ANCHOR:
            if (xp_dnssec_anchor_check(optarg, err, sizeof(err)) < 0)
                usage_error("%s", err);
            o->trust_anchor = optarg;
            break;
        case 'v':
            o->verbose = 1;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case OPT_NO_COLOR:
            o->color = 0;
            break;
        case 'h':
            xp_cli_usage(stdout);
            exit(XP_EXIT_OK);
        case 'V':
            version();
            exit(XP_EXIT_OK);
        case OPT_EXPLAIN:
            explain(optarg);
        case ':':
            if (optopt > 0 && optopt < 256)
                usage_error("option '-%c' needs a value", optopt);
            usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            /* optopt names an unknown short option even inside "-abc";
             * for an unknown long option it is 0 and argv has the word. */
            if (optopt > 0 && optopt < 256)
                usage_error("unknown option '-%c'", optopt);
            usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    o->checks = checks_selected(&checks);
    o->checks_named = checks.named & ~checks.removed;
    if (o->verbose && o->quiet)
        usage_error("-v and -q contradict each other");
    if (o->tui && (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)))
        usage_error("-i needs a terminal on stdin and stdout; for a report without one "
                    "use -f text, json, jsonl or junit");
    if (o->tui && (o->output || format_given))
        usage_error("-i is interactive: -f and -o are for reports (in the session, s saves one)");
    if (!parallel_given && domains_file)
        o->params.parallel = o->params.parallel_file;
    if (domains_file)
        o->params.http_lanes = o->params.http_lanes_file;
    if (domains_file)
        read_domains_file(o, domains_file);
    for (; optind < argc; optind++)
        add_target(o, argv[optind]);
    if (o->ntargets == 0)
        usage_error("no target given: a domain (contoso.com) or an address (user@contoso.com)");
    if (o->output && strcmp(o->output, "-") == 0)
        o->output = NULL;           /* "-o -" is stdout, as for curl */
    if (o->output)
        o->color = 0;
    if (o->user) {
        o->password = xp_prompt_password(o->user, err, sizeof(err));
        if (!o->password)
            usage_error("%s", err);
        /* An empty password would be sent as one (and lock accounts on
         * some front ends): refused before any request. */
        if (!o->password[0])
            usage_error("--user %s: the password is empty (EXPROBE_PASSWORD or the prompt)",
                        o->user);
    }
    o->progress = !o->quiet && !o->tui && isatty(STDERR_FILENO);
}

void
xp_options_free(struct xp_options *o)
{
    size_t i;

    for (i = 0; i < o->ntargets; i++) {
        free(o->targets[i]);
        if (o->target_errors)
            free(o->target_errors[i]);
    }
    free(o->targets);
    free(o->target_errors);
    free(o->connect_to);
    if (o->password) {
        explicit_bzero(o->password, strlen(o->password));
        free(o->password);
    }
    xp_expect_free(o->expect);
    xp_baseline_free(o->baseline);
}
