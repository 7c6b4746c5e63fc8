/*
 * object_test.c: references, handles, and the object manager's checks.
 */
#include "ktest.h"
#include "ob.h"

static VOID Nothing(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
}

KTEST(object, handles_reference_threads_until_closed)
{
    HANDLE handle;
    KT_ASSERT_EQ(PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, Nothing, NULL),
                 STATUS_SUCCESS);
    KT_EXPECT_LT((LONG_PTR)handle, 0); /* kernel handles read as negative */
    PVOID thread;
    KT_ASSERT_EQ(
        ObReferenceObjectByHandle(handle, SYNCHRONIZE, *PsThreadType, KernelMode, &thread, NULL),
        STATUS_SUCCESS);
    KT_EXPECT_EQ(ObGetObjectType(thread), *PsThreadType);
    KT_EXPECT_GE(OBJECT_TO_OBJECT_HEADER(thread)->PointerCount, 2);
    KT_EXPECT_EQ(OBJECT_TO_OBJECT_HEADER(thread)->HandleCount, 1);
    KeWaitForSingleObject(thread, Executive, KernelMode, FALSE, NULL);
    KT_EXPECT_EQ(ZwClose(handle), STATUS_SUCCESS);
    KT_EXPECT_EQ(OBJECT_TO_OBJECT_HEADER(thread)->HandleCount, 0);
    ObDereferenceObject(thread); /* the last: the thread object goes */
}

KTEST(object, bad_handles_are_refused)
{
    PVOID object;
    KT_EXPECT_EQ(ObReferenceObjectByHandle((HANDLE)0x1234, 0, NULL, KernelMode, &object, NULL),
                 STATUS_INVALID_HANDLE);
    HANDLE handle;
    KT_ASSERT_EQ(PsCreateSystemThread(&handle, SYNCHRONIZE, NULL, NULL, NULL, Nothing, NULL),
                 STATUS_SUCCESS);
    static OBJECT_TYPE other = {"Other", 'rhtO', NULL, 0};
    KT_EXPECT_EQ(ObReferenceObjectByHandle(handle, SYNCHRONIZE, &other, KernelMode, &object, NULL),
                 STATUS_OBJECT_TYPE_MISMATCH);
    KT_EXPECT_EQ(
        ObReferenceObjectByHandle(handle, THREAD_ALL_ACCESS, NULL, KernelMode, &object, NULL),
        STATUS_ACCESS_DENIED); /* it was opened for SYNCHRONIZE only */
    KT_ASSERT_EQ(ObReferenceObjectByHandle(handle, SYNCHRONIZE, NULL, KernelMode, &object, NULL),
                 STATUS_SUCCESS);
    KeWaitForSingleObject(object, Executive, KernelMode, FALSE, NULL);
    ZwClose(handle);
    ObDereferenceObject(object);
}

KTEST_DEATH(object, closing_a_handle_twice, INVALID_KERNEL_HANDLE, KT_ANY, 1, 0, 0)
{
    HANDLE handle;
    PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, Nothing, NULL);
    ZwClose(handle);
    ZwClose(handle);
}

/* ---- running out of memory ---- */

#define EXHAUST_TAG 'hxEO'

/* Takes every page the pool can get, one 4000-byte block per page, chained
   through their first bytes; returns the chain. */
static PVOID *ExhaustPool(VOID)
{
    PVOID *chain = NULL;
    PVOID *block;
    while ((block = ExAllocatePoolWithTag(NonPagedPool, 4000, EXHAUST_TAG)) != NULL) {
        *block = chain;
        chain = block;
    }
    return chain;
}

static PVOID *FreeSome(PVOID *Chain, ULONG Count)
{
    while (Chain != NULL && Count-- > 0) {
        PVOID *next = *Chain;
        ExFreePoolWithTag(Chain, EXHAUST_TAG);
        Chain = next;
    }
    return Chain;
}

/* With room for the thread object but not for its stack, creation fails
   with STATUS_INSUFFICIENT_RESOURCES and leaves no object behind. */
KTEST(object, thread_creation_fails_cleanly_without_memory)
{
    LONG threads = (*PsThreadType)->ObjectCount;
    PVOID *chain = FreeSome(ExhaustPool(), 2); /* two pages: an object, not a stack */
    HANDLE handle = NULL;
    NTSTATUS status =
        PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, Nothing, NULL);
    FreeSome(chain, 0xFFFFFFFF);
    KT_EXPECT_EQ(status, STATUS_INSUFFICIENT_RESOURCES);
    KT_EXPECT_EQ((*PsThreadType)->ObjectCount, threads);
}
