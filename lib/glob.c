/*
 * glob.c: wildcard matching for names like "pool.double_free".
 * '*' matches any run of characters (including none), '?' any one.
 */
#include "rtl.h"

BOOLEAN RtlGlobMatch(PCSTR Pattern, PCSTR Name)
{
    /* Iterative with one backtrack point: when a later character fails,
       let the most recent '*' swallow one more character and retry. This
       is linear in practice and never recurses on untrusted input. */
    PCSTR star = NULL, resume = NULL;
    while (*Name) {
        if (*Pattern == '*') {
            star = Pattern++;
            resume = Name;
        } else if (*Pattern == '?' || *Pattern == *Name) {
            Pattern++;
            Name++;
        } else if (star) {
            Pattern = star + 1;
            Name = ++resume;
        } else {
            return FALSE;
        }
    }
    while (*Pattern == '*')
        Pattern++;
    return *Pattern == 0;
}
