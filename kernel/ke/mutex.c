/*
 * mutex.c: kernel mutexes (KMUTEX, NT's "mutant" underneath).
 *
 * A mutex is owned by the thread whose wait acquired it, and recursive:
 * SignalState is 1 when free and 1 - n when its owner holds it n times.
 * Owning one puts the owner in a critical region (normal kernel APCs
 * wait). Releasing one you do not own is THREAD_NOT_MUTEX_OWNER; exiting
 * while owning one is THREAD_TERMINATE_HELD_MUTEX (kernel/ke/thread.c).
 */
#include "ki.h"
#include "hal.h"

VOID KeInitializeMutex(PRKMUTEX Mutex, ULONG Level)
{
    UNREFERENCED_PARAMETER(Level);
    Mutex->Header.Type = MutantObject;
    Mutex->Header.SignalState = 1;
    InitializeListHead(&Mutex->Header.WaitListHead);
    InitializeListHead(&Mutex->MutantListEntry);
    Mutex->OwnerThread = NULL;
    Mutex->Abandoned = FALSE;
    Mutex->ApcDisable = 1;
}

LONG KeReleaseMutex(PRKMUTEX Mutex, BOOLEAN Wait)
{
    KIRQL oldIrql = KiLockForSignal("KeReleaseMutex", Wait);
    PKTHREAD thread = KeGetCurrentThread();
    if (Mutex->OwnerThread != thread)
        KeBugCheckEx(THREAD_NOT_MUTEX_OWNER, (ULONG_PTR)thread, (ULONG_PTR)Mutex,
                     (ULONG_PTR)Mutex->OwnerThread, 0);
    LONG previous = Mutex->Header.SignalState;
    if (++Mutex->Header.SignalState == 1) { /* the last of a recursive owner's releases */
        Mutex->OwnerThread = NULL;
        RemoveEntryList(&Mutex->MutantListEntry);
        thread->KernelApcDisable += Mutex->ApcDisable;
        KiRequestApcIfPending(thread);
        KiWaitTest(Mutex, 1);
    }
    KiUnlockForSignal(oldIrql, Wait);
    return previous;
}

LONG KeReadStateMutex(PRKMUTEX Mutex)
{
    return Mutex->Header.SignalState;
}
