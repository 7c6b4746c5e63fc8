/*
 * spinlock_test.c: spin locks raise to DISPATCH_LEVEL and know their owner.
 */
#include "ktest.h"
#include "ke.h"

KTEST(spinlock, acquire_raises_to_dispatch_level)
{
    KSPIN_LOCK lock;
    KIRQL old;
    KeInitializeSpinLock(&lock);
    KT_EXPECT_TRUE(KeTestSpinLock(&lock));
    KeAcquireSpinLock(&lock, &old);
    KT_EXPECT_EQ(old, PASSIVE_LEVEL);
    KT_EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    KT_EXPECT_FALSE(KeTestSpinLock(&lock));
    KeReleaseSpinLock(&lock, old);
    KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    KT_EXPECT_TRUE(KeTestSpinLock(&lock));
}

KTEST(spinlock, at_dpc_level_variants_keep_irql)
{
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    KeAcquireSpinLockAtDpcLevel(&lock);
    KT_EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    KeReleaseSpinLockFromDpcLevel(&lock);
    KT_EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    KeLowerIrql(old);
}

static KSPIN_LOCK SpinTestLock;

KTEST_DEATH(spinlock, acquire_twice, SPIN_LOCK_ALREADY_OWNED, (ULONG_PTR)&SpinTestLock, KT_ANY, 0,
            0)
{
    KIRQL old;
    KeInitializeSpinLock(&SpinTestLock);
    KeAcquireSpinLock(&SpinTestLock, &old);
    KeAcquireSpinLock(&SpinTestLock, &old);
}

KTEST_DEATH(spinlock, release_not_owned, SPIN_LOCK_NOT_OWNED, (ULONG_PTR)&SpinTestLock, 0, KT_ANY,
            0)
{
    KeInitializeSpinLock(&SpinTestLock);
    KeReleaseSpinLock(&SpinTestLock, PASSIVE_LEVEL);
}

KTEST(spinlock, queued_lock_raises_and_restores)
{
    KSPIN_LOCK lock;
    KLOCK_QUEUE_HANDLE handle;
    KeInitializeSpinLock(&lock);
    KeAcquireInStackQueuedSpinLock(&lock, &handle);
    KT_EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    KT_EXPECT_EQ(handle.OldIrql, PASSIVE_LEVEL);
    KT_EXPECT_EQ(lock.Lock, (ULONG_PTR)&handle.LockQueue); /* we are the queue */
    KeReleaseInStackQueuedSpinLock(&handle);
    KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    KT_EXPECT_EQ(lock.Lock, 0);
}

KTEST(spinlock, named_lock_counts_acquisitions)
{
    static KSPIN_LOCK lock;
    KIRQL old;
    KeInitializeSpinLock(&lock);
    KeLabNameSpinLock(&lock, "TestNamedLock");
    KT_ASSERT_NOT_NULL(lock.Statistics);
    for (ULONG i = 0; i < 10; i++) {
        KeAcquireSpinLock(&lock, &old);
        KeReleaseSpinLock(&lock, old);
    }
    KT_EXPECT_EQ(lock.Statistics->Acquisitions, 10);
    KT_EXPECT_EQ(lock.Statistics->Contentions, 0);
}

KTEST_DEATH(spinlock, queued_acquire_twice, SPIN_LOCK_ALREADY_OWNED, (ULONG_PTR)&SpinTestLock,
            KT_ANY, 0, 0)
{
    KLOCK_QUEUE_HANDLE a, b;
    KeInitializeSpinLock(&SpinTestLock);
    KeAcquireInStackQueuedSpinLock(&SpinTestLock, &a);
    KeAcquireInStackQueuedSpinLock(&SpinTestLock, &b);
}
