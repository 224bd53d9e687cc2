// The HTML form of the claim report (report/claim_report.h): one self-contained file, index.html,
// with a little inline CSS; plots are <img> of the PNG beside it with links to the SVG and the
// CSV (relative paths), tables are HTML tables (numeric columns right-aligned), every text is
// escaped. Same ClaimReport → same bytes, apart from the one run-metadata line. Torch-free.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>

#include "report/claim_report.h"

namespace fl {

// & < > " ' as entities, so the text is safe in element content and quoted attributes.
std::string html_escape(std::string_view text);

// index.html's text; plot links relative to dir.
std::string render_report_html(const ClaimReport& report, const std::filesystem::path& dir);
// Writes dir/index.html atomically (dir created if missing); returns its path.
std::filesystem::path write_report_html(const ClaimReport& report, const std::filesystem::path& dir);

}  // namespace fl
