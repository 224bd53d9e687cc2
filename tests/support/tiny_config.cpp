#include "support/tiny_config.h"

namespace fl::test_support {

std::string tiny_mamba_toml(const std::string& task) {
  return "seed = 2\n[model]\ntype = \"mamba\"\nd_model = 8\nn_layer = 1\n[task]\n" + task +
         "[train]\nsteps = 2\nbatch_size = 2\nwarmup = 1\n[eval]\nsamples = 1\ngenerate = false\n";
}

}  // namespace fl::test_support
