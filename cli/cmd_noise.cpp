// `qforge noise`: import IBM calibration files into a device noise model and
// show the channels it gives.
#include "cli.hpp"
#include "qforge/noise_model.hpp"

#include <cstdio>
#include <iostream>
#include <sstream>

namespace po = boost::program_options;

namespace qforge::cli {
namespace {

const char* kUsage =
    "usage: qforge noise import PROPS.json [CONF.json] -o DEVICE.noise.json [--format text|json]\n"
    "       qforge noise show DEVICE.noise.json [--qubits a[,b]] [--gate G --qubits a[,b]]\n\n"
    "import reads IBM BackendProperties JSON (T1, T2, readout errors, gate errors and\n"
    "lengths) and optionally BackendConfiguration JSON (basis, coupling map, dt), writes\n"
    "the normalised model (SI units) and prints a summary with every repair: faulty\n"
    "gates (gate_error 1, excluded), T2 clipped to 2*T1, missing values and what was\n"
    "assumed. show prints the model's summary, a qubit's T1, T2 and readout matrix\n"
    "(--qubits), or the channels after a gate (--gate with --qubits): the depolarizing\n"
    "parameter and thermal relaxation Qiskit Aer's NoiseModel.from_backend uses, with\n"
    "their Kraus operators.";

std::vector<unsigned> parse_qubits(const std::string& text) {
  std::vector<unsigned> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty() && item[0] == '$') item.erase(0, 1);
    std::size_t used = 0;
    unsigned long v = 0;
    try {
      v = std::stoul(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size() || item[0] == '-')
      throw UsageError("--qubits expects qubit numbers separated by commas, got '" + text + "'");
    out.push_back(static_cast<unsigned>(v));
  }
  if (out.empty()) throw UsageError("--qubits expects qubit numbers separated by commas, got '" + text + "'");
  return out;
}

std::string number(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

std::string matrix_text(const std::vector<std::complex<double>>& m, std::size_t d) {
  std::string out;
  for (std::size_t r = 0; r < d; ++r) {
    out += "      [";
    for (std::size_t c = 0; c < d; ++c) {
      const auto z = m[r * d + c];
      char buf[64];
      if (z.imag() == 0)
        std::snprintf(buf, sizeof buf, "%12.6g", z.real());
      else if (z.real() == 0)
        std::snprintf(buf, sizeof buf, "%11.6gi", z.imag());
      else
        std::snprintf(buf, sizeof buf, "%.4g%+.4gi", z.real(), z.imag());
      out += (c ? " " : "") + std::string(buf);
    }
    out += " ]\n";
  }
  return out;
}

std::string qubit_text(const noise::NoiseModel& m, unsigned q) {
  if (q >= m.qubits.size())
    throw std::invalid_argument("qubit " + std::to_string(q) + " is not on " + m.backend_name + " (" +
                                std::to_string(m.qubits.size()) + " qubits)");
  const auto& x = m.qubits[q];
  auto us = [](const std::optional<double>& t) { return t ? number(*t * 1e6) + " us" : std::string("infinite"); };
  return "$" + std::to_string(q) + ": T1 " + us(x.t1) + ", T2 " + us(x.t2) + ", readout " +
         number(x.readout_length * 1e9) + " ns\n  readout matrix P(read | prepared), rows prepared 0, 1:\n" +
         "    [" + number(1 - x.p1_given_0) + " " + number(x.p1_given_0) + "]\n    [" + number(x.p0_given_1) + " " +
         number(1 - x.p0_given_1) + "]\n";
}

std::string gate_text(const noise::NoiseModel& m, const std::string& gate, const std::vector<unsigned>& qubits) {
  const auto channels = noise::gate_channels(m, gate, qubits);  // throws for a missing or faulty entry
  const auto* e = m.find(gate, qubits);
  std::string out = gate + " on";
  for (unsigned q : qubits) out += " $" + std::to_string(q);
  out += ": error " + number(e->error) + ", length " + number(e->length * 1e9) + " ns, depolarizing p " +
         number(noise::depolarizing_parameter(m, gate, qubits)) + "\n";
  if (channels.empty()) out += "  no noise (a virtual gate)\n";
  for (const auto& ch : channels) {
    out += "  " + ch.label + " (" + std::to_string(ch.kraus.size()) + " Kraus operators)\n";
    const std::size_t d = std::size_t(1) << ch.qubits.size();
    for (std::size_t k = 0; k < ch.kraus.size(); ++k) {
      out += "    K" + std::to_string(k) + ":\n" + matrix_text(ch.kraus[k], d);
    }
  }
  return out;
}

int run_noise(const std::vector<std::string>& args) {
  po::options_description desc("options");
  desc.add_options()
      ("action", po::value<std::string>()->required(), "import or show")
      ("files", po::value<std::vector<std::string>>()->composing(), "input files")
      ("output,o", po::value<std::string>(), "import: where to write the model")
      ("format", po::value<std::string>()->default_value("text"), "import summary: text or json")
      ("gate", po::value<std::string>(), "show: the gate whose channels to print")
      ("qubits", po::value<std::string>(), "show: device qubits, e.g. 3 or 3,4");
  po::positional_options_description pos;
  pos.add("action", 1).add("files", -1);
  po::variables_map vm;
  if (!parse_args(args, kUsage, desc, &pos, vm)) return kOk;

  const std::string action = vm["action"].as<std::string>();
  if (action != "import" && action != "show")
    throw UsageError("the action must be import or show, got '" + action + "'\n" + std::string(kUsage));
  const std::vector<std::string> files =
      vm.count("files") ? vm["files"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (action == "import") {
    if (files.empty() || files.size() > 2) throw UsageError("import takes PROPS.json and optionally CONF.json\n" + std::string(kUsage));
    if (!vm.count("output")) throw UsageError("import needs -o DEVICE.noise.json");
    if (vm.count("gate") || vm.count("qubits")) throw UsageError("--gate and --qubits belong to show");
    const std::string format = one_of(vm, "format", {"text", "json"});
    const noise::NoiseModel model = noise::import_ibm_files(files[0], files.size() > 1 ? files[1] : "");
    noise::write_noise_model(vm["output"].as<std::string>(), model);
    std::cout << (format == "json" ? noise::summary_json(model) : noise::summary_text(model));
    return kOk;
  }
  if (files.size() != 1) throw UsageError("show takes one model file\n" + std::string(kUsage));
  if (vm.count("output")) throw UsageError("-o belongs to import");
  if (vm.count("gate") && !vm.count("qubits")) throw UsageError("--gate needs --qubits");
  const noise::NoiseModel model = noise::read_noise_model(files[0]);
  if (vm.count("gate")) {
    std::cout << gate_text(model, vm["gate"].as<std::string>(), parse_qubits(vm["qubits"].as<std::string>()));
  } else if (vm.count("qubits")) {
    for (unsigned q : parse_qubits(vm["qubits"].as<std::string>())) std::cout << qubit_text(model, q);
  } else {
    std::cout << noise::summary_text(model);
  }
  return kOk;
}

const Verb reg{"noise", "device noise models from IBM calibration files: import, show channels", &run_noise};

}  // namespace
}  // namespace qforge::cli
