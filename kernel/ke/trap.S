/*
 * trap.S: the entry stubs of all 256 interrupt vectors.
 *
 * The processor pushes SS, RSP, RFLAGS, CS, RIP (and, for some
 * exceptions, an error code) and jumps through the IDT. Each stub makes
 * the frame uniform (a zero error code where the processor pushed none),
 * pushes its vector number and joins KiTrapCommon, which saves the
 * general registers as a KTRAP_FRAME and calls KiDispatchTrap in C.
 */
#include "arch/x86.h"


    .text
    .altmacro

/* Exceptions 8, 10-14, 17, 21, 29 and 30 come with an error code. */
.macro TRAP_STUB vector
    .balign 16
KiTrapStub\vector:
    .if !((\vector == 8) || ((\vector >= 10) && (\vector <= 14)) || (\vector == 17) || (\vector == 21) || (\vector == 29) || (\vector == 30))
    pushq   $0
    .endif
    pushq   $\vector
    jmp     KiTrapCommon
.endm

.macro STUB_ADDRESS vector
    .quad KiTrapStub\vector
.endm

    .set vector, 0
    .rept 256
    TRAP_STUB %vector
    .set vector, vector + 1
    .endr

KiTrapCommon:
    pushq   %r15
    pushq   %r14
    pushq   %r13
    pushq   %r12
    pushq   %r11
    pushq   %r10
    pushq   %r9
    pushq   %r8
    pushq   %rbp
    pushq   %rdi
    pushq   %rsi
    pushq   %rdx
    pushq   %rcx
    pushq   %rbx
    pushq   %rax
    cld                             /* the C ABI expects DF clear */
    mov     %rsp, %rdi              /* PKTRAP_FRAME */
    /* The processor aligned RSP to 16 before pushing its frame; the 22
       quadwords pushed since then keep it aligned, as the ABI requires. */
    call    KiDispatchTrap
    popq    %rax
    popq    %rbx
    popq    %rcx
    popq    %rdx
    popq    %rsi
    popq    %rdi
    popq    %rbp
    popq    %r8
    popq    %r9
    popq    %r10
    popq    %r11
    popq    %r12
    popq    %r13
    popq    %r14
    popq    %r15
    add     $16, %rsp               /* vector and error code */
    iretq

    .section .rodata
    .balign 8
    .globl KiTrapStubTable
KiTrapStubTable:
    .set vector, 0
    .rept 256
    STUB_ADDRESS %vector
    .set vector, vector + 1
    .endr

/*
 * VOID KiSwitchStackAndCall(PVOID StackTop, VOID (*Function)(VOID))
 * Abandons the current stack: used once at boot to leave the boot stack
 * (which has no guard page) for a proper kernel stack.
 */
    .text
    .globl KiSwitchStackAndCall
KiSwitchStackAndCall:
    mov     %rdi, %rsp
    xor     %ebp, %ebp              /* the new stack's backtrace ends here */
    call    *%rsi
1:  hlt
    jmp     1b
