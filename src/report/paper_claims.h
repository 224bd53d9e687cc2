// The claims of Ren, Li & Liu (arXiv 2410.03810) that `freelunch reproduce` tests, as restated in
// docs/SOURCES.md §3, one per report section (report/claim_report.h), in the report's order.
// The runner starts each section with section_for_claim(id) and adds the experiment, tables,
// plots and verdict. Torch-free.
#pragma once
#include <string>
#include <vector>

#include "report/claim_report.h"

namespace fl {

struct PaperClaim {
  std::string id;      // the section's anchor, e.g. "copy-state"
  std::string title;   // e.g. "1. COPY vs state size"
  std::string claim;   // quoted
  std::string source;  // the theorems / experiments it comes from
  std::string rule;    // which verdict rule(s) of report/verdict.h judge it
};

// The six claims: copy-state, sample-efficiency, dp-cot, locality, cost, theory.
const std::vector<PaperClaim>& paper_claims();
// The claim with this id; fl::Error naming it when there is none.
const PaperClaim& paper_claim(const std::string& id);
// A ClaimSection with the claim's id, title, claim and source filled in.
ClaimSection section_for_claim(const std::string& id);

}  // namespace fl
