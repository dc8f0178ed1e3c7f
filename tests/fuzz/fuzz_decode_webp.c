/*
 * fuzz_decode_webp.c - libFuzzer target for dedup's WebP decoder entry point
 * (see fuzz_decode.h: input prefixed with the WebP magic, decoded at full size
 * and shrunk, hashed when it decodes).
 */
#include "tests/fuzz/fuzz_decode.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static const unsigned char magic[] = {'R', 'I', 'F', 'F'};
    return fuzz_decode_with_magic(data, size, magic, sizeof magic);
}
