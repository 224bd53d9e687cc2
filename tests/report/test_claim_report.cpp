#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/provenance.h"
#include "report/claim_report.h"
#include "report/html_report.h"
#include "report/paper_claims.h"
#include "support/fixtures.h"

namespace fl {
namespace {
namespace fs = std::filesystem;

// One claim with a table, a rendered plot and a verdict; text with characters HTML must escape.
ClaimReport tiny_report(const fs::path& dir) {
  ClaimReport r;
  r.title = "Claims <tested> & checked";
  r.run = {"2026-11-29 13:05:12 UTC", "abc123", 2, 723, "quick", ""};
  ClaimSection s;
  s.id = "copy-state";
  s.title = "1. COPY vs state size";
  s.claim = "Mamba needs a \"linear\" state";
  s.source = "Theorem 3";
  s.experiment = {"copy-state", "d_state ∈ {2, 4}", "100 steps", ""};
  s.tables.push_back({"smallest d_state", {"length", "d_state"}, {{"10", "4"}, {"20", "8 | 16"}}});
  const fs::path stem = dir / "min_state";
  s.plots.push_back({"smallest d_state vs length",
                     {fs::path(stem).concat(".csv"), fs::path(stem).concat(".gp"), fs::path(stem).concat(".png"),
                      fs::path(stem).concat(".svg"), true}});
  s.verdict = {ClaimOutcome::supported, "rule <r>", "slope 0.4 & R² = 1.00"};
  r.sections.push_back(s);
  return r;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Indices of the lines that differ (same line count expected).
std::vector<size_t> differing_lines(const std::string& a, const std::string& b) {
  const auto la = lines_of(a), lb = lines_of(b);
  EXPECT_EQ(la.size(), lb.size());
  std::vector<size_t> out;
  for (size_t i = 0; i < la.size() && i < lb.size(); ++i)
    if (la[i] != lb[i]) out.push_back(i);
  return out;
}

TEST(ClaimReport, MarkdownGolden) {
  const test_support::TempDir dir;
  EXPECT_EQ(render_report_markdown(tiny_report(dir.path()), dir.path()),
            "# Claims <tested> & checked\n\n"
            "Run: 2026-11-29 13:05:12 UTC · commit abc123 · 2 threads · 12m03s compute · suite quick\n\n"
            "## Verdicts\n\n"
            "| claim | verdict | because |\n|---|---|---|\n"
            "| [1. COPY vs state size](#copy-state) | supported | slope 0.4 & R² = 1.00 |\n\n"
            "<a id=\"copy-state\"></a>\n\n## 1. COPY vs state size\n\n"
            "*The claim as reconstructed here (not a quotation: the paper's full text was not available; rebuilt "
            "from its abstract and public summaries, docs/SOURCES.md §3):*\n\n"
            "> Mamba needs a \"linear\" state\n>\n> — Theorem 3\n\n"
            "**Experiment.**\n\n- **Sweep:** `copy-state`\n- **Grid:** d_state ∈ {2, 4}\n- **Budget:** 100 steps\n\n"
            "**smallest d_state**\n\n| length | d_state |\n|---:|---:|\n| 10 | 4 |\n| 20 | 8 \\| 16 |\n\n"
            "![smallest d_state vs length](min_state.png)\n\n"
            "smallest d_state vs length — [SVG](min_state.svg) · [CSV](min_state.csv)\n\n"
            "**Verdict: supported.** slope 0.4 & R² = 1.00\n\n*Rule:* rule <r>\n\n");
}

TEST(ClaimReport, HtmlGoldenBody) {
  const test_support::TempDir dir;
  const std::string html = render_report_html(tiny_report(dir.path()), dir.path());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                       "<title>Claims &lt;tested&gt; &amp; checked</title>\n<style>",
                       0),
            0u);
  const auto body = html.find("<body>");
  ASSERT_NE(body, std::string::npos);
  EXPECT_EQ(html.substr(body),
            "<body>\n<h1>Claims &lt;tested&gt; &amp; checked</h1>\n"
            "<p class=\"run\">Run: 2026-11-29 13:05:12 UTC · commit abc123 · 2 threads · 12m03s compute · suite quick</p>\n"
            "<h2>Verdicts</h2>\n<table>\n<thead><tr><th>claim</th><th>verdict</th><th>because</th></tr></thead>\n"
            "<tbody>\n<tr><td><a href=\"#copy-state\">1. COPY vs state size</a></td><td class=\"supported\">supported"
            "</td><td>slope 0.4 &amp; R² = 1.00</td></tr>\n</tbody>\n</table>\n"
            "<section id=\"copy-state\">\n<h2>1. COPY vs state size</h2>\n"
            "<p class=\"claim-label\">The claim as reconstructed here (not a quotation: the paper&#39;s full text was "
            "not available; rebuilt from its abstract and public summaries, docs/SOURCES.md §3):</p>\n"
            "<blockquote><p>Mamba needs a &quot;linear&quot; state</p><p>— Theorem 3</p></blockquote>\n"
            "<h3>Experiment</h3>\n<ul>\n<li><strong>Sweep:</strong> <code>copy-state</code></li>\n"
            "<li><strong>Grid:</strong> d_state ∈ {2, 4}</li>\n<li><strong>Budget:</strong> 100 steps</li>\n</ul>\n"
            "<table>\n<caption>smallest d_state</caption>\n<thead><tr><th>length</th><th>d_state</th></tr></thead>\n"
            "<tbody>\n<tr><td class=\"num\">10</td><td class=\"num\">4</td></tr>\n"
            "<tr><td class=\"num\">20</td><td class=\"num\">8 | 16</td></tr>\n</tbody>\n</table>\n"
            "<figure><img src=\"min_state.png\" alt=\"smallest d_state vs length\"><figcaption>smallest d_state vs "
            "length — <a href=\"min_state.svg\">SVG</a> · <a href=\"min_state.csv\">CSV</a></figcaption></figure>\n"
            "<p class=\"verdict supported\"><strong>Verdict: supported.</strong> slope 0.4 &amp; R² = 1.00</p>\n"
            "<p class=\"rule\">Rule: rule &lt;r&gt;</p>\n</section>\n</body>\n</html>\n");
}

TEST(ClaimReport, SanityChecksAreListedApartFromTheVerdicts) {
  const test_support::TempDir dir;
  ClaimReport r = tiny_report(dir.path());
  const std::string without = render_report_markdown(r, dir.path());
  EXPECT_EQ(without.find("Sanity checks"), std::string::npos) << "no checks, no heading";
  r.sections[0].sanity_checks = {{ClaimOutcome::supported, "exact <= eps", "Theorem 3: all 2 cases as expected"},
                                 {ClaimOutcome::not_supported, "slope band", "state bytes: slope 1.00 & growing"}};
  const std::string md = render_report_markdown(r, dir.path());
  EXPECT_NE(md.find("## Sanity checks\n\n" + std::string(kSanityNote) +
                    "\n\n| section | result | check |\n|---|---|---|\n"
                    "| [1. COPY vs state size](#copy-state) | passed | Theorem 3: all 2 cases as expected |\n"
                    "| [1. COPY vs state size](#copy-state) | FAILED (a bug) | state bytes: slope 1.00 & growing |\n"),
            std::string::npos)
      << md;
  EXPECT_LT(md.find("## Verdicts"), md.find("## Sanity checks"));
  EXPECT_NE(md.find("**Sanity checks** (a failure is a bug, not evidence):\n\n- passed: Theorem 3: all 2 cases as "
                    "expected *Rule:* exact <= eps\n- FAILED (a bug): state bytes: slope 1.00 & growing *Rule:* slope "
                    "band\n"),
            std::string::npos)
      << md;
  const std::string html = render_report_html(r, dir.path());
  EXPECT_NE(html.find("<h2>Sanity checks</h2>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"not-supported\">FAILED (a bug)</td><td>state bytes: slope 1.00 &amp; growing</td>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<li>passed: Theorem 3: all 2 cases as expected <span class=\"rule\">Rule: exact &lt;= "
                      "eps</span></li>"),
            std::string::npos)
      << html;
  EXPECT_STREQ(sanity_result(ClaimOutcome::inconclusive), "not checked");
}

TEST(ClaimReport, HtmlEscapesEveryText) {
  EXPECT_EQ(html_escape("<a href=\"x\">Tom & Jerry's</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
  const test_support::TempDir dir;
  ClaimReport r = tiny_report(dir.path());
  const std::string evil = "<script>alert(\"x\") & 'y'</script>";
  r.title = r.intro = r.sections[0].claim = r.sections[0].experiment.notes = evil;
  r.sections[0].tables[0].rows[0][1] = evil;
  r.sections[0].plots[0].caption = evil;
  r.sections[0].verdict.because = evil;
  const std::string html = render_report_html(r, dir.path());
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("'y'"), std::string::npos);
  size_t escaped = 0;
  for (size_t at = 0;
       (at = html.find("&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;", at)) != std::string::npos;
       ++at)
    ++escaped;
  EXPECT_EQ(escaped, 10u) << "title ×2, intro, claim, notes, cell, caption ×2 (alt, figcaption), because ×2";
}

TEST(ClaimReport, WritersAreDeterministicApartFromTheRunLine) {
  const test_support::TempDir dir;
  const fs::path out = dir / "nested" / "report";
  ClaimReport r = tiny_report(out);
  const fs::path md = write_report_markdown(r, out), html = write_report_html(r, out);
  EXPECT_EQ(md, out / "index.md");
  EXPECT_EQ(html, out / "index.html");
  const std::string md1 = read_file(md), html1 = read_file(html);
  write_report_markdown(r, out);
  write_report_html(r, out);
  EXPECT_EQ(read_file(md), md1);
  EXPECT_EQ(read_file(html), html1);
  r.run = {"2027-01-01 00:00:00 UTC", "", 1, 5, "full", ""};
  const auto md_diff = differing_lines(md1, render_report_markdown(r, out));
  const auto html_diff = differing_lines(html1, render_report_html(r, out));
  ASSERT_EQ(md_diff.size(), 1u);
  EXPECT_EQ(lines_of(render_report_markdown(r, out))[md_diff[0]],
            "Run: 2027-01-01 00:00:00 UTC · commit unknown · 1 thread · 5s compute · suite full");
  EXPECT_EQ(html_diff.size(), 1u);
}

TEST(ClaimReport, UnrenderedPlotLinksItsDataAndScript) {
  const test_support::TempDir dir;
  ClaimReport r = tiny_report(dir.path());
  r.sections[0].plots[0].files.rendered = false;
  EXPECT_NE(render_report_markdown(r, dir.path())
                .find("*smallest d_state vs length: not rendered (gnuplot missing)* — [CSV](min_state.csv) · "
                      "[gnuplot script](min_state.gp)"),
            std::string::npos);
  const std::string html = render_report_html(r, dir.path());
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"min_state.gp\">gnuplot script</a>"), std::string::npos);
}

TEST(ClaimReport, LinksAreRelativeAndEncoded) {
  const test_support::TempDir dir;
  EXPECT_EQ(report_link(dir / "plots/a b(1).png", dir.path()), "plots/a%20b%281%29.png");
  EXPECT_EQ(report_link(dir.path().parent_path() / "x.png", dir.path()), "../x.png");
  EXPECT_EQ(report_link("report/./x.svg", "report"), "x.svg");
}

TEST(ClaimReport, BadSectionsAreErrors) {
  const test_support::TempDir dir;
  ClaimReport r = tiny_report(dir.path());
  r.sections[0].id = "Copy State";
  EXPECT_THROW(render_report_markdown(r, dir.path()), Error);
  r = tiny_report(dir.path());
  r.sections.push_back(r.sections[0]);
  EXPECT_THROW(render_report_html(r, dir.path()), Error) << "repeated id";
  r = tiny_report(dir.path());
  r.sections[0].tables[0].rows[1].pop_back();
  EXPECT_THROW(write_report_markdown(r, dir.path()), Error);
  EXPECT_FALSE(fs::exists(dir / "index.md")) << "nothing written for a bad report";
}

TEST(ClaimReport, RunMetadataHelpers) {
  EXPECT_TRUE(std::regex_match(utc_now(), std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC)"))) << utc_now();
  const test_support::TempDir dir;
  EXPECT_EQ(git_commit_of(dir.path()), "") << "not a checkout";
  EXPECT_EQ(run_line({"d", "c", 8, 3725, "quick", ""}), "Run: d · commit c · 8 threads · 1h02m compute · suite quick");
  EXPECT_EQ(run_line({"d", "c", 2, 60, "standard", "Some CPU, 2 cores"}),
            "Run: d · commit c · 2 threads · 1m00s compute · suite standard · machine Some CPU, 2 cores");
}

TEST(ClaimReport, PaperClaimsMakeAValidReport) {
  ClaimReport r;
  for (const auto& c : paper_claims()) r.sections.push_back(section_for_claim(c.id));
  ASSERT_EQ(r.sections.size(), 6u);
  EXPECT_NO_THROW(validate_report(r)) << "ids are well-formed and unique";
  EXPECT_EQ(r.sections[0].id, "copy-state");
  EXPECT_EQ(r.sections[0].claim.rfind("Thm 1: constant-size Mamba needs a score", 0), 0u);
  EXPECT_EQ(r.sections[5].source, "Theorems 1–5 (docs/SOURCES.md §3)");
  EXPECT_EQ(paper_claim("locality").title, "4. Locality: m-local vs arbitrary DP");
  EXPECT_THROW(paper_claim("free-lunch"), Error);
}

}  // namespace
}  // namespace fl
