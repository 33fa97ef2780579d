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

  // Training batches are shuffled (and augmented, when the transform says how) with
  // options.seed; validation batches keep the file order. The options also say how batches are
  // cut (batch size, drop_last), which shard a data-parallel rank sees, and on which device.
  DataLoader train_loader(const LoaderOptions& options) const {
    if (train_for_epoch)
      return DataLoader([draw = train_for_epoch, batch_size = options.batch_size(), seed = options.seed()](
                            int64_t epoch) { return draw(epoch, batch_size, seed); },
                        transform, LoaderOptions(options).shuffle(false).augment(false));
    return DataLoader(train, transform, LoaderOptions(options).shuffle(true).augment(true));
  }
  DataLoader val_loader(const LoaderOptions& options) const {
    return DataLoader(val, transform, LoaderOptions(options).shuffle(false).augment(false));
  }
  DataLoader train_loader(int64_t batch_size, uint64_t seed) const {
    return train_loader(LoaderOptions().batch_size(batch_size).seed(seed));
  }
  DataLoader val_loader(int64_t batch_size) const { return val_loader(LoaderOptions().batch_size(batch_size)); }
};

}  // namespace d2l::data
