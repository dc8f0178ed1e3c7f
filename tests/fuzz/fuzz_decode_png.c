/*
 * fuzz_decode_png.c - libFuzzer target for dedup's PNG decoder entry point
 * (see fuzz_decode.h: input prefixed with the PNG magic, decoded at full size
 * and shrunk, hashed when it decodes).
 */
#include "tests/fuzz/fuzz_decode.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static const unsigned char magic[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    return fuzz_decode_with_magic(data, size, magic, sizeof magic);
}
