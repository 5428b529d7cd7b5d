/*
 * fuzz_http_front.c — the HTTP front-end classifier (probes/http_front.c:
 * TMG, UAG, F5, NetScaler, ... from status, headers and body) on a
 * response made of fuzz bytes.
 * Input: [status byte] then "Name: value\n" header lines, an empty line,
 * and the body.
 */
#include "fuzz.h"
#include "xp.h"
#include "xp_front.h"
#include "xp_http.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const long statuses[] = { 200, 301, 302, 400, 401, 403, 404, 440, 500, 503 };
    struct xp_http_resp r;
    struct xp_front_verdict v;
    char *text, *line, *save = NULL, *body;
    size_t i;

    if (size < 1)
        return 0;
    memset(&r, 0, sizeof(r));
    r.completed = 1;
    r.status = statuses[data[0] % (sizeof(statuses) / sizeof(statuses[0]))];
    text = fuzz_cstr(data + 1, size - 1);
    body = strstr(text, "\n\n");
    if (body) {
        *body = '\0';
        body += 2;
    }
    for (line = strtok_r(text, "\n", &save); line && r.nheaders < 64;
         line = strtok_r(NULL, "\n", &save)) {
        char *colon = strchr(line, ':');

        r.headers = xrealloc(r.headers, (r.nheaders + 1) * sizeof(*r.headers));
        r.headers[r.nheaders].name = xstrndup(line, colon ? (size_t)(colon - line) : strlen(line));
        r.headers[r.nheaders].value = xstrdup(colon ? colon + 1 + (colon[1] == ' ') : "");
        r.nheaders++;
    }
    r.body = xstrdup(body ? body : "");
    r.body_len = strlen(r.body);
    memset(&v, 0, sizeof(v));
    xp_front_classify(&r, &v);
    (void)xp_front_has_exchange_auth(&v);
    FUZZ_ASSERT(memchr(v.why, 0, sizeof(v.why)) != NULL, "why unterminated");
    for (i = 0; i < r.nheaders; i++) {
        free(r.headers[i].name);
        free(r.headers[i].value);
    }
    free(r.headers);
    free(r.body);
    free(text);
    return 0;
}
