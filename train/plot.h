// Training curves like the book's plots (d2l.Animator): metrics against epochs, drawn with OpenCV.
#pragma once
#include <filesystem>

#include "train/metrics.h"

namespace d2l::train {

// Draws every loss and accuracy column of `history` and writes a PNG atomically. Returns false
// (and writes nothing) in a build without OpenCV.
bool save_curves(const std::filesystem::path& file, const History& history);

}  // namespace d2l::train
