#include "sfr/engine/training/two_stream_batch_sampler.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "sfr/base/error.h"
#include "sfr/engine/augment.h"

namespace sfr::engine {

std::vector<int64_t> randomPermutation(std::vector<int64_t> values, std::mt19937_64& rng) {
  for (int64_t i = static_cast<int64_t>(values.size()) - 1; i > 0; --i)
    std::swap(values[i], values[randInt(rng, 0, i + 1)]);
  return values;
}

TwoStreamBatchSampler::TwoStreamBatchSampler(std::vector<int64_t> primary,
                                             std::vector<int64_t> secondary, int64_t primaryBatch,
                                             int64_t secondaryBatch)
    : primary_(std::move(primary)),
      secondary_(std::move(secondary)),
      primaryBatch_(primaryBatch),
      secondaryBatch_(secondaryBatch) {
  const char* subject = "TwoStreamBatchSampler";
  if (primary_.empty()) throw Error(subject, "there are no labelled indices");
  if (primaryBatch_ < 1) throw Error(subject, "the labelled batch must be at least 1");
  if (secondaryBatch_ < 0) throw Error(subject, "the unlabelled batch must be >= 0");
  if (secondaryBatch_ > 0 && static_cast<int64_t>(secondary_.size()) < secondaryBatch_)
    throw Error(subject, std::to_string(secondary_.size()) +
                             " unlabelled indices cannot fill an unlabelled batch of " +
                             std::to_string(secondaryBatch_));
  // One-labelled rule: repeat the labelled list until it fills one labelled batch.
  const std::vector<int64_t> once = primary_;
  while (static_cast<int64_t>(primary_.size()) < primaryBatch_)
    primary_.insert(primary_.end(), once.begin(), once.end());
}

std::vector<std::vector<int64_t>> TwoStreamBatchSampler::epoch(std::mt19937_64& rng) const {
  const std::vector<int64_t> labelled = randomPermutation(primary_, rng);
  std::vector<int64_t> chain;  // enough consecutive unlabelled permutations for this epoch
  const int64_t batches = batchesPerEpoch();
  while (static_cast<int64_t>(chain.size()) < batches * secondaryBatch_) {
    const std::vector<int64_t> p = randomPermutation(secondary_, rng);
    chain.insert(chain.end(), p.begin(), p.end());
  }
  std::vector<std::vector<int64_t>> out;
  for (int64_t b = 0; b < batches; ++b) {
    std::vector<int64_t> batch(labelled.begin() + b * primaryBatch_,
                               labelled.begin() + (b + 1) * primaryBatch_);
    batch.insert(batch.end(), chain.begin() + b * secondaryBatch_,
                 chain.begin() + (b + 1) * secondaryBatch_);
    out.push_back(std::move(batch));
  }
  return out;
}

std::vector<int64_t> TwoStreamBatchSampler::next(std::mt19937_64& rng) {
  if (pending_.empty()) {
    auto batches = epoch(rng);
    pending_.assign(batches.begin(), batches.end());
  }
  std::vector<int64_t> batch = std::move(pending_.front());
  pending_.pop_front();
  return batch;
}

nlohmann::json TwoStreamBatchSampler::state() const {
  return nlohmann::json{
      {"pending", std::vector<std::vector<int64_t>>(pending_.begin(), pending_.end())}};
}

void TwoStreamBatchSampler::restoreState(const nlohmann::json& state) {
  std::vector<std::vector<int64_t>> pending;
  try {
    pending = state.at("pending").get<std::vector<std::vector<int64_t>>>();
  } catch (const nlohmann::json::exception& e) {
    throw Error("TwoStreamBatchSampler state", e.what());
  }
  const std::set<int64_t> labelled(primary_.begin(), primary_.end());
  const std::set<int64_t> unlabelled(secondary_.begin(), secondary_.end());
  for (const auto& batch : pending) {
    bool ok = static_cast<int64_t>(batch.size()) == primaryBatch_ + secondaryBatch_;
    for (std::size_t i = 0; ok && i < batch.size(); ++i)
      ok = static_cast<int64_t>(i) < primaryBatch_ ? labelled.count(batch[i]) > 0
                                                   : unlabelled.count(batch[i]) > 0;
    if (!ok)
      throw Error("TwoStreamBatchSampler state",
                  "a pending batch does not match this sampler's indices and batch sizes");
  }
  pending_.assign(pending.begin(), pending.end());
}

}  // namespace sfr::engine
