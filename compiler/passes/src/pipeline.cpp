// Pipelines per optimisation level (see qforge/pipeline.hpp).
//
//   O0  translate to the target basis (route first when there is a map)
//   O1  lower to {h,x,cx,rz}; adjacent inverse cancellation and rotation
//       merging to a fixpoint; [route]; translate; fuse single-qubit runs
//   O2  O1 with commutation-aware cancellation, phase-polynomial rotation
//       merging and single-qubit resynthesis in the fixpoint
//   O3  O2 with Hadamard reduction first as well, NOT propagation as a
//       further start, cnot-phase resynthesis (gray-synth, windows) of
//       {cx,x,rz} regions before routing; then rotation floating and
//       Hadamard flips (local searches, each trial re-optimised), KAK
//       resynthesis of two-qubit blocks (kept when cheaper), more rounds
//       and more routing trials; after routing, KAK resynthesis of the
//       routed two-qubit blocks (a SWAP beside gates on the same pair)
// A target with calibrated directions (Target::directions) gets the
// gate-direction pass right after the translation to its basis, before the
// single-qubit gates it adds are fused.
#include "qforge/passes.hpp"
#include "qforge/pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace qforge {

Basis basis_of(const Target& t) {
  if (t.name == "nam") return Basis::Nam;
  if (t.two_qubit == GateId::ECR) return Basis::IbmEcr;
  if (t.two_qubit == GateId::CZ && !t.basis.empty()) return Basis::IbmCz;
  return Basis::Generic;
}


namespace {


// Run `passes` once each, in order.
std::unique_ptr<Pass> sequence(std::string name, std::vector<std::unique_ptr<Pass>> passes) {
  FixpointConfig once;
  once.name = std::move(name);
  once.max_rounds = 1;
  return createFixpointPass(std::move(passes), once);
}

// `routed`: the circuit already sits on a coupling map, so no pass may
// create cx between new pairs of qubits (cnot-phase resynthesis would).
std::unique_ptr<Pass> fixpoint_block(int level, Basis basis, const std::string& name,
                                     PhasePolynomialConfig::Placement placement, bool hadamard_first, bool routed) {
  std::vector<std::unique_ptr<Pass>> ps;
  FixpointConfig fc;
  fc.name = name;
  if (level == 1) {
    ps.push_back(createInverseCancellationPass());
    ps.push_back(createRotationMergePass());
    fc.max_rounds = 4;
    return createFixpointPass(std::move(ps), fc);
  }
  const bool nam = basis == Basis::Nam;
  if (nam && hadamard_first) ps.push_back(createHadamardReductionPass());
  ps.push_back(createCommutationCancellationPass());
  if (nam) {
    PhasePolynomialConfig pc;
    pc.placement = placement;
    ps.push_back(createPhasePolynomialPass(pc));
    ps.push_back(createCommutationCancellationPass());
    if (!hadamard_first) ps.push_back(createHadamardReductionPass());
    if (level >= 3 && !routed) {
      ps.push_back(createCnotPhaseResynthesisPass());
      CnotPhaseResynthesisConfig back;
      back.from_back = true;
      ps.push_back(createCnotPhaseResynthesisPass(back));
    }
  }
  ps.push_back(createSingleQubitFusionPass({basis}));
  fc.max_rounds = level >= 3 ? 12 : 6;
  return createFixpointPass(std::move(ps), fc);
}

std::unique_ptr<Pass> optimise_block(int level, Basis basis, const std::string& name, bool routed = false) {
  using P = PhasePolynomialConfig::Placement;
  if (level == 1 || basis != Basis::Nam) return fixpoint_block(level, basis, name, P::First, false, routed);
  std::vector<std::unique_ptr<Pass>> alts;
  alts.push_back(fixpoint_block(level, basis, name + "[first]", P::First, false, routed));
  alts.push_back(fixpoint_block(level, basis, name + "[last]", P::Last, false, routed));
  alts.push_back(fixpoint_block(level, basis, name + "[smart]", P::Smart, false, routed));
  if (level >= 3) {
    alts.push_back(fixpoint_block(level, basis, name + "[h-first,first]", P::First, true, routed));
    alts.push_back(fixpoint_block(level, basis, name + "[h-first,last]", P::Last, true, routed));
    alts.push_back(fixpoint_block(level, basis, name + "[h-first,smart]", P::Smart, true, routed));
    for (P placement : {P::First, P::Last, P::Smart}) {
      std::vector<std::unique_ptr<Pass>> seq;
      seq.push_back(createNotPropagationPass());
      const char* tag = placement == P::First ? "first" : placement == P::Last ? "last" : "smart";
      seq.push_back(fixpoint_block(level, basis, name + "[x-prop," + tag + "]", placement, false, routed));
      alts.push_back(sequence(name + "[x-prop," + tag + "]", std::move(seq)));
    }
  }
  BestOfConfig bc;
  bc.name = name;
  return createBestOfPass(std::move(alts), bc);
}

// A program on physical qubits has as many qubits as the highest `$n` it
// names, so a layout qubit that no operation names (an idle logical qubit,
// or one whose gates the passes removed) would lie outside the circuit read
// back from the output. A barrier on those qubits, first, names them.
void name_layout_qubits(CompileResult& r) {
  std::vector<bool> named(r.circuit.num_qubits, false);
  for (const Operation& op : r.circuit.ops)
    for (uint32_t q : op.qubits) named[q] = true;
  Operation barrier;
  barrier.kind = OpKind::Barrier;
  for (const auto* layout : {&r.initial_layout, &r.final_layout})
    for (uint32_t q : *layout)
      if (!named[q]) {
        named[q] = true;
        barrier.qubits.push_back(q);
      }
  if (barrier.qubits.empty()) return;
  std::sort(barrier.qubits.begin(), barrier.qubits.end());
  r.circuit.ops.insert(r.circuit.ops.begin(), std::move(barrier));
}

}  // namespace

Pipeline pipeline_for_level(int level, const Target& target) {
  if (level < 0 || level > 3) throw std::invalid_argument("optimisation level must be 0..3, got " + std::to_string(level));
  Pipeline p;
  p.name = "O" + std::to_string(level) + "/" + target.name;
  const Basis tb = basis_of(target);
  auto add_routing = [&] {
    if (!target.coupling) return;
    RoutingConfig rc;
    rc.coupling = *target.coupling;
    rc.trials = level <= 1 ? 4 : level == 2 ? 8 : 64;
    rc.resynthesised = level >= 3;
    auto r = createRoutingPass(rc);
    p.routing = r.get();
    p.passes.push_back(std::move(r));
  };
  auto add_direction = [&] {
    if (target.directed()) p.passes.push_back(createGateDirectionPass({target.two_qubit, target.directions}));
  };
  if (level == 0) {
    if (target.coupling) {
      p.passes.push_back(createBasisTranslationPass({Basis::Nam}));
      add_routing();
    }
    p.passes.push_back(createBasisTranslationPass({tb}));
    add_direction();
    return p;
  }
  p.passes.push_back(createBasisTranslationPass({Basis::Nam}));
  p.passes.push_back(optimise_block(level, Basis::Nam, "optimise(nam)"));
  if (level >= 3) {
    // Rotations moved to other points with their parity, each trial
    // cleaned up by the passes that profit from it.
    std::vector<std::unique_ptr<Pass>> cleanup;
    cleanup.push_back(createCommutationCancellationPass());
    cleanup.push_back(createCnotPhaseResynthesisPass());
    p.passes.push_back(createRotationFloatingPass(sequence("cleanup(nam)", std::move(cleanup))));
    // Pairs of h around cx only, flipped away, each trial re-optimised.
    p.passes.push_back(createHadamardFlipPass(
        fixpoint_block(3, Basis::Nam, "reoptimise(nam)", PhasePolynomialConfig::Placement::First, false, false)));
    // KAK resynthesis of two-qubit blocks, then a cleanup; kept only when
    // the result is cheaper (best-of one alternative against the input).
    std::vector<std::unique_ptr<Pass>> seq;
    seq.push_back(createTwoQubitResynthesisPass({Basis::Nam}));
    seq.push_back(fixpoint_block(2, Basis::Nam, "cleanup(nam)", PhasePolynomialConfig::Placement::First, false, false));
    std::vector<std::unique_ptr<Pass>> alts;
    alts.push_back(sequence("two-qubit-resynthesis+cleanup(nam)", std::move(seq)));
    BestOfConfig bc;
    bc.name = "kak(nam)";
    p.passes.push_back(createBestOfPass(std::move(alts), bc));
  }
  add_routing();
  if (target.coupling && level >= 3) {
    // SWAPs beside gates on the same pair: KAK resynthesis of the routed
    // two-qubit blocks where it saves two-qubit gates (even at the price of
    // single-qubit ones), a Clifford+T block only into Clifford+T gates (so
    // that path sums still prove the output), then a cleanup that creates
    // no new pairs.
    std::vector<std::unique_ptr<Pass>> seq;
    TwoQubitResynthesisConfig tc;
    tc.two_qubit_first = true;
    tc.keep_clifford_t = true;
    seq.push_back(createTwoQubitResynthesisPass(tc));
    seq.push_back(fixpoint_block(2, Basis::Nam, "cleanup-routed(nam)", PhasePolynomialConfig::Placement::First, false, true));
    p.passes.push_back(sequence("two-qubit-resynthesis+cleanup-routed(nam)", std::move(seq)));
  }
  if (target.coupling && level >= 2)
    p.passes.push_back(optimise_block(level, Basis::Nam, "optimise-routed(nam)", /*routed=*/true));
  if (tb != Basis::Nam) {
    p.passes.push_back(createBasisTranslationPass({tb}));
    add_direction();
    p.passes.push_back(createSingleQubitFusionPass({tb}));
    p.passes.push_back(optimise_block(std::min(level, 2), tb, "optimise(" + basis_name(tb) + ")"));
  }
  return p;
}

CompileResult run_pipeline(const Circuit& c, int level, const std::string& target_name, const std::string& spec,
                           bool check_each_pass) {
  return run_pipeline(c, level, make_target(target_name, spec), check_each_pass);
}

CompileResult run_pipeline(const Circuit& c, int level, const Target& t, bool check_each_pass) {
  Pipeline p = pipeline_for_level(level, t);
  check_classical(c, t);
  if (t.coupling) {
    const uint32_t have = t.coupling->num_qubits;
    if (c.num_qubits > have) {
      // Located at the first operation that needs a qubit beyond the device.
      const std::string why = "the circuit has " + std::to_string(c.num_qubits) + " qubits but the coupling map " +
                              t.coupling->description + " only " + std::to_string(have);
      for (const Operation& op : c.ops)
        for (uint32_t q : op.qubits)
          if (q >= have) throw error_at(op, why + " (this " + op_name(op) + " uses qubit " + std::to_string(q) + ")");
      throw std::invalid_argument(why);
    }
    if (c.physical_qubits) throw std::invalid_argument("the circuit already uses physical qubits; cannot route it again");
  }
  CompileResult r;
  r.circuit = c;
  std::ostringstream rep;
  rep << "pipeline " << p.name << "\n";
  for (auto& pass : p.passes) {
    pass->set_checks(check_each_pass);
    auto t0 = std::chrono::steady_clock::now();
    pass->apply(r.circuit);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    GateCounts g = count_gates(r.circuit);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f", s);
    rep << "  " << pass->name() << ": " << g.total << " gates, " << g.two_qubit << " two-qubit, " << buf << " s";
    if (!pass->report().empty()) rep << " (" << pass->report() << ")";
    rep << "\n";
  }
  if (p.routing) {
    r.initial_layout = p.routing->initial_layout();
    r.final_layout = p.routing->final_layout();
    name_layout_qubits(r);
  }
  r.pass_report = rep.str();
  if (auto err = r.circuit.verify(); !err.empty()) throw std::logic_error("pipeline produced invalid IR: " + err);
  if (t.directed())
    if (auto err = check_target(r.circuit, t); !err.empty())
      throw std::logic_error("pipeline output does not fit " + t.name + ": " + err);
  return r;
}

std::string describe_pipeline(int level, const std::string& target_name, const std::string& spec) {
  return describe_pipeline(level, make_target(target_name, spec));
}

std::string describe_pipeline(int level, const Target& t) {
  Pipeline p = pipeline_for_level(level, t);
  std::string s = "pipeline " + p.name + " (target " + t.name + " " + t.basis_text();
  if (t.coupling) s += ", coupling map " + t.coupling->description;
  if (t.directed()) s += ", " + std::to_string(t.directions.size()) + " calibrated directions";
  s += "):\n";
  for (const auto& pass : p.passes) s += pass->describe(2);
  return s;
}

std::string layout_comment(const CompileResult& r) {
  if (r.initial_layout.empty()) return {};
  auto list = [](const std::vector<uint32_t>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
    return s + "]";
  };
  return "// qforge-layout initial=" + list(r.initial_layout) + " final=" + list(r.final_layout);
}

bool parse_layout_comment(const std::string& text, std::vector<uint32_t>& initial, std::vector<uint32_t>& fin) {
  auto at = text.find("qforge-layout");
  if (at == std::string::npos) return false;
  auto read = [&](const std::string& key, std::vector<uint32_t>& out) {
    auto k = text.find(key + "=[", at);
    if (k == std::string::npos) return false;
    auto e = text.find(']', k);
    if (e == std::string::npos) return false;
    out.clear();
    std::string body = text.substr(k + key.size() + 2, e - k - key.size() - 2);
    std::stringstream ss(body);
    std::string item;
    while (std::getline(ss, item, ','))
      if (!item.empty()) out.push_back(static_cast<uint32_t>(std::stoul(item)));
    return true;
  };
  return read("initial", initial) && read("final", fin);
}

GateCounts count_gates(const Circuit& c) {
  GateCounts g;
  for_each_operation(c.ops, [&](const Operation& op) {
    if (op.kind != OpKind::Gate) return;
    ++g.total;
    if (op.qubits.size() == 2) ++g.two_qubit;
    if (op.gate == GateId::T || op.gate == GateId::Tdg) {
      ++g.t;
    } else if ((op.gate == GateId::RZ || op.gate == GateId::P || op.gate == GateId::U1) && op.num_controls == 0 &&
               op.params[0].is_const()) {
      double k = op.params[0].value() / (M_PI / 4);
      double r = std::round(k);
      if (std::abs(k - r) < 1e-9 && static_cast<long long>(r) % 2 != 0) ++g.t;
    }
  });
  return g;
}

}  // namespace qforge
