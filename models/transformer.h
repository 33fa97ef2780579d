// The Transformer (d2l 11.6-11.7, Vaswani et al. 2017) for translation: token embeddings scaled
// by sqrt(d) plus sinusoidal positions, post-norm encoder blocks (self-attention, add & norm,
// position-wise FFN, add & norm) and decoder blocks with causal self-attention and attention
// over the encoder's outputs; greedy decoding with each block's keys cached step to step.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "models/layers/transformer_blocks.h"
#include "models/seq2seq.h"

namespace d2l::models {

// The book's zh-v2 / en-0.17 settings (32 hiddens, FFN 64, 4 heads, 2 blocks, dropout 0.1).
struct TransformerOptions {
  TransformerOptions(int64_t src_vocab_size, int64_t tgt_vocab_size)
      : src_vocab_size_(src_vocab_size), tgt_vocab_size_(tgt_vocab_size) {}
  // The options of each of its blocks.
  TransformerBlockOptions block() const {
    return TransformerBlockOptions(num_hiddens(), ffn_num_hiddens(), num_heads()).dropout(dropout()).use_bias(use_bias());
  }
  TORCH_ARG(int64_t, src_vocab_size);
  TORCH_ARG(int64_t, tgt_vocab_size);
  TORCH_ARG(int64_t, num_hiddens) = 32;
  TORCH_ARG(int64_t, ffn_num_hiddens) = 64;
  TORCH_ARG(int64_t, num_heads) = 4;
  TORCH_ARG(int64_t, num_blks) = 2;
  TORCH_ARG(double, dropout) = 0.1;
  TORCH_ARG(bool, use_bias) = false;  // in the attention projections
  TORCH_ARG(int64_t, max_len) = 1000;
};

class TransformerImpl : public EncoderDecoderImpl {
 public:
  explicit TransformerImpl(const TransformerOptions& options);
  torch::Tensor forward(const torch::Tensor& enc_X, const torch::Tensor& dec_X,
                        const torch::Tensor& enc_valid_lens) override;
  // The attention returned is the last decoder block's over the source, averaged over heads.
  Prediction predict(const torch::Tensor& enc_X, const torch::Tensor& enc_valid_lens, int64_t bos,
                     int64_t num_steps) override;

  torch::Tensor encode(const torch::Tensor& enc_X, const torch::Tensor& enc_valid_lens);
  // Decodes dec_X [B, T] after the positions already in `caches` (one per block).
  torch::Tensor decode(const torch::Tensor& dec_X, std::vector<torch::Tensor>& caches, const torch::Tensor& enc_outputs,
                       const torch::Tensor& enc_valid_lens);

  TransformerOptions options;
  torch::nn::Embedding enc_embedding{nullptr}, dec_embedding{nullptr};
  PositionalEncoding pos_encoding{nullptr};
  torch::nn::ModuleList enc_blks{nullptr}, dec_blks{nullptr};
  torch::nn::Linear dense{nullptr};
};
TORCH_MODULE(Transformer);

}  // namespace d2l::models
