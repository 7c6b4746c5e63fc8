/*
 * query.c: what the core knows, copied out under its locks: for the
 * shell's `usb` and for the rest of the kernel (usbcore.h).
 */
#include "usbp.h"
#include "usbcore.h"
#include "ob.h"

/* Controller Index (in registration order) and the device on its Port
   (0: just the controller). FALSE when there is no such controller. */
BOOLEAN UsbpSnapshot(ULONG Index, ULONG Port, USBP_SNAPSHOT *S)
{
    PUSBP_CONTROLLER controller = NULL;
    KIRQL irql, inner;
    ULONG i = 0;

    RtlZeroMemory(S, sizeof(*S));
    KeAcquireSpinLock(&UsbpControllersLock, &irql);
    for (PLIST_ENTRY e = UsbpControllers.Flink; e != &UsbpControllers; e = e->Flink, i++) {
        if (i == Index)
            controller = CONTAINING_RECORD(e, USBP_CONTROLLER, Entry);
    }
    if (controller != NULL) {
        S->Bus = controller->Number + 1;
        S->HcFdo = controller->HcFdo;
        ObReferenceObject(S->HcFdo);
        S->PortCount = controller->PortCount;
        KeAcquireSpinLock(&controller->Lock, &inner);
        PUSBP_DEVICE d =
            Port >= 1 && Port <= controller->PortCount ? controller->Ports[Port] : NULL;
        if (d != NULL) {
            S->Present = TRUE;
            S->Pdo = d->Pdo;
            ObReferenceObject(S->Pdo);
            S->Number = d->Number;
            S->Speed = d->Speed;
            S->Address = d->Address;
            S->State = d->State;
            RtlCopyMemory(S->Reason, d->Reason, sizeof(S->Reason));
            S->VendorId = d->Device.VendorId;
            S->ProductId = d->Device.ProductId;
            RtlCopyMemory(S->Manufacturer, d->Manufacturer, sizeof(S->Manufacturer));
            RtlCopyMemory(S->Product, d->Product, sizeof(S->Product));
            RtlCopyMemory(S->Serial, d->Serial, sizeof(S->Serial));
            S->ConfigurationValue = d->ConfigurationValue;
            S->Pipes[0] = d->DefaultPipe;
            S->PipeCount = 1;
            for (ULONG p = 0; p < d->PipeCount; p++)
                S->Pipes[S->PipeCount++] = d->Pipes[p];
        }
        KeReleaseSpinLock(&controller->Lock, inner);
    }
    KeReleaseSpinLock(&UsbpControllersLock, irql);
    return controller != NULL;
}

VOID UsbpForget(USBP_SNAPSHOT *S)
{
    if (S->Pdo != NULL)
        ObDereferenceObject(S->Pdo);
    if (S->HcFdo != NULL)
        ObDereferenceObject(S->HcFdo);
}

ULONG UsbQueryDevices(PUSB_DEVICE_SUMMARY Devices, ULONG Count)
{
    USBP_SNAPSHOT s;
    ULONG found = 0;
    for (ULONG index = 0; UsbpSnapshot(index, 0, &s); index++) {
        ULONG ports = s.PortCount;
        UsbpForget(&s);
        for (ULONG port = 1; port <= ports; port++) {
            if (UsbpSnapshot(index, port, &s) && s.Present && found < Count) {
                PUSB_DEVICE_SUMMARY d = &Devices[found];
                PDEVICE_OBJECT top = IoGetAttachedDeviceReference(s.Pdo);
                RtlZeroMemory(d, sizeof(*d));
                d->Bus = s.Bus;
                d->Port = port;
                d->PdoNumber = s.Number;
                d->Address = s.Address;
                d->Speed = s.Speed;
                d->VendorId = s.VendorId;
                d->ProductId = s.ProductId;
                d->Refused = s.State == UsbpDeviceRefused;
                d->Gone = s.State == UsbpDeviceGone;
                d->HasDriver = top != s.Pdo;
                d->ConfigurationValue = s.ConfigurationValue;
                RtlCopyMemory(d->Reason, s.Reason, sizeof(d->Reason));
                ObDereferenceObject(top);
            }
            found += s.Present;
            UsbpForget(&s);
        }
    }
    return found;
}

BOOLEAN UsbQueryControllerCounters(ULONG Bus, PUSBHC_COUNTERS Counters)
{
    PUSBP_CONTROLLER found = NULL;
    KIRQL irql;
    KeAcquireSpinLock(&UsbpControllersLock, &irql);
    for (PLIST_ENTRY e = UsbpControllers.Flink; e != &UsbpControllers; e = e->Flink) {
        PUSBP_CONTROLLER c = CONTAINING_RECORD(e, USBP_CONTROLLER, Entry);
        if (c->Number + 1 == Bus)
            found = c;
    }
    /* The controller driver's routine takes only its own lock, which is
       never held while it calls the core. */
    if (found != NULL)
        found->Hc->QueryCounters(found->HcContext, Counters);
    KeReleaseSpinLock(&UsbpControllersLock, irql);
    return found != NULL;
}
