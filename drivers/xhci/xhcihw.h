/*
 * xhcihw.h: the xHCI controller as the specification (revision 1.2)
 * defines it: registers, TRBs, contexts. Section numbers are the
 * specification's.
 *
 * Registers are reached through the driver's 32-bit MMIO accessors only
 * (QEMU rejects other widths in parts of the space, section 4 of the
 * reference notes); structures in memory the controller reads (TRBs,
 * contexts) are arrays of little-endian dwords, laid out here by index.
 */
#ifndef KELAB_XHCIHW_H
#define KELAB_XHCIHW_H

/* ---- capability registers (5.3), from the start of BAR 0 ---------------- */

#define XHCI_CAPLENGTH  0x00 /* byte: where the operational registers start */
#define XHCI_HCIVERSION 0x02 /* 16 bits */
#define XHCI_HCSPARAMS1 0x04
#define XHCI_HCSPARAMS2 0x08
#define XHCI_HCCPARAMS1 0x10
#define XHCI_DBOFF      0x14
#define XHCI_RTSOFF     0x18

#define XHCI_HCS1_MAX_SLOTS(v) ((v)&0xFF)
#define XHCI_HCS1_MAX_INTRS(v) (((v) >> 8) & 0x7FF)
#define XHCI_HCS1_MAX_PORTS(v) ((v) >> 24)
#define XHCI_HCS2_ERST_MAX(v)  (((v) >> 4) & 0xF) /* the ERST may have 2^n entries */
/* Scratchpad buffers the controller wants: 5 high bits and 5 low bits. */
#define XHCI_HCS2_SCRATCHPADS(v) ((((v) >> 21) & 0x1F) << 5 | ((v) >> 27))
#define XHCI_HCC1_AC64           0x00000001  /* 64-bit addresses */
#define XHCI_HCC1_CSZ            0x00000004  /* 64-byte contexts */
#define XHCI_HCC1_XECP(v)        ((v) >> 16) /* extended capabilities, in dwords */

/* ---- extended capabilities (7), a list in BAR 0 --------------------------- */

#define XHCI_XCAP_ID(v)    ((v)&0xFF)
#define XHCI_XCAP_NEXT(v)  (((v) >> 8) & 0xFF) /* in dwords; 0 ends */
#define XHCI_XCAP_LEGACY   1
#define XHCI_XCAP_PROTOCOL 2
/* Supported Protocol (7.2): dword 0 revision, dword 2 the ports it covers. */
#define XHCI_PROTOCOL_MAJOR(v) ((v) >> 24)
#define XHCI_PROTOCOL_FIRST(v) ((v)&0xFF) /* 1-based port number */
#define XHCI_PROTOCOL_COUNT(v) (((v) >> 8) & 0xFF)
/* USB Legacy Support (7.1): firmware owns the controller until asked. */
#define XHCI_LEGACY_BIOS_OWNED 0x00010000
#define XHCI_LEGACY_OS_OWNED   0x01000000

/* ---- operational registers (5.4), from CAPLENGTH ------------------------ */

#define XHCI_USBCMD    0x00
#define XHCI_USBSTS    0x04
#define XHCI_PAGESIZE  0x08
#define XHCI_CRCR      0x18 /* 64 bits, written low then high */
#define XHCI_DCBAAP    0x30 /* 64 bits */
#define XHCI_CONFIG    0x38
#define XHCI_PORTSC(n) (0x400 + 0x10 * ((n)-1)) /* n: 1-based port number */

#define XHCI_CMD_RUN   0x00000001
#define XHCI_CMD_RESET 0x00000002
#define XHCI_CMD_INTE  0x00000004 /* interrupter interrupts reach the system */
#define XHCI_CMD_HSEE  0x00000008

#define XHCI_STS_HALTED      0x00000001
#define XHCI_STS_HSE         0x00000004 /* host system error (write 1 to clear) */
#define XHCI_STS_EINT        0x00000008 /* an interrupter interrupted (write 1 to clear) */
#define XHCI_STS_PCD         0x00000010 /* a port changed (write 1 to clear) */
#define XHCI_STS_NOT_READY   0x00000800 /* CNR: registers not writable yet */
#define XHCI_STS_HCE         0x00001000 /* host controller error: needs a reset */
#define XHCI_STS_WRITE_CLEAR (XHCI_STS_HSE | XHCI_STS_EINT | XHCI_STS_PCD)

#define XHCI_CRCR_RCS 0x00000001 /* ring cycle state */
#define XHCI_CRCR_CS  0x00000002 /* command stop */
#define XHCI_CRCR_CA  0x00000004 /* command abort */
#define XHCI_CRCR_CRR 0x00000008 /* command ring running */

/* PORTSC (5.4.8). The change bits and PED are write-1-to-clear; writing a
   value read back would clear them (or disable the port), so every write
   starts from the value with only XHCI_PORT_PRESERVE kept. */
#define XHCI_PORT_CCS      0x00000001 /* a device is connected */
#define XHCI_PORT_PED      0x00000002 /* enabled (write 1: disable) */
#define XHCI_PORT_OCA      0x00000008
#define XHCI_PORT_PR       0x00000010 /* reset */
#define XHCI_PORT_PLS(v)   (((v) >> 5) & 0xF)
#define XHCI_PORT_PP       0x00000200 /* power */
#define XHCI_PORT_SPEED(v) (((v) >> 10) & 0xF)
#define XHCI_PORT_CSC      0x00020000 /* connect status changed */
#define XHCI_PORT_PEC      0x00040000
#define XHCI_PORT_WRC      0x00080000
#define XHCI_PORT_OCC      0x00100000
#define XHCI_PORT_PRC      0x00200000 /* reset completed */
#define XHCI_PORT_PLC      0x00400000
#define XHCI_PORT_CEC      0x00800000
#define XHCI_PORT_CHANGES  0x00FE0000
#define XHCI_PORT_PRESERVE 0x0E00C200 /* PP, indicator, wake enables */
#define XHCI_PLS_U0        0
#define XHCI_PLS_POLLING   7

/* Default speed IDs (7.2.2.1.1), what PORTSC and the slot context use. */
#define XHCI_SPEED_FULL  1
#define XHCI_SPEED_LOW   2
#define XHCI_SPEED_HIGH  3
#define XHCI_SPEED_SUPER 4

/* ---- runtime registers (5.5), from RTSOFF -------------------------------- */

#define XHCI_IR(n)     (0x20 + 0x20 * (n)) /* interrupter n */
#define XHCI_IR_IMAN   0x00
#define XHCI_IR_IMOD   0x04
#define XHCI_IR_ERSTSZ 0x08
#define XHCI_IR_ERSTBA 0x10 /* 64 bits: latched when the high half is written */
#define XHCI_IR_ERDP   0x18 /* 64 bits */

#define XHCI_IMAN_IP  0x00000001 /* pending (write 1 to clear) */
#define XHCI_IMAN_IE  0x00000002 /* enabled */
#define XHCI_ERDP_EHB 0x00000008 /* event handler busy (write 1 to clear) */

/* ---- doorbells (5.6), from DBOFF: one dword per slot ------------------------ */

#define XHCI_DOORBELL(slot) (4 * (slot)) /* 0: the command ring */

/* ---- TRBs (6.4): four dwords ------------------------------------------------ */

#define XHCI_TRB_CYCLE           0x00000001
#define XHCI_TRB_TOGGLE          0x00000002 /* Link TRB: toggle the cycle bit */
#define XHCI_TRB_ISP             0x00000004 /* interrupt on short packet */
#define XHCI_TRB_CHAIN           0x00000010
#define XHCI_TRB_IOC             0x00000020 /* interrupt on completion */
#define XHCI_TRB_IDT             0x00000040 /* the data is in the TRB itself */
#define XHCI_TRB_TYPE(t)         ((ULONG)(t) << 10)
#define XHCI_TRB_GET_TYPE(c)     (((c) >> 10) & 0x3F)
#define XHCI_TRB_DIR_IN          0x00010000 /* data and status stages */
#define XHCI_TRB_SLOT(s)         ((ULONG)(s) << 24)
#define XHCI_TRB_GET_SLOT(c)     ((c) >> 24)
#define XHCI_TRB_ENDPOINT(e)     ((ULONG)(e) << 16) /* a DCI */
#define XHCI_TRB_GET_ENDPOINT(c) (((c) >> 16) & 0x1F)
#define XHCI_TRB_BSR             0x00000200 /* Address Device: block SET_ADDRESS */
#define XHCI_TRB_DC              0x00000200 /* Configure Endpoint: deconfigure */
#define XHCI_EVENT_DATA          0x00000004 /* transfer event: from an Event Data TRB */
#define XHCI_TRB_MAX_LENGTH      0x10000    /* 64 KiB, and no crossing a 64 KiB boundary */

/* Setup stage (6.4.1.2.1): transfer type in bits 16-17 of the control dword. */
#define XHCI_SETUP_NO_DATA 0x00000000
#define XHCI_SETUP_OUT     0x00020000
#define XHCI_SETUP_IN      0x00030000

/* Normal and data stage TRBs: length in bits 0-16 of the status dword, TD
   size (packets still to come after this TRB, at most 31) in 17-21. */
#define XHCI_TRB_LENGTH(n)  ((ULONG)(n))
#define XHCI_TRB_TD_SIZE(n) ((ULONG)((n) > 31 ? 31 : (n)) << 17)

enum XHCI_TRB_TYPE {
    XhciTrbNormal = 1,
    XhciTrbSetup = 2,
    XhciTrbData = 3,
    XhciTrbStatus = 4,
    XhciTrbLink = 6,
    XhciTrbEventData = 7,
    XhciTrbNoop = 8,
    XhciTrbEnableSlot = 9,
    XhciTrbDisableSlot = 10,
    XhciTrbAddressDevice = 11,
    XhciTrbConfigureEndpoint = 12,
    XhciTrbEvaluateContext = 13,
    XhciTrbResetEndpoint = 14,
    XhciTrbStopEndpoint = 15,
    XhciTrbSetTrDequeue = 16,
    XhciTrbResetDevice = 17,
    XhciTrbNoopCommand = 23,
    XhciTrbTransferEvent = 32,
    XhciTrbCommandCompletion = 33,
    XhciTrbPortStatusChange = 34,
    XhciTrbHostControllerEvent = 37,
};

/* Events: the completion code in the top byte of the status dword, and
   for transfer events the bytes NOT transferred in the low 24 bits. */
#define XHCI_EVENT_CODE(status)     ((status) >> 24)
#define XHCI_EVENT_RESIDUAL(status) ((status)&0xFFFFFF)
#define XHCI_EVENT_PORT(param)      ((param) >> 24) /* port status change */

/* Completion codes (6.4.5). */
enum XHCI_COMPLETION_CODE {
    XhciSuccess = 1,
    XhciDataBufferError = 2,
    XhciBabbleDetected = 3,
    XhciTransactionError = 4,
    XhciTrbError = 5,
    XhciStallError = 6,
    XhciResourceError = 7,
    XhciBandwidthError = 8,
    XhciNoSlotsAvailable = 9,
    XhciSlotNotEnabled = 11,
    XhciEndpointNotEnabled = 12,
    XhciShortPacket = 13,
    XhciRingUnderrun = 14,
    XhciRingOverrun = 15,
    XhciParameterError = 17,
    XhciContextStateError = 19,
    XhciEventRingFull = 21,
    XhciCommandRingStopped = 24,
    XhciCommandAborted = 25,
    XhciStopped = 26,
    XhciStoppedLengthInvalid = 27,
    XhciStoppedShortPacket = 28,
};

/* ---- contexts (6.2), 32 bytes each (HCCPARAMS1.CSZ = 0) ---------------------- */

#define XHCI_CONTEXT_DWORDS 8
#define XHCI_ENDPOINTS      31 /* DCI 1 (EP0) to 31 */

/* Input control context (6.2.5.1): drop flags, add flags (bit = DCI; bit 0
   the slot context). */
#define XHCI_ICC_DROP 0
#define XHCI_ICC_ADD  1

/* Slot context (6.2.2). */
#define XHCI_SLOT_SPEED(s)   ((ULONG)(s) << 20)
#define XHCI_SLOT_ENTRIES(n) ((ULONG)(n) << 27) /* dword 0: the highest DCI in use */
#define XHCI_SLOT_PORT(p)    ((ULONG)(p) << 16) /* dword 1: root hub port, 1-based */
#define XHCI_SLOT_STATE(d3)  ((d3) >> 27)

/* Endpoint context (6.2.3). */
#define XHCI_EP_STATE(d0)      ((d0)&7)
#define XHCI_EP_INTERVAL(n)    ((ULONG)(n) << 16) /* dword 0: period 2^n x 125 us */
#define XHCI_EP_MULT(n)        ((ULONG)(n) << 8)
#define XHCI_EP_CERR(n)        ((ULONG)(n) << 1) /* dword 1: errors before halting */
#define XHCI_EP_TYPE(t)        ((ULONG)(t) << 3)
#define XHCI_EP_MAX_BURST(n)   ((ULONG)(n) << 8)
#define XHCI_EP_MAX_PACKET(n)  ((ULONG)(n) << 16)
#define XHCI_EP_DCS            0x00000001   /* dwords 2-3: dequeue pointer | cycle state */
#define XHCI_EP_AVERAGE_TRB(n) ((ULONG)(n)) /* dword 4 */
#define XHCI_EP_MAX_ESIT(n)    ((ULONG)(n) << 16)

enum XHCI_ENDPOINT_TYPE {
    XhciEpIsochOut = 1,
    XhciEpBulkOut = 2,
    XhciEpInterruptOut = 3,
    XhciEpControl = 4,
    XhciEpIsochIn = 5,
    XhciEpBulkIn = 6,
    XhciEpInterruptIn = 7,
};

enum XHCI_ENDPOINT_STATE {
    XhciEpDisabled = 0,
    XhciEpRunning = 1,
    XhciEpHalted = 2,
    XhciEpStopped = 3,
    XhciEpError = 4,
};

/* The device context index of an endpoint: EP0 is 1, endpoint n OUT 2n,
   endpoint n IN 2n + 1. It is also the doorbell's target. */
#define XHCI_DCI(address)                                                                          \
    (((address)&0x0F) == 0 ? 1 : ((address)&0x0F) * 2 + (((address)&0x80) ? 1 : 0))

#endif
