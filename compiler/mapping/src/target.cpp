// Targets and coupling maps (see qforge/target.hpp).
#include "qforge/target.hpp"

#include <algorithm>
#include <cctype>
#include <climits>
#include <fstream>
#include <queue>
#include <sstream>
#include <stdexcept>

namespace qforge {
namespace {

uint32_t parse_uint(const std::string& s, const std::string& spec) {
  if (s.empty() || s.size() > 6 || !std::all_of(s.begin(), s.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); }))
    throw std::invalid_argument("coupling map '" + spec + "': expected a positive number, got '" + s + "'");
  uint32_t v = static_cast<uint32_t>(std::stoul(s));
  if (v == 0) throw std::invalid_argument("coupling map '" + spec + "': size must be positive");
  return v;
}

// IBM's heavy-hex: rows of 15 qubits joined by groups of 4 bridge qubits,
// alternately at columns {0,4,8,12} and {2,6,10,14}. Eagle (127): the first
// row lacks column 14 and the last lacks column 0, 7 rows, 6 bridge groups.
// Heron r1 (133): 7 full rows and 7 bridge groups, the last hanging below
// row 6 (ibm_torino's numbering).
CouplingMap ibm_heavy_hex(bool eagle, uint32_t limit) {
  std::vector<std::pair<uint32_t, uint32_t>> e;
  uint32_t next = 0;
  const int rows = 7;
  std::vector<std::vector<int64_t>> row_ids(rows, std::vector<int64_t>(15, -1));
  std::vector<std::vector<uint32_t>> bridge_ids;
  for (int r = 0; r < rows; ++r) {
    for (int col = 0; col < 15; ++col) {
      if (eagle && r == 0 && col == 14) continue;
      if (eagle && r == rows - 1 && col == 0) continue;
      row_ids[r][col] = next++;
    }
    for (int col = 0; col + 1 < 15; ++col)
      if (row_ids[r][col] >= 0 && row_ids[r][col + 1] >= 0)
        e.emplace_back(row_ids[r][col], row_ids[r][col + 1]);
    const bool last = r == rows - 1;
    if (last && eagle) break;
    const int start = r % 2 == 0 ? 0 : 2;
    std::vector<uint32_t> group;
    for (int k = 0; k < 4; ++k) group.push_back(next++);
    for (int k = 0; k < 4; ++k) {
      const int col = start + 4 * k;
      e.emplace_back(static_cast<uint32_t>(row_ids[r][col]), group[k]);
    }
    bridge_ids.push_back(group);
    (void)last;
  }
  // Bridges down to the next row (same column).
  for (int r = 0; r + 1 < rows; ++r) {
    const int start = r % 2 == 0 ? 0 : 2;
    for (int k = 0; k < 4; ++k) e.emplace_back(bridge_ids[r][k], static_cast<uint32_t>(row_ids[r + 1][start + 4 * k]));
  }
  uint32_t n = next;
  if (limit < n) {
    std::vector<std::pair<uint32_t, uint32_t>> kept;
    for (auto [a, b] : e)
      if (a < limit && b < limit) kept.emplace_back(a, b);
    e.swap(kept);
    n = limit;
  }
  return CouplingMap::from_edges(n, e, "heavy-hex:" + std::to_string(n));
}

}  // namespace

bool CouplingMap::connected(uint32_t a, uint32_t b) const {
  if (a >= num_qubits || b >= num_qubits) return false;
  const auto& nb = neighbours[a];
  return std::find(nb.begin(), nb.end(), b) != nb.end();
}

bool CouplingMap::is_connected_graph() const {
  for (uint32_t q = 0; q < num_qubits; ++q)
    if (distance[0][q] == UINT32_MAX) return false;
  return true;
}

CouplingMap CouplingMap::from_edges(uint32_t n, std::vector<std::pair<uint32_t, uint32_t>> edges,
                                    std::string description) {
  CouplingMap m;
  m.num_qubits = n;
  m.description = std::move(description);
  for (auto& [a, b] : edges) {
    if (a >= n || b >= n) throw std::invalid_argument("coupling map: edge (" + std::to_string(a) + "," +
                                                      std::to_string(b) + ") outside " + std::to_string(n) + " qubits");
    if (a == b) throw std::invalid_argument("coupling map: self-loop on qubit " + std::to_string(a));
    if (a > b) std::swap(a, b);
  }
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  m.edges = edges;
  m.neighbours.assign(n, {});
  for (auto [a, b] : edges) {
    m.neighbours[a].push_back(b);
    m.neighbours[b].push_back(a);
  }
  m.distance.assign(n, std::vector<uint32_t>(n, UINT32_MAX));
  for (uint32_t s = 0; s < n; ++s) {
    auto& d = m.distance[s];
    std::queue<uint32_t> bfs;
    d[s] = 0;
    bfs.push(s);
    while (!bfs.empty()) {
      uint32_t u = bfs.front();
      bfs.pop();
      for (uint32_t v : m.neighbours[u])
        if (d[v] == UINT32_MAX) { d[v] = d[u] + 1; bfs.push(v); }
    }
  }
  return m;
}

CouplingMap CouplingMap::line(uint32_t n) {
  std::vector<std::pair<uint32_t, uint32_t>> e;
  for (uint32_t i = 0; i + 1 < n; ++i) e.emplace_back(i, i + 1);
  return from_edges(n, e, "line:" + std::to_string(n));
}

CouplingMap CouplingMap::ring(uint32_t n) {
  std::vector<std::pair<uint32_t, uint32_t>> e;
  for (uint32_t i = 0; i + 1 < n; ++i) e.emplace_back(i, i + 1);
  if (n > 2) e.emplace_back(0, n - 1);
  return from_edges(n, e, "ring:" + std::to_string(n));
}

CouplingMap CouplingMap::grid(uint32_t r, uint32_t c) {
  std::vector<std::pair<uint32_t, uint32_t>> e;
  for (uint32_t i = 0; i < r; ++i)
    for (uint32_t j = 0; j < c; ++j) {
      if (j + 1 < c) e.emplace_back(i * c + j, i * c + j + 1);
      if (i + 1 < r) e.emplace_back(i * c + j, (i + 1) * c + j);
    }
  return from_edges(r * c, e, "grid:" + std::to_string(r) + "x" + std::to_string(c));
}

CouplingMap CouplingMap::heavy_hex(uint32_t n) {
  if (n == 127) return ibm_heavy_hex(true, 127);
  if (n > 133) throw std::invalid_argument("heavy-hex:" + std::to_string(n) + ": at most 133 qubits");
  return ibm_heavy_hex(false, n);
}

CouplingMap CouplingMap::parse(const std::string& spec_in) {
  std::string spec = spec_in;
  auto colon = spec.find(':');
  if (!spec.empty() && spec[0] != '[' && colon != std::string::npos) {
    std::string kind = spec.substr(0, colon), arg = spec.substr(colon + 1);
    CouplingMap m;
    if (kind == "line") m = line(parse_uint(arg, spec));
    else if (kind == "ring") m = ring(parse_uint(arg, spec));
    else if (kind == "heavy-hex") m = heavy_hex(parse_uint(arg, spec));
    else if (kind == "grid") {
      auto x = arg.find('x');
      if (x == std::string::npos) throw std::invalid_argument("coupling map '" + spec + "': expected grid:RxC");
      m = grid(parse_uint(arg.substr(0, x), spec), parse_uint(arg.substr(x + 1), spec));
    } else {
      throw std::invalid_argument("coupling map '" + spec +
                                  "': unknown kind '" + kind + "' (line:N, ring:N, grid:RxC, heavy-hex:N or a JSON edge list)");
    }
    if (!m.is_connected_graph()) throw std::invalid_argument("coupling map '" + spec + "' is not connected");
    return m;
  }
  // A JSON edge list, inline or in a file.
  std::string text = spec;
  if (text.empty() || text[0] != '[') {
    std::ifstream f(spec);
    if (!f) throw std::invalid_argument("coupling map '" + spec + "': not a known form and not a readable file");
    std::stringstream ss;
    ss << f.rdbuf();
    text = ss.str();
  }
  std::vector<std::pair<uint32_t, uint32_t>> edges;
  std::vector<uint32_t> nums;
  int depth = 0;
  std::string num;
  auto flush_num = [&] {
    if (!num.empty()) { nums.push_back(static_cast<uint32_t>(std::stoul(num))); num.clear(); }
  };
  for (char ch : text) {
    if (std::isdigit(static_cast<unsigned char>(ch))) { num += ch; continue; }
    flush_num();
    if (ch == '[') {
      if (++depth > 2) throw std::invalid_argument("coupling map: JSON edge list nested too deeply");
    } else if (ch == ']') {
      if (depth == 2) {
        if (nums.size() != 2) throw std::invalid_argument("coupling map: every edge needs exactly two qubits");
        edges.emplace_back(nums[0], nums[1]);
        nums.clear();
      }
      --depth;
    } else if (ch == ',' || std::isspace(static_cast<unsigned char>(ch))) {
    } else {
      throw std::invalid_argument(std::string("coupling map: unexpected character '") + ch + "' in JSON edge list");
    }
  }
  if (depth != 0) throw std::invalid_argument("coupling map: unbalanced brackets in JSON edge list");
  if (edges.empty()) throw std::invalid_argument("coupling map: empty edge list");
  uint32_t n = 0;
  for (auto [a, b] : edges) n = std::max({n, a + 1, b + 1});
  CouplingMap m = from_edges(n, edges, "edges:" + std::to_string(edges.size()));
  if (!m.is_connected_graph()) throw std::invalid_argument("coupling map: the edge list is not connected");
  return m;
}

bool Target::allows(GateId g) const {
  return basis.empty() || std::find(basis.begin(), basis.end(), g) != basis.end();
}

bool Target::direction_allowed(uint32_t a, uint32_t b) const {
  return directions.empty() || std::binary_search(directions.begin(), directions.end(), std::make_pair(a, b));
}

std::string Target::basis_text() const {
  if (basis.empty()) return "{any}";
  std::string s = "{";
  for (std::size_t i = 0; i < basis.size(); ++i) s += (i ? ", " : "") + std::string(gate_info(basis[i]).name);
  return s + "}";
}

// The control flow IBM's QPUs run, Eagle r3 and Heron alike: `if`/`else`
// only. IBM's guide "Execute dynamic circuits"
// (https://quantum.cloud.ibm.com/docs/en/guides/execute-dynamic-circuits):
// "The OpenQASM 3 specification defines a number of control-flow
// structures, but Qiskit Runtime currently only supports the conditional if
// statement"; and "Classical feedforward and control flow"
// (https://quantum.cloud.ibm.com/docs/en/guides/classical-feedforward-and-control-flow)
// lists the while, for and switch constructs as removed with the rollout of
// the new dynamic circuits (from 2 June 2025), together with "the ability to
// use control flow instructions inside the body of a branch (as in, nested
// control flow)" and "conditional measurements".
static const std::vector<std::string> kIbmControlFlow = {"if_else"};

std::vector<std::string> target_names() { return {"nam", "ibm_eagle", "ibm_heron", "generic"}; }

Target make_target(const std::string& name, const std::string& spec) {
  Target t;
  t.name = name;
  using G = GateId;
  if (name == "nam") {
    t.basis = {G::H, G::X, G::CX, G::RZ};
  } else if (name == "ibm_eagle") {
    t.basis = {G::ECR, G::RZ, G::SX, G::X};
    t.two_qubit = G::ECR;
    t.coupling = CouplingMap::heavy_hex(127);
    t.limits_classical = true;
    t.control_flow = kIbmControlFlow;
    t.nested_control_flow = false;
    t.conditional_measure = false;
  } else if (name == "ibm_heron") {
    t.basis = {G::CZ, G::RZ, G::SX, G::X};
    t.two_qubit = G::CZ;
    t.coupling = CouplingMap::heavy_hex(133);
    t.limits_classical = true;
    t.control_flow = kIbmControlFlow;
    t.nested_control_flow = false;
    t.conditional_measure = false;
  } else if (name == "generic") {
  } else {
    throw std::invalid_argument("unknown target '" + name + "' (nam, ibm_eagle, ibm_heron, generic)");
  }
  if (!spec.empty()) t.coupling = CouplingMap::parse(spec);
  return t;
}

namespace {

std::string check_ops(const Circuit& c, const Target& t, const std::vector<Operation>& ops, const std::string& prefix) {
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Operation& op = ops[i];
    const std::string at = prefix + "operation " + std::to_string(i);
    const std::string where = at + " (" + (op.kind == OpKind::Gate ? std::string(gate_info(op.gate).name) : "non-gate") + "): ";
    if (t.coupling) {
      if (!c.physical_qubits) return "circuit is not on physical qubits";
      for (uint32_t q : op.qubits)
        if (q >= t.coupling->num_qubits) return where + "qubit $" + std::to_string(q) + " is not on the device";
    }
    for (std::size_t b = 0; b < op.blocks.size(); ++b)
      if (auto err = check_ops(c, t, op.blocks[b], at + ": block " + std::to_string(b) + ": "); !err.empty()) return err;
    if (op.kind != OpKind::Gate) continue;
    if (op.num_controls && t.constrained()) return where + "has extra controls";
    if (!t.allows(op.gate)) return where + "not in the basis " + t.basis_text();
    if (op.qubits.size() > 2 && t.coupling) return where + "acts on more than two qubits";
    if (op.qubits.size() == 2 && t.coupling && !t.coupling->connected(op.qubits[0], op.qubits[1]))
      return where + "qubits $" + std::to_string(op.qubits[0]) + ", $" + std::to_string(op.qubits[1]) +
             " are not coupled";
    if (op.qubits.size() == 2 && op.gate == t.two_qubit && !t.direction_allowed(op.qubits[0], op.qubits[1]))
      return where + "the device has " + std::string(gate_info(op.gate).name) + " $" + std::to_string(op.qubits[1]) + ", $" +
             std::to_string(op.qubits[0]) + " only";
  }
  return {};
}

// The OpenQASM spelling of an operator, for messages.
const char* op_text(COp op) {
  switch (op) {
    case COp::Neg: return "unary -";
    case COp::Sin: return "sin";
    case COp::Cos: return "cos";
    case COp::Tan: return "tan";
    case COp::Arcsin: return "arcsin";
    case COp::Arccos: return "arccos";
    case COp::Arctan: return "arctan";
    case COp::Exp: return "exp";
    case COp::Log: return "log";
    case COp::Sqrt: return "sqrt";
    case COp::Popcount: return "popcount";
    case COp::Add: return "+";
    case COp::Sub: return "-";
    case COp::Mul: return "*";
    case COp::Div: return "/";
    case COp::Mod: return "%";
    case COp::Pow: return "**";
    case COp::Shl: return "<<";
    case COp::Shr: return ">>";
    case COp::Rotl: return "rotl";
    case COp::Rotr: return "rotr";
    default: return "?";
  }
}

// What in `e` the target does not compute at run time ("" when nothing):
// it reads bits and registers and compares, combines and casts them.
std::string unsupported_in(const CExpr& e, const Circuit& c) {
  const CExprNode& n = e.node();
  switch (n.op) {
    case COp::Const:
    case COp::Bits: return {};
    case COp::Var:
      return "the variable `" + (n.var < c.vars.size() ? c.vars[n.var].name : std::to_string(n.var)) + "` (" +
             type_name(n.type) + ")";
    case COp::BitNot: case COp::LogNot: case COp::Cast:
    case COp::BitAnd: case COp::BitOr: case COp::BitXor: case COp::LogAnd: case COp::LogOr:
    case COp::Eq: case COp::Ne: case COp::Lt: case COp::Le: case COp::Gt: case COp::Ge:
      for (const CExpr& a : n.args)
        if (auto s = unsupported_in(a, c); !s.empty()) return s;
      return {};
    default: return std::string("the operator `") + op_text(n.op) + "`";
  }
}

bool listed(const Target& t, const char* instruction) {
  return std::find(t.control_flow.begin(), t.control_flow.end(), instruction) != t.control_flow.end();
}

/// `ops` at the top level (in_block false) or inside a control-flow block.
void check_classical_ops(const Circuit& c, const Target& t, const std::vector<Operation>& ops, bool in_block) {
  const std::string on = " on " + t.name;
  for (const Operation& op : ops) {
    if (op.kind == OpKind::Measure && !t.conditional_measure && (in_block || !op.conditions.empty()))
      throw error_at(op, std::string("a measurement ") + (in_block ? "inside an if statement's block" : "with a condition") +
                             " does not run" + on + " (it runs no conditional measurements)");
    const bool control = op.kind == OpKind::If || op.kind == OpKind::Switch || !op.conditions.empty();
    if (in_block && control && !t.nested_control_flow)
      throw error_at(op, std::string(op.kind == OpKind::If       ? "an if statement"
                                     : op.kind == OpKind::Switch ? "a switch statement"
                                                                 : "a conditioned " + op_name(op)) +
                             " inside an if statement's block does not run" + on + " (it runs no nested control flow)");
    switch (op.kind) {
      case OpKind::Gate: case OpKind::Measure: case OpKind::Reset: case OpKind::Barrier: case OpKind::Delay:
        continue;
      case OpKind::RuntimeGate:
        throw error_at(op, op_name(op) + " with a parameter computed at run time does not run" + on +
                               " (its parameters must be known at compile time)");
      case OpKind::Assign: {
        const std::string target = op.classical->var != ClassicalData::kNoVar && op.classical->var < c.vars.size()
                                       ? "`" + c.vars[op.classical->var].name + "`"
                                       : "bits";
        throw error_at(op, "an assignment to " + target + " does not run" + on +
                               " (it runs no classical computation at run time)");
      }
      case OpKind::While:
        throw error_at(op, "a while loop does not run" + on + " (it runs no loops)");
      case OpKind::For:
        throw error_at(op, "a for loop over a range known only at run time does not run" + on +
                               " (it runs no loops; a for loop over a range known at compile time is unrolled)");
      case OpKind::Break: case OpKind::Continue:
        throw error_at(op, op_name(op) + " does not run" + on + " (it runs no loops)");
      case OpKind::End:
        throw error_at(op, "end does not run" + on);
      case OpKind::If:
      case OpKind::Switch: {
        const bool is_if = op.kind == OpKind::If;
        const char* instruction = is_if ? "if_else" : "switch_case";
        if (!listed(t, instruction))
          throw error_at(op, std::string(is_if ? "an if statement" : "a switch statement") + " does not run" + on +
                                 " (" + instruction + " is not among its instructions)");
        if (auto s = unsupported_in(op.classical->value, c); !s.empty())
          throw error_at(op, std::string(is_if ? "the condition of an if statement" : "the target of a switch statement") +
                                 " uses " + s + ", which does not run" + on +
                                 " (it computes on bits and registers only: comparisons, bitwise and logical operators)");
        for (const auto& b : op.blocks) check_classical_ops(c, t, b, true);
        continue;
      }
    }
  }
}

}  // namespace

void check_classical(const Circuit& c, const Target& t) {
  if (t.limits_classical) check_classical_ops(c, t, c.ops, false);
}

std::string check_target(const Circuit& c, const Target& t) { return check_ops(c, t, c.ops, ""); }

}  // namespace qforge
