/*
 * hal.h: the hardware abstraction layer: the pieces of the PC platform
 * the kernel drives directly (serial port, QEMU's exit device, reset).
 */
#ifndef KELAB_HAL_H
#define KELAB_HAL_H

#include "wdm.h"

/* COM1, the console: 16550 UART at I/O port 0x3F8, 115200 8N1. */
VOID HalInitializeSerialPort(VOID);
VOID HalSerialPutChar(CHAR c);
/* Returns -1 when no character is waiting. */
int HalSerialGetChar(VOID);

/* QEMU's isa-debug-exit device (port 0xf4): QEMU exits with status
   (value << 1) | 1. The test runner reads the status. */
typedef enum _HAL_EXIT_STATUS {
    HalExitPass = 0x10,     /* QEMU status 33 */
    HalExitFail = 0x11,     /* QEMU status 35 */
    HalExitBugCheck = 0x12, /* QEMU status 37 */
} HAL_EXIT_STATUS;
__attribute__((noreturn)) VOID HalExitEmulator(HAL_EXIT_STATUS Status);

__attribute__((noreturn)) VOID HalReboot(VOID);
__attribute__((noreturn)) VOID HalHaltSystem(VOID);

#endif
