#include "train/tasks/style_transfer.h"

namespace d2l::train {

torch::Tensor gram(const torch::Tensor& X) {
  const int64_t num_channels = X.size(1), n = X.numel() / X.size(1);
  const auto rows = X.reshape({num_channels, n});
  return rows.matmul(rows.t()) / static_cast<double>(num_channels * n);
}

torch::Tensor content_loss(const torch::Tensor& Y_hat, const torch::Tensor& Y) { return (Y_hat - Y.detach()).square().mean(); }

torch::Tensor style_loss(const torch::Tensor& Y_hat, const torch::Tensor& gram_Y) {
  return (gram(Y_hat) - gram_Y.detach()).square().mean();
}

torch::Tensor tv_loss(const torch::Tensor& Y_hat) {
  const int64_t h = Y_hat.size(2), w = Y_hat.size(3);
  const auto vertical = (Y_hat.slice(2, 1, h) - Y_hat.slice(2, 0, h - 1)).abs().mean();
  const auto horizontal = (Y_hat.slice(3, 1, w) - Y_hat.slice(3, 0, w - 1)).abs().mean();
  return 0.5 * (vertical + horizontal);
}

StyleTransferTask::StyleTransferTask(models::SynthesizedImage image, models::StyleFeatures net,
                                     const torch::Tensor& content, const torch::Tensor& style,
                                     StyleTransferOptions options)
    : image_(std::move(image)), net_(std::move(net)), options_(options) {
  if (content.sizes() != image_->weight.sizes())
    throw std::invalid_argument("style transfer: the content image is " + std::string(c10::str(content.sizes())) +
                                ", the synthesised image " + std::string(c10::str(image_->weight.sizes())));
  net_->eval();
  for (auto& p : net_->parameters()) p.set_requires_grad(false);
  torch::NoGradGuard no_grad;
  const auto device = net_->features->parameters().front().device();
  contents_Y_ = net_->forward(content.to(device)).contents;
  for (const auto& Y : net_->forward(style.to(device)).styles) styles_Y_gram_.push_back(gram(Y));
}

StyleTransferLoss StyleTransferTask::loss() {
  const auto X = image_->forward();
  const auto maps = net_->forward(X);
  StyleTransferLoss l;
  l.content = torch::zeros({}, X.options());
  l.style = torch::zeros({}, X.options());
  for (size_t i = 0; i < maps.contents.size(); ++i)
    l.content = l.content + content_loss(maps.contents[i], contents_Y_[i]) * options_.content_weight();
  for (size_t i = 0; i < maps.styles.size(); ++i)
    l.style = l.style + style_loss(maps.styles[i], styles_Y_gram_[i]) * options_.style_weight();
  l.tv = tv_loss(X) * options_.tv_weight();
  l.total = l.content + l.style + l.tv;
  return l;
}

StepOutput StyleTransferTask::training_step(const data::Batch& batch) {
  if (batch.X.sizes() != image_->weight.sizes())
    throw std::invalid_argument("style transfer trains on its one (content, style) pair per step");
  auto l = loss();
  return {l.total,
          {{"train_loss", l.total.detach(), 1},
           {"train_content_loss", l.content.detach(), 1},
           {"train_style_loss", l.style.detach(), 1},
           {"train_tv_loss", l.tv.detach(), 1}}};
}

}  // namespace d2l::train
