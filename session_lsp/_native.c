/* session_lsp._native: the optional C functions, each written beside the Python it replaces.

- `utf8_of_string` (`lsp/_json_string.c`): a didOpen's text unescaped in one pass (`lsp/opening.py`).
- `lines_holding` (`core/_byte_search.c`): the lines that hold every piece of a query, read as
  lower case (`core/search.py`).
- `newline_offsets` (`core/_newline_offsets.c`): where a buffer's lines start and end
  (`core/line_views.py`).

pip builds this module where it finds a C compiler; elsewhere the same work is done in Python.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>

PyObject *utf8_of_string(PyObject *module, PyObject *argument);
PyObject *lines_holding(PyObject *module, PyObject *const *arguments, Py_ssize_t count);
PyObject *newline_offsets(PyObject *module, PyObject *const *arguments, Py_ssize_t count);

static PyMethodDef methods[] = {
    {"utf8_of_string", utf8_of_string, METH_O,
     "utf8_of_string(inside, /)\n--\n\n"
     "The UTF-8 bytes of the JSON string whose inside (no quotes) is `inside`; None when it is "
     "no such inside or holds a lone surrogate escape or invalid UTF-8."},
    {"lines_holding", (PyCFunction)(void (*)(void))lines_holding, METH_FASTCALL,
     "lines_holding(buffer, start, stop, pieces, /)\n--\n\n"
     "The numbers (from the first, as the bytes of an `array('q')`) of the newline-separated lines "
     "of `buffer[start:stop]` that hold, read as lower case, a form of every piece: `pieces` is a "
     "tuple of tuples of bytes, the first the anchor scanned for; and how many bytes the scan went "
     "over."},
    {"newline_offsets", (PyCFunction)(void (*)(void))newline_offsets, METH_FASTCALL,
     "newline_offsets(buffer, start, base, /)\n--\n\n"
     "Where each line of `buffer[start:]` that ends with a newline starts and ends (the newline "
     "left out), counted from `base`, as the bytes of two `array('q')`; and where the rest "
     "starts."},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot slots[] = {
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#ifdef Py_mod_gil
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL},
};

static struct PyModuleDef module_definition = {
    PyModuleDef_HEAD_INIT,
    .m_name = "session_lsp._native",
    .m_doc = "The optional C functions: a JSON string unescaped, the lines holding a query, "
             "lines found.",
    .m_size = 0,
    .m_methods = methods,
    .m_slots = slots,
};

PyMODINIT_FUNC
PyInit__native(void)
{
    return PyModuleDef_Init(&module_definition);
}
