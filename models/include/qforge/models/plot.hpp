// qforge/models/plot.hpp - charts through gnuplot (Debian's gnuplot-nox), each
// rendered from one self-contained script to PNG (pngcairo) and SVG (svg).
// Torch-free.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace qforge::models {

/// gnuplot is missing, too old, or failed on a script.
struct PlotError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The gnuplot executable: $QFORGE_GNUPLOT, else "gnuplot" on PATH.
std::string gnuplot_program();
/// "gnuplot 5.4 patchlevel 4" or throws PlotError with how to install it
/// (apt-get install gnuplot-nox) when it is missing or lacks the pngcairo and
/// svg terminals.
std::string check_gnuplot(const std::string& program);

/// A gnuplot `$name << EOD` data block from rows of columns.
std::string datablock(const std::string& name, const std::vector<std::vector<std::string>>& rows);
/// gnuplot string literal (single quotes, enhanced-text specials escaped).
std::string gp_quote(const std::string& s);
/// Numbers as gnuplot data (NaN as "NaN").
std::string gp_num(double v);

/// Colour of series i (a fixed, colour-blind-friendly cycle), "#rrggbb".
std::string series_color(int i);

/// Render `body` (gnuplot commands that draw one plot or a multiplot; no
/// terminal/output lines) to dir/name.png and dir/name.svg, both width x
/// height pixels. The script is kept as dir/gnuplot/name.gp (re-run it with
/// `gnuplot name.gp` from dir to restyle). Throws PlotError with gnuplot's
/// messages when it fails or an output is missing.
void render_gnuplot(const std::string& program, const std::string& dir, const std::string& name,
                    const std::string& body, int width, int height);

}  // namespace qforge::models
