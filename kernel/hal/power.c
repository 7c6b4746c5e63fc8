/*
 * power.c: leaving the machine: QEMU's exit device for tests, reset, halt.
 */
#include "halp.h"
#include "arch/x86.h"

#define DEBUG_EXIT_PORT 0xF4
#define RESET_CONTROL   0xCF9 /* PCI reset control register (q35 chipset) */
#define RESET_FULL      0x06  /* system reset + CPU reset */
#define KBC_COMMAND     0x64
#define KBC_PULSE_RESET 0xFE

VOID HalExitEmulator(HAL_EXIT_STATUS Status)
{
    __outdword(DEBUG_EXIT_PORT, Status);
    /* Only reached without the isa-debug-exit device (`make run`). */
    HalHaltSystem();
}

VOID HalReboot(VOID)
{
    _disable();
    if (HalPlatform.ResetPort != 0) /* the way the FADT says */
        __outbyte(HalPlatform.ResetPort, HalPlatform.ResetValue);
    __outbyte(RESET_CONTROL, RESET_FULL);
    __outbyte(KBC_COMMAND, KBC_PULSE_RESET); /* older chipsets */
    /* Last resort: an empty IDT turns the next interrupt into a triple
       fault, which resets the processor. */
    static const struct __attribute__((packed)) {
        USHORT Limit;
        ULONG64 Base;
    } empty = {0, 0};
    __asm__ volatile("lidt %0; int3" : : "m"(empty));
    for (;;)
        __halt();
}

#define SLP_EN (1u << 13)

VOID HalPowerOff(VOID)
{
    if (HalPlatform.Pm1aControlPort == 0 || HalPlatform.SleepTypeS5 == 0xFFFF)
        return;
    __outword(HalPlatform.Pm1aControlPort, (USHORT)((HalPlatform.SleepTypeS5 << 10) | SLP_EN));
    KeStallExecutionProcessor(1000000); /* the chipset takes a moment to cut the power */
}

VOID HalHaltSystem(VOID)
{
    _disable();
    for (;;)
        __halt();
}
