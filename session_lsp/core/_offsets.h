/* A list of 64-bit offsets grown without Python's lock: what the C functions that find lines
   (`_newline_offsets.c`, `_byte_search.c`) hand back as the bytes of an `array('q')`. */
#ifndef SESSION_LSP_OFFSETS_H
#define SESSION_LSP_OFFSETS_H

#include <Python.h>
#include <stdint.h>

typedef struct {
    int64_t *values;
    Py_ssize_t count;
    Py_ssize_t room;
} Offsets;

/* 0, or -1 when out of memory (or the count would overflow). */
static inline int
offsets_add(Offsets *offsets, int64_t value)
{
    if (offsets->count == offsets->room) {
        if (offsets->room > PY_SSIZE_T_MAX / 2 / (Py_ssize_t)sizeof(int64_t)) return -1;
        Py_ssize_t room = offsets->room ? offsets->room * 2 : 4096;
        int64_t *grown = PyMem_RawRealloc(offsets->values, (size_t)room * sizeof(int64_t));
        if (grown == NULL) return -1;
        offsets->values = grown;
        offsets->room = room;
    }
    offsets->values[offsets->count++] = value;
    return 0;
}

/* The offsets as bytes (empty bytes for none: "y#" of NULL would be None). */
static inline const char *
offsets_bytes(const Offsets *offsets)
{
    return offsets->values ? (const char *)offsets->values : "";
}

#endif
