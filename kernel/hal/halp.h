/*
 * halp.h: what the HAL's own files share, and nobody else uses.
 */
#ifndef KELAB_HALP_H
#define KELAB_HALP_H

#include "hal.h"
#include "acpi.h"

/* ioapic.c: programs the I/O APIC pin of ISA interrupt Irq (through the
   MADT's overrides) to raise Vector on processor ApicId, masked or not.
   Returns FALSE if no I/O APIC serves it. */
BOOLEAN HalpProgramIsaInterrupt(ULONG Irq, UCHAR Vector, ULONG ApicId, BOOLEAN Masked);

/* clocksource.c: runs Begin, waits 10 ms on the clock source, and stores
   End's result in *Counted; measures the time stamp counter over the same
   window. */
VOID HalpCalibrateAgainstClockSource(VOID (*Begin)(VOID), ULONG64 (*End)(VOID), ULONG64 *Counted);

/* platform.c: the ACPI tables the firmware gave, as the parser found
   them: written once at boot, read-only after (for `acpi`). */
extern ACPI_TABLES HalpAcpiTables;

#endif
