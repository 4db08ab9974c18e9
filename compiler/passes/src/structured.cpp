// Passes on circuits with run-time classical logic (see structured.hpp).
#include "structured.hpp"

#include <utility>
#include <vector>

namespace qforge {
namespace {

class AroundClassicalPass : public Pass {
 public:
  explicit AroundClassicalPass(std::unique_ptr<Pass> inner) : inner_(std::move(inner)) {}
  std::string name() const override { return inner_->name(); }
  void set_checks(bool on) override {
    checks_ = on;
    inner_->set_checks(on);
  }
  std::string describe(int indent) const override { return inner_->describe(indent); }
  std::string report() const override { return inner_->report(); }

  bool run(Circuit& c) override {
    if (!has_classical(c)) return inner_->apply(c);
    std::vector<Operation> ops = std::move(c.ops);
    c.ops.clear();
    const Circuit shell = c;
    bool changed = false;
    c.ops = run_ops(std::move(ops), shell, &c.global_phase, changed);
    return changed;
  }

 private:
  // The pass over `ops` (a block, or the top level when `phase` is the
  // circuit's global phase), stretch by stretch.
  std::vector<Operation> run_ops(std::vector<Operation> ops, const Circuit& shell, Expr* phase, bool& changed) {
    std::vector<Operation> out, stretch;
    out.reserve(ops.size());
    auto flush = [&] {
      if (stretch.empty()) return;
      Circuit sub = shell;
      sub.ops = std::move(stretch);
      stretch.clear();
      sub.global_phase = Expr(0.0);
      changed = inner_->apply(sub) || changed;
      if (phase && !(sub.global_phase.is_const() && sub.global_phase.value() == 0))
        *phase = *phase + sub.global_phase;
      for (auto& op : sub.ops) out.push_back(std::move(op));
    };
    for (auto& op : ops) {
      if (!op.is_classical()) {
        stretch.push_back(std::move(op));
        continue;
      }
      flush();
      if (op.is_control_flow()) {
        std::vector<std::vector<Operation>> blocks;
        for (auto& b : op.blocks) blocks.push_back(run_ops(std::move(b), shell, nullptr, changed));
        Operation cf = make_control_flow(op.kind, *op.classical, std::move(blocks));
        cf.conditions = std::move(op.conditions);
        cf.loc = op.loc;
        op = std::move(cf);
      }
      out.push_back(std::move(op));
    }
    flush();
    return out;
  }

  std::unique_ptr<Pass> inner_;
};

}  // namespace

std::unique_ptr<Pass> around_classical(std::unique_ptr<Pass> pass) {
  return std::make_unique<AroundClassicalPass>(std::move(pass));
}

}  // namespace qforge
