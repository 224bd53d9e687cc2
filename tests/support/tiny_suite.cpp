#include "support/tiny_suite.h"

#include "core/atomic_file.h"

namespace fl::test_support {

std::filesystem::path write_tiny_suite(const TempDir& dir) {
  const std::filesystem::path suite = dir / "tiny";
  std::filesystem::create_directories(suite);
  const std::string train = "train = { steps = 3, batch_size = 4, warmup = 1, eval_every = 2 }\n";
  const std::string model = "model = { d_model = 16, n_layer = 1 }\n";
  const std::string models =
      "[[variants]]\nname = \"mamba\"\nmodel.type = \"mamba\"\n"
      "[[variants]]\nname = \"transformer\"\nmodel = { type = \"transformer\", n_head = 2 }\n";
  // The copy-state section also shows the other constant-state families beside them.
  const std::string others =
      "[[variants]]\nname = \"mamba2\"\nmodel = { type = \"mamba2\", d_state = 2, headdim = 8 }\n"
      "[[variants]]\nname = \"linear\"\nmodel = { type = \"linear\", n_head = 2 }\n"
      "[[variants]]\nname = \"lstm\"\nmodel.type = \"lstm\"\n";
  write_file_atomic(suite / "copy-state.toml", "[base]\n" + model + train +
                                                   "task = { name = \"copy\", vocab = 4, max_len = 3 }\n"
                                                   "eval = { samples = 2 }\n" +
                                                   models + others);
  write_file_atomic(suite / "sample-efficiency.toml", "[base]\n" + model + train +
                                                          "task = { name = \"copy\", vocab = 4, max_len = 3 }\n"
                                                          "eval = { samples = 2, generate = false }\n" +
                                                          models);
  write_file_atomic(suite / "dp-cot.toml",
                    "[base]\n" + model + train +
                        "task = { name = \"lis\", n = 4, value_span = 8 }\neval = { samples = 2, validation = 2 }\n"
                        "[grid]\ntask.format = [\"direct\", \"cot\"]\ntrain.lr = [1e-3, 2e-3]\n" +
                        models);
  write_file_atomic(suite / "locality.toml", "[base]\n" + model + train +
                                                 "task = { name = \"local_dp\", n = 3 }\neval = { samples = 2 }\n"
                                                 "[grid]\ntask.format = [\"interleaved\", \"prefix\"]\n" +
                                                 models);
  write_file_atomic(suite / "suite.toml",
                    "[runs]\nseeds = 2\n[cost]\nquick = true\npositions = [4, 16]\ntokens = 1\nvalidate = 0\n"
                    "[theory]\ncopy_max_n = 8\ncopy_samples = 2\nlocal_dp_max_t = 20\nlocal_dp_max_n = 3\n"
                    "local_dp_examples = 2\n");
  return suite;
}

}  // namespace fl::test_support
