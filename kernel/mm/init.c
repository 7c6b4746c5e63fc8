/*
 * init.c: bringing the memory manager up, in dependency order.
 */
#include "mi.h"

VOID MmInitSystem(const MB2_INFO *Boot)
{
    MiInitializePhysicalMemory(Boot); /* a page allocator over the memory map */
    MiInitializePaging(Boot);         /* real page tables: direct map, protected image */
    MiInitializeSystemSpace();        /* address space for stacks and large pool */
}
