/*
 * xp_ntlm.h — the two NTLM messages exprobe handles ([MS-NLMP] 2.2.1),
 * never a credential: the NEGOTIATE (type 1) it sends to see whether a
 * front end lets NTLM complete, and the server's CHALLENGE (type 2) it
 * reads for evidence (NetBIOS / DNS names of the server and its domain,
 * the Windows build). Pure and bounded: every field's offset and length is
 * checked against the message before it is read.
 */
#ifndef XP_NTLM_H
#define XP_NTLM_H

#include <stddef.h>
#include <stdint.h>

struct xp_ntlm_challenge {
    uint32_t flags;
    char target_name[256];         /* UTF-8 */
    char nb_computer[256];         /* MsvAvNbComputerName */
    char nb_domain[256];           /* MsvAvNbDomainName */
    char dns_computer[256];        /* MsvAvDnsComputerName */
    char dns_domain[256];          /* MsvAvDnsDomainName */
    char dns_tree[256];            /* MsvAvDnsTreeName */
    int has_version;
    unsigned os_major, os_minor, os_build;   /* "10.0.20348" = Windows Server 2022 */
};

/* "TlRMTVNTUAAB..." (static storage): a NEGOTIATE asking for the target
 * information, with no domain or workstation name. */
const char *xp_ntlm_negotiate_b64(void);

/* Read a CHALLENGE message; 0 on success, -1 when it is not one (wrong
 * signature or type, a field out of bounds). */
int xp_ntlm_parse_challenge(const unsigned char *msg, size_t len, struct xp_ntlm_challenge *out);
/* The same from the base64 of a WWW-Authenticate: NTLM header. */
int xp_ntlm_parse_challenge_b64(const char *b64, struct xp_ntlm_challenge *out);

/* "Windows Server 2022" for a known OS build, else NULL. */
const char *xp_ntlm_os_name(unsigned major, unsigned minor, unsigned build);

#endif
