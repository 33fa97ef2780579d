// Fully convolutional network (d2l 14.11, Long et al. 2015): a ResNet-18 without its global
// pooling and output layer turns an image into a feature map 32 times smaller, a 1 x 1
// convolution maps its channels to the classes, and a transposed convolution (kernel 64, stride
// 32, padding 16) initialised as bilinear up-sampling brings it back to the input's size.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include "models/resnet.h"

namespace d2l::models {

struct FCNOptions {
  TORCH_ARG(int64_t, num_classes) = 21;  // Pascal VOC: background and 20 object classes
};

// The book's bilinear_kernel: [in_channels, out_channels, k, k] weights of a transposed
// convolution that up-samples each channel bilinearly (channel i to channel i; needs in == out).
torch::Tensor bilinear_kernel(int64_t in_channels, int64_t out_channels, int64_t kernel_size);

class FCNImpl : public torch::nn::Module {
 public:
  explicit FCNImpl(const FCNOptions& options = {});
  // [B, 3, H, W] (H and W multiples of 32) -> per-pixel class scores [B, num_classes, H, W].
  torch::Tensor forward(const torch::Tensor& X);

  FCNOptions options;
  // The backbone's layers are this module's children under torchvision's names (conv1, bn1,
  // layer1 ... layer4), so torchvision's resnet18 weights load into it (its fc is left out).
  ResNet backbone{nullptr};
  torch::nn::Conv2d final_conv{nullptr};
  torch::nn::ConvTranspose2d transpose_conv{nullptr};
};
TORCH_MODULE(FCN);

}  // namespace d2l::models
