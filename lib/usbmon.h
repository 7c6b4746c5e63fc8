/*
 * usbmon.h: USB transfers in the format Linux's usbmon gives them, written
 * to a pcap file that tshark and Wireshark decode as USB.
 *
 * A capture is a pcap file (a 24-byte file header, then records) of link
 * type LINKTYPE_USB_LINUX_MMAPPED (220): each record is a 16-byte pcap
 * record header, usbmon's 64-byte packet header, and the data captured
 * with it. A transfer gives two records with the same Id: its submission
 * ('S', with OUT data and a control transfer's setup packet) and its
 * completion ('C', with IN data and the status, 0 or a negative errno).
 *
 * This file only encodes; the USB core decides what to record and where
 * the bytes go. Everything is written little-endian, a byte at a time, as
 * the file header's magic number tells readers.
 */
#ifndef KELAB_USBMON_H
#define KELAB_USBMON_H

#include "ntdef.h"

#define USBMON_LINKTYPE             220 /* LINKTYPE_USB_LINUX_MMAPPED */
#define USBMON_FILE_HEADER_LENGTH   24
#define USBMON_RECORD_HEADER_LENGTH 16
#define USBMON_PACKET_LENGTH        64
#define USBMON_RECORD_LENGTH        (USBMON_RECORD_HEADER_LENGTH + USBMON_PACKET_LENGTH)

/* usbmon's transfer types (not the endpoint descriptor's numbering). */
#define USBMON_ISOCHRONOUS 0
#define USBMON_INTERRUPT   1
#define USBMON_CONTROL     2
#define USBMON_BULK        3

/* Statuses, as Linux's URB statuses (negative errno values). */
#define USBMON_IN_PROGRESS (-115) /* -EINPROGRESS: every submission */
#define USBMON_STALL       (-32)  /* -EPIPE */
#define USBMON_CANCELLED   (-2)   /* -ENOENT: unlinked */
#define USBMON_PROTOCOL    (-71)  /* -EPROTO: a transaction error */
#define USBMON_TIMEOUT     (-62)  /* -ETIME */
#define USBMON_OVERFLOW    (-75)  /* -EOVERFLOW: babble */
#define USBMON_SHORT       (-121) /* -EREMOTEIO: short, and short was not allowed */
#define USBMON_GONE        (-108) /* -ESHUTDOWN: the device went away */

typedef struct _USBMON_PACKET {
    ULONG64 Id;         /* pairs a submission with its completion */
    CHAR Type;          /* 'S' or 'C' ('E' for a submission error) */
    UCHAR TransferType; /* USBMON_* */
    UCHAR Endpoint;     /* bEndpointAddress: number, bit 7 for IN */
    UCHAR Device;       /* USB address */
    USHORT Bus;
    BOOLEAN HasSetup; /* Setup holds a control submission's setup packet */
    UCHAR Setup[8];
    LONG Status;          /* USBMON_IN_PROGRESS, 0, or a negative errno */
    ULONG Length;         /* asked for (S) or transferred (C) */
    ULONG CapturedLength; /* data bytes that follow this record's header */
    LONG Interval;        /* periodic endpoints, in frames or microframes */
    ULONG64 Seconds;      /* when: since any epoch; readers print it */
    ULONG Microseconds;
} USBMON_PACKET;

/* The pcap file header: version 2.4, microsecond timestamps, SnapLength
   the most a record may carry. */
VOID UsbmonEncodeFileHeader(UCHAR Out[USBMON_FILE_HEADER_LENGTH], ULONG SnapLength);

/* One record's headers; its CapturedLength data bytes follow them. */
VOID UsbmonEncodeRecord(UCHAR Out[USBMON_RECORD_LENGTH], const USBMON_PACKET *Packet);

#endif
