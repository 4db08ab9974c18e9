//===- draw_text.cpp - Text drawing of a circuit, in Qiskit's text style -------===//
//
// Algorithm:
//   1. Rows: one per qubit, then one per classical register. Measure, reset
//      and delay are split into one-qubit pieces.
//   2. Each piece covers the rows lo..hi it draws on (its qubits, the
//      registers of its measured clbits and of its condition's marks, and
//      every row its vertical line crosses) and may hold further register
//      rows without drawing on them. It goes in the first column after the
//      last column used by any of those rows (greedy, left to right).
//   3. A piece is a cell (top, middle, bottom text, an anchor column for the
//      vertical line) per row. The column is as wide as its widest cell; cells
//      are aligned on their anchors and padded with wire characters.
//   4. Each row is three text lines; the bottom line of a row and the top
//      line of the next are merged into one (`└───┘` over `┌─┴─┐` gives
//      `├─┴─┤`), so neighbouring wires are two text lines apart, except
//      where a `╥` meets the `╨` of a box on a classical wire: both lines
//      stay (as Qiskit's default vertical compression keeps them).
//   5. With a width limit the columns are cut into blocks (`»` ... `«`).
// Conditions are drawn as Qiskit's text drawer draws them with one wire per
// register (detail::condition_marks): a double line from the operation down
// to a box on the register's wire holding the value (`╡ 0x1 ╞`, one bit of
// a register `╡ c_1=0x1 ╞`), or to a bullet on a lone bit's wire (`■` for
// 1, `o` for 0). Control flow is drawn as Qiskit's text drawer draws it: a
// box open to the right (`If-0`, `While-0`, `For-0 i in [0:1:3]`,
// `Switch-0`) over the rows of the qubits its blocks use, its condition
// marked on the wires (a condition that is not a (bits, value) test is
// written in the label, `If-0 c_0 && f`, and each register it reads gets a
// box naming the bits read), then the first block's operations, a divider
// (`Else-0`, `Case-0 1, 2`) before each further block, and a box open to
// the left (`End-0`); the number is the nesting depth. Since every marker
// holds the rows of all the operation's qubits and clbits, the blocks'
// operations fall between them. An operation on no qubit (an assignment
// `n = n + 1`, break, continue, end) is a box over the rows of the block it
// is in (every qubit at the top level), with `■` on the registers it reads
// or writes.
// Text is built as UTF-32 so that each box character is one column.
//
//===----------------------------------------------------------------------===//
#include "qforge/draw.hpp"
#include "qforge/emit.hpp"

#include "draw_labels.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>

namespace qforge {
namespace {

using G = GateId;
using ustr = std::u32string;

ustr u32(const std::string& s) {
  ustr out;
  for (std::size_t i = 0; i < s.size();) {
    unsigned char b = static_cast<unsigned char>(s[i]);
    int len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xe ? 3 : 4;
    char32_t cp = len == 1 ? b : len == 2 ? (b & 0x1f) : len == 3 ? (b & 0x0f) : (b & 0x07);
    for (int k = 1; k < len && i + k < s.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    out += cp;
    i += len;
  }
  return out;
}

std::string utf8(const ustr& s) {
  std::string out;
  for (char32_t cp : s) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }
  return out;
}

//===- Labels --------------------------------------------------------------===//

std::string draw_expr(const Expr& e, const std::vector<std::string>& names) {
  return detail::draw_expr(e, names, 5);
}

/// Qiskit's box label of a table gate.
std::string gate_label(GateId g) { return std::string(gate_info(g).text_label); }

std::string with_params(std::string label, const std::vector<Expr>& params,
                        const std::vector<std::string>& names) {
  if (params.empty()) return label;
  label += "(";
  for (std::size_t i = 0; i < params.size(); ++i) label += (i ? "," : "") + draw_expr(params[i], names);
  return label + ")";
}

//===- Cells ---------------------------------------------------------------===//

enum class Line : uint8_t { None, Single, Double };

/// One piece's drawing on one row: three equally wide lines and the column
/// of its vertical connector.
struct Cell {
  ustr top, mid, bot;
  int anchor = 0;
  int width() const { return static_cast<int>(mid.size()); }
};

char32_t vertical(Line l) { return l == Line::Double ? U'║' : U'│'; }

ustr blank_or(Line l, int width, int anchor) {
  ustr s(width, U' ');
  if (l != Line::None) s[anchor] = vertical(l);
  return s;
}

/// `┌───┐ ┤ H ├ └───┘` with connectors on top/bottom; on a classical wire
/// (`classical`) `╡ 0x1 ╞`.
Cell box(const std::string& label, Line up, Line down, bool classical = false) {
  ustr l = u32(label);
  const int w = static_cast<int>(l.size()) + 4;
  Cell c;
  c.anchor = w / 2;
  c.top = U"┌" + ustr(w - 2, U'─') + U"┐";
  c.mid = (classical ? U"╡ " : U"┤ ") + l + (classical ? U" ╞" : U" ├");
  c.bot = U"└" + ustr(w - 2, U'─') + U"┘";
  if (up != Line::None) c.top[c.anchor] = up == Line::Double ? U'╨' : U'┴';
  if (down != Line::None) c.bot[c.anchor] = down == Line::Double ? U'╥' : U'┬';
  return c;
}

/// A three-wide symbol on the wire (`─■─`, `─X─`, `─┼─`) with connectors.
Cell symbol(char32_t wire, char32_t sym, Line up, Line down) {
  Cell c;
  c.anchor = 1;
  c.top = blank_or(up, 3, 1);
  c.mid = ustr{wire, sym, wire};
  c.bot = blank_or(down, 3, 1);
  return c;
}

/// Classical-wire end of a vertical line with a label under it.
Cell labelled(char32_t sym, Line up, Line down, const std::string& label) {
  ustr l = u32(label);
  const int w = std::max<int>(3, static_cast<int>(l.size()) | 1);
  Cell c;
  c.anchor = w / 2;
  c.top = blank_or(up, w, c.anchor);
  c.mid = ustr(w, U'═');
  c.mid[c.anchor] = sym;
  if (down != Line::None || l.empty()) {
    c.bot = blank_or(down, w, c.anchor);
  } else {
    c.bot = ustr(w, U' ');
    const int start = c.anchor - static_cast<int>(l.size()) / 2;
    for (std::size_t i = 0; i < l.size(); ++i) c.bot[start + i] = l[i];
  }
  return c;
}

/// A piece: the rows it occupies, the last row it holds without drawing
/// (-1: none past hi), and its cells.
struct Piece {
  int lo = 0, hi = 0;
  int hold = -1;
  std::map<int, Cell> cells;
};

/// A condition's mark on a classical wire (detail::CondMark), joined by
/// double lines: `═■═` / `═o═`, or Qiskit's box on a classical wire
/// `┌──╨──┐ ╡ 0x1 ╞ └─────┘`.
Cell mark_cell(const detail::CondMark& m, Line up, Line down) {
  if (m.bullet) return symbol(U'═', m.filled ? U'■' : U'o', up, down);
  return box(m.text, up, down, true);
}

class Drawer {
 public:
  Drawer(const Circuit& c, int max_width)
      : c_(c), max_width_(max_width), names_(c.symbol_names()),
        qregs_(c.physical_qubits ? std::vector<Register>{} : wire_registers(c, true)),
        cregs_(wire_registers(c, false)) {}

  std::string run() {
    const int rows = static_cast<int>(c_.num_qubits + cregs_.size());
    if (rows == 0) return "";
    for (const auto& it : detail::draw_items(c_, cregs_, [this](const CExpr& e) { return cexpr_label(e); })) {
      if (it.op) add_operation(*it.op);
      else add_span(it);
    }
    layout(rows);
    return render(rows);
  }

 private:
  //===- Names --------------------------------------------------------===//

  std::string qubit_label(uint32_t q) const {
    if (c_.physical_qubits) return "$" + std::to_string(q);
    for (const Register& r : qregs_)
      if (q >= r.first && q < r.first + r.size)
        return r.is_array ? r.name + "_" + std::to_string(q - r.first) : r.name;
    throw std::logic_error("draw_text: qubit without register");
  }

  int creg_of(uint32_t bit) const { return static_cast<int>(detail::reg_index(cregs_, bit)); }
  int creg_row(uint32_t bit) const { return static_cast<int>(c_.num_qubits) + creg_of(bit); }
  int mark_row(const detail::CondMark& m) const { return static_cast<int>(c_.num_qubits + m.reg); }

  std::string cexpr_label(const CExpr& e) const {
    return detail::draw_cexpr(e, [this](const std::vector<uint32_t>& b) { return detail::draw_bits(cregs_, b); },
                              c_.vars);
  }

  //===- Pieces -------------------------------------------------------===//

  /// Fill the rows between a piece's drawn cells with crossings, add the
  /// marks of its condition (below the operation's rows glo..ghi, joined to
  /// them by a double line), and store the piece.
  void finish(Piece p, int glo, int ghi, const std::vector<detail::CondMark>& marks) {
    std::map<int, const detail::CondMark*> mark_rows;
    for (const detail::CondMark& m : marks) mark_rows[mark_row(m)] = &m;
    p.lo = glo;
    p.hi = ghi;
    if (!mark_rows.empty()) p.hi = std::max(p.hi, mark_rows.rbegin()->first);
    for (const auto& [r, _] : p.cells) p.hi = std::max(p.hi, r);
    auto up = [&](int r) { return r == p.lo ? Line::None : r <= ghi ? Line::Single : Line::Double; };
    auto down = [&](int r) { return r == p.hi ? Line::None : r < ghi ? Line::Single : Line::Double; };
    for (int r = p.lo; r <= p.hi; ++r) {
      if (p.cells.count(r)) continue;
      const bool quantum = r < static_cast<int>(c_.num_qubits);
      if (mark_rows.count(r)) {
        p.cells[r] = mark_cell(*mark_rows[r], up(r), down(r));
      } else if (quantum) {
        Line l = up(r) == Line::Double || down(r) == Line::Double ? Line::Double : Line::Single;
        p.cells[r] = symbol(U'─', l == Line::Double ? U'╫' : U'┼', l, l);
      } else {
        p.cells[r] = symbol(U'═', U'╬', Line::Double, Line::Double);
      }
    }
    pieces_.push_back(std::move(p));
  }

  std::vector<detail::CondMark> marks_of(const Operation& op) const {
    return detail::condition_marks(cregs_, op.conditions);
  }

  /// A box over qubit rows lo..hi with `label` on the first row; `left` /
  /// `right`: closed on that side (`┤`/`├` where a wire enters, `│`
  /// elsewhere), else open (the wire line runs on). `wires`: the rows whose
  /// wire enters the box.
  void span_box(Piece& p, const std::string& label, int lo, int hi, const std::vector<bool>& wires, bool left,
                bool right) {
    const ustr l = u32(label);
    const int iw = static_cast<int>(l.size()) + 2;
    const int w = iw + (left ? 1 : 0) + (right ? 1 : 0);
    const int off = left ? 1 : 0;
    for (int r = lo; r <= hi; ++r) {
      const bool wire = wires[static_cast<std::size_t>(r - lo)];
      Cell c;
      c.anchor = w / 2;
      c.top = r == lo ? ustr(w, U'─') : ustr(w, U' ');
      c.bot = r == hi ? ustr(w, U'─') : ustr(w, U' ');
      c.mid = ustr(w, U' ');
      if (left) {
        c.top[0] = r == lo ? U'┌' : U'│';
        c.mid[0] = wire ? U'┤' : U'│';
        c.bot[0] = r == hi ? U'└' : U'│';
      }
      if (right) {
        c.top[w - 1] = r == lo ? U'┐' : U'│';
        c.mid[w - 1] = wire ? U'├' : U'│';
        c.bot[w - 1] = r == hi ? U'┘' : U'│';
      }
      if (r == lo) std::copy(l.begin(), l.end(), c.mid.begin() + off + 1);
      p.cells[r] = c;
    }
  }

  /// A box of run-time classical logic (detail::DrawItem): a span_box over
  /// the rows its qubits span (the enclosing block's rows when none), its
  /// marks on the register rows, holding the register rows it reaches.
  void add_span(const detail::DrawItem& it) {
    int lo = it.span.first, hi = it.span.second;
    if (!it.qubits.empty()) {
      lo = static_cast<int>(*std::min_element(it.qubits.begin(), it.qubits.end()));
      hi = static_cast<int>(*std::max_element(it.qubits.begin(), it.qubits.end()));
    }
    int lowest = -1, hold = -1;
    for (const detail::CondMark& m : it.marks) lowest = std::max(lowest, mark_row(m));
    for (uint32_t b : it.reach) hold = std::max(hold, creg_row(b));
    if (hi < lo) {  // no qubits at all: the box sits on its first register's row
      if (it.marks.empty()) return;
      lo = hi = mark_row(it.marks.front());
    }
    std::vector<bool> wires(static_cast<std::size_t>(hi - lo + 1), it.qubits.empty());
    for (uint32_t q : it.qubits) wires[q - static_cast<uint32_t>(lo)] = true;
    Piece p;
    span_box(p, it.label, lo, hi, wires, it.left, it.right);
    if (lowest > hi) p.cells[hi].bot[p.cells[hi].anchor] = U'╥';
    p.hold = hold;
    finish(std::move(p), lo, hi, it.marks);
  }

  void add_operation(const Operation& op) {
    switch (op.kind) {
      case OpKind::Gate:
      case OpKind::RuntimeGate: add_gate(op); return;
      default: return;  // run-time classical logic: boxes (add_span)
      case OpKind::Measure:
        for (std::size_t i = 0; i < op.qubits.size(); ++i) {
          const int q = static_cast<int>(op.qubits[i]);
          const uint32_t bit = op.clbits.at(i);
          const Register& r = cregs_[creg_of(bit)];
          Piece p;
          Cell m;
          m.anchor = 1;
          m.top = U"┌─┐";
          m.mid = U"┤M├";
          m.bot = U"└╥┘";
          p.cells[q] = m;
          p.cells[creg_row(bit)] =
              labelled(U'╩', Line::Double, Line::None,
                       r.is_array ? std::to_string(bit - r.first) : std::string());
          finish(std::move(p), q, q, marks_of(op));
        }
        return;
      case OpKind::Reset:
      case OpKind::Delay:
        for (uint32_t q : op.qubits) {
          Piece p;
          const int row = static_cast<int>(q);
          if (op.kind == OpKind::Reset) {
            Cell c;
            c.anchor = 2;
            c.top = U"     ";
            c.mid = U"─|0>─";
            c.bot = U"     ";
            p.cells[row] = c;
          } else {
            std::string d = op.params.empty() ? "?" : draw_expr(op.params[0], names_);
            p.cells[row] = box("Delay(" + d + "[" + op.delay_unit + "])", Line::None,
                               op.conditions.empty() ? Line::None : Line::Double);
          }
          finish(std::move(p), row, row, marks_of(op));
        }
        return;
      case OpKind::Barrier: {
        std::vector<uint32_t> qs = op.qubits;
        if (qs.empty())
          for (uint32_t q = 0; q < c_.num_qubits; ++q) qs.push_back(q);
        if (qs.empty()) return;
        Piece p;
        for (uint32_t q : qs) {
          Cell c;
          c.anchor = 1;
          c.top = U" ░ ";
          c.mid = U"─░─";
          c.bot = U" ░ ";
          p.cells[static_cast<int>(q)] = c;
        }
        p.lo = static_cast<int>(*std::min_element(qs.begin(), qs.end()));
        p.hi = static_cast<int>(*std::max_element(qs.begin(), qs.end()));
        // Rows between barrier qubits stay plain wires.
        pieces_.push_back(std::move(p));
        return;
      }
    }
  }

  void add_gate(const Operation& op) {
    const GateInfo& g = gate_info(op.gate);
    const std::size_t nc = op.num_controls + g.num_controls;
    std::vector<int> controls, targets;
    for (std::size_t i = 0; i < op.qubits.size(); ++i)
      (i < nc ? controls : targets).push_back(static_cast<int>(op.qubits[i]));
    const GateId target_gate = g.num_controls > 0 ? g.base : op.gate;
    const bool all_dots = target_gate == G::Z && nc > 0;
    if (all_dots) {
      controls.insert(controls.end(), targets.begin(), targets.end());
      targets.clear();
    }
    int glo = static_cast<int>(c_.num_qubits), ghi = -1;
    for (uint32_t q : op.qubits) {
      glo = std::min(glo, static_cast<int>(q));
      ghi = std::max(ghi, static_cast<int>(q));
    }
    const std::vector<detail::CondMark> marks = marks_of(op);
    int hi = ghi;
    for (const detail::CondMark& m : marks) hi = std::max(hi, mark_row(m));
    auto up = [&](int r) { return r == glo ? Line::None : Line::Single; };
    auto down = [&](int r) { return r == hi ? Line::None : r < ghi ? Line::Single : Line::Double; };

    Piece p;
    for (int r : controls) p.cells[r] = symbol(U'─', U'■', up(r), down(r));
    if (!targets.empty()) {
      std::string label = with_params(gate_label(op.gate == G::CU ? G::CU : target_gate), op.params, names_);
      if (op.kind == OpKind::RuntimeGate) {  // parameters computed at run time
        label += "(";
        for (std::size_t i = 0; i < op.classical->cparams.size(); ++i)
          label += (i ? "," : "") + cexpr_label(op.classical->cparams[i]);
        label += ")";
      }
      if (target_gate == G::Swap) {
        for (int r : targets) p.cells[r] = symbol(U'─', U'X', up(r), down(r));
      } else if (targets.size() == 1) {
        p.cells[targets[0]] = box(label, up(targets[0]), down(targets[0]));
      } else {
        multi_box(p, label, targets, up, down);
      }
    }
    finish(std::move(p), glo, ghi, marks);
  }

  /// A box over rows min(targets)..max(targets), indices 0.. at the left of
  /// each target's row, the label on the middle text line.
  template <class Up, class Down>
  void multi_box(Piece& p, const std::string& label, const std::vector<int>& targets, Up up,
                 Down down) {
    const int b0 = *std::min_element(targets.begin(), targets.end());
    const int b1 = *std::max_element(targets.begin(), targets.end());
    const int k = b1 - b0 + 1;
    const ustr l = u32(label);
    const int idxw = static_cast<int>(std::to_string(targets.size() - 1).size());
    const int iw = static_cast<int>(l.size()) + 2 * (idxw + 1);
    const int w = iw + 2;
    const int anchor = w / 2;
    auto inner = [&](char32_t left, char32_t right) { return left + ustr(iw, U' ') + right; };
    for (int r = b0; r <= b1; ++r) {
      Cell c;
      c.anchor = anchor;
      c.top = r == b0 ? U"┌" + ustr(iw, U'─') + U"┐" : inner(U'│', U'│');
      c.bot = r == b1 ? U"└" + ustr(iw, U'─') + U"┘" : inner(U'│', U'│');
      if (r == b0 && up(r) != Line::None) c.top[anchor] = U'┴';
      if (r == b1 && down(r) != Line::None) c.bot[anchor] = down(r) == Line::Double ? U'╥' : U'┬';
      auto t = std::find(targets.begin(), targets.end(), r);
      if (t != targets.end()) {
        c.mid = inner(U'┤', U'├');
        ustr idx = u32(std::to_string(t - targets.begin()));
        std::copy(idx.begin(), idx.end(), c.mid.begin() + 1);
      } else if (p.cells.count(r)) {  // a control inside the box
        c.mid = inner(U'┤', U'├');
        c.mid[1] = U'■';
      } else {
        c.mid = inner(U'│', U'│');
      }
      // The label goes on the middle text line of the box's 2k+1 lines.
      ustr* line = nullptr;
      if (k % 2 == 1 && r == b0 + k / 2) line = &c.mid;
      if (k % 2 == 0 && r == b0 + k / 2 - 1) line = &c.bot;
      if (line) std::copy(l.begin(), l.end(), line->begin() + 1 + (iw - static_cast<int>(l.size())) / 2);
      p.cells[r] = c;
    }
  }

  //===- Layout and rendering -----------------------------------------===//

  void layout(int rows) {
    std::vector<int> next(rows, 0);
    for (std::size_t i = 0; i < pieces_.size(); ++i) {
      const Piece& p = pieces_[i];
      const int last = std::max(p.hi, p.hold);
      int col = 0;
      for (int r = p.lo; r <= last; ++r) col = std::max(col, next[r]);
      for (int r = p.lo; r <= last; ++r) next[r] = col + 1;
      if (static_cast<int>(columns_.size()) <= col) columns_.resize(col + 1);
      columns_[col].push_back(i);
    }
  }

  static char32_t merge(char32_t a, char32_t b) {
    if (a == U' ') return b;
    if (b == U' ' || a == b) return a;
    static const std::map<std::pair<char32_t, char32_t>, char32_t> table = {
        {{U'└', U'┌'}, U'├'}, {{U'┘', U'┐'}, U'┤'}, {{U'└', U'─'}, U'┴'}, {{U'┘', U'─'}, U'┴'},
        {{U'─', U'┌'}, U'┬'}, {{U'─', U'┐'}, U'┬'}, {{U'┬', U'┴'}, U'┼'}, {{U'│', U'┴'}, U'┴'},
        {{U'┬', U'│'}, U'┬'}, {{U'╥', U'║'}, U'╥'}, {{U'║', U'╨'}, U'╨'}, {{U'─', U'┴'}, U'┴'},
        {{U'┬', U'─'}, U'┬'}, {{U'└', U'│'}, U'├'}, {{U'┘', U'│'}, U'┤'}, {{U'│', U'┌'}, U'├'},
        {{U'│', U'┐'}, U'┤'}, {{U'─', U'│'}, U'┴'}, {{U'│', U'─'}, U'┬'}, {{U'╥', U'╨'}, U'║'},
    };
    auto it = table.find({a, b});
    return it == table.end() ? a : it->second;
  }

  std::string render(int rows) {
    const int nq = static_cast<int>(c_.num_qubits);
    // Per column: three lines per row.
    struct Column {
      std::vector<ustr> top, mid, bot;
      int width = 0;
    };
    std::vector<Column> cols;
    for (const auto& members : columns_) {
      Column col;
      int anchor = 0, right = 0;
      for (std::size_t i : members)
        for (const auto& [r, cell] : pieces_[i].cells) {
          anchor = std::max(anchor, cell.anchor);
          right = std::max(right, cell.width() - cell.anchor);
        }
      col.width = anchor + right;
      for (int r = 0; r < rows; ++r) {
        const char32_t wire = r < nq ? U'─' : U'═';
        col.top.emplace_back(col.width, U' ');
        col.mid.emplace_back(col.width, wire);
        col.bot.emplace_back(col.width, U' ');
      }
      for (std::size_t i : members)
        for (const auto& [r, cell] : pieces_[i].cells) {
          const int left = anchor - cell.anchor;
          std::copy(cell.top.begin(), cell.top.end(), col.top[r].begin() + left);
          std::copy(cell.mid.begin(), cell.mid.end(), col.mid[r].begin() + left);
          std::copy(cell.bot.begin(), cell.bot.end(), col.bot[r].begin() + left);
        }
      cols.push_back(std::move(col));
    }

    std::vector<ustr> labels;
    for (int r = 0; r < rows; ++r) {
      if (r < nq) {
        labels.push_back(u32(qubit_label(static_cast<uint32_t>(r)) + ": "));
      } else {
        const Register& reg = cregs_[r - nq];
        labels.push_back(u32(reg.name + ": " + (reg.is_array ? std::to_string(reg.size) + "/" : "")));
      }
    }
    std::size_t label_width = 0;
    for (const auto& l : labels) label_width = std::max(label_width, l.size());
    for (auto& l : labels) l = ustr(label_width - l.size(), U' ') + l;

    // Blocks of columns that fit max_width.
    std::vector<std::pair<std::size_t, std::size_t>> blocks;
    if (max_width_ <= 0) {
      blocks.push_back({0, cols.size()});
    } else {
      std::size_t start = 0;
      do {
        const int prefix = static_cast<int>(label_width) + (start > 0 ? 1 : 0);
        int used = prefix;
        std::size_t end = start;
        while (end < cols.size()) {
          const bool last = end + 1 == cols.size();
          // The block ends with one wire character or `»`.
          if (end > start && used + cols[end].width + 1 > max_width_) break;
          used += cols[end].width;
          ++end;
          if (last) break;
        }
        blocks.push_back({start, end});
        start = end;
      } while (start < cols.size());
    }

    std::string out;
    for (std::size_t bi = 0; bi < blocks.size(); ++bi) {
      const auto [from, to] = blocks[bi];
      const bool more = bi + 1 < blocks.size();
      const bool cont = bi > 0;
      std::vector<ustr> top(rows), mid(rows), bot(rows);
      for (int r = 0; r < rows; ++r) {
        const char32_t wire = r < nq ? U'─' : U'═';
        ustr pad(label_width, U' ');
        top[r] = pad;
        mid[r] = labels[r];
        bot[r] = pad;
        for (std::size_t k = from; k < to; ++k) {
          top[r] += cols[k].top[r];
          mid[r] += cols[k].mid[r];
          bot[r] += cols[k].bot[r];
        }
        top[r] += more ? U'»' : U' ';
        mid[r] += more ? U'»' : wire;
        bot[r] += more ? U'»' : U' ';
        if (cont) {
          top[r] = U'«' + top[r];
          mid[r] = U'«' + mid[r];
          bot[r] = U'«' + bot[r];
        }
      }
      std::vector<ustr> lines;
      lines.push_back(top[0]);
      for (int r = 0; r < rows; ++r) {
        lines.push_back(mid[r]);
        if (r + 1 < rows) {
          bool meet = false;  // a `╥` over the `╨` of a box on a classical wire
          for (std::size_t i = 0; i < bot[r].size() && i < top[r + 1].size(); ++i)
            meet = meet || (bot[r][i] == U'╥' && top[r + 1][i] == U'╨');
          if (meet) {
            lines.push_back(bot[r]);
            lines.push_back(top[r + 1]);
            continue;
          }
          ustr m = bot[r];
          for (std::size_t i = 0; i < m.size(); ++i) m[i] = merge(bot[r][i], top[r + 1][i]);
          lines.push_back(m);
        } else {
          lines.push_back(bot[r]);
        }
      }
      if (bi > 0) out += "\n";
      for (auto& l : lines) {
        while (!l.empty() && l.back() == U' ') l.pop_back();
        out += utf8(l) + "\n";
      }
    }
    return out;
  }

  const Circuit& c_;
  int max_width_;
  std::vector<std::string> names_;
  std::vector<Register> qregs_, cregs_;
  std::vector<Piece> pieces_;
  std::vector<std::vector<std::size_t>> columns_;
};

}  // namespace

std::string draw_text(const Circuit& c, int max_width) { return Drawer(c, max_width).run(); }

}  // namespace qforge
