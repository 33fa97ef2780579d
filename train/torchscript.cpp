#include "train/torchscript.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/csrc/jit/serialization/import.h>

#include <stdexcept>

#include "train/atomic_file.h"
#include "train/strings.h"

namespace d2l::train {
namespace {

// "d2l::models::ResNetImpl" -> "ResNet": a readable TorchScript class name.
std::string class_name(const torch::nn::Module& module) {
  std::string name = module.name();
  if (auto pos = name.rfind("::"); pos != std::string::npos) name = name.substr(pos + 2);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, "Impl") == 0) name.resize(name.size() - 4);
  for (auto& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name.empty() ? "Module" : name;
}

// A jit::Module with the same children, parameters and buffers (the same tensors, so that the
// tracer records reads of them as attribute accesses, which keeps their names).
torch::jit::Module mirror(const torch::nn::Module& module, const std::shared_ptr<torch::jit::CompilationUnit>& cu) {
  torch::jit::Module out(c10::QualifiedName("__torch__.d2l." + class_name(module)), cu, /*shouldMangle=*/true);
  for (const auto& p : module.named_parameters(/*recurse=*/false)) out.register_parameter(p.key(), p.value(), false);
  for (const auto& b : module.named_buffers(/*recurse=*/false)) out.register_buffer(b.key(), b.value());
  for (const auto& child : module.named_children()) out.register_module(child.key(), mirror(*child.value(), cu));
  return out;
}

}  // namespace

torch::jit::Module trace_to_torchscript(torch::nn::Module& model, const Forward& forward, const torch::Tensor& example) {
  const bool was_training = model.is_training();
  model.eval();  // a train-mode trace would bake in dropout and batch statistics
  auto cu = std::make_shared<torch::jit::CompilationUnit>();
  auto module = mirror(model, cu);
  try {
    torch::NoGradGuard no_grad;
    auto traced = torch::jit::tracer::trace(
        {example}, [&](torch::jit::Stack inputs) -> torch::jit::Stack { return {forward(inputs[0].toTensor())}; },
        [](const torch::autograd::Variable&) { return std::string(); }, /*strict=*/true, /*force_outplace=*/false,
        &module, {"x"});
    const auto method = c10::QualifiedName(*module.type()->name(), "forward");
    module.type()->addMethod(cu->create_function(method, traced.first->graph));
  } catch (...) {
    model.train(was_training);
    throw;
  }
  model.train(was_training);
  return module;
}

void save_torchscript(const torch::jit::Module& module, const std::filesystem::path& file,
                      const std::map<std::string, std::string>& extra_files) {
  torch::jit::ExtraFilesMap extra(extra_files.begin(), extra_files.end());
  write_atomically(file, [&](const std::filesystem::path& tmp) { module.save(tmp.string(), extra); });
}

bool has_extra_file(const std::filesystem::path& file, const std::string& name) {
  try {
    caffe2::serialize::PyTorchStreamReader reader(file.string());
    return reader.hasRecord("extra/" + name);
  } catch (const c10::Error&) {
    return false;
  }
}

torch::jit::Module load_torchscript(const std::filesystem::path& file, std::map<std::string, std::string>& extra_files) {
  torch::jit::ExtraFilesMap extra;
  for (const auto& [name, content] : extra_files) extra[name] = "";
  torch::jit::Module module;
  try {
    module = torch::jit::load(file.string(), torch::kCPU, extra);
  } catch (const c10::Error& e) {
    throw std::runtime_error(file.string() + ": not a TorchScript file (" + first_line(e) + ")");
  }
  for (auto& [name, content] : extra_files) {
    if (extra[name].empty())
      throw std::runtime_error(file.string() + ": TorchScript without '" + name + "' (not exported by d2l export)");
    content = extra[name];
  }
  return module;
}

}  // namespace d2l::train
