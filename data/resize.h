// Bilinear resizing of image batches, as torchvision's Resize on tensors (align_corners=False,
// no anti-aliasing): the loader's --resize, and the preprocessing of images to predict.
#pragma once
#include <torch/types.h>

namespace d2l::data {

// X: [N, C, H, W] floating point; returned as is when already height x width.
torch::Tensor resize_batch(const torch::Tensor& X, int64_t height, int64_t width);

}  // namespace d2l::data
