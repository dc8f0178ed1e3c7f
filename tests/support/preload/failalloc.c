/*
 * failalloc.c - an LD_PRELOAD library for the shell tests: makes one chosen
 * allocation fail, so a test can check that clearset reports running out of
 * memory instead of crashing or printing half an answer.
 *
 * Every malloc of exactly $CLEARSET_FAIL_ALLOC_SIZE bytes (unset or 0: none)
 * returns NULL with ENOMEM; every other one goes to the next malloc in the search order
 * (glibc's, or AddressSanitizer's, which then needs
 * ASAN_OPTIONS=verify_asan_link_order=0). A test picks a size that only its
 * own input produces - a copy of a 7777-byte host name is malloc(7778) - so
 * the failure lands where it aims. Only malloc is replaced: glibc's strdup
 * and strndup call it too, and nothing here allocates.
 *
 * Built without sanitizers (tests/CMakeLists.txt) and never linked into
 * anything: it lives in its own folder so the support/ glob leaves it out.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

/* Read until found: the first mallocs can come before the environment is set up. */
static size_t target_size(void)
{
    static int found;
    static size_t size;
    if (!found) {
        const char *text = getenv("CLEARSET_FAIL_ALLOC_SIZE");
        if (text == NULL) return 0;
        for (; *text >= '0' && *text <= '9'; text++)
            size = size * 10 + (size_t)(*text - '0');
        found = 1;
    }
    return size;
}

void *malloc(size_t n)
{
    static void *(*next_malloc)(size_t);
    if (n != 0 && n == target_size()) {
        errno = ENOMEM;
        return NULL;
    }
    if (next_malloc == NULL) next_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    return next_malloc(n);
}
