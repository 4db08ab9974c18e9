// The Pass interface (see qforge/pass.hpp).
#include "qforge/pass.hpp"

namespace qforge {

std::string Pass::describe(int indent) const { return std::string(indent, ' ') + name() + "\n"; }

}  // namespace qforge
