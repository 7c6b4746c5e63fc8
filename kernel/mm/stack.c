/*
 * stack.c: kernel stacks.
 *
 * Each stack is KERNEL_STACK_SIZE of mapped pages with one unmapped guard
 * page below it. A runaway recursion walks into the guard page; the
 * processor cannot even push the page fault's frame there, so it raises a
 * double fault instead, which runs on its own IST stack and reports
 * UNEXPECTED_KERNEL_MODE_TRAP (0x7F) with parameter 8, exactly as Windows
 * does for a kernel stack overflow.
 */
#include "mi.h"
#include "ke.h"

#define MI_STACK_PAGES (KERNEL_STACK_SIZE / PAGE_SIZE)

PVOID MmCreateKernelStack(VOID)
{
    PUCHAR base = MiReserveSystemPages(MI_STACK_PAGES + 1);
    if (base == NULL)
        return NULL;
    if (!NT_SUCCESS(MiMapFreshPages(base + PAGE_SIZE, MI_STACK_PAGES, MM_WRITE))) {
        MiReleaseSystemPages(base, MI_STACK_PAGES + 1);
        return NULL;
    }
    return base + (MI_STACK_PAGES + 1) * PAGE_SIZE;
}

VOID MmDeleteKernelStack(PVOID StackTop)
{
    PUCHAR base = (PUCHAR)StackTop - (MI_STACK_PAGES + 1) * PAGE_SIZE;
    MiUnmapAndFreePages(base + PAGE_SIZE, MI_STACK_PAGES);
    MiReleaseSystemPages(base, MI_STACK_PAGES + 1);
}

PVOID MmGetKernelStackLimit(PVOID StackTop)
{
    return (PUCHAR)StackTop - KERNEL_STACK_SIZE;
}
