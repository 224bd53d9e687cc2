#include "interchange/family_naming.h"

#include "core/error.h"

namespace fl::interchange {

const char* to_string(Target target) { return target == Target::hf ? "hf" : "gguf"; }

Target parse_target(const std::string& name, const std::string& what) {
  for (Target t : {Target::hf, Target::gguf})
    if (name == to_string(t)) return t;
  throw Error(what + " = '" + name + "': expected hf or gguf");
}

namespace {

const std::vector<const FamilyNaming*>& all_tables() {
  static const std::vector<const FamilyNaming*> tables = {&mamba1_naming()};
  return tables;
}

}  // namespace

const FamilyNaming& family_naming(ModelFamily family, const std::string& what) {
  for (const FamilyNaming* table : all_tables())
    if (table->family == family) return *table;
  throw Error(what + ": model.type = " + to_string(family) + " cannot be exported or imported (only Mamba-1 can)");
}

const FamilyNaming* family_naming_for_hf(const std::string& model_type) {
  for (const FamilyNaming* table : all_tables())
    if (table->hf_model_type == model_type) return table;
  return nullptr;
}

std::string layer_name(const std::string& pattern, int64_t layer) {
  const auto at = pattern.find("{i}");
  if (at == std::string::npos) return pattern;
  return pattern.substr(0, at) + std::to_string(layer) + pattern.substr(at + 3);
}

std::vector<TensorNaming> expand_layers(const std::vector<TensorNaming>& rows, int64_t n_layer) {
  const auto per_layer = [](const TensorNaming& row) { return row.freelunch.find("{i}") != std::string::npos; };
  std::vector<TensorNaming> out;
  const auto resolved = [](const TensorNaming& row, int64_t i) {
    return TensorNaming{layer_name(row.freelunch, i), row.hf.empty() ? "" : layer_name(row.hf, i),
                        row.gguf.empty() ? "" : layer_name(row.gguf, i), row.transform};
  };
  // The table's order: the global rows before the first per-layer row, the layers, the rest.
  auto first_layer_row = rows.begin();
  while (first_layer_row != rows.end() && !per_layer(*first_layer_row)) ++first_layer_row;
  for (auto it = rows.begin(); it != first_layer_row; ++it) out.push_back(*it);
  for (int64_t i = 0; i < n_layer; ++i)
    for (auto it = first_layer_row; it != rows.end(); ++it)
      if (per_layer(*it)) out.push_back(resolved(*it, i));
  for (auto it = first_layer_row; it != rows.end(); ++it)
    if (!per_layer(*it)) out.push_back(*it);
  return out;
}

}  // namespace fl::interchange
