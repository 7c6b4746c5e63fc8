/*
 * check.c: expectations. A failed check prints a KTAP diagnostic with the
 * source line and both values, and marks the running test failed.
 */
#include "ktest.h"
#include "ktestp.h"

static const char *const KtOpText[] = {"==", "!=", "<", "<=", ">", ">="};

static BOOLEAN KtCompare(KT_OP Op, LONG64 Left, LONG64 Right)
{
    switch (Op) {
    case KtEq:
        return Left == Right;
    case KtNe:
        return Left != Right;
    case KtLt:
        return Left < Right;
    case KtLe:
        return Left <= Right;
    case KtGt:
        return Left > Right;
    case KtGe:
        return Left >= Right;
    }
    return FALSE;
}

static VOID KtFailureHeader(PCSTR File, ULONG Line)
{
    KtFail();
    DbgPrint("    # %s: EXPECTATION FAILED at %s:%u\n", KtpCurrentName(), File, Line);
}

BOOLEAN KtCheck(KT_OP Op, LONG64 Left, LONG64 Right, PCSTR LeftText, PCSTR RightText, PCSTR File,
                ULONG Line)
{
    if (KtCompare(Op, Left, Right))
        return TRUE;
    KtFailureHeader(File, Line);
    DbgPrint("    #   expected %s %s %s, but\n", LeftText, KtOpText[Op], RightText);
    DbgPrint("    #     %s == %lld (0x%llx)\n", LeftText, (long long)Left,
             (unsigned long long)Left);
    DbgPrint("    #     %s == %lld (0x%llx)\n", RightText, (long long)Right,
             (unsigned long long)Right);
    return FALSE;
}

BOOLEAN KtCheckTrue(BOOLEAN Condition, PCSTR Text, PCSTR File, ULONG Line)
{
    if (Condition)
        return TRUE;
    KtFailureHeader(File, Line);
    DbgPrint("    #   expected %s to be true\n", Text);
    return FALSE;
}

BOOLEAN KtCheckStrEq(PCSTR Left, PCSTR Right, PCSTR LeftText, PCSTR RightText, PCSTR File,
                     ULONG Line)
{
    if (Left && Right && strcmp(Left, Right) == 0)
        return TRUE;
    KtFailureHeader(File, Line);
    DbgPrint("    #   expected %s == %s, but\n", LeftText, RightText);
    DbgPrint("    #     %s == \"%s\"\n", LeftText, Left ? Left : "(null)");
    DbgPrint("    #     %s == \"%s\"\n", RightText, Right ? Right : "(null)");
    return FALSE;
}

VOID KtFail(VOID)
{
    __atomic_add_fetch(&KtpCurrentFailures, 1, __ATOMIC_RELAXED);
}

VOID KtSkip(PCSTR Reason)
{
    KtpCurrentSkipReason = Reason;
}

VOID KtLog(PCSTR Format, ...)
{
    CHAR line[160];
    va_list ap;
    va_start(ap, Format);
    RtlStringCbVPrintfA(line, sizeof(line), Format, ap);
    va_end(ap);
    DbgPrint("    # %s: %s\n", KtpCurrentName(), line);
}
