/*
 * fuzz_exbuild.c — the Exchange build as servers reveal it (probes/
 * exbuild.c): version strings (X-OWA-Version, ServerVersionInfo), the OWA
 * logon page's /owa/auth/<build>/ asset path, GetFederationInformation's
 * ServerVersionInfo through the SOAP reader, and the build table lookup.
 * Properties: a parsed version formats and re-parses to itself and compares
 * equal to itself; the lookup's strings are terminated, printable UTF-8.
 * Input: [which] then the header value / page / SOAP body.
 */
#include "fuzz.h"
#include "xp.h"
#include "xp_exbuild.h"
#include "xp_xml.h"

static void
check_lookup(const struct xp_exver *v)
{
    struct xp_exbuild b;
    struct xp_exver again;
    char buf[64];

    xp_exver_format(v, buf, sizeof(buf));
    FUZZ_ASSERT(xp_exver_parse(buf, &again) == 0, "'%s' does not re-parse", buf);
    FUZZ_ASSERT(xp_exver_cmp(v, &again) == 0 && again.has_rev == v->has_rev,
                "'%s' re-parses to another version", buf);
    memset(&b, 0, sizeof(b));
    xp_exbuild_lookup(v, &b);
    FUZZ_ASSERT(memchr(b.name, 0, sizeof(b.name)) != NULL, "name unterminated");
    FUZZ_ASSERT(fuzz_utf8_valid(b.name, strlen(b.name)), "name '%s' not UTF-8", b.name);
    FUZZ_ASSERT(memchr(b.latest, 0, sizeof(b.latest)) != NULL, "latest unterminated");
    FUZZ_ASSERT(b.hybrid_app >= -1 && b.hybrid_app <= 1, "hybrid_app %d", b.hybrid_app);
    (void)xp_exbuild_unsupported(&b, "2026-12-03");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xp_exver v;
    char *s;

    if (size < 1)
        return 0;
    s = fuzz_cstr(data + 1, size - 1);
    switch (data[0] % 3) {
    case 0:
        if (xp_exver_parse(s, &v) == 0)
            check_lookup(&v);
        break;
    case 1:
        if (xp_exver_from_owa_page((const char *)data + 1, size - 1, &v) == 0) {
            FUZZ_ASSERT(v.major >= 8, "asset path %u.%u.%u", v.major, v.minor, v.build);
            check_lookup(&v);
        }
        break;
    default: {
        struct xp_fedinfo f;

        memset(&f, 0, sizeof(f));
        xp_fedinfo_parse((const char *)data + 1, size - 1, &f);
        FUZZ_ASSERT(memchr(f.server_version, 0, sizeof(f.server_version)) != NULL,
                    "server_version unterminated");
        if (f.server_version[0] && xp_exver_parse(f.server_version, &v) == 0)
            check_lookup(&v);
        break;
    }
    }
    free(s);
    return 0;
}
