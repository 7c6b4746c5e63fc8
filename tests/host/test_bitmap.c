/*
 * test_bitmap.c: RTL_BITMAP, checked against a plain array of booleans.
 */
#include <stdlib.h>
#include "rtl.h"
#include "ktap.h"

#define BITS 1000

static ULONG buffer[(BITS + 31) / 32];
static RTL_BITMAP map;

static void reset(void)
{
    RtlInitializeBitMap(&map, buffer, BITS);
    RtlClearAllBits(&map);
}

static void test_set_clear_test(void)
{
    reset();
    CHECK_EQ(RtlNumberOfSetBits(&map), 0);
    RtlSetBits(&map, 3, 70); /* crosses two ULONG boundaries */
    CHECK(!RtlTestBit(&map, 2));
    CHECK(RtlTestBit(&map, 3));
    CHECK(RtlTestBit(&map, 72));
    CHECK(!RtlTestBit(&map, 73));
    CHECK_EQ(RtlNumberOfSetBits(&map), 70);
    CHECK(RtlAreBitsSet(&map, 3, 70));
    CHECK(!RtlAreBitsSet(&map, 2, 70));
    CHECK(RtlAreBitsClear(&map, 73, BITS - 73));
    CHECK(RtlAreBitsClear(&map, 0, 3));
    CHECK(!RtlAreBitsClear(&map, 0, 4));
    CHECK(!RtlAreBitsClear(&map, 72, 2));
    RtlClearBits(&map, 10, 5);
    CHECK_EQ(RtlNumberOfSetBits(&map), 65);
    CHECK_EQ(RtlNumberOfClearBits(&map), BITS - 65);
    CHECK(!RtlAreBitsClear(&map, BITS - 1, 2)); /* past the end: no */
    RtlSetAllBits(&map);
    CHECK_EQ(RtlNumberOfSetBits(&map), BITS);
}

static void test_find_clear_bits(void)
{
    reset();
    CHECK_EQ(RtlFindClearBits(&map, 10, 0), 0);
    RtlSetBits(&map, 0, 100);
    CHECK_EQ(RtlFindClearBits(&map, 10, 0), 100);
    RtlSetBits(&map, 105, 1); /* a hole of 5 at 100 */
    CHECK_EQ(RtlFindClearBits(&map, 5, 0), 100);
    CHECK_EQ(RtlFindClearBits(&map, 6, 0), 106);
    CHECK_EQ(RtlFindClearBits(&map, 3, 500), 500); /* starts at the hint */
    CHECK_EQ(RtlFindClearBits(&map, 0, 0), RTL_BITMAP_NOT_FOUND);
    CHECK_EQ(RtlFindClearBits(&map, BITS + 1, 0), RTL_BITMAP_NOT_FOUND);
    CHECK_EQ(RtlFindClearBits(&map, 2, BITS + 50), 100); /* a bad hint means 0 */
}

static void test_find_wraps_around(void)
{
    reset();
    RtlSetBits(&map, 500, BITS - 500);
    CHECK_EQ(RtlFindClearBits(&map, 4, 900), 0); /* nothing after the hint: wrap */
    RtlSetAllBits(&map);
    RtlClearBits(&map, BITS - 4, 4);
    CHECK_EQ(RtlFindClearBitsAndSet(&map, 4, 0), BITS - 4); /* the very end */
    CHECK_EQ(RtlFindClearBitsAndSet(&map, 1, 0), RTL_BITMAP_NOT_FOUND);
}

/* Random operations against a reference array of booleans. */
static void test_random_against_reference(void)
{
    static unsigned char ref[BITS];
    reset();
    memset(ref, 0, sizeof(ref));
    srand(1234);
    for (int step = 0; step < 20000; step++) {
        ULONG start = (ULONG)(rand() % BITS);
        ULONG count = (ULONG)(rand() % (BITS - start) % 40);
        int op = rand() % 3;
        if (op == 0) {
            RtlSetBits(&map, start, count);
            memset(ref + start, 1, count);
        } else if (op == 1) {
            RtlClearBits(&map, start, count);
            memset(ref + start, 0, count);
        } else if (count > 0) {
            ULONG found = RtlFindClearBitsAndSet(&map, count, start);
            if (found != RTL_BITMAP_NOT_FOUND) {
                for (ULONG i = found; i < found + count; i++) {
                    if (ref[i]) {
                        CHECK(!"found a run that was not clear");
                        return;
                    }
                }
                memset(ref + found, 1, count);
            }
        }
    }
    ULONG set = 0;
    for (ULONG i = 0; i < BITS; i++) {
        set += ref[i];
        if (RtlTestBit(&map, i) != ref[i]) {
            CHECK_EQ(RtlTestBit(&map, i), ref[i]);
            return;
        }
    }
    CHECK_EQ(RtlNumberOfSetBits(&map), set);
}

static void test_count_bits_in_a_word(void)
{
    CHECK_EQ(RtlNumberOfSetBitsUlongPtr(0), 0);
    CHECK_EQ(RtlNumberOfSetBitsUlongPtr(1), 1);
    CHECK_EQ(RtlNumberOfSetBitsUlongPtr(0x8000000000000001ull), 2);
    CHECK_EQ(RtlNumberOfSetBitsUlongPtr(~0ull), 64);
    CHECK_EQ(RtlNumberOfSetBitsUlongPtr(0xF0F0F0F0ull), 16);
    for (int i = 0; i < 1000; i++) {
        ULONG_PTR v = ((ULONG_PTR)rand() << 33) ^ ((ULONG_PTR)rand() << 7) ^ (ULONG_PTR)rand();
        CHECK_EQ(RtlNumberOfSetBitsUlongPtr(v), __builtin_popcountll(v));
    }
}

static const KTAP_CASE cases[] = {
    KTAP_CASE(test_count_bits_in_a_word),     KTAP_CASE(test_set_clear_test),
    KTAP_CASE(test_find_clear_bits),          KTAP_CASE(test_find_wraps_around),
    KTAP_CASE(test_random_against_reference),
};

int main(void)
{
    return KtapMain("lib.bitmap", cases, sizeof(cases) / sizeof(cases[0]));
}
