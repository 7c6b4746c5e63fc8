/*
 * usbdlib.h: building URBs, and the USBD routines that read a
 * configuration descriptor for a function driver, with the WDK's names,
 * parameters and behaviour.
 *
 * The UsbBuild* macros fill in the fields of one kind of URB and nothing
 * else: the driver zeroes the URB first (or gets it from
 * USBD_CreateConfigurationRequestEx, which does). The USBD_* routines are
 * the USB core's (kernel/usb/ once it exists; on Windows, usbd.sys).
 */
#ifndef KELAB_USBDLIB_H
#define KELAB_USBDLIB_H

#include "usb.h"

/* An interface to select: the driver fills InterfaceDescriptor (from
   USBD_ParseConfigurationDescriptorEx), the list ends with a NULL one;
   USBD_CreateConfigurationRequestEx points Interface into the URB. */
typedef struct _USBD_INTERFACE_LIST_ENTRY {
    PUSB_INTERFACE_DESCRIPTOR InterfaceDescriptor;
    PUSBD_INTERFACE_INFORMATION Interface;
} USBD_INTERFACE_LIST_ENTRY, *PUSBD_INTERFACE_LIST_ENTRY;

#define UsbBuildInterruptOrBulkTransferRequest(urb, length, pipeHandle, transferBuffer,            \
                                               transferBufferMDL, transferBufferLength,            \
                                               transferFlags, link)                                \
    do {                                                                                           \
        (urb)->UrbHeader.Function = URB_FUNCTION_BULK_OR_INTERRUPT_TRANSFER;                       \
        (urb)->UrbHeader.Length = (length);                                                        \
        (urb)->UrbBulkOrInterruptTransfer.PipeHandle = (pipeHandle);                               \
        (urb)->UrbBulkOrInterruptTransfer.TransferBufferLength = (transferBufferLength);           \
        (urb)->UrbBulkOrInterruptTransfer.TransferBufferMDL = (transferBufferMDL);                 \
        (urb)->UrbBulkOrInterruptTransfer.TransferBuffer = (transferBuffer);                       \
        (urb)->UrbBulkOrInterruptTransfer.TransferFlags = (transferFlags);                         \
        (urb)->UrbBulkOrInterruptTransfer.UrbLink = (link);                                        \
    } while (0)

#define UsbBuildGetDescriptorRequest(urb, length, descriptorType, descriptorIndex, languageId,     \
                                     transferBuffer, transferBufferMDL, transferBufferLength,      \
                                     link)                                                         \
    do {                                                                                           \
        (urb)->UrbHeader.Function = URB_FUNCTION_GET_DESCRIPTOR_FROM_DEVICE;                       \
        (urb)->UrbHeader.Length = (length);                                                        \
        (urb)->UrbControlDescriptorRequest.TransferBufferLength = (transferBufferLength);          \
        (urb)->UrbControlDescriptorRequest.TransferBufferMDL = (transferBufferMDL);                \
        (urb)->UrbControlDescriptorRequest.TransferBuffer = (transferBuffer);                      \
        (urb)->UrbControlDescriptorRequest.DescriptorType = (descriptorType);                      \
        (urb)->UrbControlDescriptorRequest.Index = (descriptorIndex);                              \
        (urb)->UrbControlDescriptorRequest.LanguageId = (languageId);                              \
        (urb)->UrbControlDescriptorRequest.UrbLink = (link);                                       \
    } while (0)

/* op: URB_FUNCTION_GET_STATUS_FROM_DEVICE, _INTERFACE, _ENDPOINT or _OTHER. */
#define UsbBuildGetStatusRequest(urb, op, index, transferBuffer, transferBufferMDL, link)          \
    do {                                                                                           \
        (urb)->UrbHeader.Function = (op);                                                          \
        (urb)->UrbHeader.Length = sizeof(struct _URB_CONTROL_GET_STATUS_REQUEST);                  \
        (urb)->UrbControlGetStatusRequest.TransferBufferLength = sizeof(USHORT);                   \
        (urb)->UrbControlGetStatusRequest.TransferBufferMDL = (transferBufferMDL);                 \
        (urb)->UrbControlGetStatusRequest.TransferBuffer = (transferBuffer);                       \
        (urb)->UrbControlGetStatusRequest.Index = (index);                                         \
        (urb)->UrbControlGetStatusRequest.UrbLink = (link);                                        \
    } while (0)

/* op: URB_FUNCTION_SET_FEATURE_TO_* or URB_FUNCTION_CLEAR_FEATURE_TO_*. */
#define UsbBuildFeatureRequest(urb, op, featureSelector, index, link)                              \
    do {                                                                                           \
        (urb)->UrbHeader.Function = (op);                                                          \
        (urb)->UrbHeader.Length = sizeof(struct _URB_CONTROL_FEATURE_REQUEST);                     \
        (urb)->UrbControlFeatureRequest.FeatureSelector = (featureSelector);                       \
        (urb)->UrbControlFeatureRequest.Index = (index);                                           \
        (urb)->UrbControlFeatureRequest.UrbLink = (link);                                          \
    } while (0)

#define UsbBuildSelectConfigurationRequest(urb, length, configurationDescriptor)                   \
    do {                                                                                           \
        (urb)->UrbHeader.Function = URB_FUNCTION_SELECT_CONFIGURATION;                             \
        (urb)->UrbHeader.Length = (length);                                                        \
        (urb)->UrbSelectConfiguration.ConfigurationDescriptor = (configurationDescriptor);         \
    } while (0)

#define UsbBuildSelectInterfaceRequest(urb, length, configurationHandle, interfaceNumber,          \
                                       alternateSetting)                                           \
    do {                                                                                           \
        (urb)->UrbHeader.Function = URB_FUNCTION_SELECT_INTERFACE;                                 \
        (urb)->UrbHeader.Length = (length);                                                        \
        (urb)->UrbSelectInterface.Interface.AlternateSetting = (alternateSetting);                 \
        (urb)->UrbSelectInterface.Interface.InterfaceNumber = (interfaceNumber);                   \
        (urb)->UrbSelectInterface.Interface.Length =                                               \
            (USHORT)((length) - sizeof(struct _URB_HEADER) - sizeof(USBD_CONFIGURATION_HANDLE));   \
        (urb)->UrbSelectInterface.ConfigurationHandle = (configurationHandle);                     \
    } while (0)

/* cmd: URB_FUNCTION_VENDOR_* or URB_FUNCTION_CLASS_*. */
#define UsbBuildVendorRequest(urb, cmd, length, transferFlags, reservedbits, request, value,       \
                              index, transferBuffer, transferBufferMDL, transferBufferLength,      \
                              link)                                                                \
    do {                                                                                           \
        (urb)->UrbHeader.Function = (cmd);                                                         \
        (urb)->UrbHeader.Length = (length);                                                        \
        (urb)->UrbControlVendorClassRequest.TransferBufferLength = (transferBufferLength);         \
        (urb)->UrbControlVendorClassRequest.TransferBufferMDL = (transferBufferMDL);               \
        (urb)->UrbControlVendorClassRequest.TransferBuffer = (transferBuffer);                     \
        (urb)->UrbControlVendorClassRequest.RequestTypeReservedBits = (reservedbits);              \
        (urb)->UrbControlVendorClassRequest.Request = (request);                                   \
        (urb)->UrbControlVendorClassRequest.Value = (value);                                       \
        (urb)->UrbControlVendorClassRequest.Index = (index);                                       \
        (urb)->UrbControlVendorClassRequest.TransferFlags = (transferFlags);                       \
        (urb)->UrbControlVendorClassRequest.UrbLink = (link);                                      \
    } while (0)

#define URB_STATUS(urb) ((urb)->UrbHeader.Status)

/* Sizes of selection URBs for so many interfaces and pipes in all (each
   USBD_INTERFACE_INFORMATION already holds one pipe). */
#define GET_SELECT_CONFIGURATION_REQUEST_SIZE(totalInterfaces, totalPipes)                         \
    (sizeof(struct _URB_SELECT_CONFIGURATION) +                                                    \
     ((totalInterfaces - 1) * sizeof(USBD_INTERFACE_INFORMATION)) +                                \
     ((totalPipes - totalInterfaces) * sizeof(USBD_PIPE_INFORMATION)))
#define GET_SELECT_INTERFACE_REQUEST_SIZE(totalPipes)                                              \
    (sizeof(struct _URB_SELECT_INTERFACE) + ((totalPipes - 1) * sizeof(USBD_PIPE_INFORMATION)))
#define GET_USBD_INTERFACE_SIZE(numEndpoints)                                                      \
    (sizeof(USBD_INTERFACE_INFORMATION) + (sizeof(USBD_PIPE_INFORMATION) * (numEndpoints)) -       \
     sizeof(USBD_PIPE_INFORMATION))

/* Any IRQL up to DISPATCH_LEVEL. */
VOID USBD_GetUSBDIVersion(PUSBD_VERSION_INFORMATION VersionInformation);

/* The first interface descriptor at or after StartPosition that matches
   every criterion not -1; or NULL. ConfigurationDescriptor is one the
   core returned (already validated): up to wTotalLength. */
PUSB_INTERFACE_DESCRIPTOR
USBD_ParseConfigurationDescriptorEx(PUSB_CONFIGURATION_DESCRIPTOR ConfigurationDescriptor,
                                    PVOID StartPosition, LONG InterfaceNumber,
                                    LONG AlternateSetting, LONG InterfaceClass,
                                    LONG InterfaceSubClass, LONG InterfaceProtocol);

/* The first descriptor of DescriptorType at or after StartPosition in the
   TotalLength bytes at DescriptorBuffer; or NULL. */
PUSB_COMMON_DESCRIPTOR USBD_ParseDescriptors(PVOID DescriptorBuffer, ULONG TotalLength,
                                             PVOID StartPosition, LONG DescriptorType);

/* A SELECT_CONFIGURATION URB for the interfaces of InterfaceList, from
   nonpaged pool (ExFreePool it), zeroed and with each entry's Interface
   pointing at its USBD_INTERFACE_INFORMATION; NULL if out of memory. */
PURB USBD_CreateConfigurationRequestEx(PUSB_CONFIGURATION_DESCRIPTOR ConfigurationDescriptor,
                                       PUSBD_INTERFACE_LIST_ENTRY InterfaceList);

#endif
