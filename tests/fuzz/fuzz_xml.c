/*
 * fuzz_xml.c — the XML readers of server bodies (probes/xml_exchange.c):
 * the unsafe-document screen (DTD, entities: XXE, billion laughs), the
 * Autodiscover POX response and the SOAP GetFederationInformation response.
 * Input: [which] then an HTTP body.
 */
#include "fuzz.h"
#include "xp.h"
#include "xp_xml.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body;
    size_t len;

    if (size < 1)
        return 0;
    body = (const char *)data + 1;
    len = size - 1;
    (void)xp_xml_is_unsafe(body, len);
    if (data[0] & 1) {
        struct xp_autod_resp a;

        memset(&a, 0, sizeof(a));
        xp_autod_parse(body, len, &a);
        FUZZ_ASSERT(a.nproto <= XP_AUTOD_MAX_PROTOCOLS, "%zu protocols", a.nproto);
        FUZZ_ASSERT(memchr(a.redirect_url, 0, sizeof(a.redirect_url)) != NULL, "unterminated");
    } else {
        struct xp_fedinfo f;

        memset(&f, 0, sizeof(f));
        xp_fedinfo_parse(body, len, &f);
        FUZZ_ASSERT(f.ndomains <= XP_FEDINFO_MAX_DOMAINS, "%zu domains", f.ndomains);
    }
    return 0;
}
