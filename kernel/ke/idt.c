/*
 * idt.c: the interrupt descriptor table.
 *
 * One table serves every processor: entry V points at the stub for
 * vector V (trap.S). All entries are interrupt gates, so the processor
 * clears IF on entry; the handler decides when to enable interrupts again.
 * The double fault, NMI and machine check run on their own IST stacks.
 */
#include "ki.h"

#pragma pack(push, 1)
typedef struct _KIDTENTRY64 {
    USHORT OffsetLow;
    USHORT Selector;
    UCHAR IstIndex; /* bits 0-2 */
    UCHAR TypeAttributes;
    USHORT OffsetMiddle;
    ULONG OffsetHigh;
    ULONG Reserved;
} KIDTENTRY64;
#pragma pack(pop)

#define IDT_PRESENT_INTERRUPT_GATE 0x8E /* present, DPL 0, 64-bit interrupt gate */

static KIDTENTRY64 KiIdt[256] __attribute__((aligned(16))); /* written once at boot */

static VOID KiSetIdtEntry(ULONG Vector, ULONG64 Handler, UCHAR Ist)
{
    KIDTENTRY64 *e = &KiIdt[Vector];
    e->OffsetLow = (USHORT)Handler;
    e->Selector = KGDT64_R0_CODE;
    e->IstIndex = Ist;
    e->TypeAttributes = IDT_PRESENT_INTERRUPT_GATE;
    e->OffsetMiddle = (USHORT)(Handler >> 16);
    e->OffsetHigh = (ULONG)(Handler >> 32);
    e->Reserved = 0;
}

VOID KiInitializeIdt(VOID)
{
    for (ULONG v = 0; v < 256; v++)
        KiSetIdtEntry(v, KiTrapStubTable[v], 0);
    KiSetIdtEntry(2, KiTrapStubTable[2], KI_IST_NMI);
    KiSetIdtEntry(8, KiTrapStubTable[8], KI_IST_DOUBLE_FAULT);
    KiSetIdtEntry(18, KiTrapStubTable[18], KI_IST_MACHINE_CHECK);
}

VOID KiLoadIdt(VOID)
{
    KDESCRIPTOR idtr = {sizeof(KiIdt) - 1, (ULONG64)KiIdt};
    __asm__ volatile("lidt %0" : : "m"(idtr));
}
