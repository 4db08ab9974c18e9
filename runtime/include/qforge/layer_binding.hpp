// qforge/layer_binding.hpp - how a quantum layer feeds a circuit's symbols.
//
// A layer's forward argument x is [batch, columns]: its first
// data_symbols.size() columns are per-sample symbols, and each weight (a
// trainable tensor of the layer) gives the same symbols to every sample.
// pack() builds the [batch, num_symbols] matrix BatchCircuit::forward takes;
// data_gradient() and weight_gradient() send BatchCircuit::backward's symbol
// gradients back to the columns of x (per sample) and to the weights (summed
// over the batch in sample order, in double). The LibTorch layer
// (qforge/torch/quantum_layer.hpp) and the Python layer use these, so the two
// give bitwise equal outputs and gradients.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qforge::sim {

struct LayerBinding {
  std::vector<uint32_t> data_symbols;                 ///< column j -> symbol
  std::vector<std::vector<uint32_t>> weight_symbols;  ///< weight i, element e -> symbol

  /// symbols[b, s] (row-major, num_symbols columns) from x [batch, x_cols]
  /// and weights[i] (weight_symbols[i].size() values each).
  template <typename FP>
  void pack(std::size_t batch, std::size_t num_symbols, const FP* x, std::size_t x_cols,
            const std::vector<const FP*>& weights, FP* symbols) const {
    for (std::size_t b = 0; b < batch; ++b)
      for (std::size_t j = 0; j < data_symbols.size(); ++j) symbols[b * num_symbols + data_symbols[j]] = x[b * x_cols + j];
    for (std::size_t i = 0; i < weights.size(); ++i) {
      const FP* w = weights[i];
      const auto& syms = weight_symbols[i];
      for (std::size_t b = 0; b < batch; ++b)
        for (std::size_t e = 0; e < syms.size(); ++e) symbols[b * num_symbols + syms[e]] = w[e];
    }
  }

  /// grad_x [batch, data_symbols.size() + num_features]: the data columns'
  /// symbol gradients, then grad_features [batch, num_features] (null when
  /// num_features is 0).
  template <typename FP>
  void data_gradient(std::size_t batch, std::size_t num_symbols, const FP* grad_symbols, std::size_t num_features,
                     const FP* grad_features, FP* grad_x) const {
    const std::size_t nd = data_symbols.size(), cols = nd + num_features;
    for (std::size_t b = 0; b < batch; ++b) {
      for (std::size_t j = 0; j < nd; ++j) grad_x[b * cols + j] = grad_symbols[b * num_symbols + data_symbols[j]];
      for (std::size_t j = 0; j < num_features; ++j) grad_x[b * cols + nd + j] = grad_features[b * num_features + j];
    }
  }

  /// grad_w (weight_symbols[i].size() values): weight i's symbol gradients
  /// summed over the batch.
  template <typename FP>
  void weight_gradient(std::size_t i, std::size_t batch, std::size_t num_symbols, const FP* grad_symbols,
                       FP* grad_w) const {
    const auto& syms = weight_symbols[i];
    for (std::size_t e = 0; e < syms.size(); ++e) {
      double acc = 0;
      for (std::size_t b = 0; b < batch; ++b) acc += double(grad_symbols[b * num_symbols + syms[e]]);
      grad_w[e] = FP(acc);
    }
  }
};

}  // namespace qforge::sim
