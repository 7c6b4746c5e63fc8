/*
 * pageable.c: pageable code and data, and Driver Verifier's "force IRQL
 * checking".
 *
 * Windows drivers mark code that only runs at PASSIVE_LEVEL or APC_LEVEL
 * as pageable (#pragma alloc_text(PAGE, ...)); the memory manager may
 * write it out and reuse the memory, and the next access faults it back
 * in. Faulting it in means waiting for the disk, which is only possible
 * below DISPATCH_LEVEL. So touching pageable memory at DISPATCH_LEVEL or
 * above crashes (DRIVER_IRQL_NOT_LESS_OR_EQUAL) *if* it happens to be out
 * at that moment: a bug that hides for months.
 *
 * KeLab has no disk: "paging out" unmaps the pages (the physical pages
 * stay where they are), "paging in" maps them back. With force IRQL
 * checking on, every raise to DISPATCH_LEVEL pages the sections out and
 * flushes this processor's TLB, so the bug shows up on the first try.
 */
#include "mi.h"
#include "ke.h"

#define MI_MAX_PAGEABLE_PAGES 64

extern UCHAR __pageable_text_start[], __pageable_text_end[];
extern UCHAR __pageable_data_start[], __pageable_data_end[];
extern UCHAR __driver_text_start[], __driver_text_end[];

typedef struct _MI_PAGEABLE_PAGE {
    PVOID Va;
    PULONG64 Pte;   /* the page table entry itself */
    ULONG64 Mapped; /* its value while paged in */
} MI_PAGEABLE_PAGE;

static MI_PAGEABLE_PAGE MiPageablePages[MI_MAX_PAGEABLE_PAGES]; /* set once at boot */
static ULONG MiPageablePageCount;                               /* set once at boot */
/* No lock (see MiSetPageableEntries): any processor pages the sections
   out or in, each entry is one atomic store, and a page found out is
   simply faulted in again; this says which happened last. */
static volatile BOOLEAN MiPageableResident = TRUE;
static volatile ULONG64 MiPageOuts, MiPageIns; /* atomic counters */
volatile BOOLEAN MmVerifierForceIrqlChecking;  /* a flag: boot, or the `verifier` command */

static VOID MiAddPageableRange(PUCHAR Start, PUCHAR End)
{
    for (PUCHAR va = Start; va < End; va += PAGE_SIZE) {
        if (MiPageablePageCount == MI_MAX_PAGEABLE_PAGES)
            KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 6, MI_MAX_PAGEABLE_PAGES, 0, 0);
        MI_PAGEABLE_PAGE *page = &MiPageablePages[MiPageablePageCount++];
        page->Va = va;
        page->Pte = MiGetPteAddress(va);
        page->Mapped = *page->Pte;
    }
}

VOID MmInitializePageable(VOID)
{
    MiAddPageableRange(__pageable_text_start, __pageable_text_end);
    MiAddPageableRange(__pageable_data_start, __pageable_data_end);
    CHAR option[16];
    if (KeGetBootOption("kelab.verifier", option, sizeof(option)) && strcmp(option, "irql") == 0)
        MmVerifierForceIrqlChecking = TRUE;
}

static BOOLEAN MiIsPageableAddress(ULONG64 Va)
{
    return (Va >= (ULONG64)__pageable_text_start && Va < (ULONG64)__pageable_text_end) ||
           (Va >= (ULONG64)__pageable_data_start && Va < (ULONG64)__pageable_data_end);
}

BOOLEAN MiIsDriverAddress(ULONG64 Va)
{
    return Va >= (ULONG64)__driver_text_start && Va < (ULONG64)__driver_text_end;
}

/* Writes the entries directly, without the page table lock: this runs
   inside KeRaiseIrql, which every lock acquisition calls. The entries
   always exist, and each store is a single atomic 64-bit write. */
static VOID MiSetPageableEntries(BOOLEAN Resident)
{
    for (ULONG i = 0; i < MiPageablePageCount; i++)
        __atomic_store_n(MiPageablePages[i].Pte, Resident ? MiPageablePages[i].Mapped : 0,
                         __ATOMIC_RELEASE);
    MiPageableResident = Resident;
}

/* Pages the sections out and forgets them in this processor's TLB. Other
   processors may still hold a translation; each flushes its own when it
   next raises to DISPATCH_LEVEL, which is when it would matter. */
VOID MmPageOutPageable(VOID)
{
    if (MiPageableResident) {
        MiSetPageableEntries(FALSE);
        __atomic_add_fetch(&MiPageOuts, 1, __ATOMIC_RELAXED);
    }
    for (ULONG i = 0; i < MiPageablePageCount; i++)
        __invlpg(MiPageablePages[i].Va);
}

VOID MmVerifierIrqlRaised(VOID)
{
    if (MmVerifierForceIrqlChecking)
        MmPageOutPageable();
}

BOOLEAN MiResolvePageableFault(ULONG64 Address, KIRQL Irql)
{
    if (!MiIsPageableAddress(Address) || Irql >= DISPATCH_LEVEL)
        return FALSE;
    MiSetPageableEntries(TRUE);
    __atomic_add_fetch(&MiPageIns, 1, __ATOMIC_RELAXED);
    return TRUE;
}

VOID MmQueryPageableStatistics(ULONG64 *PageOuts, ULONG64 *PageIns)
{
    *PageOuts = MiPageOuts;
    *PageIns = MiPageIns;
}

VOID MiQueryPageableState(ULONG *Pages, BOOLEAN *Resident)
{
    *Pages = MiPageablePageCount;
    *Resident = MiPageableResident;
}
