/*
 * acpi_image.h: a slice of fake physical memory for the ACPI parser, in
 * the format of the .acpi files in tests/host/data/ (captured from QEMU by
 * tests/host/data/capture-qemu-acpi), of the synthetic tables in
 * test_acpi.c and of the fuzzer's inputs:
 *
 *   offset 0   u64 Base: the physical address of byte 0
 *   offset 8   the RSDP (up to 36 bytes), as GRUB would copy it
 *   the whole buffer is physical memory [Base, Base + Size); every other
 *   address is unreadable.
 */
#ifndef KELAB_HOST_ACPI_IMAGE_H
#define KELAB_HOST_ACPI_IMAGE_H

#include <string.h>
#include "acpi.h"

#define ACPI_IMAGE_RSDP 8

typedef struct {
    const UCHAR *Bytes;
    SIZE_T Size;
    ULONG64 Base;
} ACPI_IMAGE;

/* The map callback: a pointer into the buffer, or NULL for anything
   outside it. */
static inline const VOID *AcpiImageMap(PVOID Context, ULONG64 PhysicalAddress, ULONG Length)
{
    const ACPI_IMAGE *image = Context;
    ULONG64 offset = PhysicalAddress - image->Base;
    if (PhysicalAddress < image->Base || offset > image->Size || Length > image->Size - offset)
        return NULL;
    return image->Bytes + offset;
}

/* Calls AcpiInitialize on an image, with the RSDP copy at its fixed
   offset (as many of its 36 bytes as the image holds). */
static inline NTSTATUS AcpiImageInitialize(ACPI_TABLES *Tables, ACPI_IMAGE *Image,
                                           const UCHAR *Bytes, SIZE_T Size)
{
    Image->Bytes = Bytes;
    Image->Size = Size;
    Image->Base = 0;
    if (Size >= 8)
        memcpy(&Image->Base, Bytes, 8); /* little-endian host */
    ULONG rsdpLength = Size <= ACPI_IMAGE_RSDP ? 0 : (ULONG)(Size - ACPI_IMAGE_RSDP);
    if (rsdpLength > 36)
        rsdpLength = 36;
    return AcpiInitialize(Tables, Bytes + (rsdpLength ? ACPI_IMAGE_RSDP : 0), rsdpLength,
                          AcpiImageMap, Image);
}

#endif
