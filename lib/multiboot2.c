/*
 * multiboot2.c: parsing and validating the multiboot2 boot information.
 *
 * Layout (Multiboot2 specification, section 3.6): a fixed part
 *     u32 total_size, u32 reserved
 * then tags, each 8-byte aligned:
 *     u32 type, u32 size (of this tag, header included, before padding)
 * ending with a tag of type 0 and size 8.
 */
#include "multiboot2.h"
#include "rtl.h"

enum {
    MB2_TAG_END = 0,
    MB2_TAG_CMDLINE = 1,
    MB2_TAG_BOOTLOADER = 2,
    MB2_TAG_MODULE = 3,
    MB2_TAG_MMAP = 6,
    MB2_TAG_ACPI_OLD = 14,
    MB2_TAG_ACPI_NEW = 15,
};

#define MB2_MMAP_ENTRY_MIN 24 /* u64 base, u64 length, u32 type, u32 reserved */
#define MB2_RAW_MAX        (MB2_MAX_REGIONS * 2)
#define MB2_ADDRESS_LIMIT  (1ull << 63)

typedef struct _MB2_PARSER {
    const UCHAR *Base;
    ULONG Size;
    MB2_INFO *Info;
    ULONG RawCount;
    MB2_REGION Raw[MB2_RAW_MAX];
    BOOLEAN SawMemoryMap;
} MB2_PARSER;

static ULONG Mb2Read32(const UCHAR *p)
{
    return (ULONG)p[0] | (ULONG)p[1] << 8 | (ULONG)p[2] << 16 | (ULONG)p[3] << 24;
}

static ULONG64 Mb2Read64(const UCHAR *p)
{
    return (ULONG64)Mb2Read32(p) | (ULONG64)Mb2Read32(p + 4) << 32;
}

static void Mb2Warn(MB2_INFO *Info, PCSTR Format, ...) __attribute__((format(printf, 2, 3)));
static void Mb2Warn(MB2_INFO *Info, PCSTR Format, ...)
{
    if (Info->WarningCount >= MB2_MAX_WARNINGS)
        return;
    va_list ap;
    va_start(ap, Format);
    RtlStringCbVPrintfA(Info->Warnings[Info->WarningCount++], MB2_MESSAGE_MAX, Format, ap);
    va_end(ap);
}

static NTSTATUS Mb2Fail(MB2_INFO *Info, PCSTR Format, ...) __attribute__((format(printf, 2, 3)));
static NTSTATUS Mb2Fail(MB2_INFO *Info, PCSTR Format, ...)
{
    va_list ap;
    va_start(ap, Format);
    RtlStringCbVPrintfA(Info->Error, MB2_MESSAGE_MAX, Format, ap);
    va_end(ap);
    return STATUS_INVALID_PARAMETER;
}

/* Copies a string field that should be NUL-terminated inside its tag. */
static void Mb2CopyString(MB2_INFO *Info, PSTR Dest, SIZE_T cbDest, const UCHAR *Src,
                          ULONG SrcLength, PCSTR What)
{
    SIZE_T n = KL_CRT(strnlen)((const char *)Src, SrcLength);
    if (n == SrcLength)
        Mb2Warn(Info, "%s is not NUL-terminated; truncated", What);
    if (n >= cbDest) {
        Mb2Warn(Info, "%s is %zu bytes; only the first %zu kept", What, n, cbDest - 1);
        n = cbDest - 1;
    }
    RtlCopyMemory(Dest, Src, n);
    Dest[n] = 0;
}

static void Mb2ParseMemoryMap(MB2_PARSER *P, const UCHAR *Tag, ULONG Size)
{
    MB2_INFO *Info = P->Info;
    if (Size < 16) {
        Mb2Warn(Info, "memory map tag too short (%u bytes); ignored", Size);
        return;
    }
    ULONG entrySize = Mb2Read32(Tag + 8);
    if (entrySize < MB2_MMAP_ENTRY_MIN || entrySize % 8 != 0) {
        Mb2Warn(Info, "memory map entry size %u is invalid; map ignored", entrySize);
        return;
    }
    P->SawMemoryMap = TRUE;
    for (ULONG off = 16; off + entrySize <= Size; off += entrySize) {
        ULONG64 base = Mb2Read64(Tag + off);
        ULONG64 length = Mb2Read64(Tag + off + 8);
        ULONG type = Mb2Read32(Tag + off + 16);
        if (length == 0)
            continue;
        if (base >= MB2_ADDRESS_LIMIT || length > MB2_ADDRESS_LIMIT - base) {
            /* Past any physical address x86-64 can have (and possibly
               wrapping past 2^64): keep what lies below the limit. */
            Mb2Warn(Info, "region at 0x%llx extends past 2^63; clipped", (unsigned long long)base);
            if (base >= MB2_ADDRESS_LIMIT)
                continue;
            length = MB2_ADDRESS_LIMIT - base;
        }
        if (type < Mb2MemoryUsable || type > Mb2MemoryBad)
            type = Mb2MemoryReserved;
        if (P->RawCount == MB2_RAW_MAX) {
            Mb2Warn(Info, "more than %u memory regions; the rest ignored", MB2_RAW_MAX);
            return;
        }
        P->Raw[P->RawCount++] = (MB2_REGION){base, length, type};
    }
}

static void Mb2ParseModule(MB2_PARSER *P, const UCHAR *Tag, ULONG Size)
{
    MB2_INFO *Info = P->Info;
    if (Size < 16) {
        Mb2Warn(Info, "module tag too short (%u bytes); ignored", Size);
        return;
    }
    ULONG start = Mb2Read32(Tag + 8), end = Mb2Read32(Tag + 12);
    if (end < start) {
        Mb2Warn(Info, "module at 0x%x ends before it starts; ignored", start);
        return;
    }
    if (Info->ModuleCount == MB2_MAX_MODULES) {
        Mb2Warn(Info, "more than %u modules; the rest ignored", MB2_MAX_MODULES);
        return;
    }
    MB2_MODULE *m = &Info->Modules[Info->ModuleCount++];
    m->Start = start;
    m->End = end;
    Mb2CopyString(Info, m->Name, sizeof(m->Name), Tag + 16, Size - 16, "module name");
}

static void Mb2ParseRsdp(MB2_PARSER *P, const UCHAR *Tag, ULONG Size, ULONG Type)
{
    MB2_INFO *Info = P->Info;
    ULONG need = Type == MB2_TAG_ACPI_OLD ? 20 : 36;
    if (Size - 8 < need) {
        Mb2Warn(Info, "ACPI RSDP tag %u holds %u bytes, needs %u; ignored", Type, Size - 8, need);
        return;
    }
    /* Prefer the ACPI 2.0 pointer (XSDT) when GRUB gives both. */
    if (Info->RsdpLength == 36 && Type == MB2_TAG_ACPI_OLD)
        return;
    RtlCopyMemory(Info->Rsdp, Tag + 8, need);
    Info->RsdpLength = need;
}

static void Mb2ParseTag(MB2_PARSER *P, const UCHAR *Tag, ULONG Type, ULONG Size)
{
    MB2_INFO *Info = P->Info;
    switch (Type) {
    case MB2_TAG_CMDLINE:
        Mb2CopyString(Info, Info->CommandLine, sizeof(Info->CommandLine), Tag + 8, Size - 8,
                      "command line");
        break;
    case MB2_TAG_BOOTLOADER:
        Mb2CopyString(Info, Info->BootLoaderName, sizeof(Info->BootLoaderName), Tag + 8, Size - 8,
                      "boot loader name");
        break;
    case MB2_TAG_MODULE:
        Mb2ParseModule(P, Tag, Size);
        break;
    case MB2_TAG_MMAP:
        Mb2ParseMemoryMap(P, Tag, Size);
        break;
    case MB2_TAG_ACPI_OLD:
    case MB2_TAG_ACPI_NEW:
        Mb2ParseRsdp(P, Tag, Size, Type);
        break;
    default:
        break; /* tags we do not use (framebuffer, ELF sections...) */
    }
}

/* Type of the point Address under the raw map: the most restrictive
   type among the raw regions that cover it, or 0 for a hole. */
static ULONG Mb2TypeAt(const MB2_PARSER *P, ULONG64 Address)
{
    ULONG type = 0;
    for (ULONG i = 0; i < P->RawCount; i++) {
        const MB2_REGION *r = &P->Raw[i];
        if (Address >= r->Base && Address - r->Base < r->Length && r->Type > type)
            type = r->Type;
    }
    return type;
}

static BOOLEAN Mb2HasOverlap(const MB2_PARSER *P)
{
    for (ULONG i = 0; i < P->RawCount; i++) {
        for (ULONG j = i + 1; j < P->RawCount; j++) {
            const MB2_REGION *a = &P->Raw[i], *b = &P->Raw[j];
            if (a->Base < b->Base + b->Length && b->Base < a->Base + a->Length)
                return TRUE;
        }
    }
    return FALSE;
}

/* Rebuilds the map as sorted, disjoint regions. Every region boundary is a
   point where the type may change; between two consecutive boundaries
   the type is constant, so it is sampled once there. */
static void Mb2NormalizeMemoryMap(MB2_PARSER *P)
{
    MB2_INFO *Info = P->Info;
    ULONG64 points[MB2_RAW_MAX * 2];
    ULONG n = 0;

    if (Mb2HasOverlap(P))
        Mb2Warn(Info, "memory map has overlapping regions; reserved types take precedence");
    for (ULONG i = 0; i < P->RawCount; i++) {
        points[n++] = P->Raw[i].Base;
        points[n++] = P->Raw[i].Base + P->Raw[i].Length;
    }
    for (ULONG i = 1; i < n; i++) { /* insertion sort: n <= 256 */
        ULONG64 v = points[i];
        ULONG j = i;
        for (; j > 0 && points[j - 1] > v; j--)
            points[j] = points[j - 1];
        points[j] = v;
    }
    Info->RegionCount = 0;
    for (ULONG i = 0; i + 1 < n; i++) {
        ULONG64 start = points[i], end = points[i + 1];
        if (start == end)
            continue;
        ULONG type = Mb2TypeAt(P, start);
        if (type == 0)
            continue;
        MB2_REGION *last = Info->RegionCount ? &Info->Regions[Info->RegionCount - 1] : NULL;
        if (last && last->Type == type && last->Base + last->Length == start) {
            last->Length += end - start;
        } else if (Info->RegionCount < MB2_MAX_REGIONS) {
            Info->Regions[Info->RegionCount++] = (MB2_REGION){start, end - start, type};
        } else {
            Mb2Warn(Info, "memory map too fragmented; regions above 0x%llx ignored",
                    (unsigned long long)start);
            return;
        }
    }
}

NTSTATUS Mb2ParseBootInformation(const VOID *Mbi, SIZE_T Available, MB2_INFO *Info)
{
    static const ULONG HeaderSize = 8;
    RtlZeroMemory(Info, sizeof(*Info));
    if (Mbi == NULL || ((ULONG_PTR)Mbi & 7) != 0)
        return Mb2Fail(Info, "boot information pointer %p is not 8-byte aligned", Mbi);
    if (Available < HeaderSize)
        return Mb2Fail(Info, "boot information buffer too small");

    MB2_PARSER *P = &(MB2_PARSER){.Base = Mbi, .Info = Info};
    P->Size = Mb2Read32(P->Base);
    Info->TotalSize = P->Size;
    if (P->Size < HeaderSize + 8 || P->Size > Available)
        return Mb2Fail(Info, "boot information total_size %u is outside 16..%zu", P->Size,
                       Available);

    BOOLEAN sawEnd = FALSE;
    for (ULONG off = HeaderSize; off + 8 <= P->Size;) {
        const UCHAR *tag = P->Base + off;
        ULONG type = Mb2Read32(tag), size = Mb2Read32(tag + 4);
        if (size < 8 || size > P->Size - off)
            return Mb2Fail(Info, "tag %u at offset %u has size %u, past the end (%u)", type, off,
                           size, P->Size);
        if (type == MB2_TAG_END) {
            sawEnd = TRUE;
            break;
        }
        Mb2ParseTag(P, tag, type, size);
        off += (size + 7) & ~7u;
    }
    if (!sawEnd)
        return Mb2Fail(Info, "boot information has no end tag");
    if (!P->SawMemoryMap)
        return Mb2Fail(Info, "boot information has no memory map");
    Mb2NormalizeMemoryMap(P);
    if (Mb2UsableBytes(Info) == 0)
        return Mb2Fail(Info, "memory map has no usable memory");
    return STATUS_SUCCESS;
}

ULONG64 Mb2UsableBytes(const MB2_INFO *Info)
{
    ULONG64 total = 0;
    for (ULONG i = 0; i < Info->RegionCount; i++) {
        if (Info->Regions[i].Type == Mb2MemoryUsable)
            total += Info->Regions[i].Length;
    }
    return total;
}
