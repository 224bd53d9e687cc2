// The stored results of `freelunch theory copy` and `theory local-dp` that `freelunch reproduce`
// keeps in DIR/theory/{copy,local-dp}/theory.json, and of the scores of trained copy models
// (theory/trained_scores.h) in DIR/theory/scores/scores.json, so the report's theory section is
// rebuilt from files alone (reproduce/report_sections.h theory_section).
//
// Each document holds the options the run used (not the output directory or the progress flag:
// the report is told where the run's files are) and every number of the result: the copy run's
// decay, length rows and distance rows; the local-dp run's window, channels, interleaved rows,
// prefix rows at the fixed window, smallest-state rows and their least-squares fit. Tables
// rendered as text, verdict text and file lists are not stored (they are derived). JSON has no
// NaN: a non-finite number is stored as null and read back as NaN. Same result → same dump.
// The readers throw fl::Error naming the document and the missing or mistyped key.
#pragma once
#include "core/config.h"
#include "theory/copy_construction.h"
#include "theory/local_dp_theory.h"
#include "theory/trained_scores.h"

namespace fl::reproduce {

Json copy_theory_json(const theory::CopyTheoryOptions& options, const theory::CopyTheoryResult& result);
Json local_dp_theory_json(const theory::LocalDpTheoryOptions& options, const theory::LocalDpTheoryResult& result);

// The inverses: options (out / out_dir left at their defaults, progress false) and the result
// with every stored number; text tables, verdict and files stay empty.
struct StoredCopyTheory {
  theory::CopyTheoryOptions options;
  theory::CopyTheoryResult result;
};
struct StoredLocalDpTheory {
  theory::LocalDpTheoryOptions options;
  theory::LocalDpTheoryResult result;
};
StoredCopyTheory read_copy_theory_json(const Json& document);
StoredLocalDpTheory read_local_dp_theory_json(const Json& document);

// One trained copy model whose scores were measured: which sweep cell, how it did, and the scores;
// `stem` names its CSV and plot (<stem>.csv, <stem>_plot.*) in the scores directory.
struct TrainedModelScores {
  std::string cell, label, stem;  // cell hash, "mamba d_state 4, max_len 10", file stem
  double accuracy = 0;            // the cell's final accuracy (teacher-forced whole-sequence)
  theory::CopyScores scores;
};
struct StoredTrainedScores {
  theory::CopyScoreOptions options;
  std::vector<TrainedModelScores> models;
};
Json trained_scores_json(const StoredTrainedScores& stored);
StoredTrainedScores read_trained_scores_json(const Json& document);

}  // namespace fl::reproduce
