// Sparse states: a map from basis index to amplitude (see qforge/sparse_state.hpp).
#include "qforge/sparse_state.hpp"

#include <string>

namespace qforge::sim {

SparseState::SparseState(unsigned num_qubits, uint64_t max_support, double drop_below)
    : num_qubits_(num_qubits), max_support_(max_support), drop_norm_(drop_below * drop_below) {
  if (num_qubits > 64)
    throw std::invalid_argument("a sparse state has at most 64 qubits, got " + std::to_string(num_qubits) + ".");
}

SparseState::Amplitude SparseState::amplitude(uint64_t index) const {
  auto it = amps_.find(index);
  return it == amps_.end() ? Amplitude(0) : it->second;
}

void SparseState::set(uint64_t index, Amplitude a) {
  if (num_qubits_ < 64 && (index >> num_qubits_))
    throw std::out_of_range("basis state " + std::to_string(index) + " is out of range for " +
                            std::to_string(num_qubits_) + " qubits.");
  if (a == Amplitude(0)) amps_.erase(index);
  else amps_[index] = a;
}

void SparseState::drop_small() {
  for (auto it = amps_.begin(); it != amps_.end();) {
    if (std::norm(it->second) < drop_norm_) it = amps_.erase(it);
    else ++it;
  }
}

void SparseState::check_support() const {
  if (amps_.size() > max_support_)
    throw SupportError("the sparse state grew beyond " + std::to_string(max_support_) + " amplitudes");
}

void SparseState::apply(const GateOp& op) {
  const uint64_t touched = op.qubit_mask();
  if (num_qubits_ < 64 && (touched >> num_qubits_))
    throw std::invalid_argument("a gate on qubits beyond the " + std::to_string(num_qubits_) +
                                " of a sparse state.");
  const std::size_t k = op.targets.size();
  // Sub-index of `key` on the targets (targets[0] most significant).
  const auto sub_index = [&](uint64_t key) {
    std::size_t s = 0;
    for (std::size_t j = 0; j < k; ++j)
      if ((key >> op.targets[j]) & 1) s |= std::size_t(1) << (k - 1 - j);
    return s;
  };
  switch (op.kind) {
    case KernelKind::Identity:
      return;
    case KernelKind::Phase: {
      const uint64_t mask = op.phase_mask();
      for (auto& [key, amp] : amps_)
        if ((key & mask) == mask) amp *= op.matrix[0];
      drop_small();
      return;
    }
    case KernelKind::Diagonal: {
      for (auto& [key, amp] : amps_)
        if ((key & op.ctrl_mask) == op.ctrl_mask) amp *= op.matrix[sub_index(key)];
      drop_small();
      return;
    }
    case KernelKind::X:
    case KernelKind::Swap: {
      // A permutation of basis states: move each amplitude to its image.
      const uint64_t a = uint64_t(1) << op.targets[0];
      const uint64_t b = op.kind == KernelKind::Swap ? uint64_t(1) << op.targets[1] : 0;
      Map out;
      out.reserve(amps_.size());
      for (const auto& [key, amp] : amps_) {
        uint64_t image = key;
        if ((key & op.ctrl_mask) == op.ctrl_mask) {
          if (op.kind == KernelKind::X) image ^= a;
          else if (bool(key & a) != bool(key & b)) image ^= a | b;
        }
        out.emplace(image, amp);
      }
      amps_.swap(out);
      return;
    }
    case KernelKind::Dense: {
      const std::size_t d = std::size_t(1) << k;
      uint64_t gmask = 0;
      for (unsigned t : op.targets) gmask |= uint64_t(1) << t;
      std::vector<uint64_t> off(d);
      for (std::size_t s = 0; s < d; ++s) {
        uint64_t o = 0;
        for (std::size_t j = 0; j < k; ++j)
          if ((s >> (k - 1 - j)) & 1) o |= uint64_t(1) << op.targets[j];
        off[s] = o;
      }
      Map out;
      out.reserve(amps_.size() * 2);
      for (const auto& [key, amp] : amps_) {
        if ((key & op.ctrl_mask) != op.ctrl_mask) {
          out[key] += amp;
          continue;
        }
        const std::size_t column = sub_index(key);
        const uint64_t base = key & ~gmask;
        for (std::size_t r = 0; r < d; ++r) {
          const Amplitude m = op.matrix[r * d + column];
          if (m == Amplitude(0)) continue;
          out[base | off[r]] += m * amp;
        }
      }
      amps_.swap(out);
      drop_small();
      check_support();
      return;
    }
  }
  throw std::logic_error("SparseState::apply: unknown kernel kind.");
}

}  // namespace qforge::sim
