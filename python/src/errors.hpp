// errors.hpp - how the extensions of the Python package raise the project's
// errors: a LocatedError (an error at an operation of a program) as
// ValueError with its place and source line, `file:line:col: error:
// message`, as `qforge check` prints it. pybind11 itself raises
// std::invalid_argument as ValueError and other std::exceptions as
// RuntimeError.
#pragma once

#include "qforge/diagnostics.hpp"

#include <pybind11/pybind11.h>

namespace qforge::python {

inline void register_located_errors() {
  pybind11::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const LocatedError& e) {
      PyErr_SetString(PyExc_ValueError, format_diagnostic(diagnostic_of(e)).c_str());
    }
  });
}

}  // namespace qforge::python
