#include "apps/run_config.h"

#include <toml++/toml.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "apps/suggest.h"

namespace d2l::apps {
namespace {

const std::vector<std::string> kKeys = {"model",    "data",         "data_dir",   "epochs",        "batch_size",
                                        "resize",   "lr",           "init",       "dropout",       "optimizer",
                                        "momentum", "weight_decay", "scheduler",  "warmup_epochs", "step_size",
                                        "gamma",    "clip_grad",    "seed",       "threads",       "device",
                                        "out",      "limit_train",  "limit_test", "quiet",         "book"};

[[noreturn]] void bad_value(const std::string& source, const std::string& key, const std::string& expected) {
  throw std::invalid_argument(source + ": key '" + key + "' must be " + expected);
}

template <typename T>
T get(const toml::node& node, const std::string& source, const std::string& key, const std::string& expected) {
  if constexpr (std::is_same_v<T, double>) {
    if (auto v = node.value<double>()) return *v;  // integers are accepted where reals are expected
  } else if constexpr (std::is_same_v<T, int64_t>) {
    if (node.is_integer()) return *node.value<int64_t>();
  } else if constexpr (std::is_same_v<T, bool>) {
    if (node.is_boolean()) return *node.value<bool>();
  } else {
    if (node.is_string()) return *node.value<std::string>();
  }
  bad_value(source, key, expected);
}

std::vector<double> get_doubles(const toml::node& node, const std::string& source, const std::string& key) {
  const auto* array = node.as_array();
  if (!array) bad_value(source, key, "an array of numbers");
  std::vector<double> out;
  for (const auto& item : *array) out.push_back(get<double>(item, source, key, "an array of numbers"));
  return out;
}

BookInfo parse_book(const toml::table& table, const std::string& source) {
  BookInfo book;
  if (auto title = table["title"].value<std::string>()) book.title = *title;
  if (const auto* sections = table["sections"].as_array()) {
    for (const auto& s : *sections) book.sections.push_back(get<std::string>(s, source, "book.sections", "strings"));
  }
  if (const auto* reported = table["reported"].as_table()) {
    for (const auto& [edition, node] : *reported) {
      const auto* entry = node.as_table();
      if (!entry) bad_value(source, "book.reported." + std::string(edition.str()), "a table");
      BookResult result{std::string(edition.str()), {}, ""};
      for (const auto& [key, value] : *entry) {
        if (key.str() == "note") {
          result.note = get<std::string>(value, source, "note", "a string");
        } else {
          result.metrics[std::string(key.str())] = get<double>(value, source, std::string(key.str()), "a number");
        }
      }
      book.reported.push_back(result);
    }
  }
  return book;
}

std::string quoted(const std::string& s) {
  std::ostringstream out;
  out << toml::value<std::string>(s);
  return out.str();
}

}  // namespace

RunConfig parse_config(const std::string& text, const std::string& source) {
  toml::table table;
  try {
    table = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream message;
    message << source << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
    throw std::invalid_argument(message.str());
  }
  RunConfig c;
  for (const auto& [key_view, node] : table) {
    const std::string key(key_view.str());
    if (key == "model")
      c.model = get<std::string>(node, source, key, "a string");
    else if (key == "data")
      c.data = get<std::string>(node, source, key, "a string");
    else if (key == "data_dir")
      c.data_dir = get<std::string>(node, source, key, "a string");
    else if (key == "epochs")
      c.epochs = get<int64_t>(node, source, key, "an integer");
    else if (key == "batch_size")
      c.batch_size = get<int64_t>(node, source, key, "an integer");
    else if (key == "resize")
      c.resize = get<int64_t>(node, source, key, "an integer");
    else if (key == "lr")
      c.lr = get<double>(node, source, key, "a number");
    else if (key == "init")
      c.init = get<std::string>(node, source, key, "a string");
    else if (key == "dropout")
      c.dropout = get_doubles(node, source, key);
    else if (key == "optimizer")
      c.optimizer = get<std::string>(node, source, key, "a string");
    else if (key == "momentum")
      c.momentum = get<double>(node, source, key, "a number");
    else if (key == "weight_decay")
      c.weight_decay = get<double>(node, source, key, "a number");
    else if (key == "scheduler")
      c.scheduler = get<std::string>(node, source, key, "a string");
    else if (key == "warmup_epochs")
      c.warmup_epochs = get<double>(node, source, key, "a number");
    else if (key == "step_size")
      c.step_size = get<int64_t>(node, source, key, "an integer");
    else if (key == "gamma")
      c.gamma = get<double>(node, source, key, "a number");
    else if (key == "clip_grad")
      c.clip_grad = get<double>(node, source, key, "a number");
    else if (key == "seed")
      c.seed = get<int64_t>(node, source, key, "an integer");
    else if (key == "threads")
      c.threads = get<int64_t>(node, source, key, "an integer");
    else if (key == "device")
      c.device = get<std::string>(node, source, key, "a string");
    else if (key == "out")
      c.out = get<std::string>(node, source, key, "a string");
    else if (key == "limit_train")
      c.limit_train = get<int64_t>(node, source, key, "an integer");
    else if (key == "limit_test")
      c.limit_test = get<int64_t>(node, source, key, "an integer");
    else if (key == "quiet")
      c.quiet = get<bool>(node, source, key, "true or false");
    else if (key == "book") {
      if (!node.is_table()) bad_value(source, key, "a table");
      c.book = parse_book(*node.as_table(), source);
    } else {
      throw std::invalid_argument(source + ": " + unknown_name_message("key", key, kKeys));
    }
  }
  try {
    validate(c);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(source + ": " + e.what());
  }
  return c;
}

RunConfig load_config(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::invalid_argument("cannot read config file " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), file.string());
}

void validate(const RunConfig& c) {
  auto positive = [](const auto& value, const std::string& flag) {
    if (value && !(*value > 0)) throw std::invalid_argument(flag + " must be positive, got " + std::to_string(*value));
  };
  positive(c.epochs, "--epochs (epochs)");
  positive(c.batch_size, "--batch-size (batch_size)");
  positive(c.lr, "--lr (lr)");
  if (c.resize && *c.resize < 0) throw std::invalid_argument("--resize (resize) must not be negative");
  auto non_negative = [](double value, const std::string& flag) {
    if (!(value >= 0)) throw std::invalid_argument(flag + " must not be negative, got " + std::to_string(value));
  };
  non_negative(c.momentum, "--momentum (momentum)");
  non_negative(c.weight_decay, "--weight-decay (weight_decay)");
  non_negative(c.warmup_epochs, "--warmup-epochs (warmup_epochs)");
  non_negative(c.clip_grad, "--clip-grad (clip_grad)");
  non_negative(static_cast<double>(c.threads), "--threads (threads)");
  non_negative(static_cast<double>(c.limit_train), "--limit-train (limit_train)");
  non_negative(static_cast<double>(c.limit_test), "--limit-test (limit_test)");
  if (c.step_size <= 0) throw std::invalid_argument("--step-size (step_size) must be positive");
  for (double p : c.dropout)
    if (!(p >= 0 && p < 1)) throw std::invalid_argument("dropout probabilities must be in [0, 1)");
  const std::vector<std::string> optimizers = {"sgd", "momentum", "adam", "adamw"};
  if (std::find(optimizers.begin(), optimizers.end(), c.optimizer) == optimizers.end())
    throw std::invalid_argument("--optimizer: " + unknown_name_message("optimizer", c.optimizer, optimizers));
  const std::vector<std::string> schedulers = {"constant", "step", "cosine"};
  if (std::find(schedulers.begin(), schedulers.end(), c.scheduler) == schedulers.end())
    throw std::invalid_argument("--scheduler: " + unknown_name_message("scheduler", c.scheduler, schedulers));
  const std::vector<std::string> inits = {"none", "xavier", "normal"};
  if (c.init && std::find(inits.begin(), inits.end(), *c.init) == inits.end())
    throw std::invalid_argument("--init: " + unknown_name_message("init", *c.init, inits));
}

std::string to_toml(const RunConfig& c) {
  std::ostringstream out;
  out.precision(10);
  out << "model = " << quoted(c.model) << "\n";
  out << "data = " << quoted(c.data) << "\n";
  if (!c.data_dir.empty()) out << "data_dir = " << quoted(c.data_dir) << "\n";
  if (c.epochs) out << "epochs = " << *c.epochs << "\n";
  if (c.batch_size) out << "batch_size = " << *c.batch_size << "\n";
  if (c.lr) out << "lr = " << *c.lr << "\n";
  if (c.resize) out << "resize = " << *c.resize << "\n";
  if (c.init) out << "init = " << quoted(*c.init) << "\n";
  if (!c.dropout.empty()) {
    out << "dropout = [";
    for (size_t i = 0; i < c.dropout.size(); ++i) out << (i ? ", " : "") << c.dropout[i];
    out << "]\n";
  }
  out << "optimizer = " << quoted(c.optimizer) << "\n";
  if (c.optimizer == "momentum") out << "momentum = " << c.momentum << "\n";
  out << "weight_decay = " << c.weight_decay << "\n";
  out << "scheduler = " << quoted(c.scheduler) << "\n";
  out << "warmup_epochs = " << c.warmup_epochs << "\n";
  if (c.scheduler == "step") out << "step_size = " << c.step_size << "\ngamma = " << c.gamma << "\n";
  out << "clip_grad = " << c.clip_grad << "\n";
  out << "seed = " << c.seed << "\n";
  out << "threads = " << c.threads << "\n";
  out << "device = " << quoted(c.device) << "\n";
  if (!c.out.empty()) out << "out = " << quoted(c.out) << "\n";
  out << "limit_train = " << c.limit_train << "\n";
  out << "limit_test = " << c.limit_test << "\n";
  return out.str();
}

}  // namespace d2l::apps
