// Reading image files (JPEG, PNG, ...) into tensors with OpenCV, when the build has it.
#pragma once
#include <torch/types.h>

#include <filesystem>
#include <vector>

namespace d2l::data {

// ImageNet's per-channel statistics (RGB), which torchvision's pretrained networks expect.
inline const std::vector<double> kImageNetMean = {0.485, 0.456, 0.406};
inline const std::vector<double> kImageNetStd = {0.229, 0.224, 0.225};

// Whether the file name has an image extension (.jpg, .jpeg, .png, .bmp, .ppm, .pgm, .tif,
// .tiff, .webp; any case).
bool is_image_file(const std::filesystem::path& file);

// Whether this build can decode images (OpenCV was found at configure time).
bool can_read_images();

// The image as uint8 [channels, H, W]: channels 1 (gray) or 3 (RGB order). Throws naming the
// file when it is missing or not an image.
torch::Tensor read_image(const std::filesystem::path& file, int64_t channels);

}  // namespace d2l::data
