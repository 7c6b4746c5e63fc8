/*
 * smp.c: starting the other processors.
 *
 * ACPI's MADT lists every processor by its local APIC ID. The boot
 * processor starts each of the others in turn: it copies the trampoline
 * (boot/trampoline.S) below 1 MiB, gives it the kernel's page tables, a
 * PCR, a stack and the entry point, and sends INIT and a start-up IPI.
 * The new processor sets itself up (GDT, TSS, IDT, APIC, clock) and says
 * so; then the boot processor starts the next one. Processors are
 * numbered in MADT order, the boot processor being 0.
 */
#include "ki.h"
#include "mm.h"
#include "hal.h"
#include "ps.h"

#define KI_TRAMPOLINE_BASE 0x8000
/* What starting one more processor takes, in pages: its PCR and four
   kernel stacks (KiAllocateProcessor), its idle thread; and what the rest
   of the boot takes after the processors (drivers, their threads, the
   shell), with room to spare. Measured: about 25 pages a processor. */
#define KI_PROCESSOR_PAGES     (4 * KERNEL_STACK_SIZE / PAGE_SIZE + 2)
#define KI_BOOT_RESERVE_PAGES  128
#define KI_AP_START_TIMEOUT_US 2000000
#define KI_AP_RESEND_US        100000 /* generous: emulated processors start slowly */

typedef struct _KI_TRAMPOLINE_DATA {
    ULONG64 Cr3;
    PKPCR Pcr;
    PVOID StackTop;
    VOID (*Entry)(PKPCR Pcr);
} KI_TRAMPOLINE_DATA;

extern const UCHAR KiTrampolineStart[], KiTrampolineEnd[], KiTrampolineData[];

/* Each processor writes its own entry and bit as it starts (the bit
   atomically), before it takes part in anything; read-only after. */
PKPRCB KiProcessorBlock[MAXIMUM_PROCESSORS];
volatile KAFFINITY KeActiveProcessors;
/* The boot processor counts each processor that started, while it starts
   them; read-only once the boot is done. */
volatile ULONG KeNumberProcessors = 1;
/* The processor starting now has finished: cleared by the boot processor,
   set (release) by the starting one, read (acquire) by the boot processor. */
static volatile BOOLEAN KiApStarted;

KAFFINITY KeQueryActiveProcessors(VOID)
{
    return KeActiveProcessors;
}

/* Makes the calling processor a member: visible to IPIs and DPC targets. */
VOID KiMarkProcessorActive(PKPRCB Prcb)
{
    KiProcessorBlock[Prcb->Number] = Prcb;
    __atomic_or_fetch(&KeActiveProcessors, (KAFFINITY)1 << Prcb->Number, __ATOMIC_SEQ_CST);
}

/* An application processor's first C code, on its own stack. */
static VOID KiSystemStartupAp(PKPCR Pcr)
{
    PVOID istTops[KI_IST_COUNT];
    for (ULONG i = 0; i < KI_IST_COUNT; i++)
        istTops[i] = (PVOID)Pcr->Tss.Ist[i + 1];
    ULONG number = Pcr->Prcb.Number;
    KiInitializeProcessor(Pcr, number, istTops); /* GDT, TSS, IDT, GS base */
    Pcr->Prcb.ApicId = HalGetApicId();
    KiInitializeDpcData(&Pcr->Prcb);
    KiInitializeSchedulerData(&Pcr->Prcb);
    PsCreateIdleThread(&Pcr->Prcb, TRUE); /* this start-up code becomes the idle thread */
    HalInitializeProcessor();
    KiStartProcessorClock();
    KiMarkProcessorActive(&Pcr->Prcb);
    __atomic_store_n(&KiApStarted, TRUE, __ATOMIC_RELEASE);
    _enable();
    KiIdleLoop();
}

/* Allocates what a processor needs before it can run a single instruction
   of C: its PCR, a kernel stack, and the three IST stacks. */
static PKPCR KiAllocateProcessor(ULONG Number, PVOID *StackTop)
{
    PKPCR pcr = ExAllocatePoolWithTag(NonPagedPool, sizeof(KPCR), 'rcPK');
    *StackTop = MmCreateKernelStack();
    if (pcr == NULL || *StackTop == NULL)
        return NULL;
    RtlZeroMemory(pcr, sizeof(*pcr));
    pcr->Prcb.Number = Number;
    pcr->Prcb.InitialStack = *StackTop;
    for (ULONG i = 0; i < KI_IST_COUNT; i++) {
        PVOID ist = MmCreateKernelStack();
        if (ist == NULL)
            return NULL;
        pcr->Tss.Ist[i + 1] = (ULONG64)ist; /* KiSystemStartupAp picks them up */
    }
    return pcr;
}

/* The trampoline's page, through the direct map. */
static PVOID KiTrampolinePage(VOID)
{
    PHYSICAL_ADDRESS pa = {.QuadPart = KI_TRAMPOLINE_BASE};
    return MmGetVirtualForPhysical(pa);
}

static BOOLEAN KiStartProcessor(ULONG Number, ULONG ApicId)
{
    PVOID stack;
    PKPCR pcr = KiAllocateProcessor(Number, &stack);
    if (pcr == NULL) {
        DbgPrint("KeLab: no memory to start processor %u\n", Number);
        return FALSE;
    }
    KI_TRAMPOLINE_DATA *data =
        (KI_TRAMPOLINE_DATA *)((PUCHAR)KiTrampolinePage() + (KiTrampolineData - KiTrampolineStart));
    *data = (KI_TRAMPOLINE_DATA){
        .Cr3 = __readcr3(), .Pcr = pcr, .StackTop = stack, .Entry = KiSystemStartupAp};
    KiApStarted = FALSE;
    /* INIT, then a start-up IPI; a second one only if the first was lost
       (the MP specification sends two blindly). */
    HalSendInitIpi(ApicId);
    HalSendStartupIpi(ApicId, KI_TRAMPOLINE_BASE >> PAGE_SHIFT);
    for (ULONG waited = 0; !__atomic_load_n(&KiApStarted, __ATOMIC_ACQUIRE); waited += 100) {
        if (waited == KI_AP_RESEND_US)
            HalSendStartupIpi(ApicId, KI_TRAMPOLINE_BASE >> PAGE_SHIFT);
        if (waited >= KI_AP_START_TIMEOUT_US) {
            DbgPrint("KeLab: processor %u (APIC ID %u) did not start; continuing without it\n",
                     Number, ApicId);
            return FALSE; /* its memory stays allocated: it might still wake up */
        }
        KeStallExecutionProcessor(100);
    }
    return TRUE;
}

/* The lowest page of usable memory, for INSTALL_MORE_MEMORY's P2. */
static ULONG64 KiLowestUsablePage(VOID)
{
    ULONG64 lowest = ~0ull;
    for (ULONG i = 0; i < KeBootInformation.RegionCount; i++) {
        const MB2_REGION *r = &KeBootInformation.Regions[i];
        if (r->Type == Mb2MemoryUsable && (r->Base >> PAGE_SHIFT) < lowest)
            lowest = r->Base >> PAGE_SHIFT;
    }
    return lowest;
}

/* Refuses, as NT does (INSTALL_MORE_MEMORY), a machine whose memory cannot
   hold every processor it has: rather than start some of them and boot
   into a system with no memory left, say what is missing. */
static VOID KiCheckMemoryForProcessors(ULONG Count)
{
    MM_MEMORY_STATISTICS s;
    MmQueryMemoryStatistics(&s);
    ULONG64 needed = (ULONG64)(Count - 1) * KI_PROCESSOR_PAGES + KI_BOOT_RESERVE_PAGES;
    if (s.FreePages >= needed)
        return;
    DbgPrint("KeLab: %u processors need about %llu KiB of free memory to start, and %llu KiB "
             "are free: give the machine more memory (MEM=) or fewer processors (CPUS=)\n",
             Count, (unsigned long long)(needed * PAGE_SIZE >> 10),
             (unsigned long long)(s.FreePages * PAGE_SIZE >> 10));
    KeBugCheckEx(INSTALL_MORE_MEMORY, s.TotalPages, KiLowestUsablePage(), s.HighestPfn - 1, 0);
}

VOID KiStartProcessors(VOID)
{
    if (HalPlatform.ProcessorCount <= 1)
        return;
    KiCheckMemoryForProcessors(HalPlatform.ProcessorCount < MAXIMUM_PROCESSORS
                                   ? HalPlatform.ProcessorCount
                                   : MAXIMUM_PROCESSORS);
    /* The trampoline runs at its physical address for a few instructions
       after enabling paging, so that page must be identity-mapped too. */
    RtlCopyMemory(KiTrampolinePage(), KiTrampolineStart, KiTrampolineEnd - KiTrampolineStart);
    MmMapPage((PVOID)KI_TRAMPOLINE_BASE, KI_TRAMPOLINE_BASE >> PAGE_SHIFT, MM_EXECUTE | MM_WRITE);
    for (ULONG i = 1; i < HalPlatform.ProcessorCount && i < MAXIMUM_PROCESSORS; i++) {
        ULONG number = KeNumberProcessors;
        if (KiStartProcessor(number, HalPlatform.ApicIds[i]))
            KeNumberProcessors = number + 1;
    }
    MmUnmapPage((PVOID)KI_TRAMPOLINE_BASE);
}
