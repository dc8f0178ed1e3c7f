/*
 * crawl_lock.c - one crawl per catalog at a time.
 *
 * Two crawls of one catalog would each keep their own per-host politeness and
 * together be rude to every host. An exclusive, non-blocking flock on
 * CATALOG_PATH.crawl-lock says "a crawl runs here"; `crawl --worker`s, which
 * share the hosts through leases, take it shared: they keep a plain crawl
 * out, not each other. flock locks belong to the
 * open file description, so the kernel drops the lock when the process dies,
 * even by SIGKILL: a killed crawl never leaves a stale lock behind. The file
 * itself stays (empty); its presence means nothing.
 */
#include "pipeline/pipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define CRAWL_LOCK_PATH_MAX 4096 /* PATH_MAX on Linux */

struct pipeline_crawl_lock {
    int fd;
};

int pipeline_crawl_lock_acquire(const char *catalog_path, int shared, pipeline_crawl_lock **out,
                                cs_error *err)
{
    *out = NULL;
    char path[CRAWL_LOCK_PATH_MAX];
    snprintf(path, sizeof path, "%s.crawl-lock", catalog_path);
    pipeline_crawl_lock *lock = malloc(sizeof *lock);
    if (!lock) return cs_error_set(err, CS_ENOMEM, "out of memory");
    lock->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock->fd < 0) {
        int rc = cs_error_set(err, CS_EIO, "%s: %s", path, strerror(errno));
        free(lock);
        return rc;
    }
    if (flock(lock->fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
        int rc = cs_error_set(err, CS_EIO, "another crawl is running on %s (%s is locked%s)",
                              catalog_path, path, shared ? " by a crawl without --worker" : "");
        close(lock->fd);
        free(lock);
        return rc;
    }
    *out = lock;
    return CS_OK;
}

void pipeline_crawl_lock_release(pipeline_crawl_lock *lock)
{
    if (!lock) return;
    close(lock->fd); /* closing the only descriptor drops the flock */
    free(lock);
}
