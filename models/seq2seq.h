// Sequence to sequence learning (d2l 10.7) and its decoder with Bahdanau attention (d2l 11.4):
// a GRU encoder, a GRU decoder fed the encoder's context at every step, and greedy decoding.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/rnn.h>
#include <torch/nn/pimpl.h>

#include <memory>

#include "models/layers/attention.h"

namespace d2l::models {

struct Seq2SeqOptions {
  Seq2SeqOptions(int64_t src_vocab_size, int64_t tgt_vocab_size)
      : src_vocab_size_(src_vocab_size), tgt_vocab_size_(tgt_vocab_size) {}
  TORCH_ARG(int64_t, src_vocab_size);
  TORCH_ARG(int64_t, tgt_vocab_size);
  TORCH_ARG(int64_t, embed_size) = 32;
  TORCH_ARG(int64_t, num_hiddens) = 32;
  TORCH_ARG(int64_t, num_layers) = 2;
  TORCH_ARG(double, dropout) = 0.1;
  TORCH_ARG(bool, attention) = false;  // Bahdanau attention in the decoder
};

// Embedding, then a multi-layer GRU.
class Seq2SeqEncoderImpl : public torch::nn::Module {
 public:
  explicit Seq2SeqEncoderImpl(const Seq2SeqOptions& options);
  // X [B, T] -> outputs [T, B, H] (the top layer at every step) and state [layers, B, H].
  std::tuple<torch::Tensor, torch::Tensor> forward(const torch::Tensor& X);

  torch::nn::Embedding embedding{nullptr};
  torch::nn::GRU rnn{nullptr};
};
TORCH_MODULE(Seq2SeqEncoder);

// What the decoder carries from step to step.
struct DecoderState {
  torch::Tensor enc_outputs;     // [T, B, H] as the encoder returns them
  torch::Tensor hidden;          // [layers, B, H]
  torch::Tensor enc_valid_lens;  // [B]: which source positions attention may look at
};

// The plain decoder (Seq2SeqDecoder) and the attention decoder share this interface.
class DecoderImpl : public torch::nn::Module {
 public:
  // X [B, T] target tokens -> logits [B, T, tgt_vocab] and the state after the last step.
  virtual std::tuple<torch::Tensor, DecoderState> forward(const torch::Tensor& X, DecoderState state) = 0;
  // Attention weights of the last forward, [B, T, source length]; undefined without attention.
  virtual torch::Tensor attention_weights() const { return {}; }
};

// The context, the encoder's top layer at its last step, is concatenated to every input
// embedding (en-1.0's fix: zh / en-0.17 switch to the decoder's own state when predicting).
class Seq2SeqDecoderImpl : public DecoderImpl {
 public:
  explicit Seq2SeqDecoderImpl(const Seq2SeqOptions& options);
  std::tuple<torch::Tensor, DecoderState> forward(const torch::Tensor& X, DecoderState state) override;

  torch::nn::Embedding embedding{nullptr};
  torch::nn::GRU rnn{nullptr};
  torch::nn::Linear dense{nullptr};
};

// Each step queries additive attention with the decoder's top hidden state over the encoder's
// outputs; the attended context is concatenated to the step's embedding.
class Seq2SeqAttentionDecoderImpl : public DecoderImpl {
 public:
  explicit Seq2SeqAttentionDecoderImpl(const Seq2SeqOptions& options);
  std::tuple<torch::Tensor, DecoderState> forward(const torch::Tensor& X, DecoderState state) override;
  torch::Tensor attention_weights() const override { return attention_weights_; }

  AdditiveAttention attention{nullptr};
  torch::nn::Embedding embedding{nullptr};
  torch::nn::GRU rnn{nullptr};
  torch::nn::Linear dense{nullptr};

 private:
  torch::Tensor attention_weights_;
};

// What the translation task needs of a model (the book's d2l.EncoderDecoder): the RNN
// encoder-decoder here, the Transformer in transformer.h.
class EncoderDecoderImpl : public torch::nn::Module {
 public:
  // Teacher forcing: enc_X [B, T_src] with its valid lengths [B], dec_X [B, T] (<bos> then the
  // target shifted by one) -> logits [B, T, tgt_vocab].
  virtual torch::Tensor forward(const torch::Tensor& enc_X, const torch::Tensor& dec_X,
                                const torch::Tensor& enc_valid_lens) = 0;

  struct Prediction {
    torch::Tensor tokens;     // [B, num_steps]: the argmax at each step (read up to the first <eos>)
    torch::Tensor attention;  // [B, num_steps, T_src] (encoder-decoder attention), or undefined
    // [B, T_src, T_src]: the last encoder block's self-attention, mean over heads (Transformer), or undefined
    torch::Tensor encoder_attention = {};
  };
  // Greedy decoding of a batch (predict_seq2seq), starting each row from `bos`.
  virtual Prediction predict(const torch::Tensor& enc_X, const torch::Tensor& enc_valid_lens, int64_t bos,
                             int64_t num_steps) = 0;
};

// The RNN encoder-decoder (d2l 10.6): children "encoder" and "decoder", as the book's.
class Seq2SeqImpl : public EncoderDecoderImpl {
 public:
  explicit Seq2SeqImpl(const Seq2SeqOptions& options);
  torch::Tensor forward(const torch::Tensor& enc_X, const torch::Tensor& dec_X,
                        const torch::Tensor& enc_valid_lens) override;
  Prediction predict(const torch::Tensor& enc_X, const torch::Tensor& enc_valid_lens, int64_t bos,
                     int64_t num_steps) override;
  DecoderState encode(const torch::Tensor& enc_X, const torch::Tensor& enc_valid_lens);

  Seq2SeqOptions options;
  Seq2SeqEncoder encoder{nullptr};
  std::shared_ptr<DecoderImpl> decoder;
};
TORCH_MODULE(Seq2Seq);

}  // namespace d2l::models
