/*
 * thread.c: system threads as objects (PsCreateSystemThread).
 *
 * A thread object is an ETHREAD (with the kernel's KTHREAD first) made by
 * the object manager. It starts with two references: one belongs to the
 * handle returned to the creator, one to the running thread itself. When
 * the thread terminates it drops its own (kernel/ke/thread.c), and when the
 * creator closes the handle the last reference goes and the delete
 * procedure frees the stack. A thread object is signaled when the thread
 * has terminated, so KeWaitForSingleObject on it waits for the end.
 */
#include "ps.h"
#include "ob.h"
#include "mm.h"

static VOID PspDeleteThread(PVOID Object)
{
    PETHREAD thread = Object;
    KiThreadListRemove(&thread->Tcb);
    MmDeleteKernelStack(thread->Tcb.StackBase);
}

static OBJECT_TYPE PspThreadType = {"Thread", 'erhT', PspDeleteThread, 0};
static POBJECT_TYPE PspThreadTypePointer = &PspThreadType;
POBJECT_TYPE *PsThreadType = &PspThreadTypePointer;
static volatile LONG PspNextThreadId = 4;

/* A thread object with a fresh stack; not yet runnable. The stack comes
   first: a thread object never exists without one, so its delete
   procedure always has a stack to free and a thread to take off the list. */
static NTSTATUS PspAllocateThread(PCSTR Name, PETHREAD *Thread, PVOID *StackTop)
{
    *StackTop = MmCreateKernelStack();
    if (*StackTop == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    PETHREAD thread;
    NTSTATUS status = ObCreateObject(&PspThreadType, sizeof(ETHREAD), Name, (PVOID *)&thread);
    if (!NT_SUCCESS(status)) {
        MmDeleteKernelStack(*StackTop);
        return status;
    }
    thread->Cid.UniqueThread = (HANDLE)(ULONG_PTR)__atomic_fetch_add(&PspNextThreadId, 4,
                                                                    __ATOMIC_RELAXED);
    *Thread = thread;
    return STATUS_SUCCESS;
}

PAGEABLE_CODE NTSTATUS PsCreateSystemThread(PHANDLE ThreadHandle, ULONG DesiredAccess,
                                            POBJECT_ATTRIBUTES ObjectAttributes,
                                            HANDLE ProcessHandle, PCLIENT_ID ClientId,
                                            PKSTART_ROUTINE StartRoutine, PVOID StartContext)
{
    PAGED_CODE();
    UNREFERENCED_PARAMETER(ObjectAttributes);
    UNREFERENCED_PARAMETER(ProcessHandle); /* every thread belongs to the system */
    PETHREAD thread;
    PVOID stack;
    NTSTATUS status = PspAllocateThread("system thread", &thread, &stack);
    if (!NT_SUCCESS(status))
        return status;
    KiInitializeThread(&thread->Tcb, stack, StartRoutine, StartContext, "system thread");
    status = ObInsertObject(thread, DesiredAccess ? DesiredAccess : THREAD_ALL_ACCESS,
                            ThreadHandle);
    if (!NT_SUCCESS(status)) {
        ObDereferenceObject(thread); /* the delete procedure takes it off the list */
        return status;
    }
    if (ClientId)
        *ClientId = thread->Cid;
    KIRQL oldIrql = KiAcquireDispatcherLock();
    KiReadyThread(&thread->Tcb);
    KiReleaseDispatcherLock(oldIrql);
    return STATUS_SUCCESS;
}

NTSTATUS PsTerminateSystemThread(NTSTATUS ExitStatus)
{
    ((PETHREAD)KeGetCurrentThread())->ExitStatus = ExitStatus;
    KiTerminateThread(ExitStatus);
}

PETHREAD PsGetCurrentThread(VOID)
{
    return (PETHREAD)KeGetCurrentThread();
}

HANDLE PsGetCurrentThreadId(VOID)
{
    return PsGetCurrentThread()->Cid.UniqueThread;
}

static VOID PspIdleThreadStart(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    KiIdleLoop();
}

/* Each processor's idle thread: priority 0, never in a ready queue, run
   when nothing else can be. Processor 0's gets a stack of its own; the
   others' adopt the context their start-up code is running in. */
VOID PsCreateIdleThread(PKPRCB Prcb, BOOLEAN AdoptCurrentContext)
{
    PETHREAD thread;
    PVOID stack;
    if (AdoptCurrentContext) {
        if (!NT_SUCCESS(ObCreateObject(&PspThreadType, sizeof(ETHREAD), "idle",
                                       (PVOID *)&thread)))
            KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 8, Prcb->Number, 0, 0);
        KiAdoptCurrentContext(&thread->Tcb, Prcb->InitialStack, "idle");
    } else {
        if (!NT_SUCCESS(PspAllocateThread("idle", &thread, &stack)))
            KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 8, Prcb->Number, 0, 0);
        KiInitializeThread(&thread->Tcb, stack, PspIdleThreadStart, NULL, "idle");
    }
    RtlStringCbPrintfA(thread->Tcb.Name, sizeof(thread->Tcb.Name), "idle%u", Prcb->Number);
    thread->Tcb.IsIdle = TRUE;
    thread->Tcb.Priority = thread->Tcb.BasePriority = LOW_PRIORITY;
    thread->Tcb.Affinity = (KAFFINITY)1 << Prcb->Number;
    thread->Tcb.NextProcessor = Prcb->Number;
    Prcb->IdleThread = &thread->Tcb;
}

VOID PsInitSystem(VOID)
{
    PETHREAD thread;
    if (!NT_SUCCESS(ObCreateObject(&PspThreadType, sizeof(ETHREAD), "System", (PVOID *)&thread)))
        KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 8, 0, 0, 0);
    thread->Cid.UniqueThread = (HANDLE)(ULONG_PTR)__atomic_fetch_add(&PspNextThreadId, 4,
                                                                    __ATOMIC_RELAXED);
    KiAdoptCurrentContext(&thread->Tcb, KeGetCurrentPrcb()->InitialStack, "System");
    PsCreateIdleThread(KeGetCurrentPrcb(), FALSE);
}
