// The IR verifier after every pass: a pass that breaks an invariant is named,
// also when it runs nested inside another pass; with checks off it is not run.
#include "qforge/passes.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace qforge {
namespace {

/// Moves the first gate onto a qubit the circuit does not have.
class Breaker : public Pass {
 public:
  std::string name() const override { return "breaker"; }
  bool run(Circuit& c) override {
    c.ops.at(0).qubits.at(0) = c.num_qubits + 3;
    return true;
  }
};

Circuit two_gates() {
  Circuit c;
  c.num_qubits = 2;
  c.ops = {make_gate(GateId::H, {0}), make_gate(GateId::CX, {0, 1})};
  return c;
}

std::string failure(Pass& p) {
  Circuit c = two_gates();
  try {
    p.apply(c);
  } catch (const std::logic_error& e) {
    return e.what();
  }
  return "";
}

TEST(PassVerify, NamesThePassThatBrokeTheIr) {
  Breaker b;
  b.set_checks(true);
  EXPECT_EQ(failure(b), "pass 'breaker' broke the IR: operation 0: qubit 5 out of range");
}

TEST(PassVerify, NamesANestedPass) {
  std::vector<std::unique_ptr<Pass>> inner;
  inner.push_back(createInverseCancellationPass());
  inner.push_back(std::make_unique<Breaker>());
  std::vector<std::unique_ptr<Pass>> alts;
  alts.push_back(createFixpointPass(std::move(inner), {"inner", 2}));
  auto outer = createBestOfPass(std::move(alts), {"outer"});
  outer->set_checks(true);
  EXPECT_EQ(failure(*outer), "pass 'breaker' broke the IR: operation 0: qubit 5 out of range");
}

TEST(PassVerify, OffMeansNotRun) {
  Breaker b;
  b.set_checks(false);
  EXPECT_EQ(failure(b), "");
}

}  // namespace
}  // namespace qforge
