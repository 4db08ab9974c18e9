// The circuit diagram (draw.hpp: draw_svg, draw_png): a layout in the style
// of Qiskit's matplotlib drawer, made of a few primitives that are written as
// SVG text or painted with cairo.
#include "qforge/draw.hpp"
#include "qforge/emit.hpp"

#include "draw_labels.hpp"

#include "qforge/gates.hpp"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace qforge {
namespace {

using G = GateId;

// ---------------------------------------------------------------- labels
// (the text drawer's, draw_text.cpp)

std::string expr_text(const Expr& e, const std::vector<std::string>& names) {
  return detail::draw_expr(e, names, 4);
}

std::string gate_label(GateId g) { return std::string(gate_info(g).figure_label); }

/// Box colour (fill, text) by gate family, after Qiskit's default style.
std::pair<const char*, const char*> gate_colors(GateId g) {
  switch (gate_info(g).family) {
    case DrawFamily::Hadamard: return {"#FA4D56", "#000000"};
    case DrawFamily::Pauli: return {"#05BAB6", "#000000"};
    case DrawFamily::Phase: return {"#33B1FF", "#000000"};
    case DrawFamily::Rotation: return {"#9F1853", "#FFFFFF"};
    case DrawFamily::Other: break;
  }
  return {"#6929C4", "#FFFFFF"};
}

std::size_t text_len(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char ch : s) n += (ch & 0xc0) != 0x80;
  return n;
}
double text_width(const std::string& s, double size) { return 0.62 * size * double(text_len(s)); }

std::string subscript(unsigned k) {
  static const char* d[] = {"₀", "₁", "₂", "₃", "₄", "₅", "₆", "₇", "₈", "₉"};
  std::string s = std::to_string(k), o;
  for (char ch : s) o += d[ch - '0'];
  return o;
}

// ---------------------------------------------------------------- primitives

struct Prim {
  enum Kind { Rect, Line, Circle, Text, Arc } kind = Rect;
  double x = 0, y = 0, w = 0, h = 0;   // Rect: corner + size; Line: x,y -> w,h (end); Circle/Arc: centre, w = r
  std::string fill, stroke;            // "" = none
  double lw = 1;
  bool dashed = false;
  std::string text;                    // Text: centred at (x, y)
  double size = 13;
  bool left = false;                   // Text: anchored at its left end
};

struct Diagram {
  double width = 0, height = 0;
  std::vector<Prim> prims;

  void rect(double x, double y, double w, double h, const std::string& fill, const std::string& stroke, double lw = 1) {
    Prim p;
    p.kind = Prim::Rect;
    p.x = x; p.y = y; p.w = w; p.h = h; p.fill = fill; p.stroke = stroke; p.lw = lw;
    prims.push_back(p);
  }
  void line(double x1, double y1, double x2, double y2, const std::string& stroke, double lw = 1.3, bool dashed = false) {
    Prim p;
    p.kind = Prim::Line;
    p.x = x1; p.y = y1; p.w = x2; p.h = y2; p.stroke = stroke; p.lw = lw; p.dashed = dashed;
    prims.push_back(p);
  }
  void circle(double x, double y, double r, const std::string& fill, const std::string& stroke, double lw = 1.3) {
    Prim p;
    p.kind = Prim::Circle;
    p.x = x; p.y = y; p.w = r; p.fill = fill; p.stroke = stroke; p.lw = lw;
    prims.push_back(p);
  }
  void arc(double x, double y, double r, const std::string& stroke, double lw = 1.3) {
    Prim p;
    p.kind = Prim::Arc;
    p.x = x; p.y = y; p.w = r; p.stroke = stroke; p.lw = lw;
    prims.push_back(p);
  }
  void text(double x, double y, const std::string& s, double size, const std::string& color, bool left = false) {
    Prim p;
    p.kind = Prim::Text;
    p.x = x; p.y = y; p.text = s; p.size = size; p.fill = color; p.left = left;
    prims.push_back(p);
  }
};

constexpr double kRow = 62, kBoxH = 40, kTop = 34, kGap = 16, kName = 14, kParam = 10.5;
const char* kWire = "#000000";
const char* kCtrl = "#002D9C";

struct Placed {
  const detail::DrawItem* item;
  int col;
};

Diagram layout(const Circuit& c) {
  Diagram d;
  const auto qregs = wire_registers(c, true);
  const auto cregs = c.num_clbits ? wire_registers(c, false) : std::vector<Register>{};
  const unsigned nq = c.num_qubits;
  const int nrows = int(nq + cregs.size());
  std::vector<std::string> names = c.symbol_names();
  auto qname = [&](unsigned q) {
    for (const auto& r : qregs)
      if (q >= r.first && q < r.first + r.size) return r.is_array ? r.name + subscript(q - r.first) : r.name;
    return "q" + subscript(q);
  };
  auto creg_row = [&](uint32_t bit, uint32_t* index) {
    for (std::size_t k = 0; k < cregs.size(); ++k)
      if (bit >= cregs[k].first && bit < cregs[k].first + cregs[k].size) {
        if (index) *index = bit - cregs[k].first;
        return int(nq + k);
      }
    return int(nq);
  };
  auto row_y = [&](int row) { return kTop + 20 + row * kRow; };

  // Place operations in columns and measure each column.
  std::vector<int> next(std::size_t(std::max(nrows, 1)), 0);
  std::vector<Placed> placed;
  std::vector<double> col_w;
  auto mark_row = [&](const detail::CondMark& m) { return int(nq + m.reg); };
  // A box of run-time classical logic: its qubit rows (the enclosing
  // block's when it has none), then the register rows it marks or holds.
  auto box_rows = [&](const detail::DrawItem& it, int& lo, int& hi, int& qhi) {
    lo = it.span.first;
    hi = it.span.second;
    if (!it.qubits.empty()) {
      lo = int(*std::min_element(it.qubits.begin(), it.qubits.end()));
      hi = int(*std::max_element(it.qubits.begin(), it.qubits.end()));
    }
    qhi = hi;
    for (auto b : it.reach) hi = std::max(hi, creg_row(b, nullptr));
    for (const auto& m : it.marks) hi = std::max(hi, mark_row(m));
    if (qhi < lo) lo = qhi = hi;  // no qubits: on its register's row
  };
  // An operation's rows, with those of its condition's marks.
  auto op_rows = [&](const Operation& op, int& lo, int& hi) {
    lo = nrows; hi = -1;
    for (auto q : op.qubits) lo = std::min(lo, int(q)), hi = std::max(hi, int(q));
    if (op.kind == OpKind::Measure)
      for (auto b : op.clbits) hi = std::max(hi, creg_row(b, nullptr));
    if (op.kind == OpKind::Barrier && op.qubits.empty()) lo = 0, hi = int(nq) - 1;
    if (hi >= lo)
      for (const auto& m : detail::condition_marks(cregs, op.conditions)) hi = std::max(hi, mark_row(m));
  };
  auto expr_label = [&](const CExpr& e) {
    return detail::draw_cexpr(e, [&](const std::vector<uint32_t>& b) { return detail::draw_bits(cregs, b); }, c.vars);
  };
  auto label_of = [&](const Operation& op, std::string& name, std::string& params) {
    params.clear();
    if (op.kind == OpKind::Measure) { name = ""; return; }
    if (op.kind == OpKind::Reset) { name = "|0⟩"; return; }
    if (op.kind == OpKind::Delay) {
      name = "Delay";
      if (!op.params.empty()) params = expr_text(op.params[0], names) + op.delay_unit;
      return;
    }
    const auto& info = gate_info(op.gate);
    GateId base = info.num_controls ? info.base : op.gate;
    if (op.gate == G::CU1) base = G::U1;
    name = gate_label(base);
    for (std::size_t i = 0; i < op.params.size(); ++i) params += (i ? ", " : "") + expr_text(op.params[i], names);
    if (op.kind == OpKind::RuntimeGate)  // parameters computed at run time
      for (std::size_t i = 0; i < op.classical->cparams.size(); ++i)
        params += (i ? ", " : "") +
                  expr_label(op.classical->cparams[i]);
  };
  const auto items = detail::draw_items(c, cregs, expr_label);
  // Width a column needs for the texts of `marks` under the wires.
  auto marks_w = [&](const std::vector<detail::CondMark>& marks) {
    double w = 0;
    for (const auto& m : marks)
      if (!m.bullet) w = std::max(w, text_width(m.text, kParam) + 10);
    return w;
  };
  for (const auto& it : items) {
    int lo, hi, qhi;
    if (!it.op) {
      box_rows(it, lo, hi, qhi);
      if (hi < lo) continue;
      int col = 0;
      for (int r = lo; r <= hi; ++r) col = std::max(col, next[r]);
      for (int r = lo; r <= hi; ++r) next[r] = col + 1;
      if (int(col_w.size()) <= col) col_w.resize(col + 1, 0.0);
      col_w[col] = std::max({col_w[col], 44.0, text_width(it.label, kName) + 18, marks_w(it.marks)});
      placed.push_back({&it, col});
      continue;
    }
    const Operation& op = *it.op;
    op_rows(op, lo, hi);
    if (hi < lo) continue;
    int col = 0;
    for (int r = lo; r <= hi; ++r) col = std::max(col, next[r]);
    for (int r = lo; r <= hi; ++r) next[r] = col + 1;
    if (int(col_w.size()) <= col) col_w.resize(col + 1, 0.0);
    std::string name, params;
    label_of(op, name, params);
    double w = std::max({44.0, text_width(name, kName) + 18, text_width(params, kParam) + 14});
    if (op.kind == OpKind::Barrier) w = 18;
    w = std::max(w, marks_w(detail::condition_marks(cregs, op.conditions)));
    col_w[col] = std::max(col_w[col], w);
    placed.push_back({&it, col});
  }
  // Wire labels.
  double label_w = 30;
  for (unsigned q = 0; q < nq; ++q) label_w = std::max(label_w, text_width(qname(q), 15) + 16);
  for (const auto& r : cregs) label_w = std::max(label_w, text_width(r.name, 15) + 16);
  std::vector<double> col_x(col_w.size());
  double x = label_w + 26;
  for (std::size_t k = 0; k < col_w.size(); ++k) {
    col_x[k] = x + col_w[k] / 2;
    x += col_w[k] + kGap;
  }
  d.width = x + 20;
  d.height = row_y(nrows - 1) + kRow / 2 + 4;
  if (nrows == 0) d.height = kTop + 40;
  d.rect(0, 0, d.width, d.height, "#FFFFFF", "");
  // Wires.
  for (unsigned q = 0; q < nq; ++q) {
    d.line(label_w + 6, row_y(q), d.width - 12, row_y(q), kWire, 1.1);
    d.text(label_w - 2, row_y(q), qname(q), 15, "#000000");
  }
  for (std::size_t k = 0; k < cregs.size(); ++k) {
    double y = row_y(int(nq + k));
    d.line(label_w + 6, y - 2, d.width - 12, y - 2, "#778899", 1);
    d.line(label_w + 6, y + 2, d.width - 12, y + 2, "#778899", 1);
    d.text(label_w - 2, y, cregs[k].name, 15, "#000000");
    d.line(label_w + 16, y + 7, label_w + 24, y - 7, "#778899", 1);
    d.text(label_w + 28, y - 12, std::to_string(cregs[k].size), 10, "#000000");
  }
  // Text labels sit right-aligned to label_w: emulate by shifting.
  for (auto& p : d.prims)
    if (p.kind == Prim::Text && p.size == 15) p.x -= text_width(p.text, 15) / 2;

  auto gate_box = [&](double cx, double y0, double y1, double w, GateId g, const std::string& name,
                      const std::string& params) {
    auto [fill, fg] = gate_colors(g);
    d.rect(cx - w / 2, y0 - kBoxH / 2, w, (y1 - y0) + kBoxH, fill, "");
    double cy = (y0 + y1) / 2;
    if (params.empty()) {
      d.text(cx, cy, name, kName, fg);
    } else {
      d.text(cx, cy - 7, name, kName, fg);
      d.text(cx, cy + 9, params, kParam, fg);
    }
  };
  // A condition's marks as Qiskit's matplotlib drawer draws them: a double
  // line from y0 (the bottom of the operation) down to the lowest mark, a
  // circle on each register's wire (filled when the value is not 0), and a
  // box mark's text under its circle.
  auto draw_marks = [&](double cx, double y0, const std::vector<detail::CondMark>& marks) {
    if (marks.empty()) return;
    const double y1 = row_y(mark_row(marks.back()));
    d.line(cx - 2, y0, cx - 2, y1, "#778899", 1);
    d.line(cx + 2, y0, cx + 2, y1, "#778899", 1);
    for (const auto& m : marks) {
      const double y = row_y(mark_row(m));
      d.circle(cx, y, 6, m.filled ? "#778899" : "#FFFFFF", "#778899", 1.3);
      if (!m.bullet) d.text(cx, y + 17, m.text, kParam, "#000000");
    }
  };
  for (const auto& pl : placed) {
    const double cx = col_x[pl.col], w = col_w[pl.col];
    if (!pl.item->op) {
      // A control-flow marker or classical box: a pale box over its qubit
      // rows (a bar on its closed sides), its marks on the registers it
      // tests, reads or writes.
      const detail::DrawItem& it = *pl.item;
      int lo, hi, qhi;
      box_rows(it, lo, hi, qhi);
      draw_marks(cx, row_y(qhi), it.marks);
      const double y0 = row_y(lo) - kBoxH / 2, h = row_y(qhi) - row_y(lo) + kBoxH;
      d.rect(cx - w / 2, y0, w, h, "#DDE8F7", "");
      if (it.left) d.line(cx - w / 2, y0, cx - w / 2, y0 + h, kCtrl, 2);
      if (it.right) d.line(cx + w / 2, y0, cx + w / 2, y0 + h, kCtrl, 2);
      d.text(cx, row_y(lo), it.label, kName, "#000000");
      continue;
    }
    const Operation& op = *pl.item->op;
    int lo, hi;
    op_rows(op, lo, hi);
    std::string name, params;
    label_of(op, name, params);
    int ghi = lo;
    for (auto q : op.qubits) ghi = std::max(ghi, int(q));
    draw_marks(cx, row_y(ghi), detail::condition_marks(cregs, op.conditions));
    if (op.kind == OpKind::Barrier) {
      d.rect(cx - 6, row_y(lo) - kRow / 2 + 6, 12, row_y(hi) - row_y(lo) + kRow - 12, "#DDDDDD", "");
      d.line(cx, row_y(lo) - kRow / 2 + 6, cx, row_y(hi) + kRow / 2 - 6, "#000000", 1.3, true);
      continue;
    }
    if (op.kind == OpKind::Measure) {
      for (std::size_t i = 0; i < op.qubits.size(); ++i) {
        double y = row_y(int(op.qubits[i]));
        uint32_t idx = 0;
        int cr = creg_row(i < op.clbits.size() ? op.clbits[i] : 0, &idx);
        double yc = row_y(cr);
        d.line(cx - 2, y, cx - 2, yc - 8, "#778899", 1);
        d.line(cx + 2, y, cx + 2, yc - 8, "#778899", 1);
        d.text(cx, yc - 6, "▼", 10, "#778899");
        d.text(cx + 12, yc + 13, std::to_string(idx), 10, "#000000");
        d.rect(cx - 22, y - kBoxH / 2, 44, kBoxH, "#A8A8A8", "");
        d.arc(cx, y + 9, 13, "#000000", 1.5);
        d.line(cx, y + 9, cx + 10, y - 11, "#000000", 1.5);
      }
      continue;
    }
    if (op.kind == OpKind::Reset || op.kind == OpKind::Delay) {
      for (auto q : op.qubits) {
        double y = row_y(int(q));
        d.rect(cx - w / 2, y - kBoxH / 2, w, kBoxH, op.kind == OpKind::Reset ? "#000000" : "#DDDDDD", "");
        d.text(cx, params.empty() ? y : y - 7, name, kName, op.kind == OpKind::Reset ? "#FFFFFF" : "#000000");
        if (!params.empty()) d.text(cx, y + 9, params, kParam, "#000000");
      }
      continue;
    }
    const auto& info = gate_info(op.gate);
    const unsigned nctrl = op.num_controls + info.num_controls;
    GateId base = info.num_controls ? info.base : op.gate;
    std::vector<unsigned> ctrls(op.qubits.begin(), op.qubits.begin() + std::min<std::size_t>(nctrl, op.qubits.size()));
    std::vector<unsigned> targets(op.qubits.begin() + std::min<std::size_t>(nctrl, op.qubits.size()), op.qubits.end());
    if (nctrl > 0 || base == G::Swap || targets.size() > 1)
      d.line(cx, row_y(lo), cx, row_y(hi), kCtrl, 2);
    for (auto q : ctrls) d.circle(cx, row_y(int(q)), 6.5, kCtrl, "");
    if (nctrl > 0 && base == G::X) {
      for (auto q : targets) {
        double y = row_y(int(q));
        d.circle(cx, y, 14, kCtrl, "");
        d.line(cx - 8, y, cx + 8, y, "#FFFFFF", 2);
        d.line(cx, y - 8, cx, y + 8, "#FFFFFF", 2);
      }
    } else if (nctrl > 0 && base == G::Z) {
      for (auto q : targets) d.circle(cx, row_y(int(q)), 6.5, kCtrl, "");
    } else if (base == G::Swap) {
      for (auto q : targets) {
        double y = row_y(int(q));
        d.line(cx - 8, y - 8, cx + 8, y + 8, kCtrl, 2.2);
        d.line(cx - 8, y + 8, cx + 8, y - 8, kCtrl, 2.2);
      }
    } else if (!targets.empty()) {
      int tlo = int(*std::min_element(targets.begin(), targets.end()));
      int thi = int(*std::max_element(targets.begin(), targets.end()));
      std::string nm = name;
      if (op.gate == G::CU1) nm = "U1";
      gate_box(cx, row_y(tlo), row_y(thi), w, nctrl ? base : op.gate, nm, params);
    }
  }
  return d;
}

std::string xml(const std::string& s) {
  std::string o;
  for (char ch : s) {
    if (ch == '<') o += "&lt;";
    else if (ch == '>') o += "&gt;";
    else if (ch == '&') o += "&amp;";
    else if (ch == '"') o += "&quot;";
    else o += ch;
  }
  return o;
}

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", v);
  std::string s = b;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

void set_rgb(cairo_t* cr, const std::string& hex) {
  unsigned v = unsigned(std::stoul(hex.substr(1), nullptr, 16));
  cairo_set_source_rgb(cr, ((v >> 16) & 255) / 255.0, ((v >> 8) & 255) / 255.0, (v & 255) / 255.0);
}

cairo_status_t append_png(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

std::string draw_svg(const Circuit& c) {
  Diagram d = layout(c);
  std::string s;
  s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(d.width) + "\" height=\"" + num(d.height) +
       "\" viewBox=\"0 0 " + num(d.width) + " " + num(d.height) + "\" font-family=\"DejaVu Sans, Helvetica, sans-serif\">\n";
  for (const auto& p : d.prims) {
    std::string fill = p.fill.empty() ? "none" : p.fill;
    std::string stroke = p.stroke.empty() ? "" : " stroke=\"" + p.stroke + "\" stroke-width=\"" + num(p.lw) + "\"";
    switch (p.kind) {
      case Prim::Rect:
        s += "<rect x=\"" + num(p.x) + "\" y=\"" + num(p.y) + "\" width=\"" + num(p.w) + "\" height=\"" + num(p.h) +
             "\" fill=\"" + fill + "\"" + stroke + "/>\n";
        break;
      case Prim::Line:
        s += "<line x1=\"" + num(p.x) + "\" y1=\"" + num(p.y) + "\" x2=\"" + num(p.w) + "\" y2=\"" + num(p.h) +
             "\"" + stroke + (p.dashed ? " stroke-dasharray=\"5,3\"" : "") + "/>\n";
        break;
      case Prim::Circle:
        s += "<circle cx=\"" + num(p.x) + "\" cy=\"" + num(p.y) + "\" r=\"" + num(p.w) + "\" fill=\"" + fill +
             "\"" + stroke + "/>\n";
        break;
      case Prim::Arc:
        s += "<path d=\"M " + num(p.x - p.w) + " " + num(p.y) + " A " + num(p.w) + " " + num(p.w) + " 0 0 1 " +
             num(p.x + p.w) + " " + num(p.y) + "\" fill=\"none\"" + stroke + "/>\n";
        break;
      case Prim::Text:
        s += "<text x=\"" + num(p.x) + "\" y=\"" + num(p.y + 0.36 * p.size) + "\" font-size=\"" + num(p.size) +
             "\" text-anchor=\"" + (p.left ? "start" : "middle") + "\" fill=\"" + fill + "\">" + xml(p.text) +
             "</text>\n";
        break;
    }
  }
  s += "</svg>\n";
  return s;
}

std::string draw_png(const Circuit& c, double scale) {
  Diagram d = layout(c);
  const int W = std::max(1, int(std::ceil(d.width * scale))), H = std::max(1, int(std::ceil(d.height * scale)));
  cairo_surface_t* surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
  cairo_t* cr = cairo_create(surf);
  cairo_scale(cr, scale, scale);
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  for (const auto& p : d.prims) {
    cairo_new_path(cr);
    switch (p.kind) {
      case Prim::Rect:
        cairo_rectangle(cr, p.x, p.y, p.w, p.h);
        break;
      case Prim::Line:
        cairo_move_to(cr, p.x, p.y);
        cairo_line_to(cr, p.w, p.h);
        break;
      case Prim::Circle:
        cairo_arc(cr, p.x, p.y, p.w, 0, 2 * M_PI);
        break;
      case Prim::Arc:
        cairo_arc(cr, p.x, p.y, p.w, M_PI, 2 * M_PI);
        break;
      case Prim::Text: {
        cairo_set_font_size(cr, p.size);
        cairo_text_extents_t e;
        cairo_text_extents(cr, p.text.c_str(), &e);
        double x = p.left ? p.x : p.x - (e.width / 2 + e.x_bearing);
        cairo_move_to(cr, x, p.y + 0.36 * p.size);
        set_rgb(cr, p.fill);
        cairo_show_text(cr, p.text.c_str());
        continue;
      }
    }
    if (!p.fill.empty() && p.kind != Prim::Line && p.kind != Prim::Arc) {
      set_rgb(cr, p.fill);
      if (p.stroke.empty()) cairo_fill(cr);
      else cairo_fill_preserve(cr);
    }
    if (!p.stroke.empty()) {
      set_rgb(cr, p.stroke);
      cairo_set_line_width(cr, p.lw);
      if (p.dashed) {
        const double dash[] = {5, 3};
        cairo_set_dash(cr, dash, 2, 0);
      } else {
        cairo_set_dash(cr, nullptr, 0, 0);
      }
      cairo_stroke(cr);
    }
  }
  std::string png;
  cairo_surface_flush(surf);
  cairo_status_t st = cairo_surface_write_to_png_stream(surf, append_png, &png);
  cairo_destroy(cr);
  cairo_surface_destroy(surf);
  if (st != CAIRO_STATUS_SUCCESS)
    throw std::runtime_error(std::string("cairo: ") + cairo_status_to_string(st));
  return png;
}

}  // namespace qforge
