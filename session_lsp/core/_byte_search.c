/* The lines of a buffer that may hold a query, found without lower-casing the bytes.

A search reads every byte of a session for the query (`search.candidate_lines`). In Python that is
`bytes.lower` of each megabyte and then `bytes.find` of each form of the query: two or three
passes at about 1 GB/s, as long as `check` on a session of big tool results, and then a few
steps of Python for each line that holds it (330 ms for a word on every result of 70,000 calls).
Here each form is looked for at its byte least likely in a transcript (`memchr`, or both cases of
a letter at once, eight bytes at a time) and compared there, and the lines are counted and checked
for the query's other pieces, all with Python's lock released on big ranges. A form costs the
distance to the match it returns, and a line taken resumes the scan at the next, so a search that
takes thousands of lines one after the other stays linear. `candidate_lines` in Python is the
reference: a property test holds this to it on arbitrary input, and the search falls back to it
wherever this module was not built.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "_offsets.h"

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

/* One form of a piece of the query, as `lines_holding` searches for it. */
typedef struct {
    const unsigned char *bytes;
    Py_ssize_t length;
    int has_capital; /* never found: the buffer is read as lower case */
} Form;

/* The first offset >= start of `form` in haystack[0:size) read as lower case, or -1. */
static Py_ssize_t
find_form(const unsigned char *haystack, Py_ssize_t size, const Form *form, Py_ssize_t start)
{
    if (start > size || form->has_capital || form->length > size - start) return -1;
    if (form->length == 0) return start;
    return find_folded_in(haystack, size, form->bytes, form->length, start);
}

#define NONE_LEFT ((Py_ssize_t)-1)
#define NOT_LOOKED_FOR ((Py_ssize_t)-2)

/* `search.candidate_lines` (the Python is the reference): the lines of bytes[start:stop) holding
   a form of every piece, numbered from the first. `pieces[0]` is the anchor, looked for across
   the lines; the others only inside a line the anchor is in. Each anchor form is searched on from
   where it was last found and a line taken resumes the scan at the next, so the cost stays linear
   however many lines hold the query: `scanned` adds up the bytes each step went over, for the
   tests to hold to the size of the buffer. -1 when out of memory. */
static int
scan_lines(const unsigned char *bytes, Py_ssize_t start, Py_ssize_t stop, Form *const *pieces,
           const Py_ssize_t *form_counts, Py_ssize_t piece_count, Py_ssize_t *spots,
           Offsets *found, Py_ssize_t *scanned)
{
    const Form *anchor = pieces[0];
    Py_ssize_t anchor_forms = form_counts[0];
    for (Py_ssize_t k = 0; k < anchor_forms; k++) spots[k] = NOT_LOOKED_FOR;
    int64_t line_number = 0;
    Py_ssize_t line_start = start;
    for (;;) {
        Py_ssize_t position = NONE_LEFT;
        for (Py_ssize_t k = 0; k < anchor_forms; k++) {
            if (spots[k] != NONE_LEFT && spots[k] < line_start) {
                spots[k] = find_form(bytes, stop, &anchor[k], line_start);
                *scanned += (spots[k] == NONE_LEFT ? stop : spots[k]) - line_start;
            }
            if (spots[k] != NONE_LEFT && (position == NONE_LEFT || spots[k] < position))
                position = spots[k];
        }
        if (position == NONE_LEFT || position >= stop) return 0;
        Py_ssize_t begins = position;
        while (begins > line_start && bytes[begins - 1] != '\n') begins--;
        for (Py_ssize_t at = line_start; at < begins; at++) line_number += bytes[at] == '\n';
        const unsigned char *newline = memchr(bytes + position, '\n', (size_t)(stop - position));
        Py_ssize_t end = newline ? newline - bytes : stop;
        *scanned += 2 * (position - line_start) + (end - position); /* back, count, on */
        int holds = 1;
        for (Py_ssize_t piece = 1; piece < piece_count && holds; piece++) {
            holds = 0;
            for (Py_ssize_t k = 0; k < form_counts[piece] && !holds; k++) {
                Py_ssize_t at = find_form(bytes + begins, end - begins, &pieces[piece][k], 0);
                *scanned += at < 0 ? end - begins : at;
                holds = at >= 0;
            }
        }
        if (holds && offsets_add(found, line_number) < 0) return -1;
        if (end >= stop) return 0;
        line_number++;
        line_start = end + 1;
    }
}

/* The forms of each piece read from a tuple of tuples of bytes; 0, or -1 with an error set. */
static int
read_pieces(PyObject *given, Form ***pieces, Py_ssize_t **form_counts, Py_ssize_t *piece_count,
            Py_ssize_t *most_forms)
{
    if (!PyTuple_Check(given) || PyTuple_GET_SIZE(given) == 0) {
        PyErr_SetString(PyExc_TypeError, "lines_holding: pieces must be a non-empty tuple");
        return -1;
    }
    Py_ssize_t count = PyTuple_GET_SIZE(given);
    *pieces = PyMem_Calloc((size_t)count, sizeof(Form *));
    *form_counts = PyMem_Calloc((size_t)count, sizeof(Py_ssize_t));
    *piece_count = count;
    *most_forms = 1;
    if (*pieces == NULL || *form_counts == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t piece = 0; piece < count; piece++) {
        PyObject *forms = PyTuple_GET_ITEM(given, piece);
        if (!PyTuple_Check(forms) || PyTuple_GET_SIZE(forms) == 0) {
            PyErr_SetString(PyExc_TypeError, "lines_holding: each piece must be a non-empty tuple");
            return -1;
        }
        Py_ssize_t form_count = PyTuple_GET_SIZE(forms);
        (*pieces)[piece] = PyMem_Calloc((size_t)form_count, sizeof(Form));
        if ((*pieces)[piece] == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        (*form_counts)[piece] = form_count;
        if (form_count > *most_forms) *most_forms = form_count;
        for (Py_ssize_t k = 0; k < form_count; k++) {
            PyObject *form = PyTuple_GET_ITEM(forms, k);
            if (!PyBytes_Check(form)) {
                PyErr_SetString(PyExc_TypeError, "lines_holding: each form must be bytes");
                return -1;
            }
            Form *read = &(*pieces)[piece][k];
            read->bytes = (const unsigned char *)PyBytes_AS_STRING(form);
            read->length = PyBytes_GET_SIZE(form);
            for (Py_ssize_t at = 0; at < read->length; at++)
                if (read->bytes[at] >= 'A' && read->bytes[at] <= 'Z') read->has_capital = 1;
        }
    }
    return 0;
}

static void
free_pieces(Form **pieces, Py_ssize_t piece_count)
{
    if (pieces != NULL)
        for (Py_ssize_t piece = 0; piece < piece_count; piece++) PyMem_Free(pieces[piece]);
    PyMem_Free(pieces);
}

PyObject *
lines_holding(PyObject *module, PyObject *const *arguments, Py_ssize_t count)
{
    if (count != 4) {
        PyErr_SetString(PyExc_TypeError,
                        "lines_holding takes a buffer, a start, a stop and the pieces");
        return NULL;
    }
    Py_ssize_t start = PyLong_AsSsize_t(arguments[1]);
    if (start == -1 && PyErr_Occurred()) return NULL;
    Py_ssize_t stop = PyLong_AsSsize_t(arguments[2]);
    if (stop == -1 && PyErr_Occurred()) return NULL;
    Form **pieces = NULL;
    Py_ssize_t *form_counts = NULL, piece_count = 0, most_forms = 1, *spots = NULL;
    PyObject *result = NULL;
    Offsets found = {NULL, 0, 0};
    Py_ssize_t scanned = 0;
    int failed;
    Py_buffer buffer;
    if (PyObject_GetBuffer(arguments[0], &buffer, PyBUF_SIMPLE) < 0) return NULL;
    if (start < 0 || stop < start || stop > buffer.len) {
        PyErr_SetString(PyExc_ValueError, "lines_holding: start and stop must lie in the buffer");
        goto done;
    }
    if (read_pieces(arguments[3], &pieces, &form_counts, &piece_count, &most_forms) < 0)
        goto done;
    spots = PyMem_Calloc((size_t)most_forms, sizeof(Py_ssize_t));
    if (spots == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (stop - start < RELEASE_FROM)
        failed = scan_lines(buffer.buf, start, stop, pieces, form_counts, piece_count, spots,
                            &found, &scanned);
    else {
        Py_BEGIN_ALLOW_THREADS
        failed = scan_lines(buffer.buf, start, stop, pieces, form_counts, piece_count, spots,
                            &found, &scanned);
        Py_END_ALLOW_THREADS
    }
    if (failed)
        PyErr_NoMemory();
    else
        result = Py_BuildValue("(y#n)", offsets_bytes(&found),
                               found.count * (Py_ssize_t)sizeof(int64_t), scanned);
done:
    PyMem_RawFree(found.values);
    PyMem_Free(spots);
    free_pieces(pieces, piece_count);
    PyMem_Free(form_counts);
    PyBuffer_Release(&buffer);
    return result;
}
