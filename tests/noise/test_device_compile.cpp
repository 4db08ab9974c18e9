// Compiling for a noise model's device: the predicted fidelity against the
// documented formula worked by hand, the placement against a brute-force
// search over every 4-qubit chain of ibm_fez, faulty gates never used, the
// output accepted by attach_noise, and the message for a circuit too big
// for the healthy part of the device.
#include "noise_test_util.hpp"

#include "qforge/device_compile.hpp"
#include "qforge/emit.hpp"
#include "qforge/frontend.hpp"

#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <set>

namespace qforge::noise::test {
namespace {

NoiseModel tiny() { return import_ibm_files(tiny_props(), tiny_conf()); }

/// An OpenQASM 3 program with the standard gates.
Circuit program(const std::string& body) {
  DiagnosticSink diags;
  Circuit c = compile_source("OPENQASM 3.0;\ninclude \"stdgates.inc\";\n" + body, "test.qasm", CompileOptions{}, diags);
  EXPECT_FALSE(diags.has_errors()) << body;
  return c;
}

/// A chain: h 0; cx 0,1; cx 1,2; cx 2,3; ry on each; all measured.
Circuit chain4(const std::string& more = "") {
  return program("qubit[4] q;\nbit[4] c;\nh q[0];\ncx q[0], q[1];\ncx q[1], q[2];\ncx q[2], q[3];\n" + more +
                 "for int i in [0:3] { ry(0.3 + i) q[i]; }\nc = measure q;\n");
}

/// The documented formula, written out again: prod (1 - gate error) *
/// prod over measurements (1 - mean readout error) * prod over used qubits
/// exp(-T/T1) exp(-T/T2), T the end of the as-soon-as-possible schedule.
/// `to` moves the circuit's device qubits (identity when empty). A cz may
/// run with its operands exchanged.
double hand_fidelity(const Circuit& c, const NoiseModel& m, const std::map<uint32_t, uint32_t>& to = {}) {
  auto at = [&](uint32_t q) { return to.empty() ? q : to.at(q); };
  std::map<uint32_t, double> ready;
  double f = 1;
  for (const Operation& op : c.ops) {
    std::vector<unsigned> qs;
    for (uint32_t q : op.qubits) qs.push_back(at(q));
    if (op.kind == OpKind::Gate) {
      const std::string name(gate_info(op.gate).name);
      const GateNoise* g = m.find(name, qs);
      if (!g && qs.size() == 2 && name == "cz") g = m.find(name, {qs[1], qs[0]});
      if (!g) return 0;  // not runnable there
      f *= 1 - g->error;
      double start = 0;
      for (unsigned q : qs) start = std::max(start, ready[q]);
      for (unsigned q : qs) ready[q] = start + g->length;
    } else if (op.kind == OpKind::Measure) {
      const QubitNoise& qn = m.qubits[qs[0]];
      f *= 1 - (qn.p1_given_0 + qn.p0_given_1) / 2;
      ready[qs[0]] += qn.readout_length;
    }
  }
  double T = 0;
  for (auto& [q, r] : ready) T = std::max(T, r);
  for (auto& [q, r] : ready) {
    const QubitNoise& qn = m.qubits[q];
    if (qn.t1) f *= std::exp(-T / *qn.t1);
    if (qn.t2) f *= std::exp(-T / *qn.t2);
  }
  return f;
}

TEST(PredictedFidelity, MatchesTheFormulaByHand) {
  // Numbers from props_tiny.json: x $0 and sx $1 60 ns, errors 5e-4 and
  // 5.1e-4; ecr $0,$1 660 ns, error 0.02; readout 1000 ns, p(1|0), p(0|1)
  // 0.01, 0.03 on $0 and 0.01, 0.02 on $1; T1, T2 100, 80 us on $0 and
  // 50 us, 100 us (120 us clipped to 2 T1) on $1.
  Circuit c = program("bit[2] c;\nx $0;\nsx $1;\nc[0] = measure $0;\nc[1] = measure $1;\n");
  c.ops.insert(c.ops.begin() + 1, make_gate(GateId::ECR, {0, 1}));  // stdgates.inc has no ecr
  const double T = 60e-9 + 660e-9 + 60e-9 + 1000e-9;  // $1 ends last
  const double gates = (1 - 5e-4) * (1 - 0.02) * (1 - 5.1e-4);
  const double readout = (1 - 0.02) * (1 - 0.015);
  const double deco = std::exp(-T / 100e-6 - T / 80e-6) * std::exp(-T / 50e-6 - T / 100e-6);
  const FidelityEstimate f = predicted_fidelity(c, tiny());
  EXPECT_NEAR(f.duration, T, 1e-15);
  EXPECT_NEAR(f.gates, gates, 1e-12);
  EXPECT_NEAR(f.readout, readout, 1e-12);
  EXPECT_NEAR(f.decoherence, deco, 1e-12);
  EXPECT_NEAR(f.fidelity, gates * readout * deco, 1e-12);
  EXPECT_NEAR(f.fidelity, hand_fidelity(c, tiny()), 1e-12);
}

TEST(DeviceTarget, TinyHealthyPart) {
  const DeviceTarget d = device_target(tiny());
  // ecr $1,$2 is faulty: {0,1} (ecr $0,$1) and {2,3} (ecr $3,$2) remain;
  // the tie goes to the set with the lowest qubit.
  EXPECT_EQ(d.physical, (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(d.target.basis_text(), "{ecr, rz, sx, x}");
  EXPECT_EQ(d.target.directions, (std::vector<std::pair<uint32_t, uint32_t>>{{0, 1}}));
}

// End to end on the committed tiny calibration: a cx against the calibrated
// direction, compiled, emitted, read back and given its noise.
TEST(DeviceCompile, TinyOutputPassesAttachNoise) {
  const NoiseModel m = tiny();
  const Circuit c = program("qubit[2] q;\nbit[2] c;\nh q[1];\ncx q[1], q[0];\nc = measure q;\n");
  for (int level = 0; level <= 3; ++level) {
    const DeviceCompileResult r = compile_for_device(c, level, m, true);
    for (const Operation& op : r.compiled.circuit.ops)
      if (op.kind == OpKind::Gate && op.qubits.size() == 2) {
        EXPECT_EQ(op.gate, GateId::ECR);
        EXPECT_TRUE(m.find("ecr", {op.qubits[0], op.qubits[1]})) << op.qubits[0] << "," << op.qubits[1];
      }
    EXPECT_NO_THROW(attach_noise(r.compiled.circuit, m)) << "O" << level;
    const std::string text = emit_qasm3(r.compiled.circuit);
    DiagnosticSink diags;
    const Circuit back = compile_source(text, "tiny_out.qasm", CompileOptions{}, diags);
    ASSERT_FALSE(diags.has_errors()) << text;
    EXPECT_NO_THROW(attach_noise(back, m)) << "O" << level << "\n" << text;
    EXPECT_NEAR(r.predicted.fidelity, hand_fidelity(r.compiled.circuit, m), 1e-12);
  }
}

TEST(DeviceCompile, TooBigForTheHealthyPart) {
  const Circuit c = program("qubit[3] q;\nh q[0];\ncx q[0], q[1];\ncx q[1], q[2];\n");
  try {
    compile_for_device(c, 1, tiny());
    FAIL() << "no error";
  } catch (const LocatedError& e) {
    EXPECT_EQ(std::string(e.what()),
              "the circuit has 3 qubits but tiny_eagle has only 2 usable connected qubits (of 4; faulty: ecr $1,$2) "
              "(this cx uses qubit 2)");
    EXPECT_EQ(e.loc().line, 6u);
  }
}

/// Every ordered simple path p0-p1-p2-p3 of usable qubits joined by
/// calibrated, non-faulty cz.
std::vector<std::array<unsigned, 4>> all_chains(const NoiseModel& m) {
  const unsigned n = static_cast<unsigned>(m.qubits.size());
  auto usable = [&](unsigned q) { return m.find("rz", {q}) && m.find("sx", {q}) && m.find("x", {q}); };
  std::vector<std::vector<unsigned>> nb(n);
  for (const GateNoise& g : m.gates)
    if (g.gate == "cz" && usable(g.qubits[0]) && usable(g.qubits[1])) nb[g.qubits[0]].push_back(g.qubits[1]);
  std::vector<std::array<unsigned, 4>> out;
  for (unsigned a = 0; a < n; ++a)
    if (usable(a))
      for (unsigned b : nb[a])
        for (unsigned c : nb[b])
          if (c != a)
            for (unsigned d : nb[c])
              if (d != a && d != b) out.push_back({a, b, c, d});
  return out;
}

TEST(DeviceCompile, FezChainBeatsEveryChainByBruteForce) {
  QFORGE_CALIBRATION_DIR_OR_SKIP(dir);
  const NoiseModel m = ibm_model(dir, "fez");
  const auto t0 = std::chrono::steady_clock::now();
  const DeviceCompileResult r = compile_for_device(chain4(), 2, m);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const Circuit& out = r.compiled.circuit;

  // Never a faulty gate; every gate calibrated as placed.
  std::set<std::pair<unsigned, unsigned>> faulty;
  for (const FaultyGate& g : m.repairs.faulty)
    if (g.qubits.size() == 2) faulty.insert({std::min(g.qubits[0], g.qubits[1]), std::max(g.qubits[0], g.qubits[1])});
  std::map<uint32_t, std::set<uint32_t>> adj;
  int cz = 0;
  for (const Operation& op : out.ops) {
    if (op.kind != OpKind::Gate) continue;
    std::vector<unsigned> qs(op.qubits.begin(), op.qubits.end());
    EXPECT_TRUE(m.find(std::string(gate_info(op.gate).name), qs)) << op_name(op);
    if (qs.size() == 2) {
      ++cz;
      EXPECT_FALSE(faulty.count({std::min(qs[0], qs[1]), std::max(qs[0], qs[1])})) << qs[0] << "," << qs[1];
      adj[qs[0]].insert(qs[1]);
      adj[qs[1]].insert(qs[0]);
    }
  }
  EXPECT_NO_THROW(attach_noise(out, m));
  ASSERT_EQ(cz, 3);
  ASSERT_EQ(adj.size(), 4u);
  // The chain's order on the device, from one end.
  std::vector<uint32_t> chain;
  for (auto& [q, s] : adj)
    if (s.size() == 1) {
      chain.push_back(q);
      break;
    }
  ASSERT_EQ(chain.size(), 1u);
  while (chain.size() < 4)
    for (uint32_t v : adj[chain.back()])
      if (std::find(chain.begin(), chain.end(), v) == chain.end()) {
        chain.push_back(v);
        break;
      }

  const double chosen = hand_fidelity(out, m);
  EXPECT_NEAR(r.predicted.fidelity, chosen, 1e-9);
  double best = 0;
  std::array<unsigned, 4> best_chain{};
  const auto chains = all_chains(m);
  for (const auto& p : chains) {
    std::map<uint32_t, uint32_t> to;
    for (int i = 0; i < 4; ++i) to[chain[i]] = p[i];
    const double f = hand_fidelity(out, m, to);
    if (f > best) {
      best = f;
      best_chain = p;
    }
  }
  EXPECT_GE(chosen, best - 1e-12) << "best chain " << best_chain[0] << "-" << best_chain[1] << "-" << best_chain[2]
                                  << "-" << best_chain[3];
  std::cout << "fez 4-chain: " << chains.size() << " chains; chosen " << chosen << " (router's placement "
            << r.router_placement.fidelity << "), brute-force best " << best << ", compile " << seconds << " s\n";
}

// ibm_sherbrooke's ecr is calibrated one way per coupler: every ecr of the
// output runs in its calibrated direction and attach_noise accepts it.
TEST(DeviceCompile, SherbrookeDirectedEcr) {
  QFORGE_CALIBRATION_DIR_OR_SKIP(dir);
  const NoiseModel m = ibm_model(dir, "sherbrooke");
  const Circuit c = chain4("cx q[3], q[2];\ncx q[2], q[1];\n");
  for (int level : {0, 2}) {
    const DeviceCompileResult r = compile_for_device(c, level, m, true);
    for (const Operation& op : r.compiled.circuit.ops) {
      if (op.kind == OpKind::Gate && op.qubits.size() == 2) {
        EXPECT_TRUE(m.find("ecr", {op.qubits[0], op.qubits[1]})) << op.qubits[0] << "," << op.qubits[1];
      }
    }
    EXPECT_NO_THROW(attach_noise(r.compiled.circuit, m));
    EXPECT_NEAR(r.predicted.fidelity, hand_fidelity(r.compiled.circuit, m), 1e-9);
    EXPECT_GE(r.predicted.fidelity, r.router_placement.fidelity);
  }
}

}  // namespace
}  // namespace qforge::noise::test
