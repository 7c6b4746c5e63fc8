/*
 * wdm.h: the driver-facing API of KeLab.
 *
 * Drivers and tests include this one header, as Windows drivers include
 * the WDK's wdm.h. Every name, type and signature here is NT's, and every
 * routine behaves as the WDK documentation says (the contract is
 * ../shared/reference/nt-semantics.md, summarised in docs/). Where KeLab
 * adds something NT does not have, the comment says so.
 *
 * Kernel-internal declarations live in the other headers of this
 * directory (ke.h, mm.h, ex.h, hal.h...), which drivers do not include.
 */
#ifndef KELAB_WDM_H
#define KELAB_WDM_H

#include "../../lib/ntdef.h"
#include "../../lib/rtl.h"
#include "bugcodes.h"

#define PAGE_SIZE  4096
#define PAGE_SHIFT 12
#define BYTES_TO_PAGES(Size) (((Size) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define PAGE_ALIGN(Va)       ((PVOID)((ULONG_PTR)(Va) & ~(ULONG_PTR)(PAGE_SIZE - 1)))
#define BYTE_OFFSET(Va)      ((ULONG)((ULONG_PTR)(Va) & (PAGE_SIZE - 1)))

/* ------------------------------------------------------------------ */
/* IRQL: the interrupt request level of the current processor.          */
/* On x64 it is the CR8 register itself (docs/irql.md).                 */
/* ------------------------------------------------------------------ */

typedef UCHAR KIRQL, *PKIRQL;

#define PASSIVE_LEVEL  0  /* threads run here; may wait */
#define LOW_LEVEL      0
#define APC_LEVEL      1  /* kernel APCs masked */
#define DISPATCH_LEVEL 2  /* the scheduler and DPCs masked: no waiting */
#define CMCI_LEVEL     5
#define SYNCH_LEVEL    12 /* the dispatcher lock is held here */
#define CLOCK_LEVEL    13
#define IPI_LEVEL      14
#define POWER_LEVEL    14
#define PROFILE_LEVEL  15
#define HIGH_LEVEL     15 /* everything masked */

KIRQL KeGetCurrentIrql(VOID);
/* Raising to a lower level is IRQL_NOT_GREATER_OR_EQUAL (0x9). */
VOID KeRaiseIrql(KIRQL NewIrql, PKIRQL OldIrql);
/* Lowering to a higher level is IRQL_NOT_LESS_OR_EQUAL (0xA). */
VOID KeLowerIrql(KIRQL NewIrql);
KIRQL KeRaiseIrqlToDpcLevel(VOID);
KIRQL KeRaiseIrqlToSynchLevel(VOID);

/* ------------------------------------------------------------------ */
/* Spin locks                                                           */
/* ------------------------------------------------------------------ */

/*
 * NT's KSPIN_LOCK is a bare ULONG_PTR. KeLab's also records who holds it,
 * so that acquiring it twice (SPIN_LOCK_ALREADY_OWNED, 0xF) or releasing
 * it without holding it (SPIN_LOCK_NOT_OWNED, 0x10) is caught every time,
 * and, for a named lock, how contended it is.
 * Code that only uses the routines below cannot tell the difference.
 */
typedef struct _KLOCK_STATISTICS KLOCK_STATISTICS;
typedef struct _KSPIN_LOCK {
    volatile ULONG_PTR Lock;       /* 0 when free; queued: the last waiter's queue entry */
    PVOID volatile Owner;          /* the holder: its thread, or its processor before threads */
    KLOCK_STATISTICS *Statistics;  /* NULL unless named (KeLabNameSpinLock) */
} KSPIN_LOCK, *PKSPIN_LOCK;

VOID KeInitializeSpinLock(PKSPIN_LOCK SpinLock);
VOID KeAcquireSpinLock(PKSPIN_LOCK SpinLock, PKIRQL OldIrql);
VOID KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql);
VOID KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock);
VOID KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock);
KIRQL KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK SpinLock);
BOOLEAN KeTestSpinLock(PKSPIN_LOCK SpinLock);

/* Queued spin locks: waiters line up (FIFO) and each spins on its own
   queue entry, so a contended lock is handed over in order and the lock's
   cache line is not hammered by every waiter (an MCS lock). The handle
   lives on the caller's stack ("in-stack"). A lock is used either with the
   routines above or with these, never both. */
typedef struct _KSPIN_LOCK_QUEUE {
    struct _KSPIN_LOCK_QUEUE *volatile Next;
    volatile BOOLEAN Waiting;
    PKSPIN_LOCK Lock;
} KSPIN_LOCK_QUEUE, *PKSPIN_LOCK_QUEUE;

typedef struct _KLOCK_QUEUE_HANDLE {
    KSPIN_LOCK_QUEUE LockQueue;
    KIRQL OldIrql;
} KLOCK_QUEUE_HANDLE, *PKLOCK_QUEUE_HANDLE;

VOID KeAcquireInStackQueuedSpinLock(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle);
VOID KeReleaseInStackQueuedSpinLock(PKLOCK_QUEUE_HANDLE LockHandle);
VOID KeAcquireInStackQueuedSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock,
                                              PKLOCK_QUEUE_HANDLE LockHandle);
VOID KeReleaseInStackQueuedSpinLockFromDpcLevel(PKLOCK_QUEUE_HANDLE LockHandle);

/* KeLab addition: give a lock a name so that its acquisitions, contention
   and longest hold are counted and shown by the `locks` shell command. */
VOID KeLabNameSpinLock(PKSPIN_LOCK SpinLock, PCSTR Name);

/* ------------------------------------------------------------------ */
/* Processors and inter-processor calls                                 */
/* ------------------------------------------------------------------ */

/* The spin-wait hint (the pause instruction): a busy loop should call it
   each time round, to let a sibling hyperthread (or QEMU) get on. */
static inline VOID YieldProcessor(VOID)
{
    __asm__ volatile("pause" ::: "memory");
}

#define MAXIMUM_PROCESSORS 64

ULONG KeGetCurrentProcessorNumber(VOID);
extern volatile ULONG KeNumberProcessors;
KAFFINITY KeQueryActiveProcessors(VOID);

/* Runs BroadcastFunction on every processor at once, at IPI_LEVEL, and
   returns the current processor's result once all have finished. */
typedef ULONG_PTR (*PKIPI_BROADCAST_WORKER)(ULONG_PTR Argument);
ULONG_PTR KeIpiGenericCall(PKIPI_BROADCAST_WORKER BroadcastFunction, ULONG_PTR Context);

/* ------------------------------------------------------------------ */
/* Time (100-nanosecond units)                                          */
/* ------------------------------------------------------------------ */

VOID KeQuerySystemTime(PLARGE_INTEGER CurrentTime); /* since 1601-01-01 UTC */
ULONGLONG KeQueryInterruptTime(VOID);               /* since boot */
VOID KeQueryTickCount(PLARGE_INTEGER TickCount);     /* clock ticks since boot */
ULONG KeQueryTimeIncrement(VOID);                    /* 100 ns units per tick */
LARGE_INTEGER KeQueryPerformanceCounter(PLARGE_INTEGER PerformanceFrequency);
/* Busy-waits (any IRQL): only for short hardware delays. */
VOID KeStallExecutionProcessor(ULONG MicroSeconds);

/* ------------------------------------------------------------------ */
/* DPCs: deferred procedure calls                                       */
/* ------------------------------------------------------------------ */

typedef enum _KDPC_IMPORTANCE {
    LowImportance,
    MediumImportance,
    HighImportance,
    MediumHighImportance,
} KDPC_IMPORTANCE;

struct _KDPC;
typedef VOID KDEFERRED_ROUTINE(struct _KDPC *Dpc, PVOID DeferredContext, PVOID SystemArgument1,
                               PVOID SystemArgument2);
typedef KDEFERRED_ROUTINE *PKDEFERRED_ROUTINE;

typedef struct _KDPC {
    UCHAR Type;
    UCHAR Importance;
    volatile USHORT Number; /* target processor, or KDPC_CURRENT_PROCESSOR */
    LIST_ENTRY DpcListEntry;
    PKDEFERRED_ROUTINE DeferredRoutine;
    PVOID DeferredContext;
    PVOID SystemArgument1;
    PVOID SystemArgument2;
    PVOID volatile DpcData; /* the queue it is on, NULL when not queued */
} KDPC, *PKDPC, *PRKDPC;

#define KDPC_CURRENT_PROCESSOR 0xFFFF

VOID KeInitializeDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext);
BOOLEAN KeInsertQueueDpc(PRKDPC Dpc, PVOID SystemArgument1, PVOID SystemArgument2);
BOOLEAN KeRemoveQueueDpc(PRKDPC Dpc);
VOID KeSetImportanceDpc(PRKDPC Dpc, KDPC_IMPORTANCE Importance);
VOID KeSetTargetProcessorDpc(PRKDPC Dpc, CCHAR Number);
VOID KeFlushQueuedDpcs(VOID);

/* ------------------------------------------------------------------ */
/* Interrupts                                                           */
/* ------------------------------------------------------------------ */

typedef enum _KINTERRUPT_MODE { LevelSensitive, Latched } KINTERRUPT_MODE;
typedef enum _INTERFACE_TYPE { Internal = 0, Isa = 1 } INTERFACE_TYPE;

struct _KINTERRUPT;
typedef BOOLEAN KSERVICE_ROUTINE(struct _KINTERRUPT *Interrupt, PVOID ServiceContext);
typedef KSERVICE_ROUTINE *PKSERVICE_ROUTINE;
typedef BOOLEAN KSYNCHRONIZE_ROUTINE(PVOID SynchronizeContext);
typedef KSYNCHRONIZE_ROUTINE *PKSYNCHRONIZE_ROUTINE;

typedef struct _KINTERRUPT {
    LIST_ENTRY InterruptListEntry; /* on its vector's chain */
    PKSERVICE_ROUTINE ServiceRoutine;
    PVOID ServiceContext;
    KSPIN_LOCK SpinLock;        /* used when the caller gives none */
    PKSPIN_LOCK ActualLock;     /* the caller's lock, or &SpinLock */
    ULONG Vector;
    KIRQL Irql;
    KIRQL SynchronizeIrql;
    KINTERRUPT_MODE Mode;
    BOOLEAN ShareVector;
    volatile ULONG64 ServiceCount; /* times its routine returned TRUE */
} KINTERRUPT, *PKINTERRUPT;

/* The vector and IRQL for a bus interrupt: KeLab routes ISA interrupts
   through the I/O APIC (honouring ACPI's overrides) and gives the device
   a vector whose upper four bits are its IRQL. */
ULONG HalGetInterruptVector(INTERFACE_TYPE InterfaceType, ULONG BusNumber,
                            ULONG BusInterruptLevel, ULONG BusInterruptVector, PKIRQL Irql,
                            PKAFFINITY Affinity);
NTSTATUS IoConnectInterrupt(PKINTERRUPT *InterruptObject, PKSERVICE_ROUTINE ServiceRoutine,
                            PVOID ServiceContext, PKSPIN_LOCK SpinLock, ULONG Vector,
                            KIRQL Irql, KIRQL SynchronizeIrql, KINTERRUPT_MODE InterruptMode,
                            BOOLEAN ShareVector, KAFFINITY ProcessorEnableMask,
                            BOOLEAN FloatingSave);
VOID IoDisconnectInterrupt(PKINTERRUPT InterruptObject);
BOOLEAN KeSynchronizeExecution(PKINTERRUPT Interrupt, PKSYNCHRONIZE_ROUTINE SynchronizeRoutine,
                               PVOID SynchronizeContext);
KIRQL KeAcquireInterruptSpinLock(PKINTERRUPT Interrupt);
VOID KeReleaseInterruptSpinLock(PKINTERRUPT Interrupt, KIRQL OldIrql);

/* ------------------------------------------------------------------ */
/* Memory for devices, and pageable code                                */
/* ------------------------------------------------------------------ */

typedef enum _MEMORY_CACHING_TYPE { MmNonCached = 0, MmCached = 1 } MEMORY_CACHING_TYPE;
PVOID MmMapIoSpace(PHYSICAL_ADDRESS PhysicalAddress, SIZE_T NumberOfBytes,
                   MEMORY_CACHING_TYPE CacheType);
VOID MmUnmapIoSpace(PVOID BaseAddress, SIZE_T NumberOfBytes);

/*
 * Pageable code and data, as with `#pragma alloc_text(PAGE, ...)` on
 * Windows: the memory manager may unmap it at any time and maps it back on
 * the next page fault, which is only allowed below DISPATCH_LEVEL. Touching
 * it at DISPATCH_LEVEL or above is DRIVER_IRQL_NOT_LESS_OR_EQUAL (0xD1);
 * with Driver Verifier's "force IRQL checking" (kelab.verifier=irql or the
 * `verifier` shell command) it is unmapped on every raise to DISPATCH_LEVEL,
 * so the mistake crashes every time instead of sometimes.
 */
#define PAGEABLE_CODE __attribute__((section(".text.pageable"), noinline))
#define PAGEABLE_DATA __attribute__((section(".data.pageable")))

/* PAGED_CODE: a pageable routine asserts it runs at APC_LEVEL or below.
   Failing it is what a failed NT_ASSERT is without a debugger attached:
   KMODE_EXCEPTION_NOT_HANDLED with STATUS_ASSERTION_FAILURE. */
VOID KeLabCheckPagedCode(PCSTR Function);
#define PAGED_CODE() KeLabCheckPagedCode(__func__)

/* ------------------------------------------------------------------ */
/* Pool                                                                 */
/* ------------------------------------------------------------------ */

/*
 * KeLab never pages pool out, but it keeps paged pool's rule: allocating or
 * freeing PagedPool above APC_LEVEL is BAD_POOL_CALLER, as on Windows, so
 * a driver that gets it wrong is caught here too.
 */
typedef enum _POOL_TYPE {
    NonPagedPool = 0,
    PagedPool = 1,
    NonPagedPoolNx = 512,
} POOL_TYPE;

/*
 * Tags are four characters written reversed, so that they read correctly
 * in memory dumps and in the `pool` shell command: 'looP' shows as "Pool".
 * A zero tag is BAD_POOL_CALLER (0xC2, 0x9B), as on Windows.
 */
PVOID ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
VOID ExFreePoolWithTag(PVOID P, ULONG Tag);
VOID ExFreePool(PVOID P);

/* ------------------------------------------------------------------ */
/* Objects and handles (the object manager, kernel/ob/)                 */
/* ------------------------------------------------------------------ */

typedef PVOID HANDLE, *PHANDLE;
typedef ULONG ACCESS_MASK;
typedef CCHAR KPROCESSOR_MODE;
typedef enum _MODE { KernelMode, UserMode, MaximumMode } MODE;
typedef struct _OBJECT_TYPE *POBJECT_TYPE;

#define THREAD_ALL_ACCESS   0x001FFFFF
#define SYNCHRONIZE         0x00100000
#define OBJ_KERNEL_HANDLE   0x00000200

typedef struct _OBJECT_ATTRIBUTES {
    ULONG Length;
    HANDLE RootDirectory;
    PVOID ObjectName; /* unused: KeLab's threads and events are unnamed */
    ULONG Attributes;
    PVOID SecurityDescriptor;
    PVOID SecurityQualityOfService;
} OBJECT_ATTRIBUTES, *POBJECT_ATTRIBUTES;

#define InitializeObjectAttributes(p, n, a, r, s)                                                  \
    do {                                                                                           \
        (p)->Length = sizeof(OBJECT_ATTRIBUTES);                                                   \
        (p)->RootDirectory = (r);                                                                  \
        (p)->Attributes = (a);                                                                     \
        (p)->ObjectName = (n);                                                                     \
        (p)->SecurityDescriptor = (s);                                                             \
        (p)->SecurityQualityOfService = NULL;                                                      \
    } while (0)

/* Every object carries a reference count: the object lives while anyone
   holds a reference (a pointer from ObReference*, or a handle). */
LONG_PTR ObReferenceObject(PVOID Object);
LONG_PTR ObDereferenceObject(PVOID Object);
#define ObfReferenceObject   ObReferenceObject
#define ObfDereferenceObject ObDereferenceObject
/* Turns a handle into a referenced pointer, checking the object's type. */
NTSTATUS ObReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK DesiredAccess,
                                   POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode,
                                   PVOID *Object, PVOID HandleInformation);
NTSTATUS ZwClose(HANDLE Handle);

extern POBJECT_TYPE *PsThreadType;

/* ------------------------------------------------------------------ */
/* Dispatcher objects                                                   */
/* ------------------------------------------------------------------ */

typedef LONG KPRIORITY;

#define LOW_PRIORITY              0
#define LOW_REALTIME_PRIORITY     16
#define HIGH_PRIORITY             31
#define MAXIMUM_PRIORITY          32
#define THREAD_WAIT_OBJECTS       3  /* built-in wait blocks */
#define MAXIMUM_WAIT_OBJECTS      64

/* Priority boosts given with KeSetEvent / IoCompleteRequest. */
#define IO_NO_INCREMENT           0
#define EVENT_INCREMENT           1
#define IO_CD_ROM_INCREMENT       1
#define IO_DISK_INCREMENT         1
#define IO_NETWORK_INCREMENT      2
#define IO_SERIAL_INCREMENT       2
#define SEMAPHORE_INCREMENT       1
#define IO_KEYBOARD_INCREMENT     6
#define IO_MOUSE_INCREMENT        6
#define IO_SOUND_INCREMENT        8

/* The common header of everything a thread can wait on. */
typedef struct _DISPATCHER_HEADER {
    UCHAR Type;             /* KOBJECTS */
    UCHAR Absolute;         /* timers: the due time was absolute */
    UCHAR Size;
    UCHAR Inserted;         /* timers: in the timer list */
    volatile LONG SignalState;
    LIST_ENTRY WaitListHead; /* KWAIT_BLOCKs of the threads waiting on it */
} DISPATCHER_HEADER;

typedef enum _KOBJECTS {
    EventNotificationObject = 0,
    EventSynchronizationObject = 1,
    MutantObject = 2,
    ProcessObject = 3,
    QueueObject = 4,
    SemaphoreObject = 5,
    ThreadObject = 6,
    TimerNotificationObject = 8,
    TimerSynchronizationObject = 9,
} KOBJECTS;

typedef enum _EVENT_TYPE { NotificationEvent, SynchronizationEvent } EVENT_TYPE;
typedef enum _TIMER_TYPE { NotificationTimer, SynchronizationTimer } TIMER_TYPE;
typedef enum _WAIT_TYPE { WaitAll, WaitAny } WAIT_TYPE;

typedef enum _KWAIT_REASON {
    Executive = 0,
    FreePage,
    PageIn,
    PoolAllocation,
    DelayExecution,
    Suspended,
    UserRequest,
    WrExecutive,
    WrFreePage,
    WrPageIn,
    WrPoolAllocation,
    WrDelayExecution,
    WrSuspended,
    WrUserRequest,
    WrEventPair,
    WrQueue,
    MaximumWaitReason = 37,
} KWAIT_REASON;

typedef struct _KEVENT {
    DISPATCHER_HEADER Header;
} KEVENT, *PKEVENT, *PRKEVENT;

typedef struct _KMUTANT {
    DISPATCHER_HEADER Header; /* SignalState 1 free, <= 0 owned (1 - recursion) */
    LIST_ENTRY MutantListEntry;  /* on the owner's list */
    struct _KTHREAD *volatile OwnerThread;
    BOOLEAN Abandoned;
    UCHAR ApcDisable;
} KMUTANT, *PKMUTANT, KMUTEX, *PKMUTEX, *PRKMUTEX;

typedef struct _KSEMAPHORE {
    DISPATCHER_HEADER Header; /* SignalState is the count */
    LONG Limit;
} KSEMAPHORE, *PKSEMAPHORE, *PRKSEMAPHORE;

typedef struct _KTIMER {
    DISPATCHER_HEADER Header;
    ULARGE_INTEGER DueTime;  /* interrupt time at which it expires */
    LIST_ENTRY TimerListEntry;
    struct _KDPC *Dpc;
    LONG Period;             /* milliseconds; 0 for one-shot */
} KTIMER, *PKTIMER, *PRKTIMER;

/* One thread's wait on one object. */
typedef struct _KWAIT_BLOCK {
    LIST_ENTRY WaitListEntry;     /* on the object's WaitListHead */
    struct _KTHREAD *Thread;
    PVOID Object;
    struct _KWAIT_BLOCK *NextWaitBlock; /* the thread's blocks form a ring */
    USHORT WaitKey;               /* its index: STATUS_WAIT_0 + WaitKey */
    UCHAR WaitType;               /* WaitAny or WaitAll */
    UCHAR BlockState;
} KWAIT_BLOCK, *PKWAIT_BLOCK, *PRKWAIT_BLOCK;

/* ---- events ---- */
VOID KeInitializeEvent(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State);
/* Wait = TRUE returns holding the dispatcher lock at SYNCH_LEVEL: the
   caller must call a KeWaitXxx routine at once (docs/dispatcher.md). */
LONG KeSetEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait);
LONG KeResetEvent(PRKEVENT Event);
VOID KeClearEvent(PRKEVENT Event);
LONG KeReadStateEvent(PRKEVENT Event);
LONG KePulseEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait);

/* ---- mutexes ---- */
VOID KeInitializeMutex(PRKMUTEX Mutex, ULONG Level);
LONG KeReleaseMutex(PRKMUTEX Mutex, BOOLEAN Wait);
LONG KeReadStateMutex(PRKMUTEX Mutex);
#define KeWaitForMutexObject KeWaitForSingleObject

/* ---- semaphores ---- */
VOID KeInitializeSemaphore(PRKSEMAPHORE Semaphore, LONG Count, LONG Limit);
LONG KeReleaseSemaphore(PRKSEMAPHORE Semaphore, KPRIORITY Increment, LONG Adjustment,
                        BOOLEAN Wait);
LONG KeReadStateSemaphore(PRKSEMAPHORE Semaphore);

/* ---- timers ---- */
VOID KeInitializeTimer(PKTIMER Timer);
VOID KeInitializeTimerEx(PKTIMER Timer, TIMER_TYPE Type);
BOOLEAN KeSetTimer(PKTIMER Timer, LARGE_INTEGER DueTime, struct _KDPC *Dpc);
BOOLEAN KeSetTimerEx(PKTIMER Timer, LARGE_INTEGER DueTime, LONG Period, struct _KDPC *Dpc);
BOOLEAN KeCancelTimer(PKTIMER Timer);
BOOLEAN KeReadStateTimer(PKTIMER Timer);

/* ---- waits ----
   Timeout in 100 ns units: NULL forever, negative relative, positive an
   absolute system time, zero a test that does not wait. */
NTSTATUS KeWaitForSingleObject(PVOID Object, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode,
                               BOOLEAN Alertable, PLARGE_INTEGER Timeout);
NTSTATUS KeWaitForMultipleObjects(ULONG Count, PVOID Object[], WAIT_TYPE WaitType,
                                  KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode,
                                  BOOLEAN Alertable, PLARGE_INTEGER Timeout,
                                  PKWAIT_BLOCK WaitBlockArray);
NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, BOOLEAN Alertable,
                                PLARGE_INTEGER Interval);

/* ------------------------------------------------------------------ */
/* Threads                                                              */
/* ------------------------------------------------------------------ */

typedef struct _KTHREAD *PKTHREAD, *PRKTHREAD;
typedef struct _ETHREAD *PETHREAD;
typedef VOID KSTART_ROUTINE(PVOID StartContext);
typedef KSTART_ROUTINE *PKSTART_ROUTINE;

typedef struct _CLIENT_ID {
    HANDLE UniqueProcess;
    HANDLE UniqueThread;
} CLIENT_ID, *PCLIENT_ID;

NTSTATUS PsCreateSystemThread(PHANDLE ThreadHandle, ULONG DesiredAccess,
                              POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ProcessHandle,
                              PCLIENT_ID ClientId, PKSTART_ROUTINE StartRoutine,
                              PVOID StartContext);
__attribute__((noreturn)) NTSTATUS PsTerminateSystemThread(NTSTATUS ExitStatus);
PETHREAD PsGetCurrentThread(VOID);
PKTHREAD KeGetCurrentThread(VOID);
HANDLE PsGetCurrentThreadId(VOID);

KPRIORITY KeQueryPriorityThread(PKTHREAD Thread);
KPRIORITY KeSetPriorityThread(PKTHREAD Thread, KPRIORITY Priority);
/* The base priority relative to the system process's (8); returns the
   previous increment. */
LONG KeSetBasePriorityThread(PKTHREAD Thread, LONG Increment);
/* Restricts the current thread to the processors in Affinity (a subset
   of the active ones) and moves it there at once; returns the old set. */
KAFFINITY KeSetSystemAffinityThreadEx(KAFFINITY Affinity);
VOID KeRevertToUserAffinityThreadEx(KAFFINITY Affinity);
NTSTATUS ZwYieldExecution(VOID);

#define STATUS_NO_YIELD_PERFORMED ((NTSTATUS)0x40000024L)

/* ------------------------------------------------------------------ */
/* APCs and critical regions                                            */
/* ------------------------------------------------------------------ */

typedef enum _KAPC_ENVIRONMENT {
    OriginalApcEnvironment,
    AttachedApcEnvironment,
    CurrentApcEnvironment,
    InsertApcEnvironment
} KAPC_ENVIRONMENT;

struct _KAPC;
typedef VOID KNORMAL_ROUTINE(PVOID NormalContext, PVOID SystemArgument1, PVOID SystemArgument2);
typedef KNORMAL_ROUTINE *PKNORMAL_ROUTINE;
typedef VOID KKERNEL_ROUTINE(struct _KAPC *Apc, PKNORMAL_ROUTINE *NormalRoutine,
                             PVOID *NormalContext, PVOID *SystemArgument1,
                             PVOID *SystemArgument2);
typedef KKERNEL_ROUTINE *PKKERNEL_ROUTINE;
typedef VOID KRUNDOWN_ROUTINE(struct _KAPC *Apc);
typedef KRUNDOWN_ROUTINE *PKRUNDOWN_ROUTINE;

/* A kernel APC: work run in the context of one particular thread, at
   APC_LEVEL (KernelRoutine) and then PASSIVE_LEVEL (NormalRoutine, unless
   NULL: a "special" kernel APC, which runs even in a critical region). */
typedef struct _KAPC {
    UCHAR Type;
    UCHAR ApcMode;
    volatile BOOLEAN Inserted;
    PKTHREAD Thread;
    LIST_ENTRY ApcListEntry;
    PKKERNEL_ROUTINE KernelRoutine;
    PKRUNDOWN_ROUTINE RundownRoutine;
    PKNORMAL_ROUTINE NormalRoutine;
    PVOID NormalContext;
    PVOID SystemArgument1;
    PVOID SystemArgument2;
} KAPC, *PKAPC, *PRKAPC;

VOID KeInitializeApc(PRKAPC Apc, PRKTHREAD Thread, KAPC_ENVIRONMENT Environment,
                     PKKERNEL_ROUTINE KernelRoutine, PKRUNDOWN_ROUTINE RundownRoutine,
                     PKNORMAL_ROUTINE NormalRoutine, KPROCESSOR_MODE ProcessorMode,
                     PVOID NormalContext);
BOOLEAN KeInsertQueueApc(PRKAPC Apc, PVOID SystemArgument1, PVOID SystemArgument2,
                         KPRIORITY Increment);
/* Normal kernel APCs wait while the thread is inside a critical region. */
VOID KeEnterCriticalRegion(VOID);
VOID KeLeaveCriticalRegion(VOID);
/* Alerts: an alertable wait returns STATUS_ALERTED. */
BOOLEAN KeAlertThread(PKTHREAD Thread, KPROCESSOR_MODE AlertMode);
BOOLEAN KeTestAlertThread(KPROCESSOR_MODE AlertMode);

/* ------------------------------------------------------------------ */
/* Bug checks and debug output                                          */
/* ------------------------------------------------------------------ */

__attribute__((noreturn)) VOID KeBugCheckEx(ULONG BugCheckCode, ULONG_PTR BugCheckParameter1,
                                            ULONG_PTR BugCheckParameter2,
                                            ULONG_PTR BugCheckParameter3,
                                            ULONG_PTR BugCheckParameter4);
__attribute__((noreturn)) VOID KeBugCheck(ULONG BugCheckCode);

/* Prints to the serial console; safe at any IRQL and on any processor. */
ULONG DbgPrint(PCSTR Format, ...) __attribute__((format(printf, 1, 2)));
ULONG vDbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, va_list Args);

/* Raises Status as an exception; KeLab has no handlers, so it is fatal. */
__attribute__((noreturn)) VOID ExRaiseStatus(NTSTATUS Status);

#define ASSERT(exp)                                                                                \
    ((exp) ? (VOID)0 : RtlAssert(#exp, __FILE__, __LINE__, NULL))
__attribute__((noreturn)) VOID RtlAssert(PVOID FailedAssertion, PVOID FileName, ULONG LineNumber,
                                         PCHAR Message);

#endif
