#include "data/image.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>

#ifdef D2L_HAVE_OPENCV
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif

namespace d2l::data {

bool is_image_file(const std::filesystem::path& file) {
  static const std::set<std::string> extensions = {".jpg", ".jpeg", ".png", ".bmp", ".ppm",
                                                   ".pgm", ".tif", ".tiff", ".webp"};
  auto ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return extensions.count(ext) > 0;
}

#ifdef D2L_HAVE_OPENCV
bool can_read_images() { return true; }

torch::Tensor read_image(const std::filesystem::path& file, int64_t channels) {
  if (channels != 1 && channels != 3) throw std::invalid_argument("read_image: channels must be 1 or 3");
  if (!std::filesystem::is_regular_file(file)) throw std::runtime_error(file.string() + ": no such file");
  cv::Mat image = cv::imread(file.string(), channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
  if (image.empty()) throw std::runtime_error(file.string() + ": not an image OpenCV can read");
  if (channels == 3) cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
  auto hwc = torch::from_blob(image.data, {image.rows, image.cols, channels}, torch::kUInt8);
  return hwc.permute({2, 0, 1}).contiguous();  // copies out of OpenCV's buffer
}
#else
bool can_read_images() { return false; }

torch::Tensor read_image(const std::filesystem::path& file, int64_t) {
  throw std::runtime_error(file.string() + ": this build cannot read images (OpenCV was not found when it was configured)");
}
#endif

}  // namespace d2l::data
