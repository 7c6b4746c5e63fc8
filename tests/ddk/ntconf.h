/*
 * ntconf.h: what the NT conformance suites (tests/ddk/nt_*_test.c) share.
 * (Conf and CONF_ name these helpers: the suites' own, not NT's.)
 *
 * The suites are written as a driver writer's conformance suite would be:
 * against the driver kit alone (wdm.h) and the test kit (ktest.h), from the
 * WDK reference and ../shared/reference/nt-semantics.md, checking every
 * field a routine is documented to set and every value it returns. Nothing
 * here looks inside the kernel: a thread is known to be waiting when its
 * wait block is on the object's wait list (DISPATCHER_HEADER.WaitListHead,
 * public in wdm.h as in the WDK), never by a sleep that hopes it is.
 *
 * Two techniques make checks that involve other threads deterministic:
 *   - a check of what a call changed is made right after the call, on
 *     state only that call (under the dispatcher lock) could change: the
 *     wait list, SignalState, the owner;
 *   - a check of a thread the call readied (its priority, say) is made by
 *     a checker that runs above it on the only processor it may use
 *     (ConfRunPinned): the readied thread cannot run, so nothing it does
 *     can race the check.
 */
#ifndef KELAB_NTCONF_H
#define KELAB_NTCONF_H

#include "wdm.h"
#include "ktest.h"

/* Every wait in these suites ends within this: a lost wake-up fails the
   test that lost it, it never hangs the run. */
#define CONF_WAIT_MS 10000

/* The priority of a checker thread (ConfRunPinned): above every dynamic
   priority and above the real-time priorities the suites give waiters. */
#define CONF_CHECKER_PRIORITY 24

/* The System process's base priority, which KeSetBasePriorityThread's
   increment is relative to: every KeLab thread is a system thread. */
#define CONF_SYSTEM_BASE_PRIORITY 8

/* A relative timeout of Ms milliseconds, in NT's 100 ns units. */
#define CONF_MS(Ms) (-(LONGLONG)(Ms)*10000)

/* Fills an object with a byte pattern before its initialiser runs, so
   that a field the initialiser forgets shows as 0x55 instead of passing
   by luck as a zero. */
#define ConfPoison(Object) RtlFillMemory((Object), sizeof(*(Object)), 0x55)

/* The Size a dispatcher header records: the object's size in LONGs. */
#define CONF_SIZE_IN_LONGS(Type) ((UCHAR)(sizeof(Type) / sizeof(LONG)))

/* Checks every field of Object's DISPATCHER_HEADER against Expected (its
   WaitListHead aside) and that exactly Waiters wait blocks are linked on
   its wait list, each one's Flink and Blink agreeing with its neighbours'.
   The wait list must be still (no thread arriving or leaving). */
VOID ConfCheckHeader(PVOID Object, const DISPATCHER_HEADER *Expected, ULONG Waiters, PCSTR File,
                     ULONG Line);
#define CONF_EXPECT_HEADER(Object, Waiters, ...)                                                   \
    ConfCheckHeader((Object), &(DISPATCHER_HEADER){__VA_ARGS__}, (Waiters), __FILE__, __LINE__)

/* The number of wait blocks on Object's wait list, and the thread of the
   Index-th (from the head), or NULL. The list must be still. */
ULONG ConfWaitListLength(PVOID Object);
PKWAIT_BLOCK ConfWaitBlockAt(PVOID Object, ULONG Index);
PKTHREAD ConfWaiterAt(PVOID Object, ULONG Index);

/* TRUE if Thread has a wait block on Object's wait list. Safe to call
   while the list changes (a bounded walk): for waiting until it does. */
BOOLEAN ConfIsWaitingOn(PVOID Object, PKTHREAD Thread);

/* Waits (sleeping 1 ms at a time, so that on one processor the thread it
   waits for gets to run) until Condition holds, for at most CONF_WAIT_MS;
   fails the test and returns FALSE if it never does. */
#define CONF_AWAIT(Condition)                                                                      \
    ConfAwaitCheck(({                                                                              \
                       ULONG64 deadline_ = KeQueryInterruptTime() + CONF_WAIT_MS * 10000ull;       \
                       while (!(Condition) && KeQueryInterruptTime() < deadline_)                  \
                           KtSleep(1);                                                             \
                       (BOOLEAN) !!(Condition);                                                    \
                   }),                                                                             \
                   #Condition, __FILE__, __LINE__)
BOOLEAN ConfAwaitCheck(BOOLEAN Held, PCSTR Text, PCSTR File, ULONG Line);

/* A thread that waits, and what its wait returned. Fill in the first
   part, then ConfStartWaiter; it returns once the thread waits on
   Objects[0] (on every one of them, for WaitAll). */
typedef struct _NT_WAITER {
    ULONG Count; /* objects; 0 means 1 */
    PVOID Objects[MAXIMUM_WAIT_OBJECTS];
    BOOLEAN WaitAll; /* FALSE: WaitAny */
    BOOLEAN Alertable;
    PKWAIT_BLOCK WaitBlocks; /* the caller's array (more than 3 objects), or NULL */
    KPRIORITY Base;          /* 0: the default base priority (8) */
    KAFFINITY Affinity;      /* 0: any processor */
    volatile LONG *Sequence; /* optional: a counter giving each waiter its WakeOrder */
    /* Runs in the waiter after its wait returns, before it ends: the
       place to release a mutex it was given, say. */
    VOID (*AfterWake)(struct _NT_WAITER *Waiter);
    PVOID Context;

    /* Set by the waiter. */
    PKTHREAD Thread;
    volatile NTSTATUS Status;
    volatile LONG WakeOrder; /* 1 for the first of those sharing Sequence to wake */
    volatile KPRIORITY PriorityOnWake;
    volatile KIRQL IrqlOnWake;
    volatile BOOLEAN Woken;
} CONF_WAITER;

/* Starts the waiter and returns once it is in its wait (FALSE, with the
   test failed, if it never gets there). */
BOOLEAN ConfStartWaiter(CONF_WAITER *Waiter);
/* Waits for the waiter's thread to end (failing the test if it does not
   within CONF_WAIT_MS). */
VOID ConfJoinWaiter(CONF_WAITER *Waiter);

/* Starts Count waiters, each a copy of Template, each once the one before
   is in its wait: their wait blocks are on the wait list in that order.
   FALSE (with the test failed) if one never got there; those after it are
   not started. ConfJoinWaiters joins those that were. */
BOOLEAN ConfStartWaiters(CONF_WAITER *Waiters, ULONG Count, const CONF_WAITER *Template);
VOID ConfJoinWaiters(CONF_WAITER *Waiters, ULONG Count);

/* Runs Body(Context) in a thread of CONF_CHECKER_PRIORITY that may run only
   on Processor, and waits for it to end. Threads the body readies on that
   processor (waiters given the same affinity) cannot run until the body
   blocks or ends, so what the body reads of them is what the call it made
   left, not what they did since. */
VOID ConfRunPinned(ULONG Processor, VOID (*Body)(PVOID Context), PVOID Context);

/* The affinity of one processor. */
#define CONF_AFFINITY(Processor) ((KAFFINITY)1 << (Processor))

#endif
