// The two images of neural style transfer (d2l 14.12), as a data set of one (content, style)
// pair: each read, resized to the image shape and normalised with ImageNet's statistics (the
// book's preprocess); postprocess turns a synthesised image back into pixels.
#pragma once
#include <torch/arg.h>
#include <torch/types.h>

#include <filesystem>

#include "data/data_module.h"

namespace d2l::data {

struct StyleImagesOptions {
  StyleImagesOptions(std::filesystem::path content, std::filesystem::path style)
      : content_(std::move(content)), style_(std::move(style)) {}
  TORCH_ARG(std::filesystem::path, content);
  TORCH_ARG(std::filesystem::path, style);
  TORCH_ARG(int64_t, height) = 300;  // the book's image_shape (300, 450)
  TORCH_ARG(int64_t, width) = 450;
};

// train (and val) hold one example: inputs = the content image, targets = the style image,
// float [1, 3, height, width], normalised. A content image smaller than the shape is an error
// (up-sampling it would blur what the result is measured against); a smaller style image is
// up-sampled with a warning.
DataModule style_images(const StyleImagesOptions& options);

// An image [3, H, W] (or [1, 3, H, W]) resized to height x width: bilinear with anti-aliasing when
// shrinking, as torchvision's Resize on a PIL image.
torch::Tensor resize_image(const torch::Tensor& image, int64_t height, int64_t width);

// The book's postprocess: undo the normalisation and clamp to [0, 1]; [1, 3, H, W] -> [3, H, W].
torch::Tensor imagenet_postprocess(const torch::Tensor& X);

}  // namespace d2l::data
