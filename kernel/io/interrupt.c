/*
 * interrupt.c: IoConnectInterrupt and IoDisconnectInterrupt, a driver's
 * way to its interrupt.
 *
 * The I/O manager checks what the driver asked for, allocates the
 * interrupt object, and hands it to the kernel, which owns interrupt
 * dispatch: KeInitializeInterrupt, KeConnectInterrupt (onto the vector's
 * chain, and the vector enabled) and KeDisconnectInterrupt
 * (kernel/ke/interrupt.c), as on NT.
 */
#include "iop.h"
#include "ke.h"

NTSTATUS IoConnectInterrupt(PKINTERRUPT *InterruptObject, PKSERVICE_ROUTINE ServiceRoutine,
                            PVOID ServiceContext, PKSPIN_LOCK SpinLock, ULONG Vector, KIRQL Irql,
                            KIRQL SynchronizeIrql, KINTERRUPT_MODE InterruptMode,
                            BOOLEAN ShareVector, KAFFINITY ProcessorEnableMask,
                            BOOLEAN FloatingSave)
{
    UNREFERENCED_PARAMETER(ProcessorEnableMask); /* the vector is routed by the HAL */
    if (FloatingSave || Vector < FIRST_DEVICE_VECTOR || Vector > LAST_DEVICE_VECTOR ||
        Irql != (Vector >> 4) || SynchronizeIrql < Irql || SynchronizeIrql > HIGH_LEVEL)
        return STATUS_INVALID_PARAMETER; /* KeLab kernels save no FPU state */
    PKINTERRUPT interrupt =
        ExAllocatePoolWithTag(NonPagedPool, sizeof(*interrupt), IOP_TAG_INTERRUPT);
    if (interrupt == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    KeInitializeInterrupt(interrupt, ServiceRoutine, ServiceContext, SpinLock, Vector, Irql,
                          SynchronizeIrql, InterruptMode, ShareVector);
    if (!KeConnectInterrupt(interrupt)) {
        ExFreePoolWithTag(interrupt, IOP_TAG_INTERRUPT);
        return STATUS_INVALID_PARAMETER; /* the vector is taken and not shareable */
    }
    *InterruptObject = interrupt;
    return STATUS_SUCCESS;
}

VOID IoDisconnectInterrupt(PKINTERRUPT InterruptObject)
{
    KeDisconnectInterrupt(InterruptObject);
    ExFreePoolWithTag(InterruptObject, IOP_TAG_INTERRUPT);
}
