/*
 * expect.c — the --expect file: "key = value" lines, '#' comments.
 * Each key is one row of the table below; unknown keys are an error with
 * the line number, like any bad value.
 */
#include "xp_expect.h"
#include "xp_m365.h"
#include "xp_codes.h"
#include "xp.h"
#include "xp_model.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static int is_hostname(const char *v);

/* "PRIORITY WEIGHT PORT TARGET", all or nothing: srv is left as it was
 * unless the whole value is good. */
static int
set_srv(struct xp_srv_expect *srv, const char *v)
{
    struct xp_srv_expect tmp = { 0 };
    int used = 0;

    if (sscanf(v, "%u %u %u %255s %n", &tmp.priority, &tmp.weight, &tmp.port, tmp.target,
               &used) != 4 || v[used] != '\0' || tmp.priority > 65535 || tmp.weight > 65535 ||
        tmp.port == 0 || tmp.port > 65535 || !is_hostname(tmp.target))
        return -1;
    tmp.set = 1;
    *srv = tmp;
    return 0;
}

struct xp_expect *
xp_expect_new(void)
{
    struct xp_expect *e = xcalloc(1, sizeof(*e));

    e->autodiscover_cname = xstrdup("autodiscover.outlook.com");
    e->mx_suffix = xstrdup("mail.protection.outlook.com");
    e->spf_include = xstrdup("spf.protection.outlook.com");
    e->sip_cname = xstrdup("sipdir.online.lync.com");
    e->lyncdiscover_cname = xstrdup("webdir.online.lync.com");
    set_srv(&e->sip_tls, "100 1 443 sipdir.online.lync.com");
    set_srv(&e->sipfederationtls, "100 1 5061 sipfed.online.lync.com");
    e->sip_tls.set = e->sipfederationtls.set = 0;   /* defaults, not stated */
    e->hma = e->outlook_anywhere = -1;
    return e;
}

void
xp_expect_free(struct xp_expect *e)
{
    if (!e)
        return;
    free(e->verification);
    free(e->autodiscover_cname);
    free(e->mx_suffix);
    free(e->spf_include);
    free(e->sip_cname);
    free(e->lyncdiscover_cname);
    free(e->hosts);
    free(e->msstd);
    xp_strv_free(e->dkim_selectors, e->ndkim_selectors);
    free(e->dkim_selector1);
    free(e->dkim_selector2);
    free(e->tenant);
    free(e->smtp_hosts);
    while (e->nconnector_ips > 0)
        free(e->connector_ips[--e->nconnector_ips]);
    free(e->connector_ips);
    free(e->tls_cert_name);
    free(e->ignored);
    free(e);
}

const char *
xp_deploy_name(enum xp_deploy d)
{
    switch (d) {
    case XP_DEPLOY_CLOUD:
        return "cloud";
    case XP_DEPLOY_HYBRID:
        return "hybrid";
    case XP_DEPLOY_ONPREM:
        return "onprem";
    case XP_DEPLOY_NONE:
        return "none";
    default:
        return "unknown";
    }
}

static int
parse_deploy(const char *v, enum xp_deploy *out, int allow_hybrid)
{
    if (strcmp(v, "cloud") == 0 || strcmp(v, "online") == 0)
        *out = XP_DEPLOY_CLOUD;
    else if (allow_hybrid && strcmp(v, "hybrid") == 0)
        *out = XP_DEPLOY_HYBRID;
    else if (strcmp(v, "onprem") == 0 || strcmp(v, "on-premises") == 0)
        *out = XP_DEPLOY_ONPREM;
    else
        return -1;
    return 0;
}

/* Letters, digits, '-', '_' and dots: a DNS name as records hold it. */
static int
is_hostname(const char *v)
{
    size_t n = strlen(v), i;

    if (n == 0 || n > 253)
        return 0;
    for (i = 0; i < n; i++)
        if (!isalnum((unsigned char)v[i]) && v[i] != '-' && v[i] != '.' && v[i] != '_')
            return 0;
    return 1;
}

/* "ADDR" or "ADDR/LEN", IPv4 or IPv6. */
static int
is_cidr(const char *v)
{
    char addr[64];
    unsigned char bin[16];
    const char *slash = strchr(v, '/');
    size_t n = slash ? (size_t)(slash - v) : strlen(v);
    int v6, max;

    if (n == 0 || n >= sizeof(addr))
        return 0;
    memcpy(addr, v, n);
    addr[n] = '\0';
    v6 = strchr(addr, ':') != NULL;
    if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, bin) != 1)
        return 0;
    max = v6 ? 128 : 32;
    if (slash) {
        char *end;
        long len = strtol(slash + 1, &end, 10);

        if (end == slash + 1 || *end || len < 0 || len > max)
            return 0;
    }
    return 1;
}

/* The items of a list separated by commas, spaces or tabs (copies; *n
 * may be 0): the one splitter of every list value. */
static char **
items_of(const char *v, size_t *n)
{
    char *copy = xstrdup(v), *save = NULL, *item;
    char **list = NULL;

    *n = 0;
    for (item = strtok_r(copy, ", \t", &save); item; item = strtok_r(NULL, ", \t", &save)) {
        list = xrealloc(list, (*n + 1) * sizeof(*list));
        list[(*n)++] = xstrdup(item);
    }
    free(copy);
    return list;
}

static int
is_selector(const char *v)
{
    return is_hostname(v) && strlen(v) <= 200;
}

/* A list of names checked one by one; all or nothing. */
struct name_list {
    const char *key;        /* "connector_ips" */
    int (*ok)(const char *item);
    const char *what;       /* "an address or ADDR/LEN" */
    int shown;              /* characters of a bad item shown (-1: all) */
    const char *noun;       /* "address": "needs at least one address" */
    size_t max;             /* 0: no bound */
};

static const struct name_list connector_ips = {
    "connector_ips", is_cidr, "an address or ADDR/LEN", -1, "address", 0,
};
static const struct name_list dkim_selectors = {
    "dkim_selectors", is_selector, "a selector", 80, "selector", 16,
};

static int
set_list(const struct name_list *l, char ***slot, size_t *nslot, const char *v, char *err,
         size_t errlen)
{
    size_t n, i;
    char **list = items_of(v, &n);

    for (i = 0; i < n; i++) {
        if (l->max && i == l->max)
            snprintf(err, errlen, "%s: at most %zu %ss", l->key, l->max, l->noun);
        else if (!l->ok(list[i]))
            snprintf(err, errlen, "%s: '%.*s' is not %s", l->key, l->shown, list[i], l->what);
        else
            continue;
        xp_strv_free(list, n);
        return -1;
    }
    if (n == 0) {
        snprintf(err, errlen, "%s needs at least one %s", l->key, l->noun);
        return -1;
    }
    xp_strv_free(*slot, *nslot);
    *slot = list;
    *nslot = n;
    return 0;
}

static void
replace(char **slot, const char *v)
{
    free(*slot);
    *slot = xstrdup(v);
}

int
xp_expect_set(struct xp_expect *e, const char *key, const char *v, char *err, size_t errlen)
{
    if (strcmp(key, "deployment") == 0) {
        if (parse_deploy(v, &e->deployment, 1) == 0)
            return 0;
        snprintf(err, errlen, "deployment must be cloud, hybrid or onprem, not '%s'", v);
        return -1;
    }
    if (strcmp(key, "lync") == 0) {
        if (strcmp(v, "none") == 0 || strcmp(v, "teams") == 0) {
            e->lync = XP_DEPLOY_NONE;   /* Teams only: no Skype for Business */
            return 0;
        }
        if (parse_deploy(v, &e->lync, 0) == 0)
            return 0;
        snprintf(err, errlen, "lync must be none, online or onprem, not '%s'", v);
        return -1;
    }
    if (strcmp(key, "federation") == 0) {
        if (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0) {
            e->federation = v[0] == 'y' ? 1 : -1;
            return 0;
        }
        snprintf(err, errlen, "federation must be yes or no, not '%s'", v);
        return -1;
    }
    if (strcmp(key, "verification") == 0) {
        size_t i, n = strlen(v);
        int ok = n == 10 && strncasecmp(v, "ms", 2) == 0;

        for (i = 2; ok && i < n; i++)
            ok = isdigit((unsigned char)v[i]);
        if (!ok) {
            snprintf(err, errlen, "verification must look like ms12345678, not '%s'", v);
            return -1;
        }
        replace(&e->verification, v);
        e->verification[0] = 'm';
        e->verification[1] = 's';
        return 0;
    }
    if (strcmp(key, "hybrid") == 0) {
        if (strcasecmp(v, "classic") == 0 || strcasecmp(v, "modern") == 0) {
            e->hybrid_kind = tolower((unsigned char)v[0]) == 'c' ? XP_HYBRID_CLASSIC
                                                                 : XP_HYBRID_MODERN;
            return 0;
        }
        snprintf(err, errlen, "hybrid must be classic or modern (Hybrid Agent), not '%s'", v);
        return -1;
    }
    if (strcmp(key, "hma") == 0 || strcmp(key, "outlook_anywhere") == 0) {
        int *slot = key[0] == 'h' ? &e->hma : &e->outlook_anywhere;

        if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "no") == 0) {
            *slot = tolower((unsigned char)v[0]) == 'y';
            return 0;
        }
        snprintf(err, errlen, "%s must be yes or no, not '%s'", key, v);
        return -1;
    }
    if (strcmp(key, "hosts") == 0)
        return xp_expect_add_hosts(e, v, err, errlen);
    if (strcmp(key, "msstd") == 0) {
        if (strncasecmp(v, "msstd:", 6) != 0 || !is_hostname(v[6] == '*' && v[7] == '.'
                                                             ? v + 8 : v + 6)) {
            snprintf(err, errlen, "msstd must look like msstd:mail.contoso.com, not '%s'", v);
            return -1;
        }
        replace(&e->msstd, v);
        return 0;
    }
    if (strcmp(key, "connector_ips") == 0)
        return set_list(&connector_ips, &e->connector_ips, &e->nconnector_ips, v, err,
                        errlen);
    if (strcmp(key, "ignore") == 0)
        return xp_expect_add_ignored(e, v, err, errlen);
    if (strcmp(key, "tls_cert_name") == 0) {
        const char *name = v;

        if (strncmp(v, "<I>", 3) == 0 && strstr(v, "<S>"))
            name = NULL;   /* Exchange's "<I>issuer<S>subject" form: taken as is */
        else if (v[0] == '*' && v[1] == '.')
            name = v + 2;
        if (name && !is_hostname(name)) {
            snprintf(err, errlen, "tls_cert_name must be a host name, *.domain or "
                     "<I>issuer<S>subject, not '%s'", v);
            return -1;
        }
        replace(&e->tls_cert_name, v);
        return 0;
    }
    if (strcmp(key, "cloud") == 0) {
        const struct xp_m365_cloud *cl = xp_m365_cloud(v);

        if (!cl) {
            snprintf(err, errlen, "cloud must be worldwide, gcchigh, dod or 21vianet, not "
                     "'%s'", v);
            return -1;
        }
        /* the cloud's values; a later spf_include = etc. still overrides */
        e->cloud = cl;
        replace(&e->spf_include, cl->spf_include);
        replace(&e->autodiscover_cname, cl->autodiscover_cname);
        replace(&e->mx_suffix, cl->mx_suffix);
        return 0;
    }
    if (strcmp(key, "intune") == 0) {
        if (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0) {
            e->intune = v[0] == 'y';
            return 0;
        }
        snprintf(err, errlen, "intune must be yes or no, not '%s'", v);
        return -1;
    }
    if (strcmp(key, "dkim_selectors") == 0)
        return set_list(&dkim_selectors, &e->dkim_selectors, &e->ndkim_selectors, v, err,
                        errlen);
    if (strcmp(key, "tenant") == 0) {
        size_t n = strcspn(v, ".");

        /* "contoso", "contoso.onmicrosoft.com" (or .us, .partner.onmschina.cn) */
        if (!is_hostname(v) || n == 0 || n > 63 ||
            (v[n] && strcasecmp(v + n, ".onmicrosoft.com") != 0 &&
             strcasecmp(v + n, ".onmicrosoft.us") != 0 &&
             strcasecmp(v + n, ".partner.onmschina.cn") != 0)) {
            snprintf(err, errlen, "tenant must be the initial domain (contoso or "
                     "contoso.onmicrosoft.com), not '%s'", v);
            return -1;
        }
        free(e->tenant);
        e->tenant = xstrndup(v, n);
        for (n = 0; e->tenant[n]; n++)
            e->tenant[n] = (char)tolower((unsigned char)e->tenant[n]);
        return 0;
    }
    if (strcmp(key, "sip_tls") == 0 || strcmp(key, "sipfederationtls") == 0) {
        struct xp_srv_expect *srv = key[3] == '_' ? &e->sip_tls : &e->sipfederationtls;

        if (set_srv(srv, v) == 0)
            return 0;
        snprintf(err, errlen, "%s must be 'PRIORITY WEIGHT PORT TARGET', not '%s'", key, v);
        return -1;
    }
    {
        static const struct {
            const char *key;
            size_t off;
        } names[] = {
            { "autodiscover_cname", offsetof(struct xp_expect, autodiscover_cname) },
            { "mx_suffix", offsetof(struct xp_expect, mx_suffix) },
            { "spf_include", offsetof(struct xp_expect, spf_include) },
            { "sip_cname", offsetof(struct xp_expect, sip_cname) },
            { "lyncdiscover_cname", offsetof(struct xp_expect, lyncdiscover_cname) },
            { "dkim_selector1", offsetof(struct xp_expect, dkim_selector1) },
            { "dkim_selector2", offsetof(struct xp_expect, dkim_selector2) },
        };
        size_t i;

        for (i = 0; i < XP_ARRAY_LEN(names); i++) {
            if (strcmp(key, names[i].key) == 0) {
                if (!is_hostname(v)) {
                    snprintf(err, errlen, "%s must be a host name, not '%s'", key, v);
                    return -1;
                }
                replace((char **)((char *)e + names[i].off), v);
                return 0;
            }
        }
    }
    snprintf(err, errlen, "unknown key '%s'", key);
    return -1;
}

int
xp_expect_add_ignored(struct xp_expect *e, const char *list, char *err, size_t errlen)
{
    size_t n, i;
    char **items = items_of(list, &n);
    int rc = 0;

    for (i = 0; i < n && rc == 0; i++) {
        int code;
        char *u;

        for (u = items[i]; *u; u++)
            *u = (char)toupper((unsigned char)*u);
        code = xp_code_by_name(items[i]);
        if (code < 0) {
            snprintf(err, errlen, "ignore: '%.80s' is not a finding code "
                     "(exprobe --explain CODE lists what a code means)", items[i]);
            rc = -1;
            break;
        }
        if (!e->ignored)
            e->ignored = xcalloc(XP_CODE_COUNT, 1);
        e->ignored[code] = 1;
    }
    xp_strv_free(items, n);
    if (rc == 0 && n == 0) {
        snprintf(err, errlen, "ignore needs at least one finding code");
        rc = -1;
    }
    return rc;
}

/* One "HOST[:PORT]" or "[IPv6]:PORT" entry. */
static int
parse_hostport(const char *s, struct xp_hostport *hp, char *err, size_t errlen)
{
    const char *host = s, *port = NULL, *end;
    size_t n;
    long p = 443;

    if (*s == '[') {
        end = strchr(s, ']');
        if (!end || (end[1] && end[1] != ':'))
            goto bad;
        host = s + 1;
        n = (size_t)(end - host);
        port = end[1] ? end + 2 : NULL;
    } else {
        end = strchr(s, ':');
        if (end && strchr(end + 1, ':'))
            end = NULL;   /* a bare IPv6 address: no port */
        n = end ? (size_t)(end - s) : strlen(s);
        port = end ? end + 1 : NULL;
    }
    if (n == 0 || n >= sizeof(hp->host))
        goto bad;
    memcpy(hp->host, host, n);
    hp->host[n] = '\0';
    if (*s == '[' || strchr(hp->host, ':')) {
        unsigned char a6[16];

        /* Brackets and colons are for an IPv6 address only. */
        if (inet_pton(AF_INET6, hp->host, a6) != 1)
            goto bad;
    } else {
        if (n > 1 && hp->host[n - 1] == '.')
            hp->host[n - 1] = '\0';   /* one trailing dot: the same name (and SNI has none) */
        if (!is_hostname(hp->host))
            goto bad;
    }
    if (port) {
        char *stop;

        p = strtol(port, &stop, 10);
        if (*stop || stop == port || p < 1 || p > 65535)
            goto bad;
    }
    hp->port = (int)p;
    return 0;
bad:
    snprintf(err, errlen, "'%s' is not HOST[:PORT] (IPv6 as [ADDR]:PORT)", s);
    return -1;
}

int
xp_expect_add_hosts(struct xp_expect *e, const char *list, char *err, size_t errlen)
{
    size_t n, i;
    char **items = items_of(list, &n);
    int rc = 0;

    for (i = 0; i < n; i++) {
        struct xp_hostport hp;

        if (parse_hostport(items[i], &hp, err, errlen) < 0) {
            rc = -1;
            break;
        }
        if (hp.port == 25 || hp.port == 587) {
            /* SMTP with STARTTLS: the smtp check's, not a TLS endpoint */
            e->smtp_hosts = xrealloc(e->smtp_hosts, (e->nsmtp_hosts + 1) *
                                     sizeof(*e->smtp_hosts));
            e->smtp_hosts[e->nsmtp_hosts++] = hp;
            continue;
        }
        e->hosts = xrealloc(e->hosts, (e->nhosts + 1) * sizeof(*e->hosts));
        e->hosts[e->nhosts++] = hp;
    }
    xp_strv_free(items, n);
    return rc;
}

static char *
trim(char *s)
{
    char *end;

    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

/* An --expect file larger than this is not one (and /dev/zero ends). */
#define EXPECT_MAX_BYTES (1024 * 1024)

/* The whole file in memory, NUL-terminated; NULL with err on error, a
 * directory, a size over EXPECT_MAX_BYTES, or a NUL byte (binary). */
static char *
slurp(const char *path, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "r");
    struct stat st;
    char *buf;
    size_t n;

    if (!fp) {
        snprintf(err, errlen, "cannot read --expect file '%s': %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "--expect '%s' is a directory, not a file", path);
        fclose(fp);
        return NULL;
    }
    buf = xmalloc(EXPECT_MAX_BYTES + 2);
    n = fread(buf, 1, EXPECT_MAX_BYTES + 1, fp);
    if (ferror(fp) || n > EXPECT_MAX_BYTES) {
        if (ferror(fp))
            snprintf(err, errlen, "cannot read --expect file '%s': %s", path, strerror(errno));
        else
            snprintf(err, errlen, "--expect file '%s' is larger than %d KiB", path,
                     EXPECT_MAX_BYTES / 1024);
        fclose(fp);
        free(buf);
        return NULL;
    }
    fclose(fp);
    buf[n] = '\0';
    if (memchr(buf, '\0', n)) {
        const char *nul = buf + strlen(buf), *q;
        int lineno = 1;

        for (q = buf; q < nul; q++)
            lineno += *q == '\n';
        snprintf(err, errlen, "%s:%d: a NUL byte: a binary file, not an --expect file", path,
                 lineno);
        free(buf);
        return NULL;
    }
    return buf;
}

/* One "key = value" line (comment stripped); -1 with why. The key goes to
 * keyout ("" for a blank or comment line). */
static int
load_line(struct xp_expect *e, char *line, char *keyout, size_t keylen, char *why,
          size_t whylen)
{
    char *hash = strchr(line, '#'), *eq, *key, *val;
    size_t i, cl;

    for (i = 0; line[i]; i += cl) {
        cl = xp_utf8_printable_len(line + i, strlen(line + i));
        if (!cl && line[i] != '\t' && line[i] != '\r') {
            snprintf(why, whylen, "control or invalid UTF-8 bytes");
            return -1;
        }
        cl = cl ? cl : 1;
    }
    if (hash)
        *hash = '\0';
    key = trim(line);
    if (!*key)
        return 0;
    eq = strchr(key, '=');
    if (!eq) {
        snprintf(why, whylen, "expected 'key = value'");
        return -1;
    }
    *eq = '\0';
    key = trim(key);
    val = trim(eq + 1);
    snprintf(keyout, keylen, "%s", key);
    return xp_expect_set(e, key, val, why, whylen);
}

int
xp_expect_load(struct xp_expect *e, const char *path, char *err, size_t errlen)
{
    char *buf = slurp(path, err, errlen), *line, *next, why[512], key[64];
    struct seen { char key[64]; int line; } seen[64];
    int lineno = 0, nseen = 0, k;

    if (!buf)
        return -1;
    line = buf;
    if (memcmp(line, "\xEF\xBB\xBF", 3) == 0)
        line += 3;   /* a UTF-8 byte-order mark (Notepad writes one) */
    for (; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        if (strlen(line) > 1023) {
            snprintf(err, errlen, "%s:%d: line longer than 1023 bytes", path, lineno);
            free(buf);
            return -1;
        }
        key[0] = '\0';
        if (load_line(e, line, key, sizeof(key), why, sizeof(why)) < 0) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
            free(buf);
            return -1;
        }
        /* A setting given twice is a mistake to say, not a last-one-wins
         * surprise; lists (hosts, ignore) may be spread over lines. */
        if (!key[0] || strcmp(key, "hosts") == 0 || strcmp(key, "ignore") == 0)
            continue;
        for (k = 0; k < nseen; k++) {
            if (strcmp(seen[k].key, key) == 0) {
                snprintf(err, errlen, "%s:%d: '%s' is already set on line %d", path, lineno,
                         key, seen[k].line);
                free(buf);
                return -1;
            }
        }
        if (nseen < (int)XP_ARRAY_LEN(seen)) {
            snprintf(seen[nseen].key, sizeof(seen[nseen].key), "%s", key);
            seen[nseen++].line = lineno;
        }
    }
    free(buf);
    return 0;
}
