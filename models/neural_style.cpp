#include "models/neural_style.h"

#include <torch/nn/init.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "models/vgg.h"

namespace d2l::models {

SynthesizedImageImpl::SynthesizedImageImpl(std::vector<int64_t> shape) {
  weight = register_parameter("weight", torch::rand(shape));
}

StyleFeaturesImpl::StyleFeaturesImpl(const StyleFeaturesOptions& o) : options(o) {
  auto vgg19 = vgg_features(vgg19_arch());
  std::vector<int64_t> layers = o.content_layers();
  layers.insert(layers.end(), o.style_layers().begin(), o.style_layers().end());
  if (o.content_layers().empty() || o.style_layers().empty())
    throw std::invalid_argument("style transfer needs at least one content layer and one style layer");
  const auto last = static_cast<int64_t>(vgg19->size()) - 1;
  for (const auto i : layers)
    if (i < 0 || i > last)
      throw std::invalid_argument("style transfer layer " + std::to_string(i) + ": VGG-19's features are numbered 0 to " +
                                  std::to_string(last));
  // The book's net keeps VGG-19's layers up to the last one it reads (conv5_1).
  const int64_t used = *std::max_element(layers.begin(), layers.end()) + 1;
  for (const auto& layer : *vgg19)
    if (static_cast<int64_t>(features->size()) < used) features->push_back(layer);
  register_module("features", features);
  // torchvision's initialisation of VGG, for a run without pretrained weights.
  torch::NoGradGuard no_grad;
  for (auto& layer : *features)
    if (auto* conv = layer.ptr()->as<torch::nn::Conv2dImpl>()) {
      torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
      torch::nn::init::zeros_(conv->bias);
    }
}

StyleFeatureMaps StyleFeaturesImpl::forward(const torch::Tensor& image) {
  // The book reads a layer's output and goes on with torchvision's ReLU(inplace=True), which
  // overwrites that output: what it stores is the output after the ReLU that follows the layer
  // (except after the last layer, conv5_1, which has none in the truncated net). We read the
  // same tensors, so that the losses are the book's.
  const auto& o = options;
  std::vector<torch::Tensor> outputs;
  torch::Tensor X = image;
  for (auto& layer : *features) {
    X = layer.forward(X);
    if (layer.ptr()->as<torch::nn::ReLUImpl>() != nullptr && !outputs.empty()) outputs.back() = X;  // the previous layer's, rectified
    outputs.push_back(X);
  }
  StyleFeatureMaps maps;
  for (const auto i : o.content_layers()) maps.contents.push_back(outputs[static_cast<size_t>(i)]);
  for (const auto i : o.style_layers()) maps.styles.push_back(outputs[static_cast<size_t>(i)]);
  return maps;
}

}  // namespace d2l::models
