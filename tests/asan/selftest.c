/*
 * selftest.c — proves that a sanitizer build (make asan) cannot be mistaken
 * for a warning: linked with the same libxp.a, each deliberate error below
 * must end the process with exit 86 (the defaults compiled into
 * probes/util.c), never 1 (warning), 2 or 3. `make asan` runs it.
 *
 *   selftest heap|leak|ubsan
 */
#include "xp.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(int argc, char **argv)
{
    volatile int big = INT_MAX;
    char *p;

    if (argc != 2)
        return 2;
    p = xstrdup("12345678");   /* libxp: the options' object file is linked */
    if (strcmp(argv[1], "heap") == 0)
        p[argc * 8 + 1] = 'x';                          /* heap overflow */
    else if (strcmp(argv[1], "ubsan") == 0)
        printf("%d\n", big + argc);                     /* signed overflow */
    else if (strcmp(argv[1], "leak") == 0)
        p = NULL;                                       /* leaked */
    free(p);
    return 0;
}
