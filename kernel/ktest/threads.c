/*
 * threads.c: starting and joining threads in tests.
 *
 * KtStartThread creates a system thread at the priority the test asked
 * for, which first moves to the processors asked for, then runs the routine. KtJoinThread
 * waits for it to end, with a timeout: a thread that does not finish is a
 * failed test (a lost wake-up, a deadlock), never a hang of the whole run.
 */
#include "ktest.h"
#include "ke.h"
#include "ob.h"

typedef struct _KT_START {
    VOID (*Routine)(PVOID Context);
    PVOID Context;
    KAFFINITY Affinity;
} KT_START;

static VOID KtThreadStart(PVOID Parameter)
{
    KT_START start = *(KT_START *)Parameter;
    ExFreePoolWithTag(Parameter, 'rhtK');
    if (start.Affinity != 0)
        KeSetSystemAffinityThreadEx(start.Affinity);
    start.Routine(start.Context);
}

PKTHREAD KtStartThread(VOID (*Routine)(PVOID Context), PVOID Context, KPRIORITY Priority,
                       KAFFINITY Affinity)
{
    KT_START *start = ExAllocatePoolWithTag(NonPagedPool, sizeof(*start), 'rhtK');
    if (start == NULL)
        return NULL;
    *start = (KT_START){Routine, Context, Affinity & KeQueryActiveProcessors()};
    HANDLE handle;
    if (!NT_SUCCESS(PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, NULL, NULL, NULL,
                                         KtThreadStart, start))) {
        ExFreePoolWithTag(start, 'rhtK');
        return NULL;
    }
    PKTHREAD thread = NULL;
    ObReferenceObjectByHandle(handle, THREAD_ALL_ACCESS, *PsThreadType, KernelMode,
                              (PVOID *)&thread, NULL);
    ZwClose(handle);
    /* The priority is set from here, not by the thread: a thread that
       starts below a busy one might never get to set its own. */
    if (Priority != 0)
        KeSetPriorityThread(thread, Priority);
    return thread;
}

BOOLEAN KtJoinThread(PKTHREAD Thread, ULONG TimeoutMs)
{
    LARGE_INTEGER timeout = {.QuadPart = -(LONGLONG)TimeoutMs * 10000};
    NTSTATUS status = KeWaitForSingleObject(Thread, Executive, KernelMode, FALSE, &timeout);
    if (status != STATUS_SUCCESS) {
        KtLog("thread %p did not finish within %u ms", Thread, TimeoutMs);
        KtFail();
        return FALSE; /* still running: keep the reference, the pool check reports it */
    }
    ObDereferenceObject(Thread);
    return TRUE;
}

BOOLEAN KtWaitUntilThreadWaits(PKTHREAD Thread, ULONG TimeoutMs)
{
    for (ULONG waited = 0; Thread->State != Waiting; waited++) {
        if (waited == TimeoutMs) {
            KtLog("thread %p did not start to wait within %u ms", Thread, TimeoutMs);
            KtFail();
            return FALSE;
        }
        KtSleep(1);
    }
    return TRUE;
}

VOID KtSleep(ULONG Milliseconds)
{
    LARGE_INTEGER interval = {.QuadPart = -(LONGLONG)Milliseconds * 10000};
    KeDelayExecutionThread(KernelMode, FALSE, &interval);
}
