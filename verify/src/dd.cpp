// Decision diagrams (see qforge/dd.hpp).
#include "qforge/dd.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <stdexcept>

namespace qforge::dd {

namespace {

constexpr std::size_t kChunk = 1 << 14;        // nodes allocated at once
constexpr std::size_t kCacheMin = 1 << 10;     // slots per compute table at first,
constexpr std::size_t kCacheMax = 1 << 18;     // growing with the unique table up to this

// Combines x into h; the multiply and shift spread every input bit over the
// low bits that pick a bucket or a cache slot.
std::size_t mix(std::size_t h, std::size_t x) {
  uint64_t z = (static_cast<uint64_t>(h) ^ static_cast<uint64_t>(x)) * 0x9e3779b97f4a7c15ull;
  z ^= z >> 29;
  z *= 0xbf58476d1ce4e5b9ull;
  return static_cast<std::size_t>(z ^ (z >> 32));
}

std::size_t bits(double x) {
  uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return static_cast<std::size_t>(u);
}

std::size_t node_hash(int32_t v, const Edge* e) {
  std::size_t h = static_cast<std::size_t>(v);
  for (int i = 0; i < 4; ++i) {
    h = mix(h, static_cast<std::size_t>(e[i].p->id));
    h = mix(h, bits(e[i].w.real()));
    h = mix(h, bits(e[i].w.imag()));
  }
  return h;
}

bool same_edges(const Edge* a, const Edge* b) {
  for (int i = 0; i < 4; ++i)
    if (a[i].p != b[i].p || a[i].w != b[i].w) return false;
  return true;
}

}  // namespace

struct Package::CacheSlot {
  Node* a = nullptr;
  Node* b = nullptr;
  cplx ratio = 0;
  Edge result;
  uint32_t epoch = 0;  // valid only in the epoch that wrote it
};

Package::Package(uint32_t num_qubits, double tolerance)
    : n_(num_qubits), tol_(tolerance), mul_cache_(kCacheMin), add_cache_(kCacheMin) {
  terminal_ = new Node();
  terminal_->v = -1;
  table_.assign(1 << 12, nullptr);
  Edge below{terminal_, 1};
  for (uint32_t v = 0; v < n_; ++v) {
    Edge e[4] = {below, zero(), zero(), below};
    below = make_node(static_cast<int32_t>(v), e);
    ident_.push_back(below.p);
  }
}

Package::~Package() {
  delete terminal_; }

Node* Package::make_raw() {
  if (!free_) {
    chunks_.emplace_back(new Node[kChunk]);
    Node* c = chunks_.back().get();
    for (std::size_t i = 0; i < kChunk; ++i) {
      c[i].next = free_;
      free_ = &c[i];
    }
  }
  Node* p = free_;
  free_ = p->next;
  p->next = nullptr;
  p->mark = 0;
  p->seen = 0;
  p->id = next_id_++;
  return p;
}

double Package::snap(double x) {
  if (std::abs(x) < tol_) return 0.0;
  const double q = x / tol_;
  if (std::abs(q) > 4e18) return x;
  const int64_t k = static_cast<int64_t>(std::floor(q));
  for (int64_t key : {k, k - 1, k + 1}) {
    auto it = reals_.find(key);
    if (it == reals_.end()) continue;
    for (double y : it->second)
      if (std::abs(y - x) <= tol_) return y;
  }
  reals_[k].push_back(x);
  return x;
}

Edge Package::make_node(int32_t v, Edge e[4]) {
  double m = 0;
  for (int i = 0; i < 4; ++i) {
    if (is_zero(e[i].w)) e[i] = zero();
    m = std::max(m, std::norm(e[i].w));
  }
  if (m == 0) return zero();
  int top = 0;
  for (int i = 0; i < 4; ++i)
    if (std::norm(e[i].w) >= m * (1 - 1e-9)) {
      top = i;
      break;
    }
  const cplx d = e[top].w;
  for (int i = 0; i < 4; ++i) {
    if (i == top) {
      e[i].w = 1;
    } else if (e[i].p != terminal_ || e[i].w != cplx(0)) {
      e[i].w = snap(e[i].w / d);
      if (e[i].w == cplx(0)) e[i] = zero();
    }
  }
  if (live_ > table_.size()) {  // grow the unique table
    std::vector<Node*> bigger(table_.size() * 2, nullptr);
    for (Node* head : table_)
      while (head) {
        Node* next = head->next;
        std::size_t b = node_hash(head->v, head->e) & (bigger.size() - 1);
        head->next = bigger[b];
        bigger[b] = head;
        head = next;
      }
    table_.swap(bigger);
    if (mul_cache_.size() < std::min(table_.size(), kCacheMax)) {
      mul_cache_.assign(std::min(table_.size(), kCacheMax), CacheSlot{});
      add_cache_.assign(mul_cache_.size(), CacheSlot{});
    }
  }
  const std::size_t b = node_hash(v, e) & (table_.size() - 1);
  for (Node* p = table_[b]; p; p = p->next)
    if (p->v == v && same_edges(p->e, e)) return {p, d};
  Node* p = make_raw();
  p->v = v;
  for (int i = 0; i < 4; ++i) p->e[i] = e[i];
  p->next = table_[b];
  table_[b] = p;
  ++live_;
  return {p, d};
}

Edge Package::gate(const std::vector<uint32_t>& targets, const std::vector<cplx>& u,
                   const std::vector<uint32_t>& controls) {
  const std::size_t k = targets.size(), d = std::size_t(1) << k;
  if (u.size() != d * d) throw std::invalid_argument("dd::Package::gate: matrix size does not match the targets");
  // role: -1 idle, -2 control, else the target's bit in the matrix index.
  std::vector<int> role(n_, -1);
  int32_t lowest = static_cast<int32_t>(n_);
  for (std::size_t j = 0; j < k; ++j) {
    if (targets[j] >= n_ || role[targets[j]] != -1) throw std::invalid_argument("dd::Package::gate: bad target");
    role[targets[j]] = static_cast<int>(k - 1 - j);
    lowest = std::min<int32_t>(lowest, static_cast<int32_t>(targets[j]));
  }
  for (uint32_t c : controls) {
    if (c >= n_ || role[c] != -1) throw std::invalid_argument("dd::Package::gate: bad control");
    role[c] = -2;
    lowest = std::min<int32_t>(lowest, static_cast<int32_t>(c));
  }
  // The block of rows `rsel` and columns `csel` of the targets (bits chosen
  // above level v) with every control above satisfied (`on`) or not.
  std::function<Edge(int32_t, std::size_t, std::size_t, bool)> build = [&](int32_t v, std::size_t rsel,
                                                                             std::size_t csel, bool on) -> Edge {
    if (v < lowest) {
      const cplx value = on ? u[rsel * d + csel] : cplx(rsel == csel ? 1 : 0);
      if (is_zero(value)) return zero();
      return {v < 0 ? terminal_ : ident_[static_cast<std::size_t>(v)], value};
    }
    Edge e[4];
    const int r = role[static_cast<std::size_t>(v)];
    if (r == -1 || (r == -2 && !on)) {
      Edge c = build(v - 1, rsel, csel, on);
      e[0] = e[3] = c;
      e[1] = e[2] = zero();
    } else if (r == -2) {
      e[0] = build(v - 1, rsel, csel, false);
      e[3] = build(v - 1, rsel, csel, true);
      e[1] = e[2] = zero();
    } else {
      for (std::size_t rb = 0; rb < 2; ++rb)
        for (std::size_t cb = 0; cb < 2; ++cb)
          e[2 * rb + cb] = build(v - 1, rsel | (rb << r), csel | (cb << r), on);
    }
    return make_node(v, e);
  };
  return build(static_cast<int32_t>(n_) - 1, 0, 0, true);
}

Edge Package::zero_projector(const std::vector<bool>& on) {
  Edge below{terminal_, 1};
  for (uint32_t v = 0; v < n_; ++v) {
    Edge e[4] = {below, zero(), zero(), (v < on.size() && on[v]) ? zero() : below};
    below = make_node(static_cast<int32_t>(v), e);
  }
  return below;
}

template <class Compute>
Edge Package::cached(std::vector<CacheSlot>& cache, std::size_t h, Node* a, Node* b, cplx ratio, Compute compute) {
  if (const CacheSlot& hit = cache[h & (cache.size() - 1)];
      hit.epoch == epoch_ && hit.a == a && hit.b == b && hit.ratio == ratio)
    return hit.result;
  const Edge res = compute();
  CacheSlot& slot = cache[h & (cache.size() - 1)];  // the cache may have grown meanwhile
  slot.a = a;
  slot.b = b;
  slot.ratio = ratio;
  slot.result = res;
  slot.epoch = epoch_;
  return res;
}

Edge Package::multiply(const Edge& a, const Edge& b) {
  if (is_zero(a.w) || is_zero(b.w)) return zero();
  const cplx w = a.w * b.w;
  if (a.p == terminal_) return {terminal_, w};
  Edge r = multiply_nodes(a.p, b.p);
  if (is_zero(r.w)) return zero();
  r.w *= w;
  return r;
}

Edge Package::multiply_nodes(Node* a, Node* b) {
  const std::size_t v = static_cast<std::size_t>(a->v);
  if (a == ident_[v]) return {b, 1};
  if (b == ident_[v]) return {a, 1};
  const std::size_t h = mix(static_cast<std::size_t>(a->id), static_cast<std::size_t>(b->id));
  return cached(mul_cache_, h, a, b, 0, [&] {
    Edge e[4];
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 2; ++c)
        e[2 * r + c] = add(multiply(a->e[2 * r], b->e[c]), multiply(a->e[2 * r + 1], b->e[2 + c]));
    return make_node(a->v, e);
  });
}

Edge Package::add(const Edge& a, const Edge& b) {
  if (is_zero(a.w)) return is_zero(b.w) ? zero() : b;
  if (is_zero(b.w)) return a;
  if (a.p == b.p) {
    const cplx w = a.w + b.w;
    if (is_zero(w)) return zero();
    return {a.p, w};
  }
  // a + b = a.w (A + (b.w / a.w) B), the nodes in creation order and the
  // ratio snapped, so that the sums met again (in either order, with the
  // same ratio up to rounding) are found in the compute table.
  const bool swap = b.p->id < a.p->id;
  const Edge& x = swap ? b : a;
  const Edge& y = swap ? a : b;
  Edge r = add_nodes(x.p, y.p, snap(y.w / x.w));
  if (is_zero(r.w)) return zero();
  r.w *= x.w;
  return r;
}

Edge Package::add_nodes(Node* a, Node* b, cplx ratio) {
  const std::size_t h = mix(mix(static_cast<std::size_t>(a->id), static_cast<std::size_t>(b->id)),
                            mix(bits(ratio.real()), bits(ratio.imag())));
  return cached(add_cache_, h, a, b, ratio, [&] {
    Edge e[4];
    for (int i = 0; i < 4; ++i) e[i] = add(a->e[i], Edge{b->e[i].p, b->e[i].w * ratio});
    return make_node(a->v, e);
  });
}

cplx Package::entry(const Edge& e, uint64_t row, uint64_t col) const {
  if (n_ > 64) throw std::invalid_argument("dd::Package::entry: more than 64 qubits");
  cplx w = e.w;
  const Node* p = e.p;
  for (int32_t v = static_cast<int32_t>(n_) - 1; v >= 0; --v) {
    if (p == terminal_ || w == cplx(0)) return 0;
    const Edge& c = p->e[2 * ((row >> v) & 1) + ((col >> v) & 1)];
    w *= c.w;
    p = c.p;
  }
  return w;
}

std::size_t Package::size(const Edge& e) {
  ++walk_;
  std::size_t count = 0;
  std::vector<Node*> stack{e.p};
  while (!stack.empty()) {
    Node* p = stack.back();
    stack.pop_back();
    if (p == terminal_ || p->seen == walk_) continue;
    p->seen = walk_;
    ++count;
    for (const Edge& c : p->e) stack.push_back(c.p);
  }
  return count;
}

void Package::collect_garbage(const std::vector<Edge*>& roots) {
  ++epoch_;  // a new epoch: marks and cache slots of the previous one are stale
  std::vector<Node*> stack(ident_.begin(), ident_.end());
  for (Edge* r : roots) stack.push_back(r->p);
  while (!stack.empty()) {
    Node* p = stack.back();
    stack.pop_back();
    if (p == terminal_ || p->mark == epoch_) continue;
    p->mark = epoch_;
    for (const Edge& c : p->e) stack.push_back(c.p);
  }
  reals_.clear();
  for (Node*& head : table_) {
    Node** link = &head;
    while (Node* p = *link) {
      if (p->mark == epoch_) {
        for (const Edge& c : p->e) {
          reals_[static_cast<int64_t>(std::floor(c.w.real() / tol_))].push_back(c.w.real());
          reals_[static_cast<int64_t>(std::floor(c.w.imag() / tol_))].push_back(c.w.imag());
        }
        link = &p->next;
      } else {
        *link = p->next;
        p->next = free_;
        free_ = p;
        --live_;
      }
    }
  }
  for (auto& [k, v] : reals_) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  }
  // The caches hold the previous epoch: no slot is read again.
}

namespace {

// Shared by scalar_of_identity and differing_column: the columns that count
// (ignored qubits |0>), whether a node has a nonzero entry in them, and the
// scalar s with node = s * I on them.
struct IdentityCheck {
  const Node* terminal;
  const std::vector<bool>& ignored;
  double tol;
  std::unordered_map<const Node*, bool> nz_memo;
  std::unordered_map<const Node*, std::optional<cplx>> scalar_memo;

  bool ignored_at(int32_t v) const { return static_cast<std::size_t>(v) < ignored.size() && ignored[v]; }
  bool small(cplx w) const { return std::abs(w) < tol; }

  bool nonzero(const Node* p) {
    if (p == terminal) return true;
    if (auto it = nz_memo.find(p); it != nz_memo.end()) return it->second;
    bool any = false;
    for (int i = 0; i < 4 && !any; ++i) {
      if ((i & 1) && ignored_at(p->v)) continue;
      any = p->e[i].w != cplx(0) && nonzero(p->e[i].p);
    }
    nz_memo[p] = any;
    return any;
  }
  // The value w * node as s * I, or nullopt.
  std::optional<cplx> value(const Edge& e) {
    if (small(e.w) || !nonzero(e.p)) return cplx(0);
    auto s = scalar(e.p);
    if (!s) return std::nullopt;
    return e.w * *s;
  }
  bool zero_block(const Edge& e) { return small(e.w) || !nonzero(e.p); }
  std::optional<cplx> scalar(const Node* p) {
    if (p == terminal) return cplx(1);
    if (auto it = scalar_memo.find(p); it != scalar_memo.end()) return it->second;
    std::optional<cplx> s;
    if (ignored_at(p->v)) {
      if (zero_block(p->e[2])) s = value(p->e[0]);
    } else if (zero_block(p->e[1]) && zero_block(p->e[2])) {
      auto t0 = value(p->e[0]), t3 = value(p->e[3]);
      if (t0 && t3 && std::abs(*t0 - *t3) < tol) s = t0;
    }
    scalar_memo[p] = s;
    return s;
  }
  // Follow nonzero entries down to the terminal, recording column bits.
  void some_nonzero_column(const Node* p, std::vector<bool>& col) {
    while (p != terminal) {
      for (int i = 0; i < 4; ++i) {
        if ((i & 1) && ignored_at(p->v)) continue;
        if (p->e[i].w != cplx(0) && nonzero(p->e[i].p)) {
          col[p->v] = i & 1;
          p = p->e[i].p;
          break;
        }
      }
    }
  }
  // Whether w * node differs from s * I somewhere; if so, col holds such a column.
  bool differs(const Edge& e, int32_t v, cplx s, std::vector<bool>& col) {
    if (v < 0) return std::abs(e.w - s) >= tol;
    if (small(e.w)) {
      if (std::abs(s) < tol) return false;
      for (int32_t q = v; q >= 0; --q) col[q] = false;
      return true;
    }
    if (auto val = value(e); val && std::abs(*val - s) < tol) return false;
    const Node* p = e.p;
    for (int b = 0; b < 2; ++b) {
      if (b == 1 && ignored_at(v)) break;
      col[v] = b;
      for (int r = 0; r < 2; ++r) {
        const Edge& c = p->e[2 * r + b];
        const Edge scaled{c.p, e.w * c.w};
        if (r != b) {
          if (!small(scaled.w) && nonzero(c.p)) {
            some_nonzero_column(c.p, col);
            return true;
          }
        } else if (differs(scaled, v - 1, s, col)) {
          return true;
        }
      }
    }
    return false;
  }
};

}  // namespace

std::optional<cplx> Package::scalar_of_identity(const Edge& e, const std::vector<bool>& ignored, double tol) {
  IdentityCheck chk{terminal_, ignored, tol, {}, {}};
  if (e.w == cplx(0) || std::abs(e.w) < tol) return std::nullopt;
  return chk.value(e);
}

std::optional<std::vector<bool>> Package::differing_column(const Edge& e, cplx s, const std::vector<bool>& ignored,
                                                           double tol) {
  IdentityCheck chk{terminal_, ignored, tol, {}, {}};
  std::vector<bool> col(n_, false);
  if (chk.differs(e, static_cast<int32_t>(n_) - 1, s, col)) return col;
  return std::nullopt;
}

}  // namespace qforge::dd
