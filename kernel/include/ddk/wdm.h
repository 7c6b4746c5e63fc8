/*
 * wdm.h: the driver-facing API of KeLab, the main header of its driver kit
 * (kernel/include/ddk/).
 *
 * Drivers include this, as Windows drivers include the WDK's wdm.h, and
 * nothing else of the kernel's: the build compiles drivers/ with only the
 * driver kit and lib/ on the include path (docs/architecture.md). Every
 * name, type and signature here is NT's, and every routine behaves as the
 * WDK documentation says; the chapters of docs/ tell how, and where KeLab
 * differs. Where KeLab adds something NT does not have, the comment says
 * "KeLab addition".
 */
#ifndef KELAB_WDM_H
#define KELAB_WDM_H

#include "ntdef.h"
#include "rtl.h"
#include "bugcodes.h"

#define PAGE_SIZE            4096
#define PAGE_SHIFT           12
#define BYTES_TO_PAGES(Size) (((Size) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define PAGE_ALIGN(Va)       ((PVOID)((ULONG_PTR)(Va) & ~(ULONG_PTR)(PAGE_SIZE - 1)))
#define BYTE_OFFSET(Va)      ((ULONG)((ULONG_PTR)(Va) & (PAGE_SIZE - 1)))

/* ------------------------------------------------------------------ */
/* IRQL: the interrupt request level of the current processor.          */
/* On x64 it is the CR8 register itself                                 */
/* (docs/irql-interrupts-dpcs-smp.md).                                  */
/* ------------------------------------------------------------------ */

typedef UCHAR KIRQL, *PKIRQL;

#define PASSIVE_LEVEL  0 /* threads run here; may wait */
#define LOW_LEVEL      0
#define APC_LEVEL      1 /* kernel APCs masked */
#define DISPATCH_LEVEL 2 /* the scheduler and DPCs masked: no waiting */
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
    volatile ULONG_PTR Lock;      /* 0 when free; queued: the last waiter's queue entry */
    PVOID volatile Owner;         /* the holder: its thread, or its processor before threads */
    KLOCK_STATISTICS *Statistics; /* NULL unless named (KeLabNameSpinLock) */
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
VOID KeAcquireInStackQueuedSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle);
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

/* Interlocked operations: atomic on every processor, full barriers.
   Increment and Decrement return the new value, the others the old. */
static inline LONG InterlockedIncrement(volatile LONG *Addend)
{
    return __atomic_add_fetch(Addend, 1, __ATOMIC_SEQ_CST);
}

static inline LONG InterlockedDecrement(volatile LONG *Addend)
{
    return __atomic_sub_fetch(Addend, 1, __ATOMIC_SEQ_CST);
}

static inline LONG InterlockedExchange(volatile LONG *Target, LONG Value)
{
    return __atomic_exchange_n(Target, Value, __ATOMIC_SEQ_CST);
}

static inline LONG InterlockedCompareExchange(volatile LONG *Destination, LONG Exchange,
                                              LONG Comparand)
{
    __atomic_compare_exchange_n(Destination, &Comparand, Exchange, FALSE, __ATOMIC_SEQ_CST,
                                __ATOMIC_SEQ_CST);
    return Comparand;
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
VOID KeQueryTickCount(PLARGE_INTEGER TickCount);    /* clock ticks since boot */
ULONG KeQueryTimeIncrement(VOID);                   /* 100 ns units per tick */
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
    UCHAR Type; /* DpcObject */
    UCHAR Importance;
    /* 0: the processor that queues it; MAXIMUM_PROCESSORS + n: processor n
       (KeSetTargetProcessorDpc), as NT encodes it. */
    volatile USHORT Number;
    LIST_ENTRY DpcListEntry;
    PKDEFERRED_ROUTINE DeferredRoutine;
    PVOID DeferredContext;
    PVOID SystemArgument1;
    PVOID SystemArgument2;
    PVOID volatile DpcData; /* the queue it is on, NULL when not queued */
} KDPC, *PKDPC, *PRKDPC;

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
typedef enum _INTERFACE_TYPE {
    Internal = 0,
    Isa = 1,
    Eisa = 2,
    MicroChannel = 3,
    TurboChannel = 4,
    PCIBus = 5
} INTERFACE_TYPE;

struct _KINTERRUPT;
typedef BOOLEAN KSERVICE_ROUTINE(struct _KINTERRUPT *Interrupt, PVOID ServiceContext);
typedef KSERVICE_ROUTINE *PKSERVICE_ROUTINE;
typedef BOOLEAN KSYNCHRONIZE_ROUTINE(PVOID SynchronizeContext);
typedef KSYNCHRONIZE_ROUTINE *PKSYNCHRONIZE_ROUTINE;

typedef struct _KINTERRUPT {
    LIST_ENTRY InterruptListEntry; /* on its vector's chain */
    PKSERVICE_ROUTINE ServiceRoutine;
    PVOID ServiceContext;
    KSPIN_LOCK SpinLock;    /* used when the caller gives none */
    PKSPIN_LOCK ActualLock; /* the caller's lock, or &SpinLock */
    ULONG Vector;
    KIRQL Irql;
    KIRQL SynchronizeIrql;
    KINTERRUPT_MODE Mode;
    BOOLEAN ShareVector;
    BOOLEAN Connected;             /* on its vector's chain */
    volatile ULONG64 ServiceCount; /* times its routine returned TRUE */
} KINTERRUPT, *PKINTERRUPT;

/* The vector and IRQL for a bus interrupt: KeLab routes ISA interrupts
   through the I/O APIC (honouring ACPI's overrides) and gives the device
   a vector whose upper four bits are its IRQL. */
ULONG HalGetInterruptVector(INTERFACE_TYPE InterfaceType, ULONG BusNumber, ULONG BusInterruptLevel,
                            ULONG BusInterruptVector, PKIRQL Irql, PKAFFINITY Affinity);
NTSTATUS IoConnectInterrupt(PKINTERRUPT *InterruptObject, PKSERVICE_ROUTINE ServiceRoutine,
                            PVOID ServiceContext, PKSPIN_LOCK SpinLock, ULONG Vector, KIRQL Irql,
                            KIRQL SynchronizeIrql, KINTERRUPT_MODE InterruptMode,
                            BOOLEAN ShareVector, KAFFINITY ProcessorEnableMask,
                            BOOLEAN FloatingSave);
VOID IoDisconnectInterrupt(PKINTERRUPT InterruptObject);
BOOLEAN KeSynchronizeExecution(PKINTERRUPT Interrupt, PKSYNCHRONIZE_ROUTINE SynchronizeRoutine,
                               PVOID SynchronizeContext);
KIRQL KeAcquireInterruptSpinLock(PKINTERRUPT Interrupt);
VOID KeReleaseInterruptSpinLock(PKINTERRUPT Interrupt, KIRQL OldIrql);

/*
 * Interrupts a PnP driver connects by its device rather than by vector:
 * IoConnectInterruptEx finds the interrupts the PnP manager assigned to
 * the device (its translated resources) and connects them. With
 * CONNECT_MESSAGE_BASED each MSI or MSI-X message gets an interrupt
 * object whose routine receives the message number, and the driver gets
 * the table describing them; a device without messages is connected to
 * FallBackServiceRoutine as a line interrupt if the driver gave one
 * (Parameters->Version then says CONNECT_LINE_BASED).
 */
typedef enum _KINTERRUPT_POLARITY {
    InterruptPolarityUnknown,
    InterruptActiveHigh,
    InterruptActiveLow
} KINTERRUPT_POLARITY;

typedef BOOLEAN KMESSAGE_SERVICE_ROUTINE(struct _KINTERRUPT *Interrupt, PVOID ServiceContext,
                                         ULONG MessageID);
typedef KMESSAGE_SERVICE_ROUTINE *PKMESSAGE_SERVICE_ROUTINE;

typedef struct _IO_INTERRUPT_MESSAGE_INFO_ENTRY {
    PHYSICAL_ADDRESS MessageAddress; /* what the device writes to... */
    KAFFINITY TargetProcessorSet;
    PKINTERRUPT InterruptObject;
    ULONG MessageData; /* ...and the value: the vector, on x86 */
    ULONG Vector;
    KIRQL Irql;
    KINTERRUPT_MODE Mode;
    KINTERRUPT_POLARITY Polarity;
} IO_INTERRUPT_MESSAGE_INFO_ENTRY, *PIO_INTERRUPT_MESSAGE_INFO_ENTRY;

typedef struct _IO_INTERRUPT_MESSAGE_INFO {
    KIRQL UnifiedIrql; /* the highest IRQL of the messages */
    ULONG MessageCount;
    IO_INTERRUPT_MESSAGE_INFO_ENTRY MessageInfo[1];
} IO_INTERRUPT_MESSAGE_INFO, *PIO_INTERRUPT_MESSAGE_INFO;

#define CONNECT_FULLY_SPECIFIED 0x1
#define CONNECT_LINE_BASED      0x2
#define CONNECT_MESSAGE_BASED   0x3

typedef struct _IO_CONNECT_INTERRUPT_MESSAGE_BASED_PARAMETERS {
    struct _DEVICE_OBJECT *PhysicalDeviceObject;
    union {
        PVOID *Generic;
        PIO_INTERRUPT_MESSAGE_INFO *InterruptMessageTable; /* when messages were connected */
        PKINTERRUPT *InterruptObject;                      /* when the fallback was */
    } ConnectionContext;
    PKMESSAGE_SERVICE_ROUTINE MessageServiceRoutine;
    PVOID ServiceContext;
    PKSPIN_LOCK SpinLock; /* NULL: each message's object has its own */
    KIRQL SynchronizeIrql;
    BOOLEAN FloatingSave;
    PKSERVICE_ROUTINE FallBackServiceRoutine;
} IO_CONNECT_INTERRUPT_MESSAGE_BASED_PARAMETERS;

/* (NT's also has the fully specified and line-based forms' parameters in
   the union; KeLab connects by vector with IoConnectInterrupt.) */
typedef struct _IO_CONNECT_INTERRUPT_PARAMETERS {
    ULONG Version; /* CONNECT_MESSAGE_BASED in; what was connected out */
    union {
        IO_CONNECT_INTERRUPT_MESSAGE_BASED_PARAMETERS MessageBased;
    };
} IO_CONNECT_INTERRUPT_PARAMETERS, *PIO_CONNECT_INTERRUPT_PARAMETERS;

typedef struct _IO_DISCONNECT_INTERRUPT_PARAMETERS {
    ULONG Version; /* what IoConnectInterruptEx connected */
    union {
        PVOID Generic;
        PKINTERRUPT InterruptObject;
        PIO_INTERRUPT_MESSAGE_INFO InterruptMessageTable;
    } ConnectionContext;
} IO_DISCONNECT_INTERRUPT_PARAMETERS, *PIO_DISCONNECT_INTERRUPT_PARAMETERS;

NTSTATUS IoConnectInterruptEx(PIO_CONNECT_INTERRUPT_PARAMETERS Parameters);
VOID IoDisconnectInterruptEx(PIO_DISCONNECT_INTERRUPT_PARAMETERS Parameters);

/* ------------------------------------------------------------------ */
/* Memory for devices, and pageable code                                */
/* ------------------------------------------------------------------ */

typedef enum _MEMORY_CACHING_TYPE { MmNonCached = 0, MmCached = 1 } MEMORY_CACHING_TYPE;
PVOID MmMapIoSpace(PHYSICAL_ADDRESS PhysicalAddress, SIZE_T NumberOfBytes,
                   MEMORY_CACHING_TYPE CacheType);
VOID MmUnmapIoSpace(PVOID BaseAddress, SIZE_T NumberOfBytes);

/* Device registers in memory space: one access of the register's width,
   never merged, split or reordered by the compiler. */
static inline UCHAR READ_REGISTER_UCHAR(volatile UCHAR *Register)
{
    return *Register;
}

static inline ULONG READ_REGISTER_ULONG(volatile ULONG *Register)
{
    return *Register;
}

static inline VOID WRITE_REGISTER_ULONG(volatile ULONG *Register, ULONG Value)
{
    *Register = Value;
}

/* Device registers in I/O space (a PUCHAR holding the port number, as on
   Windows): one IN or OUT instruction each; the buffer form is one
   REP OUTSB. */
static inline UCHAR READ_PORT_UCHAR(PUCHAR Port)
{
    UCHAR value;
    __asm__ volatile("inb %w1, %0" : "=a"(value) : "Nd"((USHORT)(ULONG_PTR)Port));
    return value;
}

static inline VOID WRITE_PORT_UCHAR(PUCHAR Port, UCHAR Value)
{
    __asm__ volatile("outb %0, %w1" : : "a"(Value), "Nd"((USHORT)(ULONG_PTR)Port));
}

static inline VOID WRITE_PORT_BUFFER_UCHAR(PUCHAR Port, PUCHAR Buffer, ULONG Count)
{
    __asm__ volatile("rep outsb"
                     : "+S"(Buffer), "+c"(Count)
                     : "d"((USHORT)(ULONG_PTR)Port)
                     : "memory");
}

/* Orders memory accesses (the device's view of memory included) across
   it, for the compiler and the processor. */
#define KeMemoryBarrier() __atomic_thread_fence(__ATOMIC_SEQ_CST)

/* PCI configuration space of bus BusNumber, device and function in
   SlotNumber (PCI_SLOT_NUMBER.u.AsULONG): Length bytes at Offset, read
   into or written from Buffer. Returns the bytes transferred; 0 if there
   is no such bus, and for a read of no function, bytes of all ones (as
   the hardware reads). Windows drivers use the bus driver's interface
   instead; KeLab's PCI bus driver uses these, as NT's did. */
typedef enum _BUS_DATA_TYPE { Cmos = 0, PCIConfiguration = 4 } BUS_DATA_TYPE;

typedef struct _PCI_SLOT_NUMBER {
    union {
        struct {
            ULONG DeviceNumber : 5;
            ULONG FunctionNumber : 3;
            ULONG Reserved : 24;
        } bits;
        ULONG AsULONG;
    } u;
} PCI_SLOT_NUMBER, *PPCI_SLOT_NUMBER;

ULONG HalGetBusDataByOffset(BUS_DATA_TYPE BusDataType, ULONG BusNumber, ULONG SlotNumber,
                            PVOID Buffer, ULONG Offset, ULONG Length);
ULONG HalSetBusDataByOffset(BUS_DATA_TYPE BusDataType, ULONG BusNumber, ULONG SlotNumber,
                            PVOID Buffer, ULONG Offset, ULONG Length);

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
typedef ULONG ACCESS_MASK, *PACCESS_MASK;
typedef CCHAR KPROCESSOR_MODE;
typedef enum _MODE { KernelMode, UserMode, MaximumMode } MODE;
typedef struct _OBJECT_TYPE *POBJECT_TYPE;
/* KeLab has no security descriptors, so no access state: always NULL. */
typedef struct _ACCESS_STATE *PACCESS_STATE;

/* Access rights. A handle is granted rights to its object: the standard
   ones every object has, and those specific to its type. A generic right
   stands for what the object's type says it means (its GENERIC_MAPPING). */
#define DELETE                   0x00010000
#define READ_CONTROL             0x00020000
#define WRITE_DAC                0x00040000
#define WRITE_OWNER              0x00080000
#define SYNCHRONIZE              0x00100000
#define STANDARD_RIGHTS_REQUIRED 0x000F0000
#define STANDARD_RIGHTS_READ     READ_CONTROL
#define STANDARD_RIGHTS_WRITE    READ_CONTROL
#define STANDARD_RIGHTS_EXECUTE  READ_CONTROL
#define STANDARD_RIGHTS_ALL      0x001F0000
#define SPECIFIC_RIGHTS_ALL      0x0000FFFF
#define ACCESS_SYSTEM_SECURITY   0x01000000
#define MAXIMUM_ALLOWED          0x02000000
#define GENERIC_READ             0x80000000
#define GENERIC_WRITE            0x40000000
#define GENERIC_EXECUTE          0x20000000
#define GENERIC_ALL              0x10000000

typedef struct _GENERIC_MAPPING {
    ACCESS_MASK GenericRead;
    ACCESS_MASK GenericWrite;
    ACCESS_MASK GenericExecute;
    ACCESS_MASK GenericAll;
} GENERIC_MAPPING, *PGENERIC_MAPPING;

/* Replaces the generic rights in *AccessMask by what Mapping says they mean. */
VOID RtlMapGenericMask(PACCESS_MASK AccessMask, const GENERIC_MAPPING *GenericMapping);

/* A thread's specific rights. */
#define THREAD_TERMINATE                 0x0001
#define THREAD_SUSPEND_RESUME            0x0002
#define THREAD_ALERT                     0x0004
#define THREAD_GET_CONTEXT               0x0008
#define THREAD_SET_CONTEXT               0x0010
#define THREAD_SET_INFORMATION           0x0020
#define THREAD_QUERY_INFORMATION         0x0040
#define THREAD_SET_THREAD_TOKEN          0x0080
#define THREAD_IMPERSONATE               0x0100
#define THREAD_DIRECT_IMPERSONATION      0x0200
#define THREAD_SET_LIMITED_INFORMATION   0x0400
#define THREAD_QUERY_LIMITED_INFORMATION 0x0800
#define THREAD_RESUME                    0x1000
#define THREAD_ALL_ACCESS                (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0xFFFF)

/* Attributes of a handle (OBJECT_ATTRIBUTES.Attributes, HandleAttributes). */
#define OBJ_INHERIT       0x00000002
#define OBJ_KERNEL_HANDLE 0x00000200 /* only kernel mode may use the handle */

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

/* What ObReferenceObjectByHandle says of the handle it looked up. */
typedef struct _OBJECT_HANDLE_INFORMATION {
    ULONG HandleAttributes;
    ACCESS_MASK GrantedAccess;
} OBJECT_HANDLE_INFORMATION, *POBJECT_HANDLE_INFORMATION;

/* A handle that always means the calling thread, with every right. */
#define NtCurrentThread() ((HANDLE)(LONG_PTR)-2)
#define ZwCurrentThread() NtCurrentThread()

/* Every object carries a reference count: the object lives while anyone
   holds a reference (a pointer from ObReference*, or a handle). */
LONG_PTR ObReferenceObject(PVOID Object);
LONG_PTR ObDereferenceObject(PVOID Object);
#define ObfReferenceObject   ObReferenceObject
#define ObfDereferenceObject ObDereferenceObject
/* Turns a handle into a referenced pointer, checking the handle, the
   object's type (if ObjectType is not NULL) and, for UserMode only, the
   access granted (kernel mode is trusted); a kernel handle
   (OBJ_KERNEL_HANDLE) does not exist for UserMode. */
NTSTATUS ObReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK DesiredAccess,
                                   POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode,
                                   PVOID *Object, POBJECT_HANDLE_INFORMATION HandleInformation);
/* Takes a reference to Object, checking its type. */
NTSTATUS ObReferenceObjectByPointer(PVOID Object, ACCESS_MASK DesiredAccess,
                                    POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode);
/* Creates a handle to Object (which must be of ObjectType, if given) with
   DesiredAccess. PassedAccessState must be NULL. (ntifs.h in the WDK.) */
NTSTATUS ObOpenObjectByPointer(PVOID Object, ULONG HandleAttributes,
                               PACCESS_STATE PassedAccessState, ACCESS_MASK DesiredAccess,
                               POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode, PHANDLE Handle);
NTSTATUS ZwClose(HANDLE Handle);

/* The types of object KeLab has. (The WDK declares IoDeviceObjectType in
   ntifs.h; NT exports IoDriverObjectType, which drivers declare.) */
extern POBJECT_TYPE *PsThreadType;
extern POBJECT_TYPE *IoFileObjectType;
extern POBJECT_TYPE *IoDeviceObjectType;
extern POBJECT_TYPE *IoDriverObjectType;

/* ------------------------------------------------------------------ */
/* Dispatcher objects                                                   */
/* ------------------------------------------------------------------ */

typedef LONG KPRIORITY;

#define LOW_PRIORITY          0
#define LOW_REALTIME_PRIORITY 16
#define HIGH_PRIORITY         31
#define MAXIMUM_PRIORITY      32
#define THREAD_WAIT_OBJECTS   3 /* built-in wait blocks */
#define MAXIMUM_WAIT_OBJECTS  64

/* Priority boosts given with KeSetEvent / IoCompleteRequest. */
#define IO_NO_INCREMENT       0
#define EVENT_INCREMENT       1
#define IO_CD_ROM_INCREMENT   1
#define IO_DISK_INCREMENT     1
#define IO_NETWORK_INCREMENT  2
#define IO_SERIAL_INCREMENT   2
#define SEMAPHORE_INCREMENT   1
#define IO_KEYBOARD_INCREMENT 6
#define IO_MOUSE_INCREMENT    6
#define IO_SOUND_INCREMENT    8

/* The common header of everything a thread can wait on. */
typedef struct _DISPATCHER_HEADER {
    UCHAR Type;     /* KOBJECTS */
    UCHAR Absolute; /* timers: the due time was absolute */
    UCHAR Size;     /* of the object, in LONGs */
    UCHAR Inserted; /* timers: in the timer list */
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
    DpcObject = 19, /* not a dispatcher object: a KDPC's Type */
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
    DISPATCHER_HEADER Header;   /* SignalState 1 free, <= 0 owned (1 - recursion) */
    LIST_ENTRY MutantListEntry; /* on the owner's list */
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
    ULARGE_INTEGER DueTime; /* interrupt time at which it expires */
    LIST_ENTRY TimerListEntry;
    struct _KDPC *Dpc;
    LONG Period; /* milliseconds; 0 for one-shot */
} KTIMER, *PKTIMER, *PRKTIMER;

/* One thread's wait on one object. */
typedef struct _KWAIT_BLOCK {
    LIST_ENTRY WaitListEntry; /* on the object's WaitListHead */
    struct _KTHREAD *Thread;
    PVOID Object;
    struct _KWAIT_BLOCK *NextWaitBlock; /* the thread's blocks form a ring */
    USHORT WaitKey;                     /* its index: STATUS_WAIT_0 + WaitKey */
    UCHAR WaitType;                     /* WaitAny or WaitAll */
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
LONG KeReleaseSemaphore(PRKSEMAPHORE Semaphore, KPRIORITY Increment, LONG Adjustment, BOOLEAN Wait);
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
                             PVOID *NormalContext, PVOID *SystemArgument1, PVOID *SystemArgument2);
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
/* I/O manager (kernel/io/, docs/io-manager.md)                         */
/* ------------------------------------------------------------------ */

/*
 * Drivers, device objects and their stacks, IRPs and their stack
 * locations, completion, cancellation, cancel-safe queues, MDLs and DMA
 * memory, down to "end of the I/O manager". Names, types and signatures
 * are the WDK's, in its order where it has one; a structure has the
 * fields KeLab uses, in NT's order, and says what it leaves out.
 */

/* ---- counted Unicode strings (ntdef.h in the WDK) ----
   Names are UTF-16, as NT's are: KeLab is built with -fshort-wchar, so
   L"\\Device\\Timer0" is an array of 16-bit WCHARs here as on Windows. */
typedef WCHAR *PWSTR, *PWCH;
typedef const WCHAR *PCWSTR;

typedef struct _UNICODE_STRING {
    USHORT Length;        /* bytes, without a terminator */
    USHORT MaximumLength; /* bytes of Buffer */
    PWCH Buffer;
} UNICODE_STRING, *PUNICODE_STRING;
typedef const UNICODE_STRING *PCUNICODE_STRING;

#define RTL_CONSTANT_STRING(s)                                                                     \
    {                                                                                              \
        sizeof(s) - sizeof((s)[0]), sizeof(s), (PWCH)(s)                                           \
    }

VOID RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString);
BOOLEAN RtlEqualUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
                              BOOLEAN CaseInSensitive);

/* ---- status and codes ---- */

typedef struct _IO_STATUS_BLOCK {
    union {
        NTSTATUS Status;
        PVOID Pointer;
    };
    ULONG_PTR Information; /* usually the number of bytes transferred */
} IO_STATUS_BLOCK, *PIO_STATUS_BLOCK;

/* A completion routine that lets completion go on returns this. */
#define STATUS_CONTINUE_COMPLETION STATUS_SUCCESS

/* Object types, the first field of each I/O object. */
#define IO_TYPE_DEVICE                  0x00000003
#define IO_TYPE_DRIVER                  0x00000004
#define IO_TYPE_FILE                    0x00000005
#define IO_TYPE_IRP                     0x00000006
#define IO_TYPE_DEVICE_OBJECT_EXTENSION 0x0000000D

/* Major function codes: which entry of a driver's MajorFunction table an
   IRP goes to. */
#define IRP_MJ_CREATE                   0x00
#define IRP_MJ_CREATE_NAMED_PIPE        0x01
#define IRP_MJ_CLOSE                    0x02
#define IRP_MJ_READ                     0x03
#define IRP_MJ_WRITE                    0x04
#define IRP_MJ_QUERY_INFORMATION        0x05
#define IRP_MJ_SET_INFORMATION          0x06
#define IRP_MJ_QUERY_EA                 0x07
#define IRP_MJ_SET_EA                   0x08
#define IRP_MJ_FLUSH_BUFFERS            0x09
#define IRP_MJ_QUERY_VOLUME_INFORMATION 0x0a
#define IRP_MJ_SET_VOLUME_INFORMATION   0x0b
#define IRP_MJ_DIRECTORY_CONTROL        0x0c
#define IRP_MJ_FILE_SYSTEM_CONTROL      0x0d
#define IRP_MJ_DEVICE_CONTROL           0x0e
#define IRP_MJ_INTERNAL_DEVICE_CONTROL  0x0f
#define IRP_MJ_SHUTDOWN                 0x10
#define IRP_MJ_LOCK_CONTROL             0x11
#define IRP_MJ_CLEANUP                  0x12
#define IRP_MJ_CREATE_MAILSLOT          0x13
#define IRP_MJ_QUERY_SECURITY           0x14
#define IRP_MJ_SET_SECURITY             0x15
#define IRP_MJ_POWER                    0x16
#define IRP_MJ_SYSTEM_CONTROL           0x17
#define IRP_MJ_DEVICE_CHANGE            0x18
#define IRP_MJ_QUERY_QUOTA              0x19
#define IRP_MJ_SET_QUOTA                0x1a
#define IRP_MJ_PNP                      0x1b
#define IRP_MJ_MAXIMUM_FUNCTION         0x1b

/* Device types (FILE_DEVICE_*); 0x8000 and above are for vendors. */
typedef ULONG DEVICE_TYPE;
#define FILE_DEVICE_CONTROLLER   0x00000004
#define FILE_DEVICE_UNKNOWN      0x00000022
#define FILE_DEVICE_BUS_EXTENDER 0x0000002a

/* I/O control codes: device type, access, function and buffering method
   in one ULONG. The method says how the I/O manager hands the buffers to
   the driver (METHOD_BUFFERED: a copy in SystemBuffer; the DIRECT ones:
   an MDL for the output buffer; NEITHER: the caller's pointers). */
#define CTL_CODE(DeviceType, Function, Method, Access)                                             \
    (((ULONG)(DeviceType) << 16) | ((Access) << 14) | ((Function) << 2) | (Method))
#define DEVICE_TYPE_FROM_CTL_CODE(ctrlCode) (((ULONG)((ctrlCode)&0xffff0000)) >> 16)
#define METHOD_FROM_CTL_CODE(ctrlCode)      ((ULONG)((ctrlCode)&3))
#define METHOD_BUFFERED                     0
#define METHOD_IN_DIRECT                    1
#define METHOD_OUT_DIRECT                   2
#define METHOD_NEITHER                      3
#define FILE_ANY_ACCESS                     0
#define FILE_READ_ACCESS                    0x0001
#define FILE_WRITE_ACCESS                   0x0002

/* A file's specific rights; a device's and a driver's are the same, and so
   is their GENERIC_MAPPING (IoGetFileObjectGenericMapping). */
#define FILE_READ_DATA        0x0001
#define FILE_WRITE_DATA       0x0002
#define FILE_APPEND_DATA      0x0004
#define FILE_READ_EA          0x0008
#define FILE_WRITE_EA         0x0010
#define FILE_EXECUTE          0x0020
#define FILE_READ_ATTRIBUTES  0x0080
#define FILE_WRITE_ATTRIBUTES 0x0100
#define FILE_ALL_ACCESS       (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x1FF)
#define FILE_GENERIC_READ                                                                          \
    (STANDARD_RIGHTS_READ | FILE_READ_DATA | FILE_READ_ATTRIBUTES | FILE_READ_EA | SYNCHRONIZE)
#define FILE_GENERIC_WRITE                                                                         \
    (STANDARD_RIGHTS_WRITE | FILE_WRITE_DATA | FILE_WRITE_ATTRIBUTES | FILE_WRITE_EA |             \
     FILE_APPEND_DATA | SYNCHRONIZE)
#define FILE_GENERIC_EXECUTE                                                                       \
    (STANDARD_RIGHTS_EXECUTE | FILE_READ_ATTRIBUTES | FILE_EXECUTE | SYNCHRONIZE)

/* ---- MDLs: the physical pages behind a buffer, for hardware ---- */

typedef ULONG_PTR PFN_NUMBER, *PPFN_NUMBER;

/* An MDL is followed by one PFN_NUMBER per page the buffer spans. */
typedef struct _MDL {
    struct _MDL *Next; /* an IRP's chain of MDLs */
    CSHORT Size;       /* of the MDL and its page array */
    CSHORT MdlFlags;
    struct _EPROCESS *Process; /* always NULL: KeLab has one address space */
    PVOID MappedSystemVa;      /* where the buffer is mapped, once it is */
    PVOID StartVa;             /* the page the buffer starts in */
    ULONG ByteCount;
    ULONG ByteOffset; /* of the buffer in its first page */
} MDL, *PMDL;

#define MDL_MAPPED_TO_SYSTEM_VA     0x0001
#define MDL_SOURCE_IS_NONPAGED_POOL 0x0004
#define MDL_PARTIAL                 0x0010

typedef enum _MM_PAGE_PRIORITY {
    LowPagePriority,
    NormalPagePriority = 16,
    HighPagePriority = 32
} MM_PAGE_PRIORITY;

#define ADDRESS_AND_SIZE_TO_SPAN_PAGES(Va, Size)                                                   \
    ((ULONG)((((ULONG_PTR)(Size)) >> PAGE_SHIFT) +                                                 \
             ((BYTE_OFFSET(Va) + BYTE_OFFSET(Size) + PAGE_SIZE - 1) >> PAGE_SHIFT)))
#define MmGetMdlPfnArray(Mdl)       ((PPFN_NUMBER)((Mdl) + 1))
#define MmGetMdlVirtualAddress(Mdl) ((PVOID)((PCHAR)((Mdl)->StartVa) + (Mdl)->ByteOffset))
#define MmGetMdlByteCount(Mdl)      ((Mdl)->ByteCount)
#define MmGetMdlByteOffset(Mdl)     ((Mdl)->ByteOffset)
#define MmInitializeMdl(MemoryDescriptorList, BaseVa, Length)                                      \
    do {                                                                                           \
        (MemoryDescriptorList)->Next = NULL;                                                       \
        (MemoryDescriptorList)->Size =                                                             \
            (CSHORT)(sizeof(MDL) +                                                                 \
                     sizeof(PFN_NUMBER) * ADDRESS_AND_SIZE_TO_SPAN_PAGES((BaseVa), (Length)));     \
        (MemoryDescriptorList)->MdlFlags = 0;                                                      \
        (MemoryDescriptorList)->Process = NULL;                                                    \
        (MemoryDescriptorList)->MappedSystemVa = NULL;                                             \
        (MemoryDescriptorList)->StartVa = PAGE_ALIGN(BaseVa);                                      \
        (MemoryDescriptorList)->ByteCount = (ULONG)(Length);                                       \
        (MemoryDescriptorList)->ByteOffset = BYTE_OFFSET(BaseVa);                                  \
    } while (0)

SIZE_T MmSizeOfMdl(PVOID Base, SIZE_T Length);
/* Fills the page array of an MDL for resident memory (pool, stacks,
   contiguous memory: all of KeLab's kernel memory is resident). */
VOID MmBuildMdlForNonPagedPool(PMDL MemoryDescriptorList);
/* Maps the pages of an MDL into system space (RequestedAddress must be
   NULL, AccessMode KernelMode); returns NULL on failure unless
   BugCheckOnFailure. */
PVOID MmMapLockedPagesSpecifyCache(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode,
                                   MEMORY_CACHING_TYPE CacheType, PVOID RequestedAddress,
                                   ULONG BugCheckOnFailure, ULONG Priority);
VOID MmUnmapLockedPages(PVOID BaseAddress, PMDL MemoryDescriptorList);
PHYSICAL_ADDRESS MmGetPhysicalAddress(PVOID BaseAddress);

/* The buffer of an MDL in system space, mapping it if it is not yet. */
static inline PVOID MmGetSystemAddressForMdlSafe(PMDL Mdl, ULONG Priority)
{
    if (Mdl->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL))
        return Mdl->MappedSystemVa;
    return MmMapLockedPagesSpecifyCache(Mdl, KernelMode, MmCached, NULL, FALSE, Priority);
}

/* Physically contiguous memory for DMA, between the two addresses, never
   crossing a multiple of BoundaryAddressMultiple (0: no boundary). */
PVOID MmAllocateContiguousMemorySpecifyCache(SIZE_T NumberOfBytes,
                                             PHYSICAL_ADDRESS LowestAcceptableAddress,
                                             PHYSICAL_ADDRESS HighestAcceptableAddress,
                                             PHYSICAL_ADDRESS BoundaryAddressMultiple,
                                             MEMORY_CACHING_TYPE CacheType);
PVOID MmAllocateContiguousMemory(SIZE_T NumberOfBytes, PHYSICAL_ADDRESS HighestAcceptableAddress);
VOID MmFreeContiguousMemory(PVOID BaseAddress);
VOID MmFreeContiguousMemorySpecifyCache(PVOID BaseAddress, SIZE_T NumberOfBytes,
                                        MEMORY_CACHING_TYPE CacheType);

/* ---- drivers, devices and files ---- */

struct _DRIVER_OBJECT;
struct _DEVICE_OBJECT;
struct _IRP;
struct _IO_CSQ;

/* DriverEntry. KeLab has no registry: RegistryPath is NULL, as it is for
   a driver NT creates with IoCreateDriver. */
typedef NTSTATUS DRIVER_INITIALIZE(struct _DRIVER_OBJECT *DriverObject,
                                   PUNICODE_STRING RegistryPath);
typedef DRIVER_INITIALIZE *PDRIVER_INITIALIZE;
typedef NTSTATUS DRIVER_ADD_DEVICE(struct _DRIVER_OBJECT *DriverObject,
                                   struct _DEVICE_OBJECT *PhysicalDeviceObject);
typedef DRIVER_ADD_DEVICE *PDRIVER_ADD_DEVICE;
typedef VOID DRIVER_UNLOAD(struct _DRIVER_OBJECT *DriverObject);
typedef DRIVER_UNLOAD *PDRIVER_UNLOAD;
typedef NTSTATUS DRIVER_DISPATCH(struct _DEVICE_OBJECT *DeviceObject, struct _IRP *Irp);
typedef DRIVER_DISPATCH *PDRIVER_DISPATCH;
/* Called with the cancel spin lock held (Irp->CancelIrql is the IRQL to
   release it to); the routine releases it. */
typedef VOID DRIVER_CANCEL(struct _DEVICE_OBJECT *DeviceObject, struct _IRP *Irp);
typedef DRIVER_CANCEL *PDRIVER_CANCEL;
typedef NTSTATUS IO_COMPLETION_ROUTINE(struct _DEVICE_OBJECT *DeviceObject, struct _IRP *Irp,
                                       PVOID Context);
typedef IO_COMPLETION_ROUTINE *PIO_COMPLETION_ROUTINE;

typedef struct _DRIVER_EXTENSION {
    struct _DRIVER_OBJECT *DriverObject;
    PDRIVER_ADD_DEVICE AddDevice;
} DRIVER_EXTENSION, *PDRIVER_EXTENSION;

/* (NT's also has flags, the image's address and size, fast I/O and StartIo.) */
typedef struct _DRIVER_OBJECT {
    CSHORT Type; /* IO_TYPE_DRIVER */
    CSHORT Size;
    struct _DEVICE_OBJECT *DeviceObject; /* its devices, linked by NextDevice */
    PDRIVER_EXTENSION DriverExtension;
    UNICODE_STRING DriverName; /* \Driver\... */
    PDRIVER_INITIALIZE DriverInit;
    PDRIVER_UNLOAD DriverUnload;
    PDRIVER_DISPATCH MajorFunction[IRP_MJ_MAXIMUM_FUNCTION + 1];
} DRIVER_OBJECT, *PDRIVER_OBJECT;

/* Loading a driver from its entry point, and unloading it. NT exports
   these without documenting them in the WDK; KeLab's built-in drivers
   load this way, and tests load drivers of their own with them.
   IoCreateDriver creates the driver object DriverName (\Driver\...; KeLab
   requires the name) and calls InitializationFunction, its DriverEntry;
   the devices DriverEntry made are ready when it returns. IoDeleteDriver
   calls DriverUnload, which deletes the driver's devices, and deletes the
   driver object. It refuses (STATUS_INVALID_DEVICE_STATE) while a stack
   the driver is in is open, or while another driver's device is attached
   above one of its devices (unload filters first), and a driver without
   DriverUnload (STATUS_INVALID_DEVICE_REQUEST). (NT's returns nothing and
   leaves DriverUnload to ZwUnloadDriver; KeLab has no registry to unload
   by.) Whoever calls it makes sure nobody opens the driver's devices
   meanwhile. */
NTSTATUS IoCreateDriver(PUNICODE_STRING DriverName, PDRIVER_INITIALIZE InitializationFunction);
NTSTATUS IoDeleteDriver(PDRIVER_OBJECT DriverObject);

/* The public head of a device's extension that belongs to the I/O manager. */
typedef struct _DEVOBJ_EXTENSION {
    CSHORT Type; /* IO_TYPE_DEVICE_OBJECT_EXTENSION */
    USHORT Size;
    struct _DEVICE_OBJECT *DeviceObject;
} DEVOBJ_EXTENSION, *PDEVOBJ_EXTENSION;

/* (NT's also has a device queue and DPC for StartIo, a timer, the VPB of
   a mounted volume, alignment and a security descriptor.) */
typedef struct _DEVICE_OBJECT {
    CSHORT Type; /* IO_TYPE_DEVICE */
    USHORT Size;
    LONG ReferenceCount; /* file objects open on it */
    struct _DRIVER_OBJECT *DriverObject;
    struct _DEVICE_OBJECT *NextDevice;     /* the driver's next device */
    struct _DEVICE_OBJECT *AttachedDevice; /* the device attached above, if any */
    ULONG Flags;                           /* DO_* */
    ULONG Characteristics;                 /* FILE_* characteristics */
    PVOID DeviceExtension;                 /* the driver's, of the size it asked for */
    DEVICE_TYPE DeviceType;
    CCHAR StackSize; /* stack locations an IRP needs to go down from here */
    PDEVOBJ_EXTENSION DeviceObjectExtension;
} DEVICE_OBJECT, *PDEVICE_OBJECT;

#define DO_BUFFERED_IO           0x00000004 /* reads and writes get a SystemBuffer copy */
#define DO_EXCLUSIVE             0x00000008
#define DO_DIRECT_IO             0x00000010 /* reads and writes get an MDL */
#define DO_DEVICE_INITIALIZING   0x00000080 /* cannot be opened until the driver clears it */
#define DO_BUS_ENUMERATED_DEVICE 0x00001000 /* a PDO: a bus driver reported it */

/* An open device. (KeLab has no file systems: this is all of it.) */
typedef struct _FILE_OBJECT {
    CSHORT Type; /* IO_TYPE_FILE */
    CSHORT Size;
    PDEVICE_OBJECT DeviceObject;
} FILE_OBJECT, *PFILE_OBJECT;

/* DeviceName: \Device\Name (KeLab keeps at most 64 characters of a
   name, and refuses longer ones), or NULL (unnamed). The device starts with
   DO_DEVICE_INITIALIZING set: a DriverEntry's devices are cleared of it
   when DriverEntry returns; AddDevice must clear it itself. */
NTSTATUS IoCreateDevice(PDRIVER_OBJECT DriverObject, ULONG DeviceExtensionSize,
                        PUNICODE_STRING DeviceName, DEVICE_TYPE DeviceType,
                        ULONG DeviceCharacteristics, BOOLEAN Exclusive,
                        PDEVICE_OBJECT *DeviceObject);
VOID IoDeleteDevice(PDEVICE_OBJECT DeviceObject);
/* The device below DeviceObject in its stack, with a reference
   (ObDereferenceObject); NULL at the bottom. */
PDEVICE_OBJECT IoGetLowerDeviceObject(PDEVICE_OBJECT DeviceObject);
/* Puts SourceDevice on top of the stack TargetDevice is in; returns the
   device it now sits on (the one to pass IRPs to), or NULL. */
PDEVICE_OBJECT IoAttachDeviceToDeviceStack(PDEVICE_OBJECT SourceDevice,
                                           PDEVICE_OBJECT TargetDevice);
/* Detaches whatever is attached above TargetDevice. */
VOID IoDetachDevice(PDEVICE_OBJECT TargetDevice);
/* The top of DeviceObject's stack, with a reference (ObDereferenceObject). */
PDEVICE_OBJECT IoGetAttachedDeviceReference(PDEVICE_OBJECT DeviceObject);
/* Opens the named device: *FileObject (referenced: ObDereferenceObject it
   when done) keeps it open, *DeviceObject is the top of its stack, where
   IRPs for it go. */
NTSTATUS IoGetDeviceObjectPointer(PUNICODE_STRING ObjectName, ACCESS_MASK DesiredAccess,
                                  PFILE_OBJECT *FileObject, PDEVICE_OBJECT *DeviceObject);
/* What the generic rights mean for files (and devices, and drivers). */
PGENERIC_MAPPING IoGetFileObjectGenericMapping(VOID);

/* ---- Plug and Play: what the PnP manager and drivers exchange ----
   (kernel/io/pnp.c, docs/usb.md). The PnP manager finds devices through
   their bus drivers (IRP_MN_QUERY_DEVICE_RELATIONS), names them
   (IRP_MN_QUERY_ID), gives each to the driver whose IDs match, gives it
   resources and starts it (IRP_MN_START_DEVICE), and removes what is
   gone (IRP_MN_SURPRISE_REMOVAL, IRP_MN_REMOVE_DEVICE). */

#define IRP_MN_START_DEVICE                 0x00
#define IRP_MN_QUERY_REMOVE_DEVICE          0x01
#define IRP_MN_REMOVE_DEVICE                0x02
#define IRP_MN_CANCEL_REMOVE_DEVICE         0x03
#define IRP_MN_STOP_DEVICE                  0x04
#define IRP_MN_QUERY_STOP_DEVICE            0x05
#define IRP_MN_CANCEL_STOP_DEVICE           0x06
#define IRP_MN_QUERY_DEVICE_RELATIONS       0x07
#define IRP_MN_QUERY_INTERFACE              0x08
#define IRP_MN_QUERY_CAPABILITIES           0x09
#define IRP_MN_QUERY_RESOURCES              0x0A
#define IRP_MN_QUERY_RESOURCE_REQUIREMENTS  0x0B
#define IRP_MN_QUERY_DEVICE_TEXT            0x0C
#define IRP_MN_FILTER_RESOURCE_REQUIREMENTS 0x0D
#define IRP_MN_QUERY_ID                     0x13
#define IRP_MN_QUERY_PNP_DEVICE_STATE       0x14
#define IRP_MN_SURPRISE_REMOVAL             0x17

typedef enum _DEVICE_RELATION_TYPE {
    BusRelations,
    EjectionRelations,
    PowerRelations,
    RemovalRelations,
    TargetDeviceRelation,
    SingleBusRelations,
    TransportRelations
} DEVICE_RELATION_TYPE;

/* From pool; whoever receives it frees it. Each PDO in it is referenced
   by the bus driver that reports it, for the PnP manager. */
typedef struct _DEVICE_RELATIONS {
    ULONG Count;
    struct _DEVICE_OBJECT *Objects[1];
} DEVICE_RELATIONS, *PDEVICE_RELATIONS;

/* IRP_MN_QUERY_ID: the answer (Information) is a string from pool, a
   list of strings ending with an empty one for hardware and compatible
   IDs (REG_MULTI_SZ). */
typedef enum _BUS_QUERY_ID_TYPE {
    BusQueryDeviceID = 0,
    BusQueryHardwareIDs = 1,
    BusQueryCompatibleIDs = 2,
    BusQueryInstanceID = 3,
    BusQueryDeviceSerialNumber = 4,
    BusQueryContainerID = 5
} BUS_QUERY_ID_TYPE;

/* Resources: what a device decodes and how it interrupts. "Raw" is as
   the bus sees it (an MSI message number), "translated" as the processor
   does (a vector and IRQL). Packed to 4 as NT's. */
#define CmResourceTypeNull      0
#define CmResourceTypePort      1
#define CmResourceTypeInterrupt 2
#define CmResourceTypeMemory    3

#define CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE 0x0000
#define CM_RESOURCE_INTERRUPT_LATCHED         0x0001
#define CM_RESOURCE_INTERRUPT_MESSAGE         0x0002
#define CM_RESOURCE_MEMORY_READ_WRITE         0x0000
#define CM_RESOURCE_MEMORY_PREFETCHABLE       0x0004
#define CM_RESOURCE_PORT_IO                   0x0001

typedef enum _CM_SHARE_DISPOSITION {
    CmResourceShareUndetermined = 0,
    CmResourceShareDeviceExclusive,
    CmResourceShareDriverExclusive,
    CmResourceShareShared
} CM_SHARE_DISPOSITION;

#pragma pack(push, 4)

typedef struct _CM_PARTIAL_RESOURCE_DESCRIPTOR {
    UCHAR Type;             /* CmResourceType* */
    UCHAR ShareDisposition; /* CM_SHARE_DISPOSITION */
    USHORT Flags;           /* CM_RESOURCE_* */
    union {
        struct {
            PHYSICAL_ADDRESS Start;
            ULONG Length;
        } Port;
        struct {
            PHYSICAL_ADDRESS Start;
            ULONG Length;
        } Memory;
        struct {
            ULONG Level;
            ULONG Vector;
            KAFFINITY Affinity;
        } Interrupt;
        struct {
            union {
                struct {
                    USHORT Reserved;
                    USHORT MessageCount; /* raw: the messages granted */
                    ULONG Vector;
                    KAFFINITY Affinity;
                } Raw;
                struct {
                    ULONG Level; /* translated, one per message: its IRQL */
                    ULONG Vector;
                    KAFFINITY Affinity;
                } Translated;
            };
        } MessageInterrupt;
    } u;
} CM_PARTIAL_RESOURCE_DESCRIPTOR, *PCM_PARTIAL_RESOURCE_DESCRIPTOR;

typedef struct _CM_PARTIAL_RESOURCE_LIST {
    USHORT Version;
    USHORT Revision;
    ULONG Count;
    CM_PARTIAL_RESOURCE_DESCRIPTOR PartialDescriptors[1];
} CM_PARTIAL_RESOURCE_LIST, *PCM_PARTIAL_RESOURCE_LIST;

typedef struct _CM_FULL_RESOURCE_DESCRIPTOR {
    INTERFACE_TYPE InterfaceType;
    ULONG BusNumber;
    CM_PARTIAL_RESOURCE_LIST PartialResourceList;
} CM_FULL_RESOURCE_DESCRIPTOR, *PCM_FULL_RESOURCE_DESCRIPTOR;

typedef struct _CM_RESOURCE_LIST {
    ULONG Count;
    CM_FULL_RESOURCE_DESCRIPTOR List[1];
} CM_RESOURCE_LIST, *PCM_RESOURCE_LIST;

/* What a device needs (IRP_MN_QUERY_RESOURCE_REQUIREMENTS, from pool).
   (NT's also has alternatives, affinity and priority policies; KeLab
   takes memory and ports where the firmware put them, and grants message
   interrupts: MinimumVector to MaximumVector messages.) */
typedef struct _IO_RESOURCE_DESCRIPTOR {
    UCHAR Option;
    UCHAR Type; /* CmResourceType* */
    UCHAR ShareDisposition;
    UCHAR Spare1;
    USHORT Flags;
    USHORT Spare2;
    union {
        struct {
            ULONG Length;
            ULONG Alignment;
            PHYSICAL_ADDRESS MinimumAddress;
            PHYSICAL_ADDRESS MaximumAddress;
        } Port;
        struct {
            ULONG Length;
            ULONG Alignment;
            PHYSICAL_ADDRESS MinimumAddress;
            PHYSICAL_ADDRESS MaximumAddress;
        } Memory;
        struct {
            ULONG MinimumVector;
            ULONG MaximumVector;
            KAFFINITY TargetedProcessors;
        } Interrupt;
    } u;
} IO_RESOURCE_DESCRIPTOR, *PIO_RESOURCE_DESCRIPTOR;

typedef struct _IO_RESOURCE_LIST {
    USHORT Version;
    USHORT Revision;
    ULONG Count;
    IO_RESOURCE_DESCRIPTOR Descriptors[1];
} IO_RESOURCE_LIST, *PIO_RESOURCE_LIST;

typedef struct _IO_RESOURCE_REQUIREMENTS_LIST {
    ULONG ListSize; /* bytes, all of it */
    INTERFACE_TYPE InterfaceType;
    ULONG BusNumber;
    ULONG SlotNumber;
    ULONG Reserved[3];
    ULONG AlternativeLists; /* KeLab: 1 */
    IO_RESOURCE_LIST List[1];
} IO_RESOURCE_REQUIREMENTS_LIST, *PIO_RESOURCE_REQUIREMENTS_LIST;

#pragma pack(pop)

/* A bus driver's children changed: the PnP manager will ask it for its
   bus relations again (in its own thread). Any IRQL up to DISPATCH_LEVEL. */
VOID IoInvalidateDeviceRelations(struct _DEVICE_OBJECT *DeviceObject, DEVICE_RELATION_TYPE Type);

/* ---- IRPs ---- */

#define POINTER_ALIGNMENT __attribute__((aligned(8)))

/* One driver's view of an IRP: what to do, and, in the location below
   it, the completion routine the driver above it set. */
typedef struct _IO_STACK_LOCATION {
    UCHAR MajorFunction; /* IRP_MJ_* */
    UCHAR MinorFunction;
    UCHAR Flags;
    UCHAR Control; /* SL_* */
    union {
        struct {
            ULONG Length;
            ULONG POINTER_ALIGNMENT Key;
            ULONG Flags;
            LARGE_INTEGER ByteOffset;
        } Read;
        struct {
            ULONG Length;
            ULONG POINTER_ALIGNMENT Key;
            ULONG Flags;
            LARGE_INTEGER ByteOffset;
        } Write;
        struct {
            ULONG OutputBufferLength;
            ULONG POINTER_ALIGNMENT InputBufferLength;
            ULONG POINTER_ALIGNMENT IoControlCode;
            PVOID Type3InputBuffer;
        } DeviceIoControl;
        struct {
            DEVICE_RELATION_TYPE Type;
        } QueryDeviceRelations;
        struct {
            BUS_QUERY_ID_TYPE IdType;
        } QueryId;
        struct {
            PIO_RESOURCE_REQUIREMENTS_LIST IoResourceRequirementList;
        } FilterResourceRequirements;
        struct {
            PCM_RESOURCE_LIST AllocatedResources;
            PCM_RESOURCE_LIST AllocatedResourcesTranslated;
        } StartDevice;
        struct {
            PVOID Argument1;
            PVOID Argument2;
            PVOID Argument3;
            PVOID Argument4;
        } Others;
    } Parameters;
    PDEVICE_OBJECT DeviceObject; /* the device this location was sent to */
    PFILE_OBJECT FileObject;
    PIO_COMPLETION_ROUTINE CompletionRoutine;
    PVOID Context;
} IO_STACK_LOCATION, *PIO_STACK_LOCATION;

#define SL_PENDING_RETURNED  0x01
#define SL_INVOKE_ON_CANCEL  0x20
#define SL_INVOKE_ON_SUCCESS 0x40
#define SL_INVOKE_ON_ERROR   0x80

/* The I/O request packet. Its stack locations follow it in memory; the
   driver that gets the IRP first uses the last one, and each IoCallDriver
   moves one location down. (NT's also has user-mode APC parameters,
   associated IRPs and a file object of origin.) */
typedef struct _IRP {
    CSHORT Type; /* IO_TYPE_IRP */
    USHORT Size;
    PMDL MdlAddress; /* direct I/O: the buffer's MDL */
    ULONG Flags;     /* IRP_* */
    union {
        PVOID SystemBuffer; /* buffered I/O: the I/O manager's copy */
    } AssociatedIrp;
    IO_STATUS_BLOCK IoStatus; /* the result, set before IoCompleteRequest */
    KPROCESSOR_MODE RequestorMode;
    BOOLEAN PendingReturned; /* during completion: the driver below returned STATUS_PENDING */
    CHAR StackCount;
    CHAR CurrentLocation;      /* StackCount + 1 before the first IoCallDriver */
    BOOLEAN Cancel;            /* IoCancelIrp has been called */
    KIRQL CancelIrql;          /* for a cancel routine: the IRQL to release the cancel lock to */
    PIO_STATUS_BLOCK UserIosb; /* a thread's IRP: filled in when it completes */
    PKEVENT UserEvent;         /* a thread's IRP: set when it completes */
    PDRIVER_CANCEL volatile CancelRoutine;
    PVOID UserBuffer; /* the caller's output buffer */
    union {
        struct {
            PVOID DriverContext[4]; /* the current owner's to use */
            PETHREAD Thread;        /* the thread whose request it is, or NULL */
            struct {
                LIST_ENTRY ListEntry; /* the current owner's to queue it with */
                struct _IO_STACK_LOCATION *CurrentStackLocation;
            };
        } Overlay;
        KAPC Apc; /* completion to the issuing thread: used once the stack is done */
    } Tail;
} IRP, *PIRP;

#define IRP_BUFFERED_IO       0x00000010
#define IRP_DEALLOCATE_BUFFER 0x00000020
#define IRP_INPUT_OPERATION   0x00000040 /* the buffered data flows back to the caller */

PIRP IoAllocateIrp(CCHAR StackSize, BOOLEAN ChargeQuota);
VOID IoFreeIrp(PIRP Irp);

/* Sends Irp to DeviceObject: moves to the next stack location and calls
   the driver's dispatch routine for its major function. Running out of
   locations is NO_MORE_IRP_STACK_LOCATIONS (0x35). */
NTSTATUS IofCallDriver(PDEVICE_OBJECT DeviceObject, PIRP Irp);
#define IoCallDriver(a, b) IofCallDriver(a, b)
/* Completes Irp: runs the completion routines from the bottom of the
   stack up, stopping at one that returns STATUS_MORE_PROCESSING_REQUIRED,
   then hands a thread's IRP back to its thread (a kernel APC, with
   PriorityBoost). Completing it twice is MULTIPLE_IRP_COMPLETE_REQUESTS
   (0x44); above DISPATCH_LEVEL it is DRIVER_VERIFIER_IOMANAGER_VIOLATION
   (0xC9, 0xE). */
VOID IofCompleteRequest(PIRP Irp, CCHAR PriorityBoost);
#define IoCompleteRequest(a, b) IofCompleteRequest(a, b)

static inline PIO_STACK_LOCATION IoGetCurrentIrpStackLocation(PIRP Irp)
{
    return Irp->Tail.Overlay.CurrentStackLocation;
}

static inline PIO_STACK_LOCATION IoGetNextIrpStackLocation(PIRP Irp)
{
    return Irp->Tail.Overlay.CurrentStackLocation - 1;
}

/* The next driver gets the same request; the completion routine fields
   are not copied (they are this driver's to set). */
static inline VOID IoCopyCurrentIrpStackLocationToNext(PIRP Irp)
{
    PIO_STACK_LOCATION current = IoGetCurrentIrpStackLocation(Irp);
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(Irp);
    RtlCopyMemory(next, current, FIELD_OFFSET(IO_STACK_LOCATION, CompletionRoutine));
    next->Control = 0;
}

/* The next driver gets this driver's own location: for a driver that
   passes the IRP on and does not want to see it again. */
static inline VOID IoSkipCurrentIrpStackLocation(PIRP Irp)
{
    Irp->CurrentLocation++;
    Irp->Tail.Overlay.CurrentStackLocation++;
}

static inline VOID IoSetCompletionRoutine(PIRP Irp, PIO_COMPLETION_ROUTINE CompletionRoutine,
                                          PVOID Context, BOOLEAN InvokeOnSuccess,
                                          BOOLEAN InvokeOnError, BOOLEAN InvokeOnCancel)
{
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(Irp);
    next->CompletionRoutine = CompletionRoutine;
    next->Context = Context;
    next->Control = 0;
    if (InvokeOnSuccess)
        next->Control |= SL_INVOKE_ON_SUCCESS;
    if (InvokeOnError)
        next->Control |= SL_INVOKE_ON_ERROR;
    if (InvokeOnCancel)
        next->Control |= SL_INVOKE_ON_CANCEL;
}

/* A dispatch routine that returns STATUS_PENDING marks the IRP first. */
static inline VOID IoMarkIrpPending(PIRP Irp)
{
    IoGetCurrentIrpStackLocation(Irp)->Control |= SL_PENDING_RETURNED;
}

/* IRPs the I/O manager builds for a thread. A synchronous one sets Event
   and fills IoStatusBlock when it completes (the caller waits on Event if
   IoCallDriver returned STATUS_PENDING); an asynchronous one is usually
   given a completion routine that frees it. Buffers follow the device's
   DO_BUFFERED_IO / DO_DIRECT_IO, or the control code's method. */
PIRP IoBuildSynchronousFsdRequest(ULONG MajorFunction, PDEVICE_OBJECT DeviceObject, PVOID Buffer,
                                  ULONG Length, PLARGE_INTEGER StartingOffset, PKEVENT Event,
                                  PIO_STATUS_BLOCK IoStatusBlock);
PIRP IoBuildAsynchronousFsdRequest(ULONG MajorFunction, PDEVICE_OBJECT DeviceObject, PVOID Buffer,
                                   ULONG Length, PLARGE_INTEGER StartingOffset,
                                   PIO_STATUS_BLOCK IoStatusBlock);
PIRP IoBuildDeviceIoControlRequest(ULONG IoControlCode, PDEVICE_OBJECT DeviceObject,
                                   PVOID InputBuffer, ULONG InputBufferLength, PVOID OutputBuffer,
                                   ULONG OutputBufferLength, BOOLEAN InternalDeviceIoControl,
                                   PKEVENT Event, PIO_STATUS_BLOCK IoStatusBlock);

/* An MDL for VirtualAddress; with Irp, it becomes the IRP's MdlAddress
   (or is chained after it, if SecondaryBuffer). */
PMDL IoAllocateMdl(PVOID VirtualAddress, ULONG Length, BOOLEAN SecondaryBuffer, BOOLEAN ChargeQuota,
                   PIRP Irp);
VOID IoFreeMdl(PMDL Mdl);
/* TargetMdl describes part of SourceMdl's buffer. */
VOID IoBuildPartialMdl(PMDL SourceMdl, PMDL TargetMdl, PVOID VirtualAddress, ULONG Length);

/* ---- cancellation ---- */

/* Sets the IRP's cancel routine (NULL: not cancelable) and returns the
   previous one, atomically: whoever gets a non-NULL routine back owns the
   right to cancel. */
static inline PDRIVER_CANCEL IoSetCancelRoutine(PIRP Irp, PDRIVER_CANCEL CancelRoutine)
{
    return __atomic_exchange_n(&Irp->CancelRoutine, CancelRoutine, __ATOMIC_SEQ_CST);
}

/* Sets Irp->Cancel and calls its cancel routine, if it has one (then
   returns TRUE). */
BOOLEAN IoCancelIrp(PIRP Irp);
/* The one system-wide cancel spin lock, held while cancel routines start. */
VOID IoAcquireCancelSpinLock(PKIRQL Irql);
VOID IoReleaseCancelSpinLock(KIRQL Irql);

/* Cancel-safe queues: the driver supplies the queue and its lock; the
   I/O manager does the cancel logic, so an IRP is never both cancelled
   and taken off the queue. */
typedef VOID IO_CSQ_INSERT_IRP(struct _IO_CSQ *Csq, PIRP Irp);
typedef IO_CSQ_INSERT_IRP *PIO_CSQ_INSERT_IRP;
typedef VOID IO_CSQ_REMOVE_IRP(struct _IO_CSQ *Csq, PIRP Irp);
typedef IO_CSQ_REMOVE_IRP *PIO_CSQ_REMOVE_IRP;
/* The IRP after Irp (the first if NULL) that PeekContext selects, or NULL. */
typedef PIRP IO_CSQ_PEEK_NEXT_IRP(struct _IO_CSQ *Csq, PIRP Irp, PVOID PeekContext);
typedef IO_CSQ_PEEK_NEXT_IRP *PIO_CSQ_PEEK_NEXT_IRP;
typedef VOID IO_CSQ_ACQUIRE_LOCK(struct _IO_CSQ *Csq, PKIRQL Irql);
typedef IO_CSQ_ACQUIRE_LOCK *PIO_CSQ_ACQUIRE_LOCK;
typedef VOID IO_CSQ_RELEASE_LOCK(struct _IO_CSQ *Csq, KIRQL Irql);
typedef IO_CSQ_RELEASE_LOCK *PIO_CSQ_RELEASE_LOCK;
typedef VOID IO_CSQ_COMPLETE_CANCELED_IRP(struct _IO_CSQ *Csq, PIRP Irp);
typedef IO_CSQ_COMPLETE_CANCELED_IRP *PIO_CSQ_COMPLETE_CANCELED_IRP;

#define IO_TYPE_CSQ_IRP_CONTEXT 1
#define IO_TYPE_CSQ             2

typedef struct _IO_CSQ {
    ULONG Type; /* IO_TYPE_CSQ */
    PIO_CSQ_INSERT_IRP CsqInsertIrp;
    PIO_CSQ_REMOVE_IRP CsqRemoveIrp;
    PIO_CSQ_PEEK_NEXT_IRP CsqPeekNextIrp;
    PIO_CSQ_ACQUIRE_LOCK CsqAcquireLock;
    PIO_CSQ_RELEASE_LOCK CsqReleaseLock;
    PIO_CSQ_COMPLETE_CANCELED_IRP CsqCompleteCanceledIrp;
    PVOID ReservePointer;
} IO_CSQ, *PIO_CSQ;

/* Lets the inserter find its IRP again (IoCsqRemoveIrp). */
typedef struct _IO_CSQ_IRP_CONTEXT {
    ULONG Type; /* IO_TYPE_CSQ_IRP_CONTEXT */
    PIRP Irp;   /* NULL once the IRP has left the queue */
    PIO_CSQ Csq;
} IO_CSQ_IRP_CONTEXT, *PIO_CSQ_IRP_CONTEXT;

NTSTATUS IoCsqInitialize(PIO_CSQ Csq, PIO_CSQ_INSERT_IRP CsqInsertIrp,
                         PIO_CSQ_REMOVE_IRP CsqRemoveIrp, PIO_CSQ_PEEK_NEXT_IRP CsqPeekNextIrp,
                         PIO_CSQ_ACQUIRE_LOCK CsqAcquireLock, PIO_CSQ_RELEASE_LOCK CsqReleaseLock,
                         PIO_CSQ_COMPLETE_CANCELED_IRP CsqCompleteCanceledIrp);
/* Marks Irp pending and queues it, cancelable; Context may be NULL. */
VOID IoCsqInsertIrp(PIO_CSQ Csq, PIRP Irp, PIO_CSQ_IRP_CONTEXT Context);
/* The first queued IRP PeekContext selects, no longer cancelable; or NULL. */
PIRP IoCsqRemoveNextIrp(PIO_CSQ Csq, PVOID PeekContext);
/* The IRP Context was inserted with, if it is still queued; or NULL. */
PIRP IoCsqRemoveIrp(PIO_CSQ Csq, PIO_CSQ_IRP_CONTEXT Context);

/* ---- end of the I/O manager ---- */

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

#define ASSERT(exp) ((exp) ? (VOID)0 : RtlAssert(#exp, __FILE__, __LINE__, NULL))
__attribute__((noreturn)) VOID RtlAssert(PVOID FailedAssertion, PVOID FileName, ULONG LineNumber,
                                         PCHAR Message);

/* ------------------------------------------------------------------ */
/* KeLab additions: drivers built into the kernel, shell commands       */
/* ------------------------------------------------------------------ */

/*
 * KeLab addition. Windows reads the drivers to load from the registry;
 * KeLab's drivers are linked into the kernel and register themselves, one
 * line each, in a table the linker gathers (section .kdrivers). At boot
 * the I/O manager loads them in ascending LoadOrder (kernel/io/builtin.c):
 * a driver object named Name and a call to its DriverEntry, as
 * IoCreateDriver does; then, for a driver that names a device in
 * AddDeviceTo, its AddDevice with that device, as the PnP manager calls
 * an upper filter's AddDevice with the physical device object of the
 * stack it joins:
 *
 *     KELAB_BUILTIN_DRIVER(TimerFiltDriverEntry, L"\\Driver\\TimerFilt", 20,
 *                          TIMER_DEVICE_NAME);
 */
typedef struct _KELAB_BUILTIN_DRIVER_ENTRY {
    PCWSTR Name;
    PDRIVER_INITIALIZE DriverEntry;
    ULONG LoadOrder;           /* lower loads first */
    PCWSTR AddDeviceTo;        /* the device whose stack its AddDevice joins, or NULL */
    const PCWSTR *HardwareIds; /* a PnP driver's: the IDs it drives, NULL-terminated */
} KELAB_BUILTIN_DRIVER_ENTRY;

#define KELAB_BUILTIN_DRIVER(driverEntry, name, loadOrder, addDeviceTo)                            \
    static const KELAB_BUILTIN_DRIVER_ENTRY KeLabBuiltinDriver_##driverEntry                       \
        __attribute__((section(".kdrivers"), used, aligned(8))) = {name, driverEntry, loadOrder,   \
                                                                   addDeviceTo, NULL}

/*
 * KeLab addition: a Plug and Play driver, the INF's role. It is not
 * loaded at boot: the PnP manager loads it when a device reports one of
 * HardwareIds among its hardware or compatible IDs (most specific first,
 * as Windows ranks them), and calls its AddDevice with the device's PDO:
 *
 *     static const PCWSTR XhciIds[] = {L"PCI\\CC_0C0330", NULL};
 *     KELAB_PNP_DRIVER(XhciDriverEntry, L"\\Driver\\xhci", XhciIds);
 */
#define KELAB_PNP_DRIVER(driverEntry, name, hardwareIds)                                           \
    static const KELAB_BUILTIN_DRIVER_ENTRY KeLabBuiltinDriver_##driverEntry                       \
        __attribute__((section(".kdrivers"), used, aligned(8))) = {name, driverEntry, 0, NULL,     \
                                                                   hardwareIds}

/*
 * KeLab addition: a command of the shell on the serial console
 * (kernel/kd/shell.c), registered where it belongs with one line:
 *
 *     KD_COMMAND(timer, "<us> [count]", "send requests to the timer device", TimerCommand);
 *
 * Its handler receives the words typed, the command's name first.
 */
typedef VOID (*PKD_COMMAND_HANDLER)(ULONG Argc, PCSTR Argv[]);

typedef struct _KD_COMMAND_ENTRY {
    PCSTR Name;
    PCSTR Usage; /* the arguments, e.g. "[code]"; "" for none */
    PCSTR Help;
    PKD_COMMAND_HANDLER Handler;
} KD_COMMAND_ENTRY;

#define KD_COMMAND(name, usage, help, handler)                                                     \
    static const KD_COMMAND_ENTRY KdCommand_##name                                                 \
        __attribute__((section(".kshell"), used, aligned(8))) = {#name, usage, help, handler}

/* Parses a command's number argument, decimal or 0x-prefixed hex, that
   must lie from Minimum to Maximum. On failure it says what is wrong,
   naming the argument as the command's usage does, and returns FALSE:
     "timer: count 'x' is not a number (decimal, or hex with 0x)"
     "timer: count 17 is out of range: 1 to 16" */
BOOLEAN KdParseNumber(PCSTR Command, PCSTR Argument, PCSTR Text, ULONG64 Minimum, ULONG64 Maximum,
                      ULONG64 *Value);

#endif
