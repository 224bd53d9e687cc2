// Plots for reports: every figure is a CSV file (the data, kept beside the picture so it can be
// re-plotted elsewhere), a gnuplot script that reads it, and the PNG and SVG gnuplot renders.
// gnuplot (Debian's gnuplot-nox) is run as a child process; without it the CSV and script are
// still written and the call says so in its result. Torch-free.
//
//   LinePlot p{"COPY error vs distance", "distance L (tokens)", "max |error|"};
//   p.log_y = true;
//   p.series.push_back({"Mamba, N = 16", xs, ys});
//   p.series.push_back({"theory (1/a)^(L-1)", xs2, ys2, SeriesStyle::line});
//   write_plot(p, dir / "copy_error");   // copy_error.{csv,gp,png,svg}
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace fl {

enum class SeriesStyle { points, line, linespoints };

struct Series {
  std::string title;
  std::vector<double> x, y;  // same length; non-finite y values (and non-positive ones on a log axis) are skipped
  SeriesStyle style = SeriesStyle::linespoints;
};

struct LinePlot {
  std::string title, x_label, y_label;  // labels carry units, e.g. "position t (tokens)"
  bool log_x = false, log_y = false;
  std::vector<Series> series;
  std::string legend = "top left";  // gnuplot key position, e.g. "bottom right", "outside right top"
};

// A matrix shown as a coloured grid: row r is drawn top to bottom, column c left to right
// (row = query position i, column = key position j for attention maps).
struct Heatmap {
  std::string title, x_label, y_label, value_label;
  int64_t rows = 0, cols = 0;
  std::vector<double> values;  // rows * cols, row-major; NaN cells are left blank (e.g. above the diagonal)
  bool log_scale = false;      // colour by log10 of positive values
};

struct PlotFiles {
  std::filesystem::path csv, script, png, svg;
  bool rendered = false;  // false when gnuplot is missing: only the CSV and script exist
};

// Write <stem>.csv and <stem>.gp and render <stem>.png and <stem>.svg. The parent directory must
// exist. Throws fl::Error on bad input (mismatched lengths, empty plot, rows*cols ≠ values) or
// when gnuplot exists but fails (its first error line is in the message).
PlotFiles write_plot(const LinePlot& plot, const std::filesystem::path& stem);
PlotFiles write_heatmap(const Heatmap& map, const std::filesystem::path& stem);

// True when `gnuplot` is on PATH (looked up once).
bool gnuplot_available();

}  // namespace fl
