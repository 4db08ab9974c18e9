// bench_optimizer: compile the Nam suite at -O2 and -O3 for the `nam` target
// and compare with published optimizers; then route it onto ibm_heron.
//
//   QFORGE_CORPUS=/work/shared/corpus ./bench_optimizer [--no-route | --route-only] [--verify]
//
// Counts are in the Nam gate set (total / CX / T, t s z count as one Rz),
// as corpus/README.md counts them. "red%" is the total-gate reduction; the
// summary line is the mean of per-circuit percentage reductions over the
// circuits that have published numbers (the README's metric: Nam heavy
// 24.8%). --verify proves every result equivalent to its input with
// `qforge equiv`'s engine (routed ones with their layouts) and prints the
// engine that proved it and the seconds it took.
#include "qforge/diagnostics.hpp"
#include "qforge/equiv.hpp"
#include "qforge/frontend.hpp"
#include "qforge/passes.hpp"
#include "qforge/pipeline.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <utility>
#include <optional>
#include <string>
#include <vector>

namespace {

// Published results (corpus/README.md): orig tot/CX/T, Qiskit tot/CX,
// tket tot/CX, Nam-L tot/CX, Nam-H tot/CX/T.
struct Published {
  const char* name;
  int orig_tot, orig_cx, orig_t;
  int qiskit_tot, qiskit_cx;
  int tket_tot, tket_cx;
  int naml_tot, naml_cx;
  int namh_tot, namh_cx, namh_t;
};
constexpr Published kPublished[] = {
    {"adder_8", 900, 409, 399, 805, 385, 794, 397, 646, 331, 606, 291, 215},
    {"barenco_tof_3", 58, 24, 28, 51, 24, 51, 24, 42, 20, 40, 18, 16},
    {"barenco_tof_10", 450, 192, 224, 394, 192, 394, 192, 294, 160, 264, 130, 100},
    {"csla_mux_3", 170, 80, 70, 156, 71, 155, 77, 161, 76, 155, 70, 64},
    {"gf2^4_mult", 225, 99, 112, 206, 99, 206, 99, 187, 99, 187, 99, 68},
    {"gf2^8_mult", 883, 405, 448, 804, 405, 803, 402, 712, 405, 712, 405, 264},
    {"gf2^10_mult", 1347, 609, 700, 1238, 609, 1240, 609, 1070, 609, 1070, 609, 410},
    {"mod5_4", 63, 28, 28, 58, 28, 58, 28, 51, 28, 51, 28, 16},
    {"mod_mult_55", 119, 48, 49, 106, 48, 102, 48, 91, 40, 91, 40, 35},
    {"qcla_adder_10", 521, 233, 238, 469, 213, 459, 223, 411, 195, 399, 183, 162},
    {"qcla_mod_7", 884, 382, 413, 793, 366, 780, 382, 636, 302, 624, 292, 235},
    {"rc_adder_6", 200, 93, 77, 170, 81, 168, 91, 142, 73, 140, 71, 47},
    {"tof_3", 45, 18, 21, 40, 18, 40, 18, 35, 14, 35, 14, 15},
    {"tof_4", 75, 30, 35, 66, 30, 66, 30, 55, 22, 55, 22, 23},
    {"tof_10", 255, 102, 119, 222, 102, 222, 102, 175, 70, 175, 70, 71},
    {"vbe_adder_3", 150, 70, 70, 138, 62, 139, 70, 89, 50, 89, 50, 24},
};

// Two-qubit gates after routing to a 133-qubit Heron heavy-hex map with
// Qiskit 2.2 at optimization level 2 (Benchpress).
constexpr std::pair<const char*, int> kQiskitHeron[] = {
    {"adder_8", 795},     {"barenco_tof_10", 393}, {"csla_mux_3", 154},    {"gf2^4_mult", 238},
    {"gf2^8_mult", 1167}, {"gf2^10_mult", 1872},   {"ham15-low", 792},     {"mod5_4", 45},
    {"mod_mult_55", 89},  {"qcla_adder_10", 527},  {"qcla_mod_7", 885},    {"rc_adder_6", 167},
    {"tof_3", 26},        {"tof_4", 45},           {"tof_10", 158},        {"vbe_adder_3", 110},
    {"barenco_tof_3", 36},
};

const Published* published(const std::string& name) {
  for (const auto& p : kPublished)
    if (name == p.name) return &p;
  return nullptr;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// "yes path sums 0.012 s", "NO: ..." or "not proved: ..." for one compilation.
std::string prove(const qforge::Circuit& c, const qforge::CompileResult& r) {
  qforge::EquivOptions eo;
  eo.engine = qforge::EquivEngine::Exact;
  eo.initial_layout = r.initial_layout;
  eo.final_layout = r.final_layout;
  try {
    auto t0 = std::chrono::steady_clock::now();
    auto er = qforge::check_equivalence(c, r.circuit, eo);
    const double s = seconds_since(t0);
    const std::string engine = er.method.substr(0, er.method.find(':'));
    if (!er.equivalent) return "NO: " + er.detail;
    return fmt::format("yes {:>7.3f} s {}", s, engine);
  } catch (const std::exception& e) {
    return std::string("not proved: ") + e.what();
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool route = true, verify = false, optimise = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--no-route") route = false;
    else if (a == "--route-only") optimise = false;
    else if (a == "--verify") verify = true;
  }
  const char* corpus = std::getenv("QFORGE_CORPUS");
  if (!corpus) {
    fmt::print(stderr, "set QFORGE_CORPUS to the corpus folder (e.g. /work/shared/corpus)\n");
    return 2;
  }
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(corpus) / "nam"))
    if (e.path().extension() == ".qasm") files.push_back(e.path());
  std::sort(files.begin(), files.end());

  struct Loaded {
    std::string name;
    qforge::Circuit c;
  };
  std::vector<Loaded> circuits;
  for (const auto& f : files) {
    qforge::DiagnosticSink diags;
    qforge::Circuit c = qforge::compile_file(f.string(), {}, diags);
    if (diags.has_errors()) {
      fmt::print(stderr, "{}: {}\n", f.string(), diags.format());
      continue;
    }
    circuits.push_back({f.stem().string(), std::move(c)});
  }

  for (int level : {2, 3}) {
    if (!optimise) break;
    fmt::print("\n== -O{} target nam ==\n", level);
    fmt::print("{:<16} {:>16} {:>16} {:>6} {:>11} {:>11} {:>11} {:>15} {:>7}{}\n", "circuit", "orig tot/CX/T",
               "ours tot/CX/T", "red%", "Qiskit", "tket", "Nam-L", "Nam-H tot/CX/T", "sec", verify ? "  equiv" : "");
    double sum_red = 0, sum_namh = 0, all_red = 0, total_s = 0;
    int n_pub = 0, n_all = 0, cx_le_namh = 0;
    for (const auto& [name, c] : circuits) {
      auto t0 = std::chrono::steady_clock::now();
      qforge::CompileResult r = qforge::run_pipeline(c, level, "nam");
      double s = seconds_since(t0);
      total_s += s;
      qforge::GateCounts o = qforge::count_gates(c), n = qforge::count_gates(r.circuit);
      double red = o.total ? 100.0 * (double(o.total) - double(n.total)) / double(o.total) : 0;
      all_red += red;
      ++n_all;
      std::string eq;
      if (verify) eq = "  " + prove(c, r);
      const Published* p = published(name);
      std::string pub_q = "-", pub_t = "-", pub_l = "-", pub_h = "-";
      if (p) {
        pub_q = fmt::format("{}/{}", p->qiskit_tot, p->qiskit_cx);
        pub_t = fmt::format("{}/{}", p->tket_tot, p->tket_cx);
        pub_l = fmt::format("{}/{}", p->naml_tot, p->naml_cx);
        pub_h = fmt::format("{}/{}/{}", p->namh_tot, p->namh_cx, p->namh_t);
        sum_red += red;
        sum_namh += 100.0 * (p->orig_tot - p->namh_tot) / p->orig_tot;
        if (n.two_qubit <= static_cast<uint64_t>(p->namh_cx)) ++cx_le_namh;
        ++n_pub;
      }
      fmt::print("{:<16} {:>16} {:>16} {:>6.1f} {:>11} {:>11} {:>11} {:>15} {:>7.3f}{}\n", name,
                 fmt::format("{}/{}/{}", o.total, o.two_qubit, o.t),
                 fmt::format("{}/{}/{}", n.total, n.two_qubit, n.t), red, pub_q, pub_t, pub_l, pub_h, s, eq);
    }
    fmt::print("mean total reduction over the {} published circuits: ours {:.1f}%, Nam-H {:.1f}% (README: 24.8%); "
               "CX <= Nam-H on {}/{}\n",
               n_pub, sum_red / std::max(1, n_pub), sum_namh / std::max(1, n_pub), cx_le_namh, n_pub);
    fmt::print("mean over all {} circuits: {:.1f}%; whole suite {:.2f} s\n", n_all, all_red / std::max(1, n_all),
               total_s);
  }

  if (route) {
    fmt::print("\n== -O2 and -O3 target ibm_heron (133-qubit heavy-hex), two-qubit gates after routing ==\n");
    fmt::print("{:<16} {:>7} {:>9} {:>9} {:>7} {:>8} {:>9} {:>8} {:>7}{}\n", "circuit", "qubits", "CX O2nam", "CZ O2",
               "swaps*", "sec", "CZ O3", "sec", "Qiskit", verify ? "  equiv O2 / O3" : "");
    double total_s = 0, total_s3 = 0;
    uint64_t total2 = 0, total3 = 0, listed3 = 0, listed_qiskit = 0;
    int at_or_below = 0, listed = 0;
    for (const auto& [name, c] : circuits) {
      if (c.num_qubits > 133) continue;
      auto t0 = std::chrono::steady_clock::now();
      qforge::CompileResult nam = qforge::run_pipeline(c, 2, "nam");
      qforge::CompileResult r = qforge::run_pipeline(c, 2, "ibm_heron");
      double s = seconds_since(t0);
      total_s += s;
      t0 = std::chrono::steady_clock::now();
      qforge::CompileResult r3 = qforge::run_pipeline(c, 3, "ibm_heron");
      double s3 = seconds_since(t0);
      total_s3 += s3;
      auto a = qforge::count_gates(nam.circuit), b = qforge::count_gates(r.circuit), b3 = qforge::count_gates(r3.circuit);
      total2 += b.two_qubit;
      total3 += b3.two_qubit;
      std::string qiskit;
      for (const auto& [qname, count] : kQiskitHeron)
        if (name == qname) {
          qiskit = std::to_string(count) + (b3.two_qubit <= static_cast<uint64_t>(count) ? " " : "!");
          ++listed;
          at_or_below += b3.two_qubit <= static_cast<uint64_t>(count);
          listed3 += b3.two_qubit;
          listed_qiskit += count;
        }
      fmt::print("{:<16} {:>7} {:>9} {:>9} {:>7} {:>8.3f} {:>9} {:>8.3f} {:>7}{}\n", name, c.num_qubits, a.two_qubit,
                 b.two_qubit, (static_cast<long long>(b.two_qubit) - static_cast<long long>(a.two_qubit)) / 3, s,
                 b3.two_qubit, s3, qiskit, verify ? "  " + prove(c, r) + " / " + prove(c, r3) : "");
    }
    fmt::print("(* swaps estimated as the extra two-qubit gates / 3; ! above Qiskit)\n");
    fmt::print("total two-qubit: -O2 {} ({:.2f} s), -O3 {} ({:.2f} s); -O3 at or below Qiskit 2.2 on {}/{} listed "
               "circuits ({} vs {})\n",
               total2, total_s, total3, total_s3, at_or_below, listed, listed3, listed_qiskit);
  }
  return 0;
}
