/*
 * acpi_fadt.c: the FADT, "Fixed ACPI Description Table" (ACPI 6.5,
 * section 5.2.9), signature "FACP".
 *
 * The FADT grew with every ACPI version: 116 bytes in ACPI 1.0, 244 in
 * 2.0, 276 in 6.0. The fields KeLab reads, by offset:
 *
 *    40 u32 DSDT           46 u16 SCI_INT        48 u32 SMI_CMD
 *    52 u8  ACPI_ENABLE    64 u32 PM1a_CNT_BLK   68 u32 PM1b_CNT_BLK
 *    76 u32 PM_TMR_BLK     89 u8  PM1_CNT_LEN    91 u8  PM_TMR_LEN
 *   108 u8  CENTURY       109 u16 IAPC_BOOT_ARCH 112 u32 Flags
 *   116 GAS RESET_REG     128 u8  RESET_VALUE    140 u64 X_DSDT
 *   172 GAS X_PM1a_CNT_BLK      184 GAS X_PM1b_CNT_BLK
 *   208 GAS X_PM_TMR_BLK
 *
 * ACPI 2.0 added the X_ fields: 64-bit Generic Address Structures that
 * supersede the 32-bit fields when they give an address.
 */
#include "acpip.h"

#define FADT_DSDT           40
#define FADT_SCI_INT        46
#define FADT_SMI_CMD        48
#define FADT_ACPI_ENABLE    52
#define FADT_PM1A_CNT_BLK   64
#define FADT_PM1B_CNT_BLK   68
#define FADT_PM_TMR_BLK     76
#define FADT_PM1_CNT_LEN    89
#define FADT_PM_TMR_LEN     91
#define FADT_CENTURY        108
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_FLAGS          112
#define FADT_RESET_REG      116
#define FADT_RESET_VALUE    128
#define FADT_X_DSDT         140
#define FADT_X_PM1A_CNT_BLK 172
#define FADT_X_PM1B_CNT_BLK 184
#define FADT_X_PM_TMR_BLK   208
#define FADT_ACPI1_LENGTH   116
#define FADT_NEWEST_LENGTH  276

/* Boot flags arrived with FADT revision 3 (ACPI 2.0); ACPICA found that
   firmware revision numbers lie and trusts only lengths above 132. */
#define FADT_BOOT_FLAGS_MIN_LENGTH 133

#define FADT_TMR_VAL_EXT     (1u << 8) /* the PM timer has 32 bits, not 24 */
#define FADT_RESET_REG_SUP   (1u << 10)
#define FADT_HW_REDUCED_ACPI (1u << 20)

#define BOOT_LEGACY_DEVICES       (1u << 0)
#define BOOT_8042                 (1u << 1)
#define BOOT_VGA_NOT_PRESENT      (1u << 2)
#define BOOT_MSI_NOT_SUPPORTED    (1u << 3)
#define BOOT_CMOS_RTC_NOT_PRESENT (1u << 5)

/* The FADT copied into a buffer of the newest layout, zero past the
   table's own length. Every field KeLab reads means "absent" when zero,
   so an older, shorter FADT needs no special cases, and no byte past its
   length is ever read. */
typedef struct _FADT_IMAGE {
    UCHAR Bytes[FADT_NEWEST_LENGTH];
} FADT_IMAGE;

static VOID FadtLoad(FADT_IMAGE *Image, const UCHAR *Table, ULONG Length)
{
    RtlZeroMemory(Image, sizeof(*Image));
    RtlCopyMemory(Image->Bytes, Table,
                  Length < sizeof(Image->Bytes) ? Length : sizeof(Image->Bytes));
}

/* X_DSDT supersedes DSDT when it is set. */
static ULONG64 FadtDsdt(const FADT_IMAGE *F)
{
    ULONG64 x = AcpiRead64(F->Bytes + FADT_X_DSDT);
    return x != 0 ? x : AcpiRead32(F->Bytes + FADT_DSDT);
}

ULONG64 AcpiFadtDsdtAddress(const UCHAR *Fadt, ULONG Length)
{
    FADT_IMAGE image;
    FadtLoad(&image, Fadt, Length);
    return FadtDsdt(&image);
}

/* An I/O port that must hold Width bytes, or 0 if Port cannot be one. */
static USHORT FadtCheckPort(ACPI_FADT_INFO *Info, ULONG64 Port, ULONG Width, PCSTR Name)
{
    if (Port == 0)
        return 0;
    if (Port > 0x10000 - Width) {
        AcpiWarn(&Info->Messages, "FADT %s 0x%llx is not an I/O port", Name,
                 (unsigned long long)Port);
        return 0;
    }
    return (USHORT)Port;
}

/* A fixed-hardware register block, as an I/O port: the X_ GAS when it
   gives a valid I/O port, else the 32-bit field if its length field says
   the block is at least Width bytes. 0 when absent or unusable. */
static USHORT FadtSelectPort(ACPI_FADT_INFO *Info, const FADT_IMAGE *F, ULONG Offset32,
                             ULONG OffsetGas, ULONG OffsetLength, ULONG Width, PCSTR Name)
{
    ULONG legacy = AcpiRead32(F->Bytes + Offset32);
    ACPI_GAS gas;
    AcpiReadGas(F->Bytes + OffsetGas, &gas);
    if (gas.Address != 0) {
        if (gas.AddressSpace != ACPI_SPACE_IO) {
            AcpiWarn(&Info->Messages, "FADT X_%s is in address space %u, not I/O; ignored", Name,
                     gas.AddressSpace);
        } else if (gas.Address > 0x10000 - Width) {
            AcpiWarn(&Info->Messages, "FADT X_%s 0x%llx is not an I/O port; ignored", Name,
                     (unsigned long long)gas.Address);
        } else {
            if (legacy != 0 && legacy != gas.Address)
                AcpiWarn(&Info->Messages, "FADT %s: 32-bit 0x%x and X_ 0x%llx differ; X_ used",
                         Name, legacy, (unsigned long long)gas.Address);
            return (USHORT)gas.Address;
        }
    }
    if (legacy != 0 && F->Bytes[OffsetLength] < Width) {
        AcpiWarn(&Info->Messages, "FADT %s is %u bytes long, needs %u; ignored", Name,
                 F->Bytes[OffsetLength], Width);
        return 0;
    }
    return FadtCheckPort(Info, legacy, Width, Name);
}

static VOID FadtReadResetRegister(ACPI_FADT_INFO *Info, const FADT_IMAGE *F)
{
    if (!(Info->Flags & FADT_RESET_REG_SUP))
        return;
    AcpiReadGas(F->Bytes + FADT_RESET_REG, &Info->ResetRegister);
    Info->ResetValue = F->Bytes[FADT_RESET_VALUE];
    const ACPI_GAS *r = &Info->ResetRegister;
    if (r->Address == 0 || r->AddressSpace > ACPI_SPACE_PCI_CONFIG) {
        AcpiWarn(&Info->Messages, "FADT reset register (space %u, 0x%llx) is unusable; ignored",
                 r->AddressSpace, (unsigned long long)r->Address);
        return;
    }
    Info->ResetSupported = TRUE;
}

static VOID FadtReadBootFlags(ACPI_FADT_INFO *Info, const FADT_IMAGE *F)
{
    if (Info->Length < FADT_BOOT_FLAGS_MIN_LENGTH)
        return;
    USHORT flags = AcpiRead16(F->Bytes + FADT_IAPC_BOOT_ARCH);
    Info->BootFlagsValid = TRUE;
    Info->BootFlags = flags;
    Info->LegacyDevices = (flags & BOOT_LEGACY_DEVICES) != 0;
    Info->Has8042 = (flags & BOOT_8042) != 0;
    Info->VgaNotPresent = (flags & BOOT_VGA_NOT_PRESENT) != 0;
    Info->MsiNotSupported = (flags & BOOT_MSI_NOT_SUPPORTED) != 0;
    Info->CmosRtcNotPresent = (flags & BOOT_CMOS_RTC_NOT_PRESENT) != 0;
}

static VOID FadtReadDsdt(ACPI_FADT_INFO *Info, const FADT_IMAGE *F)
{
    ULONG legacy = AcpiRead32(F->Bytes + FADT_DSDT);
    ULONG64 x = AcpiRead64(F->Bytes + FADT_X_DSDT);
    if (x != 0 && legacy != 0 && x != legacy)
        AcpiWarn(&Info->Messages, "FADT DSDT: 32-bit 0x%x and X_ 0x%llx differ; X_ used", legacy,
                 (unsigned long long)x);
    Info->DsdtAddress = FadtDsdt(F);
}

/* The fixed hardware (SCI, PM1 blocks, PM timer, CMOS century) exists only
   on machines that are not "hardware reduced"; those use other devices
   for the same jobs, and the OS must ignore FADT offsets 46 to 108. */
static VOID FadtReadFixedHardware(ACPI_FADT_INFO *Info, const FADT_IMAGE *F)
{
    if (Info->HardwareReduced)
        return;
    Info->SciInterrupt = AcpiRead16(F->Bytes + FADT_SCI_INT);
    Info->SmiCommandPort = FadtCheckPort(Info, AcpiRead32(F->Bytes + FADT_SMI_CMD), 1, "SMI_CMD");
    Info->AcpiEnableValue = F->Bytes[FADT_ACPI_ENABLE];
    Info->CenturyRegister = F->Bytes[FADT_CENTURY];
    Info->PmTimerPort = FadtSelectPort(Info, F, FADT_PM_TMR_BLK, FADT_X_PM_TMR_BLK, FADT_PM_TMR_LEN,
                                       4, "PM_TMR_BLK");
    Info->PmTimerBits = Info->PmTimerPort == 0 ? 0 : (Info->Flags & FADT_TMR_VAL_EXT) ? 32 : 24;
    Info->Pm1aControlPort = FadtSelectPort(Info, F, FADT_PM1A_CNT_BLK, FADT_X_PM1A_CNT_BLK,
                                           FADT_PM1_CNT_LEN, 2, "PM1a_CNT_BLK");
    Info->Pm1bControlPort = FadtSelectPort(Info, F, FADT_PM1B_CNT_BLK, FADT_X_PM1B_CNT_BLK,
                                           FADT_PM1_CNT_LEN, 2, "PM1b_CNT_BLK");
}

NTSTATUS AcpiParseFadt(const ACPI_TABLES *Tables, ACPI_FADT_INFO *Fadt)
{
    const UCHAR *table;
    ULONG length;
    RtlZeroMemory(Fadt, sizeof(*Fadt));
    NTSTATUS status =
        AcpiMapTable(Tables, "FACP", ACPI_HEADER_LENGTH, &table, &length, &Fadt->Messages);
    if (!NT_SUCCESS(status))
        return status;

    FADT_IMAGE image;
    FadtLoad(&image, table, length);
    Fadt->Revision = image.Bytes[ACPI_REVISION_OFFSET];
    Fadt->Length = length;
    if (length < FADT_ACPI1_LENGTH)
        AcpiWarn(&Fadt->Messages,
                 "FADT is %u bytes, shorter than ACPI 1.0's %u; the rest is absent", length,
                 FADT_ACPI1_LENGTH);
    Fadt->Flags = AcpiRead32(image.Bytes + FADT_FLAGS);
    Fadt->HardwareReduced = (Fadt->Flags & FADT_HW_REDUCED_ACPI) != 0;
    FadtReadFixedHardware(Fadt, &image);
    FadtReadResetRegister(Fadt, &image);
    FadtReadBootFlags(Fadt, &image);
    FadtReadDsdt(Fadt, &image);
    return STATUS_SUCCESS;
}
