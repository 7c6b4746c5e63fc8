/*
 * acpi_sleep.c: the \_S5 object, which tells how to turn the machine off.
 *
 * Powering off is writing SLP_TYPa (and SLP_EN) to the PM1a control
 * register; the value of SLP_TYPa is in the DSDT, as AML (ACPI 6.5,
 * chapter 20):
 *
 *   Name (_S5, Package () { 5, 5, 0, 0 })
 *
 * which firmware compilers emit as
 *
 *   08            NameOp
 *   5C            optional root prefix '\'
 *   5F 53 35 5F   the name "_S5_" (names are 4 characters, '_' padded)
 *   12            PackageOp
 *   xx [xx..]     PkgLength: bytes from here to the end of the package
 *   04            NumElements
 *   elements      each an integer: ZeroOp 00, OneOp 01, BytePrefix 0A xx,
 *                 WordPrefix 0B xx xx, DWordPrefix 0C..., QWordPrefix 0E...
 *
 * Evaluating AML in general needs an interpreter (NT's is acpi.sys); this
 * file only recognizes the constant form above, which is what nearly all
 * firmware, QEMU's included, uses.
 */
#include "acpip.h"

#define AML_ZERO_OP      0x00
#define AML_ONE_OP       0x01
#define AML_NAME_OP      0x08
#define AML_BYTE_PREFIX  0x0A
#define AML_WORD_PREFIX  0x0B
#define AML_DWORD_PREFIX 0x0C
#define AML_QWORD_PREFIX 0x0E
#define AML_PACKAGE_OP   0x12
#define AML_ROOT_PREFIX  0x5C

#define SLP_TYP_MAX 7 /* SLP_TYP is a 3-bit field of PM1 control */

/* A cursor over AML bytes that cannot move past End. */
typedef struct _AML_CURSOR {
    const UCHAR *Next;
    const UCHAR *End;
} AML_CURSOR;

static BOOLEAN AmlReadByte(AML_CURSOR *c, UCHAR *Value)
{
    if (c->Next >= c->End)
        return FALSE;
    *Value = *c->Next++;
    return TRUE;
}

/* PkgLength: the lead byte's top two bits count the bytes that follow
   (0-3). With none, its low 6 bits are the length; otherwise its low 4
   bits are the lowest nibble and each following byte adds 8 more bits. */
static BOOLEAN AmlReadPkgLength(AML_CURSOR *c, ULONG *Length)
{
    UCHAR lead, byte;
    if (!AmlReadByte(c, &lead))
        return FALSE;
    ULONG follow = lead >> 6;
    *Length = follow == 0 ? lead & 0x3F : lead & 0x0F;
    for (ULONG i = 0; i < follow; i++) {
        if (!AmlReadByte(c, &byte))
            return FALSE;
        *Length |= (ULONG)byte << (4 + 8 * i);
    }
    return TRUE;
}

/* An integer constant, little-endian after its prefix. */
static BOOLEAN AmlReadInteger(AML_CURSOR *c, ULONG64 *Value, UCHAR *Opcode)
{
    ULONG bytes;
    if (!AmlReadByte(c, Opcode))
        return FALSE;
    switch (*Opcode) {
    case AML_ZERO_OP:
        *Value = 0;
        return TRUE;
    case AML_ONE_OP:
        *Value = 1;
        return TRUE;
    case AML_BYTE_PREFIX:
        bytes = 1;
        break;
    case AML_WORD_PREFIX:
        bytes = 2;
        break;
    case AML_DWORD_PREFIX:
        bytes = 4;
        break;
    case AML_QWORD_PREFIX:
        bytes = 8;
        break;
    default:
        return FALSE;
    }
    *Value = 0;
    for (ULONG i = 0; i < bytes; i++) {
        UCHAR byte;
        if (!AmlReadByte(c, &byte))
            return FALSE;
        *Value |= (ULONG64)byte << (8 * i);
    }
    return TRUE;
}

/* Is the "_S5_" at Name (inside Body) the name of a NameOp? */
static BOOLEAN AmlIsNameOp(const UCHAR *Body, const UCHAR *Name)
{
    if (Name - Body >= 1 && Name[-1] == AML_NAME_OP)
        return TRUE;
    return Name - Body >= 2 && Name[-1] == AML_ROOT_PREFIX && Name[-2] == AML_NAME_OP;
}

/* Decodes the package after the name; the cursor starts at PackageOp. */
static NTSTATUS AmlDecodeS5(ACPI_S5_INFO *S5, AML_CURSOR *c)
{
    ACPI_MESSAGES *m = &S5->Messages;
    UCHAR op, count;
    ULONG length;
    if (!AmlReadByte(c, &op) || op != AML_PACKAGE_OP)
        return AcpiFail(m, STATUS_NOT_SUPPORTED, "\\_S5 is not a constant package");
    const UCHAR *start = c->Next; /* PkgLength counts from its own first byte */
    if (!AmlReadPkgLength(c, &length) || length > (ULONG)(c->End - start))
        return AcpiFail(m, STATUS_INVALID_PARAMETER, "\\_S5 package runs past the DSDT");
    c->End = start + length;
    if (!AmlReadByte(c, &count) || count == 0)
        return AcpiFail(m, STATUS_INVALID_PARAMETER, "\\_S5 package is empty");

    ULONG64 values[2];
    for (ULONG i = 0; i < 2 && i < count; i++) {
        if (!AmlReadInteger(c, &values[i], &op))
            return AcpiFail(m, STATUS_NOT_SUPPORTED,
                            "\\_S5 element %u (opcode 0x%02x) is not a constant integer", i, op);
    }
    /* ACPI 1.0 allowed one element holding both: SLP_TYPa in its low
       byte, SLP_TYPb in the next. */
    if (count == 1) {
        values[1] = values[0] >> 8;
        values[0] &= 0xFF;
    }
    if (values[0] > SLP_TYP_MAX || values[1] > SLP_TYP_MAX)
        return AcpiFail(m, STATUS_INVALID_PARAMETER,
                        "\\_S5 sleep types 0x%llx, 0x%llx do not fit in 3 bits",
                        (unsigned long long)values[0], (unsigned long long)values[1]);
    S5->SlpTypA = (UCHAR)values[0];
    S5->SlpTypB = (UCHAR)values[1];
    return STATUS_SUCCESS;
}

NTSTATUS AcpiFindSleepTypeS5(const ACPI_TABLES *Tables, ACPI_S5_INFO *S5)
{
    const UCHAR *dsdt;
    ULONG length;
    RtlZeroMemory(S5, sizeof(*S5));
    NTSTATUS status =
        AcpiMapTable(Tables, "DSDT", ACPI_HEADER_LENGTH, &dsdt, &length, &S5->Messages);
    if (!NT_SUCCESS(status))
        return status;

    const UCHAR *body = dsdt + ACPI_HEADER_LENGTH, *end = dsdt + length;
    for (const UCHAR *p = body; end - p >= 4; p++) {
        if (!RtlEqualMemory(p, "_S5_", 4) || !AmlIsNameOp(body, p))
            continue;
        AML_CURSOR cursor = {.Next = p + 4, .End = end};
        return AmlDecodeS5(S5, &cursor);
    }
    return AcpiFail(&S5->Messages, STATUS_NOT_FOUND, "the DSDT has no Name(\\_S5, ...)");
}
