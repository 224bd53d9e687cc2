#include "report/html_report.h"

#include <cctype>

namespace fl {
namespace fs = std::filesystem;
namespace {

constexpr const char* kStyle =
    "body{font-family:sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;line-height:1.45;color:#222}"
    "table{border-collapse:collapse;margin:.5rem 0 1rem}"
    "th,td{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;vertical-align:top}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}"
    "caption{text-align:left;font-weight:bold;padding:.2rem 0}"
    "blockquote{border-left:4px solid #ccc;margin:1rem 0;padding:.1rem 1rem;color:#444}"
    "figure{margin:1rem 0}img{max-width:100%}"
    ".supported{background:#e2f5e2}.not-supported{background:#fae0e0}.inconclusive{background:#fff3d0}"
    ".run,.rule{color:#555;font-size:.9em}";

// A column is right-aligned when its first cell reads as a number ("12", "-0.5", ".95", "95.0%").
bool numeric_column(const ReportTable& table, size_t column) {
  if (table.rows.empty()) return false;
  const std::string& cell = table.rows[0][column];
  return !cell.empty() && (std::isdigit(static_cast<unsigned char>(cell[0])) || cell[0] == '-' || cell[0] == '.');
}

std::string css_class(ClaimOutcome outcome) {
  std::string name = to_string(outcome);
  for (char& c : name) c = c == ' ' ? '-' : c;
  return name;
}

std::string html_table(const ReportTable& table) {
  std::string out = "<table>\n";
  if (!table.caption.empty()) out += "<caption>" + html_escape(table.caption) + "</caption>\n";
  out += "<thead><tr>";
  for (const auto& h : table.header) out += "<th>" + html_escape(h) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : table.rows) {
    out += "<tr>";
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string cell = html_escape(row[c]);
      out += numeric_column(table, c) ? "<td class=\"num\">" + cell + "</td>" : "<td>" + cell + "</td>";
    }
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

std::string html_experiment(const ExperimentSummary& e) {
  std::string items;
  if (!e.sweep.empty()) items += "<li><strong>Sweep:</strong> <code>" + html_escape(e.sweep) + "</code></li>\n";
  if (!e.grid.empty()) items += "<li><strong>Grid:</strong> " + html_escape(e.grid) + "</li>\n";
  if (!e.budget.empty()) items += "<li><strong>Budget:</strong> " + html_escape(e.budget) + "</li>\n";
  std::string out = items.empty() ? "" : "<ul>\n" + items + "</ul>\n";
  if (!e.notes.empty()) out += "<p>" + html_escape(e.notes) + "</p>\n";
  return out.empty() ? "" : "<h3>Experiment</h3>\n" + out;
}

std::string html_plot(const ReportPlot& plot, const fs::path& dir) {
  const auto href = [&](const fs::path& file, const std::string& text) {
    return "<a href=\"" + html_escape(report_link(file, dir)) + "\">" + text + "</a>";
  };
  const std::string caption = html_escape(plot.caption);
  if (!plot.files.rendered)
    return "<p><em>" + caption + ": not rendered (gnuplot missing)</em> — " + href(plot.files.csv, "CSV") + " · " +
           href(plot.files.script, "gnuplot script") + "</p>\n";
  return "<figure><img src=\"" + html_escape(report_link(plot.files.png, dir)) + "\" alt=\"" + caption +
         "\"><figcaption>" + caption + " — " + href(plot.files.svg, "SVG") + " · " + href(plot.files.csv, "CSV") +
         "</figcaption></figure>\n";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_report_html(const ClaimReport& report, const fs::path& dir) {
  validate_report(report);
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
                    html_escape(report.title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<h1>" +
                    html_escape(report.title) + "</h1>\n<p class=\"run\">" + html_escape(run_line(report.run)) +
                    "</p>\n";
  if (!report.intro.empty()) out += "<p>" + html_escape(report.intro) + "</p>\n";
  out +=
      "<h2>Verdicts</h2>\n<table>\n<thead><tr><th>claim</th><th>verdict</th><th>because</th></tr></thead>\n<tbody>\n";
  for (const auto& s : report.sections)
    out += "<tr><td><a href=\"#" + s.id + "\">" + html_escape(s.title) + "</a></td><td class=\"" +
           css_class(s.verdict.outcome) + "\">" + to_string(s.verdict.outcome) + "</td><td>" +
           html_escape(s.verdict.because) + "</td></tr>\n";
  out += "</tbody>\n</table>\n";
  if (const ReportTable sanity = sanity_table(report); !sanity.rows.empty()) {
    out += "<h2>Sanity checks</h2>\n<p>" + html_escape(kSanityNote) +
           "</p>\n<table>\n<thead><tr><th>section</th><th>result</th><th>check</th></tr></thead>\n<tbody>\n";
    for (const auto& s : report.sections)
      for (const auto& check : s.sanity_checks)
        out += "<tr><td><a href=\"#" + s.id + "\">" + html_escape(s.title) + "</a></td><td class=\"" +
               css_class(check.outcome) + "\">" + sanity_result(check.outcome) + "</td><td>" +
               html_escape(check.because) + "</td></tr>\n";
    out += "</tbody>\n</table>\n";
  }
  for (const auto& s : report.sections) {
    out += "<section id=\"" + s.id + "\">\n<h2>" + html_escape(s.title) + "</h2>\n";
    if (!s.claim.empty())
      out += "<p class=\"claim-label\">" + html_escape(kClaimLabel) + "</p>\n<blockquote><p>" + html_escape(s.claim) + "</p>" +
             (s.source.empty() ? "" : "<p>— " + html_escape(s.source) + "</p>") + "</blockquote>\n";
    out += html_experiment(s.experiment);
    for (const auto& t : s.tables) out += html_table(t);
    for (const auto& p : s.plots) out += html_plot(p, dir);
    out += "<p class=\"verdict " + css_class(s.verdict.outcome) +
           "\"><strong>Verdict: " + to_string(s.verdict.outcome) + ".</strong> " + html_escape(s.verdict.because) +
           "</p>\n<p class=\"rule\">Rule: " + html_escape(s.verdict.rule) + "</p>\n";
    if (!s.sanity_checks.empty()) out += "<p><strong>Sanity checks</strong> (a failure is a bug, not evidence):</p>\n<ul>\n";
    for (const auto& check : s.sanity_checks)
      out += "<li>" + std::string(sanity_result(check.outcome)) + ": " + html_escape(check.because) +
             " <span class=\"rule\">Rule: " + html_escape(check.rule) + "</span></li>\n";
    if (!s.sanity_checks.empty()) out += "</ul>\n";
    out += "</section>\n";
  }
  return out + "</body>\n</html>\n";
}

fs::path write_report_html(const ClaimReport& report, const fs::path& dir) {
  return write_report_file(dir, "index.html", render_report_html(report, dir));
}

}  // namespace fl
