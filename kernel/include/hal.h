/*
 * hal.h: the hardware abstraction layer's door for the rest of the kernel:
 * the parts of the PC platform the kernel drives (serial port, interrupt
 * controllers, timers, reset) and the platform description read from
 * ACPI. What only the HAL uses is in kernel/hal/halp.h.
 */
#ifndef KELAB_HAL_H
#define KELAB_HAL_H

#include "wdm.h"

/* ---- serial.c: COM1, the console (16550 UART at port 0x3F8) ---------- */
VOID HalInitializeSerialPort(VOID);
VOID HalSerialPutChar(CHAR c);
int HalSerialGetChar(VOID); /* -1 when no character is waiting */
/* From interrupts on: received characters arrive by interrupt into a
   buffer; HalSerialWaitChar blocks (halting the processor) until one does. */
VOID HalStartSerialInput(VOID);
CHAR HalSerialWaitChar(VOID);

/* ---- power.c: leaving the machine ------------------------------------- */
/* QEMU's isa-debug-exit device (port 0xf4): QEMU exits with status
   (value << 1) | 1. The test runner reads the status. */
typedef enum _HAL_EXIT_STATUS {
    HalExitPass = 0x10,     /* QEMU status 33 */
    HalExitFail = 0x11,     /* QEMU status 35 */
    HalExitBugCheck = 0x12, /* QEMU status 37 */
} HAL_EXIT_STATUS;
__attribute__((noreturn)) VOID HalExitEmulator(HAL_EXIT_STATUS Status);
__attribute__((noreturn)) VOID HalReboot(VOID);
__attribute__((noreturn)) VOID HalHaltSystem(VOID);
/* Turns the machine off through ACPI (S5) if the tables say how;
   returns if they do not. */
VOID HalPowerOff(VOID);

/* ---- platform.c: what ACPI says the machine has ------------------------ */
#define HAL_MAX_IOAPICS   8
#define HAL_MAX_OVERRIDES 32

typedef struct _HAL_INTERRUPT_OVERRIDE {
    UCHAR SourceIrq;
    ULONG Gsi;
    BOOLEAN ActiveLow;
    BOOLEAN LevelTriggered;
} HAL_INTERRUPT_OVERRIDE;

typedef struct _HAL_PLATFORM {
    ULONG ProcessorCount;
    ULONG ApicIds[MAXIMUM_PROCESSORS];       /* [0] is the boot processor */
    ULONG ProcessorUids[MAXIMUM_PROCESSORS]; /* ACPI's names for them */
    /* Local APIC inputs wired as NMI (MADT): the LINT pin per processor
       UID (0xFFFFFFFF: every processor). None listed: LINT1, as on PCs. */
    ULONG LocalNmiCount;
    struct {
        ULONG ProcessorUid;
        UCHAR Lint;
        BOOLEAN ActiveLow, LevelTriggered;
    } LocalNmis[8];
    ULONG64 LocalApicAddress;
    BOOLEAN HasLegacyPic;
    ULONG IoApicCount;
    struct {
        ULONG Id;
        ULONG64 Address;
        ULONG GsiBase;
    } IoApics[HAL_MAX_IOAPICS];
    ULONG OverrideCount;
    HAL_INTERRUPT_OVERRIDE Overrides[HAL_MAX_OVERRIDES];
    ULONG EcamSegmentCount; /* PCI Express configuration space (MCFG) */
    struct {
        ULONG64 BaseAddress;
        USHORT Segment;
        UCHAR StartBus, EndBus;
    } EcamSegments[4];
    ULONG64 HpetAddress; /* 0: none */
    USHORT PmTimerPort;  /* 0: none */
    BOOLEAN PmTimer32Bit;
    USHORT Pm1aControlPort; /* 0: none; with SleepTypeS5 powers off */
    USHORT ResetPort;       /* FADT reset register (I/O), 0: none */
    UCHAR ResetValue;
    USHORT SleepTypeS5; /* 0xFFFF: unknown */
} HAL_PLATFORM;

extern HAL_PLATFORM HalPlatform; /* written once at boot, read-only after */

/* Reads the ACPI tables (or falls back to a uniprocessor PC) into HalPlatform. */
VOID HalInitializePlatform(VOID);

/* ---- apic.c: the local APIC of each processor --------------------------- */
/* Sets up the calling processor's local APIC (NT's HalInitializeProcessor
   does this part of a processor's start). */
VOID HalInitializeProcessor(VOID);
ULONG HalGetApicId(VOID); /* the calling processor's */
BOOLEAN HalIsX2ApicEnabled(VOID);
/* Tells the local APIC the interrupt being taken is serviced. */
VOID HalEndOfInterrupt(VOID);
/* Sends Vector to the processor with that APIC ID (itself included). */
VOID HalRequestIpi(ULONG ApicId, UCHAR Vector);
VOID HalSendNmi(ULONG ApicId);
VOID HalSendInitIpi(ULONG ApicId);                     /* resets it to wait for a start-up IPI */
VOID HalSendStartupIpi(ULONG ApicId, ULONG StartPage); /* start at physical StartPage << 12 */
/* Asks for an APC_LEVEL or DISPATCH_LEVEL software interrupt on this
   processor: a self-IPI the APIC holds until IRQL drops below Level. */
VOID HalRequestSoftwareInterrupt(KIRQL Level);
/* Starts this processor's periodic clock interrupt. */
VOID HalStartClock(UCHAR Vector, ULONG PeriodMicroseconds);

/* ---- ioapic.c: the I/O APIC and the legacy PIC --------------------------- */
/* Every I/O APIC pin masked, and the legacy PIC off. */
VOID HalInitializeIoApics(VOID);

/* ---- vector.c: device vectors (HalGetInterruptVector is in wdm.h) -------- */
BOOLEAN HalEnableSystemInterrupt(ULONG Vector, KIRQL Irql, KINTERRUPT_MODE InterruptMode);
VOID HalDisableSystemInterrupt(ULONG Vector, KIRQL Irql);
/* Vectors for the Count messages of a device (MSI, MSI-X); FALSE if not
   enough are free. The vector's upper four bits are the message's IRQL. */
BOOLEAN HalAllocateMessageVectors(ULONG Count, PULONG Vectors);
VOID HalFreeMessageVectors(ULONG Count, const ULONG *Vectors);
/* The address and data a device writes to raise Vector on the first
   processor of Affinity. */
VOID HalGetMessageTarget(ULONG Vector, KAFFINITY Affinity, PPHYSICAL_ADDRESS Address, PULONG Data);

/* ---- clocksource.c: a trustworthy time base ------------------------------- */
/* The HPET, else the ACPI PM timer, else the 8254 PIT: the reference the
   local APIC timer and the TSC are measured against. */
VOID HalInitializeClockSource(VOID);
ULONG64 HalReadClockSource(VOID); /* monotonic count (KeQueryPerformanceCounter says its rate) */
PCSTR HalClockSourceName(VOID);
/* The time stamp counter's rate, measured at boot: only for turning cycle
   counts into time in reports. */
ULONG64 HalQueryTscFrequency(VOID);

/* ---- rtc.c: the CMOS real-time clock ---------------------------------------- */
/* The wall-clock time in 100 ns units since 1601-01-01 (as NT's system
   time), or 0 if the clock's reading makes no sense. (NT's fills in a
   TIME_FIELDS; KeLab's converts it, so the kernel gets a system time.) */
ULONG64 HalQueryRealTimeClock(VOID);

#endif
