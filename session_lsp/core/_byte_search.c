/* Where a lower-case needle first occurs in bytes read as lower case, without lower-casing them.

A search reads every byte of a session for the query (`search.candidate_lines`). In Python that is
`bytes.lower` of each megabyte and then `bytes.find` of each form of the query: two or three
passes at about 1 GB/s, as long as `check` on a session of big tool results. This looks for the
byte of the needle least likely in a transcript (`memchr`, or both cases of a letter at once,
eight bytes at a time) and compares the rest there, with Python's lock released on big ranges. A
call costs the distance to the match it returns, so a search that takes thousands of lines one
after the other stays linear. `buffer.lower().find(needle, start)` is the reference: a property
test holds this to it on arbitrary input, and the search falls back to it wherever this module
was not built.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* Ranges shorter than this are searched holding the lock: giving it up costs more than they do. */
#define RELEASE_FROM ((Py_ssize_t)1 << 16)

static inline unsigned char
folded(unsigned char byte)
{
    return (byte >= 'A' && byte <= 'Z') ? (unsigned char)(byte | 0x20) : byte;
}

/* How common a byte is in a transcript (higher is more common): JSON's punctuation, spaces,
   the letters of English by frequency, digits; every other byte is rare. */
static unsigned char
commonness(unsigned char byte)
{
    static const char by_frequency[] = "etaoinsrhldcumfpgwybvkxjqz";
    const char *letter;
    if (byte == '"' || byte == ' ' || byte == ':' || byte == ',') return 255;
    if (byte >= '0' && byte <= '9') return 200;
    if (byte == '{' || byte == '}' || byte == '\\' || byte == '_' || byte == '-' || byte == '.'
        || byte == '/')
        return 190;
    if (byte >= 'a' && byte <= 'z') {
        letter = strchr(by_frequency, byte);
        return (unsigned char)(180 - 6 * (letter - by_frequency));
    }
    if (byte >= 0x80) return 40; /* UTF-8 of CJK text or emoji: common in some sessions */
    return 10;
}

static int
equal_folded(const unsigned char *at, const unsigned char *needle, Py_ssize_t length)
{
    for (Py_ssize_t k = 0; k < length; k++)
        if (folded(at[k]) != needle[k]) return 0;
    return 1;
}

#define ONES ((uint64_t)0x0101010101010101ULL)
#define HIGHS ((uint64_t)0x8080808080808080ULL)

/* The first byte in [from, end) that reads as `small` once lower-cased, or NULL. A letter is found
   in both cases by one pass (a byte b is `small` or its capital exactly when (b | 0x20) == small),
   eight bytes at a time: the cost is the distance to the byte found, however rare either case. */
static const unsigned char *
find_either_case(const unsigned char *from, const unsigned char *end, unsigned char small)
{
    if (small < 'a' || small > 'z') return memchr(from, small, (size_t)(end - from));
    const uint64_t pattern = ONES * small, fold = ONES * 0x20;
    for (; end - from >= 8; from += 8) {
        uint64_t word;
        memcpy(&word, from, 8);
        uint64_t diff = (word | fold) ^ pattern;
        if ((diff - ONES) & ~diff & HIGHS) break; /* a byte of these eight is `small` */
    }
    for (; from < end; from++)
        if ((*from | 0x20) == small) return from;
    return NULL;
}

/* The first offset >= start of `needle` in `haystack` read as lower case, or -1. The needle holds
   no capital (the caller checked), and start + length <= size. */
static Py_ssize_t
find_folded_in(const unsigned char *haystack, Py_ssize_t size, const unsigned char *needle,
               Py_ssize_t length, Py_ssize_t start)
{
    Py_ssize_t rare = 0;
    for (Py_ssize_t k = 1; k < length; k++)
        if (commonness(needle[k]) < commonness(needle[rare])) rare = k;
    /* The rare byte of a match at s sits at s + rare, for s in [start, size - length]. */
    const unsigned char *from = haystack + start + rare;
    const unsigned char *end = haystack + (size - length) + rare + 1;
    while (from < end) {
        const unsigned char *spot = find_either_case(from, end, needle[rare]);
        if (spot == NULL) return -1;
        if (equal_folded(spot - rare, needle, length)) return (spot - rare) - haystack;
        from = spot + 1;
    }
    return -1;
}

PyObject *
find_folded(PyObject *module, PyObject *const *arguments, Py_ssize_t count)
{
    if (count != 3) {
        PyErr_SetString(PyExc_TypeError, "find_folded takes a buffer, a needle and a start");
        return NULL;
    }
    Py_ssize_t start = PyLong_AsSsize_t(arguments[2]);
    if (start == -1 && PyErr_Occurred()) return NULL;
    Py_buffer haystack, needle;
    if (PyObject_GetBuffer(arguments[0], &haystack, PyBUF_SIMPLE) < 0) return NULL;
    if (PyObject_GetBuffer(arguments[1], &needle, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&haystack);
        return NULL;
    }
    const unsigned char *bytes = haystack.buf, *sought = needle.buf;
    Py_ssize_t size = haystack.len, length = needle.len, found = -1;
    if (start < 0) start = start + size < 0 ? 0 : start + size; /* as bytes.find reads it */
    int has_capital = 0;
    for (Py_ssize_t k = 0; k < length; k++)
        if (sought[k] >= 'A' && sought[k] <= 'Z') has_capital = 1;
    if (start > size || has_capital || length > size - start)
        found = -1;
    else if (length == 0)
        found = start;
    else if (size - start < RELEASE_FROM)
        found = find_folded_in(bytes, size, sought, length, start);
    else {
        Py_BEGIN_ALLOW_THREADS
        found = find_folded_in(bytes, size, sought, length, start);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&needle);
    PyBuffer_Release(&haystack);
    return PyLong_FromSsize_t(found);
}
