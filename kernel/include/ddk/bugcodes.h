/*
 * bugcodes.h: the stop codes KeLab raises, with NT's numbers and names.
 * kernel/ke/bugcheck.c holds the table that prints each one's name and a
 * sentence explaining it.
 */
#ifndef KELAB_BUGCODES_H
#define KELAB_BUGCODES_H

#define INVALID_AFFINITY_SET                  0x00000003
#define MAXIMUM_WAIT_OBJECTS_EXCEEDED         0x0000000C
#define THREAD_NOT_MUTEX_OWNER                0x00000011
#define KERNEL_APC_PENDING_DURING_EXIT        0x00000020
#define THREAD_TERMINATE_HELD_MUTEX           0x0000004C
#define ATTEMPTED_SWITCH_FROM_DPC             0x000000B8
#define DRIVER_VERIFIER_DETECTED_VIOLATION    0x000000C4
#define IRQL_NOT_GREATER_OR_EQUAL             0x00000009
#define IRQL_NOT_LESS_OR_EQUAL                0x0000000A
#define SPIN_LOCK_ALREADY_OWNED               0x0000000F
#define SPIN_LOCK_NOT_OWNED                   0x00000010
#define BAD_POOL_HEADER                       0x00000019
#define KMODE_EXCEPTION_NOT_HANDLED           0x0000001E
#define REFERENCE_BY_POINTER                  0x00000018
#define INVALID_KERNEL_HANDLE                 0x00000093
#define PAGE_FAULT_IN_NONPAGED_AREA           0x00000050
#define PFN_LIST_CORRUPT                      0x0000004E
#define TARGET_MDL_TOO_SMALL                  0x00000040
#define INVALID_MDL_RANGE                     0x0000012E
#define UNEXPECTED_KERNEL_MODE_TRAP           0x0000007F
#define NMI_HARDWARE_FAILURE                  0x00000080
#define MANUALLY_INITIATED_CRASH              0x000000E2
#define MACHINE_CHECK_EXCEPTION               0x0000009C
#define ATTEMPTED_WRITE_TO_READONLY_MEMORY    0x000000BE
#define BAD_POOL_CALLER                       0x000000C2
#define TIMER_OR_DPC_INVALID                  0x000000C7
#define IRQL_UNEXPECTED_VALUE                 0x000000C8
#define DRIVER_IRQL_NOT_LESS_OR_EQUAL         0x000000D1
#define DPC_WATCHDOG_VIOLATION                0x00000133
#define ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY 0x000000FC
#define KERNEL_SECURITY_CHECK_FAILURE         0x00000139
#define PHASE0_INITIALIZATION_FAILED          0x00000031
#define INSTALL_MORE_MEMORY                   0x0000007D
#define INCONSISTENT_IRP                      0x0000002A
#define NO_MORE_IRP_STACK_LOCATIONS           0x00000035
#define MULTIPLE_IRP_COMPLETE_REQUESTS        0x00000044
#define DRIVER_VERIFIER_IOMANAGER_VIOLATION   0x000000C9
#define PNP_DETECTED_FATAL_ERROR              0x000000CA

#endif
