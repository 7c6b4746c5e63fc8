/*
 * mdl.c: allocating and freeing MDLs, and describing part of one: the I/O
 * manager's share of memory descriptor lists. What an MDL is, and filling
 * in and mapping its pages, is the memory manager's (kernel/mm/mdl.c).
 */
#include "iop.h"

PMDL IoAllocateMdl(PVOID VirtualAddress, ULONG Length, BOOLEAN SecondaryBuffer, BOOLEAN ChargeQuota,
                   PIRP Irp)
{
    UNREFERENCED_PARAMETER(ChargeQuota);
    SIZE_T size = MmSizeOfMdl(VirtualAddress, Length);
    if (Length == 0 || size > 0x7FFF) /* Size is a CSHORT: about 16 MiB of buffer */
        return NULL;
    PMDL mdl = ExAllocatePoolWithTag(NonPagedPool, size, IOP_TAG_MDL);
    if (mdl == NULL)
        return NULL;
    MmInitializeMdl(mdl, VirtualAddress, Length);
    if (Irp != NULL && !SecondaryBuffer) {
        Irp->MdlAddress = mdl;
    } else if (Irp != NULL) { /* chained after the IRP's last MDL */
        PMDL *last = &Irp->MdlAddress;
        while (*last != NULL)
            last = &(*last)->Next;
        *last = mdl;
    }
    return mdl;
}

/* An MDL that MmMapLockedPagesSpecifyCache mapped is unmapped with it. */
VOID IoFreeMdl(PMDL Mdl)
{
    if ((Mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) && !(Mdl->MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL))
        MmUnmapLockedPages(Mdl->MappedSystemVa, Mdl);
    ExFreePoolWithTag(Mdl, IOP_TAG_MDL);
}

/* The target shares the source's pages from VirtualAddress on (Length 0:
   to the end of the source). A part of a resident buffer is resident and
   mapped where the source is; a part of a mapped MDL must be mapped on
   its own (MmGetSystemAddressForMdlSafe). A part outside the source, or
   too big for the target's frame array, is the caller's bug, and NT's
   stop codes for it say which. */
VOID IoBuildPartialMdl(PMDL SourceMdl, PMDL TargetMdl, PVOID VirtualAddress, ULONG Length)
{
    ULONG_PTR offset = (PUCHAR)VirtualAddress - (PUCHAR)MmGetMdlVirtualAddress(SourceMdl);
    if (offset > SourceMdl->ByteCount || Length > SourceMdl->ByteCount - offset)
        KeBugCheckEx(INVALID_MDL_RANGE, (ULONG_PTR)SourceMdl, (ULONG_PTR)TargetMdl,
                     (ULONG_PTR)VirtualAddress, Length);
    if (Length == 0)
        Length = SourceMdl->ByteCount - (ULONG)offset;
    if (MmSizeOfMdl(VirtualAddress, Length) > (SIZE_T)TargetMdl->Size)
        KeBugCheckEx(TARGET_MDL_TOO_SMALL, 0, 0, 0, 0);
    CSHORT size = TargetMdl->Size;
    MmInitializeMdl(TargetMdl, VirtualAddress, Length);
    TargetMdl->Size = size;
    ULONG first = (ULONG)((SourceMdl->ByteOffset + offset) >> PAGE_SHIFT);
    ULONG count = ADDRESS_AND_SIZE_TO_SPAN_PAGES(VirtualAddress, Length);
    RtlCopyMemory(MmGetMdlPfnArray(TargetMdl), MmGetMdlPfnArray(SourceMdl) + first,
                  count * sizeof(PFN_NUMBER));
    TargetMdl->MdlFlags = MDL_PARTIAL;
    if (SourceMdl->MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL) {
        TargetMdl->MdlFlags |= MDL_SOURCE_IS_NONPAGED_POOL;
        TargetMdl->MappedSystemVa = (PUCHAR)SourceMdl->MappedSystemVa + offset;
    }
}
