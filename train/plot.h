// Training curves like the book's plots (d2l.Animator): metrics against epochs, drawn with OpenCV.
#pragma once
#include <torch/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "train/metrics.h"

namespace d2l::train {

// Draws every loss and accuracy column of `history` and writes a PNG atomically. Returns false
// (and writes nothing) in a build without OpenCV.
bool save_curves(const std::filesystem::path& file, const History& history);

// A heat map of `weights` [rows, cols] (values in [0, 1], e.g. attention weights: one row per
// query), rows labelled on the left and columns on top, as d2l.show_heatmaps; PNG, atomically.
// Returns false in a build without OpenCV.
bool save_heatmap(const std::filesystem::path& file, const torch::Tensor& weights, const std::vector<std::string>& rows,
                  const std::vector<std::string>& cols);

// Images [N, C, H, W] (C = 1 or 3, values in [0, 1]) tiled row by row, `columns` per row, with a
// 2-pixel white border, each magnified `scale` times (nearest neighbour, for 28-pixel images),
// as torchvision's save_image; PNG, atomically. Returns false in a build without OpenCV.
bool save_image_grid(const std::filesystem::path& file, const torch::Tensor& images, int64_t columns, int64_t scale = 1);

// Points [n, 2] of each named series in matplotlib's first colours, with a legend, as the
// book's scatter of real and generated data (d2l 20.1); PNG, atomically. Returns false in a
// build without OpenCV.
bool save_scatter(const std::filesystem::path& file, const std::vector<std::pair<std::string, torch::Tensor>>& series);

// One image [C, H, W] (C = 1 or 3, values in [0, 1]) as PNG or JPEG, as the file's extension
// (.png, .jpg, .jpeg) says; atomically. Returns false in a build without OpenCV.
bool save_image(const std::filesystem::path& file, const torch::Tensor& image);

// Whether save_image can write `file` (its extension is one it encodes).
bool is_image_file_name(const std::filesystem::path& file);

}  // namespace d2l::train
