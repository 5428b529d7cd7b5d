/*
 * fuzz_cli.c — the command line (ui/cli.c xp_cli_parse: options, numbers,
 * check lists, targets, --hosts, --dnsbl, ...) on an argv of fuzz words.
 * A usage error calls exit(3): linked with -Wl,--wrap=exit (see
 * fuzz_cli.ldflags), exit jumps back here instead. Leak checking is off:
 * a usage error may abandon what a half-parsed option held in locals (the
 * process ends there); the options themselves are freed either way.
 * Input: argv words separated by NUL bytes.
 */
#include "fuzz.h"
#include "xp.h"
#include "xp_cli.h"
#include "xp_options.h"

#include <fcntl.h>
#include <getopt.h>
#include <setjmp.h>
#include <unistd.h>

void __wrap_exit(int code);
void __real_exit(int code);
int __lsan_is_turned_off(void);

static jmp_buf back;
static volatile int armed;   /* inside xp_cli_parse (libFuzzer calls exit too) */

void
__wrap_exit(int code)
{
    if (armed)
        longjmp(back, code + 1);
    __real_exit(code);
}

int
__lsan_is_turned_off(void)
{
    return 1;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    int fd = open("/dev/null", O_RDWR);

    (void)argc;
    (void)argv;
    dup2(fd, STDIN_FILENO);    /* --domains-file - must not wait for a terminal */
    dup2(fd, STDOUT_FILENO);   /* -h, -V */
    close(fd);
    setenv("EXPROBE_PASSWORD", "fuzz", 1);   /* --user: no prompt */
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct xp_options o;
    char *words = fuzz_cstr(data, size), *argv[34];
    volatile int argc = 1;
    size_t i = 0;

    if (size > 4096) {
        free(words);
        return 0;
    }
    argv[0] = (char *)"exprobe";
    while (i < size && argc < 33) {
        argv[argc++] = words + i;
        i += strlen(words + i) + 1;
    }
    argv[argc] = NULL;
    optind = 0;   /* glibc: reinitialise getopt */
    if (setjmp(back) == 0) {
        armed = 1;
        xp_cli_parse(&o, argc, argv);
    }
    armed = 0;
    /* Also after a usage error: what the options hold is freed, so a long
     * campaign stays within libFuzzer's RSS limit (only what a half-parsed
     * option held in locals is abandoned). */
    xp_options_free(&o);
    free(words);
    return 0;
}
