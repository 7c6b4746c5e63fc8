/*
 * access.c: access masks. A generic right (GENERIC_READ, _WRITE, _EXECUTE,
 * _ALL) means different rights for different types of object; each type's
 * GENERIC_MAPPING says which.
 */
#include "wdm.h"

VOID RtlMapGenericMask(PACCESS_MASK AccessMask, const GENERIC_MAPPING *GenericMapping)
{
    ACCESS_MASK mask = *AccessMask;
    if (mask & GENERIC_READ)
        mask |= GenericMapping->GenericRead;
    if (mask & GENERIC_WRITE)
        mask |= GenericMapping->GenericWrite;
    if (mask & GENERIC_EXECUTE)
        mask |= GenericMapping->GenericExecute;
    if (mask & GENERIC_ALL)
        mask |= GenericMapping->GenericAll;
    *AccessMask =
        mask & ~(ACCESS_MASK)(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL);
}
