#include "data/cifar10.h"

#include <fstream>
#include <stdexcept>

namespace d2l::data {
namespace {

constexpr int64_t kImageBytes = 3 * 32 * 32;
constexpr int64_t kRecordBytes = 1 + kImageBytes;

TensorDataset concat(const std::vector<TensorDataset>& parts) {
  std::vector<torch::Tensor> inputs, targets;
  for (const auto& part : parts) {
    inputs.push_back(part.inputs);
    targets.push_back(part.targets);
  }
  return {torch::cat(inputs), torch::cat(targets)};
}

}  // namespace

DataSource cifar10_source() {
  return {"cifar-10-batches-bin",
          {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin",
           "test_batch.bin"},
          {},
          "`d2l download cifar10` fetches it (https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz, unpacked)"};
}

TensorDataset read_cifar10_batch(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error(file.string() + ": cannot open");
  const auto size = static_cast<int64_t>(in.tellg());
  if (size == 0 || size % kRecordBytes != 0)
    throw std::runtime_error(file.string() + ": " + std::to_string(size) + " bytes is not a whole number of " +
                             std::to_string(kRecordBytes) + "-byte CIFAR-10 records (truncated or not a CIFAR-10 batch)");
  auto records = torch::empty({size / kRecordBytes, kRecordBytes}, torch::kUInt8);
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(records.data_ptr<uint8_t>()), size))
    throw std::runtime_error(file.string() + ": read error");
  auto labels = records.select(1, 0).to(torch::kInt64);
  if (const auto largest = labels.max().item<int64_t>(); largest >= 10) {
    const auto record = labels.ge(10).nonzero()[0][0].item<int64_t>();
    throw std::runtime_error(file.string() + ": record " + std::to_string(record) + " has label " +
                             std::to_string(labels[record].item<int64_t>()) + "; CIFAR-10 labels are 0..9");
  }
  auto images = records.slice(1, 1).reshape({-1, 3, 32, 32}).contiguous();
  return {images, labels};
}

DataModule cifar10(const CIFAR10Options& options) {
  const auto dir = locate(cifar10_source(), options.data_dir());
  std::vector<TensorDataset> train;
  for (int i = 1; i <= 5; ++i) train.push_back(read_cifar10_batch(dir / ("data_batch_" + std::to_string(i) + ".bin")));
  DataModule dm;
  dm.name = "cifar10";
  dm.train = concat(train).head(options.limit_train());
  dm.val = read_cifar10_batch(dir / "test_batch.bin").head(options.limit_val());
  dm.transform.resize = options.resize();
  dm.transform.mean = {0.4914, 0.4822, 0.4465};
  dm.transform.std = {0.2023, 0.1994, 0.2010};
  dm.class_names = cifar10_labels();
  return dm;
}

const std::vector<std::string>& cifar10_labels() {
  static const std::vector<std::string> labels = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                  "dog",      "frog",       "horse", "ship", "truck"};
  return labels;
}

}  // namespace d2l::data
