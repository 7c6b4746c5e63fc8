/*
 * ntconf.c: the NT conformance suites' shared helpers (ntconf.h).
 */
#include "ntconf.h"

/* More wait blocks than any test hangs on one object: a walk that gets
   this far has met a list that does not close. */
#define CONF_MAX_WALK 256

/* ---- dispatcher headers and wait lists ------------------------------------------- */

VOID ConfCheckHeader(PVOID Object, const DISPATCHER_HEADER *Expected, ULONG Waiters, PCSTR File,
                     ULONG Line)
{
    DISPATCHER_HEADER *header = Object;
    KtCheck(KtEq, header->Type, Expected->Type, "Header.Type", "expected", File, Line);
    KtCheck(KtEq, header->Absolute, Expected->Absolute, "Header.Absolute", "expected", File, Line);
    KtCheck(KtEq, header->Size, Expected->Size, "Header.Size", "expected", File, Line);
    KtCheck(KtEq, header->Inserted, Expected->Inserted, "Header.Inserted", "expected", File, Line);
    KtCheck(KtEq, header->SignalState, Expected->SignalState, "Header.SignalState", "expected",
            File, Line);
    /* The wait list: a ring through the head, every link agreeing with
       its neighbour's, with exactly Waiters blocks each naming Object. */
    PLIST_ENTRY head = &header->WaitListHead, e = head;
    ULONG count = 0;
    do {
        if (!KtCheck(KtEq, (LONG64)e->Flink->Blink, (LONG64)e, "entry->Flink->Blink", "entry", File,
                     Line))
            return;
        e = e->Flink;
        if (e != head) {
            KtCheck(KtEq, (LONG64)CONTAINING_RECORD(e, KWAIT_BLOCK, WaitListEntry)->Object,
                    (LONG64)Object, "WaitBlock->Object", "the object", File, Line);
            count++;
        }
    } while (e != head && count < CONF_MAX_WALK);
    KtCheck(KtEq, count, Waiters, "wait blocks on the wait list", "expected", File, Line);
}

ULONG ConfWaitListLength(PVOID Object)
{
    PLIST_ENTRY head = &((DISPATCHER_HEADER *)Object)->WaitListHead;
    ULONG count = 0;
    for (PLIST_ENTRY e = head->Flink; e != head && count < CONF_MAX_WALK; e = e->Flink)
        count++;
    return count;
}

PKWAIT_BLOCK ConfWaitBlockAt(PVOID Object, ULONG Index)
{
    PLIST_ENTRY head = &((DISPATCHER_HEADER *)Object)->WaitListHead;
    ULONG i = 0;
    for (PLIST_ENTRY e = head->Flink; e != head && i < CONF_MAX_WALK; e = e->Flink, i++) {
        if (i == Index)
            return CONTAINING_RECORD(e, KWAIT_BLOCK, WaitListEntry);
    }
    return NULL;
}

PKTHREAD ConfWaiterAt(PVOID Object, ULONG Index)
{
    PKWAIT_BLOCK block = ConfWaitBlockAt(Object, Index);
    return block ? block->Thread : NULL;
}

/* The list may change under this walk (it is read without the dispatcher
   lock), so every pointer is read once and the walk is bounded: at worst
   it answers FALSE once too often, and the caller asks again. */
BOOLEAN ConfIsWaitingOn(PVOID Object, PKTHREAD Thread)
{
    PLIST_ENTRY head = &((DISPATCHER_HEADER *)Object)->WaitListHead;
    PLIST_ENTRY e = __atomic_load_n(&head->Flink, __ATOMIC_ACQUIRE);
    for (ULONG i = 0; e != head && e != NULL && i < CONF_MAX_WALK; i++) {
        PKWAIT_BLOCK block = CONTAINING_RECORD(e, KWAIT_BLOCK, WaitListEntry);
        if (__atomic_load_n(&block->Thread, __ATOMIC_ACQUIRE) == Thread)
            return TRUE;
        e = __atomic_load_n(&e->Flink, __ATOMIC_ACQUIRE);
    }
    return FALSE;
}

BOOLEAN ConfAwaitCheck(BOOLEAN Held, PCSTR Text, PCSTR File, ULONG Line)
{
    if (!Held)
        KtLog("waited %u ms for %s", CONF_WAIT_MS, Text);
    return KtCheckTrue(Held, Text, File, Line);
}

/* ---- waiters ----------------------------------------------------------------------- */

static VOID ConfWaiterMain(PVOID Context)
{
    CONF_WAITER *w = Context;
    PKTHREAD self = KeGetCurrentThread();
    if (w->Base != 0 && w->Base >= LOW_REALTIME_PRIORITY)
        KeSetPriorityThread(self, w->Base);
    else if (w->Base != 0)
        KeSetBasePriorityThread(self, w->Base - CONF_SYSTEM_BASE_PRIORITY);
    LARGE_INTEGER timeout = {.QuadPart = CONF_MS(CONF_WAIT_MS)};
    w->Status =
        KeWaitForMultipleObjects(w->Count, w->Objects, w->WaitAll ? WaitAll : WaitAny, Executive,
                                 KernelMode, w->Alertable, &timeout, w->WaitBlocks);
    w->IrqlOnWake = KeGetCurrentIrql();
    w->PriorityOnWake = KeQueryPriorityThread(self);
    if (w->Sequence != NULL)
        w->WakeOrder = __atomic_add_fetch(w->Sequence, 1, __ATOMIC_ACQ_REL);
    __atomic_store_n(&w->Woken, TRUE, __ATOMIC_RELEASE);
    if (w->AfterWake != NULL)
        w->AfterWake(w);
}

/* Waiting, as far as another thread can tell: a WaitAny waiter has a
   block on the first object's list, a WaitAll waiter on every one's. */
static BOOLEAN ConfWaiterIsWaiting(CONF_WAITER *Waiter)
{
    ULONG last = Waiter->WaitAll ? Waiter->Count : 1;
    for (ULONG i = 0; i < last; i++) {
        if (!ConfIsWaitingOn(Waiter->Objects[i], Waiter->Thread))
            return FALSE;
    }
    return TRUE;
}

BOOLEAN ConfStartWaiter(CONF_WAITER *Waiter)
{
    if (Waiter->Count == 0)
        Waiter->Count = 1;
    Waiter->Thread = KtStartThread(ConfWaiterMain, Waiter, 0, Waiter->Affinity);
    if (Waiter->Thread == NULL) {
        KtLog("could not start a waiter thread");
        KtFail();
        return FALSE;
    }
    return CONF_AWAIT(ConfWaiterIsWaiting(Waiter));
}

VOID ConfJoinWaiter(CONF_WAITER *Waiter)
{
    if (Waiter->Thread != NULL)
        KtJoinThread(Waiter->Thread, CONF_WAIT_MS);
    Waiter->Thread = NULL;
}

BOOLEAN ConfStartWaiters(CONF_WAITER *Waiters, ULONG Count, const CONF_WAITER *Template)
{
    for (ULONG i = 0; i < Count; i++)
        Waiters[i] = (CONF_WAITER){0};
    for (ULONG i = 0; i < Count; i++) {
        Waiters[i] = *Template;
        if (!ConfStartWaiter(&Waiters[i]))
            return FALSE;
    }
    return TRUE;
}

VOID ConfJoinWaiters(CONF_WAITER *Waiters, ULONG Count)
{
    for (ULONG i = 0; i < Count; i++)
        ConfJoinWaiter(&Waiters[i]);
}

/* ---- checkers ---------------------------------------------------------------------- */

VOID ConfRunPinned(ULONG Processor, VOID (*Body)(PVOID Context), PVOID Context)
{
    PKTHREAD checker =
        KtStartThread(Body, Context, CONF_CHECKER_PRIORITY, CONF_AFFINITY(Processor));
    if (checker == NULL) {
        KtLog("could not start the checker thread");
        KtFail();
        return;
    }
    KtJoinThread(checker, 4 * CONF_WAIT_MS);
}
