// attach_noise on small hand-written circuits: the qubit map, per-gate
// channels, readout errors, the as-soon-as-possible idle times (worked out
// by hand below) and the messages for gates the device cannot run.
#include "noise_test_util.hpp"

#include "qforge/frontend.hpp"

#include <cmath>

namespace qforge::noise {
namespace {

using namespace qforge::noise::test;

Operation measure(uint32_t q, uint32_t c) { return make_measure({q}, {c}); }

Operation barrier(std::vector<uint32_t> qs) {
  Operation op;
  op.kind = OpKind::Barrier;
  op.qubits = std::move(qs);
  return op;
}

// On the tiny device (sx, x: 60 ns; ecr $0,$1: 660 ns; readout 1000 ns):
//   0 sx $0         $0 busy 0-60
//   1 x $3          $3 busy 0-60
//   2 ecr $0,$1     starts at 60 ($1's first operation: no idle before it), busy 60-720
//   3 x $3          $3 busy 60-120
//   4 barrier $0,$1,$3   at 720: $3 idles 720 - 120 = 600 ns (after op 3, its last)
//   5 sx $3         $3 busy 720-780
//   6 measure $0    720-1720
//   7 measure $3    780-1780
//   end 1780: $1 (last: the barrier at 720) idles 1060 ns after op 4;
//   $0 and $3 end with a measurement: nothing more.
Circuit schedule_circuit() {
  Circuit c;
  c.num_qubits = 4;
  c.num_clbits = 2;
  c.physical_qubits = true;
  c.ops = {make_gate(GateId::SX, {0}), make_gate(GateId::X, {3}),  make_gate(GateId::ECR, {0, 1}),
           make_gate(GateId::X, {3}),  barrier({0, 1, 3}),         make_gate(GateId::SX, {3}),
           measure(0, 0),              measure(3, 1)};
  return c;
}

/// The time a one-qubit relaxation channel lasts, from its action on |1><1|:
/// P(1) = exp(-t/T1).
double decay_time(const sim::Channel& ch, double t1) {
  Eigen::MatrixXcd one = Eigen::MatrixXcd::Zero(2, 2);
  one(1, 1) = 1;
  return -t1 * std::log(apply_channel(kraus_of(ch), one)(1, 1).real());
}

TEST(Attach, AsSoonAsPossibleIdleTimes) {
  const NoiseModel m = import_ibm_files(tiny_props(), tiny_conf());
  const sim::NoisyCircuit nc = attach_noise(schedule_circuit(), m);
  EXPECT_EQ(nc.physical, (std::vector<unsigned>{0, 1, 3}));
  EXPECT_EQ(nc.circuit.num_qubits, 3u);
  EXPECT_EQ(nc.circuit.ops[5].qubits, (std::vector<uint32_t>{2}));  // sx $3 on compact qubit 2
  ASSERT_EQ(nc.after.size(), 8u);
  ASSERT_EQ(nc.readout.size(), 3u);
  EXPECT_EQ(nc.readout[0].p1_given_0, 0.01);
  EXPECT_EQ(nc.readout[0].p0_given_1, 0.03);
  EXPECT_EQ(nc.readout[2].p1_given_0, m.qubits[3].p1_given_0);

  EXPECT_EQ(nc.after[0].size(), 2u);  // sx $0: depolarizing + relaxation
  EXPECT_EQ(nc.after[1].size(), 1u);  // x $3: error 0 (missing), relaxation only
  ASSERT_EQ(nc.after[2].size(), 3u);  // ecr: depolarizing on both, relaxation of each
  EXPECT_EQ(nc.after[2][0].qubits, (std::vector<unsigned>{0, 1}));
  ASSERT_EQ(nc.after[3].size(), 2u);  // x $3, then its 600 ns wait
  const sim::Channel& idle3 = nc.after[3][1];
  EXPECT_EQ(idle3.qubits, (std::vector<unsigned>{2}));
  EXPECT_EQ(idle3.label.rfind("idle $3 (600 ns)", 0), 0u) << idle3.label;
  EXPECT_NEAR(decay_time(idle3, *m.qubits[3].t1), 600e-9, 1e-15);
  ASSERT_EQ(nc.after[4].size(), 1u);  // $1 waits from the barrier to the end
  EXPECT_EQ(nc.after[4][0].qubits, (std::vector<unsigned>{1}));
  EXPECT_NEAR(decay_time(nc.after[4][0], *m.qubits[1].t1), 1060e-9, 1e-15);
  EXPECT_EQ(nc.after[5].size(), 2u);
  EXPECT_TRUE(nc.after[6].empty());
  EXPECT_TRUE(nc.after[7].empty());
  for (const auto& list : nc.after)
    for (const auto& ch : list) EXPECT_LT(sim::completeness_error(ch), 1e-12) << ch.label;
}

TEST(Attach, WithoutIdleNoiseOnlyTheGatesChannels) {
  const NoiseModel m = import_ibm_files(tiny_props(), tiny_conf());
  const sim::NoisyCircuit nc = attach_noise(schedule_circuit(), m, NoiseOptions{false});
  const Circuit c = schedule_circuit();
  for (std::size_t i = 0; i < c.ops.size(); ++i) {
    std::size_t expected = 0;
    if (c.ops[i].is_gate()) {
      std::vector<unsigned> qs(c.ops[i].qubits.begin(), c.ops[i].qubits.end());
      expected = gate_channels(m, std::string(gate_info(c.ops[i].gate).name), qs).size();
    }
    EXPECT_EQ(nc.after[i].size(), expected) << i;
  }
}

TEST(Attach, DelayDecaysForItsDuration) {
  const NoiseModel m = import_ibm_files(tiny_props(), tiny_conf());
  Circuit c;
  c.num_qubits = 1;
  c.physical_qubits = true;
  Operation delay;
  delay.kind = OpKind::Delay;
  delay.qubits = {0};
  delay.params = {Expr(2.5)};
  delay.delay_unit = "us";
  c.ops = {make_gate(GateId::X, {0}), delay};
  const sim::NoisyCircuit nc = attach_noise(c, m);
  ASSERT_EQ(nc.after[1].size(), 1u);
  EXPECT_NEAR(decay_time(nc.after[1][0], *m.qubits[0].t1), 2.5e-6, 1e-15);
  EXPECT_TRUE(attach_noise(c, m, NoiseOptions{false}).after[1].empty());
}

std::string located_message(const Circuit& c, const NoiseModel& m) {
  try {
    attach_noise(c, m);
  } catch (const LocatedError& e) {
    return e.what();
  }
  return "";
}

TEST(Attach, GatesTheDeviceCannotRunAreLocatedErrors) {
  const NoiseModel m = import_ibm_files(tiny_props(), tiny_conf());
  DiagnosticSink diags;
  const Circuit h = compile_source("OPENQASM 3.0;\ninclude \"stdgates.inc\";\nx $0;\nh $2;\n", "h.qasm", {}, diags);
  ASSERT_FALSE(diags.has_errors()) << diags.format();
  try {
    attach_noise(h, m);
    ADD_FAILURE() << "h is not in the basis";
  } catch (const LocatedError& e) {
    EXPECT_EQ(std::string(e.what()),
              "h is not in the basis of tiny_eagle {ecr, id, rz, sx, x}: compile for the device first "
              "(qforge compile --noise DEVICE.noise.json)");
    EXPECT_EQ(e.loc().line, 4u);
    EXPECT_EQ(e.loc().col, 1u);
  }
  Circuit c;
  c.num_qubits = 4;
  c.physical_qubits = true;
  c.ops = {make_gate(GateId::ECR, {1, 2})};
  EXPECT_EQ(located_message(c, m), "ecr $1,$2 is faulty on tiny_eagle (gate_error 1): the device reports it broken");
  c.ops = {make_gate(GateId::ECR, {1, 0})};
  EXPECT_EQ(located_message(c, m),
            "ecr $1,$0 has no calibration on tiny_eagle (the device's ecr is directed: it has ecr $0,$1)");
  c.num_qubits = 6;
  c.ops = {make_gate(GateId::X, {5})};
  EXPECT_EQ(located_message(c, m), "qubit $5 is not on tiny_eagle (4 qubits)");
}

}  // namespace
}  // namespace qforge::noise
