// Gate kernels (see qforge/kernels.hpp).
//
// Every kernel visits the basis states whose bits at the gate's qubits
// (targets and controls, "positions") are fixed. Indices are built by
// inserting zero bits with shifts and masks (no div/mod), arithmetic is on
// real and imaginary parts (FMAs, no std::complex multiply), and OpenMP
// splits the outer loop. Three walks:
//  - runs (for_each_run): with p0 the lowest position, the 2^p0 indices
//    below it are consecutive, so the inner loop is unit-stride and
//    vectorises; used when p0 >= 3;
//  - octets (for_each_pair_by_octets): when a position is below 3, runs are
//    shorter than 8 amplitudes, so walk aligned blocks of 8 amplitudes and
//    pick the pairs inside each with a fixed bit pattern;
//  - lanes (dense_k): 2- to 4-qubit dense matrices whose targets and
//    controls are all >= 2 (double) or >= 3 (single) run on 64-byte vectors
//    of consecutive interleaved amplitudes (dense_interleaved: each matrix
//    entry broadcast, one FMA for its real part and one for its imaginary
//    part times i v); when some targets are among qubits 0..2 (and no
//    control is), dense_octets takes aligned octets of 8 consecutive
//    amplitudes as vector lanes and mixes them with compile-time lane
//    shuffles (GCC vector extensions: AVX-512 or AVX2 under -march=native,
//    scalar code elsewhere); other k-qubit matrices process 8 index groups
//    at once, broadcasting each matrix entry against 8 amplitudes.
// The adjoint step of a large state with its block density (adjoint_runs)
// walks unit-stride runs over both states at once and sums the density in
// fixed index blocks (ordered_sum.hpp); a chain of steps on one qubit
// (adjoint_chain) un-applies them all from each pair of amplitudes in
// registers, in one pass, after a CX on that qubit if asked.
// Diagonal matrices whose qubits are all >= 2 walk runs between the gate's
// qubits, one entry per run; others walk runs over the controls only and
// pick each amplitude's entry from its target bits.
#include "qforge/kernels.hpp"

#include "ordered_sum.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace qforge::sim {
namespace {

/// Below this many visited index blocks' worth of amplitudes, run serially.
constexpr uint64_t kParallelMinAmplitudes = uint64_t(1) << 14;
/// Longest contiguous run handed to one loop body (keeps work splittable).
constexpr unsigned kMaxRunBits = 12;

/// Amplitudes processed together by the vectorised dense kernel.
constexpr unsigned kLanes = 8;

/// Sorted bit positions of a mask.
struct Positions {
  std::array<unsigned, 64> pos{};
  unsigned count = 0;
  explicit Positions(uint64_t mask) {
    while (mask) {
      pos[count++] = unsigned(__builtin_ctzll(mask));
      mask &= mask - 1;
    }
  }
};

/// Insert a zero bit at each of the sorted positions (lowest first).
inline uint64_t insert_zero_bits(uint64_t f, const Positions& p) {
  for (unsigned i = 0; i < p.count; ++i) {
    const unsigned q = p.pos[i];
    const uint64_t low = f & ((uint64_t(1) << q) - 1);
    f = ((f >> q) << (q + 1)) | low;
  }
  return f;
}

/// Call body(base, len) for every contiguous run of indices whose bits at
/// `p` are zero, with `set_bits` ORed into base. Runs cover all 2^(n-count)
/// such indices exactly once; len is a power of two.
template <typename Body>
inline void for_each_run(unsigned n, const Positions& p, uint64_t set_bits, Body body) {
  const unsigned free_bits = n - p.count;
  const uint64_t nfree = uint64_t(1) << free_bits;
  unsigned run_bits = p.count ? p.pos[0] : free_bits;
  run_bits = std::min({run_bits, free_bits, kMaxRunBits});
  const uint64_t run = uint64_t(1) << run_bits;
  const int64_t nruns = int64_t(nfree >> run_bits);
#pragma omp parallel for schedule(static) if (nfree >= kParallelMinAmplitudes)
  for (int64_t r = 0; r < nruns; ++r) {
    const uint64_t base = insert_zero_bits(uint64_t(r) << run_bits, p) | set_bits;
    body(base, run);
  }
}

/// Gates with a qubit below 3 have runs shorter than 8 amplitudes; for them,
/// walk aligned octets of 8 consecutive amplitudes instead. Calls
/// f(i + off_a, i + off_b) for every index i whose bits at the (non-control)
/// gate positions are 0 and whose control bits are 1. `positions` holds the
/// gate qubits and controls. Requires n >= 3.
template <typename F>
inline void for_each_pair_by_octets(unsigned n, uint64_t positions, uint64_t ctrl, uint64_t off_a,
                                    uint64_t off_b, F f) {
  const Positions high(positions & ~uint64_t(7));
  const uint64_t high_ctrl = ctrl & ~uint64_t(7);
  const unsigned low_zero = unsigned(positions & ~ctrl & 7), low_ctrl = unsigned(ctrl & 7);
  unsigned valid = 0;  // bit i: octet offset i is the first of a pair
  for (unsigned i = 0; i < 8; ++i)
    if ((i & low_zero) == 0 && (i & low_ctrl) == low_ctrl) valid |= 1u << i;
  const uint64_t nfree = uint64_t(1) << (n - 3 - high.count);
#pragma omp parallel for schedule(static) if (8 * nfree >= kParallelMinAmplitudes)
  for (int64_t c = 0; c < int64_t(nfree); ++c) {
    const uint64_t base = insert_zero_bits(uint64_t(c) << 3, high) | high_ctrl;
    for (unsigned i = 0; i < 8; ++i)
      if ((valid >> i) & 1) f(base + i + off_a, base + i + off_b);
  }
}

/// True when a gate on `positions` should use for_each_pair_by_octets.
inline bool use_octets(unsigned n, uint64_t positions) {
  return n >= 3 + unsigned(__builtin_popcountll(positions & ~uint64_t(7))) && (positions & 7) != 0;
}

template <typename FP>
void dense1(std::complex<FP>* psi, unsigned n, unsigned t, const std::complex<FP>* m,
            uint64_t ctrl) {
  const uint64_t tb = uint64_t(1) << t;
  const FP m00r = m[0].real(), m00i = m[0].imag(), m01r = m[1].real(), m01i = m[1].imag();
  const FP m10r = m[2].real(), m10i = m[2].imag(), m11r = m[3].real(), m11i = m[3].imag();
  if (t == 0 && ctrl == 0) {
    // The pair is adjacent: one flat loop over pairs, no index insertion.
    FP* p = reinterpret_cast<FP*>(psi);
    const int64_t pairs = int64_t(uint64_t(1) << (n - 1));
#pragma omp parallel for simd schedule(static) if (pairs >= int64_t(kParallelMinAmplitudes))
    for (int64_t j = 0; j < pairs; ++j) {
      FP* q = p + 4 * j;
      const FP ar = q[0], ai = q[1], br = q[2], bi = q[3];
      q[0] = m00r * ar - m00i * ai + m01r * br - m01i * bi;
      q[1] = m00r * ai + m00i * ar + m01r * bi + m01i * br;
      q[2] = m10r * ar - m10i * ai + m11r * br - m11i * bi;
      q[3] = m10r * ai + m10i * ar + m11r * bi + m11i * br;
    }
    return;
  }
  if (ctrl == 0 && (t == 1 || t == 2) && n > t + 1) {
    // Blocks of 2^(t+1) amplitudes with a compile-time inner length.
    const auto blocks = [&](auto half_tag) {
      constexpr unsigned H = decltype(half_tag)::value;
      FP* p = reinterpret_cast<FP*>(psi);
      const int64_t nblocks = int64_t(uint64_t(1) << (n - 1)) / H;
#pragma omp parallel for schedule(static) if (nblocks * H >= int64_t(kParallelMinAmplitudes))
      for (int64_t blk = 0; blk < nblocks; ++blk) {
        FP* a = p + 4 * H * blk;
        FP* b = a + 2 * H;
#pragma omp simd
        for (unsigned j = 0; j < H; ++j) {
          const FP ar = a[2 * j], ai = a[2 * j + 1], br = b[2 * j], bi = b[2 * j + 1];
          a[2 * j] = m00r * ar - m00i * ai + m01r * br - m01i * bi;
          a[2 * j + 1] = m00r * ai + m00i * ar + m01r * bi + m01i * br;
          b[2 * j] = m10r * ar - m10i * ai + m11r * br - m11i * bi;
          b[2 * j + 1] = m10r * ai + m10i * ar + m11r * bi + m11i * br;
        }
      }
    };
    if (t == 1)
      blocks(std::integral_constant<unsigned, 2>{});
    else
      blocks(std::integral_constant<unsigned, 4>{});
    return;
  }
  if (use_octets(n, ctrl | tb)) {
    FP* p = reinterpret_cast<FP*>(psi);
    for_each_pair_by_octets(n, ctrl | tb, ctrl, 0, tb, [=](uint64_t i0, uint64_t i1) {
      FP* a = p + 2 * i0;
      FP* b = p + 2 * i1;
      const FP ar = a[0], ai = a[1], br = b[0], bi = b[1];
      a[0] = m00r * ar - m00i * ai + m01r * br - m01i * bi;
      a[1] = m00r * ai + m00i * ar + m01r * bi + m01i * br;
      b[0] = m10r * ar - m10i * ai + m11r * br - m11i * bi;
      b[1] = m10r * ai + m10i * ar + m11r * bi + m11i * br;
    });
    return;
  }
  for_each_run(n, Positions(ctrl | tb), ctrl, [=](uint64_t base, uint64_t len) {
    FP* __restrict a = reinterpret_cast<FP*>(psi + base);
    FP* __restrict b = reinterpret_cast<FP*>(psi + base + tb);
#pragma omp simd
    for (uint64_t j = 0; j < len; ++j) {
      const FP ar = a[2 * j], ai = a[2 * j + 1], br = b[2 * j], bi = b[2 * j + 1];
      a[2 * j] = m00r * ar - m00i * ai + m01r * br - m01i * bi;
      a[2 * j + 1] = m00r * ai + m00i * ar + m01r * bi + m01i * br;
      b[2 * j] = m10r * ar - m10i * ai + m11r * br - m11i * bi;
      b[2 * j + 1] = m10r * ai + m10i * ar + m11r * bi + m11i * br;
    }
  });
}

/// Offsets of the 2^K matrix indices: bit (K-1-a) of r selects targets[a].
template <unsigned K>
std::array<uint64_t, (1u << K)> offsets(const unsigned* targets) {
  std::array<uint64_t, (1u << K)> off{};
  for (unsigned r = 0; r < (1u << K); ++r)
    for (unsigned a = 0; a < K; ++a)
      if ((r >> (K - 1 - a)) & 1) off[r] |= uint64_t(1) << targets[a];
  return off;
}

/// The lane (0..7) whose bits at LOW are the bits of x, lowest first.
template <unsigned LOW>
constexpr unsigned low_lane(unsigned x) {
  unsigned lane = 0, j = 0;
  for (unsigned b = 0; b < 3; ++b)
    if ((LOW >> b) & 1u) lane |= ((x >> j++) & 1u) << b;
  return lane;
}

/// Eight lanes of FP as one vector (GCC vector extensions: AVX-512 or AVX2
/// registers under -march=native, plain scalar code elsewhere) and its
/// shuffle index type.
template <typename FP>
struct Lanes;
template <>
struct Lanes<double> {
  typedef double V __attribute__((vector_size(8 * sizeof(double))));
  typedef int64_t I __attribute__((vector_size(8 * sizeof(int64_t))));
};
template <>
struct Lanes<float> {
  typedef float V __attribute__((vector_size(8 * sizeof(float))));
  typedef int32_t I __attribute__((vector_size(8 * sizeof(int32_t))));
};

/// v with lane l taken from lane l ^ X.
template <typename V, typename I, unsigned X>
inline V xor_lanes(V v) {
  if constexpr (X == 0) return v;
  else return __builtin_shuffle(v, I{0 ^ X, 1 ^ X, 2 ^ X, 3 ^ X, 4 ^ X, 5 ^ X, 6 ^ X, 7 ^ X});
}
template <typename V, typename I, unsigned LOW, std::size_t... X>
inline void xor_all(V v, V* out, std::index_sequence<X...>) {
  ((out[X] = xor_lanes<V, I, low_lane<LOW>(unsigned(X))>(v)), ...);
}

/// Dense K-qubit matrix whose controls are all >= 3, in aligned octets of 8
/// consecutive amplitudes (the vector lanes). LOW (compile time) is the
/// mask of the targets among qubits 0..2. The targets >= 3 ("high") pick
/// one octet each of the 2^KH the matrix mixes; inside an octet, a lane's
/// low target bits are part of the matrix row, so output lane l of high row
/// rH is the sum over high columns cH and x in the subsets of LOW of
/// coef[rH][cH][x][l] * v[cH][l ^ x]: lane shuffles fixed at compile time
/// and lane-wise FMAs on real and imaginary parts.
template <typename FP, unsigned K, unsigned LOW>
void dense_octets(std::complex<FP>* psi, unsigned n, const unsigned* targets, const std::complex<FP>* m,
                  uint64_t ctrl) {
  using V = typename Lanes<FP>::V;
  using I = typename Lanes<FP>::I;
  constexpr unsigned D = 1u << K;
  constexpr unsigned KL = unsigned(__builtin_popcount(LOW));
  static_assert(KL <= K, "at most K targets are low");
  constexpr unsigned KH = K - KL, DH = 1u << KH, DL = 1u << KL;
  // Bit of the matrix index of each low target (by lane bit) and each high one.
  unsigned lrow[3] = {}, hbit[K] = {}, hrow[K] = {};
  unsigned nh = 0;
  for (unsigned a = 0; a < K; ++a) {
    if (targets[a] < 3) {
      lrow[targets[a]] = K - 1 - a;
    } else {
      hbit[nh] = targets[a];
      hrow[nh++] = K - 1 - a;
    }
  }
  // Matrix index of high assignment h (bit j: high target j, most significant first) and a lane.
  const auto index_of = [&](unsigned h, unsigned lane) {
    unsigned r = 0;
    for (unsigned j = 0; j < KH; ++j) r |= ((h >> (KH - 1 - j)) & 1u) << hrow[j];
    for (unsigned b = 0; b < 3; ++b)
      if ((LOW >> b) & 1u) r |= ((lane >> b) & 1u) << lrow[b];
    return r;
  };
  std::array<uint64_t, DH> off{};
  uint64_t hmask = ctrl;
  for (unsigned j = 0; j < KH; ++j) hmask |= uint64_t(1) << hbit[j];
  for (unsigned h = 0; h < DH; ++h)
    for (unsigned j = 0; j < KH; ++j)
      if ((h >> (KH - 1 - j)) & 1u) off[h] |= uint64_t(1) << hbit[j];
  std::vector<V> coef(2 * DH * DH * DL);  // [rH][cH][x], real then imaginary
  for (unsigned rH = 0; rH < DH; ++rH)
    for (unsigned cH = 0; cH < DH; ++cH)
      for (unsigned x = 0; x < DL; ++x) {
        V re, im;
        for (unsigned l = 0; l < kLanes; ++l) {
          const unsigned src = l ^ low_lane<LOW>(x);
          const std::complex<FP> e = m[index_of(rH, l) * D + index_of(cH, src)];
          re[l] = e.real();
          im[l] = e.imag();
        }
        coef[2 * ((rH * DH + cH) * DL + x)] = re;
        coef[2 * ((rH * DH + cH) * DL + x) + 1] = im;
      }
  const V* cf = coef.data();
  const Positions hpos(hmask);
  const int64_t nchunks = int64_t(uint64_t(1) << (n - 3 - hpos.count));
#pragma omp parallel for schedule(static) if (8 * nchunks >= int64_t(kParallelMinAmplitudes))
  for (int64_t ch = 0; ch < nchunks; ++ch) {
    const uint64_t base = insert_zero_bits(uint64_t(ch) << 3, hpos) | ctrl;
    V xr[DH][DL], xi[DH][DL];
    for (unsigned h = 0; h < DH; ++h) {
      const FP* p = reinterpret_cast<const FP*>(psi + base + off[h]);
      V a, b;
      std::memcpy(&a, p, sizeof(V));
      std::memcpy(&b, p + kLanes, sizeof(V));
      const V re = __builtin_shuffle(a, b, I{0, 2, 4, 6, 8, 10, 12, 14});
      const V im = __builtin_shuffle(a, b, I{1, 3, 5, 7, 9, 11, 13, 15});
      xor_all<V, I, LOW>(re, xr[h], std::make_index_sequence<DL>{});
      xor_all<V, I, LOW>(im, xi[h], std::make_index_sequence<DL>{});
    }
    for (unsigned rH = 0; rH < DH; ++rH) {
      V sr = {}, si = {};
      for (unsigned cH = 0; cH < DH; ++cH)
        for (unsigned x = 0; x < DL; ++x) {
          const V& a = cf[2 * ((rH * DH + cH) * DL + x)];
          const V& b = cf[2 * ((rH * DH + cH) * DL + x) + 1];
          sr += a * xr[cH][x] - b * xi[cH][x];
          si += a * xi[cH][x] + b * xr[cH][x];
        }
      FP* p = reinterpret_cast<FP*>(psi + base + off[rH]);
      const V lo = __builtin_shuffle(sr, si, I{0, 8, 1, 9, 2, 10, 3, 11});
      const V hi = __builtin_shuffle(sr, si, I{4, 12, 5, 13, 6, 14, 7, 15});
      std::memcpy(p, &lo, sizeof(V));
      std::memcpy(p + kLanes, &hi, sizeof(V));
    }
  }
}

/// Complex amplitudes in one 64-byte vector, interleaved (re, im, re, ...):
/// 4 in double, 8 in single precision (one AVX-512 register, two AVX2
/// registers, scalar code without them).
template <typename FP>
struct Complexes {
  static constexpr unsigned kCount = 32 / sizeof(FP);
  static constexpr unsigned kBits = sizeof(FP) == 8 ? 2 : 3;
  typedef FP V __attribute__((vector_size(64)));
  typedef std::conditional_t<sizeof(FP) == 8, int64_t, int32_t> S;
  typedef S I __attribute__((vector_size(64)));
  /// (re, im) -> (-im, re) in every amplitude: i v.
  static V times_i(V v) {
    if constexpr (sizeof(FP) == 8) {
      return __builtin_shuffle(v, I{1, 0, 3, 2, 5, 4, 7, 6}) * V{-1, 1, -1, 1, -1, 1, -1, 1};
    } else {
      return __builtin_shuffle(v, I{1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14}) *
             V{-1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1};
    }
  }
};

/// Dense K-qubit matrix on interleaved amplitudes, kCount consecutive ones
/// per vector: every target and control is >= kBits, so the amplitudes of
/// a vector share their gate bits and each is one matrix row apart from the
/// vectors at the other row offsets. Row r of a block is the sum over
/// columns c of Re m[r][c] * v[c] + Im m[r][c] * (i v[c]): 2 x 4^K FMAs
/// with broadcast matrix entries and no lane shuffle but i v (one per
/// column). Walks unit-stride runs (for_each_run).
template <typename FP, unsigned K>
void dense_interleaved(std::complex<FP>* psi, unsigned n, const unsigned* targets, const std::complex<FP>* m,
                       uint64_t ctrl) {
  using C = Complexes<FP>;
  using V = typename C::V;
  constexpr unsigned D = 1u << K, L = C::kCount;
  const auto off = offsets<K>(targets);
  uint64_t tmask = 0;
  for (unsigned a = 0; a < K; ++a) tmask |= uint64_t(1) << targets[a];
  FP mr[D * D], mi[D * D];
  for (unsigned i = 0; i < D * D; ++i) {
    mr[i] = m[i].real();
    mi[i] = m[i].imag();
  }
  FP* const p = reinterpret_cast<FP*>(psi);
  for_each_run(n, Positions(ctrl | tmask), ctrl, [&](uint64_t base, uint64_t len) {
    for (uint64_t j = 0; j < len; j += L) {
      V v[D], w[D];
      for (unsigned c = 0; c < D; ++c) {
        std::memcpy(&v[c], p + 2 * (base + j + off[c]), sizeof(V));
        w[c] = C::times_i(v[c]);
      }
      for (unsigned r = 0; r < D; ++r) {
        V acc = mr[r * D] * v[0] + mi[r * D] * w[0];
        for (unsigned c = 1; c < D; ++c) acc += mr[r * D + c] * v[c] + mi[r * D + c] * w[c];
        std::memcpy(p + 2 * (base + j + off[r]), &acc, sizeof(V));
      }
    }
  });
}

template <typename FP, unsigned K>
void dense_k(std::complex<FP>* psi, unsigned n, const unsigned* targets,
             const std::complex<FP>* m, uint64_t ctrl) {
  constexpr unsigned D = 1u << K;
  const auto off = offsets<K>(targets);
  uint64_t tmask = 0;
  for (unsigned a = 0; a < K; ++a) tmask |= uint64_t(1) << targets[a];
  // Split real and imaginary parts so the inner products are plain FMAs.
  std::array<FP, D * D> mr, mi;
  for (unsigned i = 0; i < D * D; ++i) {
    mr[i] = m[i].real();
    mi[i] = m[i].imag();
  }
  const Positions pos(ctrl | tmask);
  const uint64_t nfree = uint64_t(1) << (n - pos.count);
  if (nfree < kLanes) {  // tiny state: one basis state at a time
    for (uint64_t f = 0; f < nfree; ++f) {
      FP* p = reinterpret_cast<FP*>(psi + (insert_zero_bits(f, pos) | ctrl));
      FP vr[D], vi[D];
      for (unsigned r = 0; r < D; ++r) {
        vr[r] = p[2 * off[r]];
        vi[r] = p[2 * off[r] + 1];
      }
      for (unsigned r = 0; r < D; ++r) {
        FP sr = 0, si = 0;
        for (unsigned c = 0; c < D; ++c) {
          sr += mr[r * D + c] * vr[c] - mi[r * D + c] * vi[c];
          si += mr[r * D + c] * vi[c] + mi[r * D + c] * vr[c];
        }
        p[2 * off[r]] = sr;
        p[2 * off[r] + 1] = si;
      }
    }
    return;
  }
  if constexpr (K <= 4) {
    if (pos.pos[0] >= Complexes<FP>::kBits && n - pos.count >= Complexes<FP>::kBits)
      return dense_interleaved<FP, K>(psi, n, targets, m, ctrl);
    const unsigned low = unsigned(tmask & 7);
    const uint64_t high = (ctrl | tmask) & ~uint64_t(7);
    if (low && !(ctrl & 7) && n >= 3 + unsigned(__builtin_popcountll(high))) {
      const auto run = [&](auto low_tag) {
        constexpr unsigned LOW = decltype(low_tag)::value;
        if constexpr (unsigned(__builtin_popcount(LOW)) <= K) dense_octets<FP, K, LOW>(psi, n, targets, m, ctrl);
      };
      switch (low) {
        case 1: return run(std::integral_constant<unsigned, 1>{});
        case 2: return run(std::integral_constant<unsigned, 2>{});
        case 3: return run(std::integral_constant<unsigned, 3>{});
        case 4: return run(std::integral_constant<unsigned, 4>{});
        case 5: return run(std::integral_constant<unsigned, 5>{});
        case 6: return run(std::integral_constant<unsigned, 6>{});
        case 7: return run(std::integral_constant<unsigned, 7>{});
      }
    }
  }
  // kLanes basis-state groups at once: each matrix entry is broadcast
  // against a vector of kLanes amplitudes, so the D x D product vectorises
  // whatever the target qubits are.
  const int64_t nchunks = int64_t(nfree / kLanes);
  // When every gate qubit is >= log2(kLanes), the kLanes states of a chunk
  // are consecutive in memory and load as vectors; otherwise they are
  // gathered through an index per lane.
  const bool contiguous = pos.pos[0] >= unsigned(__builtin_ctz(kLanes));
  const auto body = [&](auto contiguous_tag) {
    constexpr bool kContiguous = decltype(contiguous_tag)::value;
#pragma omp parallel for schedule(static) if (nfree >= kParallelMinAmplitudes)
    for (int64_t ch = 0; ch < nchunks; ++ch) {
      uint64_t idx[kLanes];
      if constexpr (kContiguous) {
        idx[0] = insert_zero_bits(uint64_t(ch) * kLanes, pos) | ctrl;
        for (unsigned l = 1; l < kLanes; ++l) idx[l] = idx[0] + l;
      } else {
        for (unsigned l = 0; l < kLanes; ++l)
          idx[l] = insert_zero_bits(uint64_t(ch) * kLanes + l, pos) | ctrl;
      }
      alignas(64) FP vr[D][kLanes], vi[D][kLanes];
      for (unsigned r = 0; r < D; ++r) {
        if constexpr (kContiguous) {
          const FP* p = reinterpret_cast<const FP*>(psi + idx[0] + off[r]);
#pragma omp simd
          for (unsigned l = 0; l < kLanes; ++l) {
            vr[r][l] = p[2 * l];
            vi[r][l] = p[2 * l + 1];
          }
        } else {
          for (unsigned l = 0; l < kLanes; ++l) {
            const FP* p = reinterpret_cast<const FP*>(psi + idx[l] + off[r]);
            vr[r][l] = p[0];
            vi[r][l] = p[1];
          }
        }
      }
      for (unsigned r = 0; r < D; ++r) {
        alignas(64) FP sr[kLanes] = {}, si[kLanes] = {};
        for (unsigned c = 0; c < D; ++c) {
          const FP a = mr[r * D + c], b = mi[r * D + c];
#pragma omp simd
          for (unsigned l = 0; l < kLanes; ++l) {
            sr[l] += a * vr[c][l] - b * vi[c][l];
            si[l] += a * vi[c][l] + b * vr[c][l];
          }
        }
        if constexpr (kContiguous) {
          FP* p = reinterpret_cast<FP*>(psi + idx[0] + off[r]);
#pragma omp simd
          for (unsigned l = 0; l < kLanes; ++l) {
            p[2 * l] = sr[l];
            p[2 * l + 1] = si[l];
          }
        } else {
          for (unsigned l = 0; l < kLanes; ++l) {
            FP* p = reinterpret_cast<FP*>(psi + idx[l] + off[r]);
            p[0] = sr[l];
            p[1] = si[l];
          }
        }
      }
    }
  };
  if (contiguous)
    body(std::true_type{});
  else
    body(std::false_type{});
}

template <typename FP, unsigned K>
void diagonal_k(std::complex<FP>* psi, unsigned n, const unsigned* targets,
                const std::complex<FP>* d, uint64_t ctrl) {
  constexpr unsigned D = 1u << K;
  std::array<FP, D> dr, di;
  for (unsigned i = 0; i < D; ++i) {
    dr[i] = d[i].real();
    di[i] = d[i].imag();
  }
  uint64_t tmask = 0;
  for (unsigned a = 0; a < K; ++a) tmask |= uint64_t(1) << targets[a];
  const Positions pos(ctrl | tmask);
  if (pos.pos[0] >= 2 && n - pos.count >= 2) {
    // Runs of at least 4 amplitudes between the gate's positions: each run
    // of a block takes one entry, the 2^K runs of a block in address order.
    const auto off = offsets<K>(targets);
    for_each_run(n, pos, ctrl, [&](uint64_t base, uint64_t len) {
      for (unsigned r = 0; r < D; ++r) {
        FP* __restrict p = reinterpret_cast<FP*>(psi + base + off[r]);
        const FP cr = dr[r], ci = di[r];
#pragma omp simd
        for (uint64_t j = 0; j < len; ++j) {
          const FP xr = p[2 * j], xi = p[2 * j + 1];
          p[2 * j] = cr * xr - ci * xi;
          p[2 * j + 1] = cr * xi + ci * xr;
        }
      }
    });
    return;
  }
  // Runs over the control positions only (long and contiguous); each
  // amplitude picks its entry from the target bits of its index.
  unsigned shift[K];
  for (unsigned a = 0; a < K; ++a) shift[a] = targets[a];
  for_each_run(n, Positions(ctrl), ctrl, [&](uint64_t base, uint64_t len) {
    FP* __restrict p = reinterpret_cast<FP*>(psi + base);
#pragma omp simd
    for (uint64_t j = 0; j < len; ++j) {
      const uint64_t i = base + j;
      unsigned r = 0;
      for (unsigned a = 0; a < K; ++a) r |= unsigned((i >> shift[a]) & 1) << (K - 1 - a);
      const FP cr = dr[r], ci = di[r];
      const FP xr = p[2 * j], xi = p[2 * j + 1];
      p[2 * j] = cr * xr - ci * xi;
      p[2 * j + 1] = cr * xi + ci * xr;
    }
  });
}

[[noreturn]] void bad_width(const char* what, unsigned k) {
  throw std::invalid_argument(std::string(what) + " supports 1 to " +
                              std::to_string(kMaxDenseQubits) + " target qubits, got " +
                              std::to_string(k) + ".");
}

}  // namespace

template <typename FP>
void apply_dense(std::complex<FP>* psi, unsigned n, const unsigned* targets, unsigned k,
                 const std::complex<FP>* m, uint64_t ctrl_mask) {
  switch (k) {
    case 1: return dense1<FP>(psi, n, targets[0], m, ctrl_mask);
    case 2: return dense_k<FP, 2>(psi, n, targets, m, ctrl_mask);
    case 3: return dense_k<FP, 3>(psi, n, targets, m, ctrl_mask);
    case 4: return dense_k<FP, 4>(psi, n, targets, m, ctrl_mask);
    case 5: return dense_k<FP, 5>(psi, n, targets, m, ctrl_mask);
    case 6: return dense_k<FP, 6>(psi, n, targets, m, ctrl_mask);
  }
  bad_width("apply_dense", k);
}

template <typename FP>
void apply_diagonal(std::complex<FP>* psi, unsigned n, const unsigned* targets, unsigned k,
                    const std::complex<FP>* diag, uint64_t ctrl_mask) {
  switch (k) {
    case 1: return diagonal_k<FP, 1>(psi, n, targets, diag, ctrl_mask);
    case 2: return diagonal_k<FP, 2>(psi, n, targets, diag, ctrl_mask);
    case 3: return diagonal_k<FP, 3>(psi, n, targets, diag, ctrl_mask);
    case 4: return diagonal_k<FP, 4>(psi, n, targets, diag, ctrl_mask);
    case 5: return diagonal_k<FP, 5>(psi, n, targets, diag, ctrl_mask);
    case 6: return diagonal_k<FP, 6>(psi, n, targets, diag, ctrl_mask);
  }
  bad_width("apply_diagonal", k);
}

template <typename FP>
void apply_phase(std::complex<FP>* psi, unsigned n, uint64_t mask, std::complex<FP> phase) {
  const FP cr = phase.real(), ci = phase.imag();
  if (use_octets(n, mask)) {
    FP* p = reinterpret_cast<FP*>(psi);
    for_each_pair_by_octets(n, mask, mask, 0, 0, [=](uint64_t i, uint64_t) {
      const FP xr = p[2 * i], xi = p[2 * i + 1];
      p[2 * i] = cr * xr - ci * xi;
      p[2 * i + 1] = cr * xi + ci * xr;
    });
    return;
  }
  for_each_run(n, Positions(mask), mask, [=](uint64_t base, uint64_t len) {
    FP* __restrict p = reinterpret_cast<FP*>(psi + base);
#pragma omp simd
    for (uint64_t j = 0; j < len; ++j) {
      const FP xr = p[2 * j], xi = p[2 * j + 1];
      p[2 * j] = cr * xr - ci * xi;
      p[2 * j + 1] = cr * xi + ci * xr;
    }
  });
}

template <typename FP>
void apply_x(std::complex<FP>* psi, unsigned n, unsigned target, uint64_t ctrl_mask) {
  const uint64_t tb = uint64_t(1) << target;
  if (use_octets(n, ctrl_mask | tb)) {
    for_each_pair_by_octets(n, ctrl_mask | tb, ctrl_mask, 0, tb,
                            [=](uint64_t i0, uint64_t i1) { std::swap(psi[i0], psi[i1]); });
    return;
  }
  for_each_run(n, Positions(ctrl_mask | tb), ctrl_mask, [=](uint64_t base, uint64_t len) {
    FP* __restrict a = reinterpret_cast<FP*>(psi + base);
    FP* __restrict b = reinterpret_cast<FP*>(psi + base + tb);
#pragma omp simd
    for (uint64_t j = 0; j < 2 * len; ++j) {
      const FP t = a[j];
      a[j] = b[j];
      b[j] = t;
    }
  });
}

template <typename FP>
void apply_swap(std::complex<FP>* psi, unsigned n, unsigned qa, unsigned qb, uint64_t ctrl_mask) {
  const uint64_t ab = uint64_t(1) << qa, bb = uint64_t(1) << qb;
  if (use_octets(n, ctrl_mask | ab | bb)) {
    for_each_pair_by_octets(n, ctrl_mask | ab | bb, ctrl_mask, ab, bb,
                            [=](uint64_t i0, uint64_t i1) { std::swap(psi[i0], psi[i1]); });
    return;
  }
  for_each_run(n, Positions(ctrl_mask | ab | bb), ctrl_mask, [=](uint64_t base, uint64_t len) {
    FP* __restrict a = reinterpret_cast<FP*>(psi + base + ab);
    FP* __restrict b = reinterpret_cast<FP*>(psi + base + bb);
#pragma omp simd
    for (uint64_t j = 0; j < 2 * len; ++j) {
      const FP t = a[j];
      a[j] = b[j];
      b[j] = t;
    }
  });
}

template <typename FP>
void apply_scale(std::complex<FP>* psi, unsigned n, std::complex<FP> factor) {
  apply_phase<FP>(psi, n, 0, factor);
}

template <typename FP>
double probability_one(const std::complex<FP>* psi, unsigned n, unsigned qubit) {
  // The 2^(n-1) amplitudes with the bit set, in index order; ordered_sum
  // makes the total independent of the thread count.
  const Positions p(uint64_t(1) << qubit);
  const uint64_t tb = uint64_t(1) << qubit;
  return ordered_sum<double>(uint64_t(1) << (n - 1), [&](uint64_t begin, uint64_t end) {
    double t = 0;
    for (uint64_t f = begin; f < end; ++f) {
      const std::complex<FP> a = psi[insert_zero_bits(f, p) | tb];
      t += double(a.real()) * double(a.real()) + double(a.imag()) * double(a.imag());
    }
    return t;
  });
}

template <typename FP>
void collapse(std::complex<FP>* psi, unsigned n, unsigned qubit, int outcome, FP scale) {
  const uint64_t tb = uint64_t(1) << qubit;
  const uint64_t keep = outcome ? tb : 0, drop = outcome ? 0 : tb;
  for_each_run(n, Positions(tb), 0, [=](uint64_t base, uint64_t len) {
    FP* __restrict k = reinterpret_cast<FP*>(psi + base + keep);
    FP* __restrict d = reinterpret_cast<FP*>(psi + base + drop);
#pragma omp simd
    for (uint64_t j = 0; j < 2 * len; ++j) {
      k[j] *= scale;
      d[j] = 0;
    }
  });
}

// ---------------------------------------------------------------------------
// Batched block kernels

namespace {

/// Insert a zero bit at each sorted position of `fixed` (lowest first).
inline uint64_t deposit(uint64_t i, const uint8_t* fixed, unsigned nf) {
  for (unsigned k = 0; k < nf; ++k) {
    const uint64_t p = fixed[k];
    i = ((i >> p) << (p + 1)) | (i & ((uint64_t(1) << p) - 1));
  }
  return i;
}

/// Index of block i's first amplitude: from the table, or by deposit.
struct TableIdx {
  const uint32_t* t;
  uint64_t operator()(uint64_t i) const { return t[i]; }
};
struct DepositIdx {
  const uint8_t* fx;
  unsigned nf;
  uint64_t ctrl;
  uint64_t operator()(uint64_t i) const { return deposit(i, fx, nf) | ctrl; }
};

template <typename FP, typename Idx>
void block_apply_loop(std::complex<FP>* psi, std::size_t nb, const BlockGate& g,
                      const std::complex<FP>* mats, std::size_t m_stride, Idx at) {
  using C = std::complex<FP>;
  const std::size_t dim = std::size_t(1) << g.n;
  const uint64_t count = uint64_t(1) << (g.n - g.fixed.size());
  const uint64_t b0 = uint64_t(1) << g.targets[0], b1 = uint64_t(1) << g.targets[1];
  for (std::size_t smp = 0; smp < nb; ++smp) {
    C* ps = psi + smp * dim;
    const C* m = mats + smp * m_stride;
    switch (g.kind) {
      case BlockKind::X:
        for (uint64_t i = 0; i < count; ++i) {
          const uint64_t i0 = at(i);
          std::swap(ps[i0], ps[i0 | b0]);
        }
        break;
      case BlockKind::Diagonal:
        if (g.k == 1) {
          const C d0 = m[0], d1 = m[3];
          for (uint64_t i = 0; i < count; ++i) {
            const uint64_t i0 = at(i);
            ps[i0] *= d0;
            ps[i0 | b0] *= d1;
          }
        } else {
          const C d[4] = {m[0], m[5], m[10], m[15]};
          for (uint64_t i = 0; i < count; ++i) {
            const uint64_t base = at(i);
            ps[base] *= d[0];
            ps[base | b1] *= d[1];
            ps[base | b0] *= d[2];
            ps[base | b0 | b1] *= d[3];
          }
        }
        break;
      case BlockKind::Dense:
        if (g.k == 1) {
          const C m0 = m[0], m1 = m[1], m2 = m[2], m3 = m[3];
          for (uint64_t i = 0; i < count; ++i) {
            const uint64_t i0 = at(i), i1 = i0 | b0;
            const C a = ps[i0], b = ps[i1];
            ps[i0] = m0 * a + m1 * b;
            ps[i1] = m2 * a + m3 * b;
          }
        } else {
          for (uint64_t i = 0; i < count; ++i) {
            const uint64_t base = at(i);
            const uint64_t idx[4] = {base, base | b1, base | b0, base | b0 | b1};
            C v[4];
            for (int r = 0; r < 4; ++r) v[r] = ps[idx[r]];
            for (int r = 0; r < 4; ++r)
              ps[idx[r]] = m[4 * r] * v[0] + m[4 * r + 1] * v[1] + m[4 * r + 2] * v[2] + m[4 * r + 3] * v[3];
          }
        }
        break;
    }
  }
}

/// kR: R is wanted (the products for it are only computed then).
template <typename FP, typename Idx, bool kR>
void block_adjoint_impl(std::complex<FP>* psi, std::complex<FP>* lam, std::size_t nb, const BlockGate& g,
                        const std::complex<FP>* mats, std::size_t m_stride, std::complex<FP>* R, Idx at) {
  using C = std::complex<FP>;
  const std::size_t dim = std::size_t(1) << g.n, bs = g.block_size();
  const uint64_t count = uint64_t(1) << (g.n - g.fixed.size());
  const uint64_t b0 = uint64_t(1) << g.targets[0], b1 = uint64_t(1) << g.targets[1];
  for (std::size_t smp = 0; smp < nb; ++smp) {
    C* ps = psi + smp * dim;
    C* ls = lam + smp * dim;
    const C* m = mats + smp * m_stride;
    C* Rs = kR ? R + smp * bs : nullptr;
    if (g.kind == BlockKind::X) {
      for (uint64_t i = 0; i < count; ++i) {
        const uint64_t i0 = at(i);
        std::swap(ps[i0], ps[i0 | b0]);
        std::swap(ls[i0], ls[i0 | b0]);
      }
      continue;
    }
    if (g.k == 1 && g.kind == BlockKind::Diagonal) {
      // Real arithmetic, as the dense case below.
      const FP d0r = m[0].real(), d0i = -m[0].imag(), d1r = m[3].real(), d1i = -m[3].imag();
      FP* const P = reinterpret_cast<FP*>(ps);
      FP* const L = reinterpret_cast<FP*>(ls);
      FP r0r = 0, r0i = 0, r1r = 0, r1i = 0;
      for (uint64_t i = 0; i < count; ++i) {
        const uint64_t i0 = 2 * at(i), i1 = i0 + 2 * b0;
        const FP ar = P[i0], ai = P[i0 + 1], br = P[i1], bi = P[i1 + 1];
        const FP p0r = ar * d0r - ai * d0i, p0i = ar * d0i + ai * d0r;
        const FP p1r = br * d1r - bi * d1i, p1i = br * d1i + bi * d1r;
        const FP l0r = L[i0], l0i = L[i0 + 1], l1r = L[i1], l1i = L[i1 + 1];
        r0r += l0r * p0r + l0i * p0i; r0i += l0r * p0i - l0i * p0r;
        r1r += l1r * p1r + l1i * p1i; r1i += l1r * p1i - l1i * p1r;
        P[i0] = p0r; P[i0 + 1] = p0i; P[i1] = p1r; P[i1 + 1] = p1i;
        L[i0] = l0r * d0r - l0i * d0i; L[i0 + 1] = l0r * d0i + l0i * d0r;
        L[i1] = l1r * d1r - l1i * d1i; L[i1 + 1] = l1r * d1i + l1i * d1r;
      }
      if constexpr (kR) { Rs[0] += C(r0r, r0i); Rs[3] += C(r1r, r1i); }
      continue;
    }
    if (g.k == 1) {
      // In real arithmetic with scalar accumulators: complex temporaries
      // here were spilled and reloaded half by half (a store-forwarding
      // stall per pair on small states, where this loop runs 8 times a step).
      const FP u0r = m[0].real(), u0i = -m[0].imag(), u1r = m[2].real(), u1i = -m[2].imag();
      const FP u2r = m[1].real(), u2i = -m[1].imag(), u3r = m[3].real(), u3i = -m[3].imag();
      FP* const P = reinterpret_cast<FP*>(ps);
      FP* const L = reinterpret_cast<FP*>(ls);
      FP r00r = 0, r00i = 0, r01r = 0, r01i = 0, r10r = 0, r10i = 0, r11r = 0, r11i = 0;
      for (uint64_t i = 0; i < count; ++i) {
        const uint64_t i0 = 2 * at(i), i1 = i0 + 2 * b0;
        const FP ar = P[i0], ai = P[i0 + 1], br = P[i1], bi = P[i1 + 1];
        const FP p0r = u0r * ar - u0i * ai + (u1r * br - u1i * bi), p0i = u0r * ai + u0i * ar + (u1r * bi + u1i * br);
        const FP p1r = u2r * ar - u2i * ai + (u3r * br - u3i * bi), p1i = u2r * ai + u2i * ar + (u3r * bi + u3i * br);
        const FP l0r = L[i0], l0i = L[i0 + 1], l1r = L[i1], l1i = L[i1 + 1];
        r00r += l0r * p0r + l0i * p0i; r00i += l0r * p0i - l0i * p0r;
        r01r += l0r * p1r + l0i * p1i; r01i += l0r * p1i - l0i * p1r;
        r10r += l1r * p0r + l1i * p0i; r10i += l1r * p0i - l1i * p0r;
        r11r += l1r * p1r + l1i * p1i; r11i += l1r * p1i - l1i * p1r;
        P[i0] = p0r; P[i0 + 1] = p0i; P[i1] = p1r; P[i1 + 1] = p1i;
        L[i0] = u0r * l0r - u0i * l0i + (u1r * l1r - u1i * l1i);
        L[i0 + 1] = u0r * l0i + u0i * l0r + (u1r * l1i + u1i * l1r);
        L[i1] = u2r * l0r - u2i * l0i + (u3r * l1r - u3i * l1i);
        L[i1 + 1] = u2r * l0i + u2i * l0r + (u3r * l1i + u3i * l1r);
      }
      if constexpr (kR) {
        Rs[0] += C(r00r, r00i); Rs[1] += C(r01r, r01i); Rs[2] += C(r10r, r10i); Rs[3] += C(r11r, r11i);
      }
      continue;
    }
    C ud[16];
    for (int a = 0; a < 4; ++a)
      for (int b = 0; b < 4; ++b) ud[4 * a + b] = std::conj(m[4 * b + a]);
    const bool diag = g.kind == BlockKind::Diagonal;
    C r[16] = {};
    for (uint64_t i = 0; i < count; ++i) {
      const uint64_t base = at(i);
      const uint64_t idx[4] = {base, base | b1, base | b0, base | b0 | b1};
      C v[4], l[4], pv[4], lv[4];
      for (int q = 0; q < 4; ++q) { v[q] = ps[idx[q]]; l[q] = ls[idx[q]]; }
      if (diag) {
        for (int q = 0; q < 4; ++q) { pv[q] = ud[5 * q] * v[q]; lv[q] = ud[5 * q] * l[q]; }
        if constexpr (kR) for (int q = 0; q < 4; ++q) r[5 * q] += std::conj(l[q]) * pv[q];
      } else {
        for (int q = 0; q < 4; ++q) {
          pv[q] = ud[4 * q] * v[0] + ud[4 * q + 1] * v[1] + ud[4 * q + 2] * v[2] + ud[4 * q + 3] * v[3];
          lv[q] = ud[4 * q] * l[0] + ud[4 * q + 1] * l[1] + ud[4 * q + 2] * l[2] + ud[4 * q + 3] * l[3];
        }
        if constexpr (kR)
          for (int a = 0; a < 4; ++a) {
            const C cl = std::conj(l[a]);
            for (int b = 0; b < 4; ++b) r[4 * a + b] += cl * pv[b];
          }
      }
      for (int q = 0; q < 4; ++q) { ps[idx[q]] = pv[q]; ls[idx[q]] = lv[q]; }
    }
    if constexpr (kR) for (int q = 0; q < 16; ++q) Rs[q] += r[q];
  }
}

template <typename FP, typename Idx>
void block_adjoint_loop(std::complex<FP>* psi, std::complex<FP>* lam, std::size_t nb, const BlockGate& g,
                        const std::complex<FP>* mats, std::size_t m_stride, std::complex<FP>* R, Idx at) {
  if (R) return block_adjoint_impl<FP, Idx, true>(psi, lam, nb, g, mats, m_stride, R, at);
  block_adjoint_impl<FP, Idx, false>(psi, lam, nb, g, mats, m_stride, R, at);
}

/// Block sums of the adjoint step's density: D x D complex, in double.
template <unsigned D>
struct DensitySum {
  double v[2 * D * D] = {};
  DensitySum& operator+=(const DensitySum& o) {
    for (unsigned i = 0; i < 2 * D * D; ++i) v[i] += o.v[i];
    return *this;
  }
};

/// What every adjoint step on one large state starts from: M^dag in real
/// and imaginary parts, the offsets of a group's D = 2^K amplitudes from
/// its first, the gate's positions (targets and controls, sorted) and the
/// number of groups.
template <typename FP, unsigned K>
struct StepSetup {
  static constexpr unsigned D = 1u << K;
  FP ur[D * D], ui[D * D];
  uint64_t off[D];
  Positions pos;
  uint64_t count;
  StepSetup(const BlockGate& g, const std::complex<FP>* m) : pos(gate_positions(g)) {
    for (unsigned a = 0; a < D; ++a)
      for (unsigned b = 0; b < D; ++b) {
        ur[a * D + b] = m[b * D + a].real();
        ui[a * D + b] = -m[b * D + a].imag();
      }
    for (unsigned r = 0; r < D; ++r) {
      off[r] = 0;
      for (unsigned a = 0; a < K; ++a)
        if ((r >> (K - 1 - a)) & 1) off[r] |= uint64_t(1) << g.targets[a];
    }
    count = uint64_t(1) << (g.n - pos.count);
  }
  static uint64_t gate_positions(const BlockGate& g) {
    uint64_t fixed = g.ctrl_mask;
    for (unsigned a = 0; a < K; ++a) fixed |= uint64_t(1) << g.targets[a];
    return fixed;
  }
};

/// One adjoint step with its density R on one large state (no index table):
/// psi <- M^dag psi, lam <- M^dag lam and R[a][c] += sum conj(lam[a]) psi[c]
/// (lam before, psi after), in one pass over both states. The blocks are
/// walked in unit-stride runs (as for_each_run) with real arithmetic, and
/// R is summed in fixed index blocks (ordered_sum), so it does not depend
/// on the thread count. kDiag: only M's diagonal is used (and R's).
template <typename FP, unsigned K, bool kDiag>
void adjoint_runs(std::complex<FP>* psi, std::complex<FP>* lam, const BlockGate& g, const StepSetup<FP, K>& su,
                  std::complex<FP>* R) {
  constexpr unsigned D = 1u << K;
  const FP* const ur = su.ur;
  const FP* const ui = su.ui;
  const uint64_t* const off = su.off;
  const Positions& pos = su.pos;
  const uint64_t count = su.count;
  const uint64_t run = uint64_t(1) << std::min({pos.pos[0], kMaxRunBits, g.n - pos.count});
  const uint64_t ctrl = g.ctrl_mask;
  FP* const P = reinterpret_cast<FP*>(psi);
  FP* const L = reinterpret_cast<FP*>(lam);
  const DensitySum<D> total = ordered_sum<DensitySum<D>>(count, [&](uint64_t begin, uint64_t end) {
    DensitySum<D> acc;
    for (uint64_t r0 = begin; r0 < end; r0 += run) {
      const uint64_t base = insert_zero_bits(r0, pos) | ctrl;
      if constexpr (K == 1) {
        // One target: the pair (a, b) of each index, with named
        // accumulators so the loop vectorises.
        FP* __restrict pa = P + 2 * base;
        FP* __restrict pb = P + 2 * (base + off[1]);
        FP* __restrict la = L + 2 * base;
        FP* __restrict lb = L + 2 * (base + off[1]);
        const FP u00r = ur[0], u00i = ui[0], u01r = ur[1], u01i = ui[1];
        const FP u10r = ur[2], u10i = ui[2], u11r = ur[3], u11i = ui[3];
        FP s0r = 0, s0i = 0, s1r = 0, s1i = 0, s2r = 0, s2i = 0, s3r = 0, s3i = 0;
#pragma omp simd reduction(+ : s0r, s0i, s1r, s1i, s2r, s2i, s3r, s3i)
        for (uint64_t j = 0; j < run; ++j) {
          const FP ar = pa[2 * j], ai = pa[2 * j + 1], br = pb[2 * j], bi = pb[2 * j + 1];
          const FP lar = la[2 * j], lai = la[2 * j + 1], lbr = lb[2 * j], lbi = lb[2 * j + 1];
          FP war, wai, wbr, wbi, qar, qai, qbr, qbi;
          if constexpr (kDiag) {
            war = u00r * ar - u00i * ai;
            wai = u00r * ai + u00i * ar;
            wbr = u11r * br - u11i * bi;
            wbi = u11r * bi + u11i * br;
            qar = u00r * lar - u00i * lai;
            qai = u00r * lai + u00i * lar;
            qbr = u11r * lbr - u11i * lbi;
            qbi = u11r * lbi + u11i * lbr;
          } else {
            war = u00r * ar - u00i * ai + u01r * br - u01i * bi;
            wai = u00r * ai + u00i * ar + u01r * bi + u01i * br;
            wbr = u10r * ar - u10i * ai + u11r * br - u11i * bi;
            wbi = u10r * ai + u10i * ar + u11r * bi + u11i * br;
            qar = u00r * lar - u00i * lai + u01r * lbr - u01i * lbi;
            qai = u00r * lai + u00i * lar + u01r * lbi + u01i * lbr;
            qbr = u10r * lar - u10i * lai + u11r * lbr - u11i * lbi;
            qbi = u10r * lai + u10i * lar + u11r * lbi + u11i * lbr;
          }
          // R[a][c] += conj(lam before)[a] * (psi after)[c].
          s0r += lar * war + lai * wai;
          s0i += lar * wai - lai * war;
          s3r += lbr * wbr + lbi * wbi;
          s3i += lbr * wbi - lbi * wbr;
          if constexpr (!kDiag) {
            s1r += lar * wbr + lai * wbi;
            s1i += lar * wbi - lai * wbr;
            s2r += lbr * war + lbi * wai;
            s2i += lbr * wai - lbi * war;
          }
          pa[2 * j] = war;
          pa[2 * j + 1] = wai;
          pb[2 * j] = wbr;
          pb[2 * j + 1] = wbi;
          la[2 * j] = qar;
          la[2 * j + 1] = qai;
          lb[2 * j] = qbr;
          lb[2 * j + 1] = qbi;
        }
        const FP sums[8] = {s0r, s0i, s1r, s1i, s2r, s2i, s3r, s3i};
        for (unsigned i = 0; i < 8; ++i) acc.v[i] += double(sums[i]);
        continue;
      }
      FP s[2 * D * D] = {};
      for (uint64_t j = 0; j < run; ++j) {
        FP vr[D], vi[D], lr[D], li[D], wr[D], wi[D];
        for (unsigned q = 0; q < D; ++q) {
          const uint64_t i = 2 * (base + off[q] + j);
          vr[q] = P[i];
          vi[q] = P[i + 1];
          lr[q] = L[i];
          li[q] = L[i + 1];
        }
        for (unsigned q = 0; q < D; ++q) {
          FP pr = 0, pi = 0, qr = 0, qi = 0;
          if constexpr (kDiag) {
            const FP a = ur[q * D + q], b = ui[q * D + q];
            pr = a * vr[q] - b * vi[q];
            pi = a * vi[q] + b * vr[q];
            qr = a * lr[q] - b * li[q];
            qi = a * li[q] + b * lr[q];
            s[2 * (q * D + q)] += lr[q] * pr + li[q] * pi;
            s[2 * (q * D + q) + 1] += lr[q] * pi - li[q] * pr;
          } else {
            for (unsigned c = 0; c < D; ++c) {
              const FP a = ur[q * D + c], b = ui[q * D + c];
              pr += a * vr[c] - b * vi[c];
              pi += a * vi[c] + b * vr[c];
              qr += a * lr[c] - b * li[c];
              qi += a * li[c] + b * lr[c];
            }
          }
          const uint64_t i = 2 * (base + off[q] + j);
          P[i] = pr;
          P[i + 1] = pi;
          L[i] = qr;
          L[i + 1] = qi;
          wr[q] = pr;
          wi[q] = pi;
        }
        if constexpr (!kDiag) {
          // lr, li: lam before the step; wr, wi: psi after it.
          for (unsigned a = 0; a < D; ++a)
            for (unsigned c = 0; c < D; ++c) {
              s[2 * (a * D + c)] += lr[a] * wr[c] + li[a] * wi[c];
              s[2 * (a * D + c) + 1] += lr[a] * wi[c] - li[a] * wr[c];
            }
        }
      }
      for (unsigned i = 0; i < 2 * D * D; ++i) acc.v[i] += double(s[i]);
    }
    return acc;
  });
  for (unsigned i = 0; i < D * D; ++i) R[i] += std::complex<FP>(FP(total.v[2 * i]), FP(total.v[2 * i + 1]));
}

/// One sample through the single-state kernels (large states).
template <typename FP>
void block_apply_one(std::complex<FP>* psi, const BlockGate& g, const std::complex<FP>* m) {
  switch (g.kind) {
    case BlockKind::X:
      return apply_x<FP>(psi, g.n, g.targets[0], g.ctrl_mask);
    case BlockKind::Diagonal: {
      std::complex<FP> d[4];
      for (unsigned r = 0; r < (1u << g.k); ++r) d[r] = m[r * ((1u << g.k) + 1)];
      return apply_diagonal<FP>(psi, g.n, g.targets, g.k, d, g.ctrl_mask);
    }
    case BlockKind::Dense:
      return apply_dense<FP>(psi, g.n, g.targets, g.k, m, g.ctrl_mask);
  }
}

}  // namespace

BlockGate make_block_gate(unsigned n, BlockKind kind, unsigned k, const unsigned* targets, uint64_t ctrl_mask) {
  if (k < 1 || k > 2) throw std::invalid_argument("a block gate has 1 or 2 targets, got " + std::to_string(k) + ".");
  if (kind == BlockKind::X && k != 1) throw std::invalid_argument("an X block gate has one target.");
  if (n > 63) throw std::invalid_argument("a block gate supports at most 63 qubits.");
  BlockGate g;
  g.kind = kind;
  g.n = n;
  g.k = k;
  g.ctrl_mask = ctrl_mask;
  uint64_t seen = ctrl_mask;
  for (unsigned a = 0; a < k; ++a) {
    const unsigned t = targets[a];
    if (t >= n || (seen >> t & 1))
      throw std::invalid_argument("a block gate target " + std::to_string(t) +
                                  " is out of range or repeats a qubit of the gate.");
    seen |= uint64_t(1) << t;
    g.targets[a] = t;
  }
  if (ctrl_mask >> n) throw std::invalid_argument("a block gate control is beyond qubit " + std::to_string(n - 1) + ".");
  for (unsigned q = 0; q < n; ++q)
    if (seen >> q & 1) g.fixed.push_back(uint8_t(q));
  if (n <= kBlockTableQubits) {
    const uint64_t count = uint64_t(1) << (n - g.fixed.size());
    g.table.resize(count);
    for (uint64_t i = 0; i < count; ++i)
      g.table[i] = uint32_t(deposit(i, g.fixed.data(), unsigned(g.fixed.size())) | ctrl_mask);
  }
  return g;
}

template <typename FP>
void apply_block_batch(std::complex<FP>* psi, std::size_t nb, const BlockGate& g, const std::complex<FP>* m,
                       std::size_t m_stride) {
  if (!g.table.empty()) return block_apply_loop<FP>(psi, nb, g, m, m_stride, TableIdx{g.table.data()});
  const std::size_t dim = std::size_t(1) << g.n;
  for (std::size_t b = 0; b < nb; ++b) block_apply_one<FP>(psi + b * dim, g, m + b * m_stride);
}

template <typename FP>
void adjoint_block_batch(std::complex<FP>* psi, std::complex<FP>* lam, std::size_t nb, const BlockGate& g,
                         const std::complex<FP>* m, std::size_t m_stride, std::complex<FP>* R) {
  if (!g.table.empty())
    return block_adjoint_loop<FP>(psi, lam, nb, g, m, m_stride, R, TableIdx{g.table.data()});
  if (R && g.kind != BlockKind::X) {
    const std::size_t dim = std::size_t(1) << g.n, bs = g.block_size();
    for (std::size_t b = 0; b < nb; ++b) {
      std::complex<FP>* ps = psi + b * dim;
      std::complex<FP>* ls = lam + b * dim;
      const std::complex<FP>* mb = m + b * m_stride;
      std::complex<FP>* Rb = R + b * bs;
      const bool diag = g.kind == BlockKind::Diagonal;
      if (g.k == 1) {
        const StepSetup<FP, 1> su(g, mb);
        if (diag) adjoint_runs<FP, 1, true>(ps, ls, g, su, Rb);
        else adjoint_runs<FP, 1, false>(ps, ls, g, su, Rb);
      } else {
        const StepSetup<FP, 2> su(g, mb);
        if (diag) adjoint_runs<FP, 2, true>(ps, ls, g, su, Rb);
        else adjoint_runs<FP, 2, false>(ps, ls, g, su, Rb);
      }
    }
    return;
  }
  if (R)
    return block_adjoint_loop<FP>(psi, lam, nb, g, m, m_stride, R,
                                  DepositIdx{g.fixed.data(), unsigned(g.fixed.size()), g.ctrl_mask});
  // No density wanted: un-apply with the single-state kernels.
  const std::size_t dim = std::size_t(1) << g.n, bd = std::size_t(1) << g.k;
  std::complex<FP> ud[16];
  for (std::size_t b = 0; b < nb; ++b) {
    const std::complex<FP>* mb = m + b * m_stride;
    for (std::size_t r = 0; r < bd; ++r)
      for (std::size_t c = 0; c < bd; ++c) ud[r * bd + c] = std::conj(mb[c * bd + r]);
    block_apply_one<FP>(psi + b * dim, g, ud);
    block_apply_one<FP>(lam + b * dim, g, ud);
  }
}

SparseBlock make_sparse_block(unsigned n, unsigned k, const unsigned* targets, const std::complex<double>* m) {
  if (k < 1 || k > 4) throw std::invalid_argument("a sparse block has 1 to 4 targets, got " + std::to_string(k) + ".");
  if (n > 63) throw std::invalid_argument("a sparse block supports at most 63 qubits.");
  SparseBlock g;
  g.n = n;
  g.k = k;
  uint64_t seen = 0;
  for (unsigned a = 0; a < k; ++a) {
    if (targets[a] >= n || (seen >> targets[a] & 1))
      throw std::invalid_argument("a sparse block target " + std::to_string(targets[a]) +
                                  " is out of range or repeated.");
    seen |= uint64_t(1) << targets[a];
  }
  for (unsigned q = 0; q < n; ++q)
    if (seen >> q & 1) g.fixed.push_back(uint8_t(q));
  const std::size_t d = std::size_t(1) << k;
  g.offset.resize(d);
  for (std::size_t i = 0; i < d; ++i) {
    uint64_t off = 0;
    for (unsigned a = 0; a < k; ++a)
      if (i >> (k - 1 - a) & 1) off |= uint64_t(1) << targets[a];
    g.offset[i] = off;
  }
  g.row_begin.push_back(0);
  for (std::size_t r = 0; r < d; ++r) {
    for (std::size_t c = 0; c < d; ++c)
      if (m[r * d + c] != std::complex<double>(0)) {
        g.col.push_back(uint8_t(c));
        g.entry.push_back(r * d + c);
      }
    g.row_begin.push_back(uint32_t(g.col.size()));
  }
  if (n <= kBlockTableQubits) {
    const uint64_t count = uint64_t(1) << (n - k);
    g.table.resize(count);
    for (uint64_t i = 0; i < count; ++i) g.table[i] = uint32_t(deposit(i, g.fixed.data(), k));
  }
  return g;
}

namespace {

template <typename FP, typename Idx>
void sparse_loop(std::complex<FP>* psi, std::size_t nb, const SparseBlock& g, const std::complex<FP>* values, Idx at) {
  using C = std::complex<FP>;
  const std::size_t dim = std::size_t(1) << g.n, d = std::size_t(1) << g.k;
  const uint64_t count = uint64_t(1) << (g.n - g.k);
  const uint64_t* off = g.offset.data();
  const uint32_t* rb = g.row_begin.data();
  const uint8_t* col = g.col.data();
  for (std::size_t smp = 0; smp < nb; ++smp) {
    C* ps = psi + smp * dim;
    for (uint64_t i = 0; i < count; ++i) {
      const uint64_t base = at(i);
      C v[16];
      for (std::size_t j = 0; j < d; ++j) v[j] = ps[base | off[j]];
      for (std::size_t r = 0; r < d; ++r) {
        C acc = 0;
        for (uint32_t e = rb[r]; e < rb[r + 1]; ++e) acc += values[e] * v[col[e]];
        ps[base | off[r]] = acc;
      }
    }
  }
}

}  // namespace

template <typename FP>
void apply_sparse_batch(std::complex<FP>* psi, std::size_t nb, const SparseBlock& g, const std::complex<FP>* values) {
  if (!g.table.empty()) return sparse_loop<FP>(psi, nb, g, values, TableIdx{g.table.data()});
  sparse_loop<FP>(psi, nb, g, values, DepositIdx{g.fixed.data(), unsigned(g.fixed.size()), 0});
}

ScopedThreads::ScopedThreads(int threads) : previous_(max_threads()) {
  if (threads > 0) set_num_threads(threads);
}

ScopedThreads::~ScopedThreads() {
#ifdef _OPENMP
  omp_set_num_threads(previous_);
#endif
}

int max_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

void set_num_threads(int n) {
  if (n < 1) throw std::invalid_argument("the number of threads must be at least 1, got " +
                                         std::to_string(n) + ".");
#ifdef _OPENMP
  omp_set_num_threads(n);
#endif
}

#define QFORGE_INSTANTIATE(FP)                                                                    \
  template void apply_dense<FP>(std::complex<FP>*, unsigned, const unsigned*, unsigned,          \
                                const std::complex<FP>*, uint64_t);                              \
  template void apply_diagonal<FP>(std::complex<FP>*, unsigned, const unsigned*, unsigned,       \
                                   const std::complex<FP>*, uint64_t);                           \
  template void apply_phase<FP>(std::complex<FP>*, unsigned, uint64_t, std::complex<FP>);        \
  template void apply_x<FP>(std::complex<FP>*, unsigned, unsigned, uint64_t);                    \
  template void apply_swap<FP>(std::complex<FP>*, unsigned, unsigned, unsigned, uint64_t);       \
  template void apply_scale<FP>(std::complex<FP>*, unsigned, std::complex<FP>);                  \
  template double probability_one<FP>(const std::complex<FP>*, unsigned, unsigned);              \
  template void collapse<FP>(std::complex<FP>*, unsigned, unsigned, int, FP);                     \
  template void apply_block_batch<FP>(std::complex<FP>*, std::size_t, const BlockGate&,          \
                                      const std::complex<FP>*, std::size_t);                     \
  template void adjoint_block_batch<FP>(std::complex<FP>*, std::complex<FP>*, std::size_t,       \
                                        const BlockGate&, const std::complex<FP>*, std::size_t,  \
                                        std::complex<FP>*);                                      \
  template void apply_sparse_batch<FP>(std::complex<FP>*, std::size_t, const SparseBlock&,       \
                                       const std::complex<FP>*);

QFORGE_INSTANTIATE(float)
QFORGE_INSTANTIATE(double)
#undef QFORGE_INSTANTIATE

// ---------------------------------------------------------------------------
// The adjoint step in vector lanes (adjoint_step)

namespace {

/// Groups [c0 * kLanes, c1 * kLanes) of an adjoint step: kLanes groups at a
/// time, each group's D amplitudes of psi and lam gathered into lanes (or
/// loaded as vectors when kContiguous: every position >= 3), M^dag applied
/// to both, the density summed per lane, then the lanes added in order.
/// kReal: M is real (ry at any angle, a rotation at angle 0), so applying
/// it takes half the multiplications; kReDensity (with kReal): only the
/// density's real parts are summed, the imaginary ones returned as 0.
template <typename FP, unsigned K, bool kDiag, bool kContiguous, bool kReal = false, bool kReDensity = false>
DensitySum<1u << K> adjoint_lanes(FP* P, FP* L, const Positions& pos, uint64_t ctrl, const uint64_t* off,
                                  const FP* ur, const FP* ui, uint64_t c0, uint64_t c1) {
  constexpr unsigned D = 1u << K;
  constexpr unsigned NS = kDiag ? D : D * D;
  alignas(64) FP sr[NS][kLanes] = {}, si[NS][kLanes] = {};
  for (uint64_t ch = c0; ch < c1; ++ch) {
    uint64_t idx[kLanes];
    if constexpr (kContiguous) {
      idx[0] = insert_zero_bits(ch * kLanes, pos) | ctrl;
      for (unsigned l = 1; l < kLanes; ++l) idx[l] = idx[0] + l;
    } else {
      for (unsigned l = 0; l < kLanes; ++l) idx[l] = insert_zero_bits(ch * kLanes + l, pos) | ctrl;
    }
    alignas(64) FP vr[D][kLanes], vi[D][kLanes], lr[D][kLanes], li[D][kLanes];
    for (unsigned r = 0; r < D; ++r) {
      if constexpr (kContiguous) {
        const FP* p = P + 2 * (idx[0] + off[r]);
        const FP* q = L + 2 * (idx[0] + off[r]);
#pragma omp simd
        for (unsigned l = 0; l < kLanes; ++l) {
          vr[r][l] = p[2 * l];
          vi[r][l] = p[2 * l + 1];
          lr[r][l] = q[2 * l];
          li[r][l] = q[2 * l + 1];
        }
      } else {
        for (unsigned l = 0; l < kLanes; ++l) {
          const uint64_t i = 2 * (idx[l] + off[r]);
          vr[r][l] = P[i];
          vi[r][l] = P[i + 1];
          lr[r][l] = L[i];
          li[r][l] = L[i + 1];
        }
      }
    }
    alignas(64) FP wr[D][kLanes], wi[D][kLanes], qr[D][kLanes], qi[D][kLanes];
    for (unsigned r = 0; r < D; ++r) {
      if constexpr (kDiag) {
        const FP a = ur[r * D + r], b = ui[r * D + r];
#pragma omp simd
        for (unsigned l = 0; l < kLanes; ++l) {
          wr[r][l] = a * vr[r][l] - b * vi[r][l];
          wi[r][l] = a * vi[r][l] + b * vr[r][l];
          qr[r][l] = a * lr[r][l] - b * li[r][l];
          qi[r][l] = a * li[r][l] + b * lr[r][l];
        }
      } else {
        alignas(64) FP pr[kLanes] = {}, pi[kLanes] = {}, xr[kLanes] = {}, xi[kLanes] = {};
        for (unsigned c = 0; c < D; ++c) {
          const FP a = ur[r * D + c], b = ui[r * D + c];
          if constexpr (kReal) {
#pragma omp simd
            for (unsigned l = 0; l < kLanes; ++l) {
              pr[l] += a * vr[c][l];
              pi[l] += a * vi[c][l];
              xr[l] += a * lr[c][l];
              xi[l] += a * li[c][l];
            }
            continue;
          }
#pragma omp simd
          for (unsigned l = 0; l < kLanes; ++l) {
            pr[l] += a * vr[c][l] - b * vi[c][l];
            pi[l] += a * vi[c][l] + b * vr[c][l];
            xr[l] += a * lr[c][l] - b * li[c][l];
            xi[l] += a * li[c][l] + b * lr[c][l];
          }
        }
#pragma omp simd
        for (unsigned l = 0; l < kLanes; ++l) {
          wr[r][l] = pr[l];
          wi[r][l] = pi[l];
          qr[r][l] = xr[l];
          qi[r][l] = xi[l];
        }
      }
    }
    // R[a][c] += conj(lam before)[a] * (psi after)[c].
    for (unsigned a = 0; a < D; ++a)
      for (unsigned c = 0; c < D; ++c) {
        if (kDiag && a != c) continue;
        const unsigned e = kDiag ? a : a * D + c;
        if constexpr (kReDensity) {
#pragma omp simd
          for (unsigned l = 0; l < kLanes; ++l) sr[e][l] += lr[a][l] * wr[c][l] + li[a][l] * wi[c][l];
          continue;
        }
#pragma omp simd
        for (unsigned l = 0; l < kLanes; ++l) {
          sr[e][l] += lr[a][l] * wr[c][l] + li[a][l] * wi[c][l];
          si[e][l] += lr[a][l] * wi[c][l] - li[a][l] * wr[c][l];
        }
      }
    for (unsigned r = 0; r < D; ++r) {
      if constexpr (kContiguous) {
        FP* p = P + 2 * (idx[0] + off[r]);
        FP* q = L + 2 * (idx[0] + off[r]);
#pragma omp simd
        for (unsigned l = 0; l < kLanes; ++l) {
          p[2 * l] = wr[r][l];
          p[2 * l + 1] = wi[r][l];
          q[2 * l] = qr[r][l];
          q[2 * l + 1] = qi[r][l];
        }
      } else {
        for (unsigned l = 0; l < kLanes; ++l) {
          const uint64_t i = 2 * (idx[l] + off[r]);
          P[i] = wr[r][l];
          P[i + 1] = wi[r][l];
          L[i] = qr[r][l];
          L[i + 1] = qi[r][l];
        }
      }
    }
  }
  DensitySum<D> acc;
  for (unsigned e = 0; e < NS; ++e) {
    const unsigned at = kDiag ? e * D + e : e;
    for (unsigned l = 0; l < kLanes; ++l) {
      acc.v[2 * at] += double(sr[e][l]);
      acc.v[2 * at + 1] += double(si[e][l]);
    }
  }
  return acc;
}

/// Octets [o0, o1) of an adjoint step of one target T < 3 (K = 1): each
/// octet of 8 consecutive amplitudes of psi and lam is loaded as vector
/// lanes; lane l pairs with lane l ^ 2^T, so the new value of lane l is
/// a[l] x[l] + b[l] x[l ^ 2^T] with per-lane coefficients (the row of M^dag
/// picked by the lane's target bit; 1 and 0 in lanes a control below qubit
/// 3 leaves alone). The density is summed per lane and folded by the
/// lanes' target bits at the end. kReal: M is real, the imaginary parts of
/// the coefficients are left out; kReDensity (with kReal): only the
/// density's real parts are summed.
template <typename FP, unsigned T, bool kDiag, bool kReal = false, bool kReDensity = false>
DensitySum<2> adjoint_octets(FP* P, FP* L, const Positions& high, uint64_t high_ctrl, unsigned low_ctrl,
                             const FP* ur, const FP* ui, uint64_t o0, uint64_t o1) {
  constexpr unsigned X = 1u << T;
  alignas(64) FP ar[kLanes], ai[kLanes], br[kLanes], bi[kLanes], on[kLanes];
  for (unsigned l = 0; l < kLanes; ++l) {
    const unsigned r = (l >> T) & 1;
    const bool active = (l & low_ctrl) == low_ctrl;
    on[l] = active ? FP(1) : FP(0);
    ar[l] = active ? ur[r * 2 + r] : FP(1);
    ai[l] = active ? ui[r * 2 + r] : FP(0);
    br[l] = active && !kDiag ? ur[r * 2 + (1 - r)] : FP(0);
    bi[l] = active && !kDiag ? ui[r * 2 + (1 - r)] : FP(0);
  }
  alignas(64) FP s1r[kLanes] = {}, s1i[kLanes] = {}, s2r[kLanes] = {}, s2i[kLanes] = {};
  for (uint64_t o = o0; o < o1; ++o) {
    const uint64_t base = insert_zero_bits(o << 3, high) | high_ctrl;
    FP* __restrict p = P + 2 * base;
    FP* __restrict q = L + 2 * base;
    alignas(64) FP vr[kLanes], vi[kLanes], lr[kLanes], li[kLanes];
    alignas(64) FP xr[kLanes], xi[kLanes], yr[kLanes], yi[kLanes];
#pragma omp simd
    for (unsigned l = 0; l < kLanes; ++l) {
      vr[l] = p[2 * l];
      vi[l] = p[2 * l + 1];
      lr[l] = q[2 * l];
      li[l] = q[2 * l + 1];
    }
    for (unsigned l = 0; l < kLanes; ++l) {  // the partners
      xr[l] = vr[l ^ X];
      xi[l] = vi[l ^ X];
      yr[l] = lr[l ^ X];
      yi[l] = li[l ^ X];
    }
    alignas(64) FP wr[kLanes], wi[kLanes];
#pragma omp simd
    for (unsigned l = 0; l < kLanes; ++l) {
      FP nr, ni;
      if constexpr (kReal) {
        wr[l] = ar[l] * vr[l] + br[l] * xr[l];
        wi[l] = ar[l] * vi[l] + br[l] * xi[l];
        nr = ar[l] * lr[l] + br[l] * yr[l];
        ni = ar[l] * li[l] + br[l] * yi[l];
      } else {
        wr[l] = ar[l] * vr[l] - ai[l] * vi[l] + br[l] * xr[l] - bi[l] * xi[l];
        wi[l] = ar[l] * vi[l] + ai[l] * vr[l] + br[l] * xi[l] + bi[l] * xr[l];
        nr = ar[l] * lr[l] - ai[l] * li[l] + br[l] * yr[l] - bi[l] * yi[l];
        ni = ar[l] * li[l] + ai[l] * lr[l] + br[l] * yi[l] + bi[l] * yr[l];
      }
      // R[r][r] += conj(lam[l]) w[l]; R[r][1-r] += conj(lam[l]) w[l ^ X].
      const FP mr = on[l] * lr[l], mi = on[l] * li[l];
      s1r[l] += mr * wr[l] + mi * wi[l];
      if constexpr (!kReDensity) s1i[l] += mr * wi[l] - mi * wr[l];
      p[2 * l] = wr[l];
      p[2 * l + 1] = wi[l];
      q[2 * l] = nr;
      q[2 * l + 1] = ni;
    }
    if constexpr (!kDiag) {
      for (unsigned l = 0; l < kLanes; ++l) {
        xr[l] = wr[l ^ X];
        xi[l] = wi[l ^ X];
      }
#pragma omp simd
      for (unsigned l = 0; l < kLanes; ++l) {
        const FP mr = on[l] * lr[l], mi = on[l] * li[l];
        s2r[l] += mr * xr[l] + mi * xi[l];
        if constexpr (!kReDensity) s2i[l] += mr * xi[l] - mi * xr[l];
      }
    }
  }
  DensitySum<2> acc;
  for (unsigned l = 0; l < kLanes; ++l) {
    const unsigned r = (l >> T) & 1;
    acc.v[2 * (r * 2 + r)] += double(s1r[l]);
    acc.v[2 * (r * 2 + r) + 1] += double(s1i[l]);
    if constexpr (!kDiag) {
      acc.v[2 * (r * 2 + 1 - r)] += double(s2r[l]);
      acc.v[2 * (r * 2 + 1 - r) + 1] += double(s2i[l]);
    }
  }
  return acc;
}

template <typename FP, unsigned K, bool kDiag>
void adjoint_step_k(std::complex<FP>* psi, std::complex<FP>* lam, const BlockGate& g, const std::complex<FP>* m,
                    std::complex<FP>* R, bool re_density) {
  constexpr unsigned D = 1u << K;
  const StepSetup<FP, K> su(g, m);
  const FP* const ur = su.ur;
  const FP* const ui = su.ui;
  const uint64_t* const off = su.off;
  const Positions& pos = su.pos;
  const uint64_t count = su.count;
  if (count < kLanes) return adjoint_runs<FP, K, kDiag>(psi, lam, g, su, R);
  FP* const P = reinterpret_cast<FP*>(psi);
  FP* const L = reinterpret_cast<FP*>(lam);
  if constexpr (K == 1) {
    // A real 2x2 M (ry) takes the real kernels: the same values, half the
    // multiplications of the un-apply.
    const bool real = ui[0] == 0 && ui[1] == 0 && ui[2] == 0 && ui[3] == 0;
    const unsigned t = g.targets[0];
    if (t < 3) {
      // Octets of consecutive amplitudes: the blocks of 2^(3 - 1 - low
      // controls) groups each, walked in the same fixed sum blocks.
      const Positions high(su.gate_positions(g) & ~uint64_t(7));
      const unsigned low_ctrl = unsigned(g.ctrl_mask & 7);
      const uint64_t octets = uint64_t(1) << (g.n - 3 - high.count);
      const uint64_t per = kLanes >> (1 + __builtin_popcount(low_ctrl));  // groups per octet
      const DensitySum<D> total = ordered_sum<DensitySum<D>>(count, [&](uint64_t begin, uint64_t end) {
        const uint64_t o0 = begin / per, o1 = std::min(octets, end / per);
        const uint64_t hc = g.ctrl_mask & ~uint64_t(7);
        if (!kDiag && real && re_density) switch (t) {
            case 0: return adjoint_octets<FP, 0, kDiag, true, true>(P, L, high, hc, low_ctrl, ur, ui, o0, o1);
            case 1: return adjoint_octets<FP, 1, kDiag, true, true>(P, L, high, hc, low_ctrl, ur, ui, o0, o1);
            default: return adjoint_octets<FP, 2, kDiag, true, true>(P, L, high, hc, low_ctrl, ur, ui, o0, o1);
          }
        if (!kDiag && real) switch (t) {
            case 0: return adjoint_octets<FP, 0, kDiag, true>(P, L, high, hc, low_ctrl, ur, ui, o0, o1);
            case 1: return adjoint_octets<FP, 1, kDiag, true>(P, L, high, hc, low_ctrl, ur, ui, o0, o1);
            default: return adjoint_octets<FP, 2, kDiag, true>(P, L, high, hc, low_ctrl, ur, ui, o0, o1);
          }
        switch (t) {
          case 0: return adjoint_octets<FP, 0, kDiag>(P, L, high, hc, low_ctrl, ur, ui, o0, o1);
          case 1: return adjoint_octets<FP, 1, kDiag>(P, L, high, hc, low_ctrl, ur, ui, o0, o1);
          default: return adjoint_octets<FP, 2, kDiag>(P, L, high, hc, low_ctrl, ur, ui, o0, o1);
        }
      });
      for (unsigned i = 0; i < D * D; ++i) R[i] += std::complex<FP>(FP(total.v[2 * i]), FP(total.v[2 * i + 1]));
      return;
    }
  }
  const bool contiguous = pos.pos[0] >= unsigned(__builtin_ctz(kLanes));
  // Blocks of kSumBlock groups (a multiple of kLanes) are kSumBlock / kLanes chunks.
  bool real = false;
  if constexpr (K == 1 && !kDiag) real = ui[0] == 0 && ui[1] == 0 && ui[2] == 0 && ui[3] == 0;
  const DensitySum<D> total = ordered_sum<DensitySum<D>>(count, [&](uint64_t begin, uint64_t end) {
    if constexpr (K == 1 && !kDiag) {
      if (real && re_density) {
        if (contiguous)
          return adjoint_lanes<FP, K, kDiag, true, true, true>(P, L, pos, g.ctrl_mask, off, ur, ui, begin / kLanes,
                                                               end / kLanes);
        return adjoint_lanes<FP, K, kDiag, false, true, true>(P, L, pos, g.ctrl_mask, off, ur, ui, begin / kLanes,
                                                              end / kLanes);
      } else if (real) {
        if (contiguous)
          return adjoint_lanes<FP, K, kDiag, true, true>(P, L, pos, g.ctrl_mask, off, ur, ui, begin / kLanes,
                                                         end / kLanes);
        return adjoint_lanes<FP, K, kDiag, false, true>(P, L, pos, g.ctrl_mask, off, ur, ui, begin / kLanes,
                                                        end / kLanes);
      }
    }
    if (contiguous)
      return adjoint_lanes<FP, K, kDiag, true>(P, L, pos, g.ctrl_mask, off, ur, ui, begin / kLanes, end / kLanes);
    return adjoint_lanes<FP, K, kDiag, false>(P, L, pos, g.ctrl_mask, off, ur, ui, begin / kLanes, end / kLanes);
  });
  for (unsigned i = 0; i < D * D; ++i) R[i] += std::complex<FP>(FP(total.v[2 * i]), FP(total.v[2 * i + 1]));
}

}  // namespace

template <typename FP>
void adjoint_step(std::complex<FP>* psi, std::complex<FP>* lam, const BlockGate& g, const std::complex<FP>* m,
                  std::complex<FP>* R, bool re_density) {
  const bool diag = g.kind == BlockKind::Diagonal;
  std::complex<FP> x[4] = {0, 1, 1, 0};
  if (g.kind == BlockKind::X) m = x;
  if (g.k == 1) {
    if (diag) return adjoint_step_k<FP, 1, true>(psi, lam, g, m, R, re_density);
    return adjoint_step_k<FP, 1, false>(psi, lam, g, m, R, re_density);
  }
  if (diag) return adjoint_step_k<FP, 2, true>(psi, lam, g, m, R, re_density);
  adjoint_step_k<FP, 2, false>(psi, lam, g, m, R, re_density);
}

template void adjoint_step<float>(std::complex<float>*, std::complex<float>*, const BlockGate&,
                                  const std::complex<float>*, std::complex<float>*, bool);
template void adjoint_step<double>(std::complex<double>*, std::complex<double>*, const BlockGate&,
                                   const std::complex<double>*, std::complex<double>*, bool);

// ---------------------------------------------------------------------------
// A chain of adjoint steps on one qubit in one pass (adjoint_chain)

namespace {

/// One step of a chain as vectors of interleaved complex lanes (re, im,
/// re, im, ...: four amplitudes per Lanes<FP>::V): re[e] holds entry e of
/// M^dag's real part in every lane, im[e] its imaginary part with the sign
/// pattern of i (-, + on each amplitude's two lanes), so that
/// u v = re v + im swap(v) amplitude by amplitude.
template <typename FP>
struct ChainCoef {
  using V = typename Lanes<FP>::V;
  enum Class : uint8_t { kDiag, kReal, kComplex };
  Class cls = kComplex;
  uint8_t density = 0;  ///< 0: none, 1: real parts, 2: real and imaginary parts
  V re[4], im[4];
};

/// Every step's density of a block of groups, in double.
struct ChainDensity {
  DensitySum<2> s[kMaxChainSteps];
  ChainDensity& operator+=(const ChainDensity& o) {
    for (unsigned i = 0; i < kMaxChainSteps; ++i) s[i] += o.s[i];
    return *this;
  }
};

/// (re, im) of each amplitude of v exchanged.
template <typename V, typename I>
inline V swap_parts(V v) {
  return __builtin_shuffle(v, I{1, 0, 3, 2, 5, 4, 7, 6});
}

/// Groups [4 c0, 4 c1) of a chain on qubit t (group g: the two amplitudes
/// whose indices differ in bit t only, numbered as the indices with bit t
/// cleared), four at a time: the groups' amplitudes with target bit 0 (a of
/// psi, x of lam) and 1 (b, y) as one vector each, every step applied to
/// them in registers. Each step sums G[r][d] = sum conj(lam[r]) psi[d] of
/// the values before it (its density is R = G U^T, U = M^dag, formed by
/// the caller), reusing the swapped vectors of its un-apply; the lanes are
/// added in order at the end. kLow: t for t = 0 or 1 (the four groups are
/// one octet of consecutive amplitudes, split and merged by lane shuffles),
/// 2 for any t >= 2 (four consecutive amplitudes and the four 2^t further).
/// kCount: the number of steps when known at compile time (the step loop
/// unrolled, the sums in registers), 0: `count`. cbit: the control bit of a
/// CX on t un-applied first (the same for every amplitude of a vector:
/// bit 3 or above, or bit 2 for kLow = 2), 0: none; where it is set, a and
/// b (x and y) are exchanged right after the load.
template <typename FP, unsigned kLow, unsigned kCount>
ChainDensity chain_groups(FP* P, FP* L, unsigned t, const ChainCoef<FP>* cs, unsigned count, uint64_t cbit,
                          uint64_t c0, uint64_t c1) {
  using V = typename Lanes<FP>::V;
  using I = typename Lanes<FP>::I;
  using Coef = ChainCoef<FP>;
  if constexpr (kCount > 0) count = kCount;
  // acc[i][2 e]: the real part of step i's G entry e (row-major), lane by
  // lane (each amplitude's two lanes added at the end); acc[i][2 e + 1]:
  // its imaginary part (the first lane minus the second at the end).
  V acc[kCount > 0 ? kCount : kMaxChainSteps][8];
  for (unsigned i = 0; i < count; ++i)
    for (unsigned e = 0; e < 8; ++e) acc[i][e] = V{};
  const uint64_t low = (uint64_t(1) << t) - 1, far = uint64_t(1) << t;
  const auto load = [](const FP* p) {
    V v;
    std::memcpy(&v, p, sizeof(V));
    return v;
  };
  const auto store = [](FP* p, V v) { std::memcpy(p, &v, sizeof(V)); };
  // The octet's lanes of target bit 0 and 1 (t = 0: amplitudes 0, 2, 4, 6
  // and 1, 3, 5, 7; t = 1: 0, 1, 4, 5 and 2, 3, 6, 7), and back.
  I kSplitA, kSplitB, kMerge0, kMerge1;
  if constexpr (kLow == 0) {
    kSplitA = I{0, 1, 4, 5, 8, 9, 12, 13};
    kSplitB = I{2, 3, 6, 7, 10, 11, 14, 15};
    kMerge0 = I{0, 1, 8, 9, 2, 3, 10, 11};
    kMerge1 = I{4, 5, 12, 13, 6, 7, 14, 15};
  } else {  // t = 1 (and unused for kLow = 2)
    kSplitA = kMerge0 = I{0, 1, 2, 3, 8, 9, 10, 11};
    kSplitB = kMerge1 = I{4, 5, 6, 7, 12, 13, 14, 15};
  }
  for (uint64_t c = c0; c < c1; ++c) {
    FP *pa, *pb, *la, *lb;
    V a, b, x, y;
    if constexpr (kLow == 2) {
      const uint64_t g = c << 2, base = ((g & ~low) << 1) | (g & low);
      pa = P + 2 * base;
      pb = P + 2 * (base + far);
      la = L + 2 * base;
      lb = L + 2 * (base + far);
      a = load(pa);
      b = load(pb);
      x = load(la);
      y = load(lb);
      if (base & cbit) {
        std::swap(a, b);
        std::swap(x, y);
      }
    } else {
      pa = P + 16 * c;
      pb = pa + 8;
      la = L + 16 * c;
      lb = la + 8;
      const V v0 = load(pa), v1 = load(pb), l0 = load(la), l1 = load(lb);
      a = __builtin_shuffle(v0, v1, kSplitA);
      b = __builtin_shuffle(v0, v1, kSplitB);
      x = __builtin_shuffle(l0, l1, kSplitA);
      y = __builtin_shuffle(l0, l1, kSplitB);
      if ((c << 3) & cbit) {
        std::swap(a, b);
        std::swap(x, y);
      }
    }
#pragma GCC unroll 8
    for (unsigned i = 0; i < count; ++i) {
      const Coef& k = cs[i];
      V* s = acc[i];
      // G[r][d] += conj(lam[r]) psi[d] before the step: the real part
      // x a (summed over each amplitude's two lanes), the imaginary part
      // x swap(a) (the first lane minus the second).
      if (k.cls == Coef::kReal) {
        if (k.density) {
          s[0] += x * a;
          s[2] += x * b;
          s[4] += y * a;
          s[6] += y * b;
          if (k.density == 2) {
            const V sa = swap_parts<V, I>(a), sb = swap_parts<V, I>(b);
            s[1] += x * sa;
            s[3] += x * sb;
            s[5] += y * sa;
            s[7] += y * sb;
          }
        }
        const V wa = k.re[0] * a + k.re[1] * b, wb = k.re[2] * a + k.re[3] * b;
        const V qa = k.re[0] * x + k.re[1] * y, qb = k.re[2] * x + k.re[3] * y;
        a = wa;
        b = wb;
        x = qa;
        y = qb;
        continue;
      }
      const V sa = swap_parts<V, I>(a), sb = swap_parts<V, I>(b);
      const V sx = swap_parts<V, I>(x), sy = swap_parts<V, I>(y);
      if (k.density) {
        s[0] += x * a;
        s[6] += y * b;
        if (k.cls == Coef::kComplex) {
          s[2] += x * b;
          s[4] += y * a;
        }
        if (k.density == 2) {
          s[1] += x * sa;
          s[7] += y * sb;
          if (k.cls == Coef::kComplex) {
            s[3] += x * sb;
            s[5] += y * sa;
          }
        }
      }
      if (k.cls == Coef::kDiag) {
        a = k.re[0] * a + k.im[0] * sa;
        b = k.re[3] * b + k.im[3] * sb;
        x = k.re[0] * x + k.im[0] * sx;
        y = k.re[3] * y + k.im[3] * sy;
        continue;
      }
      const V wa = k.re[0] * a + k.im[0] * sa + k.re[1] * b + k.im[1] * sb;
      const V wb = k.re[2] * a + k.im[2] * sa + k.re[3] * b + k.im[3] * sb;
      const V qa = k.re[0] * x + k.im[0] * sx + k.re[1] * y + k.im[1] * sy;
      const V qb = k.re[2] * x + k.im[2] * sx + k.re[3] * y + k.im[3] * sy;
      a = wa;
      b = wb;
      x = qa;
      y = qb;
    }
    if constexpr (kLow == 2) {
      store(pa, a);
      store(pb, b);
      store(la, x);
      store(lb, y);
    } else {
      store(pa, __builtin_shuffle(a, b, kMerge0));
      store(pb, __builtin_shuffle(a, b, kMerge1));
      store(la, __builtin_shuffle(x, y, kMerge0));
      store(lb, __builtin_shuffle(x, y, kMerge1));
    }
  }
  ChainDensity out;
  for (unsigned i = 0; i < count; ++i)
    for (unsigned e = 0; e < 4; ++e)
      for (unsigned l = 0; l < kLanes; l += 2) {
        out.s[i].v[2 * e] += double(acc[i][2 * e][l]) + double(acc[i][2 * e][l + 1]);
        out.s[i].v[2 * e + 1] += double(acc[i][2 * e + 1][l]) - double(acc[i][2 * e + 1][l + 1]);
      }
  return out;
}

}  // namespace

template <typename FP>
void adjoint_chain(std::complex<FP>* psi, std::complex<FP>* lam, unsigned n, unsigned target,
                   const ChainStep<FP>* steps, unsigned count, int control) {
  if (count > kMaxChainSteps)
    throw std::invalid_argument("adjoint_chain takes at most " + std::to_string(kMaxChainSteps) + " steps, got " +
                                std::to_string(count) + ".");
  const std::complex<FP> x[4] = {0, 1, 1, 0};
  if (control >= 0) {
    if (unsigned(control) >= n || unsigned(control) == target)
      throw std::invalid_argument("adjoint_chain: the control " + std::to_string(control) +
                                  " must be a qubit of the state other than the target " + std::to_string(target) +
                                  ".");
    // A control that differs within one vector of amplitudes: the CX on its
    // own, then the steps.
    if (n < 3 || !(control >= 3 || (control == 2 && target >= 2))) {
      const BlockGate cx = make_block_gate(n, BlockKind::X, 1, &target, uint64_t(1) << control);
      adjoint_block_batch<FP>(psi, lam, 1, cx, x, 0, nullptr);
      return adjoint_chain<FP>(psi, lam, n, target, steps, count, -1);
    }
  }
  const uint64_t cbit = control >= 0 ? uint64_t(1) << control : 0;
  if (n < 3) {  // fewer than four groups: one step at a time
    const BlockGate g1 = make_block_gate(n, BlockKind::Dense, 1, &target, 0);
    for (unsigned i = 0; i < count; ++i) {
      std::complex<FP> none[4] = {};
      BlockGate g = g1;
      g.kind = steps[i].kind;
      adjoint_step<FP>(psi, lam, g, steps[i].m, steps[i].R ? steps[i].R : none, steps[i].re_density);
    }
    return;
  }
  using Coef = ChainCoef<FP>;
  Coef cs[kMaxChainSteps];
  for (unsigned i = 0; i < count; ++i) {
    const ChainStep<FP>& st = steps[i];
    const std::complex<FP>* m = st.kind == BlockKind::X ? x : st.m;
    Coef& k = cs[i];
    bool real = true;
    for (unsigned a = 0; a < 2; ++a)
      for (unsigned b = 0; b < 2; ++b) {
        // M^dag[a][b] = conj(M[b][a]).
        const FP ur = m[b * 2 + a].real(), ui = -m[b * 2 + a].imag();
        for (unsigned l = 0; l < kLanes; l += 2) {
          k.re[a * 2 + b][l] = k.re[a * 2 + b][l + 1] = ur;
          k.im[a * 2 + b][l] = -ui;
          k.im[a * 2 + b][l + 1] = ui;
        }
        real = real && ui == 0;
      }
    k.cls = st.kind == BlockKind::Diagonal ? Coef::kDiag : real ? Coef::kReal : Coef::kComplex;
    k.density = !st.R ? 0 : (k.cls == Coef::kReal && st.re_density) ? 1 : 2;
  }
  FP* const P = reinterpret_cast<FP*>(psi);
  FP* const L = reinterpret_cast<FP*>(lam);
  // Chains of two and three steps (the common ry rz pairs) with the sums
  // in registers.
  const auto groups = [&](auto low, uint64_t c0, uint64_t c1) {
    constexpr unsigned kLow = decltype(low)::value;
    switch (count) {
      case 2: return chain_groups<FP, kLow, 2>(P, L, target, cs, count, cbit, c0, c1);
      case 3: return chain_groups<FP, kLow, 3>(P, L, target, cs, count, cbit, c0, c1);
      default: return chain_groups<FP, kLow, 0>(P, L, target, cs, count, cbit, c0, c1);
    }
  };
  const ChainDensity total = ordered_sum<ChainDensity>(uint64_t(1) << (n - 1), [&](uint64_t begin, uint64_t end) {
    switch (target) {
      case 0: return groups(std::integral_constant<unsigned, 0>{}, begin / 4, end / 4);
      case 1: return groups(std::integral_constant<unsigned, 1>{}, begin / 4, end / 4);
      default: return groups(std::integral_constant<unsigned, 2>{}, begin / 4, end / 4);
    }
  });
  // R[r][c] = sum_d G[r][d] U[c][d], U = M^dag (diagonal steps: G's and
  // U's diagonal only; real parts only: G's real parts times the real U).
  for (unsigned i = 0; i < count; ++i) {
    if (!steps[i].R) continue;
    const double* G = total.s[i].v;
    const std::complex<FP>* m = steps[i].kind == BlockKind::X ? x : steps[i].m;
    const bool diag = steps[i].kind == BlockKind::Diagonal;
    for (unsigned r = 0; r < 2; ++r)
      for (unsigned c = 0; c < 2; ++c) {
        std::complex<double> sum = 0;
        for (unsigned d = 0; d < 2; ++d) {
          if (diag && (d != r || d != c)) continue;
          sum += std::complex<double>(G[2 * (r * 2 + d)], G[2 * (r * 2 + d) + 1]) * std::conj(std::complex<double>(m[d * 2 + c]));
        }
        steps[i].R[r * 2 + c] += std::complex<FP>(FP(sum.real()), FP(sum.imag()));
      }
  }
}

template void adjoint_chain<float>(std::complex<float>*, std::complex<float>*, unsigned, unsigned,
                                   const ChainStep<float>*, unsigned, int);
template void adjoint_chain<double>(std::complex<double>*, std::complex<double>*, unsigned, unsigned,
                                    const ChainStep<double>*, unsigned, int);

}  // namespace qforge::sim
