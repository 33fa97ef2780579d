// Neural style transfer (d2l 14.12, Gatys et al. 2016). The model being trained is the
// synthesised image itself; a VGG-19 trained on ImageNet, frozen, turns images into the feature
// maps whose distances define the content and style losses (train/tasks/style_transfer.h).
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

#include <vector>

namespace d2l::models {

// The book's SynthesizedImage: one parameter, `weight`, holding the image [1, 3, H, W] (in the
// normalised space the VGG sees); forward() returns it.
class SynthesizedImageImpl : public torch::nn::Module {
 public:
  explicit SynthesizedImageImpl(std::vector<int64_t> shape);
  torch::Tensor forward() { return weight; }

  torch::Tensor weight;
};
TORCH_MODULE(SynthesizedImage);

struct StyleFeaturesOptions {
  // Indices into VGG-19's `features`: conv4_4 for content; conv1_1, conv2_1, conv3_1, conv4_1 and
  // conv5_1 (the first convolution of each block) for style, as the book chooses them.
  TORCH_ARG(std::vector<int64_t>, content_layers) = {25};
  TORCH_ARG(std::vector<int64_t>, style_layers) = {0, 5, 10, 19, 28};
};

// The feature maps of one image at the content and style layers, in the options' order.
struct StyleFeatureMaps {
  std::vector<torch::Tensor> contents, styles;
};

// The book's `net` and extract_features: VGG-19's `features` up to the last layer used, under
// torchvision's names (features.0.weight, ...), so torchvision's vgg19 weights load into it.
class StyleFeaturesImpl : public torch::nn::Module {
 public:
  explicit StyleFeaturesImpl(const StyleFeaturesOptions& options = {});
  StyleFeatureMaps forward(const torch::Tensor& X);

  StyleFeaturesOptions options;
  torch::nn::Sequential features;
};
TORCH_MODULE(StyleFeatures);

}  // namespace d2l::models
