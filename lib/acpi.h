/*
 * acpi.h: the firmware's description of the machine, read from its ACPI
 * tables and checked.
 *
 * The firmware leaves tables in memory: the RSDP (root pointer) leads to
 * the RSDT or XSDT (root table), which lists the others by physical
 * address. KeLab reads four of them:
 *
 *   MADT ("APIC")  processors, I/O APICs, how ISA IRQs are wired, NMIs
 *   FADT ("FACP")  fixed hardware: PM timer, SCI, reset register, DSDT
 *   HPET ("HPET")  the high precision event timer
 *   MCFG ("MCFG")  memory-mapped PCI Express configuration space (ECAM)
 *
 * and scans the DSDT (the machine's AML code) for \_S5, the value that
 * turns the machine off.
 *
 * The tables come from outside the kernel, so every byte is treated as
 * hostile: lengths are bounded, checksums verified, every entry checked
 * against the end of its table. A table that fails is skipped with a
 * warning; only a missing or broken root is an error.
 *
 * This code never dereferences a physical address itself: it asks the
 * caller's ACPI_MAP callback for a readable view of each range. The
 * kernel maps device memory; the host tests and the fuzzer hand out
 * slices of a buffer.
 */
#ifndef KELAB_ACPI_H
#define KELAB_ACPI_H

#include "ntdef.h"

#define ACPI_MAX_TABLES     64
#define ACPI_MAX_WARNINGS   12
#define ACPI_MESSAGE_MAX    112
#define ACPI_MAX_PROCESSORS 64
#define ACPI_MAX_IOAPICS    8
#define ACPI_MAX_OVERRIDES  32
#define ACPI_MAX_NMIS       16
#define ACPI_MAX_SEGMENTS   8

/* Returns a pointer through which Length bytes at PhysicalAddress can be
   read, or NULL if that range is not readable. The pointer must stay valid
   until the Acpi* call that asked for it returns (the kernel may simply
   keep the mapping). It need not be aligned: the parser reads bytes. */
typedef const VOID *(*PACPI_MAP)(PVOID Context, ULONG64 PhysicalAddress, ULONG Length);

/* What went wrong, for the kernel to print. Every parse result ends with
   one. Warnings beyond ACPI_MAX_WARNINGS are counted, not kept. */
typedef struct _ACPI_MESSAGES {
    ULONG WarningCount;
    ULONG WarningsDropped;
    CHAR Warnings[ACPI_MAX_WARNINGS][ACPI_MESSAGE_MAX];
    CHAR Error[ACPI_MESSAGE_MAX];
} ACPI_MESSAGES;

/* ---- the root: RSDP, RSDT or XSDT, and the list of tables ----------- */

typedef struct _ACPI_TABLE {
    CHAR Signature[5]; /* NUL-terminated */
    UCHAR Revision;
    ULONG Length;
    ULONG64 Address;
} ACPI_TABLE;

typedef struct _ACPI_TABLES {
    PACPI_MAP Map;
    PVOID MapContext;
    ULONG64 RsdpAddress; /* 0: the boot loader's copy was used */
    UCHAR RsdpRevision;  /* 0: ACPI 1.0 (RSDT only); 2: ACPI 2.0+ */
    CHAR OemId[7];
    CHAR RootSignature[5]; /* "XSDT" or "RSDT": the one that was used */
    ULONG64 RootAddress;
    ULONG TableCount;
    ACPI_TABLE Tables[ACPI_MAX_TABLES]; /* as listed, then the DSDT */
    ACPI_MESSAGES Messages;
} ACPI_TABLES;

/* Validates the RSDP (RsdpLength bytes at Rsdp, as the boot loader copied
   it; NULL to search the BIOS areas for it), picks the XSDT if it is
   valid and the RSDT otherwise, and records every listed table whose
   header and checksum are valid, plus the DSDT the FADT names.
   Returns STATUS_SUCCESS (maybe with warnings), STATUS_NOT_FOUND (no
   RSDP) or STATUS_INVALID_PARAMETER (no usable root), with
   Tables->Messages.Error saying why. */
NTSTATUS AcpiInitialize(ACPI_TABLES *Tables, const UCHAR *Rsdp, ULONG RsdpLength, PACPI_MAP Map,
                        PVOID Context);

/* The first recorded table with this signature ("APIC"...), or
   STATUS_NOT_FOUND. */
NTSTATUS AcpiFindTable(const ACPI_TABLES *Tables, PCSTR Signature, ULONG64 *Address, ULONG *Length);

/* A short description of a table signature, for messages and listings:
   "APIC" -> "MADT: interrupt controllers and processors". */
PCSTR AcpiDescribeTable(PCSTR Signature);

/* ---- MADT: processors and interrupt controllers ---------------------- */

#define ACPI_ALL_PROCESSORS 0xFFFFFFFFu /* ProcessorUid of an NMI for every CPU */

typedef struct _ACPI_PROCESSOR {
    ULONG ApicId;
    ULONG ProcessorUid;    /* the ACPI processor UID the NMI entries name */
    BOOLEAN Enabled;       /* present and usable: start it */
    BOOLEAN OnlineCapable; /* absent now, may be hot-added later */
    BOOLEAN X2Apic;        /* from an x2APIC entry (type 9) */
} ACPI_PROCESSOR;

typedef struct _ACPI_IOAPIC {
    UCHAR Id;
    ULONG Address; /* physical address of its register window */
    ULONG GsiBase; /* the global system interrupt of its input 0 */
} ACPI_IOAPIC;

/* Polarity and trigger mode as the table gives them (MPS INTI flags), and
   decoded, with "conforms to the bus" resolved to ISA's active high and
   edge triggered. */
typedef struct _ACPI_INTERRUPT_MODE {
    USHORT Flags;
    BOOLEAN ActiveLow;
    BOOLEAN LevelTriggered;
} ACPI_INTERRUPT_MODE;

/* ISA IRQ SourceIrq arrives at global system interrupt Gsi, not at GSI
   SourceIrq as an IRQ without an override does. */
typedef struct _ACPI_OVERRIDE {
    UCHAR SourceIrq;
    ULONG Gsi;
    ACPI_INTERRUPT_MODE Mode;
} ACPI_OVERRIDE;

/* A global system interrupt that is wired as an NMI (type 3). */
typedef struct _ACPI_NMI_SOURCE {
    ULONG Gsi;
    ACPI_INTERRUPT_MODE Mode;
} ACPI_NMI_SOURCE;

/* A local APIC input that is wired as an NMI (types 4 and 10). */
typedef struct _ACPI_LOCAL_NMI {
    ULONG ProcessorUid; /* or ACPI_ALL_PROCESSORS */
    UCHAR Lint;         /* LINT0 or LINT1 */
    ACPI_INTERRUPT_MODE Mode;
} ACPI_LOCAL_NMI;

typedef struct _ACPI_MADT_INFO {
    ULONG64 LocalApicAddress;
    BOOLEAN PcAtCompatible; /* the two 8259 PICs exist too: mask them */
    ULONG ProcessorCount;
    ACPI_PROCESSOR Processors[ACPI_MAX_PROCESSORS];
    ULONG IoApicCount;
    ACPI_IOAPIC IoApics[ACPI_MAX_IOAPICS];
    ULONG OverrideCount;
    ACPI_OVERRIDE Overrides[ACPI_MAX_OVERRIDES];
    ULONG NmiSourceCount;
    ACPI_NMI_SOURCE NmiSources[ACPI_MAX_NMIS];
    ULONG LocalNmiCount;
    ACPI_LOCAL_NMI LocalNmis[ACPI_MAX_NMIS];
    ACPI_MESSAGES Messages;
} ACPI_MADT_INFO;

/* Parses the MADT. Without a usable one (STATUS_NOT_FOUND or
   STATUS_INVALID_PARAMETER, with Messages.Error), Madt still holds the
   fallback every PC supports: the local APIC at its architectural address
   0xFEE00000, the 8259 PICs present, and no processor list (run on the
   boot processor only). */
NTSTATUS AcpiParseMadt(const ACPI_TABLES *Tables, ACPI_MADT_INFO *Madt);

/* Where ISA IRQ Irq (0-15) arrives: returns its global system interrupt
   and its mode, after the overrides (an IRQ without one is identity
   mapped, active high, edge triggered). */
ULONG AcpiIsaIrqToGsi(const ACPI_MADT_INFO *Madt, ULONG Irq, ACPI_INTERRUPT_MODE *Mode);

/* ---- FADT: fixed hardware -------------------------------------------- */

/* A Generic Address Structure: a register in some address space. */
#define ACPI_SPACE_MEMORY     0
#define ACPI_SPACE_IO         1
#define ACPI_SPACE_PCI_CONFIG 2

typedef struct _ACPI_GAS {
    UCHAR AddressSpace; /* ACPI_SPACE_* */
    UCHAR BitWidth;
    UCHAR BitOffset;
    UCHAR AccessSize; /* 0 undefined, 1 byte, 2 word, 3 dword, 4 qword */
    ULONG64 Address;
} ACPI_GAS;

typedef struct _ACPI_FADT_INFO {
    UCHAR Revision;
    ULONG Length;
    ULONG Flags;             /* the raw feature flags */
    BOOLEAN HardwareReduced; /* no fixed hardware: no PM timer, no PM1 blocks */
    USHORT SciInterrupt;     /* ISA IRQ (or GSI) of the ACPI system control interrupt */
    USHORT SmiCommandPort;   /* 0: the machine is always in ACPI mode */
    UCHAR AcpiEnableValue;   /* written to SmiCommandPort to enter ACPI mode */
    USHORT PmTimerPort;      /* 0: no PM timer */
    UCHAR PmTimerBits;       /* 24 or 32; it counts at 3.579545 MHz */
    USHORT Pm1aControlPort;  /* 0: absent */
    USHORT Pm1bControlPort;  /* 0: absent (most machines) */
    BOOLEAN ResetSupported;
    ACPI_GAS ResetRegister; /* write ResetValue there to reset */
    UCHAR ResetValue;
    ULONG64 DsdtAddress;
    /* IA-PC boot architecture flags. An ACPI 1.0 FADT has none
       (BootFlagsValid FALSE): assume a PC of that era, with an 8042 and
       VGA. */
    BOOLEAN BootFlagsValid;
    USHORT BootFlags;
    BOOLEAN LegacyDevices;     /* ISA devices the DSDT may not describe */
    BOOLEAN Has8042;           /* PS/2 keyboard controller */
    BOOLEAN VgaNotPresent;     /* do not probe VGA ports */
    BOOLEAN MsiNotSupported;   /* do not enable MSI */
    BOOLEAN CmosRtcNotPresent; /* no RTC at ports 0x70/0x71 */
    UCHAR CenturyRegister;     /* CMOS index of the century, 0: none */
    ACPI_MESSAGES Messages;
} ACPI_FADT_INFO;

/* Parses the FADT. STATUS_NOT_FOUND without one: no PM timer, no reset
   register (reset through the 8042), no ACPI power off. */
NTSTATUS AcpiParseFadt(const ACPI_TABLES *Tables, ACPI_FADT_INFO *Fadt);

/* ---- HPET -------------------------------------------------------------- */

typedef struct _ACPI_HPET_INFO {
    ULONG64 BaseAddress; /* physical, system memory: 1 KiB of registers */
    UCHAR HardwareRevision;
    UCHAR ComparatorCount;
    BOOLEAN Counter64Bit;
    BOOLEAN LegacyReplacementCapable; /* can take over IRQ0 and IRQ8 */
    USHORT PciVendorId;
    UCHAR HpetNumber;
    USHORT MinimumTick; /* in main counter ticks, for periodic mode */
    UCHAR PageProtection;
    ACPI_MESSAGES Messages;
} ACPI_HPET_INFO;

/* Parses the (first) HPET table. STATUS_NOT_FOUND without one: calibrate
   with the PM timer instead. */
NTSTATUS AcpiParseHpet(const ACPI_TABLES *Tables, ACPI_HPET_INFO *Hpet);

/* ---- MCFG: PCI Express configuration space --------------------------- */

/* Bus b, device d, function f of this segment has its 4 KiB of
   configuration space at BaseAddress + (b << 20 | d << 15 | f << 12). */
typedef struct _ACPI_ECAM_SEGMENT {
    ULONG64 BaseAddress;
    USHORT Segment;
    UCHAR StartBus;
    UCHAR EndBus;
} ACPI_ECAM_SEGMENT;

typedef struct _ACPI_MCFG_INFO {
    ULONG SegmentCount;
    ACPI_ECAM_SEGMENT Segments[ACPI_MAX_SEGMENTS];
    ACPI_MESSAGES Messages;
} ACPI_MCFG_INFO;

/* Parses the MCFG. STATUS_NOT_FOUND without one: use the legacy
   configuration ports 0xCF8/0xCFC (256 bytes per function). */
NTSTATUS AcpiParseMcfg(const ACPI_TABLES *Tables, ACPI_MCFG_INFO *Mcfg);

/* ---- \_S5: powering off ------------------------------------------------ */

typedef struct _ACPI_S5_INFO {
    UCHAR SlpTypA; /* write (SlpTypA << 10 | SLP_EN) to PM1a control */
    UCHAR SlpTypB; /* and (SlpTypB << 10 | SLP_EN) to PM1b, if present */
    ACPI_MESSAGES Messages;
} ACPI_S5_INFO;

/* Finds Name(\_S5, Package(){...}) in the DSDT and decodes its first two
   elements. This is pattern matching, not AML interpretation: it handles
   the constant package nearly every firmware uses, and says so when the
   package is computed or absent. */
NTSTATUS AcpiFindSleepTypeS5(const ACPI_TABLES *Tables, ACPI_S5_INFO *S5);

#endif
