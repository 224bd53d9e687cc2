#include "train/data_parallel.h"

#include <string_view>

#include "core/error.h"
#include "train/checksum.h"

namespace fl {

namespace {

// Rows [begin, end) of every tensor of `global`; `tokens` is not counted (the trainer counts
// the global batch's).
Batch rows_of(const Batch& global, RowRange rows) {
  Batch local;
  const int64_t n = rows.end - rows.begin;
  local.inputs = global.inputs.narrow(0, rows.begin, n);  // (n, T) rows of a row-major (B, T): contiguous
  local.targets = global.targets.narrow(0, rows.begin, n);
  local.mask = global.mask.narrow(0, rows.begin, n);
  local.answer = global.answer.narrow(0, rows.begin, n);
  return local;
}

int64_t loss_positions(const torch::Tensor& mask) { return mask.sum().item<int64_t>(); }

// Multiplies the gradients by `weight`, sums them over the ranks, in one all-reduce.
void all_reduce_weighted(GlooGroup& group, std::vector<torch::Tensor> grads, double weight, const std::string& what) {
  if (grads.size() == 1) {  // the flat engine's block: reduced where it lies
    grads[0].mul_(weight);
    return group.all_reduce(grads[0], Reduction::sum, what);
  }
  std::vector<torch::Tensor> flat_views;
  for (const auto& g : grads) flat_views.push_back(g.reshape(-1));
  auto buffer = torch::cat(flat_views).mul_(weight);  // (Σ numel)
  group.all_reduce(buffer, Reduction::sum, what);
  int64_t offset = 0;
  for (auto& g : grads) {
    g.copy_(buffer.narrow(0, offset, g.numel()).view_as(g));
    offset += g.numel();
  }
}

}  // namespace

RowRange shard_rows(int64_t rows, int rank, int world_size) {
  return {rows * rank / world_size, rows * (rank + 1) / world_size};
}

DataParallel::DataParallel(const DistributedEnv& env, std::chrono::milliseconds timeout) : group_(env, timeout) {}

void DataParallel::check_batch_size(int64_t batch_size) const {
  require(batch_size >= env().world_size,
          "train.batch_size = " + std::to_string(batch_size) + " is smaller than WORLD_SIZE = " +
              std::to_string(env().world_size) + ": each process of a data-parallel run trains on at least one row "
              "of the global batch");
}

DataParallelStep DataParallel::forward_backward(StepBackend& backend, const Batch& global, int signal, int64_t step) {
  const int world = env().world_size, rank = env().rank;
  const Batch local = rows_of(global, shard_rows(global.inputs.size(0), rank, world));
  const int64_t local_positions = loss_positions(local.mask), global_positions = loss_positions(global.mask);
  const double local_loss = backend.forward_backward(local);
  const double weight = global_positions == 0 ? 0.0 : static_cast<double>(local_positions) / global_positions;
  auto grads = backend.gradients();
  if (local_positions == 0)  // no loss here: nothing to add (the backend's loss is NaN, its gradients stale)
    for (auto& g : grads) g.zero_();
  const std::string of_step = " of step " + std::to_string(step);
  all_reduce_weighted(group_, grads, weight, "the gradients" + of_step);

  auto shared = torch::zeros({1 + world}, torch::kFloat64);  // (1 + W): loss, then each rank's signal
  auto values = shared.accessor<double, 1>();
  values[0] = local_positions == 0 ? 0.0 : weight * local_loss;
  values[1 + rank] = signal;
  group_.all_reduce(shared, Reduction::sum, "the loss" + of_step);
  DataParallelStep result;
  result.loss = global_positions == 0 ? local_loss : values[0];  // no loss position anywhere: NaN, as one process
  for (int r = 0; r < world && result.signal == 0; ++r) result.signal = static_cast<int>(values[1 + r]);
  return result;
}

void DataParallel::require_identical_parameters(LanguageModel& model, int64_t step) {
  uint64_t h = kFnv1a64Start;
  for (const auto& p : model->named_parameters()) {
    const auto t = p.value().contiguous();
    h = fnv1a64(std::string_view(static_cast<const char*>(t.data_ptr()), t.nbytes()), h);
  }
  // max over ranks of h and of ~h (= ~min h): equal hashes everywhere iff max h == min h
  auto hashes = torch::tensor({static_cast<int64_t>(h), static_cast<int64_t>(~h)}, torch::kInt64);
  group_.all_reduce(hashes, Reduction::max, "the parameter checksums of step " + std::to_string(step));
  const auto highest = hashes[0].item<int64_t>(), lowest = ~hashes[1].item<int64_t>();
  require(highest == lowest, "data-parallel training (" + env().describe() +
                                 "): the processes' parameters differ at step " + std::to_string(step) +
                                 " (the replicas diverged: were they started with the same config, checkpoint and "
                                 "binary?)");
}

}  // namespace fl
