#include "report/claim_report.h"

#include <cctype>
#include <cstdio>
#include <set>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "render/table.h"

namespace fl {
namespace fs = std::filesystem;
namespace {

std::string markdown_table(const ReportTable& table) {
  std::vector<std::string> header;
  for (const auto& h : table.header) header.push_back(markdown_cell(h));
  TextTable text(header);
  for (const auto& row : table.rows) {
    std::vector<std::string> cells;
    for (const auto& c : row) cells.push_back(markdown_cell(c));
    text.add(cells);
  }
  return text.render_markdown();
}

// "> " before every line of a block quote.
std::string quoted_block(const std::string& text) {
  std::string out = "> ";
  for (char c : text) out += c == '\n' ? std::string("\n> ") : std::string(1, c);
  return out + "\n";
}

std::string markdown_experiment(const ExperimentSummary& e) {
  std::string out;
  if (!e.sweep.empty()) out += "- **Sweep:** `" + e.sweep + "`\n";
  if (!e.grid.empty()) out += "- **Grid:** " + e.grid + "\n";
  if (!e.budget.empty()) out += "- **Budget:** " + e.budget + "\n";
  if (!e.notes.empty()) out += (out.empty() ? "" : "\n") + e.notes + "\n";
  return out.empty() ? "" : "**Experiment.**\n\n" + out + "\n";
}

std::string markdown_plot(const ReportPlot& plot, const fs::path& dir) {
  const std::string csv = "[CSV](" + report_link(plot.files.csv, dir) + ")";
  if (!plot.files.rendered)
    return "*" + plot.caption + ": not rendered (gnuplot missing)* — " + csv + " · [gnuplot script](" +
           report_link(plot.files.script, dir) + ")\n\n";
  return "![" + plot.caption + "](" + report_link(plot.files.png, dir) + ")\n\n" + plot.caption + " — [SVG](" +
         report_link(plot.files.svg, dir) + ") · " + csv + "\n\n";
}

}  // namespace

const char* sanity_result(ClaimOutcome outcome) {
  switch (outcome) {
    case ClaimOutcome::supported: return "passed";
    case ClaimOutcome::not_supported: return "FAILED (a bug)";
    case ClaimOutcome::inconclusive: return "not checked";
  }
  return "not checked";
}

ReportTable sanity_table(const ClaimReport& report) {
  ReportTable table{"", {"section", "result", "check"}, {}};
  for (const auto& s : report.sections)
    for (const auto& check : s.sanity_checks)
      table.rows.push_back({"[" + s.title + "](#" + s.id + ")", sanity_result(check.outcome), check.because});
  return table;
}

std::string run_line(const RunMetadata& run) {
  return "Run: " + (run.date.empty() ? std::string("date unknown") : run.date) + " · commit " +
         (run.git_commit.empty() ? std::string("unknown") : run.git_commit) + " · " + std::to_string(run.threads) +
         (run.threads == 1 ? " thread" : " threads") + " · " + format_duration(run.seconds) + " compute · " +
         "suite " + run.suite + (run.machine.empty() ? "" : " · machine " + run.machine);
}

void validate_report(const ClaimReport& report) {
  std::set<std::string> ids;
  for (const auto& s : report.sections) {
    const std::string where = "report section '" + s.title + "'";
    require(!s.id.empty(), where + ": empty id");
    for (char c : s.id)
      require((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-',
              where + ": id '" + s.id + "' may hold only a-z, 0-9 and '-'");
    require(ids.insert(s.id).second, where + ": id '" + s.id + "' is used twice");
    for (const auto& t : s.tables)
      for (const auto& row : t.rows)
        require(row.size() == t.header.size(), where + ", table '" + t.caption + "': a row has " +
                                                   std::to_string(row.size()) + " cells, the header " +
                                                   std::to_string(t.header.size()));
  }
}

std::string report_link(const fs::path& file, const fs::path& dir) {
  const fs::path target = fs::absolute(file).lexically_normal();
  const fs::path relative = target.lexically_relative(fs::absolute(dir).lexically_normal());
  const std::string path = (relative.empty() ? target : relative).generic_string();
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string render_report_markdown(const ClaimReport& report, const fs::path& dir) {
  validate_report(report);
  std::string out = "# " + report.title + "\n\n" + run_line(report.run) + "\n\n";
  if (!report.intro.empty()) out += report.intro + "\n\n";
  ReportTable verdicts{"", {"claim", "verdict", "because"}, {}};
  for (const auto& s : report.sections)
    verdicts.rows.push_back({"[" + s.title + "](#" + s.id + ")", to_string(s.verdict.outcome), s.verdict.because});
  out += "## Verdicts\n\n" + markdown_table(verdicts) + "\n";
  if (const ReportTable sanity = sanity_table(report); !sanity.rows.empty())
    out += "## Sanity checks\n\n" + std::string(kSanityNote) + "\n\n" + markdown_table(sanity) + "\n";
  for (const auto& s : report.sections) {
    out += "<a id=\"" + s.id + "\"></a>\n\n## " + s.title + "\n\n";
    if (!s.claim.empty())
      out += "*" + std::string(kClaimLabel) + "*\n\n" + quoted_block(s.claim) + (s.source.empty() ? "" : ">\n> — " + s.source + "\n") + "\n";
    out += markdown_experiment(s.experiment);
    for (const auto& t : s.tables)
      out += (t.caption.empty() ? "" : "**" + t.caption + "**\n\n") + markdown_table(t) + "\n";
    for (const auto& p : s.plots) out += markdown_plot(p, dir);
    out += "**Verdict: " + std::string(to_string(s.verdict.outcome)) + ".** " + s.verdict.because + "\n\n" +
           "*Rule:* " + s.verdict.rule + "\n\n";
    if (!s.sanity_checks.empty()) out += "**Sanity checks** (a failure is a bug, not evidence):\n\n";
    for (const auto& check : s.sanity_checks)
      out += "- " + std::string(sanity_result(check.outcome)) + ": " + check.because + " *Rule:* " + check.rule + "\n";
    if (!s.sanity_checks.empty()) out += "\n";
  }
  return out;
}

fs::path write_report_file(const fs::path& dir, const std::string& name, std::string_view text) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  require(!ec, "cannot create the report directory " + dir.string() + ": " + ec.message());
  write_file_atomic(dir / name, text);
  return dir / name;
}

fs::path write_report_markdown(const ClaimReport& report, const fs::path& dir) {
  return write_report_file(dir, "index.md", render_report_markdown(report, dir));
}

}  // namespace fl
