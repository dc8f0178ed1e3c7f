/*
 * array.c - growing a plain C array of structs.
 *
 * Most lists in clearset are a pointer, a count and a capacity in a struct.
 * cs_array_grow is the one place that grows such a list (cs_array_reserve is
 * its one-item-at-a-time form): capacity doubles (amortised O(1) appends), a
 * maximum count caps what untrusted input can make us allocate, and
 * multiplication overflow is checked.
 */
#include "common/common.h"

#include <stdlib.h>

int cs_array_grow(void **items, size_t *cap, size_t needed, size_t item_size, size_t max_count)
{
    if (max_count && needed > max_count) return CS_ELIMIT;
    if (needed <= *cap) return CS_OK;
    size_t grown = *cap ? *cap : 8;
    while (grown < needed && grown <= SIZE_MAX / 2)
        grown *= 2;
    if (grown < needed) grown = needed;
    if (max_count && grown > max_count) grown = max_count;
    if (grown > SIZE_MAX / item_size) return CS_ENOMEM;
    void *bigger = realloc(*items, grown * item_size);
    if (bigger == NULL) return CS_ENOMEM;
    *items = bigger;
    *cap = grown;
    return CS_OK;
}

int cs_array_reserve(void **items, size_t *cap, size_t count, size_t item_size, size_t max_count)
{
    if (max_count && count >= max_count) return CS_ELIMIT;
    if (count == SIZE_MAX) return CS_ENOMEM;
    return cs_array_grow(items, cap, count + 1, item_size, max_count);
}
