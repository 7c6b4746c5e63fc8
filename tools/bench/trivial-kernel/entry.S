/*
 * The boot-time baseline: the least a multiboot2 kernel can do and still be
 * measured like KeLab. GRUB enters _start in 32-bit protected mode; we write
 * the two markers the benchmark waits for to COM1 and leave through the
 * isa-debug-exit port, so "QEMU start -> marker" measures firmware, GRUB and
 * loading, and nothing of our own.
 */

#define COM1     0x3f8
#define COM1_LSR (COM1 + 5) /* line status register */
#define LSR_THRE 0x20       /* transmit holding register empty */
#define EXIT_PORT 0xf4      /* isa-debug-exit: QEMU exits with (value << 1) | 1 */
#define EXIT_PASS 0x10      /* (0x10 << 1) | 1 = 33, the runner's "pass" */

    /* Multiboot2 header: magic, architecture (0 = i386), length, checksum,
     * then the end tag. GRUB searches the first 32 KiB for it, 8-byte aligned. */
    .section .multiboot, "a"
    .balign 8
header:
    .long 0xe85250d6
    .long 0
    .long header_end - header
    .long -(0xe85250d6 + 0 + (header_end - header))
    .word 0, 0       /* end tag: type 0, flags 0 */
    .long 8          /*          size 8 */
header_end:

    .text
    .code32
    .globl _start
_start:
    /* QEMU's 16550 transmits at any baud rate, so no UART setup is needed:
     * a real kernel's few port writes to program it cost microseconds. */
    mov $message, %esi
next_char:
    lodsb
    test %al, %al
    jz leave
    mov %al, %bl
    mov $COM1_LSR, %dx
wait_thre:
    in %dx, %al
    test $LSR_THRE, %al
    jz wait_thre
    mov %bl, %al
    mov $COM1, %dx
    out %al, %dx
    jmp next_char

leave:
    /* With `kelab-qemu --test` this ends QEMU with status 33. Without it the
     * port is unassigned, the write is ignored, and we halt until the
     * benchmark kills QEMU, as it does the real kernel at its prompt. */
    mov $EXIT_PASS, %al
    out %al, $EXIT_PORT
halt:
    cli
    hlt
    jmp halt

    .section .rodata
message:
    .asciz "KTAP version 1\nkelab> "
