// `qforge run`: simulate a circuit, ideal (state vector) or under a device's
// noise (density matrix or trajectories), and report counts, probabilities,
// the state vector and expectation values.
#include "cli.hpp"
#include "qforge/batch.hpp"
#include "qforge/noise_model.hpp"
#include "qforge/noisy.hpp"
#include "qforge/noisy_batch.hpp"
#include "qforge/simulator.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

namespace po = boost::program_options;

namespace qforge::cli {
namespace {

const char* kUsage =
    "usage: qforge run FILE [--shots N] [--seed S] [--set NAME=VALUE]...\n"
    "                 [--observable \"Z0 Z1 + 0.5*X2\"]... [--probabilities] [--statevector]\n"
    "                 [--precision single|double] [--threads N] [--max-memory 4GiB]\n"
    "                 [--fusion-width W] [--max-iterations N] [--format text|json]\n"
    "                 [-o OUT] [-I DIR]...\n"
    "                 [--noise DEVICE.noise.json [--noise-method auto|dm|traj]\n"
    "                  [--trajectories N] [--idle-noise on|off]]\n\n"
    "Simulate FILE on the state-vector simulator. Circuits whose measurements are\n"
    "all at the end are sampled from the final state; circuits with mid-circuit\n"
    "measurement, reset or `if` are run by shot branching: each measurement or\n"
    "reset with a random outcome splits the state (and the shots, binomially)\n"
    "into one branch per outcome, each simulated once. The same --seed gives the\n"
    "same counts, on any number of threads. Run-time classical logic (assignments,\n"
    "if/else, while, for, switch, end on measured values) runs in the same walk,\n"
    "each branch with its own classical values; a shot whose loops run more than\n"
    "--max-iterations (default 1000000) iterations stops the run with an error at\n"
    "the loop. Without --shots and without other outputs, 1024 shots are taken.\n\n"
    "Output: counts (bit strings with the highest clbit first; all qubits when\n"
    "the circuit measures nothing), probabilities and the state vector over basis\n"
    "states (qubit 0 is the least significant bit), one expectation value per\n"
    "--observable (a sum of Pauli strings, e.g. \"Z0 Z1 + 0.5*X2\" or \"-1.5*Y0\").\n"
    "With shots, a circuit with classical logic, variables or `output`\n"
    "declarations also reports outputs: the final value of each output variable\n"
    "and output bit register (every variable and register when none is declared\n"
    "output) over the shots.\n"
    "For branching runs, probabilities and expectation values are averaged over\n"
    "the branches' final states (before terminal measurements): exactly, each\n"
    "branch weighted by its probability, when the circuit has at most 10\n"
    "measurements or resets that may have a random outcome (1024 branches), else\n"
    "over the sampled shots' branches; the output says which. They need no\n"
    "--shots (then they are exact; refused beyond 1024 branches), and\n"
    "--statevector works when no outcome is random.\n\n"
    "With --noise (a model from `qforge noise import`), FILE is run under that\n"
    "device's noise: write it on the device's qubits $n (as `qforge compile\n"
    "--target` and `qforge export` do) in its basis gates. Only the qubits it\n"
    "uses are simulated; probabilities are over them, lowest device qubit as\n"
    "bit 0. dm is the exact density matrix, traj averages quantum trajectories\n"
    "(--trajectories, default the shots or 1000), auto picks by memory and cost\n"
    "and says why. Counts include readout error; probabilities and expectation\n"
    "values are those of the noisy state; an observable's qubit indices are\n"
    "device qubits (Z5 is <Z> of $5). --gradient differentiates them: exactly\n"
    "through the density matrix (adjoint method), or with traj as the mean of\n"
    "the trajectories' adjoint gradients (unbiased for every channel, with its\n"
    "standard error). --idle-noise off drops the\n"
    "relaxation of qubits waiting for others (exactly Qiskit Aer's per-gate model).";

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\u{:04x}", int(c));
        else
          out += c;
    }
  }
  return out + "\"";
}

std::string number(double v) {
  if (!std::isfinite(v)) return "null";
  return fmt::format("{:.17g}", v);
}

std::string basis_bits(uint64_t index, unsigned n) {
  std::string s(n, '0');
  for (unsigned q = 0; q < n; ++q)
    if ((index >> q) & 1) s[n - 1 - q] = '1';
  return s;
}

/// Symbol values from --set bindings (whole inputs or `name[i]` elements);
/// every input scalar must get one.
std::vector<double> input_values(const Circuit& c, const std::map<std::string, std::vector<double>>& bindings) {
  std::vector<double> values(c.num_symbols(), std::nan(""));
  for (const auto& [name, vals] : bindings) {
    const InputDecl* decl = nullptr;
    for (const auto& in : c.inputs)
      if (in.name == name) decl = &in;
    if (decl) {
      if (vals.size() != decl->size())
        throw UsageError("--set " + name + ": expected " + std::to_string(decl->size()) + " values, got " +
                         std::to_string(vals.size()));
      for (uint32_t k = 0; k < decl->size(); ++k) values[decl->first_symbol + k] = vals[k];
      continue;
    }
    int64_t idx = c.find_symbol(name);
    if (idx < 0) throw UsageError("--set " + name + ": the program has no input named '" + name + "'");
    if (vals.size() != 1) throw UsageError("--set " + name + ": expected 1 value, got " + std::to_string(vals.size()));
    values[static_cast<std::size_t>(idx)] = vals[0];
  }
  std::string missing;
  const auto names = c.symbol_names();
  for (std::size_t i = 0; i < values.size(); ++i)
    if (std::isnan(values[i])) missing += (missing.empty() ? "" : ", ") + names[i];
  if (!missing.empty()) throw UsageError("--gradient needs a value for every input; unbound: " + missing);
  return values;
}

/// d<O_k>/d(input scalar), one row per observable, and the scalars' names;
/// for a trajectory estimate its standard errors (same shape) and how many.
struct Gradients {
  std::vector<std::vector<double>> rows, errors;
  std::vector<std::string> names;
  uint64_t trajectories = 0;
};

/// The observables on the simulated qubits of a noisy run: qubit p of an
/// observable is device qubit p, simulated as its index in `physical`.
std::vector<sim::Observable> on_simulated_qubits(const std::vector<sim::Observable>& observables,
                                                 const std::vector<unsigned>& physical) {
  std::vector<sim::Observable> out = observables;
  const auto remap = [&](uint64_t mask, const std::string& text) {
    uint64_t m = 0;
    for (unsigned q = 0; q < 64; ++q) {
      if (!(mask >> q & 1)) continue;
      auto it = std::find(physical.begin(), physical.end(), q);
      if (it == physical.end())
        throw UsageError("--observable \"" + text + "\": the circuit does not use device qubit " +
                         std::to_string(q) + " (with --noise, qubit indices are device qubits)");
      m |= uint64_t(1) << (it - physical.begin());
    }
    return m;
  };
  for (auto& o : out)
    for (auto& t : o.terms) {
      t.x_mask = remap(t.x_mask, o.text);
      t.y_mask = remap(t.y_mask, o.text);
      t.z_mask = remap(t.z_mask, o.text);
    }
  return out;
}

/// d<O_k>/d(input) of the noisy state: exact, the density matrix's adjoint;
/// or, when `trajectories` is not 0, the mean of that many trajectories'
/// adjoint gradients (unbiased, NoisyBatchCircuit's fixed proposals), drawn
/// in 16 groups (fewer for fewer trajectories) whose spread gives the
/// standard error.
void noisy_gradients(const sim::NoisyCircuit& noisy, const std::vector<sim::Observable>& observables,
                     const std::vector<double>& inputs, int threads, uint64_t trajectories, uint64_t seed,
                     Gradients& out) {
  sim::NoisyBatchOptions options;
  options.batch.readout = sim::Readout::from_observables(observables);
  options.batch.threads = threads;
  const sim::NoisyBatchCircuit engine(noisy, options);
  std::vector<std::complex<double>> tape(trajectories ? 0 : engine.tape_size());
  std::vector<double> values(engine.num_outputs());
  if (!trajectories) engine.forward<double>(1, inputs, {}, values, tape);
  const uint64_t groups = std::min<uint64_t>(16, trajectories);
  out.trajectories = trajectories;
  for (std::size_t k = 0; k < observables.size(); ++k) {
    std::vector<double> g(observables.size(), 0.0), row(inputs.size(), 0.0), sq(inputs.size(), 0.0);
    g[k] = 1;
    if (!trajectories) {
      engine.backward<double>(1, inputs, {}, sim::Span<const std::complex<double>>(tape), g, row, {});
      out.rows.push_back(std::move(row));
      continue;
    }
    std::vector<double> part(inputs.size());
    for (uint64_t i = 0; i < groups; ++i) {
      const uint64_t t = trajectories / groups + (i < trajectories % groups);
      engine.backward_trajectories<double>(1, inputs, {}, g, part, {}, {t, seed + 0x9E3779B97F4A7C15ull * (i + 1)});
      for (std::size_t s = 0; s < part.size(); ++s) {
        row[s] += part[s] * double(t) / double(trajectories);
        sq[s] += part[s] * part[s];
      }
    }
    std::vector<double> err(inputs.size(), 0.0);
    if (groups > 1)
      for (std::size_t s = 0; s < err.size(); ++s) {
        const double mean = row[s];  // the mean of the group means (equal sizes up to one)
        err[s] = std::sqrt(std::max(0.0, sq[s] / double(groups) - mean * mean) / double(groups - 1));
      }
    out.rows.push_back(std::move(row));
    out.errors.push_back(std::move(err));
  }
}

/// How a noisy run was done, for the report.
struct NoiseReport {
  std::string device;      ///< backend name and model file
  std::vector<unsigned> qubits;  ///< the simulated device qubits
  std::string method, reason;
  uint64_t trajectories = 0, distinct = 0;
  bool idle = true;
};

std::string to_json(const sim::RunResult& r, const sim::RunOptions& o, const Gradients* g, const NoiseReport* noise) {
  std::string j = "{\n";
  j += fmt::format("  \"qubits\": {},\n  \"shots\": {},\n  \"seed\": {},\n  \"threads\": {},\n  \"seconds\": {},\n",
                   r.num_qubits, r.shots, r.seed, r.threads, number(r.seconds));
  j += fmt::format("  \"precision\": \"{}\",\n  \"trajectories\": {}", sim::to_string(o.precision),
                   r.trajectories ? "true" : "false");
  if (r.trajectories && !noise)
    j += fmt::format(",\n  \"branches\": {},\n  \"averages\": \"{}\"", r.branches,
                     r.exact_averages ? "exact" : "sampled");
  if (noise)
    j += fmt::format(",\n  \"noise\": {{\"device\": {}, \"qubits\": [{}], \"method\": {}, \"reason\": {}, "
                     "\"trajectories\": {}, \"distinct_trajectories\": {}, \"idle_noise\": {}}}",
                     json_string(noise->device), fmt::join(noise->qubits, ", "), json_string(noise->method),
                     json_string(noise->reason), noise->trajectories, noise->distinct, noise->idle ? "true" : "false");
  if (o.shots) {
    j += ",\n  \"counts\": {";
    bool first = true;
    for (const auto& [bits, count] : r.counts) {
      j += fmt::format("{}{}: {}", first ? "" : ", ", json_string(bits), count);
      first = false;
    }
    j += "}";
  }
  if (!r.outputs.empty()) {
    j += ",\n  \"outputs\": {";
    for (std::size_t k = 0; k < r.outputs.size(); ++k) {
      j += fmt::format("{}\n    {}: {{", k ? "," : "", json_string(r.outputs[k].name));
      for (std::size_t v = 0; v < r.outputs[k].counts.size(); ++v)
        j += fmt::format("{}{}: {}", v ? ", " : "", json_string(r.outputs[k].counts[v].first),
                         r.outputs[k].counts[v].second);
      j += "}";
    }
    j += "\n  }";
  }
  if (o.probabilities) {
    j += ",\n  \"probabilities\": [";
    for (std::size_t i = 0; i < r.probabilities.size(); ++i)
      j += (i ? ", " : "") + number(r.probabilities[i]);
    j += "]";
  }
  if (o.statevector) {
    j += ",\n  \"statevector\": [";
    for (std::size_t i = 0; i < r.statevector.size(); ++i)
      j += fmt::format("{}[{}, {}]", i ? ", " : "", number(r.statevector[i].real()),
                       number(r.statevector[i].imag()));
    j += "]";
  }
  if (!o.observables.empty()) {
    j += ",\n  \"observables\": [";
    for (std::size_t i = 0; i < o.observables.size(); ++i)
      j += (i ? ", " : "") + json_string(o.observables[i].text);
    j += "],\n  \"expectation\": [";
    for (std::size_t i = 0; i < r.expectations.size(); ++i)
      j += (i ? ", " : "") + number(r.expectations[i]);
    j += "]";
  }
  if (g) {
    j += ",\n  \"gradient\": {";
    for (std::size_t k = 0; k < g->rows.size(); ++k) {
      j += fmt::format("{}\n    \"{}\": {{", k ? "," : "", k);
      for (std::size_t s = 0; s < g->names.size(); ++s)
        j += fmt::format("{}{}: {}", s ? ", " : "", json_string(g->names[s]), number(g->rows[k][s]));
      j += "}";
    }
    j += "\n  }";
    if (!g->errors.empty()) {
      j += fmt::format(",\n  \"gradient_trajectories\": {},\n  \"gradient_standard_error\": {{", g->trajectories);
      for (std::size_t k = 0; k < g->errors.size(); ++k) {
        j += fmt::format("{}\n    \"{}\": {{", k ? "," : "", k);
        for (std::size_t s = 0; s < g->names.size(); ++s)
          j += fmt::format("{}{}: {}", s ? ", " : "", json_string(g->names[s]), number(g->errors[k][s]));
        j += "}";
      }
      j += "\n  }";
    }
  }
  return j + "\n}\n";
}

std::string to_text(const sim::RunResult& r, const sim::RunOptions& o, const Gradients* g, const NoiseReport* noise) {
  std::string t;
  t += fmt::format("qubits: {}   precision: {}   seed: {}   threads: {}   time: {:.6f} s\n", r.num_qubits,
                   sim::to_string(o.precision), r.seed, r.threads, r.seconds);
  if (noise)
    t += fmt::format("noise: {} on device qubits ${}\nmethod: {}\n", noise->device, fmt::join(noise->qubits, ", $"),
                     noise->reason);
  else
    t += !r.trajectories ? std::string("sampled from the final state\n")
         : fmt::format("shot branching (mid-circuit measurement, reset or conditions): {} branch{}{}\n",
                       r.branches, r.branches == 1 ? "" : "es",
                       o.probabilities || !o.observables.empty()
                           ? r.exact_averages ? "; averages exact over every branch"
                                              : "; averages over the sampled shots' branches"
                           : "");
  if (o.shots) {
    std::size_t width = 9;
    for (const auto& [bits, count] : r.counts) width = std::max(width, bits.size());
    t += fmt::format("\n{:<{}}  {:>10}  {:>9}\n", "bitstring", width, "count", "frequency");
    for (const auto& [bits, count] : r.counts)
      t += fmt::format("{:<{}}  {:>10}  {:>9.4f}\n", bits, width, count,
                       double(count) / double(o.shots));
    t += fmt::format("{:<{}}  {:>10}\n", "total", width, o.shots);
  }
  for (const sim::OutputCounts& out : r.outputs) {
    std::size_t width = 5;
    for (const auto& [value, count] : out.counts) width = std::max(width, value.size());
    t += fmt::format("\noutput {} ({})\n{:<{}}  {:>10}  {:>9}\n", out.name, out.type, "value", width, "count",
                     "frequency");
    for (const auto& [value, count] : out.counts)
      t += fmt::format("{:<{}}  {:>10}  {:>9.4f}\n", value, width, count, double(count) / double(o.shots));
  }
  if (o.probabilities) {
    const std::size_t width = std::max<std::size_t>(5, r.num_qubits);
    t += fmt::format("\n{:>10}  {:<{}}  {}\n", "index", "state", width, "probability");
    for (std::size_t i = 0; i < r.probabilities.size(); ++i)
      t += fmt::format("{:>10}  {:<{}}  {:.12g}\n", i, basis_bits(i, r.num_qubits), width,
                       r.probabilities[i]);
  }
  if (o.statevector) {
    const std::size_t width = std::max<std::size_t>(5, r.num_qubits);
    t += fmt::format("\n{:>10}  {:<{}}  {:>22}  {:>22}\n", "index", "state", width, "real", "imag");
    for (std::size_t i = 0; i < r.statevector.size(); ++i)
      t += fmt::format("{:>10}  {:<{}}  {:>22.15g}  {:>22.15g}\n", i, basis_bits(i, r.num_qubits),
                       width, r.statevector[i].real(), r.statevector[i].imag());
  }
  if (!o.observables.empty()) {
    t += "\nexpectation values:\n";
    for (std::size_t i = 0; i < o.observables.size(); ++i)
      t += fmt::format("  <{}> = {:.15g}\n", o.observables[i].text, r.expectations[i]);
  if (g) {
    t += !noise ? "\ngradient (adjoint method): d<observable>/d(input)\n"
         : g->trajectories
             ? fmt::format("\ngradient (mean of {} trajectories' adjoint gradients, unbiased; +- its standard "
                           "error): d<observable>/d(input)\n", g->trajectories)
             : "\ngradient (adjoint method through the density matrix): d<observable>/d(input)\n";
    std::size_t width = 5;
    for (const auto& n : g->names) width = std::max(width, n.size());
    for (std::size_t k = 0; k < g->rows.size(); ++k) {
      t += fmt::format("  <{}>\n", o.observables[k].text);
      for (std::size_t s = 0; s < g->names.size(); ++s)
        t += fmt::format("    {:<{}}  {:>22.15g}{}\n", g->names[s], width, g->rows[k][s],
                         g->errors.empty() ? "" : fmt::format("  +- {:.3g}", g->errors[k][s]));
    }
  }
  }
  return t;
}

int simulate(const std::vector<std::string>& args) {
  po::options_description desc("options");
  desc.add_options()
      ("file", po::value<std::string>()->required(), "OpenQASM 3 or 2 source")
      ("shots", po::value<uint64_t>(), "number of samples (default 1024 when nothing else is asked)")
      ("seed", po::value<uint64_t>(), "random seed (default: a random one, reported)")
      ("observable", po::value<std::vector<std::string>>()->composing(),
       "Pauli sum whose expectation to report, e.g. \"Z0 Z1 + 0.5*X2\" (repeatable)")
      ("probabilities", po::bool_switch(), "report the probability of every basis state")
      ("statevector", po::bool_switch(), "report the final state vector")
      ("precision", po::value<std::string>()->default_value("double"), "single or double")
      ("threads", po::value<int>(), "OpenMP threads (default: all cores)")
      ("max-memory", po::value<std::string>(), "refuse to need more than this, e.g. 4GiB")
      ("fusion-width", po::value<unsigned>()->default_value(sim::kDefaultFusionWidth),
       "fuse gates into blocks of at most this many qubits (0: no fusion)")
      ("max-iterations", po::value<uint64_t>(),
       "loop iterations (while and for, together) one shot may run (default 1000000)")
      ("format", po::value<std::string>()->default_value("text"), "text or json")
      ("gradient", po::bool_switch(),
       "also report d<observable>/d(input) for every input scalar (needs --observable and --set)")
      ("output,o", po::value<std::string>()->default_value("-"), "write the result to OUT")
      ("noise", po::value<std::string>(), "run under this device noise model (qforge noise import)")
      ("noise-method", po::value<std::string>()->default_value("auto"),
       "auto, dm (exact density matrix) or traj (trajectories)")
      ("trajectories", po::value<uint64_t>(), "trajectories to average (default: the shots, else 1000)")
      ("idle-noise", po::value<std::string>()->default_value("on"),
       "on: relaxation of qubits waiting for others; off: per-gate noise only");
  add_circuit_options(desc);
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (!parse_args(args, kUsage, desc, &pos, vm)) return kOk;

  const std::string format = one_of(vm, "format", {"text", "json"});
  sim::RunOptions o;
  o.precision = one_of(vm, "precision", {"single", "double"}) == "single" ? sim::Precision::Single
                                                                         : sim::Precision::Double;
  o.probabilities = vm["probabilities"].as<bool>();
  o.statevector = vm["statevector"].as<bool>();
  if (vm.count("observable")) {
    for (const auto& text : vm["observable"].as<std::vector<std::string>>()) {
      try {
        o.observables.push_back(sim::parse_observable(text));
      } catch (const sim::ObservableError& e) {
        throw UsageError(std::string("--observable: ") + e.what());
      }
    }
  }
  if (vm.count("shots"))
    o.shots = vm["shots"].as<uint64_t>();
  else if (!o.probabilities && !o.statevector && o.observables.empty())
    o.shots = 1024;
  o.seed = vm.count("seed") ? vm["seed"].as<uint64_t>() : std::random_device{}();
  if (vm.count("threads")) {
    o.threads = vm["threads"].as<int>();
    if (o.threads < 1) throw UsageError("--threads must be at least 1, got " + std::to_string(o.threads));
  }
  if (vm.count("max-memory")) {
    try {
      o.max_memory = sim::parse_byte_size(vm["max-memory"].as<std::string>());
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--max-memory: ") + e.what());
    }
    if (o.max_memory == 0) throw UsageError("--max-memory must be more than 0 bytes");
  }
  o.fusion_width = vm["fusion-width"].as<unsigned>();
  if (vm.count("max-iterations")) {
    o.max_iterations = vm["max-iterations"].as<uint64_t>();
    if (o.max_iterations == 0) throw UsageError("--max-iterations must be at least 1");
  }
  if (o.fusion_width > 6) throw UsageError("--fusion-width must be 0 to 6, got " + std::to_string(o.fusion_width));

  const bool gradient = vm["gradient"].as<bool>();
  if (gradient && o.observables.empty()) throw UsageError("--gradient needs at least one --observable");
  CompileOptions copt = circuit_options(vm);
  // For gradients the inputs stay symbols and the --set values are fed at run time.
  std::map<std::string, std::vector<double>> bindings;
  if (gradient) std::swap(bindings, copt.bindings);
  std::optional<Circuit> circuit = load_circuit(vm["file"].as<std::string>(), copt);
  if (!circuit) return kFailed;
  std::vector<double> inputs;
  Gradients grads;
  if (gradient) {
    inputs = input_values(*circuit, bindings);
    grads.names = circuit->symbol_names();
    grads.rows = sim::expectation_gradients(*circuit, o.observables, inputs);
  }
  const Gradients* g = gradient ? &grads : nullptr;
  if (!vm.count("noise")) {
    if (vm.count("trajectories") || !vm["noise-method"].defaulted() || !vm["idle-noise"].defaulted())
      throw UsageError("--noise-method, --trajectories and --idle-noise need --noise");
    const sim::RunResult r = sim::run(*circuit, o, inputs);
    write_output(vm["output"].as<std::string>(),
                 format == "json" ? to_json(r, o, g, nullptr) : to_text(r, o, g, nullptr));
    return kOk;
  }
  if (o.statevector) throw UsageError("--statevector: a noisy state is mixed and has no state vector");
  sim::NoisyRunOptions nopt;
  nopt.run = o;
  const std::string method = one_of(vm, "noise-method", {"auto", "dm", "traj"});
  nopt.method = method == "dm" ? sim::NoiseMethod::DensityMatrix
                : method == "traj" ? sim::NoiseMethod::Trajectories : sim::NoiseMethod::Auto;
  if (vm.count("trajectories")) {
    nopt.trajectories = vm["trajectories"].as<uint64_t>();
    if (nopt.trajectories == 0) throw UsageError("--trajectories must be at least 1");
  }
  noise::NoiseOptions noise_options;
  noise_options.idle_noise = one_of(vm, "idle-noise", {"on", "off"}) == "on";
  const std::string model_path = vm["noise"].as<std::string>();
  const noise::NoiseModel model = noise::read_noise_model(model_path);
  const sim::NoisyCircuit noisy = noise::attach_noise(*circuit, model, noise_options);
  nopt.run.observables = on_simulated_qubits(o.observables, noisy.physical);
  const sim::NoisyRunResult r = sim::run_noisy(noisy, inputs, nopt);
  if (gradient) {
    grads.rows.clear();
    noisy_gradients(noisy, nopt.run.observables, inputs, o.threads,
                    r.method == sim::NoiseMethod::Trajectories ? r.num_trajectories : 0, o.seed, grads);
  }
  NoiseReport report;
  report.device = (model.backend_name.empty() ? std::string("device") : model.backend_name) + " (" + model_path + ")";
  report.qubits = noisy.physical;
  report.method = sim::to_string(r.method);
  report.reason = r.reason;
  report.trajectories = r.num_trajectories;
  report.distinct = r.distinct_trajectories;
  report.idle = noise_options.idle_noise;
  write_output(vm["output"].as<std::string>(),
               format == "json" ? to_json(r, o, g, &report) : to_text(r, o, g, &report));
  return kOk;
}

const Verb reg{"run", "simulate a circuit: shots, probabilities, state vector, expectation values",
               &simulate};

}  // namespace
}  // namespace qforge::cli
