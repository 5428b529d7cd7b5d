/*
 * main.c — command line → engine → reporters → loop → exit code.
 */
#include "xp_check.h"
#include "xp_cli.h"
#include "xp_http.h"
#include "xp_loop.h"
#include "xp_options.h"
#include "xp_preflight.h"
#include "xp_report.h"
#include "xp_tls.h"
#include "xp_tui.h"

#include <curl/curl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

/* Stop the engine once it has nothing left to do (-i: only on q). */
static int64_t
tick(void *arg, int64_t now_us)
{
    void **ctx = arg;
    struct xp_engine *engine = ctx[0];
    struct xp_loop *loop = ctx[1];
    struct xp_report *rep = ctx[2];
    const struct xp_options *opts = ctx[3];

    if (xp_engine_done(engine) && !opts->tui)
        xp_loop_stop(loop);
    return xp_report_tick(rep, now_us);
}

int
main(int argc, char **argv)
{
    struct xp_options opts;
    struct xp_loop *loop;
    struct xp_report *rep;
    struct xp_engine *engine;
    char err[512];
    void *ctx[4];
    int code;

    setlocale(LC_ALL, "");
    signal(SIGPIPE, SIG_IGN);
    xp_cli_parse(&opts, argc, argv);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        xp_fatal("libcurl could not be initialised");
    loop = xp_loop_new();
    rep = NULL;
    engine = NULL;
    code = XP_EXIT_USAGE;
    rep = xp_report_open(&opts, err, sizeof(err));
    if (!rep)
        goto fail;
    engine = xp_engine_new(&opts, loop, xp_report_emit, rep, err, sizeof(err));
    if (!engine)
        goto fail;
    xp_engine_release_reported(engine, xp_report_streams(&opts));
    if (opts.tui && xp_tui_attach(xp_report_main(rep), engine, loop, err, sizeof(err)) < 0)
        goto fail;
    ctx[0] = engine;
    ctx[1] = loop;
    ctx[2] = rep;
    ctx[3] = &opts;
    xp_loop_set_tick(loop, tick, ctx);
    xp_loop_catch_signals(loop);
    xp_engine_start(engine);
    if ((opts.tui || !xp_engine_done(engine)) && xp_loop_run(loop))
        xp_engine_interrupt(engine);   /* Ctrl-C: report what we have */
    xp_engine_interrupt(engine);       /* -i: q while checks run (no-op once done) */
    code = opts.preflight ? xp_preflight_run_exit_code(xp_engine_run(engine))
                          : xp_run_exit_code(xp_engine_run(engine));
    if (xp_report_close(rep, xp_engine_run(engine), err, sizeof(err)) < 0) {
        fprintf(stderr, "exprobe: %s\n", err);
        code = XP_EXIT_USAGE;
    }
    goto out;
fail:
    fprintf(stderr, "exprobe: %s\n", err);
out:
    xp_report_free(rep);
    xp_engine_free(engine);
    xp_loop_free(loop);
    xp_http_cleanup();
    xp_options_free(&opts);
    xp_tls_cleanup();
    curl_global_cleanup();
    ares_library_cleanup();
    return code;
}
