#include "data/style_images.h"

#include <torch/nn/functional/upsampling.h>

#include <stdexcept>
#include <string>

#include "data/log.h"
#include "data/image.h"

namespace d2l::data {
namespace {

std::string shape_text(int64_t height, int64_t width) { return std::to_string(height) + "x" + std::to_string(width); }

torch::Tensor normalize(const torch::Tensor& X) {
  const auto mean = torch::tensor(kImageNetMean, X.options()).view({1, 3, 1, 1});
  const auto std = torch::tensor(kImageNetStd, X.options()).view({1, 3, 1, 1});
  return (X - mean) / std;
}

}  // namespace

torch::Tensor resize_image(const torch::Tensor& image, int64_t height, int64_t width) {
  namespace F = torch::nn::functional;
  auto X = image.dim() == 3 ? image.unsqueeze(0) : image;
  X = X.to(torch::kFloat32);
  if (X.size(2) != height || X.size(3) != width) {
    const bool shrinking = X.size(2) > height || X.size(3) > width;
    X = F::interpolate(X, F::InterpolateFuncOptions()
                              .size(std::vector<int64_t>{height, width})
                              .mode(torch::kBilinear)
                              .align_corners(false)
                              .antialias(shrinking));
  }
  return image.dim() == 3 ? X.squeeze(0) : X;
}

DataModule style_images(const StyleImagesOptions& o) {
  if (o.height() <= 0 || o.width() <= 0)
    throw std::invalid_argument("--image-shape must be positive, got " + shape_text(o.height(), o.width()));
  const auto read = [&](const std::filesystem::path& file, const char* role) {
    const auto image = read_image(file, 3);
    const int64_t h = image.size(1), w = image.size(2);
    if (h < o.height() || w < o.width()) {
      const auto message = std::string("--") + role + " " + file.string() + " is " + shape_text(h, w) +
                           " pixels (height x width), smaller than --image-shape " + shape_text(o.height(), o.width());
      if (std::string(role) == "content")
        throw std::invalid_argument(message + "; pass a smaller --image-shape or a larger image");
      logging::warn(message + ": up-sampling it");
    }
    return normalize(resize_image(image, o.height(), o.width()).unsqueeze(0) / 255.0);
  };
  DataModule dm;
  dm.name = "style-images";
  dm.train = {read(o.content(), "content"), read(o.style(), "style")};
  dm.val = dm.train;  // nothing to validate; the loop still walks a validation loader
  return dm;
}

torch::Tensor imagenet_postprocess(const torch::Tensor& X) {
  const auto mean = torch::tensor(kImageNetMean, X.options()).view({3, 1, 1});
  const auto std = torch::tensor(kImageNetStd, X.options()).view({3, 1, 1});
  return (X.detach().squeeze(0) * std + mean).clamp(0, 1);
}

}  // namespace d2l::data
