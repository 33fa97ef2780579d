// Two domains of unpaired images in the layout of the public CycleGAN data sets:
// ROOT/trainA, ROOT/trainB, ROOT/testA, ROOT/testB, image files directly inside. Images are
// decoded once and resized to a square side (mixed sizes are fine); unreadable files are
// skipped with a warning naming them.
#pragma once
#include <torch/arg.h>

#include <filesystem>

#include "data/data_module.h"

namespace d2l::data {

struct UnpairedImagesOptions {
  explicit UnpairedImagesOptions(std::filesystem::path root) : root_(std::move(root)) {}
  TORCH_ARG(std::filesystem::path, root);
  TORCH_ARG(int64_t, image_size) = 256;  // the reference's crop_size
  // Images are stored at this side and cropped to image_size at random each epoch, with random
  // horizontal flips (the reference's resize_and_crop: 286 for 256); 0: image_size * 286 / 256.
  TORCH_ARG(int64_t, load_size) = 0;
  TORCH_ARG(int64_t, limit_train) = 0;  // the first n images of each domain; 0: all
  TORCH_ARG(int64_t, limit_val) = 0;
};

// inputs: domain A (shuffled each epoch), uint8 [N_A, 3, s, s]; targets: domain B images, uint8,
// as many as A: each epoch pairs every A image with a random B image and crops and flips each at
// random (train_for_epoch, seeded by seed and epoch), as the reference's unaligned data set
// does; validation pairs centre crops of testA[i] and testB[i mod N_B] (trainA/trainB's first 8
// when there are no test folders).
DataModule unpaired_images(const UnpairedImagesOptions& options);

// Two classes of a labelled image data set (uint8 [N, H, W] or [N, C, H, W]) as two domains in
// that layout: class label_A in trainA/ and testA/, label_B in trainB/ and testB/, at most
// n_train and n_test images each, as PNG files. Written to root.tmp and renamed to root when
// complete. The offline CycleGAN demo: Fashion-MNIST's sneakers (7) and ankle boots (9).
void write_unpaired_classes(const std::filesystem::path& root, const DataModule& labelled, int64_t label_A,
                            int64_t label_B, int64_t n_train, int64_t n_test);

}  // namespace d2l::data
