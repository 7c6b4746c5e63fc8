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
static UCHAR HalpNextVector = FIRST_DEVICE_VECTOR; /* HalpVectorLock: the next ISA vector */
static UCHAR HalpMessageVector[256];               /* HalpVectorLock: 1 = a message's */

ULONG HalGetInterruptVector(INTERFACE_TYPE InterfaceType, ULONG BusNumber, ULONG BusInterruptLevel,
                            ULONG BusInterruptVector, PKIRQL Irql, PKAFFINITY Affinity)
{
    UNREFERENCED_PARAMETER(BusInterruptVector);
    if (InterfaceType != Isa || BusNumber != 0 || BusInterruptLevel >= ISA_IRQS)
        return 0; /* only ISA interrupts are routed this way */
    KIRQL oldIrql;
    KeAcquireSpinLock(&HalpVectorLock, &oldIrql);
    UCHAR vector = HalpIsaVector[BusInterruptLevel];
    if (vector == 0 && HalpNextVector <= LAST_DEVICE_VECTOR && !HalpMessageVector[HalpNextVector]) {
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

/*
 * Message-signalled interrupts (MSI and MSI-X): the device raises one by
 * writing a value to an address, and on x86 the address names a local
 * APIC (0xFEE00000 | APIC ID << 12) and the value is the vector, edge
 * triggered (Intel SDM vol. 3, "Message Signalled Interrupts"). No I/O
 * APIC pin is involved, so there is nothing to unmask here: the device's
 * own mask bits do that. Message vectors are handed out from the top of
 * the device range down (ISA's from the bottom up), and given back when
 * the device goes.
 */
BOOLEAN HalAllocateMessageVectors(ULONG Count, PULONG Vectors)
{
    KIRQL oldIrql;
    ULONG found = 0;
    KeAcquireSpinLock(&HalpVectorLock, &oldIrql);
    for (ULONG v = LAST_DEVICE_VECTOR; v >= HalpNextVector && found < Count; v--) {
        if (!HalpMessageVector[v])
            Vectors[found++] = v;
    }
    for (ULONG i = 0; found == Count && i < Count; i++)
        HalpMessageVector[Vectors[i]] = 1;
    KeReleaseSpinLock(&HalpVectorLock, oldIrql);
    return found == Count;
}

VOID HalFreeMessageVectors(ULONG Count, const ULONG *Vectors)
{
    KIRQL oldIrql;
    KeAcquireSpinLock(&HalpVectorLock, &oldIrql);
    for (ULONG i = 0; i < Count; i++)
        HalpMessageVector[Vectors[i] & 0xFF] = 0;
    KeReleaseSpinLock(&HalpVectorLock, oldIrql);
}

VOID HalGetMessageTarget(ULONG Vector, KAFFINITY Affinity, PPHYSICAL_ADDRESS Address, PULONG Data)
{
    ULONG processor = 0;
    while (processor + 1 < HalPlatform.ProcessorCount && !(Affinity & ((KAFFINITY)1 << processor)))
        processor++;
    Address->QuadPart = 0xFEE00000ll | (LONGLONG)HalPlatform.ApicIds[processor] << 12;
    *Data = Vector & 0xFF; /* fixed delivery, edge triggered */
}
