/*
 * symbols.c: function names for backtraces.
 *
 * The table is generated from the kernel's own symbols by tools/gensyms
 * and linked into the kernel (the two-pass link in the Makefile), so a
 * bug check can name the functions on the stack without a debugger.
 */
#include "ki.h"

typedef struct _KI_SYMBOL {
    ULONG64 Address;
    PCSTR Name;
} KI_SYMBOL;

/* Sorted by address (tools/gensyms). */
extern const KI_SYMBOL KiSymbolTable[];
extern const ULONG64 KiSymbolCount;
extern UCHAR __text_start[], __text_end[];

BOOLEAN KeLookupSymbol(ULONG64 Address, PCSTR *Name, ULONG64 *Offset)
{
    if (Address < (ULONG64)__text_start || Address >= (ULONG64)__text_end || KiSymbolCount == 0)
        return FALSE;
    /* Binary search for the last symbol at or below Address. */
    ULONG64 lo = 0, hi = KiSymbolCount;
    while (hi - lo > 1) {
        ULONG64 mid = lo + (hi - lo) / 2;
        if (KiSymbolTable[mid].Address <= Address)
            lo = mid;
        else
            hi = mid;
    }
    if (KiSymbolTable[lo].Address > Address)
        return FALSE;
    *Name = KiSymbolTable[lo].Name;
    *Offset = Address - KiSymbolTable[lo].Address;
    return TRUE;
}

PCSTR KeSymbolName(PVOID Address)
{
    PCSTR name;
    ULONG64 offset;
    if (Address == NULL)
        return "-";
    return KeLookupSymbol((ULONG64)Address, &name, &offset) ? name : "?";
}
