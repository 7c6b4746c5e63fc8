/*
 * serial.c: the 16550 UART on COM1, KeLab's console.
 *
 * QEMU connects COM1 to the terminal (`make run`) or to the test runner's
 * pipe. Output is polled: wait until the transmit holding register is
 * empty, then write the byte. That is slow on real hardware but never
 * depends on interrupts, so it works in a bug check with everything
 * masked.
 */
#include "hal.h"
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
