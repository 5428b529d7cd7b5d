/*
 * xp_cli.h — the command line (ui/cli.c).
 */
#ifndef XP_CLI_H
#define XP_CLI_H

#include <stddef.h>
#include <stdio.h>

struct xp_options;

/* Fill o from argv; on bad input prints one line and exits 3;
 * --help and --version print and exit 0. Free with xp_options_free. */
void xp_cli_parse(struct xp_options *o, int argc, char **argv);
void xp_cli_usage(FILE *out);
/* The --user password: EXPROBE_PASSWORD, or a no-echo prompt on the
 * terminal; NULL with err when neither is possible. Caller frees. */
char *xp_prompt_password(const char *user, char *err, size_t errlen);

#endif
