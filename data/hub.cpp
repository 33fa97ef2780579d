#include "data/hub.h"


#include <cstdlib>
#include <stdexcept>

#include "data/log.h"
#include "data/extract.h"
#include "data/file_lock.h"

namespace d2l::data {
namespace fs = std::filesystem;
namespace {

// The book's DATA_URL (d2l/torch.py); its files are checked with SHA-1.
const std::string kD2LData = "http://d2l-data.s3-accelerate.amazonaws.com/";

HubFile d2l_archive(const std::string& name, const std::string& sha1, const std::string& unpacks_to) {
  return {name, {kD2LData + name}, {"sha1", sha1}, unpacks_to};
}

// torchvision's MNIST-style resources: the same file names under each mirror, checked with MD5.
std::vector<HubFile> idx_files(const std::vector<std::string>& mirrors, const std::vector<std::string>& md5s) {
  const std::vector<std::string> names = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                          "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};
  std::vector<HubFile> files;
  for (size_t i = 0; i < names.size(); ++i) {
    HubFile file{names[i], {}, {"md5", md5s[i]}, ""};
    for (const auto& mirror : mirrors) file.urls.push_back(mirror + names[i]);
    files.push_back(file);
  }
  return files;
}

bool env_set(const char* name) {
  const char* value = std::getenv(name);
  return value && *value && std::string(value) != "0";
}

}  // namespace

const std::vector<HubEntry>& hub_entries() {
  static const std::vector<HubEntry> entries = {
      {"fashion-mnist", "Fashion-MNIST (d2l 4.2), torchvision's files", "fashion-mnist",
       idx_files({"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"},
                 {"8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
                  "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310"})},
      {"mnist", "MNIST handwritten digits, torchvision's files and mirrors", "mnist",
       idx_files({"https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"},
                 {"f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432",
                  "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c"})},
      {"cifar10", "CIFAR-10, binary version (60,000 32x32 colour images, 10 classes)", "",
       {{"cifar-10-binary.tar.gz",
         {"https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"},
         {"md5", "c32a1d4ab5d03f1284b67883e8d87530"},
         "cifar-10-batches-bin/test_batch.bin"}}},
      {"timemachine", "H. G. Wells' The Time Machine (d2l 9.2)", "timemachine",
       {{"timemachine.txt", {kD2LData + "timemachine.txt"}, {"sha1", "090b5e7e70c295757f55df93cb0a180b9691891a"}, ""}}},
      {"fra-eng", "English-French sentence pairs (d2l 10.5)", "",
       {d2l_archive("fra-eng.zip", "94646ad1522d915e7b0f9296181140edcf86a4f5", "fra-eng/fra.txt")}},
      {"hotdog", "hot dogs and other food, for fine-tuning (d2l 14.2)", "",
       {d2l_archive("hotdog.zip", "fba480ffa8aa7e0febbb511d181409f899b9baa5", "hotdog/test")}},
      {"banana-detection", "bananas with bounding boxes (d2l 14.6)", "",
       {d2l_archive("banana-detection.zip", "5de26c8fce5ccdea9f91267273464dc968d20d72", "banana-detection")}},
      {"voc2012", "Pascal VOC 2012 semantic segmentation (d2l 14.9), 2 GB", "",
       {d2l_archive("VOCtrainval_11-May-2012.tar", "4e443f8a2eca6b1dac8a6c57641b67dd40621a49",
                    "VOCdevkit/VOC2012/ImageSets/Segmentation/train.txt")}},
      {"pokemon", "Pokemon sprites for the DCGAN (d2l 20.2)", "",
       {d2l_archive("pokemon.zip", "c065c0e2593b8b161a2d7873e42418bf6a21106c", "pokemon")}},
      // Not in DATA_HUB: the book reads them from its repository; SHA-1 of the files' bytes.
      {"style-images", "the book's style-transfer photos, rainier.jpg and autumn-oak.jpg (d2l 14.12)", "",
       {{"rainier.jpg",
         {"https://raw.githubusercontent.com/d2l-ai/d2l-en/master/img/rainier.jpg"},
         {"sha1", "b0193ffd8ecea1631ac1092130017b884faafa30"},
         ""},
        {"autumn-oak.jpg",
         {"https://raw.githubusercontent.com/d2l-ai/d2l-en/master/img/autumn-oak.jpg"},
         {"sha1", "bbe11f01403b9726bbc625589550e574fc45980a"},
         ""}}},
      // torchvision's ImageNet weights; the 8 hex digits in the name start the file's SHA-256.
      {"resnet18-weights", "torchvision's ImageNet ResNet-18 (--weights for fine-tuning and FCN)", "weights",
       {{"resnet18-f37072fd.pth",
         {"https://download.pytorch.org/models/resnet18-f37072fd.pth"},
         {"sha256", "f37072fd"},
         ""}}},
      {"vgg19-weights", "torchvision's ImageNet VGG-19 (--weights for style transfer)", "weights",
       {{"vgg19-dcbb9e9d.pth", {"https://download.pytorch.org/models/vgg19-dcbb9e9d.pth"}, {"sha256", "dcbb9e9d"}, ""}}},
  };
  return entries;
}

const HubEntry* find_hub_entry(const std::string& name) {
  for (const auto& entry : hub_entries())
    if (entry.name == name) return &entry;
  return nullptr;
}

fs::path download_root(const std::optional<fs::path>& data_dir) {
  const auto roots = data_roots(data_dir);
  if (roots.empty()) throw std::runtime_error("no folder for downloads: pass --data-dir, or set D2L_DATA or HOME");
  return roots.front();
}

std::vector<std::string> file_urls(const HubEntry& entry, const HubFile& file) {
  if (const char* mirror = std::getenv("D2L_MIRROR"); mirror && *mirror) {
    std::string base = mirror;
    if (base.back() != '/') base += '/';
    return {base + entry.name + "/" + file.name};
  }
  return file.urls;
}

fs::path file_path(const HubEntry& entry, const HubFile& file, const fs::path& root) {
  return file.unpacks_to.empty() ? root / entry.folder / file.name : root / file.name;
}

bool downloads_allowed(bool allow) { return allow && !env_set("D2L_NO_DOWNLOAD"); }

bool is_present(const HubEntry& entry, const fs::path& root) {
  for (const auto& file : entry.files) {
    const auto path = file.unpacks_to.empty() ? file_path(entry, file, root) : root / file.unpacks_to;
    if (!fs::exists(path)) return false;
  }
  return true;
}

void fetch(const HubEntry& entry, const fs::path& root, const DownloadOptions& options) {
  for (const auto& file : entry.files) {
    const bool archive = !file.unpacks_to.empty();
    if (archive && fs::exists(root / file.unpacks_to)) continue;
    const auto path = file_path(entry, file, root);
    download(file_urls(entry, file), path, file.checksum, options);
    if (!archive) continue;
    const FileLock lock(root / ("." + file.name + ".unpack.lock"));
    if (fs::exists(root / file.unpacks_to)) continue;  // another process unpacked it meanwhile
    logging::info("unpacking " + path.string() + " into " + root.string());
    extract_archive(path, root);
    if (!fs::exists(root / file.unpacks_to))
      throw std::runtime_error(path.string() + " did not contain " + file.unpacks_to);
  }
}

std::string manual_instructions(const HubEntry& entry, const fs::path& root) {
  std::string text;
  for (const auto& file : entry.files) {
    const auto urls = file_urls(entry, file);
    text += "  " + urls.front();
    for (size_t i = 1; i < urls.size(); ++i) text += (i == 1 ? "  (or " : ", ") + urls[i] + (i + 1 == urls.size() ? ")" : "");
    text += "\n    save as " + file_path(entry, file, root).string() + "  (" + file.checksum.str() + ")";
    if (!file.unpacks_to.empty()) text += "\n    and unpack it there, giving " + (root / file.unpacks_to).string();
    text += "\n";
  }
  return text + "or, on a machine with network access: d2l download " + entry.name + " --data-dir DIR";
}

fs::path find_or_fetch(const std::string& hub_name, const std::optional<fs::path>& data_dir, bool allow_download,
                       const std::function<fs::path()>& find) {
  try {
    return find();
  } catch (const std::runtime_error& missing) {
    const HubEntry* entry = find_hub_entry(hub_name);
    if (!entry) throw std::logic_error("no data hub entry '" + hub_name + "'");
    const auto root = download_root(data_dir);
    if (!downloads_allowed(allow_download))
      throw std::runtime_error(std::string(missing.what()) +
                               "\ndownloads are off (--no-download or D2L_NO_DOWNLOAD); to fetch it by hand:\n" +
                               manual_instructions(*entry, root));
    logging::info("data set '" + hub_name + "' is missing; downloading it into " + root.string() +
                  " (--no-download turns this off)");
    try {
      fetch(*entry, root);
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string(e.what()) + "\nto fetch '" + hub_name + "' by hand:\n" +
                               manual_instructions(*entry, root));
    }
    return find();
  }
}

fs::path locate_or_fetch(const DataSource& source, const std::string& hub_name, const std::optional<fs::path>& data_dir,
                         bool allow_download) {
  return find_or_fetch(hub_name, data_dir, allow_download, [&] { return locate(source, data_dir); });
}

}  // namespace d2l::data
