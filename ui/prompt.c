/*
 * prompt.c — the password for --user: from EXPROBE_PASSWORD, or asked on
 * the terminal without echo. Never from argv, never printed.
 */
#define _GNU_SOURCE
#include "xp_cli.h"
#include "xp.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

char *
xp_prompt_password(const char *user, char *err, size_t errlen)
{
    const char *env = getenv("EXPROBE_PASSWORD");
    struct termios old, quiet;
    char buf[512];
    FILE *tty;
    int ok;

    if (env)
        return xstrdup(env);
    tty = fopen("/dev/tty", "r+");
    if (!tty) {
        snprintf(err, errlen, "--user %s needs a password: set EXPROBE_PASSWORD, or run on a "
                 "terminal to be asked", user);
        return NULL;
    }
    fprintf(tty, "Password for %s: ", user);
    fflush(tty);
    tcgetattr(fileno(tty), &old);
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
    ok = fgets(buf, sizeof(buf), tty) != NULL;
    tcsetattr(fileno(tty), TCSAFLUSH, &old);
    fputc('\n', tty);
    fclose(tty);
    if (!ok) {
        snprintf(err, errlen, "no password given for %s", user);
        return NULL;
    }
    buf[strcspn(buf, "\r\n")] = '\0';
    {
        char *pw = xstrdup(buf);

        explicit_bzero(buf, sizeof(buf));
        return pw;
    }
}
