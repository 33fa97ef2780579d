// Everything that defines a run: read from a TOML file (configs/*.toml), overridden by
// command-line flags, and written back into the run directory as config.toml.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace d2l::apps {

// What the book printed (or plotted) for an experiment in one edition.
struct BookResult {
  std::string edition;                    // "zh-v2", "en-0.17", "en-1.0"
  std::map<std::string, double> metrics;  // train_loss, train_acc, test_acc, examples_per_sec, ...
  std::string note;                       // e.g. "printed, one V100" or "read off the plot"
};

struct BookInfo {
  std::string title;
  std::vector<std::string> sections;  // "7.6" (English 1.0), "zh:6.6", "0.17:6.6"
  std::vector<BookResult> reported;
};

struct RunConfig {
  std::string model;
  std::string data;  // empty: the model's default data set
  std::string data_dir;
  bool no_download = false;  // never fetch a missing data set (D2L_NO_DOWNLOAD=1 does the same)
  // Unset values take the model's defaults (the book's settings).
  std::optional<int64_t> epochs, batch_size, resize;
  std::optional<double> lr;
  std::optional<std::string> init;  // none | xavier | normal
  std::vector<double> dropout;      // per hidden layer of MLPs; empty: the model's default
  std::optional<std::string> optimizer;  // sgd | momentum | adam | adamw
  double momentum = 0.9;
  double weight_decay = 0.0;
  std::optional<std::string> scheduler;  // constant | step | cosine
  double warmup_epochs = 0.0;
  std::optional<int64_t> step_size;  // step scheduler
  std::optional<double> gamma;
  std::optional<int64_t> decay_epochs;  // linear scheduler
  std::optional<double> clip_grad;  // 0: off
  int64_t seed = 42;
  int64_t threads = 0;  // 0: all cores
  std::string device = "auto";
  bool channels_last = false;
  std::string amp = "none";  // mixed precision: none | bf16 | fp16
  std::string out;  // run directory; empty: runs/<model>-<time>
  int64_t limit_train = 0, limit_test = 0;
  bool drop_last = false;  // drop the last, short training batch of each epoch
  bool quiet = false;
  // Starting from saved weights, and the book's fine-tuning recipe (d2l 14.2).
  std::string weights;  // a PyTorch state dict file (.pth)
  bool strict_weights = true;
  bool new_head = false;
  double head_lr_mult = 1.0;
  bool freeze_backbone = false;
  // Text models and their data (d2l 9-11).
  std::optional<int64_t> num_steps, num_hiddens, num_layers, embed_size, max_tokens;
  std::optional<std::string> sampling;  // sequential | random | windowed
  std::string tokens = "char";          // char | word
  // Vision transformers (ViT, MAE) and MAE pre-training.
  std::optional<int64_t> patch_size;
  std::optional<double> mask_ratio;
  bool norm_pix_loss = false;
  std::string init_from;  // a run or checkpoint: its model's weights (an MAE's: its encoder's) to start from
  // Neural style transfer (d2l 14.12); unset: the book's values.
  std::string content, style;              // image files
  std::optional<std::string> image_shape;  // "300x450": height x width of the synthesised image
  std::optional<double> content_weight, style_weight, tv_weight;
  // Epochs between epoch lines, checkpoints and run-folder writes (the last epoch always); unset:
  // the model's default (1; 10 for style transfer, whose epochs are single steps).
  std::optional<int64_t> report_every;
  // Adam's first beta (the book's DCGAN: 0.5); GANs: the generator's learning rate (20.1: 0.005).
  std::optional<double> beta1, generator_lr;
  BookInfo book;
};

// Calls visit(key, help, field...) for every setting but [book], with that setting of each config
// given. This one list drives reading and writing TOML and the command-line flags (key
// "batch_size" is the flag --batch-size).
template <typename Visitor, typename... Configs>
void for_each_setting(Visitor&& visit, Configs&... c) {
  visit("model", "model name", c.model...);
  visit("data", "data set (d2l list shows them); default: the model's", c.data...);
  visit("data_dir", "folder searched first for data files, and where missing data sets are downloaded", c.data_dir...);
  visit("no_download", "never download a missing data set (also: D2L_NO_DOWNLOAD=1)", c.no_download...);
  visit("epochs", "number of epochs", c.epochs...);
  visit("batch_size", "minibatch size", c.batch_size...);
  visit("lr", "learning rate", c.lr...);
  visit("resize", "resize images to this side (bilinear); 0 keeps them", c.resize...);
  visit("init", "weight init: none | xavier | normal", c.init...);
  visit("dropout", "MLP dropout per hidden layer", c.dropout...);
  visit("optimizer", "sgd | momentum | adam | adamw", c.optimizer...);
  visit("momentum", "momentum of --optimizer momentum", c.momentum...);
  visit("weight_decay", "L2 penalty on weights (not biases), as d2l 3.7", c.weight_decay...);
  visit("scheduler", "constant | step | cosine | linear", c.scheduler...);
  visit("warmup_epochs", "linear learning-rate warm-up (epochs, may be fractional)", c.warmup_epochs...);
  visit("step_size", "step scheduler: epochs between decays", c.step_size...);
  visit("gamma", "step scheduler: decay factor", c.gamma...);
  visit("decay_epochs", "linear scheduler: the last epochs, over which the rate falls towards 0 (CycleGAN)",
        c.decay_epochs...);
  visit("clip_grad", "clip gradients to this global L2 norm (0: off)", c.clip_grad...);
  visit("seed", "random seed (weights and data order)", c.seed...);
  visit("threads", "CPU threads; 0: all cores", c.threads...);
  visit("device", "auto | cpu | cuda | cuda:N", c.device...);
  visit("channels_last", "NHWC layout for weights and images (often faster convolutions)", c.channels_last...);
  visit("amp", "mixed precision of training steps: none | bf16 | fp16 (CUDA; with a gradient scaler)", c.amp...);
  visit("out", "run directory (default: runs/<model>[-N])", c.out...);
  visit("limit_train", "train on the first N examples only (0: all)", c.limit_train...);
  visit("limit_test", "evaluate on the first N examples only (0: all)", c.limit_test...);
  visit("drop_last", "drop the last training batch of an epoch when it is short", c.drop_last...);
  visit("quiet", "no progress or epoch lines", c.quiet...);
  visit("weights", "start from this PyTorch state dict (.pth: torch.save zip or legacy format)", c.weights...);
  visit("strict_weights", "--weights must name exactly the model's tensors (false: load what matches)",
        c.strict_weights...);
  visit("new_head", "with --weights: a fresh output layer (Xavier) for this data's classes", c.new_head...);
  visit("head_lr_mult", "learning-rate multiplier of the output layer (the book's fine-tuning: 10)",
        c.head_lr_mult...);
  visit("freeze_backbone", "train the output layer only", c.freeze_backbone...);
  visit("num_steps", "text: time steps per example (tokens in a subsequence or a padded sentence)", c.num_steps...);
  visit("num_hiddens", "text models: hidden units of the recurrent layers; ViT / MAE: width (MLP 4x)", c.num_hiddens...);
  visit("num_layers", "text models: stacked recurrent layers; ViT / MAE: encoder blocks", c.num_layers...);
  visit("embed_size", "seq2seq: token embedding size", c.embed_size...);
  visit("max_tokens", "language models: train on the corpus's first N tokens (0: all)", c.max_tokens...);
  visit("sampling", "language models: sequential | random (d2l 9.3) | windowed (en-1.0)", c.sampling...);
  visit("tokens", "language models: char | word tokens", c.tokens...);
  visit("patch_size", "ViT / MAE: side of the square patches (divides the image size)", c.patch_size...);
  visit("mask_ratio", "MAE: fraction of patches masked, in (0, 1) (paper: 0.75)", c.mask_ratio...);
  visit("norm_pix_loss", "MAE: targets are patches normalised by their own mean and variance", c.norm_pix_loss...);
  visit("init_from", "start from a trained run or checkpoint (an MAE's encoder for a ViT)", c.init_from...);
  visit("content", "style transfer: the content image", c.content...);
  visit("style", "style transfer: the style image", c.style...);
  visit("image_shape", "style transfer: HEIGHTxWIDTH of the synthesised image (book: 300x450)", c.image_shape...);
  visit("content_weight", "style transfer: weight of the content loss (book: 1)", c.content_weight...);
  visit("style_weight", "style transfer: weight of the style loss (book: 1e4)", c.style_weight...);
  visit("tv_weight", "style transfer: weight of the total-variation loss (book: 10)", c.tv_weight...);
  visit("report_every", "epochs between epoch lines and checkpoints (the last epoch always)", c.report_every...);
  visit("beta1", "Adam's beta1, the decay of its running gradient mean (book: 0.9; DCGAN 0.5)", c.beta1...);
  visit("generator_lr", "GANs: the generator's learning rate (--lr is the discriminator's)", c.generator_lr...);
}

// Parses TOML text; `source` names the file in error messages. Unknown keys, wrong types and
// invalid values are errors that name the key.
RunConfig parse_config(const std::string& text, const std::string& source);
RunConfig load_config(const std::filesystem::path& file);

// `base` with the settings that `file` names replaced by the file's values (a profile such as
// configs/quick-rnn.toml laid over a book config); its [book] table is ignored.
RunConfig overlay_config(RunConfig base, const std::filesystem::path& file);

// The effective config as TOML (what config.toml and checkpoints hold).
std::string to_toml(const RunConfig& config);

// "300x450" -> {300, 450}; throws naming --image-shape unless both are positive integers.
std::pair<int64_t, int64_t> parse_image_shape(const std::string& text);

// Throws std::invalid_argument naming the flag when a value is out of range.
void validate(const RunConfig& config);

}  // namespace d2l::apps
