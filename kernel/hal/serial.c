/*
 * serial.c: the 16550 UART on COM1, KeLab's console.
 *
 * QEMU connects COM1 to the terminal (`make run`) or to the test runner's
 * pipe. Output is polled: wait until the transmit holding register is
 * empty, then write the byte. That is slow on real hardware but never
 * depends on interrupts, so it works in a bug check with everything
 * masked.
 *
 * Input arrives by interrupt once interrupts exist (HalStartSerialInput),
 * in the classic three steps of an NT driver: the ISR (at the port's
 * device IRQL) moves received bytes into a ring buffer and queues a DPC;
 * the DPC sets an event; the reading thread, blocked on that event in
 * KeWaitForSingleObject, wakes and takes the bytes.
 */
#include "halp.h"
#include "arch/x86.h"

#define COM1 0x3F8

/* Register offsets from the base port. */
#define UART_DATA        0 /* receive buffer / transmit holding (DLAB=0) */
#define UART_IER         1 /* interrupt enable (DLAB=0) */
#define UART_DLL         0 /* divisor latch low (DLAB=1) */
#define UART_DLM         1 /* divisor latch high (DLAB=1) */
#define UART_FCR         2 /* FIFO control */
#define UART_LCR         3 /* line control */
#define UART_MCR         4 /* modem control */
#define UART_LSR         5 /* line status */
#define LCR_8N1          0x03
#define LCR_DLAB         0x80
#define FCR_ENABLE_CLEAR 0x07 /* enable FIFOs, clear both */
#define MCR_DTR_RTS_OUT2 0x0B
#define LSR_DATA_READY   0x01
#define LSR_THR_EMPTY    0x20
#define IER_RX_AVAILABLE 0x01
#define COM1_IRQ         4
#define RING_SIZE        256

static PKINTERRUPT HalpSerialInterrupt; /* set once, when input starts */
static KDPC HalpSerialDpc;
static KEVENT HalpSerialInput;           /* set when bytes have arrived */
static CHAR HalpRing[RING_SIZE];         /* the interrupt's spin lock */
static ULONG HalpRingHead, HalpRingTail; /* the interrupt's spin lock */
static ULONG64 HalpRingDropped;          /* the interrupt's spin lock */

VOID HalInitializeSerialPort(VOID)
{
    __outbyte(COM1 + UART_IER, 0x00); /* no interrupts yet */
    __outbyte(COM1 + UART_LCR, LCR_DLAB);
    __outbyte(COM1 + UART_DLL, 1); /* 115200 / 1 = 115200 baud */
    __outbyte(COM1 + UART_DLM, 0);
    __outbyte(COM1 + UART_LCR, LCR_8N1);
    __outbyte(COM1 + UART_FCR, FCR_ENABLE_CLEAR);
    __outbyte(COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
}

VOID HalSerialPutChar(CHAR c)
{
    while ((__inbyte(COM1 + UART_LSR) & LSR_THR_EMPTY) == 0)
        YieldProcessor();
    __outbyte(COM1 + UART_DATA, (UCHAR)c);
}

int HalSerialGetChar(VOID)
{
    if ((__inbyte(COM1 + UART_LSR) & LSR_DATA_READY) == 0)
        return -1;
    return __inbyte(COM1 + UART_DATA);
}

/* Moves everything the UART has into the ring. Bytes that do not fit are
   counted and dropped: a person typing cannot outrun 256 bytes. */
static BOOLEAN HalpSerialIsr(PKINTERRUPT Interrupt, PVOID Context)
{
    UNREFERENCED_PARAMETER(Interrupt);
    UNREFERENCED_PARAMETER(Context);
    BOOLEAN mine = FALSE;
    while (__inbyte(COM1 + UART_LSR) & LSR_DATA_READY) {
        CHAR c = (CHAR)__inbyte(COM1 + UART_DATA);
        mine = TRUE;
        if (HalpRingHead - HalpRingTail == RING_SIZE)
            HalpRingDropped++;
        else
            HalpRing[HalpRingHead++ % RING_SIZE] = c;
    }
    if (mine)
        KeInsertQueueDpc(&HalpSerialDpc, NULL, NULL);
    return mine;
}

static VOID HalpSerialInputDpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    KeSetEvent(&HalpSerialInput, IO_SERIAL_INCREMENT, FALSE);
}

VOID HalStartSerialInput(VOID)
{
    KeInitializeDpc(&HalpSerialDpc, HalpSerialInputDpc, NULL);
    KeInitializeEvent(&HalpSerialInput, SynchronizationEvent, FALSE);
    KIRQL irql;
    KAFFINITY affinity;
    ULONG vector = HalGetInterruptVector(Isa, 0, COM1_IRQ, COM1_IRQ, &irql, &affinity);
    if (vector == 0 ||
        !NT_SUCCESS(IoConnectInterrupt(&HalpSerialInterrupt, HalpSerialIsr, NULL, NULL, vector,
                                       irql, irql, Latched, FALSE, affinity, FALSE))) {
        DbgPrint("HAL: no interrupt for COM1; console input stays polled\n");
        return;
    }
    __outbyte(COM1 + UART_IER, IER_RX_AVAILABLE);
}

static int HalpTakeFromRing(VOID)
{
    int c = -1;
    KIRQL oldIrql = KeAcquireInterruptSpinLock(HalpSerialInterrupt);
    if (HalpRingTail != HalpRingHead)
        c = (UCHAR)HalpRing[HalpRingTail++ % RING_SIZE];
    KeReleaseInterruptSpinLock(HalpSerialInterrupt, oldIrql);
    return c;
}

CHAR HalSerialWaitChar(VOID)
{
    for (;;) {
        int c = HalpSerialInterrupt ? HalpTakeFromRing() : HalSerialGetChar();
        if (c >= 0)
            return (CHAR)c;
        if (HalpSerialInterrupt) {
            KeWaitForSingleObject(&HalpSerialInput, Executive, KernelMode, FALSE, NULL);
        } else {
            LARGE_INTEGER poll = {.QuadPart = -100000}; /* no interrupt: look every 10 ms */
            KeDelayExecutionThread(KernelMode, FALSE, &poll);
        }
    }
}
