#include "render/plot.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/subprocess.h"

namespace fl {
namespace fs = std::filesystem;
namespace {

// A gnuplot single-quoted string: only ' needs escaping (doubled).
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// A CSV field: quoted when it holds a comma, quote or newline.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

const char* gnuplot_style(SeriesStyle s) {
  switch (s) {
    case SeriesStyle::points: return "points";
    case SeriesStyle::line: return "lines";
    case SeriesStyle::linespoints: return "linespoints";
  }
  return "linespoints";
}

// Both terminals in one script: the PNG first, then the same plot as SVG.
std::string render_both(const std::string& name, const std::string& plot_command) {
  return "set terminal pngcairo size 900,600 noenhanced font 'Sans,11'\n"
         "set output " + quoted(name + ".png") + "\n" + plot_command +
         "set terminal svg size 900,600 font 'Sans,11' noenhanced\n"
         "set output " + quoted(name + ".svg") + "\n" + plot_command + "unset output\n";
}

PlotFiles write_and_render(const fs::path& stem, const std::string& csv, const std::string& script) {
  require(!stem.filename().empty(), "plot: empty file name");
  const fs::path dir = stem.has_parent_path() ? stem.parent_path() : fs::path(".");
  require(fs::is_directory(dir), "plot: directory " + dir.string() + " does not exist");
  PlotFiles files{fs::path(stem).concat(".csv"), fs::path(stem).concat(".gp"), fs::path(stem).concat(".png"),
                  fs::path(stem).concat(".svg")};
  write_file_atomic(files.csv, csv);
  write_file_atomic(files.script, script);
  if (!gnuplot_available()) return files;
  // The script names its files relative to its own directory, so the folder can be moved.
  const auto r = run_child({"gnuplot", "-e", "cd " + quoted(fs::absolute(dir).string()),
                            files.script.filename().string()});
  const std::string first_error = r.err.substr(0, r.err.find('\n'));
  require(r.exit_code == 0 && fs::exists(files.png) && fs::exists(files.svg),
          "gnuplot failed on " + files.script.string() + (first_error.empty() ? "" : ": " + first_error));
  files.rendered = true;
  return files;
}

}  // namespace

bool gnuplot_available() {
  static const bool found = [] {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "");
    for (std::string d; std::getline(dirs, d, ':');)
      if (!d.empty() && access((fs::path(d) / "gnuplot").c_str(), X_OK) == 0) return true;
    return false;
  }();
  return found;
}

PlotFiles write_plot(const LinePlot& plot, const fs::path& stem) {
  require(!plot.series.empty(), "plot '" + plot.title + "': no series");
  // Long format, one row per point, each series contiguous: series_id,x,y,series.
  std::string csv = "series_id,x,y,series\n";
  std::string plot_command = "plot ";
  int plotted = 0;
  for (size_t k = 0; k < plot.series.size(); ++k) {
    const auto& s = plot.series[k];
    require(s.x.size() == s.y.size(), "plot '" + plot.title + "', series '" + s.title + "': " +
                                          std::to_string(s.x.size()) + " x values but " + std::to_string(s.y.size()) +
                                          " y values");
    int kept = 0;
    for (size_t i = 0; i < s.x.size(); ++i) {
      const bool drawable = std::isfinite(s.x[i]) && std::isfinite(s.y[i]) && (!plot.log_x || s.x[i] > 0) &&
                            (!plot.log_y || s.y[i] > 0);
      if (!drawable) continue;
      csv += std::to_string(k) + "," + number(s.x[i]) + "," + number(s.y[i]) + "," + csv_field(s.title) + "\n";
      ++kept;
    }
    if (kept == 0) continue;  // gnuplot refuses a series with no points
    plot_command += std::string(plotted++ ? ", \\\n     " : "") + quoted(stem.filename().string() + ".csv") +
                    " skip 1 using 2:($1 == " + std::to_string(k) + " ? $3 : 1/0) with " +
                    gnuplot_style(s.style) + " lw 2 title " + quoted(s.title);
  }
  require(plotted > 0, "plot '" + plot.title + "': no drawable points");
  plot_command += "\n";
  std::string script = "# " + plot.title + " — data in " + stem.filename().string() + ".csv\n"
                       "set datafile separator ','\n"
                       "set title " + quoted(plot.title) + "\n"
                       "set xlabel " + quoted(plot.x_label) + "\nset ylabel " + quoted(plot.y_label) + "\n"
                       "set key " + plot.legend + " box opaque\nset grid\n";
  if (plot.log_x) script += "set logscale x\n";
  if (plot.log_y) script += "set logscale y\n";
  return write_and_render(stem, csv, script + render_both(stem.filename().string(), plot_command));
}

PlotFiles write_heatmap(const Heatmap& map, const fs::path& stem) {
  require(map.rows > 0 && map.cols > 0, "heatmap '" + map.title + "': empty");
  require(static_cast<int64_t>(map.values.size()) == map.rows * map.cols,
          "heatmap '" + map.title + "': " + std::to_string(map.values.size()) + " values for " +
              std::to_string(map.rows) + " × " + std::to_string(map.cols) + " cells");
  std::string csv = "row,col,value\n";
  for (int64_t r = 0; r < map.rows; ++r)
    for (int64_t c = 0; c < map.cols; ++c) {
      double v = map.values[r * map.cols + c];
      if (map.log_scale && !(v > 0)) v = NAN;  // no colour for log10 of zero or negatives
      csv += std::to_string(r) + "," + std::to_string(c) + "," + number(v) + "\n";
    }
  std::string script = "# " + map.title + " — data in " + stem.filename().string() + ".csv\n"
                       "set datafile separator ','\n"
                       "set title " + quoted(map.title) + "\n"
                       "set xlabel " + quoted(map.x_label) + "\nset ylabel " + quoted(map.y_label) + "\n"
                       "set cblabel " + quoted(map.value_label) + "\n"
                       "set xrange [-0.5:" + std::to_string(map.cols) + "-0.5]\n"
                       "set yrange [" + std::to_string(map.rows) + "-0.5:-0.5]\n"  // row 0 on top
                       // viridis: dark for 0, yellow for the maximum; blank cells stay white
                       "set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', 0.75 '#5ec962', "
                       "1 '#fde725')\nset size ratio -1\n";
  if (map.log_scale) script += "set logscale cb\n";
  const std::string plot_command =
      "plot " + quoted(stem.filename().string() + ".csv") + " skip 1 using 2:1:3 with image failsafe notitle\n";
  return write_and_render(stem, csv, script + render_both(stem.filename().string(), plot_command));
}

}  // namespace fl
