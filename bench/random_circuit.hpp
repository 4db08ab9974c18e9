// random_circuit.hpp - the benchmarks' large OpenQASM 3 file: random one-
// and two-qubit gates in the style of QASMBench's large circuits.
#pragma once

#include <fmt/core.h>

#include <cstdint>
#include <random>
#include <string>

/// `gates` random gates on `qubits` qubits, then a measurement of each:
/// four header lines (version, include, qubit and bit registers), one line
/// a gate, one a measurement.
inline std::string random_circuit(std::size_t gates, uint32_t qubits, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint32_t> q(0, qubits - 1);
  std::uniform_int_distribution<int> kind(0, 9);
  std::uniform_real_distribution<double> angle(-3.14159, 3.14159);
  std::string s = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\n";
  s += fmt::format("qubit[{}] q;\nbit[{}] c;\n", qubits, qubits);
  for (std::size_t i = 0; i < gates; ++i) {
    uint32_t a = q(rng), b = q(rng);
    while (b == a) b = q(rng);
    switch (kind(rng)) {
      case 0: case 1: case 2: s += fmt::format("cx q[{}], q[{}];\n", a, b); break;
      case 3: case 4: s += fmt::format("rz({:.6f}) q[{}];\n", angle(rng), a); break;
      case 5: s += fmt::format("h q[{}];\n", a); break;
      case 6: s += fmt::format("sx q[{}];\n", a); break;
      case 7: s += fmt::format("x q[{}];\n", a); break;
      case 8: s += fmt::format("t q[{}];\n", a); break;
      default: s += fmt::format("ry(pi/{}) q[{}];\n", 1 + a % 7, a); break;
    }
  }
  for (uint32_t i = 0; i < qubits; ++i) s += fmt::format("c[{}] = measure q[{}];\n", i, i);
  return s;
}
