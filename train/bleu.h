// BLEU (d2l 10.7): exp(min(0, 1 - len_label / len_pred)) * prod_n p_n^(1 / 2^n), p_n the
// clipped n-gram precision of the prediction against one label, tokens split on spaces.
#pragma once
#include <cstdint>
#include <string>

namespace d2l::train {

// n runs over 1..k (zh-v2 / en-0.17; such code fails when k exceeds the prediction's length) or,
// with up_to_prediction_length (en-1.0), over 1..min(k, length of the prediction).
double bleu(const std::string& prediction, const std::string& label, int64_t k, bool up_to_prediction_length = true);

}  // namespace d2l::train
