/*
 * glob.c: wildcard matching for names like "pool.double_free".
 * '*' matches any run of characters (including none), '?' any one.
 */
#include "rtl.h"

/* Matches Name against the Length characters at Pattern. */
static BOOLEAN RtlpGlobMatchN(PCSTR Pattern, SIZE_T Length, PCSTR Name)
{
    PCSTR end = Pattern + Length;
    /* Iterative with one backtrack point: when a later character fails,
       let the most recent '*' swallow one more character and retry. This
       is linear in practice and never recurses on untrusted input. */
    PCSTR star = NULL, resume = NULL;
    while (*Name) {
        if (Pattern < end && *Pattern == '*') {
            star = Pattern++;
            resume = Name;
        } else if (Pattern < end && (*Pattern == '?' || *Pattern == *Name)) {
            Pattern++;
            Name++;
        } else if (star) {
            Pattern = star + 1;
            Name = ++resume;
        } else {
            return FALSE;
        }
    }
    while (Pattern < end && *Pattern == '*')
        Pattern++;
    return Pattern == end;
}

BOOLEAN RtlGlobMatch(PCSTR Pattern, PCSTR Name)
{
    return RtlpGlobMatchN(Pattern, KL_CRT(strlen)(Pattern), Name);
}

BOOLEAN RtlGlobListMatch(PCSTR Patterns, PCSTR Name)
{
    for (;;) {
        PCSTR comma = KL_CRT(strchr)(Patterns, ',');
        SIZE_T length = comma ? (SIZE_T)(comma - Patterns) : KL_CRT(strlen)(Patterns);
        if (RtlpGlobMatchN(Patterns, length, Name))
            return TRUE;
        if (comma == NULL)
            return FALSE;
        Patterns = comma + 1;
    }
}
