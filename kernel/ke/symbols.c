/*
 * symbols.c: function names for backtraces and listings.
 *
 * The table is generated from the kernel's own symbols by tools/gensyms
 * and linked into the kernel (the two-pass link in the Makefile), so a
 * bug check can name the functions on the stack without a debugger. Each
 * function also knows its module: the driver whose folder it comes from
 * (drivers/<module>/), as a debugger names code "timerdev!TimerThread";
 * the kernel's own functions have none.
 */
#include "ki.h"

typedef struct _KI_SYMBOL {
    ULONG64 Address;
    PCSTR Name;
    PCSTR Module; /* NULL: the kernel's own */
} KI_SYMBOL;

/* Sorted by address (tools/gensyms). */
extern const KI_SYMBOL KiSymbolTable[];
extern const ULONG64 KiSymbolCount;
extern UCHAR __text_start[], __text_end[];

/* The last symbol at or below Address, or NULL. */
static const KI_SYMBOL *KiFindSymbol(ULONG64 Address)
{
    if (Address < (ULONG64)__text_start || Address >= (ULONG64)__text_end || KiSymbolCount == 0)
        return NULL;
    /* Binary search for the last symbol at or below Address. */
    ULONG64 lo = 0, hi = KiSymbolCount;
    while (hi - lo > 1) {
        ULONG64 mid = lo + (hi - lo) / 2;
        if (KiSymbolTable[mid].Address <= Address)
            lo = mid;
        else
            hi = mid;
    }
    return KiSymbolTable[lo].Address <= Address ? &KiSymbolTable[lo] : NULL;
}

BOOLEAN KeLookupSymbol(ULONG64 Address, PCSTR *Name, ULONG64 *Offset)
{
    const KI_SYMBOL *symbol = KiFindSymbol(Address);
    if (symbol == NULL)
        return FALSE;
    *Name = symbol->Name;
    *Offset = Address - symbol->Address;
    return TRUE;
}

PCSTR KeSymbolModule(PVOID Address)
{
    const KI_SYMBOL *symbol = KiFindSymbol((ULONG64)Address);
    return symbol ? symbol->Module : NULL;
}

PCSTR KeSymbolName(PVOID Address)
{
    PCSTR name;
    ULONG64 offset;
    if (Address == NULL)
        return "-";
    return KeLookupSymbol((ULONG64)Address, &name, &offset) ? name : "?";
}
