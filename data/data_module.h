// A data set ready for training: train and validation splits, the per-batch transform, and
// what a model needs to know about it (the book's d2l.DataModule).
#pragma once
#include <string>
#include <vector>

#include "data/loader.h"

namespace d2l::data {

struct DataModule {
  std::string name;
  TensorDataset train;
  TensorDataset val;
  Transform transform;
  std::vector<std::string> class_names;  // empty for regression data

  // Training batches are shuffled (and augmented, when the transform says how) with a seed;
  // validation batches keep the file order.
  DataLoader train_loader(int64_t batch_size, uint64_t seed, bool drop_last = false) const {
    return DataLoader(
        train, transform,
        LoaderOptions().batch_size(batch_size).shuffle(true).seed(seed).drop_last(drop_last).augment(true));
  }
  DataLoader val_loader(int64_t batch_size) const {
    return DataLoader(val, transform, LoaderOptions().batch_size(batch_size));
  }
};

}  // namespace d2l::data
