// The sections of the `freelunch reproduce` report (report/claim_report.h), one function per claim
// of report/paper_claims.h. Each builds its section from stored results only — the rows of a
// sweep's results database, cost.json, the theory JSON files — never from a live run, so deleting
// the report and rebuilding it gives the same bytes. Plots go into report_dir (CSV, gnuplot
// script, PNG, SVG; render/plot.h); plots made by another command are copied there, so the report
// directory stands alone. Sections with no data say so and get an inconclusive verdict.
#pragma once
#include <filesystem>
#include <vector>

#include "core/config.h"
#include "experiments/results_store.h"
#include "report/claim_report.h"

namespace fl::reproduce {

// What every section gets: the sweep (or measurement) it reads and where to put its plots.
struct SectionContext {
  ExperimentSummary experiment;     // sweep name, grid and budget in words (from the suite)
  std::filesystem::path report_dir;  // plots are written (or copied) here
};

// 1. COPY vs state size: sweep cells with model.type mamba / transformer on copy (or lookup).
ClaimSection copy_state_section(const std::vector<CellRow>& cells, const SectionContext& context);
// 2. Sample efficiency: eval curves (metrics "eval_curve") of Mamba and Transformer cells per max length.
ClaimSection sample_efficiency_section(const std::vector<CellRow>& cells, const SectionContext& context);
// 3. DP with CoT: lis / edit_distance / arithmetic cells, direct and cot, Mamba and Transformer.
ClaimSection dp_cot_section(const std::vector<CellRow>& cells, const SectionContext& context);
// 4. Locality: local_dp cells, interleaved and prefix, Mamba / windowed Transformer / Transformer.
ClaimSection locality_section(const std::vector<CellRow>& cells, const SectionContext& context);
// 5. Cost: cost.json of `freelunch cost` (in cost_dir, with its plots; null when not measured), the
// measured generation cost of the CoT cells of the dp-cot sweep (metrics "generation"), and the
// cost of the smallest models that solve copy (copy-state cells) and the DP tasks with CoT
// (dp-cot cells) against the task size, which the claim's verdict judges.
ClaimSection cost_section(const Json& cost, const std::filesystem::path& cost_dir,
                          const std::vector<CellRow>& copy_state_cells, const std::vector<CellRow>& dp_cot_cells,
                          const SectionContext& context);
// 6. Theory: the JSON of `theory copy` and `theory local-dp` (theory_results.h), with their plots,
// and the scores of trained copy models (scores.json in scores_dir; null when none was measured).
ClaimSection theory_section(const Json& copy_theory, const std::filesystem::path& copy_dir,
                            const Json& local_dp_theory, const std::filesystem::path& local_dp_dir,
                            const Json& trained_scores, const std::filesystem::path& scores_dir,
                            const SectionContext& context);

// Copies <from_stem>.{csv,gp,png,svg} (those that exist) to report_dir/<name>.* and returns the
// plot; rendered = the PNG and SVG exist. fl::Error naming the file when the CSV is missing.
ReportPlot copy_plot(const std::filesystem::path& from_stem, const std::filesystem::path& report_dir,
                     const std::string& name, const std::string& caption);

}  // namespace fl::reproduce
