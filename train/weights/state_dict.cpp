#include "train/weights/state_dict.h"

#include <map>
#include <regex>
#include <stdexcept>

#include "train/strings.h"

namespace d2l::train::weights {
namespace {

std::string shape_string(at::IntArrayRef sizes) {
  std::string s = "[";
  for (size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + "]";
}

std::string join_some(const std::vector<std::string>& names, size_t limit = 5) {
  std::string s;
  for (size_t i = 0; i < names.size() && i < limit; ++i) s += (i ? ", " : "") + names[i];
  if (names.size() > limit) s += ", ... (" + std::to_string(names.size()) + " in all)";
  return s;
}

// torchvision's published DenseNet weights predate its current names: "denselayer1.norm.1.weight"
// is today's "denselayer1.norm1.weight" (torchvision renames them the same way when loading).
std::string current_name(const std::string& name) {
  static const std::regex old_densenet(R"(^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var|num_batches_tracked))$)");
  std::smatch m;
  return std::regex_match(name, m, old_densenet) ? m[1].str() + m[2].str() : name;
}

}  // namespace

StateDict state_dict(const torch::nn::Module& module) {
  StateDict state;
  for (const auto& p : module.named_parameters()) state.emplace_back(p.key(), p.value());
  for (const auto& b : module.named_buffers()) state.emplace_back(b.key(), b.value());
  return state;
}

LoadReport load_state_dict(torch::nn::Module& module, const StateDict& state, const LoadOptions& options,
                           const std::string& source) {
  std::map<std::string, torch::Tensor> ours;
  std::vector<std::string> order;
  for (auto& [name, tensor] : state_dict(module)) {
    ours.emplace(name, tensor);
    order.push_back(name);
  }
  auto skipped = [&](const std::string& name) { return starts_with_any(name, options.skip_prefixes()); };

  LoadReport report;
  std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;  // (ours, theirs), applied once all is checked
  std::map<std::string, bool> seen;
  for (const auto& [file_name, tensor] : state) {
    const auto name = current_name(file_name);
    if (skipped(name)) continue;
    auto it = ours.find(name);
    if (it == ours.end()) {
      report.unexpected.push_back(name);
      continue;
    }
    if (it->second.sizes() != tensor.sizes())
      throw ShapeMismatch(source + ": '" + name + "' has shape " + shape_string(tensor.sizes()) +
                               ", the model expects " + shape_string(it->second.sizes()));
    copies.emplace_back(it->second, tensor);
    report.loaded.push_back(name);
    seen[name] = true;
  }
  for (const auto& name : order)
    if (!seen.count(name) && !skipped(name)) report.missing.push_back(name);
  if (options.strict() && (!report.missing.empty() || !report.unexpected.empty())) {
    std::string what = source + " does not match the model";
    if (!report.missing.empty()) what += "; missing: " + join_some(report.missing);
    if (!report.unexpected.empty()) what += "; unexpected: " + join_some(report.unexpected);
    throw std::runtime_error(what + " (load without --strict to skip them)");
  }
  torch::NoGradGuard no_grad;
  for (auto& [dst, src] : copies) dst.copy_(src);
  return report;
}

LoadReport load_weights(torch::nn::Module& module, const std::filesystem::path& file, const LoadOptions& options) {
  return load_state_dict(module, read_state_dict(file), options, file.string());
}

std::string describe(const LoadReport& report) {
  std::string s = "loaded " + std::to_string(report.loaded.size()) + " tensors";
  if (!report.missing.empty()) s += "; missing (kept as initialised): " + join_some(report.missing);
  if (!report.unexpected.empty()) s += "; unexpected (ignored): " + join_some(report.unexpected);
  return s;
}

}  // namespace d2l::train::weights
