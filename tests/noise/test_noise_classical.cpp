// Noise and run-time classical logic: attach_noise gives a RuntimeGate its
// gate's channels and refuses control flow (the noisy circuit holds channels
// after top-level operations only), and compiling for a device's noise
// model refuses classical logic, each at the operation's location with the
// exact message.
#include "noise_test_util.hpp"

#include "qforge/device_compile.hpp"

#include <memory>

namespace qforge::noise::test {
namespace {

Operation located(Operation op, uint32_t line) {
  op.loc.file = std::make_shared<const std::string>("dyn.qasm");
  op.loc.line = line;
  op.loc.col = 1;
  return op;
}

Circuit with_if() {
  Circuit c;
  c.num_qubits = 2;
  c.num_clbits = 1;
  c.physical_qubits = true;
  c.cregs = {Register{"c", 0, 1, true}};
  c.ops = {make_gate(GateId::SX, {0}), make_measure({0}, {0})};
  ClassicalData d;
  d.value = CExpr::apply(COp::Eq, {CType::Bool, 1}, {CExpr::bits({0}), CExpr::constant(CValue::of_uint(1))});
  c.ops.push_back(located(make_control_flow(OpKind::If, d, {{make_gate(GateId::X, {1})}}), 4));
  return c;
}

TEST(NoiseClassical, AttachRefusesControlFlowAndTimesRuntimeGates) {
  const NoiseModel m = import_ibm_files(tiny_props(), tiny_conf());
  try {
    attach_noise(with_if(), m, {});
    FAIL() << "no error";
  } catch (const LocatedError& e) {
    EXPECT_EQ(std::string(e.what()),
              "the if statement's operations cannot carry noise: channels are attached after operations outside "
              "control flow only (run without --noise)");
    EXPECT_EQ(e.loc().line, 4u);
  }
  // rz with a run-time angle gets rz's channels, like a constant rz.
  Circuit a = with_if();
  a.ops.pop_back();
  Circuit b = a;
  a.ops.push_back(make_gate(GateId::RZ, {0}, {0.5}));
  ClassicalData d;
  d.cparams = {CExpr::apply(COp::Cast, {CType::Float, 64}, {CExpr::bits({0})})};
  Operation rt;
  rt.kind = OpKind::RuntimeGate;
  rt.gate = GateId::RZ;
  rt.qubits = {0};
  rt.classical = std::make_shared<const ClassicalData>(d);
  b.ops.push_back(rt);
  const sim::NoisyCircuit na = attach_noise(a, m, {}), nb = attach_noise(b, m, {});
  ASSERT_EQ(na.after.size(), nb.after.size());
  EXPECT_EQ(na.after.back().size(), nb.after.back().size());
}

TEST(NoiseClassical, DeviceCompileRefusesClassicalLogic) {
  const NoiseModel m = import_ibm_files(tiny_props(), tiny_conf());
  Circuit c = with_if();
  c.physical_qubits = false;
  c.qregs = {Register{"q", 0, 2, true}};
  try {
    compile_for_device(c, 1, m);
    FAIL() << "no error";
  } catch (const LocatedError& e) {
    EXPECT_EQ(std::string(e.what()),
              "the circuit has run-time classical logic (this if): compiling for a device's noise model (its "
              "placement and predicted fidelity) takes circuits without it (compile with --target)");
    EXPECT_EQ(e.loc().line, 4u);
  }
}

}  // namespace
}  // namespace qforge::noise::test
