/*
 * vector.c: handing out device vectors and routing ISA interrupts to them.
 *
 * On x64 a device's IRQL is its vector's upper four bits, so choosing a
 * vector is choosing a priority. KeLab hands out vectors 0x30-0xBF (DIRQL 3
 * to 11) in order; the first ISA device to ask (the serial port) gets the
 * lowest. The I/O APIC pin is programmed masked when the vector is chosen
 * and unmasked only when an ISR connects (HalEnableSystemInterrupt), so an
 * interrupt never arrives with nobody to take it.
 */
#include "halp.h"
#include "ke.h" /* FIRST_DEVICE_VECTOR, LAST_DEVICE_VECTOR */

#define ISA_IRQS 16

static KSPIN_LOCK HalpVectorLock;
static UCHAR HalpIsaVector[ISA_IRQS];              /* HalpVectorLock; 0 = none yet */
static UCHAR HalpNextVector = FIRST_DEVICE_VECTOR; /* HalpVectorLock */

ULONG HalGetInterruptVector(INTERFACE_TYPE InterfaceType, ULONG BusNumber, ULONG BusInterruptLevel,
                            ULONG BusInterruptVector, PKIRQL Irql, PKAFFINITY Affinity)
{
    UNREFERENCED_PARAMETER(BusInterruptVector);
    if (InterfaceType != Isa || BusNumber != 0 || BusInterruptLevel >= ISA_IRQS)
        return 0; /* only ISA interrupts are routed this way */
    KIRQL oldIrql;
    KeAcquireSpinLock(&HalpVectorLock, &oldIrql);
    UCHAR vector = HalpIsaVector[BusInterruptLevel];
    if (vector == 0 && HalpNextVector <= LAST_DEVICE_VECTOR) {
        vector = HalpNextVector++;
        HalpIsaVector[BusInterruptLevel] = vector;
    }
    KeReleaseSpinLock(&HalpVectorLock, oldIrql);
    if (vector == 0 ||
        !HalpProgramIsaInterrupt(BusInterruptLevel, vector, HalPlatform.ApicIds[0], TRUE))
        return 0;
    *Irql = (KIRQL)(vector >> 4);
    *Affinity = 1; /* delivered to processor 0 */
    return vector;
}

/* The ISA interrupt behind a vector, or ISA_IRQS if it is not one. */
static ULONG HalpIrqOfVector(ULONG Vector)
{
    for (ULONG irq = 0; irq < ISA_IRQS; irq++) {
        if (HalpIsaVector[irq] == Vector)
            return irq;
    }
    return ISA_IRQS;
}

BOOLEAN HalEnableSystemInterrupt(ULONG Vector, KIRQL Irql, KINTERRUPT_MODE InterruptMode)
{
    UNREFERENCED_PARAMETER(Irql);
    UNREFERENCED_PARAMETER(InterruptMode); /* the MADT, not the driver, knows the trigger */
    ULONG irq = HalpIrqOfVector(Vector);
    return irq < ISA_IRQS &&
           HalpProgramIsaInterrupt(irq, (UCHAR)Vector, HalPlatform.ApicIds[0], FALSE);
}

VOID HalDisableSystemInterrupt(ULONG Vector, KIRQL Irql)
{
    UNREFERENCED_PARAMETER(Irql);
    ULONG irq = HalpIrqOfVector(Vector);
    if (irq < ISA_IRQS)
        HalpProgramIsaInterrupt(irq, (UCHAR)Vector, HalPlatform.ApicIds[0], TRUE);
}
