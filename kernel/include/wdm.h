/*
 * wdm.h: the driver-facing API of KeLab.
 *
 * Drivers and tests include this one header, as Windows drivers include
 * the WDK's wdm.h. Every name, type and signature here is NT's, and every
 * routine behaves as the WDK documentation says (the contract is
 * ../shared/reference/nt-semantics.md, summarised in docs/). Where KeLab
 * adds something NT does not have, the comment says so.
 *
 * Kernel-internal declarations live in the other headers of this
 * directory (ke.h, mm.h, ex.h, hal.h...), which drivers do not include.
 */
#ifndef KELAB_WDM_H
#define KELAB_WDM_H

#include "../../lib/ntdef.h"
#include "../../lib/rtl.h"
#include "bugcodes.h"

#define PAGE_SIZE  4096
#define PAGE_SHIFT 12
#define BYTES_TO_PAGES(Size) (((Size) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define PAGE_ALIGN(Va)       ((PVOID)((ULONG_PTR)(Va) & ~(ULONG_PTR)(PAGE_SIZE - 1)))
#define BYTE_OFFSET(Va)      ((ULONG)((ULONG_PTR)(Va) & (PAGE_SIZE - 1)))

/* ------------------------------------------------------------------ */
/* IRQL: the interrupt request level of the current processor.          */
/* On x64 it is the CR8 register itself (docs/irql.md).                 */
/* ------------------------------------------------------------------ */

typedef UCHAR KIRQL, *PKIRQL;

#define PASSIVE_LEVEL  0  /* threads run here; may wait */
#define LOW_LEVEL      0
#define APC_LEVEL      1  /* kernel APCs masked */
#define DISPATCH_LEVEL 2  /* the scheduler and DPCs masked: no waiting */
#define CMCI_LEVEL     5
#define SYNCH_LEVEL    12 /* the dispatcher lock is held here */
#define CLOCK_LEVEL    13
#define IPI_LEVEL      14
#define POWER_LEVEL    14
#define PROFILE_LEVEL  15
#define HIGH_LEVEL     15 /* everything masked */

KIRQL KeGetCurrentIrql(VOID);
/* Raising to a lower level is IRQL_NOT_GREATER_OR_EQUAL (0x9). */
VOID KeRaiseIrql(KIRQL NewIrql, PKIRQL OldIrql);
/* Lowering to a higher level is IRQL_NOT_LESS_OR_EQUAL (0xA). */
VOID KeLowerIrql(KIRQL NewIrql);
KIRQL KeRaiseIrqlToDpcLevel(VOID);
KIRQL KeRaiseIrqlToSynchLevel(VOID);

/* ------------------------------------------------------------------ */
/* Spin locks                                                           */
/* ------------------------------------------------------------------ */

/*
 * NT's KSPIN_LOCK is a bare ULONG_PTR. KeLab's also records who holds it,
 * so that acquiring it twice (SPIN_LOCK_ALREADY_OWNED, 0xF) or releasing
 * it without holding it (SPIN_LOCK_NOT_OWNED, 0x10) is caught every time.
 * Code that only uses the routines below cannot tell the difference.
 */
typedef struct _KSPIN_LOCK {
    volatile ULONG_PTR Lock; /* 0 when free */
    PVOID volatile Owner;    /* the holder: its thread, or its processor before threads exist */
} KSPIN_LOCK, *PKSPIN_LOCK;

VOID KeInitializeSpinLock(PKSPIN_LOCK SpinLock);
VOID KeAcquireSpinLock(PKSPIN_LOCK SpinLock, PKIRQL OldIrql);
VOID KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql);
VOID KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock);
VOID KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock);
KIRQL KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK SpinLock);
BOOLEAN KeTestSpinLock(PKSPIN_LOCK SpinLock);

/* ------------------------------------------------------------------ */
/* Processors                                                           */
/* ------------------------------------------------------------------ */

ULONG KeGetCurrentProcessorNumber(VOID);
extern volatile ULONG KeNumberProcessors;

/* ------------------------------------------------------------------ */
/* Pool                                                                 */
/* ------------------------------------------------------------------ */

/*
 * KeLab never pages pool out, but it keeps paged pool's rule: allocating or
 * freeing PagedPool above APC_LEVEL is BAD_POOL_CALLER, as on Windows, so
 * a driver that gets it wrong is caught here too.
 */
typedef enum _POOL_TYPE {
    NonPagedPool = 0,
    PagedPool = 1,
    NonPagedPoolNx = 512,
} POOL_TYPE;

/*
 * Tags are four characters written reversed, so that they read correctly
 * in memory dumps and in the `pool` shell command: 'looP' shows as "Pool".
 * A zero tag is BAD_POOL_CALLER (0xC2, 0x9B), as on Windows.
 */
PVOID ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
VOID ExFreePoolWithTag(PVOID P, ULONG Tag);
VOID ExFreePool(PVOID P);

/* ------------------------------------------------------------------ */
/* Bug checks and debug output                                          */
/* ------------------------------------------------------------------ */

__attribute__((noreturn)) VOID KeBugCheckEx(ULONG BugCheckCode, ULONG_PTR BugCheckParameter1,
                                            ULONG_PTR BugCheckParameter2,
                                            ULONG_PTR BugCheckParameter3,
                                            ULONG_PTR BugCheckParameter4);
__attribute__((noreturn)) VOID KeBugCheck(ULONG BugCheckCode);

/* Prints to the serial console; safe at any IRQL and on any processor. */
ULONG DbgPrint(PCSTR Format, ...) __attribute__((format(printf, 1, 2)));
ULONG vDbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, va_list Args);

#define ASSERT(exp)                                                                                \
    ((exp) ? (VOID)0 : RtlAssert(#exp, __FILE__, __LINE__, NULL))
__attribute__((noreturn)) VOID RtlAssert(PVOID FailedAssertion, PVOID FileName, ULONG LineNumber,
                                         PCHAR Message);

#endif
