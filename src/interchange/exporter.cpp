#include "interchange/exporter.h"

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/output_path.h"
#include "interchange/gguf_export.h"
#include "interchange/hf_export.h"

namespace fl::interchange {

namespace fs = std::filesystem;

void check_export_output(const fs::path& out, bool force) {
  require_output_directory(out, "--out");
  std::error_code ec;
  const bool empty = !fs::exists(out, ec) || fs::is_empty(out, ec);
  require(empty || force, "--out " + out.string() + ": exists and is not empty (--force writes the export into it)");
}

std::vector<fs::path> export_model(const ExportSource& source, Target target, const fs::path& out, bool force) {
  check_export_output(out, force);
  const FamilyNaming& naming = family_naming(source.model.family, "--checkpoint");
  const std::string why = naming.unsupported(source.model, target);
  require(why.empty(), std::string("cannot export to ") + to_string(target) + ": " + why);
  const auto files = target == Target::hf ? hf_files(source, naming) : gguf_files(source, naming);

  std::error_code ec;
  fs::create_directories(out, ec);
  require(!ec, "--out " + out.string() + ": cannot create directory: " + ec.message());
  for (auto it = files.rbegin(); it != files.rend(); ++it) fs::remove(out / it->name);  // the marker first
  std::vector<fs::path> written;
  for (const auto& file : files) {
    write_file_atomic(out / file.name, file.bytes);
    written.push_back(out / file.name);
  }
  return written;
}

}  // namespace fl::interchange
