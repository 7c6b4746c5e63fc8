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
    KeDeleteThread(&thread->Tcb);
    MmDeleteKernelStack(thread->Tcb.StackBase);
}

static OBJECT_TYPE PspThreadType = {"Thread", 'erhT', PspDeleteThread, 0};
static POBJECT_TYPE PspThreadTypePointer = &PspThreadType;
POBJECT_TYPE *PsThreadType = &PspThreadTypePointer;
static volatile LONG PspNextThreadId = 4;

/* A thread object with a fresh stack; not yet runnable (the caller
   initializes its KTHREAD next). The stack comes first: a thread object
   never exists without one, so its delete procedure always has a stack
   to free. */
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
    thread->Cid.UniqueThread =
        (HANDLE)(ULONG_PTR)__atomic_fetch_add(&PspNextThreadId, 4, __ATOMIC_RELAXED);
    *Thread = thread;
    return STATUS_SUCCESS;
}

/* A system thread is named after the driver whose code it runs (a
   debugger names it by its start address, timerdev!TimerThread), or after
   its start routine when that is the kernel's own. */
static PCSTR PspThreadName(PKSTART_ROUTINE StartRoutine)
{
    PCSTR module = KeSymbolModule(StartRoutine);
    return module ? module : KeSymbolName(StartRoutine);
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
    PCSTR name = PspThreadName(StartRoutine);
    NTSTATUS status = PspAllocateThread(name, &thread, &stack);
    if (!NT_SUCCESS(status))
        return status;
    KeInitializeThread(&thread->Tcb, stack, StartRoutine, StartContext, name);
    status =
        ObInsertObject(thread, DesiredAccess ? DesiredAccess : THREAD_ALL_ACCESS, ThreadHandle);
    if (!NT_SUCCESS(status)) {
        ObDereferenceObject(thread);
        return status;
    }
    if (ClientId)
        *ClientId = thread->Cid;
    KeStartThread(&thread->Tcb);
    KeReadyThread(&thread->Tcb);
    return STATUS_SUCCESS;
}

NTSTATUS PsTerminateSystemThread(NTSTATUS ExitStatus)
{
    ((PETHREAD)KeGetCurrentThread())->ExitStatus = ExitStatus;
    KeTerminateThread(ExitStatus);
}

PETHREAD PsGetCurrentThread(VOID)
{
    return (PETHREAD)KeGetCurrentThread();
}

HANDLE PsGetCurrentThreadId(VOID)
{
    return PsGetCurrentThread()->Cid.UniqueThread;
}

/* Each processor's idle thread: priority 0, never in a ready queue, run
   when nothing else can be. Processor 0's gets a stack of its own; the
   others' adopt the context their start-up code is running in. */
VOID PsCreateIdleThread(PKPRCB Prcb, BOOLEAN AdoptCurrentContext)
{
    PETHREAD thread;
    PVOID stack = NULL;
    NTSTATUS status = AdoptCurrentContext ? ObCreateObject(&PspThreadType, sizeof(ETHREAD), "idle",
                                                           (PVOID *)&thread)
                                          : PspAllocateThread("idle", &thread, &stack);
    if (!NT_SUCCESS(status))
        KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 8, Prcb->Number, 0, 0);
    KeInitializeIdleThread(&thread->Tcb, Prcb, stack);
}

VOID PsInitSystem(VOID)
{
    PETHREAD thread;
    if (!NT_SUCCESS(ObCreateObject(&PspThreadType, sizeof(ETHREAD), "System", (PVOID *)&thread)))
        KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 8, 0, 0, 0);
    thread->Cid.UniqueThread =
        (HANDLE)(ULONG_PTR)__atomic_fetch_add(&PspNextThreadId, 4, __ATOMIC_RELAXED);
    KeAdoptCurrentContext(&thread->Tcb, KeGetCurrentPrcb()->InitialStack, "System");
    PsCreateIdleThread(KeGetCurrentPrcb(), FALSE);
}
