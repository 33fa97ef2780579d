#include "train/plot.h"

#include <algorithm>
#include <cctype>

namespace d2l::train {

bool is_image_file_name(const std::filesystem::path& file) {
  auto extension = file.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
  return extension == ".png" || extension == ".jpg" || extension == ".jpeg";
}

}  // namespace d2l::train

#ifndef D2L_HAVE_OPENCV
namespace d2l::train {
bool save_curves(const std::filesystem::path&, const History&) { return false; }
bool save_heatmap(const std::filesystem::path&, const torch::Tensor&, const std::vector<std::string>&,
                  const std::vector<std::string>&) {
  return false;
}
bool save_image_grid(const std::filesystem::path&, const torch::Tensor&, int64_t, int64_t) { return false; }
bool save_image(const std::filesystem::path&, const torch::Tensor&) { return false; }
bool save_scatter(const std::filesystem::path&, const std::vector<std::pair<std::string, torch::Tensor>>&) {
  return false;
}
}  // namespace d2l::train
#else

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "train/atomic_file.h"

namespace d2l::train {
namespace {

constexpr int kWidth = 640, kHeight = 420;
constexpr int kLeft = 70, kRight = 170, kTop = 20, kBottom = 50;

std::string format(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3g", v);
  return buffer;
}

void write_encoded(const std::filesystem::path& file, const cv::Mat& image, const std::string& extension) {
  std::vector<uchar> bytes;
  if (!cv::imencode(extension, image, bytes)) throw std::runtime_error("cannot encode " + file.string());
  write_text_atomically(file, std::string(bytes.begin(), bytes.end()));
}

void write_png(const std::filesystem::path& file, const cv::Mat& image) { write_encoded(file, image, ".png"); }

// [N, C, H, W] in [0, 1] (C = 1 or 3) -> [N, H, W, 3] uint8 in OpenCV's BGR order.
torch::Tensor to_bgr_pixels(const torch::Tensor& images, int64_t scale) {
  const int64_t n = images.size(0);
  auto pixels = images.detach().to(torch::kCPU, torch::kFloat32).clamp(0, 1).mul(255).round().to(torch::kUInt8);
  pixels = pixels.expand({n, 3, images.size(2), images.size(3)});
  return pixels.repeat_interleave(scale, 2).repeat_interleave(scale, 3).flip(1).permute({0, 2, 3, 1}).contiguous();
}

}  // namespace

bool save_curves(const std::filesystem::path& file, const History& history) {
  std::vector<std::string> columns;
  for (const auto& c : history.columns) {
    if (c.find("loss") != std::string::npos || c.find("acc") != std::string::npos) columns.push_back(c);
  }
  double y_max = 1.0;  // accuracies live in [0, 1]; losses may be larger
  for (const auto& row : history.rows)
    for (const auto& c : columns)
      if (auto it = row.find(c); it != row.end() && std::isfinite(it->second)) y_max = std::max(y_max, it->second);
  const double x_max = std::max<double>(1.0, static_cast<double>(history.rows.size()));

  cv::Mat image(kHeight, kWidth, CV_8UC3, cv::Scalar(255, 255, 255));
  const int plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto to_pixel = [&](double x, double y) {
    return cv::Point(kLeft + static_cast<int>(x / x_max * plot_w),
                     kTop + plot_h - static_cast<int>(y / y_max * plot_h));
  };
  const cv::Scalar black(0, 0, 0), grey(200, 200, 200);
  cv::rectangle(image, {kLeft, kTop}, {kLeft + plot_w, kTop + plot_h}, black);
  for (int i = 0; i <= 4; ++i) {  // y ticks
    const double y = y_max * i / 4;
    const auto p = to_pixel(0, y);
    cv::line(image, p, {kLeft + plot_w, p.y}, grey);
    cv::putText(image, format(y), {5, p.y + 4}, cv::FONT_HERSHEY_SIMPLEX, 0.4, black);
  }
  const int x_step = std::max(1, static_cast<int>(x_max) / 10);
  for (int e = 0; e <= static_cast<int>(x_max); e += x_step) {  // x ticks
    const auto p = to_pixel(e, 0);
    cv::putText(image, std::to_string(e), {p.x - 4, p.y + 16}, cv::FONT_HERSHEY_SIMPLEX, 0.4, black);
  }
  cv::putText(image, "epoch", {kLeft + plot_w / 2 - 20, kHeight - 12}, cv::FONT_HERSHEY_SIMPLEX, 0.5, black);

  // Matplotlib's first colours (blue, orange, green, red, purple), as BGR.
  const std::vector<cv::Scalar> colours = {
      {180, 119, 31}, {14, 127, 255}, {44, 160, 44}, {40, 39, 214}, {189, 103, 148}};
  for (size_t c = 0; c < columns.size(); ++c) {
    const auto colour = colours[c % colours.size()];
    std::vector<cv::Point> points;
    for (size_t r = 0; r < history.rows.size(); ++r) {
      auto it = history.rows[r].find(columns[c]);
      if (it != history.rows[r].end() && std::isfinite(it->second))
        points.push_back(to_pixel(static_cast<double>(r + 1), it->second));
    }
    if (points.size() > 1) cv::polylines(image, points, false, colour, 2, cv::LINE_AA);
    for (const auto& p : points) cv::circle(image, p, 3, colour, cv::FILLED, cv::LINE_AA);
    const int y = kTop + 15 + 20 * static_cast<int>(c);  // legend
    cv::line(image, {kWidth - kRight + 10, y - 4}, {kWidth - kRight + 30, y - 4}, colour, 2);
    cv::putText(image, columns[c], {kWidth - kRight + 36, y}, cv::FONT_HERSHEY_SIMPLEX, 0.45, black);
  }
  write_png(file, image);
  return true;
}

bool save_heatmap(const std::filesystem::path& file, const torch::Tensor& weights, const std::vector<std::string>& rows,
                  const std::vector<std::string>& cols) {
  const auto W = weights.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  if (W.dim() != 2) throw std::invalid_argument("save_heatmap: weights must be a matrix");
  constexpr int kCell = 36, kLabel = 110;
  const int n_rows = static_cast<int>(W.size(0)), n_cols = static_cast<int>(W.size(1));
  cv::Mat image(kLabel + n_rows * kCell + 10, kLabel + n_cols * kCell + 10, CV_8UC3, cv::Scalar(255, 255, 255));
  const auto w = W.accessor<double, 2>();
  const cv::Scalar black(0, 0, 0);
  for (int r = 0; r < n_rows; ++r) {
    for (int c = 0; c < n_cols; ++c) {
      // The book's "Reds" colour map: white for 0, dark red for 1.
      const double v = std::clamp(w[r][c], 0.0, 1.0);
      const cv::Scalar colour(255 * (1 - v), 255 * (1 - v), 255 - 120 * v);
      const cv::Point top_left(kLabel + c * kCell, kLabel + r * kCell);
      cv::rectangle(image, top_left, top_left + cv::Point(kCell - 1, kCell - 1), colour, cv::FILLED);
    }
    if (r < static_cast<int>(rows.size()))
      cv::putText(image, rows[r], {5, kLabel + r * kCell + kCell / 2 + 5}, cv::FONT_HERSHEY_SIMPLEX, 0.5, black);
  }
  for (int c = 0; c < n_cols && c < static_cast<int>(cols.size()); ++c) {
    // Column labels written upwards, as rotated text.
    cv::Mat label(kCell, kLabel - 5, CV_8UC3, cv::Scalar(255, 255, 255));
    cv::putText(label, cols[c], {2, kCell / 2 + 5}, cv::FONT_HERSHEY_SIMPLEX, 0.5, black);
    cv::Mat rotated;
    cv::rotate(label, rotated, cv::ROTATE_90_COUNTERCLOCKWISE);
    rotated.copyTo(image(cv::Rect(kLabel + c * kCell, 0, rotated.cols, rotated.rows)));
  }
  cv::rectangle(image, {kLabel, kLabel}, {kLabel + n_cols * kCell, kLabel + n_rows * kCell}, black);
  write_png(file, image);
  return true;
}

bool save_image_grid(const std::filesystem::path& file, const torch::Tensor& images, int64_t columns, int64_t scale) {
  if (images.dim() != 4 || (images.size(1) != 1 && images.size(1) != 3) || columns <= 0 || scale <= 0)
    throw std::invalid_argument("save_image_grid: expected images [N, 1 or 3, H, W], got " +
                                std::to_string(images.dim()) + " dimensions");
  constexpr int64_t kBorder = 2;
  const int64_t n = images.size(0), h = images.size(2) * scale, w = images.size(3) * scale;
  const int64_t rows = (n + columns - 1) / columns;
  const auto pixels = to_bgr_pixels(images, scale);  // magnified, gray repeated to RGB
  cv::Mat grid(static_cast<int>(rows * (h + kBorder) + kBorder), static_cast<int>(columns * (w + kBorder) + kBorder),
               CV_8UC3, cv::Scalar(255, 255, 255));
  for (int64_t i = 0; i < n; ++i) {
    const cv::Mat tile(static_cast<int>(h), static_cast<int>(w), CV_8UC3, pixels[i].data_ptr<uint8_t>());
    const cv::Rect where(static_cast<int>(kBorder + (i % columns) * (w + kBorder)),
                         static_cast<int>(kBorder + (i / columns) * (h + kBorder)), static_cast<int>(w), static_cast<int>(h));
    tile.copyTo(grid(where));
  }
  write_png(file, grid);
  return true;
}

bool save_scatter(const std::filesystem::path& file, const std::vector<std::pair<std::string, torch::Tensor>>& series) {
  std::vector<torch::Tensor> all;
  for (const auto& [name, points] : series) all.push_back(points.detach().to(torch::kCPU, torch::kFloat64).view({-1, 2}));
  const auto joined = torch::cat(all);
  const auto low = std::get<0>(joined.min(0)), high = std::get<0>(joined.max(0));
  const double x0 = low[0].item<double>(), x1 = std::max(high[0].item<double>(), x0 + 1e-9);
  const double y0 = low[1].item<double>(), y1 = std::max(high[1].item<double>(), y0 + 1e-9);
  cv::Mat image(kHeight, kWidth, CV_8UC3, cv::Scalar(255, 255, 255));
  const int plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  const auto to_pixel = [&](double x, double y) {
    return cv::Point(kLeft + static_cast<int>((x - x0) / (x1 - x0) * plot_w),
                     kTop + plot_h - static_cast<int>((y - y0) / (y1 - y0) * plot_h));
  };
  const cv::Scalar black(0, 0, 0);
  cv::rectangle(image, {kLeft, kTop}, {kLeft + plot_w, kTop + plot_h}, black);
  for (int i = 0; i <= 4; ++i) {  // ticks at fifths of each range
    const auto px = to_pixel(x0 + (x1 - x0) * i / 4, y0), py = to_pixel(x0, y0 + (y1 - y0) * i / 4);
    cv::putText(image, format(x0 + (x1 - x0) * i / 4), {px.x - 10, px.y + 16}, cv::FONT_HERSHEY_SIMPLEX, 0.4, black);
    cv::putText(image, format(y0 + (y1 - y0) * i / 4), {5, py.y + 4}, cv::FONT_HERSHEY_SIMPLEX, 0.4, black);
  }
  const std::vector<cv::Scalar> colours = {{180, 119, 31}, {14, 127, 255}, {44, 160, 44}, {40, 39, 214}};
  for (size_t k = 0; k < all.size(); ++k) {
    const auto colour = colours[k % colours.size()];
    const auto points = all[k].accessor<double, 2>();
    for (int64_t i = 0; i < all[k].size(0); ++i) cv::circle(image, to_pixel(points[i][0], points[i][1]), 3, colour, cv::FILLED);
    const cv::Point legend(kLeft + plot_w + 15, kTop + 15 + static_cast<int>(k) * 20);
    cv::circle(image, legend, 4, colour, cv::FILLED);
    cv::putText(image, series[k].first, {legend.x + 10, legend.y + 4}, cv::FONT_HERSHEY_SIMPLEX, 0.45, black);
  }
  write_png(file, image);
  return true;
}

bool save_image(const std::filesystem::path& file, const torch::Tensor& image) {
  if (image.dim() != 3 || (image.size(0) != 1 && image.size(0) != 3))
    throw std::invalid_argument("save_image: expected an image [1 or 3, H, W], got " + std::to_string(image.dim()) +
                                " dimensions");
  if (!is_image_file_name(file))
    throw std::invalid_argument(file.string() + ": expected a .png, .jpg or .jpeg file name");
  const auto pixels = to_bgr_pixels(image.unsqueeze(0), 1)[0];
  const cv::Mat mat(static_cast<int>(image.size(1)), static_cast<int>(image.size(2)), CV_8UC3, pixels.data_ptr<uint8_t>());
  write_encoded(file, mat, file.extension().string());
  return true;
}

}  // namespace d2l::train
#endif  // D2L_HAVE_OPENCV
