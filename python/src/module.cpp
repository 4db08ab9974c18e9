// module.cpp - the compiled part of the Python package `qforge` (_qforge).
//
// The compiler and the executor (check, compile, draw, run) and Circuit, a
// compiled parametric circuit (sim::BatchCircuit) whose forward and backward
// take and return NumPy arrays. The package's QuantumLayer (qforge/layer.py) builds
// its torch.autograd.Function on Circuit: torch tensors reach it as NumPy
// views of the same memory (Tensor.numpy(), torch.from_numpy), so this file
// includes no torch header and does not depend on libtorch's C++ ABI.
//
// Errors: a program that does not compile, or an error located at one of its
// operations, raises ValueError with the diagnostics in their printed form,
// `file:line:col: error: message` with the source line and a caret; bad
// arguments (level, target, observables, array sizes) raise ValueError with
// the runtime's sentence. Simulation runs with the GIL released.
#include "qforge/batch.hpp"
#include "qforge/diagnostics.hpp"
#include "qforge/draw.hpp"
#include "qforge/emit.hpp"
#include "qforge/frontend.hpp"
#include "qforge/pipeline.hpp"
#include "qforge/simulator.hpp"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace py = pybind11;
using namespace qforge;

namespace {

/// The exception type Python sees for a program or argument it cannot take.
struct ProgramError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// OpenQASM text when it contains "OPENQASM" or a newline, else a path (the
/// rule of the C++ QuantumLayerOptions).
bool is_qasm_text(const std::string& s) {
  return s.find("OPENQASM") != std::string::npos || s.find('\n') != std::string::npos;
}

/// The text of a source given as text or as a path.
std::string source_text(const std::string& s) {
  if (is_qasm_text(s)) return s;
  std::ifstream in(s, std::ios::binary);
  if (!in) throw ProgramError("cannot read '" + s + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CompileOptions compile_options(const std::vector<std::string>& include_dirs,
                               const std::map<std::string, std::vector<double>>& bindings) {
  CompileOptions o;
  o.include_dirs = include_dirs;
  o.bindings = bindings;
  return o;
}

/// Parse and lower a source (text or path); the diagnostics go to `diags`.
Circuit lower(const std::string& src, const std::string& name, const CompileOptions& opt, DiagnosticSink& diags) {
  return is_qasm_text(src) ? compile_source(src, name, opt, diags) : compile_file(src, opt, diags);
}

/// lower(), raising ProgramError with every diagnostic when there are errors.
Circuit lower_or_throw(const std::string& src, const std::string& name, const CompileOptions& opt) {
  DiagnosticSink diags;
  Circuit c = lower(src, name, opt, diags);
  if (diags.has_errors()) throw ProgramError(diags.format());
  return c;
}

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "error";
}

/// One diagnostic as Python sees it.
struct PyDiagnostic {
  std::string file, message, severity, source_line, text;
  uint32_t line = 0, col = 0;
};

PyDiagnostic to_py(const Diagnostic& d) {
  PyDiagnostic p;
  p.file = d.loc.file ? *d.loc.file : "";
  p.line = d.loc.line;
  p.col = d.loc.col;
  p.message = d.message;
  p.severity = severity_name(d.severity);
  p.source_line = d.source_line;
  p.text = format_diagnostic(d);
  return p;
}

std::vector<PyDiagnostic> check(const std::string& src, const std::vector<std::string>& include_dirs) {
  DiagnosticSink diags;
  lower(src, "<string>", compile_options(include_dirs, {}), diags);
  std::vector<PyDiagnostic> out;
  for (const Diagnostic& d : diags.all()) out.push_back(to_py(d));
  return out;
}

std::string compile(const std::string& src, int opt, const std::string& target, const std::string& emit,
                    const std::string& coupling_map, const std::vector<std::string>& include_dirs,
                    const std::map<std::string, std::vector<double>>& bindings) {
  if (emit != "qasm3" && emit != "qasm2" && emit != "ir")
    throw ProgramError("emit must be qasm3, qasm2 or ir, got '" + emit + "'");
  Circuit c = lower_or_throw(src, "<string>", compile_options(include_dirs, bindings));
  py::gil_scoped_release nogil;
  CompileResult r = run_pipeline(c, opt, target, coupling_map);
  std::string text = emit == "ir" ? emit_ir(r.circuit) : emit == "qasm2" ? emit_qasm2(r.circuit) : emit_qasm3(r.circuit);
  // Routed output records its layout on the line after the version line, as
  // `qforge compile` writes it.
  if (std::string lc = layout_comment(r); !lc.empty()) {
    std::size_t eol = text.find('\n');
    text.insert(eol == std::string::npos ? text.size() : eol + 1, lc + "\n");
  }
  return text;
}

/// draw_text (width: fold at that many characters, 0: never), draw_svg, or
/// draw_png's bytes.
py::object draw(const std::string& src, const std::string& format, int width, double scale,
                const std::vector<std::string>& include_dirs, const std::map<std::string, std::vector<double>>& bindings) {
  if (format != "text" && format != "svg" && format != "png")
    throw ProgramError("format must be text, svg or png, got '" + format + "'");
  Circuit c = lower_or_throw(src, "<string>", compile_options(include_dirs, bindings));
  if (format == "png") return py::bytes(draw_png(c, scale));
  return py::str(format == "svg" ? draw_svg(c) : draw_text(c, width));
}

template <typename T>
py::array_t<T> to_array(const std::vector<T>& v) {
  py::array_t<T> a(py::ssize_t(v.size()));
  if (!v.empty()) std::memcpy(a.mutable_data(), v.data(), v.size() * sizeof(T));
  return a;
}

py::dict run(const std::string& src, uint64_t shots, uint64_t seed, const std::vector<std::string>& observables,
             bool probabilities, bool statevector, const std::map<std::string, std::vector<double>>& inputs,
             const std::vector<std::string>& include_dirs, int threads) {
  Circuit c = lower_or_throw(src, "<string>", compile_options(include_dirs, inputs));
  sim::RunOptions o;
  o.seed = seed;
  o.threads = threads;
  o.probabilities = probabilities;
  o.statevector = statevector;
  for (const auto& t : observables) o.observables.push_back(sim::parse_observable(t));
  // Nothing asked for: sample, as `qforge run` does.
  o.shots = shots == 0 && !probabilities && !statevector && observables.empty() ? 1024 : shots;
  sim::RunResult r;
  {
    py::gil_scoped_release nogil;
    r = sim::run(c, o);
  }
  py::dict d;
  d["num_qubits"] = r.num_qubits;
  d["shots"] = r.shots;
  d["seed"] = r.seed;
  d["seconds"] = r.seconds;
  d["trajectories"] = r.trajectories;
  py::dict counts;
  for (const auto& [bits, n] : r.counts) counts[py::str(bits)] = n;
  d["counts"] = counts;
  if (probabilities) d["probabilities"] = to_array(r.probabilities);
  if (statevector) d["statevector"] = to_array(r.statevector);
  if (!observables.empty()) {
    d["expectations"] = to_array(r.expectations);
    py::dict named;
    for (std::size_t k = 0; k < observables.size(); ++k) named[py::str(observables[k])] = r.expectations[k];
    d["observables"] = named;
  }
  return d;
}

/// A parametric circuit compiled for batched, differentiable execution.
/// Picklable: its state is the source text and the options, and unpickling
/// compiles again (so a pickled QuantumLayer needs no C++ state).
class PyCircuit {
 public:
  /// observables empty: <Z_q> per qubit, unless `probabilities` (every basis
  /// state's). amplitude > 0: the initial state embeds that many features
  /// per sample (normalised), else |0...0>.
  PyCircuit(std::string source, std::vector<std::string> observables, bool probabilities, unsigned amplitude,
            std::vector<std::string> include_dirs, std::string name)
      : source_(source_text(source)), observables_(std::move(observables)), probabilities_(probabilities),
        amplitude_(amplitude), include_dirs_(std::move(include_dirs)),
        name_(is_qasm_text(source) ? std::move(name) : source) {
    if (probabilities_ && !observables_.empty())
      throw ProgramError("give observables or probabilities, not both");
    ir_ = lower_or_throw(source_, name_, compile_options(include_dirs_, {}));
    sim::BatchOptions bo;
    bo.readout = probabilities_          ? sim::Readout::probabilities()
                 : observables_.empty() ? sim::Readout::expectation_z()
                                        : sim::Readout::paulis(observables_);
    if (amplitude_) bo.initial_state = sim::InitialState::amplitude(amplitude_);
    bc_ = std::make_unique<sim::BatchCircuit>(ir_, bo);
  }

  const std::string& source() const { return source_; }
  const std::string& name() const { return name_; }
  const std::vector<std::string>& observables() const { return observables_; }
  bool probabilities() const { return probabilities_; }
  unsigned amplitude() const { return amplitude_; }
  const std::vector<std::string>& include_dirs() const { return include_dirs_; }
  unsigned num_qubits() const { return bc_->num_qubits(); }
  uint32_t num_symbols() const { return bc_->num_symbols(); }
  std::size_t num_features() const { return bc_->num_features(); }
  std::size_t num_outputs() const { return bc_->num_outputs(); }
  /// OpenMP threads over the batch (BatchOptions::threads; 0: all).
  int threads() const { return threads_; }
  void set_threads(int n) {
    bc_->set_threads(n);
    threads_ = n;
  }

  /// (name, shape, first symbol) of each `input` declaration, in order.
  std::vector<py::tuple> inputs() const {
    std::vector<py::tuple> out;
    for (const InputDecl& d : ir_.inputs)
      out.push_back(py::make_tuple(d.name, std::vector<uint32_t>(d.shape.begin(), d.shape.end()), d.first_symbol));
    return out;
  }

  template <typename FP>
  using Array = py::array_t<FP, py::array::c_style | py::array::forcecast>;

  /// symbols [B, num_symbols] (and features [B, num_features] with an
  /// amplitude embedding) -> (outputs [B, num_outputs], final states [B, 2^n]
  /// complex: the tape of backward; None unless keep_states).
  template <typename FP>
  py::tuple forward(Array<FP> symbols, std::optional<Array<FP>> features, bool keep_states, uint64_t shots,
                    uint64_t seed) const {
    const std::size_t B = batch_of(symbols, features);
    py::array_t<FP> out({py::ssize_t(B), py::ssize_t(bc_->num_outputs())});
    py::object states = py::none();
    sim::Span<std::complex<FP>> tape;
    if (keep_states) {
      py::array_t<std::complex<FP>> st({py::ssize_t(B), py::ssize_t(bc_->state_size())});
      tape = {st.mutable_data(), std::size_t(st.size())};
      states = std::move(st);
    }
    sim::Span<const FP> in(symbols.data(), std::size_t(symbols.size()));
    sim::Span<const FP> f = features ? sim::Span<const FP>(features->data(), std::size_t(features->size()))
                                     : sim::Span<const FP>();
    sim::Span<FP> o(out.mutable_data(), std::size_t(out.size()));
    {
      py::gil_scoped_release nogil;
      bc_->forward<FP>(B, in, f, o, tape, sim::ShotOptions{shots, seed});
    }
    return py::make_tuple(out, states);
  }

  /// The vector-Jacobian product: (dL/dsymbols [B, num_symbols], dL/dfeatures
  /// [B, num_features] or None) from the inputs of forward, its tape (None:
  /// recomputed) and dL/doutputs.
  template <typename FP>
  py::tuple backward(Array<FP> symbols, std::optional<Array<FP>> features, py::object states,
                     Array<FP> grad_outputs, const std::string& method) const {
    const std::size_t B = batch_of(symbols, features);
    sim::GradientMethod m = method == "adjoint" ? sim::GradientMethod::Adjoint
                            : method == "shift" ? sim::GradientMethod::ParameterShift
                                                : throw ProgramError("diff must be 'adjoint' or 'shift', got '" + method + "'");
    sim::Span<const std::complex<FP>> tape;
    py::array_t<std::complex<FP>, py::array::c_style> st;
    if (!states.is_none()) {
      st = py::array_t<std::complex<FP>, py::array::c_style>::ensure(states);
      if (!st) throw ProgramError("states must be the complex array forward returned");
      tape = {st.data(), std::size_t(st.size())};
    }
    py::array_t<FP> grad({py::ssize_t(B), py::ssize_t(bc_->num_symbols())});
    py::object grad_features = py::none();
    sim::Span<FP> gf;
    if (features) {
      py::array_t<FP> a({py::ssize_t(B), py::ssize_t(bc_->num_features())});
      gf = {a.mutable_data(), std::size_t(a.size())};
      grad_features = std::move(a);
    }
    sim::Span<const FP> in(symbols.data(), std::size_t(symbols.size()));
    sim::Span<const FP> f = features ? sim::Span<const FP>(features->data(), std::size_t(features->size()))
                                     : sim::Span<const FP>();
    sim::Span<const FP> g(grad_outputs.data(), std::size_t(grad_outputs.size()));
    sim::Span<FP> gs(grad.mutable_data(), std::size_t(grad.size()));
    {
      py::gil_scoped_release nogil;
      bc_->backward<FP>(B, in, f, tape, g, gs, gf, m);
    }
    return py::make_tuple(grad, grad_features);
  }

  py::tuple state() const {
    return py::make_tuple(source_, observables_, probabilities_, amplitude_, include_dirs_, name_);
  }

 private:
  template <typename A>
  std::size_t batch_of(const A& symbols, const std::optional<A>& features) const {
    if (symbols.ndim() != 2 || std::size_t(symbols.shape(1)) != bc_->num_symbols())
      throw ProgramError("symbols must be [batch, " + std::to_string(bc_->num_symbols()) + "]");
    const std::size_t B = std::size_t(symbols.shape(0));
    if (bc_->num_features() && (!features || features->ndim() != 2 || std::size_t(features->shape(0)) != B ||
                                std::size_t(features->shape(1)) != bc_->num_features()))
      throw ProgramError("features must be [batch, " + std::to_string(bc_->num_features()) + "]");
    if (!bc_->num_features() && features) throw ProgramError("this circuit takes no features");
    return B;
  }

  std::string source_;
  std::vector<std::string> observables_;
  bool probabilities_ = false;
  unsigned amplitude_ = 0;
  int threads_ = 0;
  std::vector<std::string> include_dirs_;
  std::string name_;
  Circuit ir_;
  std::unique_ptr<sim::BatchCircuit> bc_;
};

}  // namespace

PYBIND11_MODULE(_qforge, m) {
  m.doc() = "qforge: the OpenQASM compiler and simulator (compiled part)";

  // LocatedError (an error at an operation) prints with its place and source
  // line; other bad input is a ValueError with the runtime's sentence.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const LocatedError& e) {
      PyErr_SetString(PyExc_ValueError, format_diagnostic(diagnostic_of(e)).c_str());
    } catch (const std::invalid_argument& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });

  py::class_<PyDiagnostic>(m, "Diagnostic", "One error, warning or note of the front end.")
      .def_readonly("file", &PyDiagnostic::file)
      .def_readonly("line", &PyDiagnostic::line, "1-based; 0 when unknown")
      .def_readonly("col", &PyDiagnostic::col, "1-based, in characters; 0 when unknown")
      .def_readonly("message", &PyDiagnostic::message)
      .def_readonly("severity", &PyDiagnostic::severity, "'error', 'warning' or 'note'")
      .def_readonly("source_line", &PyDiagnostic::source_line)
      .def("__str__", [](const PyDiagnostic& d) { return d.text; })
      .def("__repr__", [](const PyDiagnostic& d) {
        return "<Diagnostic " + d.file + ":" + std::to_string(d.line) + ":" + std::to_string(d.col) + ": " +
               d.severity + ": " + d.message + ">";
      });

  m.def("source_text", &source_text, py::arg("source"),
        "The text of a source given as OpenQASM text (returned as it is) or as a path.");
  m.def("check", &check, py::arg("source"), py::arg("include_dirs") = std::vector<std::string>{});
  m.def("compile", &compile, py::arg("source"), py::arg("opt") = 0, py::arg("target") = "generic",
        py::arg("emit") = "qasm3", py::arg("coupling_map") = "", py::arg("include_dirs") = std::vector<std::string>{},
        py::arg("inputs") = std::map<std::string, std::vector<double>>{});
  m.def("draw", &draw, py::arg("source"), py::arg("format") = "text", py::arg("width") = 0, py::arg("scale") = 2.0,
        py::arg("include_dirs") = std::vector<std::string>{},
        py::arg("inputs") = std::map<std::string, std::vector<double>>{});
  m.def("run", &run, py::arg("source"), py::arg("shots") = 0, py::arg("seed") = 0,
        py::arg("observables") = std::vector<std::string>{}, py::arg("probabilities") = false,
        py::arg("statevector") = false, py::arg("inputs") = std::map<std::string, std::vector<double>>{},
        py::arg("include_dirs") = std::vector<std::string>{}, py::arg("threads") = 0);

  py::class_<PyCircuit>(m, "Circuit", "A parametric circuit compiled for batched, differentiable execution.")
      .def(py::init<std::string, std::vector<std::string>, bool, unsigned, std::vector<std::string>, std::string>(),
           py::arg("source"), py::arg("observables") = std::vector<std::string>{}, py::arg("probabilities") = false,
           py::arg("amplitude") = 0, py::arg("include_dirs") = std::vector<std::string>{},
           py::arg("name") = "<string>")
      .def_property_readonly("source", &PyCircuit::source)
      .def_property_readonly("name", &PyCircuit::name)
      .def_property_readonly("observables", &PyCircuit::observables)
      .def_property_readonly("probabilities", &PyCircuit::probabilities)
      .def_property_readonly("amplitude", &PyCircuit::amplitude)
      .def_property_readonly("include_dirs", &PyCircuit::include_dirs)
      .def_property_readonly("num_qubits", &PyCircuit::num_qubits)
      .def_property_readonly("num_symbols", &PyCircuit::num_symbols)
      .def_property_readonly("num_features", &PyCircuit::num_features)
      .def_property_readonly("num_outputs", &PyCircuit::num_outputs)
      .def_property_readonly("inputs", &PyCircuit::inputs)
      .def_property("threads", &PyCircuit::threads, &PyCircuit::set_threads,
                    "OpenMP threads over the batch (0: all); small batches run on one thread anyway")
      .def("forward", &PyCircuit::forward<double>, py::arg("symbols"), py::arg("features") = py::none(),
           py::arg("keep_states") = false, py::arg("shots") = 0, py::arg("seed") = 0)
      .def("forward", &PyCircuit::forward<float>, py::arg("symbols"), py::arg("features") = py::none(),
           py::arg("keep_states") = false, py::arg("shots") = 0, py::arg("seed") = 0)
      .def("backward", &PyCircuit::backward<double>, py::arg("symbols"), py::arg("features"), py::arg("states"),
           py::arg("grad_outputs"), py::arg("method") = "adjoint")
      .def("backward", &PyCircuit::backward<float>, py::arg("symbols"), py::arg("features"), py::arg("states"),
           py::arg("grad_outputs"), py::arg("method") = "adjoint")
      .def(py::pickle([](const PyCircuit& c) { return c.state(); },
                      [](py::tuple t) {
                        if (t.size() != 6) throw std::runtime_error("Circuit: bad pickled state");
                        return PyCircuit(t[0].cast<std::string>(), t[1].cast<std::vector<std::string>>(),
                                         t[2].cast<bool>(), t[3].cast<unsigned>(),
                                         t[4].cast<std::vector<std::string>>(), t[5].cast<std::string>());
                      }));
}
