/*
 * processor.c: making a processor ready to run kernel code: its own GDT
 * and TSS (with the IST stacks), the shared IDT, and the GS base pointing
 * at its processor control region.
 */
#include "ki.h"

#define GDT_CODE64         0x00AF9A000000FFFFull /* present, DPL 0, code, long mode */
#define GDT_DATA           0x00CF92000000FFFFull /* present, DPL 0, data, writable */
#define TSS_TYPE_AVAILABLE 0x89ull               /* present, 64-bit TSS, available */

/* A TSS descriptor is 16 bytes: base and limit scattered over two slots. */
static VOID KiSetTssDescriptor(ULONG64 *Slot, ULONG64 Base, ULONG Limit)
{
    Slot[0] = (Limit & 0xFFFFull) | ((Base & 0xFFFFFFull) << 16) | (TSS_TYPE_AVAILABLE << 40) |
              ((ULONG64)(Limit >> 16 & 0xF) << 48) | (((Base >> 24) & 0xFFull) << 56);
    Slot[1] = Base >> 32;
}

static VOID KiLoadGdt(PKPCR Pcr)
{
    KDESCRIPTOR gdtr = {sizeof(Pcr->GdtBase) - 1, (ULONG64)Pcr->GdtBase};
    __asm__ volatile("lgdt %0\n\t"
                     /* Reload CS with a far return, then the data segments. */
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movw %w2, %%ax\n\t"
                     "movw %%ax, %%ds\n\t"
                     "movw %%ax, %%es\n\t"
                     "movw %%ax, %%ss\n\t"
                     "ltr %w3"
                     :
                     : "m"(gdtr), "i"(KGDT64_R0_CODE), "i"(KGDT64_R0_DATA), "r"(KGDT64_SYS_TSS)
                     : "rax", "memory");
}

VOID KiInitializeProcessor(PKPCR Pcr, ULONG Number, PVOID IstStackTops[KI_IST_COUNT])
{
    Pcr->Self = Pcr; /* the PCR starts zeroed: static, or from pool (smp.c) */
    Pcr->CurrentPrcb = &Pcr->Prcb;
    Pcr->Prcb.Number = Number;

    Pcr->GdtBase[0] = 0;
    Pcr->GdtBase[KGDT64_R0_CODE / 8] = GDT_CODE64;
    Pcr->GdtBase[KGDT64_R0_DATA / 8] = GDT_DATA;
    KiSetTssDescriptor(&Pcr->GdtBase[KGDT64_SYS_TSS / 8], (ULONG64)&Pcr->Tss, sizeof(Pcr->Tss) - 1);
    for (ULONG i = 0; i < KI_IST_COUNT; i++)
        Pcr->Tss.Ist[i + 1] = (ULONG64)IstStackTops[i];
    Pcr->Tss.IoMapBase = sizeof(Pcr->Tss); /* no I/O permission bitmap */

    KiLoadGdt(Pcr);
    KiLoadIdt();
    __writemsr(MSR_GS_BASE, (ULONG64)Pcr);
}

ULONG KeGetCurrentProcessorNumber(VOID)
{
    return KeGetCurrentPrcb()->Number;
}

PVOID KiCurrentOwner(VOID)
{
    PKPRCB prcb = KeGetCurrentPrcb();
    return prcb->CurrentThread ? (PVOID)prcb->CurrentThread : (PVOID)prcb;
}
