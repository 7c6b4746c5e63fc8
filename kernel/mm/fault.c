/*
 * fault.c: what a page fault in kernel mode means.
 *
 * The only fault KeLab resolves is one on a pageable page that is paged
 * out, below DISPATCH_LEVEL (kernel/mm/pageable.c). Any other page fault
 * is a bug, and the question is only which bug check names it best. The
 * order of the checks follows Windows:
 *   - the page is present but the access is not allowed: writing
 *     read-only memory (0xBE) or executing no-execute memory (0xFC);
 *   - IRQL is DISPATCH_LEVEL or above: IRQL_NOT_LESS_OR_EQUAL (0xA), or
 *     DRIVER_IRQL_NOT_LESS_OR_EQUAL (0xD1) when the faulting code belongs
 *     to a driver, whatever the address: at that level nothing may fault;
 *   - the address is in the user half (a NULL pointer, typically): an
 *     access violation nobody handles, KMODE_EXCEPTION_NOT_HANDLED (0x1E);
 *   - otherwise invalid kernel memory: PAGE_FAULT_IN_NONPAGED_AREA (0x50).
 * For 0xA and 0x1E the access type is 0 read, 1 write, 8 execute.
 */
#include "mi.h"
#include "ke.h"

#define PF_PRESENT 0x01 /* error code bits pushed by the processor */
#define PF_WRITE   0x02
#define PF_FETCH   0x10

VOID MmAccessFault(PKTRAP_FRAME TrapFrame)
{
    ULONG64 address = __readcr2();
    ULONG64 error = TrapFrame->ErrorCode;
    ULONG access = (error & PF_FETCH) ? 8 : (error & PF_WRITE) ? 1 : 0;
    KIRQL irql = KeGetCurrentIrql();

    if (!(error & PF_PRESENT) && MiResolvePageableFault(address, irql))
        return; /* a pageable page, paged back in: retry the instruction */

    if (error & PF_PRESENT) {
        ULONG64 pte = MiReadPte((PVOID)address);
        if (error & PF_FETCH)
            KeBugCheckWithTrapFrame(ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY, address, pte, 0, 0,
                                    TrapFrame);
        if (error & PF_WRITE)
            KeBugCheckWithTrapFrame(ATTEMPTED_WRITE_TO_READONLY_MEMORY, address, pte, 0, 0,
                                    TrapFrame);
    }
    if (irql >= DISPATCH_LEVEL)
        KeBugCheckWithTrapFrame(MiIsDriverAddress(TrapFrame->Rip) ? DRIVER_IRQL_NOT_LESS_OR_EQUAL
                                                                  : IRQL_NOT_LESS_OR_EQUAL,
                                address, irql, access, TrapFrame->Rip, TrapFrame);
    if (address < MM_USER_PROBE_ADDRESS)
        KeBugCheckWithTrapFrame(KMODE_EXCEPTION_NOT_HANDLED, (ULONG)STATUS_ACCESS_VIOLATION,
                                TrapFrame->Rip, access, address, TrapFrame);
    KeBugCheckWithTrapFrame(PAGE_FAULT_IN_NONPAGED_AREA, address, access, TrapFrame->Rip, 0,
                            TrapFrame);
}
