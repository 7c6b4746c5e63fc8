/*
 * test_list.c: LIST_ENTRY and SINGLE_LIST_ENTRY operations.
 */
#include "ntdef.h"
#include "ktap.h"

typedef struct {
    int Value;
    LIST_ENTRY Links;
} ITEM;

static int ValueAt(PLIST_ENTRY e)
{
    return CONTAINING_RECORD(e, ITEM, Links)->Value;
}

static void test_empty_list(void)
{
    LIST_ENTRY head;
    InitializeListHead(&head);
    CHECK(IsListEmpty(&head));
    CHECK(head.Flink == &head && head.Blink == &head);
}

static void test_insert_and_remove_order(void)
{
    LIST_ENTRY head;
    ITEM items[4] = {{1, {0}}, {2, {0}}, {3, {0}}, {4, {0}}};
    InitializeListHead(&head);
    InsertTailList(&head, &items[1].Links); /* 2 */
    InsertTailList(&head, &items[2].Links); /* 2 3 */
    InsertHeadList(&head, &items[0].Links); /* 1 2 3 */
    InsertTailList(&head, &items[3].Links); /* 1 2 3 4 */
    int expect = 1;
    for (PLIST_ENTRY e = head.Flink; e != &head; e = e->Flink)
        CHECK_EQ(ValueAt(e), expect++);
    CHECK_EQ(ValueAt(RemoveHeadList(&head)), 1);
    CHECK_EQ(ValueAt(RemoveTailList(&head)), 4);
    CHECK(!RemoveEntryList(&items[1].Links)); /* 3 remains: not empty */
    CHECK(RemoveEntryList(&items[2].Links));  /* now empty */
    CHECK(IsListEmpty(&head));
}

static void test_single_list(void)
{
    SINGLE_LIST_ENTRY head = {NULL}, a, b;
    PushEntryList(&head, &a);
    PushEntryList(&head, &b);
    CHECK(PopEntryList(&head) == &b);
    CHECK(PopEntryList(&head) == &a);
    CHECK(PopEntryList(&head) == NULL);
}

static const KTAP_CASE cases[] = {
    KTAP_CASE(test_empty_list),
    KTAP_CASE(test_insert_and_remove_order),
    KTAP_CASE(test_single_list),
};

int main(void)
{
    return KtapMain("lib.list", cases, sizeof(cases) / sizeof(cases[0]));
}
