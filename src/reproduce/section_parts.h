// Small pieces shared by the report sections (reproduce/report_sections.h). Torch-free.
#pragma once
#include <string>

#include "render/text.h"
#include "report/verdict.h"

namespace fl::reproduce {

// A part of a combined verdict, its rule and "because" prefixed with what it judges, so the
// combined verdict (combine_verdicts) reads "(2) supported: Theorem 1 (…): all 6 cases as expected".
inline ClaimVerdict labelled(const std::string& label, ClaimVerdict verdict) {
  verdict.rule = label + ": " + verdict.rule;
  verdict.because = label + ": " + verdict.because;
  return verdict;
}

}  // namespace fl::reproduce
