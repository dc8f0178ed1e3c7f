/*
 * array.c - growing a plain C array of structs one item at a time.
 *
 * Most lists in clearset are a pointer, a count and a capacity in a struct.
 * cs_array_reserve is the one place that grows such a list: capacity doubles
 * (amortised O(1) appends), a maximum count caps what untrusted input can make
 * us allocate, and multiplication overflow is checked.
 */
#include "common/common.h"

#include <stdlib.h>

int cs_array_reserve(void **items, size_t *cap, size_t count, size_t item_size, size_t max_count)
{
    if (max_count && count >= max_count) return CS_ELIMIT;
    if (count < *cap) return CS_OK;
    size_t grown = *cap ? *cap * 2 : 8;
    if (max_count && grown > max_count) grown = max_count;
    if (grown <= count || grown > SIZE_MAX / item_size) return CS_ENOMEM;
    void *bigger = realloc(*items, grown * item_size);
    if (bigger == NULL) return CS_ENOMEM;
    *items = bigger;
    *cap = grown;
    return CS_OK;
}
