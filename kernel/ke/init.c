/*
 * init.c: KiSystemStartup, where the kernel's C code begins.
 *
 * boot/entry.S arrives here in 64-bit mode on the boot stack, with the
 * boot page tables and the physical address of the multiboot2
 * information. Each step below brings up one subsystem; each depends only
 * on the steps before it.
 */
#include "ki.h"
#include "mm.h"
#include "ex.h"
#include "ob.h"
#include "hal.h"
#include "kd.h"
#include "ktest.h"
#include "kbench.h"
#include "ps.h"
#include "io.h"

static KPCR KiBootPcr;
static UCHAR KiBootIstStacks[KI_IST_COUNT][KI_IST_STACK_SIZE] __attribute__((aligned(16)));

static VOID KiSystemStartupOnKernelStack(VOID);

/* What the boot is for (kelab.mode), and what runs once the system is up:
   each of these runs until the machine stops, so none returns. */
typedef VOID (*PKI_BOOT_MODE_ROUTINE)(VOID) __attribute__((noreturn));
static const PKI_BOOT_MODE_ROUTINE KiBootModeRoutines[] = {
    [KiBootInteractive] = KdRunShell, /* the shell on the serial console */
    [KiBootTest] = KtRunTests,        /* every test, in KTAP */
    [KiBootList] = KtListTests,       /* the list of tests, for the runner */
    [KiBootDeath] = KtRunDeathTest,   /* one death test */
    [KiBootBench] = KbRunBenchmarks,  /* the benchmarks */
};

/* Phase 0: the boot processor alone, interrupts disabled. */
__attribute__((no_stack_protector)) VOID KiSystemStartup(ULONG_PTR BootInformation)
{
    PVOID istTops[KI_IST_COUNT];
    for (ULONG i = 0; i < KI_IST_COUNT; i++)
        istTops[i] = KiBootIstStacks[i] + KI_IST_STACK_SIZE;

    RtlInitializeStackCookie();                    /* before any protected frame exists */
    HalInitializeSerialPort();                     /* a console, before anything can fail */
    KiInitializeIdt();                             /* every exception has a handler... */
    KiInitializeProcessor(&KiBootPcr, 0, istTops); /* ...and a GDT, TSS and PCR to run on */
    KiReadBootInformation(BootInformation);        /* memory map and command line, validated */
    KiReadBootOptions();                           /* kelab.mode: shell or tests */
    MmInitSystem(&KeBootInformation);              /* page allocator, page tables, system space */
    ExInitializePool();                            /* ExAllocatePoolWithTag */
    ObInitSystem();                                /* reference-counted objects and handles */

    /* The boot stack has no guard page under it; everything from here on
       runs on a real kernel stack, where an overflow is caught. */
    PVOID stack = MmCreateKernelStack();
    if (stack == NULL)
        KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 4, 0, 0, 0);
    KiBootPcr.Prcb.InitialStack = stack;
    KiSwitchStackAndCall(stack, KiSystemStartupOnKernelStack);
}

static VOID KiPrintProcessorName(VOID)
{
    ULONG regs[12];
    __cpuid(0x80000000, 0, regs);
    if (regs[0] < 0x80000004) {
        DbgPrint("CPU: (no brand string)\n");
        return;
    }
    for (ULONG i = 0; i < 3; i++)
        __cpuid(0x80000002 + i, 0, &regs[i * 4]);
    CHAR brand[49];
    RtlCopyMemory(brand, regs, 48);
    brand[48] = 0;
    PCSTR name = brand;
    while (*name == ' ')
        name++;
    DbgPrint("CPU: %s\n", name);
}

static VOID KiPrintBanner(VOID)
{
    DbgPrint("\nKeLab - the Windows NT kernel's machinery, made observable\n");
    KiPrintProcessorName();
    MmPrintMemorySummary();
    MmPrintMemoryMap();
    ExPrintPoolSummary();
    DbgPrint("Processors: %u started; clock source %s; local APIC in %s mode\n", KeNumberProcessors,
             HalClockSourceName(), HalIsX2ApicEnabled() ? "x2APIC" : "xAPIC");
    DbgPrint("Command line: %s\n", KeBootInformation.CommandLine);
}

/* Phase 1: on a guarded kernel stack; interrupts come on here. */
static VOID KiSystemStartupOnKernelStack(VOID)
{
    PKPRCB prcb = KeGetCurrentPrcb();
    HalInitializePlatform();    /* ACPI: processors, APICs, timers */
    HalInitializeClockSource(); /* HPET or PM timer: a time base to measure against */
    KiInitializeInterrupts();   /* interrupt object chains for device vectors */
    KiInitializeIpi();          /* inter-processor calls and TLB shootdowns */
    KeLabNameSpinLock(&KiDispatcherLock, "Dispatcher"); /* the lock `locks` shows first */
    HalInitializeProcessor();                           /* this processor's interrupt controller */
    prcb->ApicId = HalGetApicId();
    KiInitializeDpcData(prcb);       /* this processor's DPC queue */
    KiInitializeSchedulerData(prcb); /* ...and its ready queues */
    KiInitializeTimers();            /* the timer list */
    PsInitSystem();                  /* this code becomes the System thread; an idle thread */
    KiMarkProcessorActive(prcb);
    HalInitializeIoApics();    /* device interrupts; the legacy PIC masked */
    KiInitializeClock();       /* the periodic CLOCK_LEVEL interrupt, system time */
    KiInitializeDpcWatchdog(); /* a DPC's allotment in ticks, now that a tick has a length */
    _enable();                 /* IRQL (CR8) alone decides what is masked from now on */
    KiStartProcessors();       /* every other processor ACPI lists */
    HalStartSerialInput();     /* console input by interrupt */
    MmInitializePageable();    /* pageable sections; kelab.verifier=irql */
    IoInitSystem();            /* the I/O manager; each built-in driver's DriverEntry */
    KiPrintBanner();
    KiBootModeRoutines[KiBootMode](); /* never returns */
}
