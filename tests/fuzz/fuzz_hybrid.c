/*
 * fuzz_hybrid.c — the hybrid readers of server answers: WWW-Authenticate
 * (probes/wwwauth.c, RFC 7235), NTLM CHALLENGE messages raw and base64
 * (probes/ntlm.c), Autodiscover v2 / OpenID JSON (probes/msjson.c) and
 * trusted_issuers. Properties: bounded counts, terminated strings.
 * Input: [which] then the header value / message / body.
 */
#include "fuzz.h"
#include "xp.h"
#include "xp_msjson.h"
#include "xp_ntlm.h"
#include "xp_wwwauth.h"

static void
wwwauth(const char *v)
{
    static struct xp_auth_challenge ch[XP_AUTH_MAX_CHALLENGES];
    size_t n = 0, i;

    xp_wwwauth_parse(v, ch, XP_AUTH_MAX_CHALLENGES, &n);
    FUZZ_ASSERT(n <= XP_AUTH_MAX_CHALLENGES, "%zu challenges", n);
    for (i = 0; i < n; i++) {
        FUZZ_ASSERT(ch[i].nparams <= XP_AUTH_MAX_PARAMS, "%zu params", ch[i].nparams);
        FUZZ_ASSERT(memchr(ch[i].token68, 0, sizeof(ch[i].token68)) != NULL, "token68");
        (void)xp_wwwauth_param(&ch[i], "realm");
    }
    (void)xp_wwwauth_find(ch, n, "NTLM");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s, why[256];

    if (size < 1)
        return 0;
    s = fuzz_cstr(data + 1, size - 1);
    switch (data[0] % 6) {
    case 0:
        wwwauth(s);
        break;
    case 1: {
        struct xp_ntlm_challenge c;

        memset(&c, 0, sizeof(c));
        /* An OEM (non-Unicode) target name is copied as sent, not UTF-8:
         * the model's gate (xp_utf8_clean) repairs it on the way in. */
        if (xp_ntlm_parse_challenge(data + 1, size - 1, &c) == 0)
            FUZZ_ASSERT(memchr(c.target_name, 0, sizeof(c.target_name)) != NULL, "name");
        break;
    }
    case 2: {
        struct xp_ntlm_challenge c;

        memset(&c, 0, sizeof(c));
        (void)xp_ntlm_parse_challenge_b64(s, &c);
        break;
    }
    case 3: {
        struct xp_autodv2 a;

        memset(&a, 0, sizeof(a));
        (void)xp_autodv2_parse((const char *)data + 1, size - 1, &a, why, sizeof(why));
        break;
    }
    case 4: {
        struct xp_openid o;

        memset(&o, 0, sizeof(o));
        (void)xp_openid_parse((const char *)data + 1, size - 1, &o, why, sizeof(why));
        break;
    }
    default: {
        char tenant[64];

        (void)xp_trusted_issuer_tenant(s, tenant, sizeof(tenant));
        (void)xp_is_guid(s, strlen(s));
        break;
    }
    }
    free(s);
    return 0;
}
