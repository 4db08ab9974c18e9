// qforge/statevector.hpp - the storage of a state vector, and what it costs.
//
// Conventions (shared by every runtime header):
//  - The state of n qubits is 2^n complex amplitudes, little-endian: qubit q
//    is bit q of the basis index (qubit 0 is the least significant bit), as
//    in Qiskit.
//  - Storage and kernels are separate: StateVector owns an aligned buffer;
//    the kernels (kernels.hpp) work on a pointer and a qubit count, so a
//    distributed or batched state can reuse them on its own buffers.
#pragma once

#include <complex>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace qforge::sim {

/// Floating-point precision of a simulation.
enum class Precision : uint8_t { Single, Double };

/// "single" or "double".
const char* to_string(Precision p);

/// Thrown when a state would not fit in memory; what() names the size needed.
struct MemoryError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Bytes of one state vector of `num_qubits` qubits (saturates at UINT64_MAX).
uint64_t state_bytes(unsigned num_qubits, Precision precision);

/// Bytes this process may allocate: MemAvailable from /proc/meminfo, else the
/// physical memory.
uint64_t available_memory();

/// "1.5 GiB", "512 MiB", "16 B".
std::string format_bytes(uint64_t bytes);

/// Parse a byte count: "1073741824", "4GiB", "4G", "512MiB", "1.5GB" (K, M, G,
/// T are powers of 1024 with or without "iB"; "KB", "MB", "GB", "TB" powers of
/// 1000). Throws std::invalid_argument with a sentence on bad text.
uint64_t parse_byte_size(const std::string& text);

/// Refuse (MemoryError) when `bytes_needed` exceeds `max_bytes` (0: the
/// available memory). `what` describes the allocation, e.g. "a 30-qubit state
/// vector in double precision"; the message names both sizes.
void check_memory(uint64_t bytes_needed, uint64_t max_bytes, const std::string& what);

/// An owned, 64-byte aligned state vector of 2^n amplitudes.
template <typename FP>
class StateVector {
 public:
  using Amplitude = std::complex<FP>;

  /// |0...0> on `num_qubits` qubits. Checks the size against `max_bytes`
  /// (0: available memory) before allocating; throws MemoryError.
  explicit StateVector(unsigned num_qubits, uint64_t max_bytes = 0);
  StateVector(const StateVector& other);
  StateVector& operator=(const StateVector& other);
  StateVector(StateVector&&) noexcept = default;
  StateVector& operator=(StateVector&&) noexcept = default;

  unsigned num_qubits() const { return num_qubits_; }
  uint64_t size() const { return uint64_t(1) << num_qubits_; }
  Amplitude* data() { return data_.get(); }
  const Amplitude* data() const { return data_.get(); }
  Amplitude& operator[](uint64_t i) { return data_[i]; }
  const Amplitude& operator[](uint64_t i) const { return data_[i]; }

  /// Set the state to the basis state |index> (little-endian).
  void set_basis_state(uint64_t index);
  /// Copy amplitudes from `src` (size() values).
  template <typename T>
  void assign(const std::complex<T>* src) {
    for (uint64_t i = 0; i < size(); ++i) data_[i] = Amplitude(FP(src[i].real()), FP(src[i].imag()));
  }
  /// Sum of |amplitude|^2, accumulated in double.
  double norm_squared() const;

 private:
  struct Free {
    void operator()(Amplitude* p) const;
  };
  static std::unique_ptr<Amplitude[], Free> allocate(uint64_t count);

  unsigned num_qubits_;
  std::unique_ptr<Amplitude[], Free> data_;
};

extern template class StateVector<float>;
extern template class StateVector<double>;

}  // namespace qforge::sim
