// `qforge report` (report.hpp): reading run folders, the charts (gnuplot
// scripts, plot.hpp) and the HTML page. Torch-free; analyse_run is in
// report_torch.cpp.
#include "qforge/models/report.hpp"

#include "qforge/models/plot.hpp"
#include "qforge/models/stats.hpp"

#include "files.hpp"
#include "run_files.hpp"

#include "qforge/draw.hpp"
#include "qforge/frontend.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

namespace qforge::models {

// ------------------------------------------------------------------ files

namespace {

using files::is_dir;
using files::is_file;
using files::list_dir;
using files::make_dirs;
using files::parent_dir;
using files::read_text;
// Report files are written whole, like every output of qforge.
void write_file(const std::string& path, const std::string& content) { files::write_atomic(path, content); }
std::string base_name(std::string d) {
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  auto k = d.rfind('/');
  return k == std::string::npos ? d : d.substr(k + 1);
}

std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

std::string fmt(const char* f, double v) {
  if (!std::isfinite(v)) return "—";
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

}  // namespace

std::vector<EpochMetrics> parse_metrics_csv(const std::string& text) {
  std::vector<EpochMetrics> h;
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  // Columns after the base ones, by header name (the ideal numbers of a noisy
  // run); a file without a header name for them leaves them NaN.
  std::vector<double EpochMetrics::*> extra;
  const std::size_t columns = 1 + run_files::kEpochFields.size();
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (lineno == 1) {
      std::stringstream ss(line);
      std::size_t col = 0;
      for (std::string name; std::getline(ss, name, ','); ++col) {
        if (col < columns) continue;
        double EpochMetrics::*field = nullptr;
        for (const auto& f : run_files::kIdealFields)
          if (name == f.name) field = f.value;
        extra.push_back(field);
      }
      continue;
    }
    if (line.empty()) continue;
    std::vector<double> v;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) {
      char* end = nullptr;
      double d = std::strtod(cell.c_str(), &end);
      if (end == cell.c_str()) throw std::runtime_error("metrics.csv line " + std::to_string(lineno) + ": bad number '" + cell + "'");
      v.push_back(d);
    }
    if (v.size() < columns)
      throw std::runtime_error("metrics.csv line " + std::to_string(lineno) + ": expected " +
                               std::to_string(columns) + " columns");
    EpochMetrics m;
    m.epoch = int(v[0]);
    for (std::size_t k = 0; k + 1 < columns; ++k) m.*run_files::kEpochFields[k].value = v[k + 1];
    for (std::size_t k = 0; k < extra.size() && columns + k < v.size(); ++k)
      if (extra[k]) m.*extra[k] = v[columns + k];
    h.push_back(m);
  }
  return h;
}

RunRecord read_run(const std::string& dir) {
  RunRecord r;
  r.dir = dir;
  while (r.dir.size() > 1 && r.dir.back() == '/') r.dir.pop_back();
  if (!is_file(r.dir + "/metrics.csv"))
    throw std::runtime_error("'" + dir + "' is not a run folder (no metrics.csv)");
  r.history = parse_metrics_csv(read_text(r.dir + "/metrics.csv"));
  if (is_file(r.dir + "/config.txt"))
    apply_config_text(r.config, read_text(r.dir + "/config.txt"), r.dir + "/config.txt");
  r.model = r.config.model;
  if (is_file(r.dir + "/metrics.json")) {
    auto m = run_files::read_metrics_json(read_text(r.dir + "/metrics.json"), r.dir + "/metrics.json");
    r.class_names = std::move(m.class_names);
    r.parameters = m.parameters;
  }
  if (is_file(r.dir + "/test_images.txt")) {
    std::istringstream in(read_text(r.dir + "/test_images.txt"));
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream ls(line);
      int pos;
      std::size_t src;
      if (ls >> pos >> src) {
        r.fixed_test_positions.push_back(pos);
        r.fixed_test_sources.push_back(src);
      }
    }
  }
  for (const auto& n : list_dir(r.dir)) {
    // epoch_NNN.pt (epoch_checkpoint_file) for NNN = 1..999
    const int e = n.size() == 12 && n.rfind("epoch_", 0) == 0 ? std::atoi(n.substr(6, 3).c_str()) : 0;
    if (e > 0 && n == epoch_checkpoint_file(e)) r.epoch_checkpoints.push_back(e);
  }
  std::sort(r.epoch_checkpoints.begin(), r.epoch_checkpoints.end());
  if (is_file(r.dir + "/circuit.qasm")) r.circuit_file = r.dir + "/circuit.qasm";
  if (is_file(r.dir + "/device.json")) r.device_json = read_text(r.dir + "/device.json");
  return r;
}

namespace {

/// The run folders under `dir` at any depth (a run's own sub-folders are not
/// searched), each level in the order of an experiment's table.
void find_runs(const std::string& dir, std::vector<std::string>& out) {
  static const std::vector<std::string> order = {"lcqhnn", "cnn-4", "cnn-8", "cnn-16", "hybrid-cnn", "cnn-twin"};
  auto rank = [&](const std::string& n) { return std::find(order.begin(), order.end(), n) - order.begin(); };
  auto names = list_dir(dir);
  std::stable_sort(names.begin(), names.end(),
                   [&](const std::string& x, const std::string& y) { return rank(x) < rank(y); });
  for (const auto& n : names) {
    const std::string sub = dir + "/" + n;
    if (is_file(sub + "/metrics.csv")) out.push_back(sub);
    else if (is_dir(sub)) find_runs(sub, out);
  }
}

}  // namespace

std::vector<std::string> expand_run_dirs(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const auto& a : args) {
    if (is_file(a + "/metrics.csv")) {
      out.push_back(a);
      continue;
    }
    if (!is_dir(a)) throw std::runtime_error("no such folder '" + a + "'");
    const std::size_t before = out.size();
    find_runs(a, out);
    if (out.size() == before)
      throw std::runtime_error("'" + a + "' holds no run (no metrics.csv in it or any folder below it)");
  }
  return out;
}

std::string markdown_to_html(const std::string& md) {
  std::ostringstream o;
  std::istringstream in(md);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  auto cells = [](const std::string& l) {
    std::vector<std::string> c;
    std::string t = l;
    while (!t.empty() && (t.back() == ' ' || t.back() == '\r')) t.pop_back();
    std::size_t a = t.find('|');
    if (a == std::string::npos) return c;
    std::string cur;
    for (std::size_t i = a + 1; i < t.size(); ++i) {
      if (t[i] == '|') {
        auto s = cur;
        while (!s.empty() && s.front() == ' ') s.erase(0, 1);
        while (!s.empty() && s.back() == ' ') s.pop_back();
        c.push_back(s);
        cur.clear();
      } else {
        cur += t[i];
      }
    }
    return c;
  };
  std::size_t i = 0;
  std::string para;
  auto flush = [&]() {
    if (!para.empty()) o << "<p>" << para << "</p>\n";
    para.clear();
  };
  while (i < lines.size()) {
    const auto& l = lines[i];
    if (!l.empty() && l[0] == '|') {
      flush();
      o << "<table class=\"data\">\n";
      bool head = true;
      for (; i < lines.size() && !lines[i].empty() && lines[i][0] == '|'; ++i) {
        auto c = cells(lines[i]);
        bool sep = !c.empty() && std::all_of(c.begin(), c.end(), [](const std::string& s) {
          return !s.empty() && s.find_first_not_of("-: ") == std::string::npos;
        });
        if (sep) { head = false; continue; }
        o << "<tr>";
        for (const auto& s : c) o << (head ? "<th>" : "<td>") << html_escape(s) << (head ? "</th>" : "</td>");
        o << "</tr>\n";
      }
      o << "</table>\n";
      continue;
    }
    if (l.empty()) flush();
    else para += (para.empty() ? "" : "<br>\n") + html_escape(l);
    ++i;
  }
  flush();
  return o.str();
}

// ------------------------------------------------------------------ figures

namespace {

struct Model {
  RunRecord run;
  RunAnalysis an;
  bool analysed = false;
  std::string label;  // display name
  int color = 0;
};

std::string display_name(const std::string& m) {
  static const std::map<std::string, std::string> names = {
      {"lcqhnn", "LCQHNN"}, {"cnn-4", "CNN-4"}, {"cnn-8", "CNN-8"}, {"cnn-16", "CNN-16"},
      {"hybrid-cnn", "Hybrid CNN"}, {"cnn-twin", "Classical twin"}};
  auto it = names.find(m);
  return it == names.end() ? m : it->second;
}

std::string rgb_int(const std::string& hex) {  // "#rrggbb" -> decimal for `lc rgb variable`
  return std::to_string(std::stol(hex.substr(1), nullptr, 16));
}

/// Class colours (up to 10 distinct, then repeating).
std::string class_color(int c) {
  static const char* k[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                            "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return k[c % 10];
}
std::string class_light(int c) {
  static const char* k[] = {"#c6dbef", "#f7c6c6", "#c7e9c0", "#fdd9b5", "#dadaeb",
                            "#e0cfc9", "#f6d2ea", "#dddddd", "#ebebb8", "#c5ecf1"};
  return k[c % 10];
}

std::string gp_array(const std::string& name, const std::vector<std::string>& items) {
  std::string s = "array " + name + "[" + std::to_string(std::max<std::size_t>(1, items.size())) + "] = [";
  for (std::size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + gp_quote(items[i]);
  if (items.empty()) s += "\"\"";
  return s + "]\n";
}

std::string class_tics(const std::vector<std::string>& names, bool rotate) {
  std::string s = "(";
  for (std::size_t i = 0; i < names.size(); ++i)
    s += (i ? ", " : "") + gp_quote(names[i]) + " " + std::to_string(i);
  return s + ")" + (rotate ? " rotate by 45 right" : "");
}

/// rows x cols multiplot grid for k panels.
void grid_for(int k, int max_cols, int& rows, int& cols) {
  cols = std::min(k, max_cols);
  rows = (k + cols - 1) / std::max(1, cols);
}

std::string common_style() {
  return "set border lw 1 lc rgb '#444444'\n"
         "set grid lc rgb '#dddddd' lw 1 dt 1\n"
         "set tics nomirror out scale 0.6\n"
         "set key noautotitle\n";
}

// jet-like colormap for Grad-CAM
void heat(double t, double& r, double& g, double& b) {
  t = std::clamp(t, 0.0, 1.0);
  r = std::clamp(1.5 - std::fabs(4 * t - 3), 0.0, 1.0);
  g = std::clamp(1.5 - std::fabs(4 * t - 2), 0.0, 1.0);
  b = std::clamp(1.5 - std::fabs(4 * t - 1), 0.0, 1.0);
}

/// x y r g b rows of an image (pixels C*H*W), optionally blended with a CAM.
std::string image_rows(const std::string& name, const std::vector<uint8_t>& px, int C, int H, int W,
                       const std::vector<float>* cam) {
  std::ostringstream s;
  s << "$" << name << " << EOD\n";
  for (int y = 0; y < H; ++y) {
    for (int x = 0; x < W; ++x) {
      double rgb[3];
      for (int c = 0; c < 3; ++c) rgb[c] = px[std::size_t(C == 3 ? c : 0) * H * W + std::size_t(y) * W + x] / 255.0;
      if (cam) {
        double hr, hg, hb, t = (*cam)[std::size_t(y) * W + x];
        heat(t, hr, hg, hb);
        const double a = 0.5;
        rgb[0] = (1 - a) * rgb[0] + a * hr;
        rgb[1] = (1 - a) * rgb[1] + a * hg;
        rgb[2] = (1 - a) * rgb[2] + a * hb;
      }
      s << x << " " << (H - 1 - y) << " " << int(rgb[0] * 255 + 0.5) << " " << int(rgb[1] * 255 + 0.5)
        << " " << int(rgb[2] * 255 + 0.5) << "\n";
    }
  }
  s << "EOD\n";
  return s.str();
}

std::string class_name(const std::vector<std::string>& names, int c) {
  return c >= 0 && c < int(names.size()) ? names[c] : std::to_string(c);
}

int png_size(const std::string& path, int& w, int& h) {
  std::ifstream f(path, std::ios::binary);
  unsigned char b[24];
  if (!f.read(reinterpret_cast<char*>(b), 24)) return -1;
  w = (b[16] << 24) | (b[17] << 16) | (b[18] << 8) | b[19];
  h = (b[20] << 24) | (b[21] << 16) | (b[22] << 8) | b[23];
  return 0;
}

class Reporter {
 public:
  Reporter(const ReportOptions& o, std::ostream& log) : o_(o), log_(log) {
    gp_ = o.gnuplot.empty() ? gnuplot_program() : o.gnuplot;
  }

  ReportResult run() {
    check_gnuplot(gp_);
    make_dirs(o_.out_dir);
    for (const auto& d : expand_run_dirs(o_.run_dirs)) {
      Model m;
      m.run = read_run(d);
      m.label = display_name(m.run.model);
      m.color = int(models_.size());
      models_.push_back(std::move(m));
    }
    // One model name may appear in several runs: label them apart.
    std::map<std::string, int> seen;
    for (auto& m : models_) seen[m.label]++;
    // A run of several seeds is named by its folder (seed-S), else by the
    // experiment holding it.
    for (auto& m : models_)
      if (seen[m.label] > 1) {
        const std::string own = base_name(m.run.dir);
        m.label += " (" + (own != m.run.model ? own : base_name(parent_dir(m.run.dir))) + ")";
      }
    classes_ = models_.front().run.class_names;
    if (o_.checkpoints)
      for (auto& m : models_) {
        log_ << "report: analysing " << m.run.dir << "\n" << std::flush;
        try {
          m.an = analyse_run(m.run, o_.analysis);
          m.analysed = true;
          log_ << "report: analysed " << m.run.dir << " with " << m.an.threads << " threads\n";
          for (const auto& n : m.an.notes) note(m.label + ": " + n);
          if (classes_.empty()) classes_ = m.run.class_names;
        } catch (const std::exception& e) {
          note(m.label + ": no checkpoint analysis (" + e.what() + ")");
        }
      }
    log_ << "report: drawing\n" << std::flush;
    attempt("learning curves", [&] { learning(); });
    for (auto& m : models_) attempt("ideal vs noisy " + m.label, [&] { ideal_vs_noisy(m); });
    for (auto& m : models_) attempt("error budget " + m.label, [&] { error_budget(m); });
    attempt("confusion matrices", [&] { confusion(); });
    attempt("per-class metrics", [&] { per_class(); });
    attempt("FGSM", [&] { fgsm(); });
    attempt("resources", [&] { resources(); });
    attempt("seeds", [&] { seeds(); });
    attempt("embeddings", [&] { embeddings(); });
    for (auto& m : models_) attempt("Grad-CAM " + m.label, [&] { gradcam(m); });
    for (auto& m : models_) attempt("predictions " + m.label, [&] { predictions(m); });
    for (auto& m : models_) attempt("circuit " + m.label, [&] { circuit(m); });
    for (auto& m : models_) attempt("Bloch " + m.label, [&] { bloch(m); });
    res_.html = o_.out_dir + "/index.html";
    write_file(res_.html, html());
    res_.notes = notes_;
    return res_;
  }

 private:
  void note(const std::string& n) {
    notes_.push_back(n);
    log_ << "report: " << n << "\n";
  }
  template <class F>
  void attempt(const std::string& what, F f) {
    try {
      f();
    } catch (const PlotError&) {
      throw;
    } catch (const std::exception& e) {
      note(what + ": " + e.what());
    }
  }
  void figure(const std::string& id, const std::string& title, const std::string& caption,
              const std::string& body, int w, int h, const std::string& group = "") {
    render_gnuplot(gp_, o_.out_dir, id, body, w, h);
    add(id, title, caption, group, w, h);
  }
  /// w, h: the size the PNG was asked to have (read from the PNG when < 0).
  void add(const std::string& id, const std::string& title, const std::string& caption,
           const std::string& group, int w = -1, int h = -1) {
    ReportFigure f;
    f.id = id;
    f.title = title;
    f.caption = caption;
    f.width = w;
    f.height = h;
    if (w < 0) png_size(o_.out_dir + "/" + id + ".png", f.width, f.height);
    res_.figures.push_back(f);
    groups_.push_back(group);
  }
  std::vector<Model*> analysed() {
    std::vector<Model*> v;
    for (auto& m : models_)
      if (m.analysed) v.push_back(&m);
    return v;
  }
  std::string color(const Model& m) const { return series_color(m.color); }

  // ---- training and validation loss, accuracy, F1 per epoch
  void learning() {
    std::ostringstream b;
    b << common_style();
    for (std::size_t i = 0; i < models_.size(); ++i) {
      std::vector<std::vector<std::string>> rows;
      for (const auto& e : models_[i].run.history)
        rows.push_back({std::to_string(e.epoch), gp_num(e.train_loss), gp_num(100 * e.train_accuracy),
                        gp_num(e.train_macro_f1), gp_num(e.val_loss), gp_num(100 * e.val_accuracy),
                        gp_num(e.val_macro_f1)});
      b << datablock("m" + std::to_string(i), rows);
    }
    int maxep = 1;
    for (const auto& m : models_)
      if (!m.run.history.empty()) maxep = std::max(maxep, m.run.history.back().epoch);
    b << "set multiplot layout 1,3 margins 0.05,0.84,0.14,0.88 spacing 0.07,0\n"
      << "set xlabel 'epoch'\nset xrange [0.8:" << maxep + 0.2 << "]\n"
      << "set xtics 1\n" << (maxep > 12 ? "set xtics " + std::to_string((maxep + 9) / 10) + "\n" : "");
    const char* panels[3][3] = {{"loss (NLL)", "2", "5"}, {"accuracy (%)", "3", "6"}, {"macro F1", "4", "7"}};
    for (int p = 0; p < 3; ++p) {
      b << "set title '" << panels[p][0] << "'\n";
      if (p == 2)
        b << "set key at screen 0.995,0.88 right top samplen 2.5 spacing 1.2 font ',9' box lc rgb '#cccccc'\n";
      else
        b << "set key off\n";
      b << "plot ";
      for (std::size_t i = 0; i < models_.size(); ++i) {
        std::string c = color(models_[i]);
        b << (i ? ", \\\n     " : "") << "$m" << i << " using 1:" << panels[p][2]
          << " with linespoints lw 2 pt 7 ps 0.7 lc rgb '" << c << "' title " << gp_quote(models_[i].label + " val")
          << ", $m" << i << " using 1:" << panels[p][1] << " with linespoints lw 1.5 dt 2 pt 6 ps 0.7 lc rgb '"
          << c << "' title " << gp_quote(models_[i].label + " train");
      }
      b << "\n";
    }
    b << "unset multiplot\n";
    figure("learning_curves", "Learning curves",
           "Loss, accuracy and macro F1 per epoch on the training set (dashed, measured during the "
           "epoch, with dropout) and the validation set (solid, after the epoch), every model of the "
           "report overlaid.",
           b.str(), 1500, 460);
  }

  // ---- a run on a noisy device: the same weights with and without the noise
  void ideal_vs_noisy(Model& m) {
    const auto& h = m.run.history;
    if (h.empty() || !std::any_of(h.begin(), h.end(), [](const EpochMetrics& e) { return e.has_ideal(); })) return;
    std::vector<std::vector<std::string>> rows;
    for (const auto& e : h)
      rows.push_back({std::to_string(e.epoch), gp_num(100 * e.val_accuracy), gp_num(100 * e.ideal_val_accuracy),
                      gp_num(100 * e.test_accuracy), gp_num(100 * e.ideal_test_accuracy), gp_num(e.val_loss),
                      gp_num(e.ideal_val_loss)});
    const int maxep = std::max(1, h.back().epoch);
    std::ostringstream b;
    b << common_style() << datablock("iv", rows)
      << "set datafile missing 'NaN'\n"
      << "set multiplot layout 1,2 margins 0.07,0.80,0.14,0.88 spacing 0.09,0\n"
      << "set xlabel 'epoch'\nset xrange [0.8:" << maxep + 0.2 << "]\nset xtics 1\n"
      << (maxep > 12 ? "set xtics " + std::to_string((maxep + 9) / 10) + "\n" : "")
      << "set title 'accuracy (%)'\nset key off\n"
      << "plot $iv using 1:2 with linespoints lw 2 pt 7 ps 0.7 lc rgb '#d62728' title 'noisy val', "
         "$iv using 1:3 with linespoints lw 2 pt 5 ps 0.7 lc rgb '#1f77b4' title 'ideal val', "
         "$iv using 1:4 with linespoints lw 1.5 dt 2 pt 6 ps 0.7 lc rgb '#d62728' title 'noisy test', "
         "$iv using 1:5 with linespoints lw 1.5 dt 2 pt 4 ps 0.7 lc rgb '#1f77b4' title 'ideal test'\n"
      << "set title 'validation loss (NLL)'\n"
      << "set key at screen 0.995,0.88 right top samplen 2.5 spacing 1.2 font ',9' box lc rgb '#cccccc'\n"
      << "plot $iv using 1:6 with linespoints lw 2 pt 7 ps 0.7 lc rgb '#d62728' title 'noisy val', "
         "$iv using 1:7 with linespoints lw 2 pt 5 ps 0.7 lc rgb '#1f77b4' title 'ideal val', "
         "NaN with linespoints lw 1.5 dt 2 pt 6 ps 0.7 lc rgb '#d62728' title 'noisy test', "
         "NaN with linespoints lw 1.5 dt 2 pt 4 ps 0.7 lc rgb '#1f77b4' title 'ideal test'\n"
      << "unset multiplot\n";
    figure("ideal_vs_noisy_" + m.run.model + suffix(m), "Ideal vs noisy: " + m.label,
           "The weights trained on the device after each epoch, evaluated through the noisy device layer "
           "(red, what training saw) and through the noiseless layer (blue): accuracy on the validation "
           "(solid) and test (dashed) images, and the validation loss.",
           b.str(), 1200, 460, "noise");
  }

  /// device.json of a run, parsed (null when the run has none).
  static nlohmann::json device_of(const Model& m) {
    if (m.run.device_json.empty()) return nullptr;
    try {
      return nlohmann::json::parse(m.run.device_json);
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(m.run.dir + "/device.json: " + e.what());
    }
  }

  // ---- the error budget of the layout a noisy run trained on
  void error_budget(Model& m) {
    const auto d = device_of(m);
    if (d.is_null() || !d.contains("budget")) return;
    const auto& qs = d["budget"]["qubits"];
    const auto& cs = d["budget"]["couplers"];
    std::vector<std::vector<std::string>> q_rows, c_rows;
    auto err = [](const nlohmann::json& v) { return v.is_number() ? gp_num(v.get<double>()) : std::string("NaN"); };
    for (const auto& q : qs)
      q_rows.push_back({gp_quote("$" + std::to_string(q["device"].get<int>())), err(q["readout_error"]),
                        err(q["gate_1q_error"])});
    for (const auto& c : cs) {
      std::string name = c["gate"].get<std::string>();
      for (std::size_t i = 0; i < c["qubits"].size(); ++i)
        name += std::string(i ? "," : " ") + "$" + std::to_string(c["qubits"][i].get<int>());
      c_rows.push_back({gp_quote(name), err(c["error"])});
    }
    std::ostringstream b;
    b << common_style() << datablock("bq", q_rows) << datablock("bc", c_rows)
      << "set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.85 border -1\n"
      << "set boxwidth 0.9\nset logscale y\nset format y '10^{%L}'\nset grid noxtics ytics\n"
      << "set key outside top center horizontal font ',9' samplen 1.5\n"
      << "set multiplot layout 1,2 margins 0.07,0.98,0.16,0.86 spacing 0.08,0\n"
      << "set title 'used qubits'\nset ylabel 'error'\n"
      << "plot $bq using 2:xtic(1) lc rgb '#4c72b0' title 'readout', '' using 3 lc rgb '#dd8452' title '1q gate'\n"
      << "set title 'used couplers'\nunset ylabel\n"
      << (c_rows.empty() ? "plot NaN title '2q gate'\n"
                         : "plot $bc using 2:xtic(1) lc rgb '#55a868' title '2q gate'\n")
      << "unset multiplot\n";
    figure("error_budget_" + m.run.model + suffix(m), "Error budget: " + m.label,
           "The calibration of the device qubits and couplers of the layout the layer was compiled to "
           "(device.json): readout and single-qubit gate error per used qubit, the error of each two-qubit "
           "gate used; the table below gives T1, T2 and the predicted fidelity factors.",
           b.str(), 1100, 420, "noise");
    budgets_.push_back({&m, budget_html(m, d)});
  }

  static std::string sci(const nlohmann::json& v, const char* f = "%.3g") {
    return v.is_number() ? fmt(f, v.get<double>()) : std::string("∞");
  }
  static std::string us(const nlohmann::json& v) {
    return v.is_number() ? fmt("%.1f", 1e6 * v.get<double>()) : std::string("∞");
  }

  static std::string budget_html(const Model& m, const nlohmann::json& d) {
    std::ostringstream o;
    auto logical = [](const nlohmann::json& v) {
      return v.is_number_integer() && v.get<int>() >= 0 ? "q" + std::to_string(v.get<int>()) : std::string("—");
    };
    o << "<h3>" << html_escape(m.label) << " on " << html_escape(d.value("device", std::string("?")))
      << " (-O" << d.value("level", 0) << ", idle noise " << (d.value("idle_noise", false) ? "on" : "off")
      << ", readout error " << (d.value("readout_error", false) ? "on" : "off") << ")</h3>\n"
      << "<p class=\"muted\">noise model <code>" << html_escape(d.value("noise_model", std::string()))
      << "</code> (hash " << html_escape(d.value("noise_model_hash", std::string())) << ")</p>\n";
    o << "<table class=\"data budget\" id=\"budget_qubits_" << m.color
      << "\">\n<tr><th>Device qubit</th><th>Logical (start)</th><th>Logical (end)</th><th>T1 (µs)</th>"
         "<th>T2 (µs)</th><th>P(1|0)</th><th>P(0|1)</th><th>Readout error</th><th>1q gate</th>"
         "<th>1q gate error</th><th>1q gates used</th></tr>\n";
    for (const auto& q : d["budget"]["qubits"])
      o << "<tr><td>$" << q["device"].get<int>() << "</td><td>" << logical(q["logical_initial"]) << "</td><td>"
        << logical(q["logical_final"]) << "</td><td>" << us(q["t1_s"]) << "</td><td>" << us(q["t2_s"])
        << "</td><td>" << sci(q["p1_given_0"]) << "</td><td>" << sci(q["p0_given_1"]) << "</td><td>"
        << sci(q["readout_error"]) << "</td><td>" << html_escape(q.value("gate_1q", std::string()))
        << "</td><td>" << sci(q["gate_1q_error"]) << "</td><td>" << q.value("gates_1q", 0) << "</td></tr>\n";
    o << "</table>\n<table class=\"data budget\" id=\"budget_couplers_" << m.color
      << "\">\n<tr><th>2q gate</th><th>Device qubits</th><th>Error</th><th>Length (ns)</th><th>Uses</th></tr>\n";
    for (const auto& c : d["budget"]["couplers"]) {
      std::string qs;
      for (std::size_t i = 0; i < c["qubits"].size(); ++i) qs += (i ? "," : "") + ("$" + std::to_string(c["qubits"][i].get<int>()));
      o << "<tr><td>" << html_escape(c["gate"].get<std::string>()) << "</td><td>" << qs << "</td><td>"
        << sci(c["error"]) << "</td><td>" << fmt("%.0f", 1e9 * c.value("length_s", 0.0)) << "</td><td>"
        << c.value("count", 0) << "</td></tr>\n";
    }
    o << "</table>\n<table class=\"data budget\" id=\"budget_fidelity_" << m.color
      << "\">\n<tr><th>Predicted fidelity</th><th>Gates</th><th>Readout</th><th>Decoherence</th>"
         "<th>Duration (µs)</th><th>Initial layout</th><th>Final layout</th></tr>\n<tr><td>"
      << sci(d["predicted_fidelity"], "%.4f") << "</td><td>" << sci(d["gates"], "%.4f") << "</td><td>"
      << sci(d["readout"], "%.4f") << "</td><td>" << sci(d["decoherence"], "%.4f") << "</td><td>"
      << us(d["duration_s"]) << "</td><td>" << html_escape(d["initial_layout"].dump()) << "</td><td>"
      << html_escape(d["final_layout"].dump()) << "</td></tr>\n</table>\n";
    if (d.value("readout_error", false) && d.value("readout", 0.0) == 1.0)
      o << "<p class=\"muted\">The predicted fidelity counts readout only for the circuit's measure "
           "statements; the layer has none but reads its qubits through the readout errors above.</p>\n";
    return o.str();
  }

  // ---- confusion matrices
  void confusion() {
    auto ms = analysed();
    if (ms.empty()) return;
    const int C = ms.front()->an.confusion.num_classes();
    int rows, cols;
    grid_for(int(ms.size()), C > 4 ? 2 : 4, rows, cols);
    const int cell = C > 4 ? 520 : 360;
    std::ostringstream b;
    b << "set palette defined (0 '#ffffff', 1 '#6baed6', 2 '#08306b')\nset cbrange [0:1]\n"
      << "unset colorbox\nset key off\nset tics nomirror out scale 0.4\nset size ratio -1\n"
      << "set xlabel 'predicted'\nset ylabel 'true'\n"
      << "set xtics " << class_tics(classes_, C > 4) << " font '," << (C > 4 ? 8 : 10) << "'\n"
      << "set ytics " << class_tics(classes_, false) << " font '," << (C > 4 ? 8 : 10) << "'\n"
      << "set xrange [-0.5:" << C - 0.5 << "]\nset yrange [" << C - 0.5 << ":-0.5]\n"
      << "set multiplot layout " << rows << "," << cols << "\n";
    for (std::size_t k = 0; k < ms.size(); ++k) {
      const auto& cm = ms[k]->an.confusion;
      std::vector<std::vector<std::string>> r;
      for (int t = 0; t < C; ++t) {
        int64_t row = 0;
        for (int p = 0; p < C; ++p) row += cm.at(t, p);
        for (int p = 0; p < C; ++p) {
          double frac = row ? double(cm.at(t, p)) / double(row) : 0.0;
          r.push_back({std::to_string(p), std::to_string(t), gp_num(frac), std::to_string(cm.at(t, p)),
                       frac > 0.55 ? "16777215" : "0"});
        }
      }
      b << datablock("cm" + std::to_string(k), r)
        << "set title " << gp_quote(ms[k]->label + ": accuracy " + fmt("%.2f", 100 * cm.accuracy()) + "%") << "\n"
        << "plot $cm" << k << " using 1:2:3 with image, $cm" << k
        << " using 1:2:4:5 with labels tc rgb variable font '," << (C > 4 ? 7 : 11) << "'\n";
    }
    b << "unset multiplot\n";
    figure("confusion", "Confusion matrices",
           "Test images of each true class (rows) by predicted class (columns), last checkpoint; the "
           "shade is the fraction of the row, the number the count.",
           b.str(), cols * cell, rows * (cell - 20));
  }

  void per_class() {
    auto ms = analysed();
    if (ms.empty()) return;
    const int C = ms.front()->an.confusion.num_classes();
    int rows, cols;
    grid_for(int(ms.size()), C > 4 ? 2 : 4, rows, cols);
    std::ostringstream b;
    b << common_style() << "set style data histograms\nset style histogram clustered gap 1\n"
      << "set style fill solid 0.85 border -1\nset boxwidth 0.9\nset yrange [0:1.12]\nset ytics 0.2\n"
      << "set key outside top center horizontal font ',9' samplen 1.5\nset grid noxtics ytics\n"
      << (C > 4 ? "set xtics rotate by 45 right font ',8'\n" : "")
      << "set multiplot layout " << rows << "," << cols << "\n";
    for (std::size_t k = 0; k < ms.size(); ++k) {
      const auto& cm = ms[k]->an.confusion;
      std::vector<std::vector<std::string>> r;
      for (int c = 0; c < C; ++c)
        r.push_back({gp_quote(class_name(classes_, c)), gp_num(cm.precision(c)), gp_num(cm.recall(c)),
                     gp_num(cm.f1(c))});
      b << datablock("pc" + std::to_string(k), r)
        << "set title " << gp_quote(ms[k]->label + ": macro F1 " + fmt("%.4f", cm.macro_f1())) << "\n"
        << "plot $pc" << k << " using 2:xtic(1) lc rgb '#4c72b0' title 'precision', '' using 3 lc rgb "
        << "'#dd8452' title 'recall', '' using 4 lc rgb '#55a868' title 'F1'\n";
    }
    b << "unset multiplot\n";
    figure("per_class", "Per-class precision, recall and F1",
           "On the test images, last checkpoint.", b.str(), cols * (C > 4 ? 620 : 380),
           rows * (C > 4 ? 380 : 330));
  }

  void fgsm() {
    auto ms = analysed();
    if (ms.empty() || ms.front()->an.fgsm_eps.empty()) return;
    std::ostringstream b;
    b << common_style() << "set xlabel 'FGSM ε (on [0, 1] pixels)'\nset ylabel 'robust test accuracy (%)'\n"
      << "set yrange [0:100]\nset key top right box lc rgb '#cccccc'\n"
      << "set arrow from 0.1, graph 0 to 0.1, graph 1 nohead dt 2 lc rgb '#888888'\n"
      << "set label 'papers: ε = 0.1' at 0.103, graph 0.04 tc rgb '#666666' font ',9'\n";
    double emax = 0;
    for (std::size_t k = 0; k < ms.size(); ++k) {
      std::vector<std::vector<std::string>> r;
      for (std::size_t i = 0; i < ms[k]->an.fgsm_eps.size(); ++i) {
        r.push_back({gp_num(ms[k]->an.fgsm_eps[i]), gp_num(100 * ms[k]->an.fgsm_accuracy[i])});
        emax = std::max(emax, ms[k]->an.fgsm_eps[i]);
      }
      b << datablock("f" + std::to_string(k), r);
    }
    b << "set xrange [0:" << gp_num(emax) << "]\nplot ";
    for (std::size_t k = 0; k < ms.size(); ++k)
      b << (k ? ", " : "") << "$f" << k << " using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc rgb '"
        << color(*ms[k]) << "' title " << gp_quote(ms[k]->label);
    b << "\n";
    figure("fgsm", "Robustness to FGSM",
           "Test accuracy under the fast gradient sign attack x + ε·sign(∇ₓ loss), clipped to [0, 1], as ε "
           "grows from 0 to 0.3 (the papers report ε = 0.1 only); last checkpoint.",
           b.str(), 900, 480);
  }

  void resources() {
    std::ostringstream b;
    b << common_style();
    std::vector<std::vector<std::string>> bars;
    for (std::size_t i = 0; i < models_.size(); ++i) {
      const auto& h = models_[i].run.history;
      std::vector<std::vector<std::string>> rows;
      double cpu = 0, peak = 0, sec = 0;
      for (const auto& e : h) {
        rows.push_back({std::to_string(e.epoch), gp_num(e.seconds), gp_num(e.train_seconds)});
        cpu += e.cpu_percent;
        peak = std::max(peak, e.peak_rss_mib);
        sec += e.seconds;
      }
      b << datablock("t" + std::to_string(i), rows);
      const double n = double(std::max<std::size_t>(1, h.size()));
      bars.push_back({gp_quote(models_[i].label), gp_num(peak), gp_num(cpu / n), rgb_int(color(models_[i])),
                      gp_num(sec / n)});
    }
    b << datablock("bars", bars);
    b << "set multiplot layout 1,3 spacing 0.08,0 margins 0.06,0.98,0.2,0.88\n"
      << "set title 'seconds per epoch'\nset xlabel 'epoch'\nset ylabel 's'\nset xtics 1\n"
      << "set key top right font ',9' box lc rgb '#cccccc'\nset yrange [0:*]\nplot ";
    for (std::size_t i = 0; i < models_.size(); ++i)
      b << (i ? ", " : "") << "$t" << i << " using 1:2 with linespoints lw 2 pt 7 ps 0.7 lc rgb '"
        << color(models_[i]) << "' title " << gp_quote(models_[i].label);
    b << "\nset key off\nunset xlabel\nset style fill solid 0.8 border -1\nset boxwidth 0.6\n"
      << "set xtics rotate by 30 right\nset xrange [-0.6:" << models_.size() - 0.4 << "]\n"
      << "set grid noxtics ytics\n"
      << "set title 'peak memory (process RSS)'\nset ylabel 'MiB'\nset yrange [0:*]\n"
      << "plot $bars using 0:2:4:xtic(1) with boxes lc rgb variable, $bars using 0:2:(sprintf('%.0f', $2)) "
         "with labels offset 0,0.7 font ',9'\n"
      << "set title 'CPU use (mean over epochs)'\nset ylabel '% of one core'\n"
      << "plot $bars using 0:3:4:xtic(1) with boxes lc rgb variable, $bars using 0:3:(sprintf('%.0f%%', $3)) "
         "with labels offset 0,0.7 font ',9'\n"
      << "unset multiplot\n";
    figure("resources", "Time, memory and CPU",
           "Wall seconds per epoch (training + evaluation), the process's peak resident memory (when an "
           "experiment trains its models in one process, this is the peak so far) and CPU time per wall "
           "second, from metrics.csv.",
           b.str(), 1500, 430);
  }

  // ---- the spread over seeds: each run's last-epoch accuracy, per model
  void seeds() {
    std::vector<std::string> kinds;  // models in table order, with their runs
    std::map<std::string, std::vector<const Model*>> runs;
    for (const auto& m : models_) {
      if (m.run.history.empty()) continue;
      if (!runs.count(m.run.model)) kinds.push_back(m.run.model);
      runs[m.run.model].push_back(&m);
    }
    bool repeated = false;
    for (const auto& k : kinds) repeated |= runs[k].size() > 1;
    if (!repeated) return;
    std::ostringstream b;
    b << common_style();
    std::vector<std::vector<std::string>> points, means;
    std::vector<std::string> tics;
    for (std::size_t i = 0; i < kinds.size(); ++i) {
      const auto& rs = runs[kinds[i]];
      std::vector<double> test, val;
      for (std::size_t j = 0; j < rs.size(); ++j) {
        const auto& l = rs[j]->run.history.back();
        // Spread the seeds across the model's slot so equal values stay apart.
        const double x = double(i) + (rs.size() > 1 ? 0.5 * (double(j) / double(rs.size() - 1) - 0.5) : 0.0);
        points.push_back({gp_num(x), gp_num(100 * l.test_accuracy), gp_num(100 * l.val_accuracy),
                          rgb_int(series_color(int(i)))});
        test.push_back(100 * l.test_accuracy);
        val.push_back(100 * l.val_accuracy);
      }
      means.push_back({std::to_string(i), gp_num(stats::mean(test)), gp_num(stats::stddev(test)),
                       gp_num(stats::mean(val)), gp_num(stats::stddev(val))});
      tics.push_back(gp_quote(display_name(kinds[i]) + " (" + std::to_string(rs.size()) + ")") + " " +
                     std::to_string(i));
    }
    b << datablock("pts", points) << datablock("avg", means);
    std::string xt;
    for (const auto& t : tics) xt += (xt.empty() ? "" : ", ") + t;
    b << "set multiplot layout 1,2 spacing 0.08,0 margins 0.07,0.98,0.2,0.88\n"
      << "set xrange [-0.6:" << kinds.size() - 0.4 << "]\nset xtics (" << xt << ") rotate by 20 right\n"
      << "set grid noxtics ytics\nset ylabel 'accuracy (%)'\n";
    const char* panel[2][3] = {{"test accuracy, last epoch", "2", "2:3"}, {"validation accuracy, last epoch", "3", "4:5"}};
    for (auto& p : panel)
      b << "set title '" << p[0] << "'\nplot $pts using 1:" << p[1]
        << ":4 with points pt 7 ps 1.1 lc rgb variable, $avg using 1:" << p[2]
        << " with yerrorbars pt 5 ps 1.4 lw 2 lc rgb '#222222'\n";
    b << "unset multiplot\n";
    figure("seeds", "Spread over seeds",
           "Each run's test and validation accuracy after its last epoch, one dot per seed (spread sideways "
           "within the model's slot), with the mean ± sample standard deviation in black; the number of runs "
           "is in brackets.",
           b.str(), 1300, 460);
  }

  void embeddings() {
    auto ms = analysed();
    if (ms.empty()) return;
    const int C = int(classes_.size());
    int rows, cols;
    grid_for(int(ms.size()), 4, rows, cols);
    std::vector<std::string> cls_colors, names;
    for (int c = 0; c < C; ++c) {
      cls_colors.push_back(class_color(c));
      names.push_back(class_name(classes_, c));
    }
    auto scatter = [&](bool use_tsne) {
      std::ostringstream b;
      b << common_style() << gp_array("CC", cls_colors) << gp_array("NAMES", names)
        << "set key bottom right font ',8' opaque box lc rgb '#cccccc'\nunset grid\n"
        << "set multiplot layout " << rows << "," << cols << "\n";
      for (std::size_t k = 0; k < ms.size(); ++k) {
        const auto& a = ms[k]->an;
        const auto& xy = use_tsne ? a.tsne_xy : a.pca_xy;
        std::vector<std::vector<std::string>> r;
        for (std::size_t i = 0; i < a.point_labels.size(); ++i)
          r.push_back({gp_num(xy[2 * i]), gp_num(xy[2 * i + 1]), std::to_string(a.point_labels[i]),
                       std::to_string(a.point_predictions[i])});
        b << datablock("e" + std::to_string(k), r);
        std::string title = ms[k]->label + " (" + std::to_string(a.feature_dim) + "-d features)";
        if (!use_tsne) {
          b << "set xlabel " << gp_quote("PC1 (" + fmt("%.0f", 100 * a.pca_explained[0]) + "% of variance)") << "\n"
            << "set ylabel " << gp_quote("PC2 (" + fmt("%.0f", 100 * a.pca_explained[1]) + "%)") << "\n";
        } else {
          b << "unset xlabel\nunset ylabel\nset format x ''\nset format y ''\n";
        }
        b << "set title " << gp_quote(title) << "\n"
          << "plot for [c=1:" << C << "] $e" << k << " using ($3==c-1?$1:NaN):2 with points pt 7 ps 0.45 lc rgb CC[c] title NAMES[c], "
          << "$e" << k << " using ($3!=$4?$1:NaN):2 with points pt 6 ps 0.9 lw 0.8 lc rgb '#000000' title 'misclassified'\n";
      }
      b << "unset multiplot\n";
      return b.str();
    };
    figure("pca", "Features entering the head: PCA",
           "The first two principal components of the features that enter the classifier head (the "
           "quantum layer's input for the hybrids, the last hidden layer for the CNNs) of the first test "
           "images, coloured by true class; circles mark misclassified images.",
           scatter(false), cols * 420, rows * 400);
    figure("tsne", "Features entering the head: t-SNE",
           "t-SNE (exact, perplexity 30, seeded) of the same features.", scatter(true), cols * 420, rows * 400);
    // Decision regions.
    std::ostringstream b;
    b << common_style() << gp_array("CC", cls_colors) << gp_array("NAMES", names) << "unset grid\n"
      << "set palette maxcolors " << std::max(C, 2) << "\nset palette defined (";
    for (int c = 0; c < C; ++c) b << (c ? ", " : "") << c << " '" << class_light(c) << "'";
    if (C == 1) b << ", 1 '" << class_light(0) << "'";
    b << ")\nset cbrange [-0.5:" << std::max(C, 2) - 0.5 << "]\nunset colorbox\n"
      << "set key bottom right font ',8' opaque box lc rgb '#cccccc'\n"
      << "set multiplot layout " << rows << "," << cols << "\n";
    for (std::size_t k = 0; k < ms.size(); ++k) {
      const auto& a = ms[k]->an;
      if (a.region_class.empty()) continue;
      std::vector<std::vector<std::string>> g, p;
      const int R = a.region_res;
      for (int iy = 0; iy < R; ++iy)
        for (int ix = 0; ix < R; ++ix)
          g.push_back({gp_num(a.region_x0 + (a.region_x1 - a.region_x0) * (ix + 0.5) / R),
                       gp_num(a.region_y0 + (a.region_y1 - a.region_y0) * (iy + 0.5) / R),
                       std::to_string(a.region_class[std::size_t(iy) * R + ix])});
      for (std::size_t i = 0; i < a.point_labels.size(); ++i)
        p.push_back({gp_num(a.pca_xy[2 * i]), gp_num(a.pca_xy[2 * i + 1]), std::to_string(a.point_labels[i])});
      b << datablock("g" + std::to_string(k), g) << datablock("p" + std::to_string(k), p)
        << "set xrange [" << gp_num(a.region_x0) << ":" << gp_num(a.region_x1) << "]\n"
        << "set yrange [" << gp_num(a.region_y0) << ":" << gp_num(a.region_y1) << "]\n"
        << "set xlabel 'PC1'\nset ylabel 'PC2'\nset title " << gp_quote(ms[k]->label) << "\n"
        << "plot $g" << k << " using 1:2:3 with image notitle, for [c=1:" << C << "] $p" << k
        << " using ($3==c-1?$1:NaN):2 with points pt 7 ps 0.45 lc rgb CC[c] title NAMES[c]\n";
    }
    b << "unset multiplot\n";
    figure("decision_regions", "Decision regions of the trained head on the PCA plane",
           "Each point of the plane spanned by the first two principal components (around the feature "
           "mean) is fed to the trained head (the quantum circuit and its readout for the hybrids); the "
           "background shows the class it predicts, the dots the test images' features, by true class.",
           b.str(), cols * 420, rows * 400);
  }

  void gradcam(Model& m) {
    if (!m.analysed || m.an.cams.empty()) return;
    const auto& a = m.an;
    const int G = int(a.cams.front().size()), E = int(a.cam_epochs.size());
    std::ostringstream b;
    b << "unset border\nunset tics\nunset key\nset size ratio -1\nset xrange [-0.5:" << a.width - 0.5
      << "]\nset yrange [-0.5:" << a.height - 0.5 << "]\nset title font ',9'\n"
      << "set multiplot layout " << (E + 1) << "," << G << " margins 0.09,0.99,0.01,0.93 spacing 0.01,0.045\n";
    for (int e = -1; e < E; ++e)
      for (int g = 0; g < G; ++g) {
        std::string name = "i" + std::to_string(e + 1) + "_" + std::to_string(g);
        b << image_rows(name, a.images[g], a.channels, a.height, a.width, e < 0 ? nullptr : &a.cams[e][g]);
        std::string title;
        bool wrong = false;
        if (e < 0) title = "true: " + class_name(classes_, a.image_labels[g]);
        else {
          int p = a.cam_predictions[e][g];
          wrong = p != a.image_labels[g];
          title = "pred: " + class_name(classes_, p);
        }
        b << "set title " << gp_quote(title) << " tc rgb '" << (wrong ? "#d62728" : "#222222") << "'\n";
        if (g == 0)
          b << "set label 99 " << gp_quote(e < 0 ? "image" : "epoch " + std::to_string(a.cam_epochs[e]))
            << " at graph -0.12, graph 0.5 center rotate by 90 font ',10'\n";
        else
          b << "unset label 99\n";
        b << "plot $" << name << " using 1:2:3:4:5 with rgbimage\n";
      }
    b << "unset multiplot\n";
    const int cw = 150;
    figure("gradcam_" + m.run.model + suffix(m), "Grad-CAM: " + m.label,
           "Grad-CAM over the last convolutional layer (conv2 after its ReLU) for the predicted class, "
           "from the checkpoints of the first, middle and last epochs, overlaid on fixed test images "
           "(blue: no weight, red: most weight). Red titles are wrong predictions.",
           b.str(), 60 + G * cw, 30 + (E + 1) * (cw + 10), "gradcam");
  }

  void predictions(Model& m) {
    if (!m.analysed || m.an.images.empty()) return;
    const auto& a = m.an;
    const int n = int(a.images.size());
    const int cols = std::min(n, 8), rows = (n + cols - 1) / cols;
    std::ostringstream b;
    b << "unset tics\nunset key\nset size ratio -1\nset xrange [-0.5:" << a.width - 0.5
      << "]\nset yrange [-0.5:" << a.height - 0.5 << "]\nset title font ',8'\n"
      << "set multiplot layout " << rows << "," << cols << " margins 0.01,0.99,0.01,0.91 spacing 0.01,0.075\n";
    int wrong_total = 0;
    for (int i = 0; i < n; ++i) {
      bool wrong = a.image_predictions[i] != a.image_labels[i];
      wrong_total += wrong;
      b << image_rows("g" + std::to_string(i), a.images[i], a.channels, a.height, a.width, nullptr)
        << "set border lw " << (wrong ? 4 : 1) << " lc rgb '" << (wrong ? "#d62728" : "#bbbbbb") << "'\n"
        << "set title " << gp_quote("T " + class_name(classes_, a.image_labels[i]) + "\nP " +
                                    class_name(classes_, a.image_predictions[i]) + (wrong ? "  ✗" : ""))
        << " tc rgb '" << (wrong ? "#d62728" : "#222222") << "'\n"
        << "plot $g" << i << " using 1:2:3:4:5 with rgbimage\n";
    }
    b << "unset multiplot\n";
    figure("predictions_" + m.run.model + suffix(m), "Test images: " + m.label,
           "The fixed test images (test_images.txt) with their true (T) and predicted (P) class, last "
           "checkpoint; misclassified ones (" + std::to_string(wrong_total) + " of " + std::to_string(n) +
               ") have a red frame.",
           b.str(), cols * 130, rows * 170 + 20, "predictions");
  }

  void circuit(Model& m) {
    if (!m.analysed || m.an.circuit_path.empty()) return;
    DiagnosticSink diags;
    Circuit c = compile_file(m.an.circuit_path, CompileOptions{}, diags);
    if (diags.has_errors()) throw std::runtime_error(diags.format());
    std::string id = "circuit_" + m.run.model + suffix(m);
    write_file(o_.out_dir + "/" + id + ".svg", draw_svg(c));
    write_file(o_.out_dir + "/" + id + ".png", draw_png(c, 1.5));
    add(id, "Circuit: " + m.label,
        "The quantum layer's circuit (" + base_name(m.an.circuit_path) +
            "), drawn as Qiskit's drawer does; inputs stay symbolic (x: data, others: trained weights).",
        "circuit");
  }

  void bloch(Model& m) {
    if (!m.analysed || m.an.bloch_qubits == 0) return;
    const auto& a = m.an;
    const int n = a.bloch_qubits, C = int(classes_.size());
    std::vector<std::string> cls_colors, names;
    for (int c = 0; c < C; ++c) {
      cls_colors.push_back(class_color(c));
      names.push_back(class_name(classes_, c));
    }
    std::vector<std::vector<std::string>> r;
    for (std::size_t s = 0; s < a.bloch_labels.size(); ++s) {
      std::vector<std::string> row{std::to_string(a.bloch_labels[s])};
      for (int q = 0; q < n; ++q)
        for (int k = 0; k < 3; ++k) row.push_back(gp_num(a.bloch[(s * n + q) * 3 + k]));
      r.push_back(row);
    }
    std::ostringstream b;
    b << gp_array("CC", cls_colors) << gp_array("NAMES", names) << datablock("b", r)
      << "set parametric\nset isosamples 13,9\nset urange [0:2*pi]\nset vrange [-pi/2:pi/2]\n"
      << "set view equal xyz\nset view 62,35,1.45\nunset border\nunset tics\nset xrange [-1.1:1.1]\n"
      << "set yrange [-1.1:1.1]\nset zrange [-1.1:1.1]\nunset key\n"
      << "set arrow 1 from 0,0,-1 to 0,0,1 nohead lc rgb '#999999'\n"
      << "set arrow 2 from -1,0,0 to 1,0,0 nohead lc rgb '#999999'\n"
      << "set arrow 3 from 0,-1,0 to 0,1,0 nohead lc rgb '#999999'\n"
      << "set label 1 '|0⟩' at 0,0,1.22 center\nset label 2 '|1⟩' at 0,0,-1.25 center\n"
      << "set label 3 'x' at 1.2,0,0 center tc rgb '#777777'\nset label 4 'y' at 0,1.2,0 center tc rgb '#777777'\n"
      << "set multiplot layout 1," << n << " margins 0.01,0.99,0.14,0.84 spacing 0.0\n";
    for (int q = 0; q < n; ++q) {
      if (q == n - 1)
        b << "set key at screen 0.5,0.065 center center horizontal maxrows " << (C > 5 ? 2 : 1)
          << " width -2 samplen 1 font ',9'\n";
      b << "set title 'qubit " << q << "' offset 0,1.2\n"
        << "splot cos(u)*cos(v), sin(u)*cos(v), sin(v) with lines lc rgb '#e3e3e3' notitle, "
        << "for [c=1:" << C << "] $b using ($1==c-1?column(" << 2 + 3 * q << "):NaN):" << 3 + 3 * q << ":"
        << 4 + 3 * q << " with points pt 7 ps 0.6 lc rgb CC[c] title NAMES[c]\n";
    }
    b << "unset multiplot\n";
    figure("bloch_" + m.run.model + suffix(m), "Bloch vectors after the encoding: " + m.label,
           "The state of each qubit (its reduced density matrix as a Bloch vector) after the encoding "
           "layer of the circuit, for " + std::to_string(a.bloch_labels.size()) +
               " test images coloured by true class: " +
               (m.run.model == "hybrid-cnn" ? "the amplitude-embedded features (the circuit's initial state)."
                                            : "the operations up to the last one that reads the data input x.") +
               " Points inside the sphere are entangled or mixed.",
           b.str(), std::max(700, 300 * n), 420, "bloch");
  }

  std::string suffix(const Model& m) const {
    int same = 0;
    for (const auto& o : models_) same += o.run.model == m.run.model;
    return same > 1 ? "_" + std::to_string(m.color) : "";
  }

  // ---- HTML
  std::string table_md() const {
    std::set<std::string> parents;
    for (const auto& a : o_.run_dirs) {
      if (is_file(a + "/table.md")) return read_text(a + "/table.md");
    }
    for (const auto& m : models_) parents.insert(parent_dir(m.run.dir));
    if (parents.size() == 1 && is_file(*parents.begin() + "/table.md")) return read_text(*parents.begin() + "/table.md");
    return "";
  }

  std::string summary_table() const {
    std::ostringstream o;
    o << "<table class=\"data\" id=\"summary\">\n<tr><th>Model</th><th>Run</th><th>Parameters (quantum)</th>"
         "<th>Epochs</th><th>Train acc (%)</th><th>Val acc (%)</th><th>Val macro F1</th><th>Test acc (%)</th>"
         "<th>FGSM ε=0.1 (%)</th><th>Mean s/epoch</th><th>Peak MiB</th><th>Mean CPU (%)</th></tr>\n";
    for (const auto& m : models_) {
      const auto& h = m.run.history;
      if (h.empty()) continue;
      const auto& l = h.back();
      double sec = 0, cpu = 0, peak = 0;
      for (const auto& e : h) sec += e.seconds, cpu += e.cpu_percent, peak = std::max(peak, e.peak_rss_mib);
      double fg = NAN;
      for (std::size_t i = 0; m.analysed && i < m.an.fgsm_eps.size(); ++i)
        if (std::fabs(m.an.fgsm_eps[i] - 0.1) < 1e-9) fg = m.an.fgsm_accuracy[i];
      o << "<tr><td>" << html_escape(m.label) << "</td><td>" << html_escape(m.run.dir) << "</td><td>"
        << m.run.parameters.total << " (" << m.run.parameters.quantum << ")</td><td>" << l.epoch << "</td><td>"
        << fmt("%.2f", 100 * l.train_accuracy) << "</td><td>" << fmt("%.2f", 100 * l.val_accuracy) << "</td><td>"
        << fmt("%.4f", l.val_macro_f1) << "</td><td>" << fmt("%.2f", 100 * l.test_accuracy) << "</td><td>"
        << fmt("%.2f", 100 * fg) << "</td><td>" << fmt("%.3f", sec / double(h.size())) << "</td><td>"
        << fmt("%.0f", peak) << "</td><td>" << fmt("%.0f", cpu / double(h.size())) << "</td></tr>\n";
    }
    o << "</table>\n";
    return o.str();
  }

  std::string html() const {
    std::ostringstream o;
    o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>qforge report</title>\n"
      << "<style>\nbody{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:24px 32px;color:#222;"
         "max-width:1560px}\nh1{font-size:26px;margin:0 0 4px}\nh2{font-size:19px;margin:30px 0 6px;"
         "border-bottom:1px solid #ddd;padding-bottom:3px}\nh3{font-size:15px;margin:16px 0 4px}\n"
         "p{margin:4px 0 8px;line-height:1.4}\n.muted{color:#666;font-size:13px}\n"
         "table.data{border-collapse:collapse;font-size:13px;margin:8px 0}\n"
         "table.data th,table.data td{border:1px solid #ccc;padding:3px 7px;text-align:right}\n"
         "table.data th{background:#f2f4f7}\ntable.data td:first-child{text-align:left;font-weight:600}\n"
         "figure{margin:8px 0 18px}\nfigure img{max-width:100%;height:auto;border:1px solid #eee}\n"
         "figcaption{font-size:13px;color:#444;max-width:1100px}\n.links{font-size:12px}\n"
         ".notes{background:#fff8e1;border:1px solid #f0d98c;padding:6px 10px;font-size:13px}\n"
         "</style></head><body>\n";
    o << "<h1>qforge report</h1>\n<p class=\"muted\">";
    for (std::size_t i = 0; i < models_.size(); ++i)
      o << (i ? ", " : "") << html_escape(models_[i].label) << " <code>" << html_escape(models_[i].run.dir) << "</code>";
    o << "</p>\n";
    std::string md = table_md();
    if (!md.empty()) o << "<h2 id=\"table\">The experiment's table (ours beside the paper's)</h2>\n"
                       << markdown_to_html(md);
    o << "<h2 id=\"runs\">Runs (last epoch, from metrics.csv)</h2>\n" << summary_table();
    if (!budgets_.empty()) {
      o << "<h2 id=\"error_budget\">Device error budget of the chosen layout</h2>\n";
      for (const auto& bgt : budgets_) o << bgt.second;
    }
    if (!notes_.empty()) {
      o << "<div class=\"notes\"><b>Notes</b><ul>\n";
      for (const auto& n : notes_) o << "<li>" << html_escape(n) << "</li>\n";
      o << "</ul></div>\n";
    }
    std::string last_group = "-";
    for (std::size_t i = 0; i < res_.figures.size(); ++i) {
      const auto& f = res_.figures[i];
      const auto& g = groups_[i];
      if (g.empty() || g != last_group) o << "<h2 id=\"" << f.id << "\">" << html_escape(g.empty() ? f.title : group_title(g)) << "</h2>\n";
      if (!g.empty()) o << "<h3>" << html_escape(f.title) << "</h3>\n";
      last_group = g;
      o << "<figure><a href=\"" << f.id << ".svg\"><img src=\"" << f.id << ".png\" width=\"" << f.width
        << "\" alt=\"" << html_escape(f.title) << "\"></a>\n<figcaption>" << html_escape(f.caption)
        << " <span class=\"links\">[<a href=\"" << f.id << ".svg\">SVG</a> · <a href=\"" << f.id
        << ".png\">PNG</a>]</span></figcaption></figure>\n";
    }
    o << "<p class=\"muted\">Made by <code>qforge report</code>; each chart's gnuplot script is in "
         "<code>gnuplot/</code>.</p>\n</body></html>\n";
    return o.str();
  }
  static std::string group_title(const std::string& g) {
    if (g == "gradcam") return "Grad-CAM";
    if (g == "predictions") return "Test images with true and predicted labels";
    if (g == "circuit") return "Circuits";
    if (g == "bloch") return "Bloch vectors after the encoding layer";
    if (g == "noise") return "On the device: ideal vs noisy, error budget";
    return g;
  }

  const ReportOptions& o_;
  std::ostream& log_;
  std::string gp_;
  std::vector<Model> models_;
  std::vector<std::string> classes_, notes_, groups_;
  std::vector<std::pair<const Model*, std::string>> budgets_;  ///< error-budget tables (HTML)
  ReportResult res_;
};

}  // namespace

ReportResult write_report(const ReportOptions& options, std::ostream& log) {
  if (options.run_dirs.empty()) throw std::runtime_error("no run folders");
  if (options.out_dir.empty()) throw std::runtime_error("no output folder");
  return Reporter(options, log).run();
}

}  // namespace qforge::models
