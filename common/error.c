/*
 * error.c - the cs_error record and the names of status codes.
 *
 * Library code reports failures by returning a CS_E* code and, for people,
 * a one-line message in a caller-owned cs_error. Messages are truncated to
 * CS_ERROR_MESSAGE_MAX - 1 bytes rather than allocated.
 */
#include "common/common.h"

#include <stdio.h>
#include <string.h>

int cs_error_set(cs_error *err, int code, const char *fmt, ...)
{
    if (err == NULL) return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

void cs_error_clear(cs_error *err)
{
    if (err == NULL) return;
    err->code = CS_OK;
    err->message[0] = '\0';
}

const char *cs_strerror(int code)
{
    switch (code) {
    case CS_OK:
        return "success";
    case CS_EINVAL:
        return "bad argument";
    case CS_ENOMEM:
        return "out of memory";
    case CS_EIO:
        return "input/output error";
    case CS_EFORMAT:
        return "malformed input";
    case CS_ELIMIT:
        return "limit exceeded";
    case CS_ENOTFOUND:
        return "not found";
    case CS_EDB:
        return "catalog error";
    case CS_EVERSION:
        return "newer version";
    case CS_ENET:
        return "network error";
    case CS_EDENIED:
        return "refused";
    case CS_EUNSUPPORTED:
        return "unsupported";
    case CS_ECORRUPT:
        return "corrupt data";
    case CS_EEXIST:
        return "already exists";
    case CS_ECONFLICT:
        return "transient conflict with another writer (rolled back; try again)";
    default:
        return "unknown error";
    }
}
