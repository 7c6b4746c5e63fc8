/*
 * shell.c: `usb`, the device tree as the core sees it.
 *
 *   usb 1 (xhci0 \Device\USBFDO-0): 8 ports
 *     port 5: high speed, address 1, 1209:0001 "KeLab" "Virtual HSI Dongle" "KLHSI0001"
 *             \Device\USBPDO-0, driver \Driver\usbtest, configuration 1
 *       ep 0x00 control    64  completed 12 failed 0
 *       ep 0x01 bulk      512  completed 40 failed 0
 *
 * Each device is copied under the locks and printed after (nothing is
 * printed with a lock held), so a device that goes meanwhile is shown as
 * it was or not at all.
 */
#include "usbp.h"
#include "ob.h"

/* "\Driver\xhci" of a device object, for printing. */
static VOID UsbpDriverName(PDEVICE_OBJECT Device, PSTR Buffer, SIZE_T cbBuffer)
{
    PCUNICODE_STRING name = &Device->DriverObject->DriverName;
    SIZE_T n = 0;
    for (; n < name->Length / sizeof(WCHAR) && n + 1 < cbBuffer; n++)
        Buffer[n] = name->Buffer[n] < 0x80 ? (CHAR)name->Buffer[n] : '?';
    Buffer[n] = 0;
}

static VOID UsbpPrintDevice(ULONG Port, const USBP_SNAPSHOT *S)
{
    CHAR driver[48] = "no driver";
    PDEVICE_OBJECT top = IoGetAttachedDeviceReference(S->Pdo);
    if (top != S->Pdo)
        UsbpDriverName(top, driver, sizeof(driver));
    ObDereferenceObject(top);

    DbgPrint("  port %u: %s speed, address %u, %04x:%04x \"%s\" \"%s\" \"%s\"\n", Port,
             UsbDescSpeedName(S->Speed), S->Address, S->VendorId, S->ProductId, S->Manufacturer,
             S->Product, S->Serial);
    if (S->State == UsbpDeviceRefused) {
        DbgPrint("          \\Device\\USBPDO-%u, refused: %s\n", S->Number, S->Reason);
        return;
    }
    CHAR configuration[24] = "unconfigured";
    if (S->ConfigurationValue != 0)
        RtlStringCbPrintfA(configuration, sizeof(configuration), "configuration %u",
                           S->ConfigurationValue);
    DbgPrint("          \\Device\\USBPDO-%u, %s, %s%s\n", S->Number, driver, configuration,
             S->State == UsbpDeviceGone ? " (unplugged, being removed)" : "");
    for (ULONG i = 0; i < S->PipeCount; i++) {
        const USBP_PIPE *p = &S->Pipes[i];
        DbgPrint("    ep 0x%02x %-9s %5u  completed %llu failed %llu\n", p->Address,
                 UsbDescEndpointTypeName(p->Type), p->MaxPacketSize,
                 (unsigned long long)p->Completed, (unsigned long long)p->Failed);
    }
}

static VOID UsbpCommand(ULONG Argc, PCSTR Argv[])
{
    USBP_SNAPSHOT s;
    UNREFERENCED_PARAMETER(Argv);
    if (Argc != 1) {
        DbgPrint("usage: usb\n");
        return;
    }
    ULONG index = 0;
    for (; UsbpSnapshot(index, 0, &s); index++) {
        CHAR hc[48];
        UsbpDriverName(s.HcFdo, hc, sizeof(hc));
        DbgPrint("usb %u (%s): %u ports\n", s.Bus, hc, s.PortCount);
        ULONG ports = s.PortCount, devices = 0;
        UsbpForget(&s);
        for (ULONG port = 1; port <= ports; port++) {
            if (UsbpSnapshot(index, port, &s) && s.Present) {
                UsbpPrintDevice(port, &s);
                devices++;
            }
            UsbpForget(&s);
        }
        if (devices == 0)
            DbgPrint("  no devices\n");
    }
    if (index == 0)
        DbgPrint("no USB host controllers\n");
}

KD_COMMAND(usb, "", "USB devices: ports, IDs, strings, endpoints, transfers", UsbpCommand);
