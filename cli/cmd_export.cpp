// `qforge export CHECKPOINT`: a hybrid model's trained circuit as a hardware job.
#ifdef QFORGE_HAVE_MODELS
#include "cli.hpp"

#include "qforge/device_compile.hpp"
#include "qforge/emit.hpp"
#include "qforge/models/export.hpp"

#include <cstdio>
#include <iostream>

namespace po = boost::program_options;

namespace qforge::cli {
namespace {

const char* kUsage =
    "usage: qforge export CHECKPOINT --target ibm_heron|ibm_eagle|nam|generic [--coupling-map SPEC]\n"
    "                     [-O LEVEL] [--sample I] [--emit qasm3|qasm2] [--data-dir DIR] -o job.qasm\n"
    "       qforge export CHECKPOINT --noise DEVICE.noise.json [-O LEVEL] [--sample I] ... -o job.qasm\n\n"
    "Write the trained circuit of a hybrid checkpoint (lcqhnn, hybrid-cnn) as a job for the\n"
    "target: the quantum layer's weights are bound; --sample I also runs the CNN trunk on\n"
    "test image I of the run's split and binds its output (without it the data inputs stay\n"
    "`input` parameters; amplitude-embedded circuits need --sample and get a state-\n"
    "preparation circuit). The circuit is optimised and mapped like `qforge compile`, every\n"
    "qubit is measured at the end (clbit i = logical qubit i), and it is written with\n"
    "physical qubits $n and no gphase (the layout is in a comment after the version line).\n"
    "--noise M targets the device of a noise model (qforge noise import) as `qforge compile\n"
    "--noise` does: its basis, healthy coupling map and gate directions, the placement with\n"
    "the highest predicted fidelity (printed to stderr and written as a comment).";

/// Compile the bound circuit of `r` for the model's device, every logical
/// qubit measured at the end into its clbit (as export_checkpoint does for a
/// named target), and replace r.compiled and r.text.
void device_job(models::ExportResult& r, int level, const noise::NoiseModel& model, const std::string& emit) {
  Circuit c = r.logical;
  const uint32_t n = c.num_qubits;
  c.num_clbits = n;
  c.cregs = {Register{"c", 0, n, true}};
  Operation bar;
  bar.kind = OpKind::Barrier;
  for (uint32_t i = 0; i < n; ++i) bar.qubits.push_back(i);
  c.ops.push_back(bar);
  for (uint32_t i = 0; i < n; ++i) {
    Operation m;
    m.kind = OpKind::Measure;
    m.qubits = {i};
    m.clbits = {i};
    c.ops.push_back(m);
  }
  noise::DeviceCompileResult d = noise::compile_for_device(c, level, model);
  std::cerr << noise::fidelity_summary(d);
  r.measured = d.compiled.final_layout;
  if (emit == "qasm3") {
    EmitOptions eo;
    eo.global_phase = false;
    r.text = emit_qasm3(d.compiled.circuit, eo);
  } else {
    r.text = emit_qasm2(d.compiled.circuit);
  }
  noise::write_device_comments(r.text, d);
  r.compiled = std::move(d.compiled);
}

int run_export(const std::vector<std::string>& args) {
  po::options_description desc("options");
  desc.add_options()
      ("checkpoint", po::value<std::string>(), "checkpoint file (run-dir/checkpoint.pt, epoch_NNN.pt)")
      ("target", po::value<std::string>()->default_value("generic"),
       "gate set and device: ibm_heron, ibm_eagle, nam or generic")
      ("coupling-map", po::value<std::string>()->default_value(""),
       "qubit connectivity: line:N, ring:N, grid:RxC, heavy-hex:N or a JSON edge list")
      ("noise", po::value<std::string>(), "target the device of this noise model (qforge noise import)")
      ("opt,O", po::value<int>()->default_value(2), "optimisation level 0-3")
      ("sample", po::value<int>(), "bind the data of test image I of the run's split")
      ("emit", po::value<std::string>()->default_value("qasm3"), "qasm3 or qasm2")
      ("data-dir", po::value<std::string>(), "override the dataset folder stored in the run")
      ("verbose", po::bool_switch(), "print the pass report and the layer's output to stderr")
      ("output,o", po::value<std::string>()->default_value("-"), "output file (- for stdout)");
  po::positional_options_description pos;
  pos.add("checkpoint", 1);
  po::variables_map vm;
  if (!parse_args(args, kUsage, desc, &pos, vm)) return kOk;
  if (!vm.count("checkpoint")) throw UsageError("no checkpoint (usage: qforge export CHECKPOINT)");
  models::ExportOptions o;
  o.checkpoint = vm["checkpoint"].as<std::string>();
  o.target = vm["target"].as<std::string>();
  o.coupling_map = vm["coupling-map"].as<std::string>();
  o.level = vm["opt"].as<int>();
  if (vm.count("sample")) {
    o.sample = vm["sample"].as<int>();
    if (o.sample < 0) throw UsageError("--sample takes an image index >= 0");
  }
  o.emit = vm["emit"].as<std::string>();
  if (vm.count("data-dir")) o.data_dir = vm["data-dir"].as<std::string>();
  std::optional<noise::NoiseModel> model;
  if (vm.count("noise")) {
    if (!vm["target"].defaulted() || !o.coupling_map.empty())
      throw UsageError("--noise takes the device's gates and coupling map from the model: drop --target and --coupling-map");
    model = noise::read_noise_model(vm["noise"].as<std::string>());
    o.level = 0;  // the checkpoint's circuit only; compiled for the device below
  }
  models::ExportResult r;
  try {
    r = models::export_checkpoint(o);
    if (model) device_job(r, vm["opt"].as<int>(), *model, o.emit);
  } catch (const LocatedError&) {
    throw;  // at an operation of the circuit: printed with its source line
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (vm["verbose"].as<bool>()) {
    std::cerr << r.compiled.pass_report;
    if (!r.layer_z.empty()) {
      std::cerr << "sample " << o.sample << " (label " << r.label << "): model <Z> =";
      for (double z : r.layer_z) std::fprintf(stderr, " %.6f", z);
      std::cerr << "\n";
    }
  }
  write_output(vm["output"].as<std::string>(), r.text);
  return kOk;
}

const Verb reg{"export", "export a hybrid checkpoint's trained circuit for hardware (IBM, Nam)", &run_export};

}  // namespace
}  // namespace qforge::cli
#endif  // QFORGE_HAVE_MODELS
