/*
 * xp_baseline.h — --baseline FILE: a previous JSON report, and what changed
 * since (SPEC "changes"). The comparison is between two SPEC documents, so
 * it needs nothing from the engine: report_json.c builds today's document,
 * this module diffs it against yesterday's, every reporter prints the list.
 *
 * A change is a JSON object:
 *   {"kind": "finding_new" | "finding_resolved" | "finding_changed" |
 *            "cert_changed" | "dns_changed" | "target_new",
 *    "check": "cname", "code": "MX_MIXED", "subject": "what it is about",
 *    "message": "one line for people", "old": ..., "new": ...}
 * Findings are matched by check, code and message; a finding whose message
 * changed (same check and code) is "changed", not resolved + new.
 * Certificates are matched by endpoint (HOST:PORT (ADDR)) and compared by
 * SHA-256 fingerprint; DNS answers by question (TYPE NAME), TTLs aside.
 */
#ifndef XP_BASELINE_H
#define XP_BASELINE_H

#include <jansson.h>
#include <stddef.h>

struct xp_baseline;

/* Load a report written by -f json (one document or an array) or -f jsonl.
 * NULL with "FILE: reason" in err when it cannot be used. */
struct xp_baseline *xp_baseline_load(const char *path, char *err, size_t errlen);
void xp_baseline_free(struct xp_baseline *b);
const char *xp_baseline_path(const struct xp_baseline *b);

/* The changes from the baseline's document for doc's target to doc: a new
 * JSON array (empty when nothing changed). */
json_t *xp_baseline_changes(const struct xp_baseline *b, const json_t *doc);

#endif
