/*
 * interrupt_test.c: device interrupts run their ISR at the device's IRQL,
 * are held back by IRQL like everything else, and KeSynchronizeExecution
 * excludes the ISR.
 *
 * The "device" is a self-IPI on the vector the HAL gave ISA IRQ 7 (no
 * device uses it under QEMU): to the processor it is indistinguishable
 * from the I/O APIC delivering that interrupt.
 */
#include "ktest.h"
#include "ke.h"
#include "hal.h"
#include "mm.h"

typedef struct _TEST_DEVICE {
    volatile LONG Interrupts;
    volatile KIRQL IsrIrql;
    volatile BOOLEAN LockHeldInIsr;
    PKINTERRUPT Interrupt;
} TEST_DEVICE;

static BOOLEAN TestIsr(PKINTERRUPT Interrupt, PVOID Context)
{
    TEST_DEVICE *device = Context;
    device->IsrIrql = KeGetCurrentIrql();
    device->LockHeldInIsr = !KeTestSpinLock(Interrupt->ActualLock);
    __atomic_add_fetch(&device->Interrupts, 1, __ATOMIC_RELEASE);
    return TRUE;
}

/* The vector the HAL gives ISA IRQ 7 (no device uses it under QEMU). */
static ULONG TestVector(PKIRQL Irql, PKAFFINITY Affinity)
{
    return HalGetInterruptVector(Isa, 0, 7, 7, Irql, Affinity);
}

static BOOLEAN SynchronizedRoutine(PVOID Context)
{
    TEST_DEVICE *device = Context;
    return KeGetCurrentIrql() == device->Interrupt->SynchronizeIrql &&
           !KeTestSpinLock(device->Interrupt->ActualLock);
}

KTEST(interrupt, isr_runs_at_device_irql_and_is_masked_below_it)
{
    TEST_DEVICE device = {0};
    KIRQL irql;
    KAFFINITY affinity;
    ULONG vector = TestVector(&irql, &affinity);
    KT_ASSERT_NE(vector, 0);
    KT_EXPECT_EQ(irql, vector >> 4);
    KT_ASSERT_EQ(IoConnectInterrupt(&device.Interrupt, TestIsr, &device, NULL, vector, irql, irql,
                                    Latched, FALSE, affinity, FALSE),
                 STATUS_SUCCESS);

    /* Held back while IRQL is at the device's level... */
    KIRQL old;
    KeRaiseIrql(irql, &old);
    HalRequestIpi(KeGetCurrentPrcb()->ApicId, (UCHAR)vector);
    KeStallExecutionProcessor(10000);
    KT_EXPECT_EQ(device.Interrupts, 0);
    /* ...and taken the moment it drops. */
    KeLowerIrql(old);
    KT_EXPECT_EQ(device.Interrupts, 1);
    KT_EXPECT_EQ(device.IsrIrql, irql);
    KT_EXPECT_TRUE(device.LockHeldInIsr);
    KT_EXPECT_EQ(device.Interrupt->ServiceCount, 1);

    KT_EXPECT_TRUE(KeSynchronizeExecution(device.Interrupt, SynchronizedRoutine, &device));
    IoDisconnectInterrupt(device.Interrupt);
}

KTEST(interrupt, connect_rejects_bad_parameters)
{
    PKINTERRUPT interrupt;
    /* IRQL must match the vector, the synchronize IRQL must be at least it. */
    KT_EXPECT_EQ(
        IoConnectInterrupt(&interrupt, TestIsr, NULL, NULL, 0x50, 4, 5, Latched, FALSE, 1, FALSE),
        STATUS_INVALID_PARAMETER);
    KT_EXPECT_EQ(
        IoConnectInterrupt(&interrupt, TestIsr, NULL, NULL, 0x50, 5, 4, Latched, FALSE, 1, FALSE),
        STATUS_INVALID_PARAMETER);
    KT_EXPECT_EQ(
        IoConnectInterrupt(&interrupt, TestIsr, NULL, NULL, 0xD1, 13, 13, Latched, FALSE, 1, FALSE),
        STATUS_INVALID_PARAMETER); /* the clock's vector is not a device's */
}

KTEST(interrupt, connect_fills_the_object_and_a_taken_vector_is_refused)
{
    TEST_DEVICE device = {0};
    KIRQL irql;
    KAFFINITY affinity;
    ULONG vector = TestVector(&irql, &affinity);
    KT_ASSERT_NE(vector, 0);
    KT_ASSERT_EQ(IoConnectInterrupt(&device.Interrupt, TestIsr, &device, NULL, vector, irql,
                                    irql + 1, Latched, FALSE, affinity, FALSE),
                 STATUS_SUCCESS);
    PKINTERRUPT interrupt = device.Interrupt;
    KT_EXPECT_EQ(interrupt->ServiceRoutine, TestIsr);
    KT_EXPECT_EQ(interrupt->ServiceContext, &device);
    KT_EXPECT_EQ(interrupt->Vector, vector);
    KT_EXPECT_EQ(interrupt->Irql, irql);
    KT_EXPECT_EQ(interrupt->SynchronizeIrql, irql + 1);
    KT_EXPECT_EQ(interrupt->Mode, Latched);
    KT_EXPECT_FALSE(interrupt->ShareVector);
    KT_EXPECT_EQ(interrupt->ActualLock, &interrupt->SpinLock); /* no lock given: its own */
    KT_EXPECT_TRUE(interrupt->Connected);
    KT_EXPECT_EQ(interrupt->ServiceCount, 0);

    /* The vector is taken, and its owner does not share it. */
    PKINTERRUPT second = NULL;
    KT_EXPECT_EQ(IoConnectInterrupt(&second, TestIsr, NULL, NULL, vector, irql, irql, Latched, TRUE,
                                    affinity, FALSE),
                 STATUS_INVALID_PARAMETER);
    KT_EXPECT_NULL(second);
    IoDisconnectInterrupt(interrupt);

    /* Underneath, the kernel's interrupt object routines: connected once,
       disconnected once. */
    KINTERRUPT object;
    KeInitializeInterrupt(&object, TestIsr, &device, NULL, vector, irql, irql, Latched, FALSE);
    KT_EXPECT_FALSE(object.Connected);
    KT_EXPECT_TRUE(KeConnectInterrupt(&object));
    KT_EXPECT_FALSE(KeConnectInterrupt(&object));
    KT_EXPECT_TRUE(KeDisconnectInterrupt(&object));
    KT_EXPECT_FALSE(KeDisconnectInterrupt(&object));
}

static BOOLEAN IsrThatLowers(PKINTERRUPT Interrupt, PVOID Context)
{
    UNREFERENCED_PARAMETER(Interrupt);
    UNREFERENCED_PARAMETER(Context);
    KeLowerIrql(DISPATCH_LEVEL); /* wrong: an ISR returns at its IRQL */
    return TRUE;
}

static PKINTERRUPT DeathInterrupt;

static VOID FireDeathInterrupt(PKSERVICE_ROUTINE Isr, PVOID Context);

KTEST_DEATH(interrupt, isr_returns_at_another_irql, IRQL_UNEXPECTED_VALUE, KT_ANY,
            (ULONG_PTR)IsrThatLowers, KT_ANY, 0)
{
    FireDeathInterrupt(IsrThatLowers, NULL);
}

/* ---- what an ISR may not do ----------------------------------------------------- */

/* Fires the test vector at this processor with Isr connected; returns
   only if the ISR did not bug-check. */
static VOID FireDeathInterrupt(PKSERVICE_ROUTINE Isr, PVOID Context)
{
    KIRQL irql;
    KAFFINITY affinity;
    ULONG vector = TestVector(&irql, &affinity);
    IoConnectInterrupt(&DeathInterrupt, Isr, Context, NULL, vector, irql, irql, Latched, FALSE,
                       affinity, FALSE);
    HalRequestIpi(KeGetCurrentPrcb()->ApicId, (UCHAR)vector);
    KeStallExecutionProcessor(100000);
}

static PIRP DeathIrp;

/* An ISR runs at DIRQL; completing an IRP is for DISPATCH_LEVEL and
   below (an ISR queues a DPC, and the DPC completes it): Driver
   Verifier's 0xC9, 0x0E, with the IRQL and the IRP. */
static BOOLEAN IsrThatCompletes(PKINTERRUPT Interrupt, PVOID Context)
{
    UNREFERENCED_PARAMETER(Interrupt);
    PIRP irp = Context;
    irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    return TRUE;
}

KTEST_DEATH(interrupt, isr_completes_an_irp, DRIVER_VERIFIER_IOMANAGER_VIOLATION, 0x0E, KT_ANY,
            KT_ANY, 0)
{
    DeathIrp = IoAllocateIrp(1, FALSE);
    FireDeathInterrupt(IsrThatCompletes, DeathIrp);
}

/* Pageable code at DIRQL: the page may be out, and nothing can bring it
   in above APC_LEVEL. Paged out first, so the fault is certain:
   DRIVER_IRQL_NOT_LESS_OR_EQUAL (0xD1), the address, the IRQL, 8 for an
   instruction fetch, the address. */
static PAGEABLE_CODE ULONG PageableWork(ULONG x)
{
    return x * 3 + 1;
}

static BOOLEAN IsrThatCallsPageableCode(PKINTERRUPT Interrupt, PVOID Context)
{
    UNREFERENCED_PARAMETER(Interrupt);
    UNREFERENCED_PARAMETER(Context);
    return PageableWork(1) != 0;
}

KTEST_DEATH(interrupt, isr_calls_pageable_code, DRIVER_IRQL_NOT_LESS_OR_EQUAL,
            (ULONG_PTR)PageableWork, KT_ANY, 8, (ULONG_PTR)PageableWork)
{
    MmPageOutPageable();
    FireDeathInterrupt(IsrThatCallsPageableCode, NULL);
}
