/*
 * xp_target.h — turn what the user typed (a domain or an e-mail address,
 * IDN allowed) into the ASCII domain the checks use.
 */
#ifndef XP_TARGET_H
#define XP_TARGET_H

#include <stddef.h>

/*
 * On success returns 0, *domain (A-labels, lower case, no trailing dot)
 * and *email (NULL unless input was an address) — both the caller's to
 * free. On bad input returns -1 with one line in err.
 */
int xp_target_parse(const char *input, char **domain, char **email, char *err, size_t errlen);

#endif
