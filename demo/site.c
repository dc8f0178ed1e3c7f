/*
 * site.c - where the bundled sample web (demo/site/) is: the source tree's
 * copy, compiled in, unless $CLEARSET_DEMO_SITE names another.
 */
#include "demo/demo.h"

#include <stdlib.h>

#ifndef CLEARSET_DEMO_SITE_DIR
#define CLEARSET_DEMO_SITE_DIR "demo/site"
#endif

const char *demo_site_dir(void)
{
    const char *env = getenv("CLEARSET_DEMO_SITE");
    return env && env[0] ? env : CLEARSET_DEMO_SITE_DIR;
}
