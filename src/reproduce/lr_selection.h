// Fair learning rates (docs/REPRODUCE.md "Learning rates"): a sweep may train each cell at several
// learning rates (a grid over train.lr); the report then judges each cell at the one learning
// rate that did best on the cell's validation split (eval.validation: examples of their own
// stream, disjoint from the evaluation examples the tables show, and never trained on). The test
// numbers of the other learning rates are shown as the spread, never used to choose.
//
// A group is the cells that differ only in seed and train.lr. Per learning rate, over its done
// seeds: the mean validation answer accuracy (generated when measured, else teacher-forced), then
// the mean validation token accuracy, then the lower mean final training loss, then the smaller
// learning rate decide. A cell trained without a validation split scores NaN there, so only the
// training loss can tell such learning rates apart, and the choice says so. Torch-free.
#pragma once
#include <string>
#include <vector>

#include "experiments/results_store.h"
#include "report/claim_report.h"

namespace fl::reproduce {

// One learning rate of a group, over its done seeds.
struct LrCandidate {
  double lr = 0;
  int64_t seeds = 0;            // done cells
  double validation = NAN;      // mean validation answer accuracy; NaN without a validation split
  double validation_token = NAN;
  double final_loss = NAN;      // mean final training loss
  double test = NAN;            // mean test answer accuracy (shown as the spread, never used to choose)
};

struct LrChoice {
  std::string group;  // the group's distinguishing keys, e.g. "variant=mamba model.d_state=4 task.max_len=8"
  std::vector<LrCandidate> candidates;  // increasing lr
  double chosen = 0;
  bool by_validation = true;  // false: no candidate had a validation split (chosen by training loss)
};

struct LrSelection {
  // The cells the report judges: of each group with several learning rates, the done cells of the
  // chosen one; groups with one learning rate, and every cell not done (for the status notes), as they are.
  std::vector<CellRow> cells;
  std::vector<LrChoice> choices;  // the groups with several learning rates, in cell order
};

LrSelection select_learning_rates(const std::vector<CellRow>& cells);

// The choices as a report table: per group, each learning rate's validation accuracy (mean over
// its seeds) with the test accuracy beside it, the chosen one marked, and the spread of the test
// accuracy over the learning rates (max − min, points).
ReportTable lr_table(const std::vector<LrChoice>& choices);

}  // namespace fl::reproduce
