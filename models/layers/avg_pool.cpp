#include "models/layers/avg_pool.h"

#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/nn/functional/pooling.h>

#include <algorithm>
#include <ostream>

namespace d2l::models {
namespace {

// Calls row(r) for every output row r over all planes, in parallel. Since the windows tile the
// input, output row r covers input rows r * kh ... r * kh + kh - 1 (plane p, row i of the output
// reads rows p * H + i * kh onwards), kh * W input elements.
template <typename Row>
void for_each_output_row(int64_t rows, int64_t W, int64_t kh, const Row& row) {
  const int64_t grain = std::max<int64_t>(1, at::internal::GRAIN_SIZE / (kh * W));
  at::parallel_for(0, rows, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) row(r);
  });
}

// Sums run in the window's row-major order and divide at the end, as LibTorch's kernel does, so
// float results are bit for bit the same.
template <typename T>
void pool_rows(const T* in, T* out, int64_t rows, int64_t W, int64_t kh, int64_t kw) {
  using acc_t = at::opmath_type<T>;
  const int64_t OW = W / kw;
  const acc_t area = static_cast<acc_t>(kh * kw);
  for_each_output_row(rows, W, kh, [&](int64_t r) {
    const T* top = in + r * kh * W;
    T* o = out + r * OW;
    if (kh == 2 && kw == 2) {  // LeNet's and DenseNet's case, written out so it vectorises
      const T* bottom = top + W;
      for (int64_t j = 0; j < OW; ++j) {
        const acc_t sum = static_cast<acc_t>(top[2 * j]) + static_cast<acc_t>(top[2 * j + 1]) +
                          static_cast<acc_t>(bottom[2 * j]) + static_cast<acc_t>(bottom[2 * j + 1]);
        o[j] = static_cast<T>(sum / area);
      }
      return;
    }
    for (int64_t j = 0; j < OW; ++j) {
      acc_t sum = 0;
      for (int64_t a = 0; a < kh; ++a)
        for (int64_t b = 0; b < kw; ++b) sum += static_cast<acc_t>(top[a * W + j * kw + b]);
      o[j] = static_cast<T>(sum / area);
    }
  });
}

// The gradient of pool_rows: each output's gradient, divided by the window's area, spread over
// its window: the window's first row, then copies of it into the others.
template <typename T>
void unpool_rows(const T* grad, T* grad_in, int64_t rows, int64_t W, int64_t kh, int64_t kw) {
  using acc_t = at::opmath_type<T>;
  const int64_t OW = W / kw;
  const acc_t area = static_cast<acc_t>(kh * kw);
  for_each_output_row(rows, W, kh, [&](int64_t r) {
    const T* g = grad + r * OW;
    T* top = grad_in + r * kh * W;
    for (int64_t j = 0; j < OW; ++j) std::fill_n(top + j * kw, kw, static_cast<T>(static_cast<acc_t>(g[j]) / area));
    for (int64_t a = 1; a < kh; ++a) std::copy_n(top, W, top + a * W);
  });
}

torch::Tensor pool_forward(const torch::Tensor& X, int64_t kh, int64_t kw) {
  auto sizes = X.sizes().vec();
  const int64_t H = sizes[sizes.size() - 2], W = sizes.back();
  sizes[sizes.size() - 2] = H / kh;
  sizes.back() = W / kw;
  auto out = torch::empty(sizes, X.options());
  const int64_t rows = X.numel() / (kh * W);
  AT_DISPATCH_FLOATING_TYPES_AND(at::kBFloat16, X.scalar_type(), "d2l::avg_pool2d", [&] {
    pool_rows(X.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), rows, W, kh, kw);
  });
  return out;
}

torch::Tensor pool_backward(const torch::Tensor& grad, const std::vector<int64_t>& input_sizes, int64_t kh, int64_t kw) {
  const int64_t W = input_sizes.back();
  const int64_t OH = grad.size(-2), OW = grad.size(-1);
  // With create_graph the gradient must itself be differentiable: the same spreading in
  // autograd's ops.
  if (torch::GradMode::is_enabled()) {
    return grad.div(kh * kw)
        .reshape({-1, OH, 1, OW, 1})
        .expand({-1, OH, kh, OW, kw})
        .reshape(input_sizes);
  }
  const auto g = grad.contiguous();  // a sum's gradient arrives expanded
  auto grad_in = torch::empty(input_sizes, g.options());
  AT_DISPATCH_FLOATING_TYPES_AND(at::kBFloat16, g.scalar_type(), "d2l::avg_pool2d_backward", [&] {
    unpool_rows(g.data_ptr<scalar_t>(), grad_in.data_ptr<scalar_t>(), g.numel() / OW, W, kh, kw);
  });
  return grad_in;
}

struct TiledAvgPool : torch::autograd::Function<TiledAvgPool> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& X, int64_t kh, int64_t kw) {
    ctx->saved_data["kh"] = kh;
    ctx->saved_data["kw"] = kw;
    ctx->saved_data["input_sizes"] = X.sizes().vec();
    return pool_forward(X, kh, kw);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto grad_in = pool_backward(grads[0], ctx->saved_data["input_sizes"].toIntVector(),
                                       ctx->saved_data["kh"].toInt(), ctx->saved_data["kw"].toInt());
    return {grad_in, torch::Tensor(), torch::Tensor()};
  }
};

// The windows tile a contiguous CPU tensor of a type the loops know, and no tracer is recording.
bool windows_tile(const torch::Tensor& X, const torch::nn::AvgPool2dOptions& options) {
  const auto& k = *options.kernel_size();
  const auto& s = *options.stride();
  const auto& p = *options.padding();
  const auto type = X.scalar_type();
  return X.device().is_cpu() && (X.dim() == 3 || X.dim() == 4) && X.numel() > 0 && X.is_contiguous() &&
         (type == torch::kFloat || type == torch::kDouble || type == torch::kBFloat16) && k[0] == s[0] &&
         k[1] == s[1] && p[0] == 0 && p[1] == 0 && !options.divisor_override() && X.size(-2) % k[0] == 0 &&
         X.size(-1) % k[1] == 0 && !torch::jit::tracer::isTracing();
}

}  // namespace

torch::Tensor avg_pool2d(const torch::Tensor& X, const torch::nn::AvgPool2dOptions& options) {
  if (!windows_tile(X, options)) return torch::nn::functional::avg_pool2d(X, options);
  return TiledAvgPool::apply(X, (*options.kernel_size())[0], (*options.kernel_size())[1]);
}

AvgPool2dImpl::AvgPool2dImpl(const torch::nn::AvgPool2dOptions& options_) : options(options_) {}

torch::Tensor AvgPool2dImpl::forward(const torch::Tensor& X) { return avg_pool2d(X, options); }

void AvgPool2dImpl::pretty_print(std::ostream& stream) const {
  stream << "d2l::AvgPool2d(kernel_size=" << options.kernel_size() << ", stride=" << options.stride()
         << ", padding=" << options.padding() << ")";
}

}  // namespace d2l::models
