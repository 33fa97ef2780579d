#include "apps/run_config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "apps/suggest.h"

namespace d2l::apps {
namespace {

[[noreturn]] void bad_value(const std::string& source, const std::string& key, const std::string& expected) {
  throw std::invalid_argument(source + ": key '" + key + "' must be " + expected);
}

// Reads one TOML value into a setting of the matching type, or says what was expected.
void read(const toml::node& node, const std::string& source, const std::string& key, std::string& out) {
  if (!node.is_string()) bad_value(source, key, "a string");
  out = *node.value<std::string>();
}
void read(const toml::node& node, const std::string& source, const std::string& key, int64_t& out) {
  if (!node.is_integer()) bad_value(source, key, "an integer");
  out = *node.value<int64_t>();
}
void read(const toml::node& node, const std::string& source, const std::string& key, double& out) {
  const auto value = node.value<double>();  // integers are accepted where reals are expected
  if (!value) bad_value(source, key, "a number");
  out = *value;
}
void read(const toml::node& node, const std::string& source, const std::string& key, bool& out) {
  if (!node.is_boolean()) bad_value(source, key, "true or false");
  out = *node.value<bool>();
}
void read(const toml::node& node, const std::string& source, const std::string& key, std::vector<double>& out) {
  const auto* array = node.as_array();
  if (!array) bad_value(source, key, "an array of numbers");
  out.clear();
  for (const auto& item : *array) read(item, source, key, out.emplace_back());
}
template <typename T>
void read(const toml::node& node, const std::string& source, const std::string& key, std::optional<T>& out) {
  read(node, source, key, out.emplace());
}

std::string quoted(const std::string& s) {
  std::ostringstream out;
  out << toml::value<std::string>(s);
  return out.str();
}

// Writes one setting as a TOML line; unset optional settings are left out.
void write(std::ostream& out, const std::string& key, const std::string& v) {
  out << key << " = " << quoted(v) << "\n";
}
void write(std::ostream& out, const std::string& key, int64_t v) { out << key << " = " << v << "\n"; }
void write(std::ostream& out, const std::string& key, double v) { out << key << " = " << v << "\n"; }
void write(std::ostream& out, const std::string& key, bool v) { out << key << " = " << (v ? "true" : "false") << "\n"; }
void write(std::ostream& out, const std::string& key, const std::vector<double>& v) {
  out << key << " = [";
  for (size_t i = 0; i < v.size(); ++i) out << (i ? ", " : "") << v[i];
  out << "]\n";
}
template <typename T>
void write(std::ostream& out, const std::string& key, const std::optional<T>& v) {
  if (v) write(out, key, *v);
}

BookInfo parse_book(const toml::table& table, const std::string& source) {
  BookInfo book;
  if (auto title = table["title"].value<std::string>()) book.title = *title;
  if (const auto* sections = table["sections"].as_array()) {
    for (const auto& s : *sections) read(s, source, "book.sections", book.sections.emplace_back());
  }
  if (const auto* reported = table["reported"].as_table()) {
    for (const auto& [edition, node] : *reported) {
      const auto* entry = node.as_table();
      if (!entry) bad_value(source, "book.reported." + std::string(edition.str()), "a table");
      BookResult result{std::string(edition.str()), {}, ""};
      for (const auto& [key, value] : *entry) {
        if (key.str() == "note") {
          read(value, source, "book.reported.note", result.note);
        } else {
          read(value, source, "book.reported." + std::string(key.str()), result.metrics[std::string(key.str())]);
        }
      }
      book.reported.push_back(result);
    }
  }
  return book;
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
  for (const auto& entry : table) {
    const std::string key(entry.first.str());
    const auto& node = entry.second;  // a plain name: lambdas cannot capture structured bindings in C++17
    if (key == "book") {
      if (!node.is_table()) bad_value(source, key, "a table");
      c.book = parse_book(*node.as_table(), source);
      continue;
    }
    bool known = false;
    std::vector<std::string> keys{"book"};
    for_each_setting(
        [&](const std::string& name, const char*, auto& field) {
          keys.push_back(name);
          if (name != key) return;
          read(node, source, key, field);
          known = true;
        },
        c);
    if (!known) throw std::invalid_argument(source + ": " + unknown_name_message("key", key, keys));
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

RunConfig overlay_config(RunConfig base, const std::filesystem::path& file) {
  const auto profile = load_config(file);  // checks keys and values
  const auto table = toml::parse_file(file.string());
  for_each_setting(
      [&](const std::string& key, const char*, auto& field, const auto& value) {
        if (table.contains(key)) field = value;
      },
      base, profile);
  return base;
}

std::pair<int64_t, int64_t> parse_image_shape(const std::string& text) {
  const auto x = text.find('x');
  const auto number = [&](const std::string& part) -> int64_t {
    if (part.empty() || part.size() > 6 || part.find_first_not_of("0123456789") != std::string::npos) return 0;
    return std::stoll(part);
  };
  const int64_t height = x == std::string::npos ? 0 : number(text.substr(0, x));
  const int64_t width = x == std::string::npos ? 0 : number(text.substr(x + 1));
  if (height <= 0 || width <= 0)
    throw std::invalid_argument("--image-shape (image_shape): expected HEIGHTxWIDTH such as 300x450, got '" + text + "'");
  return {height, width};
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
  if (c.clip_grad) non_negative(*c.clip_grad, "--clip-grad (clip_grad)");
  positive(c.num_steps, "--num-steps (num_steps)");
  positive(c.num_hiddens, "--num-hiddens (num_hiddens)");
  positive(c.num_layers, "--num-layers (num_layers)");
  positive(c.embed_size, "--embed-size (embed_size)");
  positive(c.patch_size, "--patch-size (patch_size)");
  if (c.mask_ratio && !(*c.mask_ratio > 0 && *c.mask_ratio < 1))
    throw std::invalid_argument("--mask-ratio (mask_ratio) must be in (0, 1), got " + std::to_string(*c.mask_ratio));
  if (!c.init_from.empty() && !c.weights.empty())
    throw std::invalid_argument("--init-from and --weights both give starting weights: pick one");
  if (c.max_tokens) non_negative(static_cast<double>(*c.max_tokens), "--max-tokens (max_tokens)");
  const auto one_of = [](const std::string& flag, const std::string& what, const std::string& value,
                         const std::vector<std::string>& names) {
    if (std::find(names.begin(), names.end(), value) == names.end())
      throw std::invalid_argument(flag + ": " + unknown_name_message(what, value, names));
  };
  if (c.sampling) one_of("--sampling", "sampling", *c.sampling, {"sequential", "random", "windowed"});
  one_of("--tokens", "token kind", c.tokens, {"char", "word"});
  one_of("--amp", "precision", c.amp, {"none", "bf16", "fp16"});
  non_negative(static_cast<double>(c.threads), "--threads (threads)");
  non_negative(static_cast<double>(c.limit_train), "--limit-train (limit_train)");
  non_negative(static_cast<double>(c.limit_test), "--limit-test (limit_test)");
  if (!(c.head_lr_mult > 0)) throw std::invalid_argument("--head-lr-mult (head_lr_mult) must be positive");
  if (c.new_head && c.weights.empty()) throw std::invalid_argument("--new-head needs --weights FILE");
  positive(c.step_size, "--step-size (step_size)");
  for (double p : c.dropout)
    if (!(p >= 0 && p < 1)) throw std::invalid_argument("dropout probabilities must be in [0, 1)");
  if (c.optimizer) one_of("--optimizer", "optimizer", *c.optimizer, {"sgd", "momentum", "adam", "adamw"});
  if (c.scheduler) one_of("--scheduler", "scheduler", *c.scheduler, {"constant", "step", "cosine", "linear"});
  if (c.decay_epochs) non_negative(static_cast<double>(*c.decay_epochs), "--decay-epochs (decay_epochs)");
  if (c.init) one_of("--init", "init", *c.init, {"none", "xavier", "normal"});
  if (c.image_shape) parse_image_shape(*c.image_shape);
  if (c.content_weight) non_negative(*c.content_weight, "--content-weight (content_weight)");
  if (c.style_weight) non_negative(*c.style_weight, "--style-weight (style_weight)");
  if (c.tv_weight) non_negative(*c.tv_weight, "--tv-weight (tv_weight)");
  positive(c.report_every, "--report-every (report_every)");
  positive(c.generator_lr, "--generator-lr (generator_lr)");
  if (c.beta1 && !(*c.beta1 >= 0 && *c.beta1 < 1))
    throw std::invalid_argument("--beta1 (beta1) must be in [0, 1), got " + std::to_string(*c.beta1));
}

std::string to_toml(const RunConfig& config) {
  std::ostringstream out;
  out.precision(10);
  auto c = config;
  for_each_setting(
      [&](const std::string& key, const char*, const auto& field) {
        if (key != "quiet") write(out, key, field);  // how a run reports is not part of what it is
      },
      c);
  return out.str();
}

}  // namespace d2l::apps
