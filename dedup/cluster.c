/*
 * cluster.c - union-find (disjoint sets) over image positions, with union by
 * size and path halving: near-duplicate pairs go in, clusters come out. Pure
 * memory; the catalog side lives in pipeline/dedup.c and dataset/dedup_store.c.
 */
#include "dedup/dedup_internal.h"

#include <stdlib.h>

struct dedup_clusters {
    size_t n;
    size_t *parent;
    size_t *size;
};

int dedup_clusters_new(size_t n, dedup_clusters **out)
{
    dedup_clusters *c = calloc(1, sizeof(*c));
    if (c) {
        c->parent = malloc(sizeof(size_t) * (n ? n : 1));
        c->size = malloc(sizeof(size_t) * (n ? n : 1));
    }
    if (!c || !c->parent || !c->size) {
        dedup_clusters_free(c);
        *out = NULL;
        return CS_ENOMEM;
    }
    c->n = n;
    for (size_t i = 0; i < n; i++) {
        c->parent[i] = i;
        c->size[i] = 1;
    }
    *out = c;
    return CS_OK;
}

void dedup_clusters_free(dedup_clusters *c)
{
    if (!c) return;
    free(c->parent);
    free(c->size);
    free(c);
}

size_t dedup_clusters_find(dedup_clusters *c, size_t a)
{
    while (c->parent[a] != a) {
        c->parent[a] = c->parent[c->parent[a]];
        a = c->parent[a];
    }
    return a;
}

void dedup_clusters_union(dedup_clusters *c, size_t a, size_t b)
{
    a = dedup_clusters_find(c, a);
    b = dedup_clusters_find(c, b);
    if (a == b) return;
    if (c->size[a] < c->size[b]) {
        size_t t = a;
        a = b;
        b = t;
    }
    c->parent[b] = a;
    c->size[a] += c->size[b];
}
