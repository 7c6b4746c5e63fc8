/*
 * entry.S: from GRUB's 32-bit protected mode to C in the higher half.
 *
 * GRUB leaves us with paging off, a flat 32-bit GDT of its own, no stack and
 * interrupts disabled. To reach 64-bit mode we must: check the CPU can do it,
 * build page tables, enable PAE, set EFER.LME (long mode) and EFER.NXE
 * (no-execute bits, used to make data non-executable), turn paging on, and
 * far-jump into a 64-bit code segment. The C code takes over from there.
 *
 * The boot page tables map the first 4 GiB three times, with 2 MiB pages:
 *   - identity (virtual = physical), because this code and the multiboot
 *     information are at physical addresses;
 *   - at the direct map base (0xFFFF800000000000), so that the memory
 *     manager can reach page tables it allocates before it builds its own;
 *   - at KERNEL_VMA (-2 GiB), where the kernel is linked (first 1 GiB only).
 * The memory manager replaces them with the real tables (MiInitializePaging).
 */
#include "arch/x86.h"

#define KERNEL_VMA      0xFFFFFFFF80000000
#define MB2_BOOT_MAGIC  0x36D76289
#define PTE_P           0x001
#define PTE_W           0x002
#define PTE_PS          0x080

    .section .boot.bss, "aw", @nobits
    .balign 4096
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096          /* PML4[0]: identity, 4 GiB */
boot_pdpt_high: .skip 4096          /* PML4[511]: KERNEL_VMA */
boot_pd:        .skip 4096 * 4      /* 4 page directories: 2048 x 2 MiB */
boot_stack:     .skip 4096
boot_stack_top:

    /* The first kernel stack, used until the memory manager can make
       one with a guard page (KiSystemStartup). Higher half, in .bss. */
    .section .bss
    .balign 16
KiBootStack:    .skip 16 * 1024
KiBootStackTop:

    .section .boot.data, "a"
    .balign 16
boot_gdt:
    .quad 0                         /* null */
    .quad 0x00AF9A000000FFFF        /* 0x08: 64-bit code, DPL 0 */
    .quad 0x00CF92000000FFFF        /* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
    .short boot_gdt_end - boot_gdt - 1
    .long  boot_gdt

    /* Messages for the two ways this can fail before any C code runs. */
msg_not_multiboot: .asciz "KeLab: not started by a multiboot2 loader (use the GRUB ISO: make run)\r\n"
msg_no_long_mode:  .asciz "KeLab: this CPU has no 64-bit long mode or no NX bit; KeLab needs both\r\n"

    .section .boot.text, "ax"
    .code32
    .globl KiBootEntry32
KiBootEntry32:
    cli
    cld
    mov     $boot_stack_top, %esp
    mov     %ebx, %edi                  /* keep the boot information pointer */

    mov     $msg_not_multiboot, %esi
    cmp     $MB2_BOOT_MAGIC, %eax
    jne     boot_fail

    /* Long mode and NX are both in CPUID 0x80000001 EDX (bits 29 and 20). */
    mov     $msg_no_long_mode, %esi
    mov     $0x80000000, %eax
    cpuid
    cmp     $0x80000001, %eax
    jb      boot_fail
    mov     $0x80000001, %eax
    cpuid
    bt      $29, %edx
    jnc     boot_fail
    bt      $20, %edx
    jnc     boot_fail

    call    boot_build_page_tables

    mov     %cr4, %eax
    or      $(CR4_PAE | CR4_PGE), %eax
    mov     %eax, %cr4
    mov     $boot_pml4, %eax
    mov     %eax, %cr3

    mov     $MSR_EFER, %ecx
    rdmsr
    or      $(EFER_LME | EFER_NXE), %eax
    wrmsr

    /* WP: the kernel honours read-only pages too, so a stray write to
       kernel text faults instead of silently patching code. */
    mov     %cr0, %eax
    or      $(CR0_PG | CR0_WP | CR0_PE), %eax
    mov     %eax, %cr0

    lgdt    boot_gdt_ptr
    ljmp    $0x08, $boot_long_mode

/* Fill the boot tables: 2048 2 MiB pages cover 4 GiB identity-mapped, and
   the first of the four directories also appears at KERNEL_VMA. */
boot_build_page_tables:
    mov     $boot_pml4, %ebx
    lea     (boot_pdpt_low + PTE_P + PTE_W), %eax
    mov     %eax, (%ebx)
    lea     (boot_pdpt_high + PTE_P + PTE_W), %eax
    mov     %eax, 511*8(%ebx)
    lea     (boot_pdpt_low + PTE_P + PTE_W), %eax
    mov     %eax, 256*8(%ebx)           /* direct map: same 4 GiB */

    xor     %ecx, %ecx
1:  mov     %ecx, %eax                  /* PDPT_low[i] = PD[i], i = 0..3 */
    shl     $12, %eax
    add     $(boot_pd + PTE_P + PTE_W), %eax
    mov     %eax, boot_pdpt_low(,%ecx,8)
    inc     %ecx
    cmp     $4, %ecx
    jb      1b
    lea     (boot_pd + PTE_P + PTE_W), %eax
    mov     %eax, (boot_pdpt_high + 510*8)  /* -2 GiB -> PD[0] */

    xor     %ecx, %ecx                  /* PD[j] = j * 2 MiB, j = 0..2047 */
2:  mov     %ecx, %eax
    shl     $21, %eax
    or      $(PTE_P + PTE_W + PTE_PS), %eax
    mov     %eax, boot_pd(,%ecx,8)
    mov     %ecx, %eax
    shr     $11, %eax                   /* high dword: bits 32+ of j * 2 MiB */
    mov     %eax, (boot_pd + 4)(,%ecx,8)
    inc     %ecx
    cmp     $2048, %ecx
    jb      2b
    ret

/* Print the message at %esi on COM1 (polled, no setup needed under QEMU)
   and stop. */
boot_fail:
    mov     $0x3F8 + 5, %dx
3:  in      %dx, %al
    test    $0x20, %al
    jz      3b
    mov     $0x3F8, %dx
    lodsb
    test    %al, %al
    jz      4f
    out     %al, %dx
    jmp     boot_fail
4:  hlt
    jmp     4b

    .code64
boot_long_mode:
    mov     $0x10, %ax
    mov     %ax, %ds
    mov     %ax, %es
    mov     %ax, %ss
    xor     %eax, %eax
    mov     %ax, %fs
    mov     %ax, %gs

    /* Switch to the higher-half boot stack and call C. The multiboot
       information pointer (a physical address) is the first argument. */
    movabs  $KiBootStackTop, %rsp
    xor     %ebp, %ebp                  /* ends every backtrace */
    mov     %edi, %edi                  /* zero-extend */
    movabs  $KiSystemStartup, %rax
    call    *%rax
5:  hlt
    jmp     5b
