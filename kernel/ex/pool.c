/*
 * pool.c: the kernel heap (ExAllocatePoolWithTag / ExFreePoolWithTag).
 *
 * Small allocations are carved out of 4 KiB pool pages. Every block starts
 * with a 16-byte POOL_HEADER that records its size, its neighbour's size,
 * its owner's tag and the size the caller asked for, so that a free can
 * check the block against its neighbours:
 *
 *   page: | hdr | data ....... | hdr | data ... | hdr | free ......... |
 *           BlockSize ------->   PreviousSize must equal it
 *
 * Free blocks sit on one list per size; freeing merges a block with free
 * neighbours, and a page that becomes entirely free goes back to the page
 * allocator. Allocations bigger than a page get whole pages of system
 * space, page-aligned, tracked in a hash table by address.
 *
 * What is checked (all with Windows' bug check codes and parameters):
 *   - freeing a block twice:                  BAD_POOL_CALLER 0x7
 *   - freeing with the wrong tag:             BAD_POOL_CALLER 0xA
 *   - freeing an address pool never gave out: BAD_POOL_CALLER 0x99
 *   - bad IRQL, zero tag:                     BAD_POOL_CALLER 0x8, 0x9, 0x9B
 *   - bytes past the requested size changed:  BAD_POOL_HEADER 0x21
 *   - the next block's header was overwritten: BAD_POOL_HEADER 0x20
 *   - a block header or free list is corrupt:  BAD_POOL_HEADER 0x5, 0x7, 0x3
 * The bytes between the requested size and the end of the block are filled
 * with a pattern at allocation, which is how a small overrun that stays
 * inside the block is still caught when the block is freed.
 */
#include "ex.h"
#include "mm.h"
#include "ke.h"

#define POOL_UNIT           16 /* block sizes are in 16-byte units */
#define POOL_PAGE_UNITS     (PAGE_SIZE / POOL_UNIT)
#define POOL_MIN_UNITS      2 /* a header and a LIST_ENTRY */
#define POOL_TAIL_FILL      0xD5
#define BASE_POOL_TYPE_MASK 1 /* PagedPool's bit: NonPagedPoolNx is nonpaged */
#define POOL_BIG_BUCKETS    64
#define POOL_BIG_TAG        ' giB'     /* the trackers of large allocations: "Big " */
#define POOL_OVERFLOW_TAG   '\?\?\?\?' /* shown as "????": tags beyond the table's size */

typedef struct _POOL_HEADER {
    USHORT PreviousSize; /* units of the block before this one; 0 for the first */
    USHORT BlockSize;    /* units of this block, header included */
    UCHAR PoolType;      /* 0 when free, else the base pool type + 1 (as NT) */
    UCHAR Reserved[3];
    ULONG PoolTag;
    ULONG RequestedBytes;
} POOL_HEADER, *PPOOL_HEADER;

_Static_assert(sizeof(POOL_HEADER) == POOL_UNIT, "one header is one unit");

typedef struct _POOL_BIG_TRACKER {
    LIST_ENTRY Links; /* in ExpBigPages[bucket] */
    PVOID Va;
    SIZE_T RequestedBytes;
    ULONG Pages;
    ULONG PoolTag;
    POOL_TYPE PoolType;
} POOL_BIG_TRACKER;

static KSPIN_LOCK ExpPoolLock;
static LIST_ENTRY ExpFreeLists[POOL_PAGE_UNITS + 1]; /* ExpPoolLock; by block units */
static LIST_ENTRY ExpBigPages[POOL_BIG_BUCKETS];     /* ExpPoolLock */
static EX_POOL_TAG_USAGE ExpTags[EX_POOL_MAX_TAGS];  /* ExpPoolLock */
static ULONG64 ExpBytesInUse, ExpAllocationsInUse;   /* ExpPoolLock */

VOID ExInitializePool(VOID)
{
    KeInitializeSpinLock(&ExpPoolLock);
    KeLabNameSpinLock(&ExpPoolLock, "NonPagedPool");
    for (ULONG i = 0; i < ARRAYSIZE(ExpFreeLists); i++)
        InitializeListHead(&ExpFreeLists[i]);
    for (ULONG i = 0; i < ARRAYSIZE(ExpBigPages); i++)
        InitializeListHead(&ExpBigPages[i]);
}

/* ---- accounting --------------------------------------------------- */

/* The tag's slot (open addressing); the last slot collects overflow. */
static EX_POOL_TAG_USAGE *ExpTagSlot(ULONG Tag)
{
    ULONG h = (Tag * 2654435761u) % (EX_POOL_MAX_TAGS - 1);
    for (ULONG i = 0; i < EX_POOL_MAX_TAGS - 1; i++) {
        EX_POOL_TAG_USAGE *slot = &ExpTags[(h + i) % (EX_POOL_MAX_TAGS - 1)];
        if (slot->Tag == Tag || slot->Tag == 0) {
            slot->Tag = Tag;
            return slot;
        }
    }
    ExpTags[EX_POOL_MAX_TAGS - 1].Tag = POOL_OVERFLOW_TAG;
    return &ExpTags[EX_POOL_MAX_TAGS - 1];
}

static VOID ExpAccount(ULONG Tag, SIZE_T Bytes, BOOLEAN Allocate)
{
    EX_POOL_TAG_USAGE *slot = ExpTagSlot(Tag);
    if (Allocate) {
        slot->Allocations++;
        slot->Bytes += Bytes;
        ExpBytesInUse += Bytes;
        ExpAllocationsInUse++;
    } else {
        slot->Frees++;
        slot->Bytes -= Bytes;
        ExpBytesInUse -= Bytes;
        ExpAllocationsInUse--;
    }
}

/* ---- checks ------------------------------------------------------- */

/* Paged pool may be used up to APC_LEVEL, nonpaged up to DISPATCH_LEVEL.
   Subcode is 0x8 for an allocation, 0x9 for a free. */
static VOID ExpCheckIrql(KIRQL Irql, POOL_TYPE PoolType, ULONG Subcode, ULONG_PTR What)
{
    KIRQL limit = (PoolType & BASE_POOL_TYPE_MASK) == PagedPool ? APC_LEVEL : DISPATCH_LEVEL;
    if (Irql > limit)
        KeBugCheckEx(BAD_POOL_CALLER, Subcode, Irql, PoolType, What);
}

static VOID ExpFillTail(PUCHAR Data, SIZE_T Requested, SIZE_T Capacity)
{
    RtlFillMemory(Data + Requested, Capacity - Requested, POOL_TAIL_FILL);
}

static VOID ExpCheckTail(PUCHAR Data, SIZE_T Requested, SIZE_T Capacity)
{
    for (SIZE_T i = Requested; i < Capacity; i++) {
        if (Data[i] != POOL_TAIL_FILL)
            KeBugCheckEx(BAD_POOL_HEADER, 0x21, (ULONG_PTR)Data, Requested, Data[i]);
    }
}

static ULONG64 ExpHeaderContents(PPOOL_HEADER h)
{
    return *(PULONG64)h;
}

/* Removes a free block from its list, checking that its neighbours on
   the list still point back at it (an overrun of the block before it
   would have overwritten the links). */
static VOID ExpUnlinkFree(PPOOL_HEADER Block)
{
    PLIST_ENTRY e = (PLIST_ENTRY)(Block + 1);
    if (e->Flink->Blink != e || e->Blink->Flink != e)
        KeBugCheckEx(BAD_POOL_HEADER, 0x3, (ULONG_PTR)Block, (ULONG_PTR)e->Flink->Blink,
                     (ULONG_PTR)e->Blink->Flink);
    RemoveEntryList(e);
}

static VOID ExpLinkFree(PPOOL_HEADER Block)
{
    Block->PoolType = 0;
    Block->PoolTag = 0;
    InsertHeadList(&ExpFreeLists[Block->BlockSize], (PLIST_ENTRY)(Block + 1));
}

static ULONG ExpPageOffsetUnits(PPOOL_HEADER Block)
{
    return BYTE_OFFSET(Block) / POOL_UNIT;
}

/* The block after Block in its page, or NULL if Block ends the page. */
static PPOOL_HEADER ExpNextBlock(PPOOL_HEADER Block)
{
    if (ExpPageOffsetUnits(Block) + Block->BlockSize >= POOL_PAGE_UNITS)
        return NULL;
    return Block + Block->BlockSize;
}

static PPOOL_HEADER ExpPreviousBlock(PPOOL_HEADER Block)
{
    return Block->PreviousSize ? Block - Block->PreviousSize : NULL;
}

/* Checks a block's header and its agreement with both neighbours. */
static VOID ExpCheckBlock(PPOOL_HEADER Block)
{
    ULONG offset = ExpPageOffsetUnits(Block);
    if (Block->BlockSize < POOL_MIN_UNITS || offset + Block->BlockSize > POOL_PAGE_UNITS ||
        Block->PreviousSize > offset)
        KeBugCheckEx(BAD_POOL_HEADER, 0x7, 0, 0, (ULONG_PTR)Block);
    PPOOL_HEADER next = ExpNextBlock(Block);
    if (next != NULL && next->PreviousSize != Block->BlockSize)
        KeBugCheckEx(BAD_POOL_HEADER, 0x20, (ULONG_PTR)Block, (ULONG_PTR)next, 0);
    PPOOL_HEADER prev = ExpPreviousBlock(Block);
    if (prev != NULL && prev->BlockSize != Block->PreviousSize)
        KeBugCheckEx(BAD_POOL_HEADER, 0x5, (ULONG_PTR)Block, 0, (ULONG_PTR)prev);
}

/* ---- small blocks ------------------------------------------------- */

/* Gives Block exactly Units units and returns the rest to a free list. */
static VOID ExpSplit(PPOOL_HEADER Block, ULONG Units)
{
    ULONG rest = Block->BlockSize - Units;
    if (rest < POOL_MIN_UNITS)
        return; /* too small to be a block: leave it as slack in this one */
    PPOOL_HEADER tail = Block + Units;
    tail->PreviousSize = (USHORT)Units;
    tail->BlockSize = (USHORT)rest;
    PPOOL_HEADER after = ExpNextBlock(tail);
    if (after != NULL)
        after->PreviousSize = (USHORT)rest;
    Block->BlockSize = (USHORT)Units;
    ExpLinkFree(tail);
}

/* A free block of at least Units units, unlinked; NULL if out of memory.
   ExpPoolLock held. */
static PPOOL_HEADER ExpTakeFreeBlock(ULONG Units)
{
    for (ULONG size = Units; size <= POOL_PAGE_UNITS; size++) {
        if (!IsListEmpty(&ExpFreeLists[size])) {
            PPOOL_HEADER block = (PPOOL_HEADER)ExpFreeLists[size].Flink - 1;
            ExpUnlinkFree(block);
            return block;
        }
    }
    PPOOL_HEADER page = MmAllocateDirectMapPage();
    if (page == NULL)
        return NULL;
    page->PreviousSize = 0;
    page->BlockSize = POOL_PAGE_UNITS;
    return page;
}

static PVOID ExpAllocateSmall(POOL_TYPE PoolType, SIZE_T Bytes, ULONG Tag)
{
    ULONG units = (ULONG)((sizeof(POOL_HEADER) + Bytes + POOL_UNIT - 1) / POOL_UNIT);
    if (units < POOL_MIN_UNITS)
        units = POOL_MIN_UNITS;
    KIRQL oldIrql;
    KeAcquireSpinLock(&ExpPoolLock, &oldIrql);
    PPOOL_HEADER block = ExpTakeFreeBlock(units);
    if (block != NULL) {
        ExpSplit(block, units);
        block->PoolType = (UCHAR)((PoolType & BASE_POOL_TYPE_MASK) + 1);
        block->PoolTag = Tag;
        block->RequestedBytes = (ULONG)Bytes;
        ExpFillTail((PUCHAR)(block + 1), Bytes, block->BlockSize * POOL_UNIT - sizeof(POOL_HEADER));
        ExpAccount(Tag, Bytes, TRUE);
    }
    KeReleaseSpinLock(&ExpPoolLock, oldIrql);
    return block ? block + 1 : NULL;
}

/* Merges Block with a free neighbour after it, and itself into a free
   neighbour before it; returns the merged block. */
static PPOOL_HEADER ExpCoalesce(PPOOL_HEADER Block)
{
    PPOOL_HEADER next = ExpNextBlock(Block);
    if (next != NULL && next->PoolType == 0) {
        ExpUnlinkFree(next);
        Block->BlockSize += next->BlockSize;
    }
    PPOOL_HEADER prev = ExpPreviousBlock(Block);
    if (prev != NULL && prev->PoolType == 0) {
        ExpUnlinkFree(prev);
        prev->BlockSize += Block->BlockSize;
        Block = prev;
    }
    PPOOL_HEADER after = ExpNextBlock(Block);
    if (after != NULL)
        after->PreviousSize = Block->BlockSize;
    return Block;
}

static VOID ExpFreeSmall(PVOID P, ULONG Tag)
{
    PPOOL_HEADER block = (PPOOL_HEADER)P - 1;
    KIRQL oldIrql;
    KeAcquireSpinLock(&ExpPoolLock, &oldIrql);
    if (block->PoolType == 0)
        KeBugCheckEx(BAD_POOL_CALLER, 0x7, 0, ExpHeaderContents(block), (ULONG_PTR)P);
    ExpCheckIrql(oldIrql, (POOL_TYPE)(block->PoolType - 1), 0x9, (ULONG_PTR)P);
    ExpCheckBlock(block);
    if (Tag != 0 && Tag != block->PoolTag)
        KeBugCheckEx(BAD_POOL_CALLER, 0xA, (ULONG_PTR)P, block->PoolTag, Tag);
    ExpCheckTail(P, block->RequestedBytes, block->BlockSize * POOL_UNIT - sizeof(POOL_HEADER));
    ExpAccount(block->PoolTag, block->RequestedBytes, FALSE);

    block->PoolType = 0;
    block = ExpCoalesce(block);
    if (block->BlockSize == POOL_PAGE_UNITS) {
        KeReleaseSpinLock(&ExpPoolLock, oldIrql);
        MmFreeDirectMapPage(block);
        return;
    }
    ExpLinkFree(block);
    KeReleaseSpinLock(&ExpPoolLock, oldIrql);
}

/* ---- large allocations -------------------------------------------- */

static PLIST_ENTRY ExpBigBucket(PVOID Va)
{
    return &ExpBigPages[((ULONG_PTR)Va >> PAGE_SHIFT) % POOL_BIG_BUCKETS];
}

static PVOID ExpAllocateBig(POOL_TYPE PoolType, SIZE_T Bytes, ULONG Tag)
{
    ULONG pages = (ULONG)BYTES_TO_PAGES(Bytes);
    POOL_BIG_TRACKER *tracker = ExpAllocateSmall(NonPagedPool, sizeof(*tracker), POOL_BIG_TAG);
    PVOID va = tracker ? MmAllocateMappedPages(pages) : NULL;
    if (va == NULL) {
        if (tracker != NULL)
            ExpFreeSmall(tracker, POOL_BIG_TAG);
        return NULL;
    }
    *tracker = (POOL_BIG_TRACKER){
        .Va = va, .RequestedBytes = Bytes, .Pages = pages, .PoolTag = Tag, .PoolType = PoolType};
    ExpFillTail(va, Bytes, (SIZE_T)pages * PAGE_SIZE);

    KIRQL oldIrql;
    KeAcquireSpinLock(&ExpPoolLock, &oldIrql);
    InsertTailList(ExpBigBucket(va), &tracker->Links);
    ExpAccount(Tag, Bytes, TRUE);
    KeReleaseSpinLock(&ExpPoolLock, oldIrql);
    return va;
}

static VOID ExpFreeBig(PVOID P, ULONG Tag)
{
    POOL_BIG_TRACKER *tracker = NULL;
    KIRQL oldIrql;
    KeAcquireSpinLock(&ExpPoolLock, &oldIrql);
    PLIST_ENTRY bucket = ExpBigBucket(P);
    for (PLIST_ENTRY e = bucket->Flink; e != bucket; e = e->Flink) {
        POOL_BIG_TRACKER *t = CONTAINING_RECORD(e, POOL_BIG_TRACKER, Links);
        if (t->Va == P) {
            tracker = t;
            break;
        }
    }
    /* Not found: never allocated, or already freed (its tracker is gone,
       so the two cannot be told apart). */
    if (tracker == NULL)
        KeBugCheckEx(BAD_POOL_CALLER, 0x99, (ULONG_PTR)P, 0, 0);
    ExpCheckIrql(oldIrql, tracker->PoolType, 0x9, (ULONG_PTR)P);
    if (Tag != 0 && Tag != tracker->PoolTag)
        KeBugCheckEx(BAD_POOL_CALLER, 0xA, (ULONG_PTR)P, tracker->PoolTag, Tag);
    ExpCheckTail(P, tracker->RequestedBytes, (SIZE_T)tracker->Pages * PAGE_SIZE);
    RemoveEntryList(&tracker->Links);
    ExpAccount(tracker->PoolTag, tracker->RequestedBytes, FALSE);
    KeReleaseSpinLock(&ExpPoolLock, oldIrql);

    MmFreeMappedPages(P, tracker->Pages);
    ExpFreeSmall(tracker, POOL_BIG_TAG);
}

/* ---- the interface ------------------------------------------------ */

PVOID ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    ExpCheckIrql(KeGetCurrentIrql(), PoolType, 0x8, NumberOfBytes);
    if (Tag == 0)
        KeBugCheckEx(BAD_POOL_CALLER, 0x9B, PoolType, NumberOfBytes,
                     (ULONG_PTR)__builtin_return_address(0));
    if (NumberOfBytes > 0xFFFFFFFFull)
        return NULL;
    if (sizeof(POOL_HEADER) + NumberOfBytes > PAGE_SIZE)
        return ExpAllocateBig(PoolType, NumberOfBytes, Tag);
    return ExpAllocateSmall(PoolType, NumberOfBytes, Tag);
}

VOID ExFreePoolWithTag(PVOID P, ULONG Tag)
{
    ULONG64 va = (ULONG64)P;
    ExpCheckIrql(KeGetCurrentIrql(), NonPagedPool, 0x9, va);
    /* Small blocks live in the direct map and never start a page; large
       ones are page-aligned in system space. Anything else is not ours. */
    if (va >= MM_SYSTEM_SPACE_BASE && va < MM_KERNEL_BASE && BYTE_OFFSET(P) == 0)
        ExpFreeBig(P, Tag);
    else if (va >= MM_DIRECT_MAP_BASE && va < MM_SYSTEM_SPACE_BASE && BYTE_OFFSET(P) != 0 &&
             va % POOL_UNIT == 0 && MmIsAddressValid(P))
        ExpFreeSmall(P, Tag);
    else
        KeBugCheckEx(BAD_POOL_CALLER, 0x99, va, 0, 0);
}

VOID ExFreePool(PVOID P)
{
    ExFreePoolWithTag(P, 0);
}

/* ---- reporting ---------------------------------------------------- */

VOID ExQueryPoolUsage(ULONG64 *Bytes, ULONG64 *Allocations)
{
    KIRQL oldIrql;
    KeAcquireSpinLock(&ExpPoolLock, &oldIrql);
    *Bytes = ExpBytesInUse;
    *Allocations = ExpAllocationsInUse;
    KeReleaseSpinLock(&ExpPoolLock, oldIrql);
}

ULONG ExQueryPoolTags(EX_POOL_TAG_USAGE *Buffer, ULONG Count)
{
    ULONG n = 0;
    KIRQL oldIrql;
    KeAcquireSpinLock(&ExpPoolLock, &oldIrql);
    for (ULONG i = 0; i < EX_POOL_MAX_TAGS && n < Count; i++) {
        if (ExpTags[i].Tag != 0)
            Buffer[n++] = ExpTags[i];
    }
    KeReleaseSpinLock(&ExpPoolLock, oldIrql);
    return n;
}

VOID ExFormatPoolTag(ULONG Tag, CHAR Text[5])
{
    for (ULONG i = 0; i < 4; i++) {
        CHAR c = (CHAR)(Tag >> (8 * i));
        Text[i] = (c >= 0x20 && c < 0x7F) ? c : '.';
    }
    Text[4] = 0;
}

static const EX_POOL_TAG_USAGE *ExpFindTag(const EX_POOL_TAG_USAGE *Table, ULONG Count, ULONG Tag)
{
    for (ULONG i = 0; i < Count; i++) {
        if (Table[i].Tag == Tag)
            return &Table[i];
    }
    return NULL;
}

ULONG64 ExReportPoolLeaks(const EX_POOL_TAG_USAGE *Before, ULONG Count, PCSTR Prefix)
{
    static EX_POOL_TAG_USAGE now[EX_POOL_MAX_TAGS]; /* callers run one at a time */
    ULONG n = ExQueryPoolTags(now, EX_POOL_MAX_TAGS);
    ULONG64 leaked = 0;
    for (ULONG i = 0; i < n; i++) {
        const EX_POOL_TAG_USAGE *was = ExpFindTag(Before, Count, now[i].Tag);
        ULONG64 outstandingBefore = was ? was->Allocations - was->Frees : 0;
        ULONG64 bytesBefore = was ? was->Bytes : 0;
        ULONG64 outstanding = now[i].Allocations - now[i].Frees;
        if (outstanding <= outstandingBefore && now[i].Bytes <= bytesBefore)
            continue;
        CHAR tag[5];
        ExFormatPoolTag(now[i].Tag, tag);
        DbgPrint("%spool leak: tag '%s': %llu allocation(s), %llu bytes not freed\n", Prefix, tag,
                 (unsigned long long)(outstanding - outstandingBefore),
                 (unsigned long long)(now[i].Bytes - bytesBefore));
        leaked += now[i].Bytes - bytesBefore;
    }
    return leaked;
}

VOID ExPrintPoolSummary(VOID)
{
    ULONG64 bytes, allocations;
    ExQueryPoolUsage(&bytes, &allocations);
    DbgPrint("Pool: %llu bytes in %llu allocations\n", (unsigned long long)bytes,
             (unsigned long long)allocations);
}
