// Using trained text models from the command line: text generation (predict_ch8) from a run or
// a TorchScript export, and translation (predict_seq2seq) with attention heat maps.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "apps/experiment.h"

namespace d2l::apps {

// A trained run loaded on the CPU for prediction (its data read again for the vocabulary); throws
// "RUN is a run of 'M', not <what>" unless the model does `task`.
Experiment load_for_prediction(const std::string& checkpoint, TaskKind task, const std::string& what,
                               const std::string& data_dir, int64_t threads);

struct GenerateArgs {
  std::string checkpoint;  // run directory, checkpoint, or TorchScript file from d2l export
  std::string prefix;
  int64_t num_preds = 50;
  std::string data_dir;
  int64_t threads = 0;
};
// Prints the prefix followed by num_preds greedily predicted tokens.
void generate_text(const GenerateArgs& args);

}  // namespace d2l::apps
