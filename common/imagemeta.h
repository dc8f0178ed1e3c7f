/*
 * imagemeta.h - the one reader of the metadata blocks inside image files:
 * JPEG APP segments, PNG chunks, WebP RIFF chunks, and the TIFF IFDs that
 * EXIF is made of.
 *
 * It lives in common/ because dedup/ (EXIF orientation) and license/ (rights
 * fields, XMP, IPTC, C2PA) read the same blocks, and neither pure library may
 * depend on the other. It finds and bounds blocks; what a block means is the
 * caller's business (no XML, no zlib, no field semantics here).
 *
 * Promise: the input is untrusted bytes, pointer plus length; nothing reads
 * outside them, whatever they hold. Every block handed out lies inside the
 * input. Nothing allocates, prints or keeps global state: a reader is a small
 * struct on the caller's stack, safe on distinct objects from any thread.
 * Malformed structure ends the walk quietly (a broken metadata block must not
 * make a good image unreadable); only cs_*_open refuse input outright.
 */
#ifndef CLEARSET_COMMON_IMAGEMETA_H
#define CLEARSET_COMMON_IMAGEMETA_H

#include "common/common.h"

#include <stddef.h>
#include <stdint.h>

typedef enum cs_image_format {
    CS_IMAGE_UNKNOWN = 0,
    CS_IMAGE_JPEG,
    CS_IMAGE_PNG,
    CS_IMAGE_WEBP,
} cs_image_format;

/* Byte-order reads of the formats here, for their readers (p must hold the bytes). */
unsigned cs_be16(const unsigned char *p);
uint32_t cs_be32(const unsigned char *p);
unsigned cs_le16(const unsigned char *p);
uint32_t cs_le32(const unsigned char *p);

/* The container by its magic number (JPEG SOI+marker, PNG signature, RIFF....WEBP). */
cs_image_format cs_image_sniff(const unsigned char *bytes, size_t len);

/* What a block holds, as far as its container says (data points past the signatures named). */
typedef enum cs_meta_kind {
    CS_META_OTHER = 0,    /* any other segment or chunk */
    CS_META_EXIF,         /* a TIFF header and IFDs: APP1 after "Exif\0\0", PNG eXIf, WebP
                             "EXIF" (an "Exif\0\0" prefix some writers keep is dropped) */
    CS_META_XMP,          /* one XMP packet: APP1 after "http://ns.adobe.com/xap/1.0/\0",
                             WebP "XMP " */
    CS_META_XMP_EXTENDED, /* APP1 after "http://ns.adobe.com/xmp/extension/\0": GUID, total
                             length, offset, data (XMP part 3, 1.1.3.1) */
    CS_META_PHOTOSHOP,    /* APP13 after "Photoshop 3.0\0": 8BIM resources, possibly continued
                             in the next APP13 */
    CS_META_JUMBF,        /* C2PA: a whole APP11 segment, PNG caBX, WebP "C2PA" */
    CS_META_PNG_TEXT,     /* PNG tEXt, zTXt, iTXt (see cs_meta_png_text) */
} cs_meta_kind;

typedef struct cs_meta_block {
    cs_meta_kind kind;
    unsigned marker; /* JPEG marker (0xE1 for APP1, ...); 0 in PNG and WebP */
    char type[5];    /* PNG chunk type or RIFF FourCC, NUL-terminated; "" in JPEG */
    const unsigned char *data;
    size_t len;
} cs_meta_block;

/* Segments or chunks read at most per file; a real file has a few dozen. */
#define CS_META_MAX_BLOCKS 65536

/*
 * Walks the blocks of one file: JPEG segments up to the first SOS or EOI (no
 * metadata follows the scan), PNG chunks up to IEND, RIFF chunks up to the
 * RIFF size. Fill the struct with cs_meta_open; the fields are private.
 */
typedef struct cs_meta_reader {
    const unsigned char *bytes;
    size_t len;
    size_t pos;
    size_t end;
    uint64_t riff_end;
    size_t blocks;
    cs_image_format format;
    int status;
} cs_meta_reader;

/* Starts a walk over bytes; CS_EUNSUPPORTED unless they are JPEG, PNG or WebP. */
int cs_meta_open(cs_meta_reader *reader, const unsigned char *bytes, size_t len);
/* The next block in *block: 1, or 0 at the end (or where the structure breaks). */
int cs_meta_next(cs_meta_reader *reader, cs_meta_block *block);
/*
 * Why the walk ended, once cs_meta_next has returned 0: CS_OK at the end the
 * format defines (JPEG SOS or EOI, PNG IEND, the RIFF size), CS_ENOTFOUND
 * when the input stops first (more bytes would go on: a download in
 * progress), CS_EFORMAT for bytes that break the structure, CS_ELIMIT past
 * CS_META_MAX_BLOCKS.
 */
int cs_meta_status(const cs_meta_reader *reader);
/*
 * Where the walk stopped, once it ended with CS_OK: the offset of the JPEG
 * SOS or EOI marker, of the PNG IEND chunk, or the RIFF size's end. What
 * follows there (a JPEG's scan data) is the caller's to read.
 */
size_t cs_meta_stop_offset(const cs_meta_reader *reader);

#define CS_PNG_KEYWORD_MAX 80 /* 1-79 bytes and a NUL (PNG 11.3.4.2) */

/* A PNG text chunk's parts; text is zlib data when compressed. */
typedef struct cs_png_text {
    char keyword[CS_PNG_KEYWORD_MAX];
    int compressed; /* zTXt, or iTXt with its compression flag set */
    const unsigned char *text;
    size_t len;
} cs_png_text;

/* Splits a CS_META_PNG_TEXT block (iTXt's language and translated keyword skipped).
 * CS_EFORMAT when the chunk is malformed, CS_EINVAL for another kind of block. */
int cs_meta_png_text(const cs_meta_block *block, cs_png_text *out);

/* One chunk of extended XMP: which packet (GUID), its full length, where this part goes. */
typedef struct cs_xmp_extended {
    char guid[33]; /* 32 characters as written (hex digits in a valid file) and a NUL */
    uint32_t total;
    uint32_t offset;
    const unsigned char *data;
    size_t len;
} cs_xmp_extended;

/* Splits a CS_META_XMP_EXTENDED block; CS_EFORMAT when shorter than its 40-byte header,
 * CS_EINVAL for another kind of block. The offset and length are not checked. */
int cs_meta_xmp_extended(const cs_meta_block *block, cs_xmp_extended *out);

/* ---- TIFF IFDs (EXIF) -------------------------------------------------- */

/* IFD entries read at most: IFD0 of real files has a few dozen; more is garbage. */
#define CS_TIFF_MAX_ENTRIES 1024

enum {
    CS_TIFF_BYTE = 1,
    CS_TIFF_ASCII = 2,
    CS_TIFF_SHORT = 3,
    CS_TIFF_LONG = 4,
    CS_TIFF_UNDEFINED = 7,
};

/* A walk over IFD0's entries; fill with cs_tiff_open, fields private. */
typedef struct cs_tiff {
    const unsigned char *bytes;
    size_t len;
    int little;
    size_t next;    /* offset of the next entry */
    unsigned count; /* entries left */
} cs_tiff;

/*
 * One IFD entry. value points at count items of type (in the entry itself
 * when they fit in four bytes, else at the offset it holds) and value_len is
 * their size in bytes; value is NULL when that lies outside the input or the
 * type is unknown.
 */
typedef struct cs_tiff_entry {
    unsigned tag;
    unsigned type;
    uint32_t count;
    const unsigned char *value;
    size_t value_len;
} cs_tiff_entry;

/*
 * Starts a walk over IFD0 of a TIFF structure ("II*\0" or "MM\0*" header; an
 * "Exif\0\0" prefix is skipped). CS_EFORMAT for another header, an IFD0
 * offset outside the input or inside the header, or more than
 * CS_TIFF_MAX_ENTRIES entries.
 */
int cs_tiff_open(cs_tiff *tiff, const unsigned char *bytes, size_t len);
/* The next entry: 1, or 0 at the end of IFD0 (or of the input). */
int cs_tiff_next(cs_tiff *tiff, cs_tiff_entry *entry);
/* A 16-bit value in the structure's byte order (p inside the value of an entry). */
unsigned cs_tiff_u16(const cs_tiff *tiff, const unsigned char *p);

#endif
