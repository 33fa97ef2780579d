// Everything that defines a run: read from a TOML file (configs/*.toml), overridden by
// command-line flags, and written back into the run directory as config.toml.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace d2l::apps {

// What the book printed (or plotted) for an experiment in one edition.
struct BookResult {
  std::string edition;                    // "zh-v2", "en-0.17", "en-1.0"
  std::map<std::string, double> metrics;  // train_loss, train_acc, test_acc, examples_per_sec, ...
  std::string note;                       // e.g. "printed, one V100" or "read off the plot"
};

struct BookInfo {
  std::string title;
  std::vector<std::string> sections;  // "7.6" (English 1.0), "zh:6.6", "0.17:6.6"
  std::vector<BookResult> reported;
};

struct RunConfig {
  std::string model;
  std::string data;  // empty: the model's default data set
  std::string data_dir;
  // Unset values take the model's defaults (the book's settings).
  std::optional<int64_t> epochs, batch_size, resize;
  std::optional<double> lr;
  std::optional<std::string> init;  // none | xavier | normal
  std::vector<double> dropout;      // per hidden layer of MLPs; empty: the model's default
  std::string optimizer = "sgd";    // sgd | momentum | adam | adamw
  double momentum = 0.9;
  double weight_decay = 0.0;
  std::string scheduler = "constant";  // constant | step | cosine
  double warmup_epochs = 0.0;
  int64_t step_size = 30;
  double gamma = 0.1;
  double clip_grad = 0.0;
  int64_t seed = 42;
  int64_t threads = 0;  // 0: all cores
  std::string device = "auto";
  std::string out;  // run directory; empty: runs/<model>-<time>
  int64_t limit_train = 0, limit_test = 0;
  bool quiet = false;
  BookInfo book;
};

// Parses TOML text; `source` names the file in error messages. Unknown keys, wrong types and
// invalid values are errors that name the key.
RunConfig parse_config(const std::string& text, const std::string& source);
RunConfig load_config(const std::filesystem::path& file);

// The effective config as TOML (what config.toml and checkpoints hold).
std::string to_toml(const RunConfig& config);

// Throws std::invalid_argument naming the flag when a value is out of range.
void validate(const RunConfig& config);

}  // namespace d2l::apps
