/*
 * ioapic.c: the I/O APIC routes device interrupt lines to processors.
 *
 * Each input pin (a "global system interrupt", GSI) has a redirection
 * entry: the vector to raise, the destination processor, the pin's
 * polarity and trigger mode, and a mask bit. ISA interrupts 0-15 are
 * wired to GSIs 0-15 except where ACPI's MADT lists an override (on a PC
 * the timer, IRQ 0, is usually on GSI 2) and the override also says
 * whether the line is active-low or level-triggered.
 *
 * The legacy 8259 PICs are masked: with an I/O APIC they have nothing to do.
 */
#include "halp.h"
#include "arch/x86.h"

#define IOAPIC_REGSEL           0x00
#define IOAPIC_WINDOW           0x10
#define IOAPIC_VERSION          0x01
#define IOAPIC_REDIRECTION(pin) (0x10 + 2 * (pin))
#define IOAPIC_MASKED           (1u << 16)
#define IOAPIC_LEVEL            (1u << 15)
#define IOAPIC_LOW              (1u << 13)

#define PIC1_DATA 0x21
#define PIC2_DATA 0xA1

typedef struct _HALP_IOAPIC {
    volatile ULONG *Registers;
    ULONG GsiBase;
    ULONG Pins;
    KSPIN_LOCK Lock; /* the select/window register pair */
} HALP_IOAPIC;

static HALP_IOAPIC HalpIoApics[HAL_MAX_IOAPICS]; /* set up once at boot; then each its Lock */
static ULONG HalpIoApicCount;                    /* set once at boot */

static ULONG HalpIoApicRead(HALP_IOAPIC *IoApic, ULONG Register)
{
    IoApic->Registers[IOAPIC_REGSEL / 4] = Register;
    return IoApic->Registers[IOAPIC_WINDOW / 4];
}

static VOID HalpIoApicWrite(HALP_IOAPIC *IoApic, ULONG Register, ULONG Value)
{
    IoApic->Registers[IOAPIC_REGSEL / 4] = Register;
    IoApic->Registers[IOAPIC_WINDOW / 4] = Value;
}

static VOID HalpMaskLegacyPic(VOID)
{
    __outbyte(PIC1_DATA, 0xFF);
    __outbyte(PIC2_DATA, 0xFF);
}

VOID HalInitializeIoApics(VOID)
{
    HalpMaskLegacyPic();
    for (ULONG i = 0; i < HalPlatform.IoApicCount; i++) {
        PHYSICAL_ADDRESS pa = {.QuadPart = (LONGLONG)HalPlatform.IoApics[i].Address};
        HALP_IOAPIC *io = &HalpIoApics[HalpIoApicCount];
        io->Registers = MmMapIoSpace(pa, PAGE_SIZE, MmNonCached);
        if (io->Registers == NULL) {
            DbgPrint("HAL: cannot map the I/O APIC at 0x%llx; its interrupts are lost\n",
                     (unsigned long long)pa.QuadPart);
            continue;
        }
        io->GsiBase = HalPlatform.IoApics[i].GsiBase;
        io->Pins = ((HalpIoApicRead(io, IOAPIC_VERSION) >> 16) & 0xFF) + 1;
        KeInitializeSpinLock(&io->Lock);
        for (ULONG pin = 0; pin < io->Pins; pin++)
            HalpIoApicWrite(io, IOAPIC_REDIRECTION(pin), IOAPIC_MASKED);
        HalpIoApicCount++;
    }
}

/* The ISA defaults (edge, active high, GSI = IRQ) unless an override says otherwise. */
static HAL_INTERRUPT_OVERRIDE HalpIsaRouting(ULONG Irq)
{
    for (ULONG i = 0; i < HalPlatform.OverrideCount; i++) {
        if (HalPlatform.Overrides[i].SourceIrq == Irq)
            return HalPlatform.Overrides[i];
    }
    return (HAL_INTERRUPT_OVERRIDE){(UCHAR)Irq, Irq, FALSE, FALSE};
}

BOOLEAN HalpProgramIsaInterrupt(ULONG Irq, UCHAR Vector, ULONG ApicId, BOOLEAN Masked)
{
    HAL_INTERRUPT_OVERRIDE route = HalpIsaRouting(Irq);
    for (ULONG i = 0; i < HalpIoApicCount; i++) {
        HALP_IOAPIC *io = &HalpIoApics[i];
        if (route.Gsi < io->GsiBase || route.Gsi >= io->GsiBase + io->Pins)
            continue;
        ULONG pin = route.Gsi - io->GsiBase;
        ULONG low = Vector | (route.ActiveLow ? IOAPIC_LOW : 0) |
                    (route.LevelTriggered ? IOAPIC_LEVEL : 0) | (Masked ? IOAPIC_MASKED : 0);
        KIRQL oldIrql;
        KeAcquireSpinLock(&io->Lock, &oldIrql);
        HalpIoApicWrite(io, IOAPIC_REDIRECTION(pin) + 1, ApicId << 24);
        HalpIoApicWrite(io, IOAPIC_REDIRECTION(pin), low);
        KeReleaseSpinLock(&io->Lock, oldIrql);
        return TRUE;
    }
    return FALSE;
}
