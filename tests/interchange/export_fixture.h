// A small Mamba-1 as an export source, built without torch: the shapes of docs/CHECKPOINTS.md
// written out here (not taken from the naming table under test), every value distinct.
#pragma once
#include <string>

#include "interchange/export_source.h"

namespace fl::test_support {

// d_model 4, 2 layers, d_state 3, d_conv 3, expand 2, dt_rank 2, vocab_size 7 of which the
// task uses 6 names (pad 0, eos 3); run_config is a copy-task configuration of that model.
interchange::ExportSource tiny_export_source();

// The F32 values of a safetensors tensor.
std::vector<float> values_of(const safetensors::Tensor& t);

}  // namespace fl::test_support
