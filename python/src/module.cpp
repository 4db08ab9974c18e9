// module.cpp - the compiled part of the Python package `qforge` (_qforge).
//
// The compiler and the executor (check, compile, draw, run) and Circuit, a
// compiled parametric circuit (sim::BatchCircuit) whose forward and backward
// take and return NumPy arrays. The package's QuantumLayer (qforge/layer.py) builds
// its torch.autograd.Function on Circuit's layer_forward and layer_backward,
// which pack the symbols and reduce their gradients as the C++
// qforge::QuantumLayer does (sim::LayerBinding): torch tensors reach them as
// NumPy views of the same memory (Tensor.numpy(), torch.from_numpy), so this
// file includes no torch header and does not depend on libtorch's C++ ABI.
//
// Errors: a program that does not compile, or an error located at one of its
// operations (a target's refusal, or a run-time error of a dynamic circuit: a
// division by zero, loops beyond max_iterations), raises ValueError with the
// diagnostics in their printed form, `file:line:col: error: message` with the
// source line (also of a source given as text) and a caret; bad
// arguments (level, target, observables, array sizes) raise ValueError with
// the runtime's sentence. Simulation runs with the GIL released.
#include "qforge/batch.hpp"
#include "qforge/diagnostics.hpp"
#include "qforge/draw.hpp"
#include "qforge/emit.hpp"
#include "qforge/frontend.hpp"
#include "qforge/layer_binding.hpp"
#include "qforge/pipeline.hpp"
#include "qforge/simulator.hpp"

#include "errors.hpp"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstdlib>
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

/// f(), with a LocatedError (an error at an operation, found after parsing)
/// raised in its printed form. diagnostic_of reads the source line from the
/// file; for a source given as text, the line is taken from `src`.
template <typename F>
auto with_source_lines(const std::string& src, const std::string& name, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const LocatedError& e) {
    Diagnostic d = diagnostic_of(e);
    if (d.source_line.empty() && is_qasm_text(src) && d.loc.file && *d.loc.file == name) {
      std::istringstream in(src);
      std::string line;
      uint32_t n = 0;
      while (n < d.loc.line && std::getline(in, line)) ++n;
      if (n == d.loc.line) d.source_line = !line.empty() && line.back() == '\r' ? line.substr(0, line.size() - 1) : line;
    }
    throw ProgramError(format_diagnostic(d));
  }
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
  CompileResult r;
  std::string text;
  with_source_lines(src, "<string>", [&] {
    r = run_pipeline(c, opt, target, coupling_map);
    text = emit == "ir" ? emit_ir(r.circuit) : emit == "qasm2" ? emit_qasm2(r.circuit) : emit_qasm3(r.circuit);
  });
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

/// One value of an output as Python reads it, from its text in OutputCounts
/// (the CLI's JSON keys): a bit or bit register stays a bit string (as the
/// keys of the counts), bool becomes a bool, int and uint an int, float and
/// angle (radians) a float: their text, a decimal (or nan, inf) read by
/// strtod, or an exact multiple of pi such as 5*pi/4 read back by the front
/// end's number reader, which gives the same double.
py::object output_value(const std::string& type, const std::string& text) {
  if (type.rfind("bit", 0) == 0) return py::str(text);
  if (type == "bool") return py::bool_(text == "true");
  if (type.rfind("int", 0) == 0 || type.rfind("uint", 0) == 0) {
    PyObject* v = PyLong_FromString(text.c_str(), nullptr, 10);
    if (!v) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(v);
  }
  char* end = nullptr;
  const double d = std::strtod(text.c_str(), &end);
  if (!text.empty() && *end == '\0') return py::float_(d);
  std::vector<double> v;
  std::string err;
  if (parse_binding_value(text, v, err) && v.size() == 1) return py::float_(v[0]);
  throw std::runtime_error("cannot read the " + type + " output value '" + text + "'");
}

py::dict run(const std::string& src, uint64_t shots, uint64_t seed, const std::vector<std::string>& observables,
             bool probabilities, bool statevector, const std::map<std::string, std::vector<double>>& inputs,
             const std::vector<std::string>& include_dirs, int threads, const std::string& precision,
             std::optional<int64_t> max_iterations) {
  if (precision != "single" && precision != "double")
    throw ProgramError("precision must be single or double, got '" + precision + "'");
  if (max_iterations && *max_iterations < 1)
    throw ProgramError("max_iterations must be at least 1, got " + std::to_string(*max_iterations));
  Circuit c = lower_or_throw(src, "<string>", compile_options(include_dirs, inputs));
  sim::RunOptions o;
  o.seed = seed;
  o.threads = threads;
  o.precision = precision == "single" ? sim::Precision::Single : sim::Precision::Double;
  if (max_iterations) o.max_iterations = uint64_t(*max_iterations);
  o.probabilities = probabilities;
  o.statevector = statevector;
  for (const auto& t : observables) o.observables.push_back(sim::parse_observable(t));
  // Nothing asked for: sample, as `qforge run` does.
  o.shots = shots == 0 && !probabilities && !statevector && observables.empty() ? 1024 : shots;
  sim::RunResult r;
  {
    py::gil_scoped_release nogil;
    r = with_source_lines(src, "<string>", [&] { return sim::run(c, o); });
  }
  py::dict d;
  d["num_qubits"] = r.num_qubits;
  d["shots"] = r.shots;
  d["seed"] = r.seed;
  d["seconds"] = r.seconds;
  d["threads"] = r.threads;
  d["precision"] = sim::to_string(o.precision);
  d["trajectories"] = r.trajectories;
  d["branches"] = r.branches;
  d["averages"] = r.exact_averages ? "exact" : "sampled";
  py::dict counts;
  for (const auto& [bits, n] : r.counts) counts[py::str(bits)] = n;
  d["counts"] = counts;
  // Dynamic circuits with shots: each output's values over the shots, in the
  // CLI's order (registers, then variables; values increasing).
  if (!r.outputs.empty()) {
    py::dict outputs, types;
    for (const sim::OutputCounts& out : r.outputs) {
      py::dict values;
      for (const auto& [text, n] : out.counts) values[output_value(out.type, text)] = n;
      outputs[py::str(out.name)] = values;
      types[py::str(out.name)] = out.type;
    }
    d["outputs"] = outputs;
    d["output_types"] = types;
  }
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

/// What a layer's backward needs from its forward: the packed symbols, the
/// features and the final states (uninitialised buffers: forward fills them).
template <typename FP>
struct LayerTape {
  LayerTape(std::size_t b, std::size_t s, std::size_t f, std::size_t n)
      : batch(b), num_symbols(s), num_features(f), state_size(n), symbols(new FP[b * s]), features(new FP[b * f]),
        states(new std::complex<FP>[b * n]) {}
  sim::Span<const FP> symbol_span() const { return {symbols.get(), batch * num_symbols}; }
  sim::Span<const FP> feature_span() const { return {features.get(), batch * num_features}; }
  std::size_t batch, num_symbols, num_features, state_size;  ///< state_size 0: no states kept
  std::unique_ptr<FP[]> symbols, features;
  std::unique_ptr<std::complex<FP>[]> states;
};

/// A parametric circuit compiled for batched, differentiable execution.
/// Picklable: its state is the source text, the options and the layer's
/// data inputs (bind_layer), and unpickling compiles again (so a pickled
/// QuantumLayer needs no C++ state).
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
    const sim::GradientMethod m = gradient_method(method);
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

  /// Make the circuit a layer's (layer_forward, layer_backward): the inputs
  /// named in `data_inputs` are the forward columns (declaration order,
  /// row-major within an array; then the amplitude features), every other
  /// input a weight. Returns the weights as (name, shape), in declaration
  /// order.
  std::vector<py::tuple> bind_layer(const std::vector<std::string>& data_inputs) {
    sim::LayerBinding b;
    std::vector<py::tuple> weights;
    std::vector<std::vector<py::ssize_t>> shapes;
    for (const std::string& n : data_inputs)
      if (std::none_of(ir_.inputs.begin(), ir_.inputs.end(), [&](const InputDecl& d) { return d.name == n; }))
        throw ProgramError("'" + n + "' is not an input of the circuit");
    for (const InputDecl& d : ir_.inputs) {
      std::vector<uint32_t> syms;
      for (uint32_t i = 0; i < d.size(); ++i) syms.push_back(d.first_symbol + i);
      if (std::find(data_inputs.begin(), data_inputs.end(), d.name) != data_inputs.end()) {
        b.data_symbols.insert(b.data_symbols.end(), syms.begin(), syms.end());
      } else {
        b.weight_symbols.push_back(std::move(syms));
        shapes.emplace_back(d.shape.begin(), d.shape.end());
        weights.push_back(py::make_tuple(d.name, std::vector<uint32_t>(d.shape.begin(), d.shape.end())));
      }
    }
    binding_ = std::move(b);
    weight_shapes_ = std::move(shapes);
    data_inputs_ = data_inputs;
    bound_ = true;
    return weights;
  }

  /// Columns of layer_forward's x: the data scalars, then the features.
  std::size_t num_columns() const { return binding_.data_symbols.size() + bc_->num_features(); }

  /// The layer's forward: x [B, num_columns] and the weights (bind_layer's,
  /// in its order) -> (outputs [B, num_outputs], LayerTape for
  /// layer_backward or None unless keep). As qforge::QuantumLayer's: same
  /// packing (sim::LayerBinding), same engine call.
  template <typename FP>
  py::tuple layer_forward(Array<FP> x, const std::vector<Array<FP>>& weights, bool keep, uint64_t shots,
                          uint64_t seed) const {
    require_bound();
    if (x.ndim() != 2 || std::size_t(x.shape(1)) != num_columns())
      throw ProgramError("x must be [batch, " + std::to_string(num_columns()) + "]");
    if (weights.size() != binding_.weight_symbols.size())
      throw ProgramError("the circuit has " + std::to_string(binding_.weight_symbols.size()) + " weights, got " +
                         std::to_string(weights.size()));
    std::vector<const FP*> w;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      if (std::size_t(weights[i].size()) != binding_.weight_symbols[i].size())
        throw ProgramError("weight " + std::to_string(i) + " must have " +
                           std::to_string(binding_.weight_symbols[i].size()) + " values, got " +
                           std::to_string(weights[i].size()));
      w.push_back(weights[i].data());
    }
    const std::size_t B = std::size_t(x.shape(0)), nd = binding_.data_symbols.size(), nf = bc_->num_features(),
                      cols = num_columns();
    auto tape = std::make_unique<LayerTape<FP>>(B, bc_->num_symbols(), nf, keep ? bc_->state_size() : 0);
    py::array_t<FP> out({py::ssize_t(B), py::ssize_t(bc_->num_outputs())});
    const FP* xp = x.data();
    FP* op = out.mutable_data();
    {
      py::gil_scoped_release nogil;
      LayerTape<FP>& t = *tape;
      binding_.pack<FP>(B, t.num_symbols, xp, cols, w, t.symbols.get());
      for (std::size_t b = 0; b < B && nf; ++b)
        std::copy(xp + b * cols + nd, xp + (b + 1) * cols, t.features.get() + b * nf);
      bc_->forward<FP>(B, t.symbol_span(), t.feature_span(), sim::Span<FP>(op, B * bc_->num_outputs()),
                       keep ? sim::Span<std::complex<FP>>(t.states.get(), B * t.state_size)
                            : sim::Span<std::complex<FP>>(),  // null: the engine uses scratch
                       sim::ShotOptions{shots, seed});
    }
    if (!keep) return py::make_tuple(out, py::none());
    return py::make_tuple(out, py::cast(std::move(tape)));
  }

  /// The layer's vector-Jacobian product: from layer_forward's tape and
  /// dL/doutputs [B, num_outputs], (dL/dx [B, num_columns] or None unless
  /// want_x, [dL/dweight i or None unless want_weights[i]]); weight
  /// gradients are summed over the batch in sample order, in double.
  template <typename FP>
  py::tuple layer_backward(const LayerTape<FP>& t, Array<FP> grad_outputs, const std::string& method,
                           uint64_t shots, uint64_t seed, bool want_x, const std::vector<bool>& want_weights) const {
    require_bound();
    const sim::GradientMethod m = gradient_method(method);
    const std::size_t S = t.num_symbols, nf = t.num_features, B = t.batch;
    if (S != bc_->num_symbols() || nf != bc_->num_features() || t.state_size != bc_->state_size())
      throw ProgramError("the tape is not this circuit's (layer_forward with keep=True)");
    if (std::size_t(grad_outputs.size()) != B * bc_->num_outputs())
      throw ProgramError("grad_outputs must be [" + std::to_string(B) + ", " + std::to_string(bc_->num_outputs()) +
                         "]");
    if (want_weights.size() != binding_.weight_symbols.size())
      throw ProgramError("want_weights must have one flag per weight");
    std::unique_ptr<FP[]> gsym(new FP[B * S]);
    std::unique_ptr<FP[]> gfeat(new FP[want_x ? B * nf : 0]);
    py::object gx = py::none();
    FP* gxp = nullptr;
    if (want_x) {
      py::array_t<FP> a({py::ssize_t(B), py::ssize_t(num_columns())});
      gxp = a.mutable_data();
      gx = std::move(a);
    }
    py::list gw;
    std::vector<FP*> gwp;
    for (std::size_t i = 0; i < want_weights.size(); ++i) {
      if (!want_weights[i]) {
        gw.append(py::none());
        gwp.push_back(nullptr);
        continue;
      }
      py::array_t<FP> a(weight_shapes_[i]);
      gwp.push_back(a.mutable_data());
      gw.append(std::move(a));
    }
    const FP* gp = grad_outputs.data();
    {
      py::gil_scoped_release nogil;
      bc_->backward<FP>(B, t.symbol_span(), t.feature_span(),
                        sim::Span<const std::complex<FP>>(t.states.get(), B * t.state_size),
                        sim::Span<const FP>(gp, B * bc_->num_outputs()), sim::Span<FP>(gsym.get(), B * S),
                        sim::Span<FP>(gfeat.get(), want_x ? B * nf : 0), m, sim::ShotOptions{shots, seed});
      if (gxp) binding_.data_gradient<FP>(B, S, gsym.get(), nf, gfeat.get(), gxp);
      for (std::size_t i = 0; i < gwp.size(); ++i)
        if (gwp[i]) binding_.weight_gradient<FP>(i, B, S, gsym.get(), gwp[i]);
    }
    return py::make_tuple(gx, gw);
  }

  py::tuple state() const {
    return py::make_tuple(source_, observables_, probabilities_, amplitude_, include_dirs_, name_,
                          bound_ ? py::object(py::cast(data_inputs_)) : py::object(py::none()));
  }

 private:
  static sim::GradientMethod gradient_method(const std::string& method) {
    if (method == "adjoint") return sim::GradientMethod::Adjoint;
    if (method == "shift") return sim::GradientMethod::ParameterShift;
    throw ProgramError("diff must be 'adjoint' or 'shift', got '" + method + "'");
  }

  void require_bound() const {
    if (!bound_) throw ProgramError("the circuit is not bound to a layer (bind_layer)");
  }

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
  bool bound_ = false;
  std::vector<std::string> data_inputs_;
  sim::LayerBinding binding_;
  std::vector<std::vector<py::ssize_t>> weight_shapes_;
};

}  // namespace

PYBIND11_MODULE(_qforge, m) {
  m.doc() = "qforge: the OpenQASM compiler and simulator (compiled part)";

  // LocatedError (an error at an operation) prints with its place and source
  // line; other bad input (std::invalid_argument) is a ValueError with the
  // runtime's sentence.
  qforge::python::register_located_errors();

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
        py::arg("include_dirs") = std::vector<std::string>{}, py::arg("threads") = 0,
        py::arg("precision") = "double", py::arg("max_iterations") = std::nullopt);

  py::class_<LayerTape<double>>(m, "LayerTape64", "The tape of a float64 layer_forward (for layer_backward)");
  py::class_<LayerTape<float>>(m, "LayerTape32", "The tape of a float32 layer_forward (for layer_backward)");

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
      .def("bind_layer", &PyCircuit::bind_layer, py::arg("data_inputs"))
      .def_property_readonly("num_columns", &PyCircuit::num_columns)
      .def("layer_forward", &PyCircuit::layer_forward<double>, py::arg("x"), py::arg("weights"),
           py::arg("keep") = false, py::arg("shots") = 0, py::arg("seed") = 0)
      .def("layer_forward", &PyCircuit::layer_forward<float>, py::arg("x"), py::arg("weights"),
           py::arg("keep") = false, py::arg("shots") = 0, py::arg("seed") = 0)
      .def("layer_backward", &PyCircuit::layer_backward<double>, py::arg("tape"), py::arg("grad_outputs"),
           py::arg("method"), py::arg("shots"), py::arg("seed"), py::arg("want_x"), py::arg("want_weights"))
      .def("layer_backward", &PyCircuit::layer_backward<float>, py::arg("tape"), py::arg("grad_outputs"),
           py::arg("method"), py::arg("shots"), py::arg("seed"), py::arg("want_x"), py::arg("want_weights"))
      .def(py::pickle([](const PyCircuit& c) { return c.state(); },
                      [](py::tuple t) {
                        if (t.size() != 7) throw std::runtime_error("Circuit: bad pickled state");
                        auto c = std::make_unique<PyCircuit>(
                            t[0].cast<std::string>(), t[1].cast<std::vector<std::string>>(), t[2].cast<bool>(),
                            t[3].cast<unsigned>(), t[4].cast<std::vector<std::string>>(), t[5].cast<std::string>());
                        if (!t[6].is_none()) c->bind_layer(t[6].cast<std::vector<std::string>>());
                        return c;
                      }));
}
