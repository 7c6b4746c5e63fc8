/*
 * shell.c: the HAL's shell commands.
 *
 *   acpi     the ACPI tables the firmware gave, and the platform KeLab took from them
 *   reboot   reset the machine
 *   halt     power off, or stop
 *
 * What `acpi` shows was written once at boot and is read-only since: no
 * lock to take.
 */
#include "halp.h"
#include "ke.h"
#include "kd.h"

/* `acpi`: the tables the firmware provides and what KeLab took from them. */
static VOID HalpShellAcpi(ULONG Argc, PCSTR Argv[])
{
    UNREFERENCED_PARAMETER(Argc);
    UNREFERENCED_PARAMETER(Argv);
    DbgPrint("Root: %s at 0x%llx (OEM '%s', ACPI revision %u)\n", HalpAcpiTables.RootSignature,
             (unsigned long long)HalpAcpiTables.RootAddress, HalpAcpiTables.OemId,
             HalpAcpiTables.RsdpRevision);
    for (ULONG i = 0; i < HalpAcpiTables.TableCount; i++) {
        const ACPI_TABLE *t = &HalpAcpiTables.Tables[i];
        DbgPrint("  %-4s at 0x%08llx, %5u bytes  %s\n", t->Signature,
                 (unsigned long long)t->Address, t->Length, AcpiDescribeTable(t->Signature));
    }
    DbgPrint("Processors: %u (APIC IDs", HalPlatform.ProcessorCount);
    for (ULONG i = 0; i < HalPlatform.ProcessorCount; i++)
        DbgPrint(" %u", HalPlatform.ApicIds[i]);
    DbgPrint(")\nI/O APICs: %u; ISA overrides:", HalPlatform.IoApicCount);
    for (ULONG i = 0; i < HalPlatform.OverrideCount; i++) {
        const HAL_INTERRUPT_OVERRIDE *o = &HalPlatform.Overrides[i];
        DbgPrint(" IRQ%u->GSI%u%s%s", o->SourceIrq, o->Gsi, o->ActiveLow ? " low" : "",
                 o->LevelTriggered ? " level" : "");
    }
    DbgPrint("\nHPET: 0x%llx  PM timer: port 0x%x (%u bits)  S5: %d\n",
             (unsigned long long)HalPlatform.HpetAddress, HalPlatform.PmTimerPort,
             HalPlatform.PmTimer32Bit ? 32 : 24, (int)(SHORT)HalPlatform.SleepTypeS5);
}
KD_COMMAND(acpi, "", "ACPI tables and the platform KeLab found in them", HalpShellAcpi);

static VOID HalpShellReboot(ULONG Argc, PCSTR Argv[])
{
    UNREFERENCED_PARAMETER(Argc);
    UNREFERENCED_PARAMETER(Argv);
    DbgPrint("Rebooting.\n");
    HalReboot();
}
KD_COMMAND(reboot, "", "reset the machine", HalpShellReboot);

static VOID HalpShellHalt(ULONG Argc, PCSTR Argv[])
{
    UNREFERENCED_PARAMETER(Argc);
    UNREFERENCED_PARAMETER(Argv);
    DbgPrint("Powering off.\n");
    HalPowerOff();
    DbgPrint("ACPI gave no way to power off: halted. Ctrl-A x leaves QEMU.\n");
    HalHaltSystem();
}
KD_COMMAND(halt, "", "power off (ACPI S5), or stop if that is not possible", HalpShellHalt);
