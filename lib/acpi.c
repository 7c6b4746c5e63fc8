/*
 * acpi.c: from the RSDP to the list of tables (ACPI 6.5, section 5.2).
 *
 *   RSDP  "RSD PTR " signature, checksum over its first 20 bytes, OEM id,
 *         revision, RSDT address (32-bit); from revision 2 on also its
 *         length, the XSDT address (64-bit) and an extended checksum
 *         over all 36 bytes.
 *   RSDT  a table header, then 32-bit physical addresses of tables.
 *   XSDT  the same with 64-bit addresses. It supersedes the RSDT when
 *         present, so a machine with tables above 4 GiB can list them.
 *
 * Each listed table has the common 36-byte header (acpip.h), whose
 * checksum covers the whole table. A table that fails is skipped with a
 * warning; the root itself failing is an error, after trying the RSDT
 * when the XSDT fails.
 */
#include "acpip.h"

#define RSDP_V1_LENGTH    20
#define RSDP_V2_LENGTH    36
#define RSDP_REVISION     15
#define RSDP_RSDT_ADDRESS 16
#define RSDP_LENGTH       20
#define RSDP_XSDT_ADDRESS 24

VOID AcpiWarn(ACPI_MESSAGES *Messages, PCSTR Format, ...)
{
    if (Messages->WarningCount >= ACPI_MAX_WARNINGS) {
        Messages->WarningsDropped++;
        return;
    }
    va_list ap;
    va_start(ap, Format);
    RtlStringCbVPrintfA(Messages->Warnings[Messages->WarningCount++], ACPI_MESSAGE_MAX, Format, ap);
    va_end(ap);
}

NTSTATUS AcpiFail(ACPI_MESSAGES *Messages, NTSTATUS Status, PCSTR Format, ...)
{
    va_list ap;
    va_start(ap, Format);
    RtlStringCbVPrintfA(Messages->Error, ACPI_MESSAGE_MAX, Format, ap);
    va_end(ap);
    return Status;
}

VOID AcpiReadGas(const UCHAR *p, ACPI_GAS *Gas)
{
    Gas->AddressSpace = p[0];
    Gas->BitWidth = p[1];
    Gas->BitOffset = p[2];
    Gas->AccessSize = p[3];
    Gas->Address = AcpiRead64(p + 4);
}

static UCHAR AcpiChecksum(const UCHAR *p, ULONG Length)
{
    UCHAR sum = 0;
    for (ULONG i = 0; i < Length; i++)
        sum += p[i];
    return sum;
}

/* Copies a fixed-size name field for printing: anything unprintable
   becomes '?', so hostile bytes cannot garble the console. */
static VOID AcpiCopyName(PSTR Dest, const UCHAR *Src, ULONG Length)
{
    for (ULONG i = 0; i < Length; i++)
        Dest[i] = Src[i] >= 0x20 && Src[i] < 0x7F ? (CHAR)Src[i] : '?';
    Dest[Length] = 0;
}

/* Asks the caller for a readable view, after checking that the range is
   one a table could occupy: not address 0, not wrapping, not beyond any
   physical address an x86-64 processor can have. */
static const UCHAR *AcpiMapRange(const ACPI_TABLES *Tables, ULONG64 Address, ULONG Length)
{
    if (Address == 0 || Address >= ACPI_PHYSICAL_LIMIT || Length > ACPI_PHYSICAL_LIMIT - Address)
        return NULL;
    return Tables->Map(Tables->MapContext, Address, Length);
}

/* Checks the table at Address (header, length, checksum, and signature
   when Expected is not NULL) and describes it in *Table. On failure,
   returns FALSE with the reason in Why. */
static BOOLEAN AcpiCheckTable(const ACPI_TABLES *Tables, ULONG64 Address, PCSTR Expected,
                              ACPI_TABLE *Table, CHAR Why[ACPI_MESSAGE_MAX])
{
    const UCHAR *header = AcpiMapRange(Tables, Address, ACPI_HEADER_LENGTH);
    if (header == NULL) {
        RtlStringCbPrintfA(Why, ACPI_MESSAGE_MAX, "%s at 0x%llx is not readable",
                           Expected ? Expected : "table", (unsigned long long)Address);
        return FALSE;
    }
    AcpiCopyName(Table->Signature, header, 4);
    Table->Address = Address;
    Table->Length = AcpiRead32(header + ACPI_LENGTH_OFFSET);
    Table->Revision = header[ACPI_REVISION_OFFSET];
    PCSTR name = Table->Signature;
    if (Expected != NULL && !RtlEqualMemory(header, Expected, 4)) {
        RtlStringCbPrintfA(Why, ACPI_MESSAGE_MAX, "%s at 0x%llx has signature \"%s\"", Expected,
                           (unsigned long long)Address, name);
        return FALSE;
    }
    if (Table->Length < ACPI_HEADER_LENGTH || Table->Length > ACPI_MAX_TABLE_LENGTH) {
        RtlStringCbPrintfA(Why, ACPI_MESSAGE_MAX, "%s at 0x%llx: length %u is not 36..%u", name,
                           (unsigned long long)Address, Table->Length, ACPI_MAX_TABLE_LENGTH);
        return FALSE;
    }
    const UCHAR *whole = AcpiMapRange(Tables, Address, Table->Length);
    if (whole == NULL) {
        RtlStringCbPrintfA(Why, ACPI_MESSAGE_MAX, "%s at 0x%llx: its %u bytes are not readable",
                           name, (unsigned long long)Address, Table->Length);
        return FALSE;
    }
    UCHAR sum = AcpiChecksum(whole, Table->Length);
    if (sum != 0) {
        RtlStringCbPrintfA(Why, ACPI_MESSAGE_MAX, "%s at 0x%llx: checksum is off by 0x%02x", name,
                           (unsigned long long)Address, sum);
        return FALSE;
    }
    return TRUE;
}

static VOID AcpiRecordTable(ACPI_TABLES *Tables, const ACPI_TABLE *Table)
{
    if (Tables->TableCount == ACPI_MAX_TABLES) {
        AcpiWarn(&Tables->Messages, "more than %u tables; %s at 0x%llx ignored", ACPI_MAX_TABLES,
                 Table->Signature, (unsigned long long)Table->Address);
        return;
    }
    Tables->Tables[Tables->TableCount++] = *Table;
}

/* Records every valid table the root lists; EntrySize is 4 (RSDT) or 8
   (XSDT). The root was validated: its Length bytes were readable once. */
static VOID AcpiWalkRoot(ACPI_TABLES *Tables, const ACPI_TABLE *Root, ULONG EntrySize)
{
    const UCHAR *root = AcpiMapRange(Tables, Root->Address, Root->Length);
    ULONG count = (Root->Length - ACPI_HEADER_LENGTH) / EntrySize;
    CHAR why[ACPI_MESSAGE_MAX];

    if (root == NULL) { /* the kernel could not map it a second time */
        AcpiWarn(&Tables->Messages, "%s is no longer readable; no tables", Root->Signature);
        return;
    }

    if ((Root->Length - ACPI_HEADER_LENGTH) % EntrySize != 0)
        AcpiWarn(&Tables->Messages, "%s length %u leaves a partial entry; ignored", Root->Signature,
                 Root->Length);
    for (ULONG i = 0; i < count; i++) {
        const UCHAR *entry = root + ACPI_HEADER_LENGTH + i * EntrySize;
        ULONG64 address = EntrySize == 8 ? AcpiRead64(entry) : AcpiRead32(entry);
        ACPI_TABLE table;
        if (address == 0) {
            AcpiWarn(&Tables->Messages, "%s entry %u is address 0; skipped", Root->Signature, i);
        } else if (!AcpiCheckTable(Tables, address, NULL, &table, why)) {
            AcpiWarn(&Tables->Messages, "%s; skipped", why);
        } else {
            AcpiRecordTable(Tables, &table);
        }
    }
}

/* The DSDT is not listed in the root: the FADT points to it. Recording it
   lets AcpiFindTable find it like any other table. Without an FADT there
   is nothing to record (AcpiParseFadt reports that). */
static VOID AcpiRecordDsdt(ACPI_TABLES *Tables)
{
    ULONG64 fadtAddress;
    ULONG length;
    if (!NT_SUCCESS(AcpiFindTable(Tables, "FACP", &fadtAddress, &length)))
        return;
    const UCHAR *fadt = AcpiMapRange(Tables, fadtAddress, length);
    ULONG64 address = fadt != NULL ? AcpiFadtDsdtAddress(fadt, length) : 0;
    ACPI_TABLE dsdt;
    CHAR why[ACPI_MESSAGE_MAX];
    if (address == 0)
        AcpiWarn(&Tables->Messages, "the FADT names no DSDT");
    else if (!AcpiCheckTable(Tables, address, "DSDT", &dsdt, why))
        AcpiWarn(&Tables->Messages, "%s; skipped", why);
    else
        AcpiRecordTable(Tables, &dsdt);
}

/* Looks for a valid RSDP on the 16-byte boundaries of one area. */
static const UCHAR *AcpiScanArea(ACPI_TABLES *Tables, ULONG64 Start, ULONG Length)
{
    const UCHAR *area = AcpiMapRange(Tables, Start, Length);
    if (area == NULL)
        return NULL;
    for (ULONG off = 0; off + RSDP_V2_LENGTH <= Length; off += 16) {
        if (RtlEqualMemory(area + off, "RSD PTR ", 8) &&
            AcpiChecksum(area + off, RSDP_V1_LENGTH) == 0) {
            Tables->RsdpAddress = Start + off;
            return area + off;
        }
    }
    return NULL;
}

/* Without a copy from the loader, the RSDP is found where PC firmware
   puts it: in the first KiB of the EBDA (whose segment the BIOS data area
   holds at 0x40E), or in the BIOS ROM area 0xE0000-0xFFFFF. */
static const UCHAR *AcpiScanForRsdp(ACPI_TABLES *Tables)
{
    const UCHAR *found = NULL;
    const UCHAR *segment = AcpiMapRange(Tables, 0x40E, 2);
    if (segment != NULL)
        found = AcpiScanArea(Tables, (ULONG64)AcpiRead16(segment) << 4, 1024);
    if (found == NULL)
        found = AcpiScanArea(Tables, 0xE0000, 0x20000);
    return found;
}

/* Validates the RSDP and returns the XSDT address it gives, or 0 when it
   gives none we may trust (the RSDT address is then the only root). */
static NTSTATUS AcpiCheckRsdp(ACPI_TABLES *Tables, const UCHAR *Rsdp, ULONG RsdpLength,
                              ULONG64 *Xsdt)
{
    ACPI_MESSAGES *m = &Tables->Messages;
    *Xsdt = 0;
    if (RsdpLength < RSDP_V1_LENGTH)
        return AcpiFail(m, STATUS_INVALID_PARAMETER, "RSDP is %u bytes, needs %u", RsdpLength,
                        RSDP_V1_LENGTH);
    if (!RtlEqualMemory(Rsdp, "RSD PTR ", 8))
        return AcpiFail(m, STATUS_INVALID_PARAMETER, "RSDP signature is not \"RSD PTR \"");
    UCHAR sum = AcpiChecksum(Rsdp, RSDP_V1_LENGTH);
    if (sum != 0)
        return AcpiFail(m, STATUS_INVALID_PARAMETER, "RSDP checksum is off by 0x%02x", sum);
    Tables->RsdpRevision = Rsdp[RSDP_REVISION];
    AcpiCopyName(Tables->OemId, Rsdp + 9, 6);
    if (Tables->RsdpRevision < 2)
        return STATUS_SUCCESS;

    /* ACPI 2.0 and later: the extension must be whole and check out, or
       the XSDT address in it means nothing. */
    if (RsdpLength < RSDP_V2_LENGTH || AcpiRead32(Rsdp + RSDP_LENGTH) < RSDP_V2_LENGTH)
        AcpiWarn(m, "RSDP revision %u is too short for an XSDT address; using the RSDT",
                 Tables->RsdpRevision);
    else if ((sum = AcpiChecksum(Rsdp, RSDP_V2_LENGTH)) != 0)
        AcpiWarn(m, "RSDP extended checksum is off by 0x%02x; using the RSDT", sum);
    else
        *Xsdt = AcpiRead64(Rsdp + RSDP_XSDT_ADDRESS);
    return STATUS_SUCCESS;
}

/* Picks the root: the XSDT if the RSDP gives one and it checks out, else
   the RSDT. */
static NTSTATUS AcpiChooseRoot(ACPI_TABLES *Tables, const UCHAR *Rsdp, ULONG64 Xsdt,
                               ACPI_TABLE *Root, ULONG *EntrySize)
{
    CHAR why[ACPI_MESSAGE_MAX];
    if (Xsdt != 0) {
        *EntrySize = 8;
        if (AcpiCheckTable(Tables, Xsdt, "XSDT", Root, why))
            return STATUS_SUCCESS;
        AcpiWarn(&Tables->Messages, "%s; using the RSDT", why);
    }
    *EntrySize = 4;
    if (AcpiCheckTable(Tables, AcpiRead32(Rsdp + RSDP_RSDT_ADDRESS), "RSDT", Root, why))
        return STATUS_SUCCESS;
    return AcpiFail(&Tables->Messages, STATUS_INVALID_PARAMETER, "no usable root table: %s", why);
}

NTSTATUS AcpiInitialize(ACPI_TABLES *Tables, const UCHAR *Rsdp, ULONG RsdpLength, PACPI_MAP Map,
                        PVOID Context)
{
    RtlZeroMemory(Tables, sizeof(*Tables));
    Tables->Map = Map;
    Tables->MapContext = Context;
    if (Rsdp == NULL) {
        Rsdp = AcpiScanForRsdp(Tables);
        if (Rsdp == NULL)
            return AcpiFail(&Tables->Messages, STATUS_NOT_FOUND,
                            "no RSDP from the loader or in the BIOS areas");
        RsdpLength = RSDP_V2_LENGTH;
    }

    ULONG64 xsdt;
    ACPI_TABLE root;
    ULONG entrySize;
    NTSTATUS status = AcpiCheckRsdp(Tables, Rsdp, RsdpLength, &xsdt);
    if (NT_SUCCESS(status))
        status = AcpiChooseRoot(Tables, Rsdp, xsdt, &root, &entrySize);
    if (!NT_SUCCESS(status))
        return status;
    RtlCopyMemory(Tables->RootSignature, root.Signature, sizeof(root.Signature));
    Tables->RootAddress = root.Address;
    AcpiWalkRoot(Tables, &root, entrySize);
    AcpiRecordDsdt(Tables);
    return STATUS_SUCCESS;
}

NTSTATUS AcpiFindTable(const ACPI_TABLES *Tables, PCSTR Signature, ULONG64 *Address, ULONG *Length)
{
    for (ULONG i = 0; i < Tables->TableCount; i++) {
        const ACPI_TABLE *t = &Tables->Tables[i];
        if (RtlEqualMemory(t->Signature, Signature, 4)) {
            *Address = t->Address;
            *Length = t->Length;
            return STATUS_SUCCESS;
        }
    }
    return STATUS_NOT_FOUND;
}

NTSTATUS AcpiMapTable(const ACPI_TABLES *Tables, PCSTR Signature, ULONG MinimumLength,
                      const UCHAR **Table, ULONG *Length, ACPI_MESSAGES *Messages)
{
    ULONG64 address;
    RtlZeroMemory(Messages, sizeof(*Messages));
    if (!NT_SUCCESS(AcpiFindTable(Tables, Signature, &address, Length)))
        return AcpiFail(Messages, STATUS_NOT_FOUND, "no valid %s table (%s)", Signature,
                        AcpiDescribeTable(Signature));
    if (*Length < MinimumLength)
        return AcpiFail(Messages, STATUS_INVALID_PARAMETER, "%s is %u bytes, needs at least %u",
                        Signature, *Length, MinimumLength);
    *Table = AcpiMapRange(Tables, address, *Length);
    if (*Table == NULL)
        return AcpiFail(Messages, STATUS_INVALID_PARAMETER, "%s at 0x%llx is no longer readable",
                        Signature, (unsigned long long)address);
    return STATUS_SUCCESS;
}

PCSTR AcpiDescribeTable(PCSTR Signature)
{
    static const struct {
        CHAR Signature[5];
        PCSTR Description;
    } known[] = {
        {"RSDT", "root table, 32-bit pointers"},
        {"XSDT", "root table, 64-bit pointers"},
        {"APIC", "MADT: interrupt controllers and processors"},
        {"FACP", "FADT: fixed hardware, PM timer, reset, DSDT"},
        {"FACS", "firmware control: wake vector, global lock"},
        {"DSDT", "AML code describing the devices"},
        {"SSDT", "more AML code"},
        {"HPET", "high precision event timer"},
        {"MCFG", "PCI Express configuration space, ECAM"},
        {"WAET", "Windows ACPI emulated devices"},
        {"SRAT", "NUMA: memory and processor affinity"},
        {"SLIT", "NUMA: distances between nodes"},
        {"DMAR", "Intel IOMMU (VT-d)"},
        {"IVRS", "AMD IOMMU"},
        {"BGRT", "boot logo"},
        {"SPCR", "serial console the firmware used"},
        {"TPM2", "TPM 2.0"},
        {"BERT", "errors from the previous boot"},
        {"HEST", "hardware error sources"},
        {"FPDT", "firmware boot performance"},
    };
    for (ULONG i = 0; i < ARRAYSIZE(known); i++) {
        if (RtlEqualMemory(known[i].Signature, Signature, 4))
            return known[i].Description;
    }
    return "not used by KeLab";
}
