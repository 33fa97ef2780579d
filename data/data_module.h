// A data set ready for training: train and validation splits, the per-batch transform, and
// what a model needs to know about it (the book's d2l.DataModule).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data/loader.h"
#include "data/vocab.h"

namespace d2l::data {

struct DataModule {
  std::string name;
  TensorDataset train;
  TensorDataset val;
  Transform transform;
  std::vector<std::string> class_names;  // empty for regression data
  // Text: the vocabulary of the tokens (the target side for translation), and the source side's.
  std::shared_ptr<const Vocab> vocab, source_vocab;
  // When set, the training set is drawn afresh for each epoch and batch size (the book's
  // sequence iterators) and batched in that order; `train` then shows the examples' shape and count.
  std::function<TensorDataset(int64_t epoch, int64_t batch_size, uint64_t seed)> train_for_epoch;

  // Training batches are shuffled (and augmented, when the transform says how) with a seed;
  // validation batches keep the file order. Data-parallel training gives each of `num_replicas`
  // ranks its shard (LoaderOptions).
  DataLoader train_loader(int64_t batch_size, uint64_t seed, bool drop_last = false, int64_t num_replicas = 1,
                          int64_t rank = 0) const {
    const auto options =
        LoaderOptions().batch_size(batch_size).drop_last(drop_last).num_replicas(num_replicas).rank(rank);
    if (train_for_epoch)
      return DataLoader([draw = train_for_epoch, batch_size, seed](int64_t epoch) { return draw(epoch, batch_size, seed); },
                        transform, options);
    return DataLoader(train, transform, LoaderOptions(options).shuffle(true).seed(seed).augment(true));
  }
  DataLoader val_loader(int64_t batch_size) const {
    return DataLoader(val, transform, LoaderOptions().batch_size(batch_size));
  }
};

}  // namespace d2l::data
