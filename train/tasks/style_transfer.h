// Neural style transfer (d2l 14.12) as a task: the model that trains is the synthesised image;
// a frozen VGG-19 (models::StyleFeatures) measures how far its features are from the content
// image's and its Gram matrices from the style image's, plus total variation for smoothness.
// The data is one (content, style) pair: each epoch is one full-image step, as in the book.
#pragma once
#include "models/neural_style.h"
#include "train/task.h"

namespace d2l::train {

// The book's gram: X [1, C, H, W] as C rows of H·W values, X Xᵀ / (C·H·W).
torch::Tensor gram(const torch::Tensor& X);
// Mean squared difference of feature maps (the target is a constant).
torch::Tensor content_loss(const torch::Tensor& Y_hat, const torch::Tensor& Y);
// Mean squared difference of Gram matrices; gram_Y is the style image's.
torch::Tensor style_loss(const torch::Tensor& Y_hat, const torch::Tensor& gram_Y);
// Total variation: 0.5 (mean |vertical neighbour difference| + mean |horizontal neighbour difference|).
torch::Tensor tv_loss(const torch::Tensor& Y_hat);

struct StyleTransferOptions {
  // The book's weights (en-1.0; zh-v2's 1e3 counted 10 times is the same objective).
  TORCH_ARG(double, content_weight) = 1.0;
  TORCH_ARG(double, style_weight) = 1e4;
  TORCH_ARG(double, tv_weight) = 10.0;
};

// The weighted losses of one synthesised image (the book's compute_loss).
struct StyleTransferLoss {
  torch::Tensor content, style, tv, total;
};

class StyleTransferTask : public Task {
 public:
  // `net` stays frozen and should be on the device the training runs on. content and style
  // ([1, 3, H, W], normalised) give the targets once, here: the content image's features and
  // the style image's Gram matrices (the book's get_contents and get_styles).
  StyleTransferTask(models::SynthesizedImage image, models::StyleFeatures net, const torch::Tensor& content,
                    const torch::Tensor& style, StyleTransferOptions options = {});
  torch::nn::Module& model() override { return *image_; }
  // The batch is the data set's one (content, style) pair, whose targets are already computed.
  StepOutput training_step(const data::Batch& batch) override;
  std::vector<Metric> validation_step(const data::Batch& /*batch*/) override { return {}; }
  std::string monitor() const override { return "train_loss"; }
  bool higher_is_better() const override { return false; }

  // The losses of the current image.
  StyleTransferLoss loss();

 private:
  models::SynthesizedImage image_;
  models::StyleFeatures net_;
  StyleTransferOptions options_;
  std::vector<torch::Tensor> contents_Y_, styles_Y_gram_;
};

}  // namespace d2l::train
