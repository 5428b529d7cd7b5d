/*
 * fuzz_target.c — a target as typed or read from --domains-file
 * (probes/target.c: IDN, e-mail address). Properties: a domain is lower-case
 * LDH ASCII, an e-mail address valid UTF-8 without control characters; an
 * error is one line of printable text.
 * Input: the target's bytes (up to the first NUL).
 */
#include "fuzz.h"
#include "xp.h"
#include "xp_model.h"
#include "xp_target.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = fuzz_cstr(data, size), *domain, *email, err[512];
    size_t i;

    if (xp_target_parse(in, &domain, &email, err, sizeof(err)) == 0) {
        for (i = 0; domain[i]; i++)
            FUZZ_ASSERT((domain[i] >= 'a' && domain[i] <= 'z') ||
                            (domain[i] >= '0' && domain[i] <= '9') || domain[i] == '-' ||
                            domain[i] == '.',
                        "domain %.100s", domain);
        if (email)
            FUZZ_ASSERT(xp_utf8_printable(email, strlen(email)), "email %.100s", email);
        free(domain);
        free(email);
    } else {
        FUZZ_ASSERT(xp_utf8_printable(err, strlen(err)), "error %.200s", err);
    }
    free(in);
    return 0;
}
