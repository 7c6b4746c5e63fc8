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
