// State-vector storage and memory accounting (see qforge/statevector.hpp).
#include "qforge/statevector.hpp"

#include "ordered_sum.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <sstream>

#include <unistd.h>

namespace qforge::sim {

const char* to_string(Precision p) { return p == Precision::Single ? "single" : "double"; }

uint64_t state_bytes(unsigned num_qubits, Precision precision) {
  const unsigned amp_log2 = precision == Precision::Single ? 3 : 4;  // 8 or 16 bytes
  if (num_qubits + amp_log2 >= 64) return UINT64_MAX;
  return uint64_t(1) << (num_qubits + amp_log2);
}

uint64_t available_memory() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024;
  }
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page > 0) return uint64_t(pages) * uint64_t(page);
  return UINT64_MAX;
}

std::string format_bytes(uint64_t bytes) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes == UINT64_MAX) return "more than 16 EiB";
  double v = double(bytes);
  int u = 0;
  while (v >= 1024 && u < 6) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0 || v == std::floor(v))
    std::snprintf(buf, sizeof buf, "%.0f %s", v, units[u]);
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

uint64_t parse_byte_size(const std::string& text) {
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument("cannot read the byte count '" + text + "': " + why +
                                 " (write e.g. 4GiB, 512MiB or 1073741824)");
  };
  std::size_t pos = 0;
  while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
  const char* begin = text.c_str() + pos;
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  if (end == begin) throw bad("it does not start with a number");
  if (!(v >= 0) || std::isinf(v)) throw bad("the number must be non-negative");
  std::string unit(end);
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.back()))) unit.pop_back();
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.front()))) unit.erase(0, 1);
  std::string u;
  for (char c : unit) u += char(std::toupper(static_cast<unsigned char>(c)));
  double scale = 1;
  const char* prefixes = "KMGT";
  if (u.empty() || u == "B") {
    scale = 1;
  } else {
    const char* p = std::strchr(prefixes, u[0]);
    if (!p || u[0] == '\0') throw bad("unknown unit '" + unit + "'");
    const int power = int(p - prefixes) + 1;
    const std::string rest = u.substr(1);
    if (rest.empty() || rest == "IB" || rest == "I")
      scale = std::pow(1024.0, power);
    else if (rest == "B")
      scale = std::pow(1000.0, power);
    else
      throw bad("unknown unit '" + unit + "'");
  }
  const double bytes = v * scale;
  if (bytes >= 18446744073709551615.0) throw bad("it is too large");
  return uint64_t(bytes);
}

void check_memory(uint64_t bytes_needed, uint64_t max_bytes, const std::string& what) {
  const bool explicit_limit = max_bytes != 0;
  const uint64_t limit = explicit_limit ? max_bytes : available_memory();
  if (bytes_needed <= limit) return;
  std::ostringstream msg;
  msg << what << " needs " << format_bytes(bytes_needed) << " (" << bytes_needed << " bytes), but ";
  if (explicit_limit)
    msg << "the memory limit (--max-memory) is " << format_bytes(limit);
  else
    msg << "only " << format_bytes(limit) << " of memory is available";
  msg << "; nothing was allocated.";
  throw MemoryError(msg.str());
}

template <typename FP>
void StateVector<FP>::Free::operator()(Amplitude* p) const {
  std::free(p);
}

template <typename FP>
std::unique_ptr<std::complex<FP>[], typename StateVector<FP>::Free> StateVector<FP>::allocate(
    uint64_t count) {
  constexpr uint64_t kAlign = 64;
  uint64_t bytes = count * sizeof(Amplitude);
  bytes = (bytes + kAlign - 1) / kAlign * kAlign;
  void* p = std::aligned_alloc(kAlign, bytes);
  if (!p) throw MemoryError("allocating " + format_bytes(bytes) + " for a state vector failed.");
  return std::unique_ptr<Amplitude[], Free>(static_cast<Amplitude*>(p));
}

template <typename FP>
StateVector<FP>::StateVector(unsigned num_qubits, uint64_t max_bytes) : num_qubits_(num_qubits) {
  const Precision prec = sizeof(FP) == 4 ? Precision::Single : Precision::Double;
  check_memory(state_bytes(num_qubits, prec), max_bytes,
               "a " + std::to_string(num_qubits) + "-qubit state vector in " + to_string(prec) +
                   " precision");
  data_ = allocate(size());
  set_basis_state(0);
}

template <typename FP>
StateVector<FP>::StateVector(const StateVector& other)
    : num_qubits_(other.num_qubits_), data_(allocate(other.size())) {
  const int64_t n = int64_t(size());
  Amplitude* dst = data_.get();
  const Amplitude* src = other.data_.get();
#pragma omp parallel for schedule(static) if (n >= (int64_t(1) << 16))
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
}

template <typename FP>
StateVector<FP>& StateVector<FP>::operator=(const StateVector& other) {
  if (this != &other) {
    if (other.num_qubits_ != num_qubits_) {
      data_ = allocate(other.size());
      num_qubits_ = other.num_qubits_;
    }
    std::memcpy(static_cast<void*>(data_.get()), other.data_.get(), size() * sizeof(Amplitude));
  }
  return *this;
}

template <typename FP>
void StateVector<FP>::set_basis_state(uint64_t index) {
  if (index >= size())
    throw std::out_of_range("basis state " + std::to_string(index) + " is out of range for " +
                            std::to_string(num_qubits_) + " qubits.");
  const int64_t n = int64_t(size());
  Amplitude* d = data_.get();
  // Parallel first touch places the pages near the threads that use them.
#pragma omp parallel for schedule(static) if (n >= (int64_t(1) << 16))
  for (int64_t i = 0; i < n; ++i) d[i] = Amplitude(0, 0);
  d[index] = Amplitude(1, 0);
}

template <typename FP>
double StateVector<FP>::norm_squared() const {
  const int64_t n = int64_t(size());
  const FP* d = reinterpret_cast<const FP*>(data_.get());
  // Fixed blocks added in order: the same value for any thread count.
  return ordered_sum<double>(uint64_t(2 * n), [d](uint64_t begin, uint64_t end) {
    double s = 0;
    for (uint64_t i = begin; i < end; ++i) s += double(d[i]) * double(d[i]);
    return s;
  });
}

template class StateVector<float>;
template class StateVector<double>;

}  // namespace qforge::sim
