// layer_values - the C++ qforge::QuantumLayer's outputs and gradients for
// values given on stdin, printed as hex floats, for test_cpp_layer.py to
// compare bitwise with the Python layer's.
//
//   layer_values CIRCUIT float32|float64 adjoint|shift DATA_INPUTS OBSERVABLES
//
// DATA_INPUTS: comma-separated input names ("" for none); OBSERVABLES:
// semicolon-separated Pauli sums, "" for <Z_q> per qubit, "probabilities"
// for the basis-state probabilities. stdin (whitespace-separated, hex
// floats or decimals): the batch B, then B x num_columns values of x, then
// for each weight (declaration order) its values, then B x num_outputs
// values of dL/doutputs. stdout: lines "out V...", "grad_x V..." and
// "grad_NAME V..." per weight, each value as "%a" of the computed dtype
// (printed as double, exact for float32).
#include "qforge/torch/quantum_layer.hpp"

#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep))
    if (!item.empty()) out.push_back(item);
  return out;
}

/// n values from stdin (strtod reads hex floats exactly).
std::vector<double> read_values(std::size_t n) {
  std::vector<double> v;
  std::string tok;
  while (v.size() < n && std::cin >> tok) v.push_back(std::strtod(tok.c_str(), nullptr));
  if (v.size() != n) throw std::runtime_error("stdin ended early: wanted " + std::to_string(n) + " values");
  return v;
}

torch::Tensor tensor_of(const std::vector<double>& v, std::vector<int64_t> shape, torch::Dtype dtype) {
  return torch::tensor(v, torch::kFloat64).reshape(shape).to(dtype);
}

void print(const std::string& name, const torch::Tensor& t) {
  torch::Tensor d = t.detach().to(torch::kFloat64).contiguous().reshape(-1);
  std::printf("%s", name.c_str());
  for (int64_t i = 0; i < d.numel(); ++i) std::printf(" %a", d.data_ptr<double>()[i]);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: layer_values CIRCUIT float32|float64 adjoint|shift DATA_INPUTS OBSERVABLES\n");
    return 2;
  }
  try {
    const torch::Dtype dtype = std::string(argv[2]) == "float64" ? torch::kFloat64 : torch::kFloat32;
    qforge::QuantumLayerOptions o(argv[1]);
    o.data_inputs(split(argv[4], ','));
    o.gradient(std::string(argv[3]) == "shift" ? qforge::sim::GradientMethod::ParameterShift
                                               : qforge::sim::GradientMethod::Adjoint);
    const std::string obs = argv[5];
    if (obs == "probabilities") o.readout(qforge::sim::Readout::probabilities());
    else if (!obs.empty()) o.readout(qforge::sim::Readout::paulis(split(obs, ';')));
    qforge::QuantumLayer layer(o);
    layer->to(dtype);

    const int64_t B = int64_t(read_values(1)[0]);
    torch::Tensor x = tensor_of(read_values(std::size_t(B * layer->num_columns())), {B, layer->num_columns()}, dtype)
                          .requires_grad_();
    {
      torch::NoGradGuard guard;
      for (auto& p : layer->named_parameters()) {
        torch::Tensor& w = p.value();
        w.copy_(tensor_of(read_values(std::size_t(w.numel())), w.sizes().vec(), dtype));
      }
    }
    torch::Tensor g = tensor_of(read_values(std::size_t(B * layer->num_outputs())), {B, layer->num_outputs()}, dtype);
    torch::Tensor y = layer->forward(x);
    y.backward(g);
    print("out", y);
    print("grad_x", x.grad());
    for (const auto& p : layer->named_parameters()) print("grad_" + p.key(), p.value().grad());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "layer_values: %s\n", e.what());
    return 1;
  }
  return 0;
}
