// Pascal VOC 2012 semantic segmentation (d2l 14.9) in its real layout: JPEGImages/NAME.jpg,
// SegmentationClass/NAME.png (palette PNGs: one colour per class) and
// ImageSets/Segmentation/{train,val}.txt; and a generated data set in the same layout (shapes on
// textured backgrounds) that works offline.
#pragma once
#include <torch/types.h>

#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "data/data_module.h"

namespace d2l::data {

constexpr int64_t kIgnoreLabel = 255;  // VOC's object borders ("void"), and colours outside the palette

const std::vector<std::string>& voc_classes();                 // background, aeroplane, ..., tv/monitor
const std::vector<std::array<uint8_t, 3>>& voc_colormap();    // RGB of each class, as the book's VOC_COLORMAP

struct LabelImage {
  torch::Tensor labels;                            // [H, W] int64: class indices, kIgnoreLabel for void
  std::vector<std::array<uint8_t, 3>> unknown;     // colours neither in the palette nor VOC's void colour
};
// The book's voc_label_indices: an RGB mask [3, H, W] uint8 to class indices.
LabelImage voc_label_indices(const torch::Tensor& rgb);
// And back: [H, W] class indices (kIgnoreLabel: VOC's void colour) to RGB [3, H, W] uint8.
torch::Tensor voc_colorize(const torch::Tensor& labels);
// Writes class indices [H, W] as an 8-bit palette PNG with VOC's palette, as VOC's own masks.
void write_palette_png(const std::filesystem::path& file, const torch::Tensor& labels);

struct VOCOptions {
  explicit VOCOptions(std::filesystem::path root) : root_(std::move(root)) {}
  TORCH_ARG(std::filesystem::path, root);    // the folder holding JPEGImages/, SegmentationClass/, ImageSets/
  TORCH_ARG(int64_t, crop_height) = 320;     // the book's random crops of 320 x 480
  TORCH_ARG(int64_t, crop_width) = 480;
  TORCH_ARG(int64_t, limit_train) = 0;       // 0: all
  TORCH_ARG(int64_t, limit_val) = 0;
};

// Training examples are random crops drawn afresh each epoch (the book's voc_rand_crop);
// validation examples are centre crops, so that validation metrics compare across epochs.
// Images smaller than the crop are left out, as the book does, and counted in the log.
// Inputs are normalised with ImageNet's mean and std; targets are [N, H, W] class indices.
DataModule voc_segmentation(const VOCOptions& options);

// A VOC-layout data set of n_train + n_val images (height x width): one to three rectangles and
// discs of 4 classes (aeroplane, bicycle, bird, boat, each with its own hue) on noisy striped
// backgrounds, masks as palette PNGs with a void border around each shape.
void write_voc_shapes(const std::filesystem::path& root, int64_t n_train, int64_t n_val, uint64_t seed = 0,
                      int64_t height = 96, int64_t width = 128);

}  // namespace d2l::data
