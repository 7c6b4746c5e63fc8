/*
 * apic.c: the local APIC, each processor's interrupt controller.
 *
 * Every processor has one. It receives interrupts (from the I/O APIC, from
 * other processors, from its own timer), and delivers the highest-priority
 * one whose priority class (vector >> 4) is above the task priority
 * register. On x64 the TPR *is* CR8, which is why IRQL is CR8: raising
 * IRQL masks every vector at or below that class, in hardware.
 *
 * Two ways to reach the registers: xAPIC, memory-mapped at 0xFEE00000,
 * and x2APIC, model-specific registers (faster to reach, and the only way
 * beyond 255 processors). KeLab uses x2APIC when the processor has it.
 */
#include "halp.h"
#include "arch/x86.h"

/* Register offsets (xAPIC MMIO); x2APIC MSR = 0x800 + offset / 16. */
#define APIC_ID            0x020
#define APIC_VERSION       0x030
#define APIC_EOI           0x0B0
#define APIC_SPURIOUS      0x0F0
#define APIC_ESR           0x280
#define APIC_ICR_LOW       0x300
#define APIC_ICR_HIGH      0x310
#define APIC_LVT_TIMER     0x320
#define APIC_LVT_LINT0     0x350
#define APIC_LVT_LINT1     0x360
#define APIC_LVT_ERROR     0x370
#define APIC_TIMER_INITIAL 0x380
#define APIC_TIMER_CURRENT 0x390
#define APIC_TIMER_DIVIDE  0x3E0
#define X2APIC_MSR_BASE    0x800
#define X2APIC_SELF_IPI    0x83F

#define APIC_BASE_ENABLE      (1ull << 11)
#define APIC_BASE_X2APIC      (1ull << 10)
#define APIC_SOFTWARE_ENABLE  (1u << 8)
#define APIC_LVT_MASKED       (1u << 16)
#define APIC_LVT_PERIODIC     (1u << 17)
#define APIC_DELIVERY_NMI     (4u << 8)
#define APIC_DELIVERY_EXTINT  (7u << 8)
#define APIC_DELIVERY_INIT    (5u << 8)
#define APIC_DELIVERY_STARTUP (6u << 8)
#define APIC_LEVEL_ASSERT     (1u << 14)
#define APIC_ICR_PENDING      (1u << 12)
#define APIC_DEST_SELF        (1u << 18)
#define APIC_DIVIDE_BY_16     0x3
#define APIC_SPURIOUS_VECTOR  0xFF

static volatile ULONG *HalpApicMmio; /* xAPIC registers; set once at boot */
static BOOLEAN HalpX2Apic;           /* set once at boot, before any AP starts */
static ULONG HalpApicTicksPerUs; /* timer ticks (after divide) per microsecond, set once at boot */

static ULONG HalpApicRead(ULONG Register)
{
    if (HalpX2Apic)
        return (ULONG)__readmsr(X2APIC_MSR_BASE + Register / 16);
    return HalpApicMmio[Register / 4];
}

static VOID HalpApicWrite(ULONG Register, ULONG Value)
{
    if (HalpX2Apic)
        __writemsr(X2APIC_MSR_BASE + Register / 16, Value);
    else
        HalpApicMmio[Register / 4] = Value;
}

BOOLEAN HalIsX2ApicEnabled(VOID)
{
    return HalpX2Apic;
}

ULONG HalGetApicId(VOID)
{
    ULONG id = HalpApicRead(APIC_ID);
    return HalpX2Apic ? id : id >> 24;
}

/* The boot processor decides the mode once; each processor then switches
   its own APIC into it. */
static VOID HalpChooseApicMode(VOID)
{
    ULONG regs[4];
    __cpuid(1, 0, regs);
    HalpX2Apic = (regs[2] >> 21) & 1;
    if (!HalpX2Apic) {
        PHYSICAL_ADDRESS pa = {.QuadPart = (LONGLONG)HalPlatform.LocalApicAddress};
        HalpApicMmio = MmMapIoSpace(pa, PAGE_SIZE, MmNonCached);
        if (HalpApicMmio == NULL)
            KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 5, HalPlatform.LocalApicAddress, 0, 0);
    }
}

#define APIC_LVT_ACTIVE_LOW (1u << 13)
#define APIC_LVT_LEVEL      (1u << 15)

/* LINT0 and LINT1: the legacy PIC reaches the processor through LINT0 as
   ExtINT, which stays masked since the I/O APIC does its job; whichever
   pin the MADT wires as NMI for this processor (LINT1 on a PC) is set to
   deliver an NMI with the polarity and trigger the MADT gives. */
static VOID HalpProgramLocalInterruptPins(VOID)
{
    ULONG lint[2] = {APIC_LVT_MASKED | APIC_DELIVERY_EXTINT, APIC_DELIVERY_NMI};
    ULONG apicId = HalGetApicId(), uid = 0xFFFFFFFE;
    for (ULONG p = 0; p < HalPlatform.ProcessorCount; p++) {
        if (HalPlatform.ApicIds[p] == apicId)
            uid = HalPlatform.ProcessorUids[p];
    }
    if (HalPlatform.LocalNmiCount != 0)
        lint[1] = APIC_LVT_MASKED;
    for (ULONG i = 0; i < HalPlatform.LocalNmiCount; i++) {
        ULONG target = HalPlatform.LocalNmis[i].ProcessorUid;
        if ((target != 0xFFFFFFFF && target != uid) || HalPlatform.LocalNmis[i].Lint > 1)
            continue;
        lint[HalPlatform.LocalNmis[i].Lint] =
            APIC_DELIVERY_NMI | (HalPlatform.LocalNmis[i].ActiveLow ? APIC_LVT_ACTIVE_LOW : 0) |
            (HalPlatform.LocalNmis[i].LevelTriggered ? APIC_LVT_LEVEL : 0);
    }
    HalpApicWrite(APIC_LVT_LINT0, lint[0]);
    HalpApicWrite(APIC_LVT_LINT1, lint[1]);
}

VOID HalInitializeProcessor(VOID)
{
    if (HalpApicMmio == NULL && !HalpX2Apic)
        HalpChooseApicMode();
    ULONG64 base = __readmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;
    if (HalpX2Apic)
        base |= APIC_BASE_X2APIC;
    __writemsr(MSR_APIC_BASE, base);

    HalpProgramLocalInterruptPins();
    HalpApicWrite(APIC_LVT_ERROR, APIC_LVT_MASKED);
    HalpApicWrite(APIC_LVT_TIMER, APIC_LVT_MASKED);
    HalpApicWrite(APIC_ESR, 0);
    HalpApicWrite(APIC_SPURIOUS, APIC_SOFTWARE_ENABLE | APIC_SPURIOUS_VECTOR);
    HalEndOfInterrupt(); /* clear anything left in service by firmware */
}

VOID HalEndOfInterrupt(VOID)
{
    HalpApicWrite(APIC_EOI, 0);
}

/* Sends an interrupt command; xAPIC needs the destination written first
   and the two writes must not be split by an interrupt handler that also
   sends one, hence interrupts off. */
static VOID HalpSendIcr(ULONG ApicId, ULONG Command)
{
    ULONG64 flags = __readeflags();
    _disable();
    if (HalpX2Apic) {
        __writemsr(X2APIC_MSR_BASE + APIC_ICR_LOW / 16, ((ULONG64)ApicId << 32) | Command);
    } else {
        HalpApicWrite(APIC_ICR_HIGH, ApicId << 24);
        HalpApicWrite(APIC_ICR_LOW, Command);
        while (HalpApicRead(APIC_ICR_LOW) & APIC_ICR_PENDING)
            YieldProcessor();
    }
    if (flags & RFLAGS_IF)
        _enable();
}

VOID HalRequestIpi(ULONG ApicId, UCHAR Vector)
{
    HalpSendIcr(ApicId, Vector | APIC_LEVEL_ASSERT);
}

VOID HalSendNmi(ULONG ApicId)
{
    HalpSendIcr(ApicId, APIC_DELIVERY_NMI | APIC_LEVEL_ASSERT);
}

/* The MP specification waits 10 ms after INIT; processors of family 6 and
   later (every x86-64 one) do not need it, as Intel's manual and Linux note. */
static BOOLEAN HalpNeedsInitDelay(VOID)
{
    ULONG regs[4];
    __cpuid(1, 0, regs);
    ULONG family = (regs[0] >> 8) & 0xF;
    return family < 6;
}

VOID HalSendInitIpi(ULONG ApicId)
{
    HalpSendIcr(ApicId, APIC_DELIVERY_INIT | APIC_LEVEL_ASSERT);
    if (HalpNeedsInitDelay())
        KeStallExecutionProcessor(10000);
}

VOID HalSendStartupIpi(ULONG ApicId, ULONG StartPage)
{
    HalpSendIcr(ApicId, APIC_DELIVERY_STARTUP | APIC_LEVEL_ASSERT | (StartPage & 0xFF));
}

VOID HalRequestSoftwareInterrupt(KIRQL Level)
{
    UCHAR vector = (UCHAR)((Level << 4) | 0xF); /* 0x1F for APC_LEVEL, 0x2F for DISPATCH_LEVEL */
    if (HalpX2Apic)
        __writemsr(X2APIC_SELF_IPI, vector);
    else
        HalpSendIcr(0, APIC_DEST_SELF | APIC_LEVEL_ASSERT | vector);
}

/* Measures the timer against the platform clock once (with the TSC, in
   the same window): the timer counts at the bus clock, which nothing else
   tells us. */
static VOID HalpStartCalibrationCount(VOID)
{
    HalpApicWrite(APIC_TIMER_DIVIDE, APIC_DIVIDE_BY_16);
    HalpApicWrite(APIC_LVT_TIMER, APIC_LVT_MASKED);
    HalpApicWrite(APIC_TIMER_INITIAL, 0xFFFFFFFF);
}

static ULONG64 HalpReadCalibrationCount(VOID)
{
    ULONG64 elapsed = 0xFFFFFFFF - HalpApicRead(APIC_TIMER_CURRENT);
    HalpApicWrite(APIC_TIMER_INITIAL, 0);
    return elapsed;
}

static VOID HalpCalibrateApicTimer(VOID)
{
    ULONG64 elapsed;
    HalpCalibrateAgainstClockSource(HalpStartCalibrationCount, HalpReadCalibrationCount, &elapsed);
    HalpApicTicksPerUs = elapsed / 10000 ? (ULONG)(elapsed / 10000) : 1;
}

VOID HalStartClock(UCHAR Vector, ULONG PeriodMicroseconds)
{
    if (HalpApicTicksPerUs == 0)
        HalpCalibrateApicTimer();
    HalpApicWrite(APIC_TIMER_DIVIDE, APIC_DIVIDE_BY_16);
    HalpApicWrite(APIC_LVT_TIMER, APIC_LVT_PERIODIC | Vector);
    HalpApicWrite(APIC_TIMER_INITIAL, HalpApicTicksPerUs * PeriodMicroseconds);
}
