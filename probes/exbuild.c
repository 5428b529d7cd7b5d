/*
 * exbuild.c — the Exchange Server build table.
 *
 * SOURCE: Microsoft's "Exchange Server build numbers and release dates"
 * (https://learn.microsoft.com/exchange/new-features/build-numbers-and-release-dates)
 * as published in machine-readable form by Microsoft in
 * microsoft/Get-ExchangeBuildNumber, ExchangeBuildNumbers.csv (checked up
 * to its "Exchange SE RTM May26HU" row, 2026-05-07). Lifecycle dates:
 * Exchange 2013 ended 2023-04-11; 2016 and 2019 ended 2025-10-14 (their
 * paid ESU ended 2026-04-14); Exchange Server SE follows the Modern
 * Lifecycle (supported while updated). Dedicated hybrid application: the
 * April 2025 hotfix update (Apr25HU: 2016 CU23 15.1.2507.55, 2019 CU14
 * 15.2.1544.25, 2019 CU15 15.2.1748.24; SE RTM contains it) is the first
 * build that can use it; EWS calls through the shared Exchange Online
 * service principal are blocked since 2025-10-31 (Exchange team blog,
 * "Exchange Server security changes for hybrid deployments").
 *
 * TO UPDATE (after each Patch Tuesday that ships an Exchange SU/HU, or a
 * new CU): add one row per new build to `rows` below, in version order,
 * with the name as the CSV spells it minus the product ("CU1", "RTM
 * Jun26SU") and the ISO date; add a new CU line's hybrid-app threshold to
 * `hybrid_min` only if it is an older product (new SE CUs need none); run
 * `make unit` (tests/unit/test_exbuild.c checks the order and the
 * latest-update logic). Nothing else reads the table.
 */
#include "xp_exbuild.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct row {
    unsigned minor, build, rev;    /* major is 15 for every row */
    const char *name;              /* after the product name */
    const char *date;
};

/* 15.0 = 2013, 15.1 = 2016, 15.2 below 2562 = 2019, 15.2.2562+ = SE. */
static const struct row rows[] = {
    { 0, 1497, 2, "CU23", "2019-06-18" },
    { 0, 1497, 15, "CU23 Apr21SU", "2021-04-13" },
    { 0, 1497, 28, "CU23 Jan22SU", "2022-01-11" },
    { 0, 1497, 42, "CU23 Oct22SU", "2022-10-11" },
    { 0, 1497, 44, "CU23 Nov22SU", "2022-11-08" },
    { 0, 1497, 45, "CU23 Jan23SU", "2023-01-10" },
    { 0, 1497, 47, "CU23 Feb23SU", "2023-02-14" },
    { 0, 1497, 48, "CU23 Mar23SU", "2023-03-14" },
    { 1, 2375, 7, "CU22", "2021-09-28" },
    { 1, 2375, 37, "CU22 Nov22SU", "2022-11-08" },
    { 1, 2507, 6, "CU23", "2022-04-20" },
    { 1, 2507, 17, "CU23 Jan23SU", "2023-01-10" },
    { 1, 2507, 21, "CU23 Feb23SU", "2023-02-14" },
    { 1, 2507, 23, "CU23 Mar23SU", "2023-03-14" },
    { 1, 2507, 27, "CU23 Jun23SU", "2023-06-13" },
    { 1, 2507, 31, "CU23 Aug23SU", "2023-08-08" },
    { 1, 2507, 32, "CU23 Aug23SUv2", "2023-08-15" },
    { 1, 2507, 34, "CU23 Oct23SU", "2023-10-10" },
    { 1, 2507, 35, "CU23 Nov23SU", "2023-11-14" },
    { 1, 2507, 37, "CU23 Mar24SU", "2024-03-12" },
    { 1, 2507, 39, "CU23 Apr24HU", "2024-04-23" },
    { 1, 2507, 43, "CU23 Nov24SU", "2024-11-12" },
    { 1, 2507, 44, "CU23 Nov24SUv2", "2024-11-27" },
    { 1, 2507, 55, "CU23 Apr25HU", "2025-04-18" },
    { 1, 2507, 57, "CU23 May25HU", "2025-05-29" },
    { 1, 2507, 58, "CU23 Aug25SU", "2025-08-12" },
    { 1, 2507, 59, "CU23 Sep25HU", "2025-09-08" },
    { 1, 2507, 61, "CU23 Oct25SU", "2025-10-14" },
    { 1, 2507, 63, "CU23 Dec25SU", "2025-12-09" },
    { 1, 2507, 66, "CU23 Feb26SU", "2026-02-10" },
    { 2, 221, 12, "RTM", "2018-10-22" },
    { 2, 330, 5, "CU1", "2019-02-12" },
    { 2, 397, 3, "CU2", "2019-06-18" },
    { 2, 464, 5, "CU3", "2019-09-17" },
    { 2, 529, 5, "CU4", "2019-12-17" },
    { 2, 595, 3, "CU5", "2020-03-17" },
    { 2, 659, 4, "CU6", "2020-06-16" },
    { 2, 721, 2, "CU7", "2020-09-15" },
    { 2, 792, 3, "CU8", "2020-12-15" },
    { 2, 858, 5, "CU9", "2021-03-16" },
    { 2, 922, 7, "CU10", "2021-06-29" },
    { 2, 986, 5, "CU11", "2021-09-28" },
    { 2, 986, 42, "CU11 Mar23SU", "2023-03-14" },
    { 2, 1118, 7, "CU12", "2022-04-20" },
    { 2, 1118, 26, "CU12 Mar23SU", "2023-03-14" },
    { 2, 1118, 30, "CU12 Jun23SU", "2023-06-13" },
    { 2, 1118, 36, "CU12 Aug23SU", "2023-08-08" },
    { 2, 1118, 37, "CU12 Aug23SUv2", "2023-08-15" },
    { 2, 1118, 39, "CU12 Oct23SU", "2023-10-10" },
    { 2, 1118, 40, "CU12 Nov23SU", "2023-11-14" },
    { 2, 1258, 12, "CU13", "2023-05-03" },
    { 2, 1258, 16, "CU13 Jun23SU", "2023-06-13" },
    { 2, 1258, 23, "CU13 Aug23SU", "2023-08-08" },
    { 2, 1258, 25, "CU13 Aug23SUv2", "2023-08-15" },
    { 2, 1258, 27, "CU13 Oct23SU", "2023-10-10" },
    { 2, 1258, 28, "CU13 Nov23SU", "2023-11-14" },
    { 2, 1258, 32, "CU13 Mar24SU", "2024-03-12" },
    { 2, 1258, 34, "CU13 Apr24HU", "2024-04-23" },
    { 2, 1258, 38, "CU13 Nov24SU", "2024-11-12" },
    { 2, 1258, 39, "CU13 Nov24SUv2", "2024-11-27" },
    { 2, 1544, 4, "CU14", "2024-02-13" },
    { 2, 1544, 9, "CU14 Mar24SU", "2024-03-12" },
    { 2, 1544, 11, "CU14 Apr24HU", "2024-04-23" },
    { 2, 1544, 13, "CU14 Nov24SU", "2024-11-12" },
    { 2, 1544, 14, "CU14 Nov24SUv2", "2024-11-27" },
    { 2, 1544, 25, "CU14 Apr25HU", "2025-04-18" },
    { 2, 1544, 27, "CU14 May25HU", "2025-05-29" },
    { 2, 1544, 33, "CU14 Aug25SU", "2025-08-12" },
    { 2, 1544, 34, "CU14 Sep25HU", "2025-09-08" },
    { 2, 1544, 36, "CU14 Oct25SU", "2025-10-14" },
    { 2, 1544, 37, "CU14 Dec25SU", "2025-12-09" },
    { 2, 1544, 39, "CU14 Feb26SU", "2026-02-10" },
    { 2, 1748, 10, "CU15", "2025-02-10" },
    { 2, 1748, 24, "CU15 Apr25HU", "2025-04-18" },
    { 2, 1748, 26, "CU15 May25HU", "2025-05-29" },
    { 2, 1748, 36, "CU15 Aug25SU", "2025-08-12" },
    { 2, 1748, 37, "CU15 Sep25HU", "2025-09-08" },
    { 2, 1748, 39, "CU15 Oct25SU", "2025-10-14" },
    { 2, 1748, 42, "CU15 Dec25SU", "2025-12-09" },
    { 2, 1748, 43, "CU15 Feb26SU", "2026-02-10" },
    { 2, 2562, 17, "RTM", "2025-07-01" },
    { 2, 2562, 20, "RTM Aug25SU", "2025-08-12" },
    { 2, 2562, 27, "RTM Sep25HU", "2025-09-08" },
    { 2, 2562, 29, "RTM Oct25SU", "2025-10-14" },
    { 2, 2562, 35, "RTM Dec25SU", "2025-12-09" },
    { 2, 2562, 37, "RTM Feb26SU", "2026-02-10" },
    { 2, 2562, 41, "RTM May26HU", "2026-05-07" },
};

/* The first build of each CU line that carries the April 2025 HU. */
static const struct { unsigned minor, build, rev; } hybrid_min[] = {
    { 1, 2507, 55 },
    { 2, 1544, 25 },
    { 2, 1748, 24 },
};

#define SE_FIRST_BUILD 2562          /* 15.2.2562 = Exchange Server SE RTM */
#define EP_DEFAULT_BUILD 1544        /* 2019 CU14: Extended Protection on by default */

int
xp_exver_parse(const char *s, struct xp_exver *v)
{
    unsigned long part[4];
    int n = 0;
    const char *p = s;

    memset(v, 0, sizeof(*v));
    while (n < 4) {
        char *end;

        if (*p < '0' || *p > '9')
            return -1;
        part[n] = strtoul(p, &end, 10);
        if (end - p > 6 || part[n] > 99999)
            return -1;
        n++;
        p = end;
        if (*p != '.')
            break;
        p++;
    }
    if (n < 3 || (*p && *p != ' ' && *p != '/' && *p != '"'))
        return -1;
    v->major = (unsigned)part[0];
    v->minor = (unsigned)part[1];
    v->build = (unsigned)part[2];
    v->has_rev = n == 4;
    v->rev = n == 4 ? (unsigned)part[3] : 0;
    return 0;
}

int
xp_exver_from_owa_page(const char *body, size_t len, struct xp_exver *v)
{
    static const char mark[] = "/owa/auth/";
    const size_t mlen = sizeof(mark) - 1;
    size_t i = 0;

    while (i + mlen <= len) {
        char buf[32];
        size_t n = 0;

        if (memcmp(body + i, mark, mlen) != 0) {
            i++;
            continue;
        }
        i += mlen;
        while (i + n < len && n < sizeof(buf) - 1 &&
               ((body[i + n] >= '0' && body[i + n] <= '9') || body[i + n] == '.')) {
            buf[n] = body[i + n];
            n++;
        }
        buf[n] = '\0';
        /* "15.2.1748/" ... a version directory, not "current/" or a file. */
        if (n > 0 && i + n < len && body[i + n] == '/' && xp_exver_parse(buf, v) == 0 &&
            v->major >= 8)
            return 0;
    }
    memset(v, 0, sizeof(*v));
    return -1;
}

void
xp_exver_format(const struct xp_exver *v, char *buf, unsigned len)
{
    if (v->has_rev)
        snprintf(buf, len, "%u.%u.%u.%u", v->major, v->minor, v->build, v->rev);
    else
        snprintf(buf, len, "%u.%u.%u", v->major, v->minor, v->build);
}

static int
cmp3(unsigned a1, unsigned a2, unsigned a3, unsigned b1, unsigned b2, unsigned b3)
{
    if (a1 != b1)
        return a1 < b1 ? -1 : 1;
    if (a2 != b2)
        return a2 < b2 ? -1 : 1;
    if (a3 != b3)
        return a3 < b3 ? -1 : 1;
    return 0;
}

int
xp_exver_cmp(const struct xp_exver *a, const struct xp_exver *b)
{
    int c = cmp3(a->major, a->minor, a->build, b->major, b->minor, b->build);

    return c ? c : cmp3(a->rev, 0, 0, b->rev, 0, 0);
}

static void
product(const struct xp_exver *v, struct xp_exbuild *out)
{
    out->known = 1;
    if (v->major == 8) {
        out->product = "Exchange Server 2007";
        out->support_end = "2017-04-11";
    } else if (v->major == 14) {
        out->product = "Exchange Server 2010";
        out->support_end = "2020-10-13";
    } else if (v->major == 15 && v->minor == 0) {
        out->product = "Exchange Server 2013";
        out->support_end = "2023-04-11";
    } else if (v->major == 15 && v->minor == 1) {
        out->product = "Exchange Server 2016";
        out->support_end = "2025-10-14";
    } else if (v->major == 15 && v->minor == 2 && v->build < SE_FIRST_BUILD) {
        out->product = "Exchange Server 2019";
        out->support_end = "2025-10-14";
    } else if (v->major == 15 && v->minor == 2) {
        out->product = "Exchange Server SE";
        out->support_end = NULL;
    } else if (v->major == 15 && v->minor >= 20) {
        out->known = 0;
        out->online = 1;
        out->product = "Exchange Online";
    } else {
        out->known = 0;
        out->product = "an unknown Exchange version";
    }
}

/* Below, at or above the April 2025 HU for v's CU line. */
static int
hybrid_app(const struct xp_exver *v)
{
    size_t i;

    if (v->major != 15)
        return 0;
    if (v->minor == 2 && v->build >= SE_FIRST_BUILD)
        return 1;
    for (i = 0; i < sizeof(hybrid_min) / sizeof(hybrid_min[0]); i++)
        if (hybrid_min[i].minor == v->minor && hybrid_min[i].build == v->build) {
            if (!v->has_rev)
                return -1;     /* the CU got the HU; which update is installed is unknown */
            return v->rev >= hybrid_min[i].rev;
        }
    return 0;                  /* a CU line that never got the April 2025 HU */
}

void
xp_exbuild_lookup(const struct xp_exver *v, struct xp_exbuild *out)
{
    const struct row *best = NULL, *last = NULL;
    char ver[48];
    size_t i;

    memset(out, 0, sizeof(*out));
    product(v, out);
    xp_exver_format(v, ver, sizeof(ver));
    if (!out->known) {
        snprintf(out->name, sizeof(out->name), "%s (%s)", out->product, ver);
        out->hybrid_app = -1;
        return;
    }
    out->hybrid_app = hybrid_app(v);
    out->ep_default = v->major == 15 && v->minor == 2 && v->build >= EP_DEFAULT_BUILD;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct row *r = &rows[i];

        if (v->major != 15 || r->minor != v->minor || r->build != v->build)
            continue;
        last = r;
        /* Rows are in version order: with a revision, the last row at or
         * below it; without one, the CU's first row (the CU itself). */
        if (v->has_rev ? r->rev <= v->rev : !best)
            best = r;
    }
    if (last) {
        snprintf(out->latest, sizeof(out->latest), "%s (15.%u.%u.%u)", last->name,
                 last->minor, last->build, last->rev);
        out->is_latest = v->has_rev && v->rev >= last->rev;
    }
    if (best) {
        out->exact = v->has_rev && best->rev == v->rev;
        out->released = best->date;
        if (out->exact)
            snprintf(out->name, sizeof(out->name), "%s %s", out->product, best->name);
        else if (v->has_rev)
            snprintf(out->name, sizeof(out->name), "%s %s or a later update (%s is not in "
                     "exprobe's table)", out->product, best->name, ver);
        else
            snprintf(out->name, sizeof(out->name), "%s %s (update level not visible)",
                     out->product, best->name);
    } else {
        snprintf(out->name, sizeof(out->name), "%s, build %s (not in exprobe's table)",
                 out->product, ver);
    }
}

int
xp_exbuild_unsupported(const struct xp_exbuild *b, const char *today)
{
    return b->known && b->support_end && strcmp(today, b->support_end) > 0;
}

const char *
xp_exbuild_table_date(void)
{
    return rows[sizeof(rows) / sizeof(rows[0]) - 1].date;
}
