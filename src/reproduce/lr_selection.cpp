#include "reproduce/lr_selection.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "experiments/sweep_spec.h"
#include "reproduce/section_data.h"

namespace fl::reproduce {
namespace {

// A side's overall accuracy of kind `kind` ("answer", "token"): generated when measured, else teacher-forced.
double overall(const Json& report, const char* kind) {
  const Json all = report.value("overall", Json::object());
  for (const char* mode : {"gen", "tf"})
    if (all.contains(mode) && all[mode].contains(kind)) return all[mode][kind].get<double>();
  return NAN;
}

double validation_of(const CellRow& cell, const char* kind) {
  if (!cell.metrics.is_object() || !cell.metrics.contains("validation")) return NAN;
  return overall(cell.metrics["validation"], kind);
}

// Mean of the finite values; NaN when there is none.
double mean(const std::vector<double>& values) {
  double sum = 0;
  int64_t n = 0;
  for (double v : values)
    if (std::isfinite(v)) sum += v, ++n;
  return n ? sum / static_cast<double>(n) : NAN;
}

// Higher is better; NaN is worse than any number.
int compare_higher(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) == std::isnan(b) ? 0 : (std::isnan(a) ? -1 : 1);
  return a > b ? 1 : a < b ? -1 : 0;
}

// True when `a` is the better candidate (the order of lr_selection.h).
bool better(const LrCandidate& a, const LrCandidate& b) {
  if (int c = compare_higher(a.validation, b.validation)) return c > 0;
  if (int c = compare_higher(a.validation_token, b.validation_token)) return c > 0;
  if (int c = compare_higher(-a.final_loss, -b.final_loss)) return c > 0;
  return a.lr < b.lr;
}

}  // namespace

LrSelection select_learning_rates(const std::vector<CellRow>& cells) {
  // Group key: the flat config without seed and train.lr.
  std::map<std::string, std::vector<size_t>> groups;
  std::vector<std::string> order;
  std::vector<Json> configs;
  for (size_t i = 0; i < cells.size(); ++i) {
    Json rest = cells[i].config;
    rest.erase("seed"), rest.erase("train.lr");
    const std::string key = cells[i].variant + "\n" + rest.dump();
    if (!groups.count(key)) order.push_back(key), configs.push_back(rest);
    groups[key].push_back(i);
  }
  std::vector<std::string> keys = varied_keys(configs);

  LrSelection out;
  std::vector<bool> keep(cells.size(), true);
  for (size_t g = 0; g < order.size(); ++g) {
    const auto& members = groups[order[g]];
    std::map<double, std::vector<size_t>> by_lr;
    for (size_t i : members) by_lr[number(cells[i], "train.lr", cells)].push_back(i);
    if (by_lr.size() < 2) continue;
    LrChoice choice;
    const CellRow& first = cells[members.front()];
    choice.group = (first.variant.empty() ? "" : "variant=" + first.variant + " ") + describe_cell(configs[g], keys);
    while (!choice.group.empty() && choice.group.back() == ' ') choice.group.pop_back();
    for (const auto& [lr, indices] : by_lr) {
      LrCandidate c;
      c.lr = lr;
      std::vector<double> validation, token, loss, test;
      for (size_t i : indices) {
        if (cells[i].status != CellStatus::kDone) continue;
        ++c.seeds;
        validation.push_back(validation_of(cells[i], "answer"));
        token.push_back(validation_of(cells[i], "token"));
        loss.push_back(cells[i].final_loss ? *cells[i].final_loss : NAN);
        test.push_back(answer_accuracy(cells[i]));
      }
      c.validation = mean(validation), c.validation_token = mean(token), c.final_loss = mean(loss), c.test = mean(test);
      choice.candidates.push_back(c);
    }
    const LrCandidate* best = nullptr;
    for (const auto& c : choice.candidates)
      if (c.seeds > 0 && (!best || better(c, *best))) best = &c;
    if (!best) continue;  // nothing done yet: every cell stays, for the status notes
    choice.chosen = best->lr;
    choice.by_validation = std::any_of(choice.candidates.begin(), choice.candidates.end(),
                                       [](const LrCandidate& c) { return !std::isnan(c.validation); });
    for (const auto& [lr, indices] : by_lr)
      if (lr != choice.chosen)
        for (size_t i : indices)
          if (cells[i].status == CellStatus::kDone) keep[i] = false;
    out.choices.push_back(std::move(choice));
  }
  for (size_t i = 0; i < cells.size(); ++i)
    if (keep[i]) out.cells.push_back(cells[i]);
  return out;
}

ReportTable lr_table(const std::vector<LrChoice>& choices) {
  std::vector<double> lrs;
  for (const auto& choice : choices)
    for (const auto& c : choice.candidates)
      if (std::find(lrs.begin(), lrs.end(), c.lr) == lrs.end()) lrs.push_back(c.lr);
  std::sort(lrs.begin(), lrs.end());
  ReportTable t{"Learning rates: per cell, each learning rate's validation accuracy (mean over its seeds; the test "
                "accuracy in brackets, never used to choose); ✓ = chosen, the one whose cells the tables above show; "
                "spread = the test accuracy's range over the learning rates",
                {"cells"}, {}};
  for (double lr : lrs) t.header.push_back("lr " + formatted("%g", lr));
  t.header.insert(t.header.end(), {"chosen lr", "spread (points)"});
  for (const auto& choice : choices) {
    std::vector<std::string> row{choice.group};
    double lo = NAN, hi = NAN;
    for (double lr : lrs) {
      const auto it = std::find_if(choice.candidates.begin(), choice.candidates.end(),
                                   [&](const LrCandidate& c) { return c.lr == lr; });
      if (it == choice.candidates.end() || it->seeds == 0) {
        row.push_back("–");
        continue;
      }
      row.push_back((lr == choice.chosen ? "✓ " : "") + percent(it->validation) + " (" + percent(it->test) + ")");
      if (std::isfinite(it->test)) lo = std::isnan(lo) ? it->test : std::min(lo, it->test),
                                   hi = std::isnan(hi) ? it->test : std::max(hi, it->test);
    }
    row.push_back(formatted("%g", choice.chosen) + (choice.by_validation ? "" : " (no validation split: by training loss)"));
    row.push_back(std::isnan(lo) ? "–" : formatted("%.1f", 100 * (hi - lo)));
    t.rows.push_back(std::move(row));
  }
  return t;
}

}  // namespace fl::reproduce
