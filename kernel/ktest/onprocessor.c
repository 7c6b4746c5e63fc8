/*
 * onprocessor.c: running a piece of a test on a chosen processor.
 */
#include "ktest.h"

typedef struct _KT_REMOTE_CALL {
    KDPC Dpc;
    VOID (*Routine)(PVOID Context);
    PVOID Context;
    volatile BOOLEAN Done;
} KT_REMOTE_CALL;

static VOID KtRemoteCallDpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    KT_REMOTE_CALL *call = Context;
    call->Routine(call->Context);
    __atomic_store_n(&call->Done, TRUE, __ATOMIC_RELEASE);
}

VOID KtRunOnProcessor(ULONG Number, VOID (*Routine)(PVOID Context), PVOID Context)
{
    KT_REMOTE_CALL call = {.Routine = Routine, .Context = Context};
    KeInitializeDpc(&call.Dpc, KtRemoteCallDpc, &call);
    KeSetTargetProcessorDpc(&call.Dpc, (CCHAR)Number);
    KeInsertQueueDpc(&call.Dpc, NULL, NULL);
    while (!__atomic_load_n(&call.Done, __ATOMIC_ACQUIRE))
        YieldProcessor();
}
