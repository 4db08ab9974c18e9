// The Pass interface (see qforge/pass.hpp).
#include "qforge/pass.hpp"

#include <stdexcept>

namespace qforge {

std::string Pass::describe(int indent) const { return std::string(indent, ' ') + name() + "\n"; }

bool Pass::apply(Circuit& c) {
  const bool changed = run(c);
  if (changed) fill_missing_locations(c);
  if (checks_)
    if (std::string bad = c.verify(); !bad.empty())
      throw std::logic_error("pass '" + name() + "' broke the IR: " + bad);
  return changed;
}

}  // namespace qforge
