/*
 * multiboot2.h: what the boot loader tells the kernel, checked and tidied.
 *
 * GRUB hands over a list of tags (memory map, command line, ACPI RSDP...).
 * It comes from outside the kernel, so Mb2ParseBootInformation treats it as
 * untrusted: every size is checked against the buffer, and the memory map
 * is returned sorted and free of overlaps. Anything malformed but
 * survivable becomes a warning the kernel prints; anything that makes the
 * information unusable is an error with a message.
 */
#ifndef KELAB_MULTIBOOT2_H
#define KELAB_MULTIBOOT2_H

#include "ntdef.h"

#define MB2_BOOTLOADER_MAGIC 0x36D76289u

/* Memory types of the multiboot2 memory map (the same as the E820 BIOS
   map). Higher values win when two regions overlap: an address is only
   usable if every region that covers it says so. */
typedef enum _MB2_MEMORY_TYPE {
    Mb2MemoryUsable = 1,
    Mb2MemoryReserved = 2,
    Mb2MemoryAcpiReclaimable = 3,
    Mb2MemoryAcpiNvs = 4,
    Mb2MemoryBad = 5,
} MB2_MEMORY_TYPE;

#define MB2_MAX_REGIONS  64
#define MB2_MAX_MODULES  8
#define MB2_MAX_WARNINGS 8
#define MB2_CMDLINE_MAX  1024
#define MB2_MESSAGE_MAX  112

typedef struct _MB2_REGION {
    ULONG64 Base;
    ULONG64 Length;
    ULONG Type; /* MB2_MEMORY_TYPE; anything unknown is treated as reserved */
} MB2_REGION;

typedef struct _MB2_MODULE {
    ULONG64 Start;
    ULONG64 End; /* exclusive */
    CHAR Name[64];
} MB2_MODULE;

typedef struct _MB2_INFO {
    ULONG TotalSize;
    CHAR CommandLine[MB2_CMDLINE_MAX];
    CHAR BootLoaderName[64];
    ULONG RegionCount;
    MB2_REGION Regions[MB2_MAX_REGIONS]; /* sorted by Base, disjoint */
    ULONG ModuleCount;
    MB2_MODULE Modules[MB2_MAX_MODULES];
    /* ACPI root pointer as GRUB copied it: revision 0 (tag 14, 20 bytes)
       or 2 (tag 15, 36 bytes). Kept for the ACPI table parser. */
    ULONG RsdpLength;
    UCHAR Rsdp[36];
    ULONG WarningCount;
    CHAR Warnings[MB2_MAX_WARNINGS][MB2_MESSAGE_MAX];
    CHAR Error[MB2_MESSAGE_MAX];
} MB2_INFO;

/* Parses the boot information at Mbi, of which Available bytes may be
   read. Returns STATUS_SUCCESS (Info filled, maybe with warnings) or
   STATUS_INVALID_PARAMETER with Info->Error saying why. */
NTSTATUS Mb2ParseBootInformation(const VOID *Mbi, SIZE_T Available, MB2_INFO *Info);

/* Total usable bytes in the parsed memory map. */
ULONG64 Mb2UsableBytes(const MB2_INFO *Info);

#endif
