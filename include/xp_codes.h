/*
 * xp_codes.h — the finding codes (SPEC: stable; extend, never rename).
 *
 * The one source of what a code is: its row in include/xp_codes_table.h
 * gives its name, the check that reports it, the default severity, a title,
 * the explanation (what it means, why it matters), the generic fix shown
 * when a check gives no specific one, and the source (RFC, Microsoft
 * document). The enum below and the table in probes/codes.c are made from
 * those rows; --explain, --help and the docs tests read the table. Adding a
 * code: its row there, its line in README.md and exprobe.1
 * (tests/integration/test_docs.py compares them with the binary).
 */
#ifndef XP_CODES_H
#define XP_CODES_H

#include <stdio.h>

/* In the order of precedence (SPEC: fail > unknown > warn > pass): a
 * finding of severity unknown means "no verdict could be reached". */
enum xp_severity {
    XP_SEV_INFO,
    XP_SEV_WARN,
    XP_SEV_UNKNOWN,
    XP_SEV_FAIL,
};

/* XP_<NAME> for every row of the table, in its order. */
enum xp_code {
#define CODE(n, ...) XP_##n
#include "xp_codes_table.h"
#undef CODE
    XP_CODE_COUNT
};

/* One row of the table; rows use designated initializers, so the
 * optional fields (fix, source) may be left out. */
struct xp_code_info {
    const char *name;              /* "SMTP_NO_STARTTLS"                     */
    const char *check;             /* the check id(s) that report it, comma-
                                    * separated ("autodiscover,preauth");
                                    * "run" for run-wide codes              */
    enum xp_severity severity;     /* default severity                       */
    const char *title;             /* a few words: "STARTTLS not offered"    */
    const char *explain;           /* what it means and why it matters       */
    const char *fix;               /* generic fix; NULL for pure information */
    const char *source;            /* RFC / document; NULL when none applies */
};

/* Never NULL for a valid code. */
const struct xp_code_info *xp_code_info(enum xp_code code);

/* Code by name, or -1. */
int xp_code_by_name(const char *name);

/* Does the code's row name check id among its checks? */
int xp_code_of_check(const struct xp_code_info *info, const char *id);

/* --explain CODE: the row as text for people, on out. */
void xp_code_explain(FILE *out, const struct xp_code_info *info);

const char *xp_severity_name(enum xp_severity sev);

#endif
