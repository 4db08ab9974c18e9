// models_module.cpp - the part of the Python package `qforge` that reads
// training checkpoints (_qforge_models): qforge.export. It links the models
// library and so LibTorch; qforge.export imports torch first, whose libtorch
// (Debian's python3-torch) is the one libtorch-dev installs, then this
// module. `import qforge` does not load it.
//
// Errors: bad options (target, level, emit, a sample out of range) raise
// ValueError; an unreadable checkpoint raises RuntimeError naming the file;
// an error at an operation of the run's circuit raises ValueError with its
// place and source line.
#include "qforge/models/export.hpp"

#include "errors.hpp"

#include <pybind11/pybind11.h>

#include <string>

namespace py = pybind11;

namespace {

/// `qforge export`'s text for a named target (the CLI writes the same
/// ExportResult::text).
std::string export_checkpoint(const std::string& checkpoint, const std::string& target, const std::string& emit,
                              int sample, int opt, const std::string& coupling_map, const std::string& data_dir) {
  qforge::models::ExportOptions o;
  o.checkpoint = checkpoint;
  o.target = target;
  o.emit = emit;
  o.sample = sample;
  o.level = opt;
  o.coupling_map = coupling_map;
  o.data_dir = data_dir;
  py::gil_scoped_release nogil;
  return qforge::models::export_checkpoint(o).text;
}

}  // namespace

PYBIND11_MODULE(_qforge_models, m) {
  m.doc() = "qforge: training checkpoints (compiled part, links LibTorch)";
  qforge::python::register_located_errors();
  m.def("export", &export_checkpoint, py::arg("checkpoint"), py::arg("target"), py::arg("emit"), py::arg("sample"),
        py::arg("opt"), py::arg("coupling_map"), py::arg("data_dir"));
}
