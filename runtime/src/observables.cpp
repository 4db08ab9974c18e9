// Pauli-string observables (see qforge/observables.hpp).
#include "qforge/observables.hpp"

#include "ordered_sum.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace qforge::sim {

unsigned PauliTerm::min_qubits() const {
  const uint64_t m = x_mask | y_mask | z_mask;
  return m ? 64u - unsigned(__builtin_clzll(m)) : 0u;
}

namespace {

/// Recursive-descent reader of
///   sum    := term (('+' | '-') term)*
///   term   := ['+' | '-'] [number ['*']] factor (['*'] factor)*  |  ['+' | '-'] number
///   factor := ('X' | 'Y' | 'Z' | 'I') digits
class Reader {
 public:
  explicit Reader(const std::string& text) : s_(text) {}

  Observable read() {
    Observable obs;
    obs.text = s_;
    skip();
    if (at_end()) fail("it is empty; write e.g. \"Z0 Z1 + 0.5*X2\"");
    double sign = 1;
    if (peek() == '+' || peek() == '-') {
      sign = peek() == '-' ? -1 : 1;
      ++i_;
      skip();
    }
    obs.terms.push_back(term(sign));
    while (!at_end()) {
      const char c = peek();
      if (c != '+' && c != '-') fail("expected '+' or '-' between terms");
      ++i_;
      skip();
      double s = c == '-' ? -1 : 1;
      // Allow "+ -0.5*X0".
      if (peek() == '+' || peek() == '-') {
        s *= peek() == '-' ? -1 : 1;
        ++i_;
        skip();
      }
      obs.terms.push_back(term(s));
    }
    return obs;
  }

 private:
  bool at_end() const { return i_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[i_]; }
  void skip() {
    while (!at_end() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw ObservableError("cannot read the observable \"" + s_ + "\": " + why + " at column " +
                          std::to_string(i_ + 1) + ".");
  }
  static bool is_pauli(char c) {
    return c == 'X' || c == 'Y' || c == 'Z' || c == 'I' || c == 'x' || c == 'y' || c == 'z';
  }

  PauliTerm term(double sign) {
    PauliTerm t;
    t.coefficient = sign;
    bool any = false;
    const char c = peek();
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      const char* begin = s_.c_str() + i_;
      char* end = nullptr;
      const double v = std::strtod(begin, &end);
      if (end == begin || !std::isfinite(v)) fail("expected a number");
      t.coefficient *= v;
      i_ += std::size_t(end - begin);
      any = true;
      skip();
      if (peek() == '*') {
        ++i_;
        skip();
        if (!is_pauli(peek())) fail("expected a Pauli factor such as Z0 after '*'");
      }
    }
    uint64_t used = 0;
    while (is_pauli(peek())) {
      const char p = char(std::toupper(static_cast<unsigned char>(peek())));
      const std::size_t start = i_;
      ++i_;
      if (!std::isdigit(static_cast<unsigned char>(peek())))
        fail(std::string("expected a qubit index after '") + p + "' (e.g. " + p + "0)");
      unsigned long q = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        q = q * 10 + unsigned(peek() - '0');
        if (q >= 64) {
          i_ = start;
          fail("qubit indices must be below 64");
        }
        ++i_;
      }
      const uint64_t bit = uint64_t(1) << q;
      if (used & bit) {
        i_ = start;
        fail("qubit " + std::to_string(q) + " appears twice in one term");
      }
      used |= bit;
      if (p == 'X') t.x_mask |= bit;
      if (p == 'Y') t.y_mask |= bit;
      if (p == 'Z') t.z_mask |= bit;
      any = true;
      skip();
      if (peek() == '*') {
        ++i_;
        skip();
        if (!is_pauli(peek())) fail("expected a Pauli factor such as Z0 after '*'");
      }
    }
    if (!any) fail("expected a coefficient or a Pauli factor (X, Y, Z or I followed by a qubit index)");
    if (!at_end() && peek() != '+' && peek() != '-')
      fail("expected a Pauli factor (X, Y, Z or I followed by a qubit index)");
    return t;
  }

  const std::string& s_;
  std::size_t i_ = 0;
};

}  // namespace

Observable parse_observable(const std::string& text) { return Reader(text).read(); }

template <typename FP>
double expectation(const std::complex<FP>* psi, unsigned n, const Observable& obs) {
  const int64_t size = int64_t(uint64_t(1) << n);
  const FP* a = reinterpret_cast<const FP*>(psi);
  double total = 0;
  for (const PauliTerm& t : obs.terms) {
    if (t.min_qubits() > n)
      throw std::invalid_argument("the observable term of \"" + obs.text + "\" acts on qubit " +
                                  std::to_string(t.min_qubits() - 1) + ", but the circuit has " +
                                  std::to_string(n) + " qubit" + (n == 1 ? "" : "s") + ".");
    // <psi|P|psi> = sum_i conj(psi[i ^ f]) psi[i] i^nY (-1)^popcount(i & (y|z)).
    const uint64_t f = t.x_mask | t.y_mask;
    const uint64_t zy = t.z_mask | t.y_mask;
    const int ny = __builtin_popcountll(t.y_mask) & 3;
    // Fixed blocks added in order: the same value for any thread count.
    const std::complex<double> sum =
        ordered_sum<std::complex<double>>(uint64_t(size), [&](uint64_t begin, uint64_t end) {
          double re = 0, im = 0;
          for (uint64_t i = begin; i < end; ++i) {
            const uint64_t j = i ^ f;
            const double xr = a[2 * i], xi = a[2 * i + 1], yr = a[2 * j], yi = -double(a[2 * j + 1]);
            const double s = (__builtin_popcountll(i & zy) & 1) ? -1.0 : 1.0;
            re += s * (yr * xr - yi * xi);
            im += s * (yr * xi + yi * xr);
          }
          return std::complex<double>(re, im);
        });
    const double re = sum.real(), im = sum.imag();
    double v = 0;
    switch (ny) {
      case 0: v = re; break;
      case 1: v = -im; break;
      case 2: v = -re; break;
      case 3: v = im; break;
    }
    total += t.coefficient * v;
  }
  return total;
}

template double expectation<float>(const std::complex<float>*, unsigned, const Observable&);
template double expectation<double>(const std::complex<double>*, unsigned, const Observable&);

}  // namespace qforge::sim
