/*
 * trampoline.S: where an application processor starts.
 *
 * A processor woken by a start-up IPI begins in 16-bit real mode at
 * physical address (vector << 12). The kernel copies this code to
 * KI_TRAMPOLINE_BASE (0x8000, below 1 MiB as real mode requires), fills the
 * data block at its end, and sends the IPI. The code climbs the same
 * ladder as boot/entry.S did for the boot processor, protected mode, PAE
 * paging with the kernel's own page tables, long mode, and then calls
 * KiSystemStartupAp with the processor's PCR on a stack of its own.
 *
 * It is copied, not run where it was linked, so every address inside it is
 * computed as (label - KiTrampolineStart + KI_TRAMPOLINE_BASE).
 */
#include "arch/x86.h"

#define KI_TRAMPOLINE_BASE 0x8000
#define T(label) ((label) - KiTrampolineStart + KI_TRAMPOLINE_BASE)

    .section .rodata
    .globl KiTrampolineStart, KiTrampolineEnd, KiTrampolineData
    .balign 16
KiTrampolineStart:
    .code16
    cli
    cld
    xor     %ax, %ax
    mov     %ax, %ds
    lgdtl   T(tramp_gdt_ptr)
    mov     %cr0, %eax
    or      $CR0_PE, %eax
    mov     %eax, %cr0
    ljmpl   $0x08, $T(tramp_protected)

    .code32
tramp_protected:
    mov     $0x10, %ax
    mov     %ax, %ds
    mov     %ax, %es
    mov     %ax, %ss
    mov     %cr4, %eax
    or      $(CR4_PAE | CR4_PGE), %eax
    mov     %eax, %cr4
    mov     T(KiTrampolineData), %eax       /* Cr3 */
    mov     %eax, %cr3
    mov     $MSR_EFER, %ecx
    rdmsr
    or      $(EFER_LME | EFER_NXE), %eax
    wrmsr
    mov     %cr0, %eax
    or      $(CR0_PG | CR0_WP), %eax
    mov     %eax, %cr0
    ljmp    $0x18, $T(tramp_long)

    .code64
tramp_long:
    mov     $0x10, %ax
    mov     %ax, %ds
    mov     %ax, %ss
    mov     T(KiTrampolineData) + 16, %rsp  /* StackTop */
    mov     T(KiTrampolineData) + 8, %rdi   /* Pcr */
    xor     %ebp, %ebp
    mov     T(KiTrampolineData) + 24, %rax  /* Entry */
    call    *%rax
1:  hlt
    jmp     1b

    .balign 16
tramp_gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF        /* 0x08: 32-bit code */
    .quad 0x00CF92000000FFFF        /* 0x10: data */
    .quad 0x00AF9A000000FFFF        /* 0x18: 64-bit code */
tramp_gdt_end:
tramp_gdt_ptr:
    .short tramp_gdt_end - tramp_gdt - 1
    .long  T(tramp_gdt)

    /* Filled in by KiStartProcessor for each processor (KI_TRAMPOLINE_DATA). */
    .balign 8
KiTrampolineData:
    .quad 0     /* Cr3 */
    .quad 0     /* Pcr */
    .quad 0     /* StackTop */
    .quad 0     /* Entry */
KiTrampolineEnd:
