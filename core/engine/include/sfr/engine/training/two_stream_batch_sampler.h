#pragma once
// The released TwoStreamBatchSampler (UA-MT / SFR dataloaders, spec §5.2), driven by a
// caller-owned std::mt19937_64 so a run is reproducible and resumable:
//  - every epoch takes one random permutation of the labelled ("primary") indices and groups it in
//    consecutive runs of primary_batch (a trailing incomplete group is dropped);
//  - the unlabelled ("secondary") indices come from a chain of fresh permutations, grouped in runs
//    of secondary_batch; a group can straddle two permutations. As in the released __iter__, the
//    chain starts afresh with every epoch;
//  - a batch is [primary group..., secondary group...]; an epoch has len(primary) // primary_batch
//    batches.
// One-labelled rule (spec default): when there are fewer labelled indices than primary_batch, the
// labelled list is repeated until it reaches primary_batch (one case and labeled_bs = 2 gives
// [0, 0]: the same volume twice per batch, one batch per epoch).
#include <cstdint>
#include <deque>
#include <random>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace sfr::engine {

/// numpy.random.permutation's algorithm (Fisher-Yates from the end, j = randint(0, i + 1)) on our
/// generator: a uniformly random reordering of `values`.
std::vector<int64_t> randomPermutation(std::vector<int64_t> values, std::mt19937_64& rng);

class TwoStreamBatchSampler {
 public:
  /// Throws sfr::Error when primary is empty, primary_batch < 1, secondary_batch < 0, or
  /// secondary_batch > 0 with fewer secondary indices than secondary_batch (the released assert).
  TwoStreamBatchSampler(std::vector<int64_t> primary, std::vector<int64_t> secondary,
                        int64_t primaryBatch, int64_t secondaryBatch);

  /// The labelled list after the one-labelled fill.
  const std::vector<int64_t>& primary() const { return primary_; }
  const std::vector<int64_t>& secondary() const { return secondary_; }
  int64_t primaryBatch() const { return primaryBatch_; }
  int64_t secondaryBatch() const { return secondaryBatch_; }
  int64_t batchesPerEpoch() const { return static_cast<int64_t>(primary_.size()) / primaryBatch_; }

  /// One whole epoch, drawn now: the labelled permutation first, then as many unlabelled
  /// permutations as its batches need.
  std::vector<std::vector<int64_t>> epoch(std::mt19937_64& rng) const;

  /// The next batch of an endless run of epochs (a new epoch is drawn when the current one is
  /// used up).
  std::vector<int64_t> next(std::mt19937_64& rng);

  /// Batches left in the current epoch (for resuming a run mid-epoch).
  nlohmann::json state() const;
  /// Restores state(); throws sfr::Error when it names indices this sampler does not have.
  void restoreState(const nlohmann::json& state);

 private:
  std::vector<int64_t> primary_, secondary_;
  int64_t primaryBatch_, secondaryBatch_;
  std::deque<std::vector<int64_t>> pending_;
};

}  // namespace sfr::engine
