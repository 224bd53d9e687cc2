// Markdown rendering of `freelunch speed`'s result (declared in side_by_side.h).
#include <cstdio>

#include "render/table.h"
#include "speed/side_by_side.h"

namespace fl::speed {

namespace {

std::string number(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}
std::string ms(double v) { return number(v, v < 0.1 ? 4 : (v < 1 ? 3 : (v < 100 ? 2 : 1))); }
std::string times(double v) { return number(v, v < 10 ? 2 : 1) + "×"; }
// "≥ 5× met" / "≥ 5× NOT met"; empty when there is no target.
std::string verdict(double speedup, double target) {
  if (target <= 0) return "";
  return "≥ " + number(target, target < 10 ? 1 : 0) + "× " + (speedup >= target ? "met" : "NOT met");
}

// "123.4 (56%)": GFLOP/s of the flat engine and its share of the FMA peak at that thread count.
std::string rate(double flops, double ms, const Json& peaks, int64_t threads) {
  const double gflops = flops / (ms * 1e6);
  for (const auto& p : peaks)
    if (p.at("threads").get<int64_t>() == threads)
      return number(gflops, 1) + " (" + number(100 * gflops / p.at("fma_gflops").get<double>(), 0) + "%)";
  return number(gflops, 1);
}

// The speed-up with its target verdict, e.g. "3.10× (≥ 3.0× met)".
std::string speedup(double ratio, double target) {
  const std::string v = verdict(ratio, target);
  return times(ratio) + (v.empty() ? "" : " (" + v + ")");
}

}  // namespace

std::string speed_markdown(const Json& r) {
  std::string out = "Threads: " + std::to_string(r.at("threads").get<int>()) +
                    " (all sides, unless a row says otherwise); freelunch kernels: " + r.at("kernels").get<std::string>() +
                    "; allocator (all sides): `GLIBC_TUNABLES=" + r.value("allocator", std::string("default")) +
                    "`. Times are medians over all timed steps of all rounds; speed-up = other time / freelunch "
                    "time.\n\n";

  TextTable logits({"model", "max |logit diff| freelunch vs PyTorch"});
  for (const auto& row : r.at("logits"))
    logits.add({row.at("model").get<std::string>(), number(row.at("max_abs_diff").get<double>(), 9)});
  out += "### Same function\n\n" + logits.render_markdown() + "\n";

  TextTable train({"model", "threads", "batch × length", "flat ms/step", "libtorch ms/step", "PyTorch ms/step",
                   "flat GFLOP/s (of FMA peak)", "flat vs libtorch", "flat vs PyTorch"});
  TextTable memory({"model", "batch × length", "flat peak RSS MiB", "libtorch peak RSS MiB", "PyTorch peak RSS MiB",
                    "flat / libtorch"});
  const Json peaks = r.value("peaks", Json::array());
  for (const auto& row : r.at("train")) {
    const double f = row.at("flat_ms"), l = row.at("libtorch_ms"), p = row.at("pytorch_ms");
    const int64_t threads = row.at("threads");
    const std::string shape = std::to_string(row.at("batch").get<int64_t>()) + " × " + std::to_string(row.at("length").get<int64_t>());
    train.add({row.at("model").get<std::string>(), std::to_string(threads), shape, ms(f), ms(l), ms(p),
               rate(row.at("flops"), f, peaks, threads), speedup(l / f, row.at("target_libtorch")),
               speedup(p / f, row.at("target_pytorch"))});
    const double fm = row.at("flat_rss_mib"), lm = row.at("libtorch_rss_mib"), pm = row.at("pytorch_rss_mib");
    memory.add({row.at("model").get<std::string>(), shape, number(fm, 0), number(lm, 0), number(pm, 0), number(fm / lm, 2)});
  }
  TextTable peak_table({"threads", "FMA peak GFLOP/s (AVX2 chains)", "BLAS GEMM 1024² GFLOP/s"});
  for (const auto& p : peaks)
    peak_table.add({std::to_string(p.at("threads").get<int64_t>()), number(p.at("fma_gflops"), 1),
                    number(p.at("gemm_gflops"), 1)});
  out += "### Training step\n\nflat: the flat engine (`--engine flat`, the default); libtorch: the modules with "
         "autograd and the fused kernels (`--engine libtorch`); PyTorch: the mirror in reference/. GFLOP/s: "
         "src/speed/training_flops.h's count.\n\n" +
         train.render_markdown() + "\n" + peak_table.render_markdown() +
         "\n### Peak resident memory of a training run\n\n" + memory.render_markdown() + "\n";

  TextTable decode({"model", "position", "freelunch ms/token", "PyTorch ms/token", "fl / PT", "speed-up", "target"});
  for (const auto& row : r.at("decode")) {
    const double f = row.at("freelunch_ms"), p = row.at("pytorch_ms");
    decode.add({row.at("model").get<std::string>(), std::to_string(row.at("position").get<int64_t>()), ms(f), ms(p), number(f / p, 3),
                times(p / f), verdict(p / f, row.at("mamba").get<bool>() ? 10.0 : 0.0)});
  }
  out += "### Generation, batch 1 (per-token step latency)\n\n" + decode.render_markdown() + "\n";

  TextTable scan({"sequence length", "fused: bytes/token held for backward", "reference: bytes/token"});
  for (const auto& row : r.at("scan_memory"))
    scan.add({std::to_string(row.at("length").get<int64_t>()), number(row.at("fused_bytes_per_token"), 0),
              number(row.at("reference_bytes_per_token"), 0)});
  out += "### Selective-scan activation memory (batch 1, Di 256, N 16)\n\n" + scan.render_markdown() + "\n";

  const auto& k = r.at("roofline");
  const double peak = k.at("fma_peak_gflops"), gemm = k.at("gemm_gflops");
  TextTable roof({"kernel", "GFLOP/s", "of FMA peak", "of BLAS GEMM"});
  auto add = [&](const std::string& name, double g) {
    roof.add({name, number(g, 1), number(100 * g / peak, 1) + "%", number(100 * g / gemm, 1) + "%"});
  };
  add("FMA peak (AVX2 chains, all threads)", peak);
  add("BLAS GEMM 1024² (torch::mm)", gemm);
  add("selective scan forward, B16 L128 Di256 N16 (7 flops/elem)", k.at("scan_forward_gflops"));
  add("attention forward, B16 L128 H4 hd32 (4·hd flops/pair)", k.at("attention_forward_gflops"));
  add("attention forward, B1 L4096 H4 hd32", k.at("attention_long_gflops"));
  out += "### Kernel roofline\n\n" + roof.render_markdown() + "\nTotal time: " + number(r.at("seconds"), 0) + " s\n";
  return out;
}

}  // namespace fl::speed
