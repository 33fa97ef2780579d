// Precompiled for every target: these headers are most of each translation unit's compile time.
#pragma once
#include <torch/nn.h>
#include <torch/optim.h>
#include <torch/serialize.h>
#include <torch/types.h>
