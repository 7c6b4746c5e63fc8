/*
 * bitmap.c: NT's RTL_BITMAP, a bit array stored in ULONGs.
 *
 * The physical frame allocator and the system address space allocator are
 * both bitmaps; searches take a hint (where the last search ended) so that
 * allocation does not rescan the busy front of the map every time.
 */
#include "rtl.h"

#define BITS_PER_ULONG 32

VOID RtlInitializeBitMap(PRTL_BITMAP BitMapHeader, PULONG BitMapBuffer, ULONG SizeOfBitMap)
{
    BitMapHeader->SizeOfBitMap = SizeOfBitMap;
    BitMapHeader->Buffer = BitMapBuffer;
}

static ULONG RtlpBufferUlongs(PRTL_BITMAP Map)
{
    return (Map->SizeOfBitMap + BITS_PER_ULONG - 1) / BITS_PER_ULONG;
}

VOID RtlClearAllBits(PRTL_BITMAP BitMapHeader)
{
    RtlZeroMemory(BitMapHeader->Buffer, RtlpBufferUlongs(BitMapHeader) * sizeof(ULONG));
}

VOID RtlSetAllBits(PRTL_BITMAP BitMapHeader)
{
    RtlFillMemory(BitMapHeader->Buffer, RtlpBufferUlongs(BitMapHeader) * sizeof(ULONG), 0xFF);
}

BOOLEAN RtlTestBit(PRTL_BITMAP BitMapHeader, ULONG BitNumber)
{
    return (BitMapHeader->Buffer[BitNumber / BITS_PER_ULONG] >> (BitNumber % BITS_PER_ULONG)) & 1;
}

/* Sets or clears a run, a whole ULONG at a time where the run covers one. */
static VOID RtlpFillBits(PRTL_BITMAP Map, ULONG Start, ULONG Count, BOOLEAN Set)
{
    while (Count > 0) {
        ULONG word = Start / BITS_PER_ULONG;
        ULONG bit = Start % BITS_PER_ULONG;
        ULONG n = BITS_PER_ULONG - bit < Count ? BITS_PER_ULONG - bit : Count;
        ULONG mask = n == BITS_PER_ULONG ? 0xFFFFFFFFu : ((1u << n) - 1) << bit;
        if (Set)
            Map->Buffer[word] |= mask;
        else
            Map->Buffer[word] &= ~mask;
        Start += n;
        Count -= n;
    }
}

VOID RtlSetBits(PRTL_BITMAP BitMapHeader, ULONG StartingIndex, ULONG NumberToSet)
{
    RtlpFillBits(BitMapHeader, StartingIndex, NumberToSet, TRUE);
}

VOID RtlClearBits(PRTL_BITMAP BitMapHeader, ULONG StartingIndex, ULONG NumberToClear)
{
    RtlpFillBits(BitMapHeader, StartingIndex, NumberToClear, FALSE);
}

/* Index of the first bit at or after Start whose value is Value, or
   SizeOfBitMap if there is none. Skips whole ULONGs that cannot match. */
static ULONG RtlpFindBit(PRTL_BITMAP Map, ULONG Start, BOOLEAN Value)
{
    ULONG skip = Value ? 0 : 0xFFFFFFFFu;
    ULONG i = Start;
    while (i < Map->SizeOfBitMap) {
        if (i % BITS_PER_ULONG == 0 && Map->Buffer[i / BITS_PER_ULONG] == skip) {
            i += BITS_PER_ULONG;
            continue;
        }
        if (RtlTestBit(Map, i) == Value)
            return i;
        i++;
    }
    return Map->SizeOfBitMap;
}

/* Length of the run of bits equal to Value starting at Start, capped. */
static ULONG RtlpRunLength(PRTL_BITMAP Map, ULONG Start, BOOLEAN Value, ULONG Cap)
{
    ULONG end = RtlpFindBit(Map, Start, !Value);
    ULONG run = end - Start;
    return run < Cap ? run : Cap;
}

BOOLEAN RtlAreBitsClear(PRTL_BITMAP BitMapHeader, ULONG StartingIndex, ULONG Length)
{
    if (StartingIndex > BitMapHeader->SizeOfBitMap ||
        Length > BitMapHeader->SizeOfBitMap - StartingIndex)
        return FALSE;
    return RtlpRunLength(BitMapHeader, StartingIndex, FALSE, Length) == Length;
}

BOOLEAN RtlAreBitsSet(PRTL_BITMAP BitMapHeader, ULONG StartingIndex, ULONG Length)
{
    if (StartingIndex > BitMapHeader->SizeOfBitMap ||
        Length > BitMapHeader->SizeOfBitMap - StartingIndex)
        return FALSE;
    return RtlpRunLength(BitMapHeader, StartingIndex, TRUE, Length) == Length;
}

/* First clear run of Count bits in [From, To), or RTL_BITMAP_NOT_FOUND. */
static ULONG RtlpFindClearRun(PRTL_BITMAP Map, ULONG From, ULONG To, ULONG Count)
{
    ULONG i = From;
    while (i < To) {
        i = RtlpFindBit(Map, i, FALSE);
        if (i >= To || Count > Map->SizeOfBitMap - i)
            return RTL_BITMAP_NOT_FOUND;
        ULONG run = RtlpRunLength(Map, i, FALSE, Count);
        if (run == Count)
            return i;
        i += run;
    }
    return RTL_BITMAP_NOT_FOUND;
}

ULONG RtlFindClearBits(PRTL_BITMAP BitMapHeader, ULONG NumberToFind, ULONG HintIndex)
{
    ULONG size = BitMapHeader->SizeOfBitMap;
    if (NumberToFind == 0 || NumberToFind > size)
        return RTL_BITMAP_NOT_FOUND;
    if (HintIndex >= size)
        HintIndex = 0;
    /* From the hint to the end, then wrap around to the start. */
    ULONG found = RtlpFindClearRun(BitMapHeader, HintIndex, size, NumberToFind);
    if (found == RTL_BITMAP_NOT_FOUND && HintIndex > 0)
        found = RtlpFindClearRun(BitMapHeader, 0, HintIndex, NumberToFind);
    return found;
}

ULONG RtlFindClearBitsAndSet(PRTL_BITMAP BitMapHeader, ULONG NumberToFind, ULONG HintIndex)
{
    ULONG found = RtlFindClearBits(BitMapHeader, NumberToFind, HintIndex);
    if (found != RTL_BITMAP_NOT_FOUND)
        RtlSetBits(BitMapHeader, found, NumberToFind);
    return found;
}

/* Counts bits in parallel: pairs, then nibbles, then bytes, then sums the
   bytes with one multiply. (The compiler's __builtin_popcount would call
   libgcc, which a freestanding kernel does not link.) */
ULONG RtlNumberOfSetBitsUlongPtr(ULONG_PTR Target)
{
    ULONG64 x = Target;
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return (ULONG)((x * 0x0101010101010101ull) >> 56);
}

ULONG RtlNumberOfSetBits(PRTL_BITMAP BitMapHeader)
{
    ULONG count = 0;
    ULONG full = BitMapHeader->SizeOfBitMap / BITS_PER_ULONG;
    for (ULONG i = 0; i < full; i++)
        count += RtlNumberOfSetBitsUlongPtr(BitMapHeader->Buffer[i]);
    for (ULONG i = full * BITS_PER_ULONG; i < BitMapHeader->SizeOfBitMap; i++)
        count += RtlTestBit(BitMapHeader, i);
    return count;
}

ULONG RtlNumberOfClearBits(PRTL_BITMAP BitMapHeader)
{
    return BitMapHeader->SizeOfBitMap - RtlNumberOfSetBits(BitMapHeader);
}
