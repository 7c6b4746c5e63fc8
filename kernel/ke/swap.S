/*
 * swap.S: switching from one thread's stack to another's.
 *
 * VOID KiSwapContext(PVOID *OldStack, PVOID NewStack)
 *
 * A thread that stops running is inside this function: it pushes the
 * registers the C ABI says a callee must preserve (rbx, rbp, r12-r15) and
 * its flags, saves its stack pointer in *OldStack, loads NewStack, pops the
 * other thread's registers and returns into wherever that thread called
 * KiSwapContext. Everything else a thread was doing is on its own stack.
 * No FPU state: the kernel is compiled to use general registers only.
 *
 * Every switch happens at SYNCH_LEVEL holding the dispatcher lock (see
 * scheduler.c), so the thread that resumes is the one that releases it.
 */
    .text
    .globl KiSwapContext
KiSwapContext:
    pushfq
    pushq   %rbp
    pushq   %rbx
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    mov     %rsp, (%rdi)
    mov     %rsi, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    popfq
    ret

/*
 * A new thread's first switch "returns" here (thread.c builds the frame):
 * clear the frame pointer so its backtraces end, and enter C.
 */
    .globl KiThreadStartupTrampoline
KiThreadStartupTrampoline:
    xor     %ebp, %ebp
    call    KiThreadStartup
    ud2                             /* KiThreadStartup never returns */
