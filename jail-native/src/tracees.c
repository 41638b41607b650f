#include "tracees.h"

#include <stdlib.h>

/* An open-addressing hash table with linear probing, kept at most half full. */

#define INITIAL_CAPACITY 256

static size_t slot_of(const struct tracee_table *table, pid_t tid)
{
    /* Multiplicative hashing spreads consecutive thread ids over the table. */
    return ((size_t)(unsigned int)tid * 2654435761u) & (table->capacity - 1);
}

int tracees_init(struct tracee_table *table)
{
    table->slots = calloc(INITIAL_CAPACITY, sizeof(*table->slots));
    table->capacity = INITIAL_CAPACITY;
    table->count = 0;
    return table->slots == NULL ? -1 : 0;
}

struct tracee *tracees_find(struct tracee_table *table, pid_t tid)
{
    for (size_t i = slot_of(table, tid);; i = (i + 1) & (table->capacity - 1)) {
        if (table->slots[i].tid == tid) {
            return &table->slots[i];
        }
        if (table->slots[i].tid == 0) {
            return NULL;
        }
    }
}

static void insert(struct tracee_table *table, const struct tracee *entry)
{
    size_t i = slot_of(table, entry->tid);
    while (table->slots[i].tid != 0) {
        i = (i + 1) & (table->capacity - 1);
    }
    table->slots[i] = *entry;
    table->count++;
}

static int grow(struct tracee_table *table)
{
    struct tracee_table grown = {
        .slots = calloc(table->capacity * 2, sizeof(*table->slots)),
        .capacity = table->capacity * 2,
        .count = 0,
    };
    if (grown.slots == NULL) {
        return -1;
    }
    for (size_t i = 0; i < table->capacity; i++) {
        if (table->slots[i].tid != 0) {
            insert(&grown, &table->slots[i]);
        }
    }
    free(table->slots);
    *table = grown;
    return 0;
}

struct tracee *tracees_add(struct tracee_table *table, pid_t tid, pid_t tgid)
{
    struct tracee *existing = tracees_find(table, tid);
    if (existing != NULL) {
        return existing;
    }
    if ((table->count + 1) * 2 > table->capacity && grow(table) != 0) {
        return NULL;
    }
    struct tracee entry = {
        .tid = tid, .tgid = tgid, .fork_reserved = false, .unreadable_logged = false};
    insert(table, &entry);
    return tracees_find(table, tid);
}

/* Removes with backward shifting, so that probe sequences stay unbroken without tombstones. */
void tracees_remove(struct tracee_table *table, pid_t tid)
{
    size_t mask = table->capacity - 1;
    size_t hole = slot_of(table, tid);
    while (table->slots[hole].tid != tid) {
        if (table->slots[hole].tid == 0) {
            return;
        }
        hole = (hole + 1) & mask;
    }
    table->slots[hole].tid = 0;
    table->count--;
    for (size_t i = (hole + 1) & mask; table->slots[i].tid != 0; i = (i + 1) & mask) {
        size_t home = slot_of(table, table->slots[i].tid);
        /* The entry may move into the hole if the hole lies between its home slot and it. */
        bool movable = hole <= i ? (home <= hole || home > i) : (home <= hole && home > i);
        if (movable) {
            table->slots[hole] = table->slots[i];
            table->slots[i].tid = 0;
            hole = i;
        }
    }
}
