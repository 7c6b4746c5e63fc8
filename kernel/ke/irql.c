/*
 * irql.c: IRQL is the processor's CR8 register.
 *
 * On x64, CR8 is an alias of the local APIC's task priority register
 * (TPR bits 7:4): the APIC delivers an interrupt of vector V only when
 * V >> 4 is above CR8. Raising IRQL is therefore a single register write
 * that masks every interrupt at or below the new level, and lowering it
 * lets the APIC deliver whatever was held back. No counting, no flags.
 */
#include "ki.h"
#include "mm.h"
#include "kd.h"

KIRQL KeGetCurrentIrql(VOID)
{
    return (KIRQL)__readcr8();
}

VOID KeRaiseIrql(KIRQL NewIrql, PKIRQL OldIrql)
{
    KIRQL current = KeGetCurrentIrql();
    if (NewIrql < current)
        KeBugCheckEx(IRQL_NOT_GREATER_OR_EQUAL, current, NewIrql, 0, 0);
    __writecr8(NewIrql);
    *OldIrql = current;
    if (current < DISPATCH_LEVEL && NewIrql >= DISPATCH_LEVEL)
        MmVerifierIrqlRaised(); /* force IRQL checking pages pageable code out */
}

VOID KeLowerIrql(KIRQL NewIrql)
{
    KIRQL current = KeGetCurrentIrql();
    if (NewIrql > current)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, 0, current, NewIrql,
                     (ULONG_PTR)__builtin_return_address(0));
    __writecr8(NewIrql);
}

KIRQL KeRaiseIrqlToDpcLevel(VOID)
{
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    return old;
}

KIRQL KeRaiseIrqlToSynchLevel(VOID)
{
    KIRQL old;
    KeRaiseIrql(SYNCH_LEVEL, &old);
    return old;
}

VOID KeLabCheckPagedCode(PCSTR Function)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql <= APC_LEVEL)
        return;
    DbgPrint("\n*** PAGED_CODE() in %s, called at IRQL %u: pageable code must run at "
             "APC_LEVEL or below\n",
             Function, irql);
    KeBugCheckEx(KMODE_EXCEPTION_NOT_HANDLED, (ULONG)STATUS_ASSERTION_FAILURE,
                 (ULONG_PTR)__builtin_return_address(0), 0, 0);
}

/* `irql`: the levels, and where each processor was when its clock last
   ticked (an idle processor shows PASSIVE_LEVEL, a busy DPC DISPATCH_LEVEL). */
static VOID KiShellIrql(ULONG Argc, PCSTR Argv[])
{
    static const struct {
        KIRQL Level;
        PCSTR Name, Meaning;
    } levels[] = {
        {PASSIVE_LEVEL, "PASSIVE_LEVEL", "threads; nothing masked"},
        {APC_LEVEL, "APC_LEVEL", "kernel APCs masked (vector 0x1F)"},
        {DISPATCH_LEVEL, "DISPATCH_LEVEL", "DPCs and thread switches masked (vector 0x2F)"},
        {3, "device IRQLs", "3-11: vector V runs at V >> 4"},
        {SYNCH_LEVEL, "SYNCH_LEVEL", "the dispatcher lock"},
        {CLOCK_LEVEL, "CLOCK_LEVEL", "clock interrupt masked (vector 0xD1)"},
        {IPI_LEVEL, "IPI_LEVEL", "inter-processor interrupts masked (vector 0xE1)"},
        {HIGH_LEVEL, "HIGH_LEVEL", "everything masked"},
    };
    UNREFERENCED_PARAMETER(Argc);
    UNREFERENCED_PARAMETER(Argv);
    for (ULONG i = 0; i < ARRAYSIZE(levels); i++)
        DbgPrint("  %2u  %-15s %s\n", levels[i].Level, levels[i].Name, levels[i].Meaning);
    DbgPrint("This processor (%u) runs the shell at IRQL %u (CR8 = %llu).\n",
             KeGetCurrentProcessorNumber(), KeGetCurrentIrql(), (unsigned long long)__readcr8());
    for (ULONG p = 0; p < KeNumberProcessors; p++)
        DbgPrint("  CPU%u: last clock tick interrupted IRQL %u\n", p,
                 KiProcessorBlock[p]->TickInterruptedIrql);
}
KD_COMMAND(irql, "", "the IRQL levels, and each processor's at its last tick", KiShellIrql);
