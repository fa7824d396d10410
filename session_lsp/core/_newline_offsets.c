/* Where each line of a buffer that ends with a newline starts and ends (`line_views.py`).

Every reading of a file splits it into lines first. In Python that is a `find` and two appends per
line: 140 ms for the 337,000 lines of a 106 MB Codex rollout, about a tenth of `check`. Here it is
`memchr` over the buffer with Python's lock released, the offsets written as 64-bit integers into
memory of its own, handed back as the bytes of an `array('q')`. `newline_offsets` in Python is the
reference: a property test holds this to it, and it runs wherever this module was not built.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* Offsets of one kind (starts, or ends), grown as lines are found, without Python's lock. */
typedef struct {
    int64_t *values;
    Py_ssize_t count;
    Py_ssize_t room;
} Offsets;

static int
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

/* Fills both, from `start`; the start of what follows the last newline, or -1 out of memory. */
static Py_ssize_t
find_lines(const char *bytes, Py_ssize_t size, Py_ssize_t start, int64_t base, Offsets *starts,
           Offsets *ends)
{
    while (start < size) {
        const char *newline = memchr(bytes + start, '\n', (size_t)(size - start));
        if (newline == NULL) break;
        Py_ssize_t end = newline - bytes;
        if (offsets_add(starts, base + start) < 0 || offsets_add(ends, base + end) < 0) return -1;
        start = end + 1;
    }
    return start;
}

PyObject *
newline_offsets(PyObject *module, PyObject *const *arguments, Py_ssize_t count)
{
    if (count != 3) {
        PyErr_SetString(PyExc_TypeError, "newline_offsets takes a buffer, a start and a base");
        return NULL;
    }
    Py_ssize_t start = PyLong_AsSsize_t(arguments[1]);
    if (start == -1 && PyErr_Occurred()) return NULL;
    long long base = PyLong_AsLongLong(arguments[2]);
    if (base == -1 && PyErr_Occurred()) return NULL;
    if (start < 0) {
        PyErr_SetString(PyExc_ValueError, "newline_offsets: a start below 0");
        return NULL;
    }
    Py_buffer buffer;
    if (PyObject_GetBuffer(arguments[0], &buffer, PyBUF_SIMPLE) < 0) return NULL;
    Offsets starts = {NULL, 0, 0}, ends = {NULL, 0, 0};
    Py_ssize_t rest;
    Py_BEGIN_ALLOW_THREADS
    rest = find_lines(buffer.buf, buffer.len, start, (int64_t)base, &starts, &ends);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&buffer);
    PyObject *result = NULL;
    if (rest < 0)
        PyErr_NoMemory();
    else
        /* An empty "y#" from NULL would be None: no line found hands back empty bytes. */
        result = Py_BuildValue(
            "(y#y#n)", starts.values ? (const char *)starts.values : "",
            starts.count * (Py_ssize_t)sizeof(int64_t),
            ends.values ? (const char *)ends.values : "", ends.count * (Py_ssize_t)sizeof(int64_t),
            rest);
    PyMem_RawFree(starts.values);
    PyMem_RawFree(ends.values);
    return result;
}
