// `qforge equiv A.qasm B.qasm`: are two circuits the same operation up to
// global phase (and up to the layout B records)?
// Exit 0: equivalent; 1: not (naming where they first differ); 2: usage or
// input errors, or circuits that cannot be compared.
#include "cli.hpp"

#include "qforge/equiv.hpp"
#include "qforge/pipeline.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

namespace po = boost::program_options;

namespace qforge::cli {
namespace {

std::vector<uint32_t> parse_list(const std::string& s, const char* what) {
  std::vector<uint32_t> out;
  std::string body = s;
  body.erase(std::remove_if(body.begin(), body.end(), [](char c) { return c == '[' || c == ']' || c == ' '; }),
             body.end());
  std::stringstream ss(body);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    try {
      out.push_back(static_cast<uint32_t>(std::stoul(item)));
    } catch (const std::exception&) {
      throw UsageError(std::string(what) + ": expected a list of qubit numbers like 0,3,1, got '" + s + "'");
    }
  }
  return out;
}

int run_equiv(const std::vector<std::string>& args) {
  po::options_description desc("options");
  desc.add_options()
      ("first", po::value<std::string>()->required(), "first circuit (reference)")
      ("second", po::value<std::string>()->required(), "second circuit (e.g. compiled output)")
      ("initial-layout", po::value<std::string>(), "logical qubit i of the first circuit is qubit L[i] of the second at the start (default: from a `qforge-layout` comment in the second file, else identity)")
      ("final-layout", po::value<std::string>(), "... and at the end (default: as recorded, else the initial layout)")
      ("ignore-layout", "ignore a recorded `qforge-layout` comment")
      ("max-exact-qubits", po::value<uint32_t>()->default_value(12), "compare unitaries exactly up to this many qubits")
      ("states", po::value<uint32_t>()->default_value(16), "random input states beyond that")
      ("seed", po::value<uint64_t>()->default_value(0x5eed), "random seed")
      ("tolerance", po::value<double>()->default_value(1e-6), "largest amplitude difference accepted");
  add_circuit_options(desc);
  po::positional_options_description pos;
  pos.add("first", 1).add("second", 1);
  po::variables_map vm;
  const std::string usage =
      "usage: qforge equiv A.qasm B.qasm [options]\n"
      "Exit status: 0 equivalent (up to global phase), 1 not equivalent, 2 usage or input error.";
  if (!parse_args(args, usage, desc, &pos, vm)) return kOk;
  const CompileOptions copt = circuit_options(vm);
  const std::string pa = vm["first"].as<std::string>(), pb = vm["second"].as<std::string>();
  auto a = load_circuit(pa, copt);
  auto b = load_circuit(pb, copt);
  if (!a || !b) return kUsage;

  EquivOptions o;
  o.max_exact_qubits = vm["max-exact-qubits"].as<uint32_t>();
  o.num_random_states = vm["states"].as<uint32_t>();
  o.seed = vm["seed"].as<uint64_t>();
  o.tolerance = vm["tolerance"].as<double>();
  std::string layout_from;
  if (!vm.count("ignore-layout")) {
    std::ifstream f(pb);
    std::stringstream ss;
    ss << f.rdbuf();
    if (parse_layout_comment(ss.str(), o.initial_layout, o.final_layout)) layout_from = "recorded in " + pb;
  }
  if (vm.count("initial-layout")) {
    o.initial_layout = parse_list(vm["initial-layout"].as<std::string>(), "--initial-layout");
    layout_from = "given";
  }
  if (vm.count("final-layout")) {
    o.final_layout = parse_list(vm["final-layout"].as<std::string>(), "--final-layout");
    layout_from = "given";
  }
  EquivResult r;
  try {
    r = check_equivalence(*a, *b, o);
  } catch (const LocatedError& e) {
    print_error(e);
    return kUsage;
  } catch (const std::invalid_argument& e) {
    std::cerr << "qforge equiv: cannot compare: " << e.what() << "\n";
    return kUsage;
  }
  std::cout << "method: " << r.method << (r.exact ? "" : " (probabilistic)") << "\n";
  if (!layout_from.empty()) std::cout << "layout: " << layout_from << "\n";
  if (r.equivalent) {
    std::cout << "equivalent up to global phase " << r.global_phase << " (max amplitude error " << r.max_error << ")\n";
    return kOk;
  }
  std::cout << "NOT equivalent: " << r.detail << "\n";
  return kFailed;
}

const Verb reg{"equiv", "check that two circuits are equivalent up to global phase", &run_equiv};

}  // namespace
}  // namespace qforge::cli
