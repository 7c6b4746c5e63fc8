/*
 * stackguard.c: the stack protector's cookie and its failure routine.
 *
 * GCC (-fstack-protector-strong, -mstack-protector-guard=global) places
 * __stack_chk_guard between a function's local buffers and its return
 * address, and checks it before returning. A buffer overrun that reaches
 * the return address has to overwrite the cookie first, and the check
 * catches it: Windows' /GS does the same and reports
 * KERNEL_SECURITY_CHECK_FAILURE with parameter 0.
 */
#include "wdm.h"
#include "arch/x86.h"

ULONG_PTR __stack_chk_guard = 0x2B992DDFA232ull; /* replaced at boot */

/* Must not itself be protected: the frames live at that moment would see
   the cookie change under them. Called before any protected frame that
   will return exists. */
__attribute__((no_stack_protector)) VOID RtlInitializeStackCookie(VOID)
{
    /* The time stamp counter differs from boot to boot; that is enough to
       stop an overrun from guessing the cookie by accident. */
    ULONG64 tsc = __rdtsc();
    __stack_chk_guard ^= tsc ^ (tsc << 29);
    __stack_chk_guard &= ~0xFFull; /* a zero byte stops string overruns */
}

__attribute__((noreturn)) VOID __stack_chk_fail(VOID)
{
    KeBugCheckEx(KERNEL_SECURITY_CHECK_FAILURE, 0, (ULONG_PTR)__builtin_return_address(0), 0, 0);
}
