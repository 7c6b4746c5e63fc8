/*
 * clocksource.c: a time base the kernel can trust.
 *
 * The local APIC timer counts at a bus clock nothing announces, and the
 * time stamp counter under QEMU's software emulation follows the host, not
 * the guest; neither can measure time on its own. So KeLab measures them
 * against a fixed-frequency platform counter, the first of:
 *   - the HPET main counter (memory-mapped, 10-100 MHz, from ACPI's HPET table);
 *   - the ACPI PM timer (I/O port, 3.579545 MHz, from the FADT);
 *   - the 8254 PIT's channel 0 (1.193182 MHz), present on every PC.
 * The PM timer and PIT wrap quickly (24 bits; 16 bits), so reads are
 * extended to 64 bits in software; the clock interrupt reads the counter
 * every tick, which is often enough never to miss a wrap.
 */
#include "halp.h"
#include "arch/x86.h"

#define HPET_CAPABILITIES 0x000
#define HPET_CONFIG       0x010
#define HPET_COUNTER      0x0F0
#define HPET_ENABLE       1ull
#define HPET_COUNTER_64   (1ull << 13)
#define PM_TIMER_HZ       3579545ull
#define PIT_HZ            1193182ull
#define PIT_CHANNEL0      0x40
#define PIT_COMMAND       0x43

typedef enum { SourceHpet, SourcePmTimer, SourcePit } HALP_CLOCK_SOURCE;

static HALP_CLOCK_SOURCE HalpSource; /* set once at boot */
static ULONG64 HalpFrequency;        /* set once at boot */
static ULONG HalpCounterBits;        /* the hardware counter's width; set once at boot */
static volatile ULONG64 *HalpHpet;   /* HPET registers; set once at boot */
static ULONG64 HalpTscHz;            /* set once at boot */
static KSPIN_LOCK HalpExtendLock;
static ULONG64 HalpExtended; /* HalpExtendLock: last value, 64-bit */

static BOOLEAN HalpUseHpet(VOID)
{
    if (HalPlatform.HpetAddress == 0)
        return FALSE;
    PHYSICAL_ADDRESS pa = {.QuadPart = (LONGLONG)HalPlatform.HpetAddress};
    HalpHpet = MmMapIoSpace(pa, PAGE_SIZE, MmNonCached);
    if (HalpHpet == NULL)
        return FALSE;
    ULONG64 caps = HalpHpet[HPET_CAPABILITIES / 8];
    ULONG periodFs = (ULONG)(caps >> 32);
    /* The specification bounds the period to 0 < period <= 100 ns. */
    if (periodFs == 0 || periodFs > 100000000) {
        DbgPrint("HAL: HPET reports a period of %u fs; not using it\n", periodFs);
        return FALSE;
    }
    HalpFrequency = 1000000000000000ull / periodFs;
    HalpCounterBits = (caps & HPET_COUNTER_64) ? 64 : 32;
    HalpHpet[HPET_CONFIG / 8] |= HPET_ENABLE;
    HalpSource = SourceHpet;
    return TRUE;
}

static VOID HalpUsePit(VOID)
{
    /* Channel 0, lobyte/hibyte, mode 2 (rate generator), full 65536 period. */
    __outbyte(PIT_COMMAND, 0x34);
    __outbyte(PIT_CHANNEL0, 0);
    __outbyte(PIT_CHANNEL0, 0);
    HalpSource = SourcePit;
    HalpFrequency = PIT_HZ;
    HalpCounterBits = 16;
}

static VOID HalpChooseClockSource(VOID)
{
    if (HalpUseHpet())
        return;
    if (HalPlatform.PmTimerPort != 0) {
        HalpSource = SourcePmTimer;
        HalpFrequency = PM_TIMER_HZ;
        HalpCounterBits = HalPlatform.PmTimer32Bit ? 32 : 24;
        return;
    }
    HalpUsePit();
}

VOID HalInitializeClockSource(VOID)
{
    KeInitializeSpinLock(&HalpExtendLock);
    HalpChooseClockSource();
}

/* Measures the TSC, and whatever Begin and End count, against
   the clock source over 10 ms: one window serves every calibration. */
VOID HalpCalibrateAgainstClockSource(VOID (*Begin)(VOID), ULONG64 (*End)(VOID), ULONG64 *Counted)
{
    ULONG64 start = __rdtsc();
    Begin();
    KeStallExecutionProcessor(10000);
    *Counted = End();
    HalpTscHz = (__rdtsc() - start) * 100;
}

ULONG64 HalQueryTscFrequency(VOID)
{
    return HalpTscHz;
}

static ULONG64 HalpReadHardwareCounter(VOID)
{
    switch (HalpSource) {
    case SourceHpet:
        return HalpHpet[HPET_COUNTER / 8];
    case SourcePmTimer:
        return __indword(HalPlatform.PmTimerPort);
    case SourcePit: {
        __outbyte(PIT_COMMAND, 0x00); /* latch channel 0 */
        ULONG low = __inbyte(PIT_CHANNEL0);
        ULONG high = __inbyte(PIT_CHANNEL0);
        return 0xFFFF - ((high << 8) | low); /* it counts down */
    }
    }
    return 0;
}

ULONG64 HalReadClockSource(VOID)
{
    if (HalpCounterBits == 64)
        return HalpReadHardwareCounter();
    /* Extend a narrow counter: the distance since the last read, modulo
       its width, is how far it moved (as long as reads are closer together
       than one wrap). At HIGH_LEVEL: callable from anywhere. */
    ULONG64 mask = (1ull << HalpCounterBits) - 1;
    KIRQL oldIrql;
    KeRaiseIrql(HIGH_LEVEL, &oldIrql);
    KeAcquireSpinLockAtDpcLevel(&HalpExtendLock);
    ULONG64 raw = HalpReadHardwareCounter() & mask;
    HalpExtended += (raw - HalpExtended) & mask;
    ULONG64 now = HalpExtended;
    KeReleaseSpinLockFromDpcLevel(&HalpExtendLock);
    KeLowerIrql(oldIrql);
    return now;
}

PCSTR HalClockSourceName(VOID)
{
    static const char *const names[] = {"HPET", "ACPI PM timer", "8254 PIT"};
    return names[HalpSource];
}

VOID KeStallExecutionProcessor(ULONG MicroSeconds)
{
    ULONG64 start = HalReadClockSource();
    ULONG64 ticks = (ULONG64)MicroSeconds * HalpFrequency / 1000000 + 1;
    while (HalReadClockSource() - start < ticks)
        YieldProcessor();
}

LARGE_INTEGER KeQueryPerformanceCounter(PLARGE_INTEGER PerformanceFrequency)
{
    if (PerformanceFrequency)
        PerformanceFrequency->QuadPart = (LONGLONG)HalpFrequency;
    return (LARGE_INTEGER){.QuadPart = (LONGLONG)HalReadClockSource()};
}
