/*
 * shell.c: `pci`, every function the bus driver found.
 *
 *   kelab> pci
 *   00:01.0 1b36:000d USB controller (xHCI)                   \Driver\xhci
 *           BAR0 mem64 0xfebf8000 16 KiB
 *           MSI-X 16 entries, 2 granted: vector 0xbf fired 1234, vector 0xbe fired 0
 *
 * The list is copied under the bus driver's lock and printed after.
 */
#include "pcip.h"
#include "ke.h"

#define PCIP_SHOWN 64

typedef struct _PCIP_VIEW {
    PCIP_FUNCTION Function; /* a copy */
    PDEVICE_OBJECT Pdo;     /* referenced, or NULL */
} PCIP_VIEW;

static VOID PcipPrintBars(const PCICFG_FUNCTION *c)
{
    static const PCSTR kinds[] = {"", "io", "mem32", "mem64"};
    for (ULONG i = 0; i < c->BarCount; i++) {
        const PCICFG_BAR *b = &c->Bars[i];
        if (b->Type == PciCfgBarNone)
            continue;
        ULONG64 size = b->Size;
        PCSTR unit = "bytes";
        if (size >= 1024 * 1024 && size % (1024 * 1024) == 0)
            size >>= 20, unit = "MiB";
        else if (size >= 1024 && size % 1024 == 0)
            size >>= 10, unit = "KiB";
        DbgPrint("        BAR%u %s%s 0x%llx %llu %s\n", i, kinds[b->Type],
                 b->Prefetchable ? " prefetchable" : "", (unsigned long long)b->Address,
                 (unsigned long long)size, unit);
    }
}

static VOID PcipPrintInterrupts(const PCIP_FUNCTION *f)
{
    const PCICFG_FUNCTION *c = &f->Config;
    if (c->MsiX.Offset != 0)
        DbgPrint("        MSI-X %u entries (table BAR%u + 0x%x)", c->MsiX.TableSize,
                 c->MsiX.TableBar, c->MsiX.TableOffset);
    else if (c->Msi.Offset != 0)
        DbgPrint("        MSI %u message(s)%s", c->Msi.MessagesCapable,
                 c->Msi.Address64 ? ", 64-bit" : "");
    else if (c->InterruptPin != 0)
        DbgPrint("        INTx pin %c (not routed: KeLab reads no _PRT)",
                 'A' + c->InterruptPin - 1);
    else
        return;
    if (f->MessageCount == 0) {
        DbgPrint("\n");
        return;
    }
    DbgPrint(", %u in use:", f->MessageCount);
    for (ULONG i = 0; i < f->MessageCount; i++)
        DbgPrint(" vector 0x%x fired %llu", f->Vectors[i],
                 (unsigned long long)KeQueryInterruptCount(f->Vectors[i]));
    DbgPrint("\n");
}

static VOID PcipPrint(const PCIP_VIEW *View)
{
    const PCIP_FUNCTION *f = &View->Function;
    const PCICFG_FUNCTION *c = &f->Config;
    CHAR driver[48] = "";
    if (View->Pdo != NULL) {
        PDEVICE_OBJECT top = IoGetAttachedDeviceReference(View->Pdo);
        const UNICODE_STRING *name = &top->DriverObject->DriverName;
        ULONG n = 0;
        for (; top != View->Pdo && n < name->Length / 2 && n + 1 < sizeof(driver); n++)
            driver[n] = (CHAR)name->Buffer[n];
        driver[n] = 0;
        if (top == View->Pdo)
            RtlStringCbCopyA(driver, sizeof(driver), "(no driver)");
        ObDereferenceObject(top);
    }
    DbgPrint("%02x:%02x.%x %04x:%04x %-36s %s\n", f->Bus, f->Device, f->Function, c->VendorId,
             c->DeviceId, PciCfgClassName(c->BaseClass, c->SubClass, c->ProgIf), driver);
    if (!NT_SUCCESS(f->Parsed)) {
        DbgPrint("        refused: %s\n", c->Reason);
        return;
    }
    PcipPrintBars(c);
    PcipPrintInterrupts(f);
}

static VOID PcipCommand(ULONG Argc, PCSTR Argv[])
{
    UNREFERENCED_PARAMETER(Argc);
    UNREFERENCED_PARAMETER(Argv);
    PCIP_VIEW *views = ExAllocatePoolWithTag(NonPagedPool, PCIP_SHOWN * sizeof(*views), PCIP_TAG);
    ULONG count = 0;
    KIRQL irql;
    if (views == NULL) {
        DbgPrint("pci: out of memory\n");
        return;
    }
    KeAcquireSpinLock(&PcipLock, &irql);
    for (PLIST_ENTRY e = PcipFunctions.Flink; e != &PcipFunctions && count < PCIP_SHOWN;
         e = e->Flink) {
        PPCIP_FUNCTION f = CONTAINING_RECORD(e, PCIP_FUNCTION, Entry);
        views[count].Function = *f;
        views[count].Pdo = f->Pdo;
        if (f->Pdo != NULL)
            ObReferenceObject(f->Pdo);
        count++;
    }
    KeReleaseSpinLock(&PcipLock, irql);
    if (count == 0)
        DbgPrint("no PCI function (no PCI bus, or its driver has not started)\n");
    for (ULONG i = 0; i < count; i++) {
        PcipPrint(&views[i]);
        if (views[i].Pdo != NULL)
            ObDereferenceObject(views[i].Pdo);
    }
    ExFreePoolWithTag(views, PCIP_TAG);
}

KD_COMMAND(pci, "", "PCI functions: IDs, class, BARs, interrupts and how often they fired",
           PcipCommand);
