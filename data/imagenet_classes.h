// ImageNet-1k class names, index i naming output i of torchvision's pretrained classifiers.
#pragma once
#include <string>
#include <vector>

namespace d2l::data {

const std::vector<std::string>& imagenet_classes();

}  // namespace d2l::data
