/*
 * acpip.h: what the ACPI parser's files share and nothing else sees
 * (NT names private headers with a trailing p, like halp.h).
 *
 * Table fields are little-endian and mostly unaligned, and the bytes may
 * be hostile, so fields are assembled a byte at a time; no structure is
 * ever laid over table memory.
 */
#ifndef KELAB_ACPIP_H
#define KELAB_ACPIP_H

#include "acpi.h"
#include "rtl.h"

/* Every table starts with this 36-byte header: signature, length (of the
   whole table), revision, checksum (all bytes sum to 0 mod 256), then OEM
   identification. */
#define ACPI_HEADER_LENGTH   36
#define ACPI_LENGTH_OFFSET   4
#define ACPI_REVISION_OFFSET 8

/* Bounds for hostile lengths and addresses: the biggest real tables (DSDTs)
   are well under 1 MiB, and x86-64 physical addresses have at most 52 bits. */
#define ACPI_MAX_TABLE_LENGTH (4u << 20)
#define ACPI_PHYSICAL_LIMIT   (1ull << 52)

static inline USHORT AcpiRead16(const UCHAR *p)
{
    return (USHORT)(p[0] | p[1] << 8);
}

static inline ULONG AcpiRead32(const UCHAR *p)
{
    return (ULONG)p[0] | (ULONG)p[1] << 8 | (ULONG)p[2] << 16 | (ULONG)p[3] << 24;
}

static inline ULONG64 AcpiRead64(const UCHAR *p)
{
    return (ULONG64)AcpiRead32(p) | (ULONG64)AcpiRead32(p + 4) << 32;
}

/* A Generic Address Structure: 12 bytes. */
#define ACPI_GAS_LENGTH 12
VOID AcpiReadGas(const UCHAR *p, ACPI_GAS *Gas);

VOID AcpiWarn(ACPI_MESSAGES *Messages, PCSTR Format, ...) __attribute__((format(printf, 2, 3)));
NTSTATUS AcpiFail(ACPI_MESSAGES *Messages, NTSTATUS Status, PCSTR Format, ...)
    __attribute__((format(printf, 3, 4)));

/* Maps the first recorded table with this signature, for a parser: its
   recorded Length (already validated) is what may be read. Fails with
   STATUS_NOT_FOUND or STATUS_INVALID_PARAMETER and Messages->Error set
   when the table is absent, unreadable or shorter than MinimumLength. */
NTSTATUS AcpiMapTable(const ACPI_TABLES *Tables, PCSTR Signature, ULONG MinimumLength,
                      const UCHAR **Table, ULONG *Length, ACPI_MESSAGES *Messages);

/* acpi_fadt.c: the DSDT address an FADT gives (0 if none), for the table
   list. */
ULONG64 AcpiFadtDsdtAddress(const UCHAR *Fadt, ULONG Length);

#endif
