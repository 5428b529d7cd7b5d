/*
 * xp_tui.h — the interactive session (-i): one more reporter (it gets the
 * model's events like text and JSON) plus keyboard input read inside the
 * same loop. ui/main.c picks it through report.c (opts->tui), then hands
 * it the engine and the loop with xp_tui_attach, which starts the
 * terminal. Files: ui/tui.c (reporter, input, actions, terminal safety),
 * ui/tui_tree.c (the visible tree), ui/tui_draw.c (painting),
 * ui/tui_keys.c (the key table and the help).
 */
#ifndef XP_TUI_H
#define XP_TUI_H

#include <stddef.h>

#include "xp_report.h"

struct xp_engine;
struct xp_loop;

extern const struct xp_reporter_ops xp_report_tui;

/*
 * Start the terminal session for reporter r (whose ops are xp_report_tui):
 * ncurses on stdout/stdin, stdin watched by loop, re-runs asked of engine
 * (deferred by the engine, never from an event). Call after xp_engine_new,
 * before xp_engine_start. Returns 0, or -1 with err (no terminal: exit 3).
 * The terminal is restored by the reporter's close/free, xp_fatal, exit,
 * and the SIGSEGV/SIGBUS/SIGFPE/SIGILL/SIGABRT handlers installed here.
 * 'q' stops the loop (xp_loop_stop); the caller then interrupts a run
 * still going and closes the reporters as usual.
 */
int xp_tui_attach(struct xp_reporter *r, struct xp_engine *engine, struct xp_loop *loop,
                  char *err, size_t errlen);

#endif
