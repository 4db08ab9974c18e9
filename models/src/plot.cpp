// Charts through gnuplot (plot.hpp).
#include "qforge/models/plot.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace qforge::models {
namespace {

std::string shell_quote(const std::string& s) {
  std::string o = "'";
  for (char c : s) {
    if (c == '\'') o += "'\\''";
    else o += c;
  }
  return o + "'";
}

/// Run a shell command; its stdout+stderr into `out`; the exit status.
int run_capture(const std::string& cmd, std::string& out) {
  out.clear();
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = ::pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

bool nonempty_file(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

const char* kInstall =
    "qforge report draws its charts with gnuplot: install it with\n"
    "  sudo apt-get install gnuplot-nox\n"
    "(scripts/setup.sh does), or point QFORGE_GNUPLOT at a gnuplot 5 executable";

}  // namespace

std::string gnuplot_program() {
  const char* env = std::getenv("QFORGE_GNUPLOT");
  return env && *env ? env : "gnuplot";
}

std::string check_gnuplot(const std::string& program) {
  std::string out;
  int rc = run_capture(shell_quote(program) + " --version", out);
  if (rc != 0 || out.rfind("gnuplot", 0) != 0)
    throw PlotError("cannot run '" + program + "'" + (out.empty() ? "" : " (" + out.substr(0, 200) + ")") +
                    ".\n" + kInstall);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  std::string terms;
  run_capture(shell_quote(program) + " -e \"print GPVAL_TERMINALS\"", terms);
  if (terms.find("pngcairo") == std::string::npos || terms.find("svg") == std::string::npos)
    throw PlotError("'" + program + "' (" + out + ") lacks the pngcairo or svg terminal.\n" + kInstall);
  return out;
}

std::string datablock(const std::string& name, const std::vector<std::vector<std::string>>& rows) {
  std::string s = "$" + name + " << EOD\n";
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < r.size(); ++i) s += (i ? " " : "") + r[i];
    s += "\n";
  }
  return s + "EOD\n";
}

std::string gp_quote(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '\n') { o += "\\n"; continue; }
    if (c == '"' || c == '\\') o += '\\';
    if (c == '_' || c == '^' || c == '@' || c == '&' || c == '~' || c == '{' || c == '}') {
      o += "\\\\";  // enhanced-text special: a literal character
    }
    o += c;
  }
  return o + "\"";
}

std::string gp_num(double v) {
  if (!std::isfinite(v)) return "NaN";
  char b[40];
  std::snprintf(b, sizeof b, "%.9g", v);
  return b;
}

std::string series_color(int i) {
  // Okabe-Ito, without yellow.
  static const char* c[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                            "#E69F00", "#56B4E9", "#000000", "#999999"};
  return c[((i % 8) + 8) % 8];
}

void render_gnuplot(const std::string& program, const std::string& dir, const std::string& name,
                    const std::string& body, int width, int height) {
  ::mkdir((dir + "/gnuplot").c_str(), 0755);
  const std::string script = dir + "/gnuplot/" + name + ".gp";
  std::ostringstream s;
  s << "# " << name << ": run from the report folder with `gnuplot gnuplot/" << name << ".gp`\n"
    << "set encoding utf8\n"
    << "set terminal pngcairo size " << width << "," << height
    << " enhanced font 'DejaVu Sans,10' linewidth 1.2\n"
    << "set output '" << name << ".png.tmp'\n"
    << "load '" << "gnuplot/" << name << ".body.gp'\n"
    << "unset output\n"
    << "set terminal svg size " << width << "," << height
    << " enhanced font 'DejaVu Sans,10' linewidth 1.2 background '#ffffff'\n"
    << "set output '" << name << ".svg.tmp'\n"
    << "load '" << "gnuplot/" << name << ".body.gp'\n"
    << "unset output\n";
  {
    std::ofstream f(script);
    f << s.str();
    std::ofstream b(dir + "/gnuplot/" + name + ".body.gp");
    b << "reset\n" << body;
    if (!f || !b) throw PlotError("cannot write '" + script + "'");
  }
  std::string out;
  int rc = run_capture("cd " + shell_quote(dir) + " && " + shell_quote(program) + " " +
                           shell_quote("gnuplot/" + name + ".gp"),
                       out);
  const std::string png = dir + "/" + name + ".png", svg = dir + "/" + name + ".svg";
  if (rc != 0 || !nonempty_file(png + ".tmp") || !nonempty_file(svg + ".tmp"))
    throw PlotError("gnuplot failed on " + script + " (exit " + std::to_string(rc) + "):\n" + out);
  std::rename((png + ".tmp").c_str(), png.c_str());
  std::rename((svg + ".tmp").c_str(), svg.c_str());
}

}  // namespace qforge::models
