/*
 * usbmon.c: encoding usbmon records (see usbmon.h).
 *
 * The 64-byte packet header, as Linux's struct usbmon_packet lays it out
 * (Documentation/usb/usbmon.rst, "the binary interface"):
 *
 *    0 u64 id           16 s64 ts_sec       40 u8  setup[8]
 *    8 u8  type         24 s32 ts_usec      48 s32 interval
 *    9 u8  xfer_type    28 s32 status       52 s32 start_frame
 *   10 u8  epnum        32 u32 length       56 u32 xfer_flags
 *   11 u8  devnum       36 u32 len_cap      60 u32 ndesc
 *   12 u16 busnum
 *   14 s8  flag_setup: 0 if setup[] is valid, '-' if not
 *   15 s8  flag_data:  0 if data follows, '<' (IN) or '>' (OUT) if not
 */
#include "usbmon.h"

#define PCAP_MAGIC 0xa1b2c3d4u /* microsecond timestamps */

static VOID Put16(UCHAR *p, ULONG v)
{
    p[0] = (UCHAR)v;
    p[1] = (UCHAR)(v >> 8);
}

static VOID Put32(UCHAR *p, ULONG v)
{
    Put16(p, v);
    Put16(p + 2, v >> 16);
}

static VOID Put64(UCHAR *p, ULONG64 v)
{
    Put32(p, (ULONG)v);
    Put32(p + 4, (ULONG)(v >> 32));
}

VOID UsbmonEncodeFileHeader(UCHAR Out[USBMON_FILE_HEADER_LENGTH], ULONG SnapLength)
{
    Put32(Out, PCAP_MAGIC);
    Put16(Out + 4, 2); /* version 2.4 */
    Put16(Out + 6, 4);
    Put32(Out + 8, 0);  /* time zone: UTC */
    Put32(Out + 12, 0); /* timestamp accuracy */
    Put32(Out + 16, SnapLength);
    Put32(Out + 20, USBMON_LINKTYPE);
}

VOID UsbmonEncodeRecord(UCHAR Out[USBMON_RECORD_LENGTH], const USBMON_PACKET *Packet)
{
    UCHAR *h = Out + USBMON_RECORD_HEADER_LENGTH;
    ULONG captured = USBMON_PACKET_LENGTH + Packet->CapturedLength;
    BOOLEAN in = (Packet->Endpoint & 0x80) != 0;

    Put32(Out, (ULONG)Packet->Seconds);
    Put32(Out + 4, Packet->Microseconds);
    Put32(Out + 8, captured);  /* bytes in the file */
    Put32(Out + 12, captured); /* bytes usbmon saw: the same, data cut included */

    for (ULONG i = 0; i < USBMON_PACKET_LENGTH; i++)
        h[i] = 0;
    Put64(h, Packet->Id);
    h[8] = (UCHAR)Packet->Type;
    h[9] = Packet->TransferType;
    h[10] = Packet->Endpoint;
    h[11] = Packet->Device;
    Put16(h + 12, Packet->Bus);
    h[14] = Packet->HasSetup ? 0 : '-';
    h[15] = Packet->CapturedLength ? 0 : (in ? '<' : '>');
    Put64(h + 16, Packet->Seconds);
    Put32(h + 24, Packet->Microseconds);
    Put32(h + 28, (ULONG)Packet->Status);
    Put32(h + 32, Packet->Length);
    Put32(h + 36, Packet->CapturedLength);
    if (Packet->HasSetup) {
        for (ULONG i = 0; i < 8; i++)
            h[40 + i] = Packet->Setup[i];
    }
    Put32(h + 48, (ULONG)Packet->Interval);
}
