// ordered_sum.hpp - reductions over amplitudes whose result does not depend
// on the thread count.
//
// A plain `reduction(+ : s)` adds per-thread partial sums, so the rounding of
// the total changes with the number of threads. ordered_sum cuts the index
// range into fixed blocks of kSumBlock indices, sums each block serially
// (threads take whole blocks) and adds the block sums in block order: the
// same additions in the same order for 1, 2 or 64 threads.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace qforge::sim {

/// Indices per block of ordered_sum (a power of two; also the parallel grain).
constexpr uint64_t kSumBlock = uint64_t(1) << 12;

/// sum over blocks of block_sum(begin, end) for [0, count) cut into blocks
/// of kSumBlock, added in block order. T: double or an aggregate with +=.
template <typename T, typename BlockSum>
T ordered_sum(uint64_t count, BlockSum block_sum) {
  const int64_t nblocks = int64_t((count + kSumBlock - 1) / kSumBlock);
  if (nblocks <= 1) return count ? block_sum(uint64_t(0), count) : T{};
  auto sum = [&](int64_t b) {
    return block_sum(uint64_t(b) * kSumBlock, std::min(count, uint64_t(b + 1) * kSumBlock));
  };
  T total{};
  if (nblocks < 4) {  // serial: no parallel region, no buffer (a tile of the adjoint sweep)
    for (int64_t b = 0; b < nblocks; ++b) total += sum(b);
    return total;
  }
  std::vector<T> part(std::size_t(nblocks), T{});
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < nblocks; ++b) part[std::size_t(b)] = sum(b);
  for (const T& p : part) total += p;
  return total;
}

}  // namespace qforge::sim
