/*
 * tui_keys.c — the key → action table (htop's Action bindings) and the
 * help rows in the same file, so a key and its help never drift apart.
 * Actions are carried out in tui.c; tui_draw.c draws the help; nothing
 * here draws (keys never call the drawing code: no circle).
 */
#include "tui_int.h"

#include <string.h>

struct binding {
    int is_fn;                 /* a KEY_* code, not a character */
    wint_t key;
    enum tui_action action;
};

#define CTRL(c) ((c) & 0x1f)

static const struct binding bindings[] = {
    { 1, KEY_UP, A_UP },
    { 0, 'k', A_UP },
    { 1, KEY_DOWN, A_DOWN },
    { 0, 'j', A_DOWN },
    { 1, KEY_PPAGE, A_PGUP },
    { 0, CTRL('b'), A_PGUP },
    { 1, KEY_NPAGE, A_PGDN },
    { 0, CTRL('f'), A_PGDN },
    { 1, KEY_HOME, A_HOME },
    { 0, 'g', A_HOME },
    { 1, KEY_END, A_END },
    { 0, 'G', A_END },
    { 1, KEY_RIGHT, A_EXPAND },
    { 0, 'l', A_EXPAND },
    { 0, '+', A_EXPAND },
    { 1, KEY_LEFT, A_COLLAPSE },
    { 0, 'h', A_COLLAPSE },
    { 0, '-', A_COLLAPSE },
    { 0, '\n', A_ENTER },
    { 0, '\r', A_ENTER },
    { 1, KEY_ENTER, A_ENTER },
    { 0, 'd', A_DETAILS },
    { 0, '\t', A_FOCUS },
    { 0, 'n', A_NEXT_PROBLEM },
    { 0, 'N', A_PREV_PROBLEM },
    { 0, '/', A_SEARCH },
    { 0, 'c', A_CHANGES },
    { 0, 'r', A_RERUN },
    { 0, 'R', A_RERUN_ALL },
    { 0, 'f', A_FILTER },
    { 0, 's', A_SAVE },
    { 0, 'p', A_PREFLIGHT },
    { 0, '?', A_HELP },
    { 1, KEY_F(1), A_HELP },
    { 0, 'q', A_QUIT },
    { 0, 27, A_CLOSE },              /* Esc */
    { 0, CTRL('l'), A_REDRAW },
    { 1, KEY_RESIZE, A_RESIZE },
};

enum tui_action
tui_key_action(int is_fn, wint_t key)
{
    size_t i;

    for (i = 0; i < XP_ARRAY_LEN(bindings); i++)
        if (bindings[i].is_fn == is_fn && bindings[i].key == key)
            return bindings[i].action;
    return A_NONE;
}

static const struct tui_help help[] = {
    { "\xE2\x86\x91 \xE2\x86\x93  k j", "Up Down  k j", "move" },
    { "PgUp PgDn  g G", "PgUp PgDn  g G", "a page up / down, first, last" },
    { "\xE2\x86\x92 l  Enter", "Right l  Enter", "open a node (Enter on a leaf: its details)" },
    { "\xE2\x86\x90 h", "Left h", "close a node, or go to its parent" },
    { "d", "d", "details pane: step detail, findings with evidence and fix" },
    { "Tab", "Tab", "move between the tree and the details pane (scroll it)" },
    { "n N", "n N", "next / previous problem finding (opens what hides it)" },
    { "/", "/", "find text in the tree; / Enter finds the next one" },
    { "r", "r", "re-run the selected check (and the checks that use its results)" },
    { "R", "R", "re-run every check" },
    { "f", "f", "filter: all / problems only" },
    { "p", "p", "Hybrid Configuration Wizard pre-flight checklist" },
    { "c", "c", "what changed since --baseline FILE (findings, certificates, DNS)" },
    { "s", "s", "save the report: .json .jsonl, .xml (JUnit), anything else text "
                "(typing replaces the suggested name)" },
    { "Ctrl-L", "Ctrl-L", "redraw the screen" },
    { "Esc", "Esc", "close a pane or this help" },
    { "?", "?", "this help" },
    { "q", "q", "quit (checks still running are cancelled)" },
};

const struct tui_help *
tui_help_rows(size_t *n)
{
    *n = XP_ARRAY_LEN(help);
    return help;
}

const char *
tui_keybar(int utf8)
{
    /* What matters first: at 80 columns the bar is cut at the right, so
     * help and quit lead (htop, mtr). */
    return utf8 ? "? help  q quit  \xE2\x86\xB5 open  n next problem  / find  r rerun  "
                  "s save  p pre-flight  d details  f filter  R all"
                : "? help  q quit  Enter open  n next problem  / find  r rerun  "
                  "s save  p pre-flight  d details  f filter  R all";
}
