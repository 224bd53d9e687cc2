// The report of `freelunch reproduce`: one section per claim of the paper (docs/SOURCES.md §3) with the
// claim, the experiment that tests it, the measured tables and plots, and a verdict computed from
// the numbers by a stated rule (report/verdict.h). Rendered as Markdown (dir/index.md, here) and
// as self-contained HTML (dir/index.html, report/html_report.h). Torch-free.
//
// Layout of both: title; one line of run metadata; a verdict table (claim → verdict → because);
// the sanity-check table when any section has checks (section → result → check); then per claim: the quoted claim and its source, the experiment (sweep, grid, budget), the
// tables, the plots (PNG shown, SVG and CSV linked, all relative to dir) and the verdict with its
// rule, then its sanity checks with their rules. The same ClaimReport renders to the same bytes; only the run-metadata line (kept on one line)
// depends on when and where the run happened.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "render/plot.h"
#include "report/verdict.h"

namespace fl {

struct RunMetadata {
  std::string date;        // e.g. utc_now() (core/provenance.h)
  std::string git_commit;  // e.g. git_commit_of(repo); "" = unknown
  int64_t threads = 0;
  double seconds = 0;  // compute time (reproduce: the stored cells' wall times + cost + theory)
  std::string suite = "quick";  // the suite run: "quick", "full" or a custom suite directory's name
  std::string machine;          // machine_description() (core/provenance.h); "" = not recorded
};

// One line: "Run: 2026-11-29 13:05:12 UTC · commit 7186b65c1a2b · 2 threads · 12m03s compute · suite quick",
// then " · machine …" when recorded.
std::string run_line(const RunMetadata& run);

struct ReportTable {
  std::string caption;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each as wide as the header
};

struct ReportPlot {
  std::string caption;
  PlotFiles files;  // from write_plot / write_heatmap, normally inside the report directory
};

struct ExperimentSummary {
  std::string sweep;   // the sweep's name, e.g. "copy-state"
  std::string grid;    // e.g. "Mamba d_state ∈ {2, 4, 8, 16} × length ∈ {10, 20, 40}, 2 seeds"
  std::string budget;  // e.g. "2,000 steps × 32 sequences"
  std::string notes;   // anything else; may be empty
};

struct ClaimSection {
  std::string id;      // anchor: lower-case letters, digits and '-', unique in the report
  std::string title;   // e.g. "1. COPY vs state size"
  std::string claim;   // quoted from docs/SOURCES.md §3
  std::string source;  // e.g. "Theorems 1–3"
  ExperimentSummary experiment;
  std::vector<ReportTable> tables;
  std::vector<ReportPlot> plots;
  ClaimVerdict verdict;
  // Checks of quantities fixed by construction or by the architecture (the theory's hand-set
  // constructions, analytic FLOPs, state bytes), each a ClaimVerdict of report/verdict.h: shown
  // in the report's "Sanity checks" table and under the section, never in the claim verdicts. A
  // check that does not pass is a bug in the code, not evidence about the claim.
  std::vector<ClaimVerdict> sanity_checks;
};

struct ClaimReport {
  std::string title;
  RunMetadata run;
  std::string intro;  // a paragraph under the run line; may be empty
  std::vector<ClaimSection> sections;
};

// The line above each section's claim: the claims are our reconstruction, not quotations.
inline constexpr const char* kClaimLabel =
    "The claim as reconstructed here (not a quotation: the paper's full text was not available; rebuilt from its "
    "abstract and public summaries, docs/SOURCES.md §3):";

// The paragraph under the report's "Sanity checks" heading.
inline constexpr const char* kSanityNote =
    "Quantities fixed by construction or by the architecture (the theorems' hand-set constructions, analytic "
    "FLOPs, state bytes), checked on every run. They are not evidence about the claims: a check that does not pass "
    "is a bug in the code.";

// A sanity check's result in words: "passed", "FAILED (a bug)", "not checked".
const char* sanity_result(ClaimOutcome outcome);
// Every section's sanity checks as one table (section, result, check); no rows when there are none.
ReportTable sanity_table(const ClaimReport& report);

// fl::Error naming the section when an id is empty, malformed or repeated, or a table row is not
// as wide as its header. Both writers call it first.
void validate_report(const ClaimReport& report);

// The path of `file` relative to `dir` as a URL path ('/' separators, bytes other than
// A-Z a-z 0-9 - . _ ~ / percent-encoded), e.g. "copy_state.png".
std::string report_link(const std::filesystem::path& file, const std::filesystem::path& dir);

// Creates dir if missing and writes dir/name atomically; returns its path. fl::Error naming dir on failure.
std::filesystem::path write_report_file(const std::filesystem::path& dir, const std::string& name,
                                        std::string_view text);

// index.md's text; plot links relative to dir.
std::string render_report_markdown(const ClaimReport& report, const std::filesystem::path& dir);
// Writes dir/index.md atomically (dir created if missing); returns its path.
std::filesystem::path write_report_markdown(const ClaimReport& report, const std::filesystem::path& dir);

}  // namespace fl
