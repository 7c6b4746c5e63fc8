/*
 * backtrace.c: walking the stack and printing registers for a bug check.
 *
 * KeLab is compiled with frame pointers: every function starts with
 * push rbp; mov rbp, rsp, so [rbp] holds the caller's rbp and [rbp+8] the
 * return address. Following that chain lists the calls that led here.
 * The walk runs during a crash, on a stack that may be corrupt, so every
 * frame is checked (mapped, aligned, moving up the stack) before it is read.
 */
#include "ki.h"
#include "mm.h"

#define KI_MAX_FRAMES 32

static VOID KiPrintFrame(ULONG Index, ULONG64 Address)
{
    PCSTR name;
    ULONG64 offset;
    if (KeLookupSymbol(Address, &name, &offset))
        DbgPrint("  #%-2u 0x%016llx %s+0x%llx\n", Index, (unsigned long long)Address, name,
                 (unsigned long long)offset);
    else
        DbgPrint("  #%-2u 0x%016llx\n", Index, (unsigned long long)Address);
}

static BOOLEAN KiIsFrameReadable(ULONG64 Rbp)
{
    return Rbp >= MM_USER_PROBE_ADDRESS && (Rbp & 7) == 0 && MmIsAddressValid((PVOID)Rbp) &&
           MmIsAddressValid((PVOID)(Rbp + 15));
}

VOID KiPrintBacktrace(ULONG64 Rip, ULONG64 Rbp)
{
    ULONG i = 0;
    DbgPrint("\nBacktrace:\n");
    if (Rip != 0)
        KiPrintFrame(i++, Rip);
    for (; i < KI_MAX_FRAMES && Rbp != 0; i++) {
        if (!KiIsFrameReadable(Rbp)) {
            DbgPrint("  (frame pointer 0x%016llx is not readable; stopping)\n",
                     (unsigned long long)Rbp);
            return;
        }
        ULONG64 next = ((PULONG64)Rbp)[0];
        ULONG64 ret = ((PULONG64)Rbp)[1];
        if (ret == 0)
            return;
        KiPrintFrame(i, ret);
        if (next != 0 && next <= Rbp)
            return; /* frames must move up the stack; anything else is a loop */
        Rbp = next;
    }
}

VOID KiPrintRegisters(PKTRAP_FRAME f)
{
    PCSTR name;
    ULONG64 offset;
    DbgPrint("\nTrap frame: vector %llu, error code 0x%llx\n", (unsigned long long)f->Vector,
             (unsigned long long)f->ErrorCode);
    DbgPrint("rax=%016llx rbx=%016llx rcx=%016llx\n", (unsigned long long)f->Rax,
             (unsigned long long)f->Rbx, (unsigned long long)f->Rcx);
    DbgPrint("rdx=%016llx rsi=%016llx rdi=%016llx\n", (unsigned long long)f->Rdx,
             (unsigned long long)f->Rsi, (unsigned long long)f->Rdi);
    DbgPrint("rsp=%016llx rbp=%016llx  r8=%016llx\n", (unsigned long long)f->Rsp,
             (unsigned long long)f->Rbp, (unsigned long long)f->R8);
    DbgPrint(" r9=%016llx r10=%016llx r11=%016llx\n", (unsigned long long)f->R9,
             (unsigned long long)f->R10, (unsigned long long)f->R11);
    DbgPrint("r12=%016llx r13=%016llx r14=%016llx\n", (unsigned long long)f->R12,
             (unsigned long long)f->R13, (unsigned long long)f->R14);
    DbgPrint("r15=%016llx efl=%08llx cr2=%016llx\n", (unsigned long long)f->R15,
             (unsigned long long)f->EFlags, (unsigned long long)__readcr2());
    if (KeLookupSymbol(f->Rip, &name, &offset))
        DbgPrint("rip=%016llx %s+0x%llx\n", (unsigned long long)f->Rip, name,
                 (unsigned long long)offset);
    else
        DbgPrint("rip=%016llx\n", (unsigned long long)f->Rip);
}
