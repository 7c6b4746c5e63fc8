/*
 * resources.c: the test kit's view of the system's resources, for tests
 * that must give back everything they took (the soak), and the numbers a
 * test reads from the kernel command line.
 */
#include "ktest.h"
#include "ke.h"
#include "ex.h"
#include "ob.h"
#include "io.h"

BOOLEAN KtGetOptionNumber(PCSTR Key, ULONG64 *Value)
{
    CHAR text[24];
    if (!KeGetBootOption(Key, text, sizeof(text)))
        return FALSE;
    if (RtlStringToUlong64(text, Value))
        return TRUE;
    KtLog("%s=%s is not a number", Key, text);
    KtFail();
    return FALSE;
}

VOID KtQueryResources(KT_RESOURCES *Resources)
{
    ExQueryPoolUsage(&Resources->PoolBytes, &Resources->PoolAllocations);
    Resources->Irps = IoQueryIrpCount();
    Resources->Threads = (*PsThreadType)->ObjectCount;
    Resources->Handles = ObQueryHandleCount();
}

static BOOLEAN KtReportOne(PCSTR Prefix, PCSTR What, LONG64 Before, LONG64 After)
{
    KtLog("%s %-16s %lld before, %lld after", Prefix, What, (long long)Before, (long long)After);
    if (After <= Before)
        return TRUE;
    KtLog("%s %s: %lld not given back", Prefix, What, (long long)(After - Before));
    KtFail();
    return FALSE;
}

BOOLEAN KtReportResources(const KT_RESOURCES *Before, const KT_RESOURCES *After, PCSTR Prefix)
{
    BOOLEAN ok = KtReportOne(Prefix, "pool bytes", Before->PoolBytes, After->PoolBytes);
    ok &= KtReportOne(Prefix, "pool allocations", Before->PoolAllocations, After->PoolAllocations);
    ok &= KtReportOne(Prefix, "IRPs", Before->Irps, After->Irps);
    ok &= KtReportOne(Prefix, "thread objects", Before->Threads, After->Threads);
    ok &= KtReportOne(Prefix, "handles", Before->Handles, After->Handles);
    return ok;
}
