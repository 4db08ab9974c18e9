// What an operation's run-time expressions read (see qforge/classical_reads.hpp).
#include "qforge/classical_reads.hpp"

namespace qforge {

void collect_classical_reads(const Operation& op, std::vector<uint32_t>& clbits, std::vector<uint32_t>& vars) {
  if (!op.classical) return;
  const ClassicalData& d = *op.classical;
  for (const CExpr* e : {&d.value, &d.start, &d.step, &d.stop})
    if (*e) e->collect(clbits, vars);
  for (const CExpr& e : d.set) e.collect(clbits, vars);
  for (const CExpr& e : d.cparams) e.collect(clbits, vars);
}

}  // namespace qforge
