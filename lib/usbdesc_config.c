/*
 * usbdesc_config.c: a configuration and everything in it (see usbdesc.h).
 *
 * A configuration is one buffer of wTotalLength bytes: the 9-byte
 * configuration descriptor, then descriptors one after another, each
 * starting with its length and type:
 *
 *   configuration  bNumInterfaces = 1
 *   interface      0, alternate 0, bNumEndpoints = 2
 *   (class-specific descriptors of the interface, any number)
 *   endpoint       0x81 bulk IN
 *   endpoint       0x01 bulk OUT
 *   interface      0, alternate 1, ...
 *
 * Endpoint descriptors belong to the interface descriptor before them.
 * The walk below keeps one "open" setting, and checks its endpoint count
 * when the next interface descriptor (or the end) closes it.
 */
#include "usbdescp.h"

/* What the walk carries between descriptors. */
typedef struct _USB_DESC_WALK {
    USB_DESC_CONFIGURATION *Config;
    USB_DEVICE_SPEED Speed;
    USB_DESC_SETTING *Open; /* the setting endpoint descriptors now belong to */
    UCHAR OpenClaims;       /* its bNumEndpoints */
} USB_DESC_WALK;

#define FAIL(Walk, ...) UsbDescFail((Walk)->Config->Reason, USB_DESC_REASON_MAX, __VA_ARGS__)

/* The largest packet each speed allows for each transfer type, indexed
   [speed][type]; 0: the type does not exist at that speed. USB 2.0
   sections 5.5.3, 5.6.3, 5.7.3 and 5.8.3; USB 3.2 section 9.6.6. */
/* clang-format off */
static const USHORT UsbDescMaxPacket[4][4] = {
    /*                 control  isochronous  bulk  interrupt */
    [UsbLowSpeed]   = {      8,           0,    0,         8},
    [UsbFullSpeed]  = {     64,        1023,   64,        64},
    [UsbHighSpeed]  = {     64,        1024,  512,      1024},
    [UsbSuperSpeed] = {    512,        1024, 1024,      1024},
};
/* clang-format on */

/* Checks the packet size field of an endpoint and decodes it. */
static NTSTATUS UsbDescCheckPacketSize(USB_DESC_WALK *Walk, USB_DESC_ENDPOINT *Ep, USHORT Field)
{
    USHORT size = Field & USB_ENDPOINT_MAX_PACKET_SIZE_MASK;
    ULONG extra = (Field >> USB_ENDPOINT_ADDITIONAL_TRANSACTION_SHIFT) & 3;
    USHORT max = UsbDescMaxPacket[Walk->Speed][Ep->Type];
    BOOLEAN periodic =
        Ep->Type == USB_ENDPOINT_TYPE_INTERRUPT || Ep->Type == USB_ENDPOINT_TYPE_ISOCHRONOUS;

    if (max == 0)
        return FAIL(Walk, "endpoint 0x%02x at offset %u: no %s endpoints at %s speed", Ep->Address,
                    Ep->Offset, UsbDescEndpointTypeName(Ep->Type), UsbDescSpeedName(Walk->Speed));
    if (Field >> 13)
        return FAIL(Walk,
                    "endpoint 0x%02x at offset %u: reserved bits set in wMaxPacketSize 0x%04x",
                    Ep->Address, Ep->Offset, Field);
    if (extra != 0 && !(periodic && Walk->Speed == UsbHighSpeed))
        return FAIL(Walk,
                    "endpoint 0x%02x at offset %u: extra transactions per microframe (0x%04x) "
                    "only exist for high-speed periodic endpoints",
                    Ep->Address, Ep->Offset, Field);
    if (extra == 3)
        return FAIL(Walk,
                    "endpoint 0x%02x at offset %u: wMaxPacketSize 0x%04x asks for 4 "
                    "transactions per microframe (at most 3)",
                    Ep->Address, Ep->Offset, Field);
    /* An isochronous endpoint may reserve no bandwidth (size 0), as the
       zero-bandwidth alternate settings of audio and video devices do. */
    if (size == 0 && Ep->Type != USB_ENDPOINT_TYPE_ISOCHRONOUS)
        return FAIL(Walk, "endpoint 0x%02x at offset %u: wMaxPacketSize is 0", Ep->Address,
                    Ep->Offset);
    if (size > max)
        return FAIL(
            Walk,
            "endpoint 0x%02x at offset %u: wMaxPacketSize %u, more than %u for %s at %s speed",
            Ep->Address, Ep->Offset, size, max, UsbDescEndpointTypeName(Ep->Type),
            UsbDescSpeedName(Walk->Speed));
    /* Bulk and control endpoints allow only these sizes: 8, 16, 32 or 64
       at full speed, exactly the maximum at the other speeds. */
    if (!periodic &&
        (Walk->Speed == UsbFullSpeed ? (size < 8 || (size & (size - 1)) != 0) : size != max))
        return FAIL(
            Walk,
            "endpoint 0x%02x at offset %u: wMaxPacketSize %u is not allowed for %s at %s speed",
            Ep->Address, Ep->Offset, size, UsbDescEndpointTypeName(Ep->Type),
            UsbDescSpeedName(Walk->Speed));
    Ep->MaxPacketSize = size;
    Ep->TransactionsPerMicroframe = (UCHAR)(extra + 1);
    return STATUS_SUCCESS;
}

/* Position of the highest set bit of a non-zero byte. */
static UCHAR UsbDescLog2(UCHAR Value)
{
    UCHAR log = 0;
    while (Value >>= 1)
        log++;
    return log;
}

/* Checks bInterval and turns it into a period of 2^IntervalExponent
   microframes (125 us). High speed and SuperSpeed give the exponent plus
   one (1..16); full and low speed give interrupt periods in milliseconds
   (1..255, served at the power of 2 at or below) and isochronous ones as
   an exponent of milliseconds (1..16). Bulk and control endpoints have
   no period (a high-speed one's bInterval is a NAK rate, unused). */
static NTSTATUS UsbDescCheckInterval(USB_DESC_WALK *Walk, USB_DESC_ENDPOINT *Ep)
{
    BOOLEAN fast = Walk->Speed >= UsbHighSpeed;
    UCHAR b = Ep->Interval;

    Ep->IntervalExponent = 0;
    if (Ep->Type == USB_ENDPOINT_TYPE_BULK || Ep->Type == USB_ENDPOINT_TYPE_CONTROL)
        return STATUS_SUCCESS;
    if (Ep->Type == USB_ENDPOINT_TYPE_INTERRUPT && !fast) {
        if (b == 0)
            return FAIL(Walk, "endpoint 0x%02x at offset %u: bInterval 0", Ep->Address, Ep->Offset);
        Ep->IntervalExponent = (UCHAR)(UsbDescLog2(b) + 3);
        return STATUS_SUCCESS;
    }
    if (b < 1 || b > 16)
        return FAIL(Walk, "endpoint 0x%02x at offset %u: bInterval %u, not 1 to 16", Ep->Address,
                    Ep->Offset, b);
    Ep->IntervalExponent = (UCHAR)(b - 1 + (fast ? 0 : 3));
    return STATUS_SUCCESS;
}

/* An endpoint descriptor, for the open setting. */
static NTSTATUS UsbDescEndpoint(USB_DESC_WALK *Walk, const UCHAR *d, USHORT Offset)
{
    USB_DESC_CONFIGURATION *config = Walk->Config;
    USB_DESC_SETTING *setting = Walk->Open;
    NTSTATUS status;

    if (setting == NULL)
        return FAIL(Walk, "endpoint descriptor at offset %u comes before any interface", Offset);
    if (d[0] < USB_ENDPOINT_DESCRIPTOR_LENGTH)
        return FAIL(Walk, "endpoint descriptor at offset %u: bLength %u, less than %u", Offset,
                    d[0], USB_ENDPOINT_DESCRIPTOR_LENGTH);
    if (setting->EndpointCount == Walk->OpenClaims)
        return FAIL(Walk,
                    "interface %u alternate %u: more endpoint descriptors than its "
                    "bNumEndpoints (%u)",
                    setting->InterfaceNumber, setting->AlternateSetting, Walk->OpenClaims);
    if (config->EndpointCount == USB_DESC_MAX_ENDPOINTS)
        return FAIL(Walk, "more than %u endpoint descriptors (KeLab's limit)",
                    USB_DESC_MAX_ENDPOINTS);

    USB_DESC_ENDPOINT *ep = &config->Endpoints[config->EndpointCount];
    ep->Address = d[2];
    ep->Attributes = d[3];
    ep->Type = d[3] & USB_ENDPOINT_TYPE_MASK;
    ep->Interval = d[6];
    ep->Offset = Offset;
    if ((ep->Address & 0x70) != 0 || (ep->Address & USB_ENDPOINT_ADDRESS_MASK) == 0)
        return FAIL(Walk, "endpoint descriptor at offset %u: bad bEndpointAddress 0x%02x", Offset,
                    ep->Address);
    for (ULONG i = 0; i < setting->EndpointCount; i++) {
        if (config->Endpoints[setting->FirstEndpoint + i].Address == ep->Address)
            return FAIL(Walk, "interface %u alternate %u: endpoint 0x%02x twice",
                        setting->InterfaceNumber, setting->AlternateSetting, ep->Address);
    }
    status = UsbDescCheckPacketSize(Walk, ep, UsbDescRead16(d + 4));
    if (NT_SUCCESS(status))
        status = UsbDescCheckInterval(Walk, ep);
    if (!NT_SUCCESS(status))
        return status;
    config->EndpointCount++;
    setting->EndpointCount++;
    return STATUS_SUCCESS;
}

/* The open setting is complete: it must have had all its endpoints. */
static NTSTATUS UsbDescCloseSetting(USB_DESC_WALK *Walk)
{
    USB_DESC_SETTING *setting = Walk->Open;
    if (setting != NULL && setting->EndpointCount != Walk->OpenClaims)
        return FAIL(Walk,
                    "interface %u alternate %u: bNumEndpoints %u, but %u endpoint "
                    "descriptors follow",
                    setting->InterfaceNumber, setting->AlternateSetting, Walk->OpenClaims,
                    setting->EndpointCount);
    Walk->Open = NULL;
    return STATUS_SUCCESS;
}

/* An interface descriptor: closes the open setting, opens its own. */
static NTSTATUS UsbDescInterface(USB_DESC_WALK *Walk, const UCHAR *d, USHORT Offset)
{
    USB_DESC_CONFIGURATION *config = Walk->Config;
    NTSTATUS status = UsbDescCloseSetting(Walk);

    if (!NT_SUCCESS(status))
        return status;
    if (d[0] < USB_INTERFACE_DESCRIPTOR_LENGTH)
        return FAIL(Walk, "interface descriptor at offset %u: bLength %u, less than %u", Offset,
                    d[0], USB_INTERFACE_DESCRIPTOR_LENGTH);
    if (d[2] >= config->InterfaceCount)
        return FAIL(Walk,
                    "interface descriptor at offset %u: interface %u, but bNumInterfaces "
                    "is %u",
                    Offset, d[2], config->InterfaceCount);
    if (UsbDescFindSetting(config, d[2], d[3]) != NULL)
        return FAIL(Walk, "interface %u alternate %u described twice (again at offset %u)", d[2],
                    d[3], Offset);
    if (d[4] > USB_DESC_MAX_SETTING_ENDPOINTS)
        return FAIL(Walk, "interface %u alternate %u: bNumEndpoints %u, more than %u can exist",
                    d[2], d[3], d[4], USB_DESC_MAX_SETTING_ENDPOINTS);
    if (config->SettingCount == USB_DESC_MAX_SETTINGS)
        return FAIL(Walk, "more than %u interface descriptors (KeLab's limit)",
                    USB_DESC_MAX_SETTINGS);

    USB_DESC_SETTING *setting = &config->Settings[config->SettingCount++];
    setting->InterfaceNumber = d[2];
    setting->AlternateSetting = d[3];
    setting->Class = d[5];
    setting->SubClass = d[6];
    setting->Protocol = d[7];
    setting->String = d[8];
    setting->FirstEndpoint = config->EndpointCount;
    setting->Offset = Offset;
    Walk->Open = setting;
    Walk->OpenClaims = d[4];
    return STATUS_SUCCESS;
}

/* One descriptor of the walk, whose bounds are already checked. */
static NTSTATUS UsbDescOne(USB_DESC_WALK *Walk, const UCHAR *d, USHORT Offset)
{
    CHAR name[16];
    switch (d[1]) {
    case USB_INTERFACE_DESCRIPTOR_TYPE:
        return UsbDescInterface(Walk, d, Offset);
    case USB_ENDPOINT_DESCRIPTOR_TYPE:
        return UsbDescEndpoint(Walk, d, Offset);
    case USB_DEVICE_DESCRIPTOR_TYPE:
    case USB_CONFIGURATION_DESCRIPTOR_TYPE:
    case USB_OTHER_SPEED_CONFIGURATION_DESCRIPTOR_TYPE:
        /* Never inside a configuration: the data is not what it claims. */
        return FAIL(Walk, "a %s descriptor inside the configuration, at offset %u",
                    UsbDescTypeName(d[1], name), Offset);
    default:
        Walk->Config->SkippedCount++;
        return STATUS_SUCCESS;
    }
}

NTSTATUS UsbDescReadTotalLength(const UCHAR *Data, ULONG Length, USHORT *TotalLength, PSTR Reason,
                                SIZE_T cbReason)
{
    *TotalLength = 0;
    if (Length < USB_CONFIGURATION_DESCRIPTOR_LENGTH)
        return UsbDescFail(Reason, cbReason, "configuration descriptor: %u bytes came, %u needed",
                           Length, USB_CONFIGURATION_DESCRIPTOR_LENGTH);
    if (Data[1] != USB_CONFIGURATION_DESCRIPTOR_TYPE)
        return UsbDescFail(Reason, cbReason, "configuration descriptor has type 0x%02x", Data[1]);
    if (Data[0] < USB_CONFIGURATION_DESCRIPTOR_LENGTH)
        return UsbDescFail(Reason, cbReason, "configuration descriptor bLength %u, less than %u",
                           Data[0], USB_CONFIGURATION_DESCRIPTOR_LENGTH);
    USHORT total = UsbDescRead16(Data + 2);
    if (total < Data[0])
        return UsbDescFail(Reason, cbReason, "wTotalLength %u is shorter than bLength %u", total,
                           Data[0]);
    if (total > USB_DESC_MAX_CONFIGURATION_LENGTH)
        return UsbDescFail(Reason, cbReason, "wTotalLength %u, more than %u (KeLab's limit)", total,
                           USB_DESC_MAX_CONFIGURATION_LENGTH);
    *TotalLength = total;
    return STATUS_SUCCESS;
}

/* Every interface the configuration counts must have its alternate 0:
   it is the setting SET_CONFIGURATION selects. */
static NTSTATUS UsbDescCheckInterfaces(USB_DESC_WALK *Walk)
{
    USB_DESC_CONFIGURATION *config = Walk->Config;
    for (ULONG n = 0; n < config->InterfaceCount; n++) {
        if (UsbDescFindSetting(config, (UCHAR)n, 0) == NULL)
            return FAIL(Walk,
                        "bNumInterfaces is %u, but interface %u (alternate 0) is not "
                        "described",
                        config->InterfaceCount, (unsigned)n);
    }
    return STATUS_SUCCESS;
}

NTSTATUS UsbDescParseConfiguration(const UCHAR *Data, ULONG Length, USB_DEVICE_SPEED Speed,
                                   USB_DESC_CONFIGURATION *Config)
{
    USB_DESC_WALK walk = {.Config = Config, .Speed = Speed};
    USHORT total;
    CHAR name[16];

    RtlZeroMemory(Config, sizeof(*Config));
    if (Speed > UsbSuperSpeed)
        return FAIL(&walk, "unknown device speed %u", (unsigned)Speed);
    NTSTATUS status =
        UsbDescReadTotalLength(Data, Length, &total, Config->Reason, sizeof(Config->Reason));
    if (!NT_SUCCESS(status))
        return status;
    if (Length < total)
        return FAIL(&walk, "wTotalLength %u, but %u bytes came", total, Length);
    if (Data[4] > USB_DESC_MAX_INTERFACES)
        return FAIL(&walk, "bNumInterfaces %u, more than %u (KeLab's limit)", Data[4],
                    USB_DESC_MAX_INTERFACES);
    if (Data[5] == 0)
        return FAIL(&walk, "bConfigurationValue 0 (that value means unconfigured)");
    Config->TotalLength = total;
    Config->InterfaceCount = Data[4];
    Config->ConfigurationValue = Data[5];
    Config->String = Data[6];
    Config->Attributes = Data[7];
    Config->MaxPowerMilliamps = (USHORT)(Data[8] * (Speed == UsbSuperSpeed ? 8 : 2));

    for (ULONG off = Data[0]; off < total; off += Data[off]) {
        if (total - off < 2)
            return FAIL(&walk, "a stray byte at offset %u, the end of the configuration", off);
        if (Data[off] < 2)
            return FAIL(&walk, "descriptor at offset %u has bLength %u", off, Data[off]);
        if (Data[off] > total - off)
            return FAIL(&walk, "%s descriptor at offset %u: bLength %u runs past wTotalLength %u",
                        UsbDescTypeName(Data[off + 1], name), off, Data[off], total);
        status = UsbDescOne(&walk, Data + off, (USHORT)off);
        if (!NT_SUCCESS(status))
            return status;
    }
    status = UsbDescCloseSetting(&walk);
    if (NT_SUCCESS(status))
        status = UsbDescCheckInterfaces(&walk);
    return status;
}

const USB_DESC_SETTING *UsbDescFindSetting(const USB_DESC_CONFIGURATION *Config,
                                           UCHAR InterfaceNumber, UCHAR AlternateSetting)
{
    for (ULONG i = 0; i < Config->SettingCount; i++) {
        const USB_DESC_SETTING *s = &Config->Settings[i];
        if (s->InterfaceNumber == InterfaceNumber && s->AlternateSetting == AlternateSetting)
            return s;
    }
    return NULL;
}
