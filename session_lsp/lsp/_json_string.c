/* The UTF-8 bytes of a JSON string's inside, in one pass with Python's lock released.

A didOpen carries the transcript as one JSON string; unescaping it in Python takes three passes
over every byte (msgspec's check of the string, the UTF-8 check, `codecs.escape_decode`) with
the lock held. This does the same checks and the same unescaping in one pass, so that a big open
costs about what `check` costs. `opening._unescape` is the reference: a property test holds this
to it on arbitrary input, and the server falls back to it wherever this module was not built.

None (not an exception) for what the reference refuses: a quote or a control character inside,
an escape JSON lacks, a `\u` without four hex digits, a lone surrogate, invalid UTF-8.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define ONES ((uint64_t)0x0101010101010101ULL)

/* The high bit of each byte of `word` equal to `byte` is set (and maybe of others past a set one:
   only whether any is set is read). */
static inline uint64_t
has_byte(uint64_t word, unsigned char byte)
{
    uint64_t diff = word ^ (ONES * byte);
    return (diff - ONES) & ~diff;
}

static int
hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The code unit of the `\uXXXX` escape at in[0..6), or -1 when it is not one. */
static long
code_unit(const unsigned char *in, Py_ssize_t left)
{
    long unit = 0;
    if (left < 6 || in[0] != '\\' || in[1] != 'u') return -1;
    for (int k = 2; k < 6; k++) {
        int digit = hex_value(in[k]);
        if (digit < 0) return -1;
        unit = unit * 16 + digit;
    }
    return unit;
}

static Py_ssize_t
put_code_point(unsigned char *out, long point)
{
    if (point < 0x80) {
        out[0] = (unsigned char)point;
        return 1;
    }
    if (point < 0x800) {
        out[0] = (unsigned char)(0xC0 | (point >> 6));
        out[1] = (unsigned char)(0x80 | (point & 0x3F));
        return 2;
    }
    if (point < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (point >> 12));
        out[1] = (unsigned char)(0x80 | ((point >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (point & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (point >> 18));
    out[1] = (unsigned char)(0x80 | ((point >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((point >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (point & 0x3F));
    return 4;
}

/* The length of the well-formed UTF-8 sequence at in[0..left) (Unicode's table 3-7, as
   Python's strict decoder reads it), or 0 when there is none. */
static Py_ssize_t
utf8_sequence(const unsigned char *in, Py_ssize_t left)
{
    unsigned char lead = in[0];
    unsigned char low = 0x80, high = 0xBF;
    Py_ssize_t length;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    }
    else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) low = 0xA0;
        if (lead == 0xED) high = 0x9F;
    }
    else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) low = 0x90;
        if (lead == 0xF4) high = 0x8F;
    }
    else {
        return 0;
    }
    if (left < length || in[1] < low || in[1] > high) return 0;
    for (Py_ssize_t k = 2; k < length; k++) {
        if (in[k] < 0x80 || in[k] > 0xBF) return 0;
    }
    return length;
}

/* Unescapes in[0..size) into out (at least size bytes: nothing grows); the bytes written, or -1. */
static Py_ssize_t
unescape(const unsigned char *in, Py_ssize_t size, unsigned char *out)
{
    Py_ssize_t i = 0, o = 0;
    while (i < size) {
        Py_ssize_t run = i;
        while (run + 8 <= size) {
            uint64_t word;
            memcpy(&word, in + run, 8);
            if (((word - ONES * 0x20) | word | has_byte(word, '"') | has_byte(word, '\\')) &
                ONES * 0x80) {
                break;
            }
            run += 8;
        }
        while (run < size && in[run] >= 0x20 && in[run] < 0x80 && in[run] != '"' &&
               in[run] != '\\') {
            run++;
        }
        if (run > i) {
            memcpy(out + o, in + i, (size_t)(run - i));
            o += run - i;
            i = run;
            if (i == size) break;
        }
        unsigned char c = in[i];
        if (c >= 0x80) {
            Py_ssize_t length = utf8_sequence(in + i, size - i);
            if (length == 0) return -1;
            memcpy(out + o, in + i, (size_t)length);
            o += length;
            i += length;
            continue;
        }
        if (c != '\\' || i + 1 >= size) return -1; /* a quote, a control character, a lone \ */
        switch (in[i + 1]) {
        case '"': out[o++] = '"'; break;
        case '\\': out[o++] = '\\'; break;
        case '/': out[o++] = '/'; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'u': {
            long unit = code_unit(in + i, size - i);
            if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF)) return -1;
            if (unit >= 0xD800 && unit <= 0xDBFF) {
                long second = code_unit(in + i + 6, size - i - 6);
                if (second < 0xDC00 || second > 0xDFFF) return -1;
                unit = 0x10000 + ((unit - 0xD800) << 10) + (second - 0xDC00);
                i += 6;
            }
            o += put_code_point(out + o, unit);
            i += 6;
            continue;
        }
        default:
            return -1;
        }
        i += 2;
    }
    return o;
}

PyObject *
utf8_of_string(PyObject *module, PyObject *argument)
{
    Py_buffer view;
    if (PyObject_GetBuffer(argument, &view, PyBUF_SIMPLE) < 0) return NULL;
    PyObject *result = PyBytes_FromStringAndSize(NULL, view.len);
    if (result == NULL) {
        PyBuffer_Release(&view);
        return NULL;
    }
    Py_ssize_t written;
    Py_BEGIN_ALLOW_THREADS
    written = unescape((const unsigned char *)view.buf, view.len,
                       (unsigned char *)PyBytes_AS_STRING(result));
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    if (written < 0) {
        Py_DECREF(result);
        Py_RETURN_NONE;
    }
    if (written < PyBytes_GET_SIZE(result) && _PyBytes_Resize(&result, written) < 0) return NULL;
    return result;
}
