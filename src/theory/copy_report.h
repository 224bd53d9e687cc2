// The tables, the checks in words and the files of `freelunch theory copy` (copy_construction.h).
#pragma once
#include "theory/copy_construction.h"

namespace fl::theory {

// Fills r.length_table, r.distance_table, r.frontier_table (terminal tables with their legends)
// and r.verdict.
void render_copy_report(const CopyTheoryOptions& o, CopyTheoryResult& r);

// Writes copy_theory.csv, copy_distances.csv, copy_score_frontier.csv (when measured),
// summary.md and the plots (render/plot.h) into o.out (created); lists them in r.files.
void write_copy_files(const CopyTheoryOptions& o, CopyTheoryResult& r);

}  // namespace fl::theory
