// The d2l subcommands. Each adds itself to the app; its callback runs after parsing.
#pragma once
#include <CLI/CLI.hpp>
#include <torch/nn/modules/container/any.h>

#include <filesystem>

namespace d2l::apps {

void add_list_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_chapter_command(CLI::App& app);
void add_export_command(CLI::App& app);
void add_predict_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_translate_command(CLI::App& app);
void add_stylize_command(CLI::App& app);
void add_generate_command(CLI::App& app);
void add_translate_image_command(CLI::App& app);
void add_download_command(CLI::App& app);
void add_launch_command(CLI::App& app);

// A neural-style model's image, denormalised, as PNG or JPEG (stylize and predict --out).
void save_synthesized_image(const torch::nn::AnyModule& model, const std::filesystem::path& file);

}  // namespace d2l::apps
