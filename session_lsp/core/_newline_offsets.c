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

#include "_offsets.h"

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
        result = Py_BuildValue(
            "(y#y#n)", offsets_bytes(&starts),
            starts.count * (Py_ssize_t)sizeof(int64_t),
            offsets_bytes(&ends), ends.count * (Py_ssize_t)sizeof(int64_t),
            rest);
    PyMem_RawFree(starts.values);
    PyMem_RawFree(ends.values);
    return result;
}
