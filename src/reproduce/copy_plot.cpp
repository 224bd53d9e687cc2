// copy_plot (reproduce/report_sections.h): a plot made by another command (its CSV, gnuplot
// script, PNG and SVG) copied into the report directory under a new name, so the report stands
// alone. Each file is written atomically (write_file_atomic). The script names its CSV and
// outputs by file name (render/plot.h), so those names are rewritten to the new ones; the
// other files are copied byte for byte. Torch-free.
#include <string>

#include "core/atomic_file.h"
#include "core/error.h"
#include "reproduce/report_sections.h"

namespace fl::reproduce {
namespace fs = std::filesystem;
namespace {

fs::path with_extension(const fs::path& stem, const char* extension) { return fs::path(stem).concat(extension); }

// Every "<from>.csv", "<from>.png", "<from>.svg" in the script renamed to "<to>.…".
std::string renamed_script(std::string script, const std::string& from, const std::string& to) {
  for (const char* extension : {".csv", ".png", ".svg"}) {
    const std::string old_name = from + extension, new_name = to + extension;
    for (size_t at = script.find(old_name); at != std::string::npos; at = script.find(old_name, at + new_name.size()))
      script.replace(at, old_name.size(), new_name);
  }
  return script;
}

}  // namespace

ReportPlot copy_plot(const fs::path& from_stem, const fs::path& report_dir, const std::string& name,
                     const std::string& caption) {
  const fs::path source_csv = with_extension(from_stem, ".csv");
  require(fs::is_regular_file(source_csv), "plot data " + source_csv.string() + " is missing");
  std::error_code ec;
  fs::create_directories(report_dir, ec);
  require(fs::is_directory(report_dir), "report directory " + report_dir.string() + " cannot be created");
  const fs::path to_stem = report_dir / name;
  ReportPlot plot{caption,
                  {with_extension(to_stem, ".csv"), with_extension(to_stem, ".gp"), with_extension(to_stem, ".png"),
                   with_extension(to_stem, ".svg"), false}};
  write_file_atomic(plot.files.csv, read_file(source_csv));
  const fs::path source_script = with_extension(from_stem, ".gp");
  if (fs::is_regular_file(source_script))
    write_file_atomic(plot.files.script, renamed_script(read_file(source_script), from_stem.filename().string(), name));
  bool rendered = true;
  for (const auto& [extension, target] : {std::pair{".png", plot.files.png}, std::pair{".svg", plot.files.svg}}) {
    const fs::path source = with_extension(from_stem, extension);
    if (fs::is_regular_file(source))
      write_file_atomic(target, read_file(source));
    else
      rendered = false;
  }
  plot.files.rendered = rendered;
  return plot;
}

}  // namespace fl::reproduce
