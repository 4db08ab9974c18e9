// qforge/models/gradcam.hpp - Grad-CAM (Selvaraju et al. 2017) for any model
// split into a convolutional part and the rest. Includes torch.
#pragma once

#include <torch/torch.h>

#include <functional>

namespace qforge::models {

/// maps(x) -> the chosen convolutional layer's activations A [B, K, h, w];
/// score(A) -> class scores [B, C]. For each sample b and its class target[b]
/// (argmax of the scores when `target` is undefined):
///   alpha_k = mean over (i, j) of d score_c / d A_k[i, j]
///   cam     = ReLU(sum_k alpha_k A_k), bilinearly resized to out_h x out_w
///             and divided by its maximum (all zero when the maximum is 0).
/// Returns [B, out_h, out_w] float32 in [0, 1]; `predicted` (if non-null)
/// receives the argmax classes [B].
torch::Tensor grad_cam(const std::function<torch::Tensor(const torch::Tensor&)>& maps,
                       const std::function<torch::Tensor(const torch::Tensor&)>& score,
                       const torch::Tensor& x, const torch::Tensor& target, int64_t out_h,
                       int64_t out_w, torch::Tensor* predicted = nullptr);

}  // namespace qforge::models
