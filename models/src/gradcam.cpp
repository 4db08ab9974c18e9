// Grad-CAM (gradcam.hpp).
#include "qforge/models/gradcam.hpp"

namespace qforge::models {

torch::Tensor grad_cam(const std::function<torch::Tensor(const torch::Tensor&)>& maps,
                       const std::function<torch::Tensor(const torch::Tensor&)>& score,
                       const torch::Tensor& x, const torch::Tensor& target, int64_t out_h,
                       int64_t out_w, torch::Tensor* predicted) {
  torch::AutoGradMode grad_on(true);
  auto A = maps(x.detach());
  if (A.dim() != 4) throw std::invalid_argument("grad_cam: maps must give [B, K, h, w]");
  if (!A.requires_grad()) A = A.detach().requires_grad_(true);
  auto s = score(A);
  auto pred = s.argmax(1).detach();
  auto t = target.defined() ? target.to(torch::kLong).view({-1, 1}) : pred.view({-1, 1});
  auto chosen = s.gather(1, t).sum();
  auto g = torch::autograd::grad({chosen}, {A})[0];
  torch::NoGradGuard ng;
  auto alpha = g.mean({2, 3}, true);
  auto cam = torch::relu((alpha * A.detach()).sum(1, true));
  cam = torch::upsample_bilinear2d(cam.to(torch::kFloat32), {out_h, out_w}, false);
  cam = cam.squeeze(1);
  auto mx = std::get<0>(cam.flatten(1).max(1)).view({-1, 1, 1});
  cam = torch::where(mx > 0, cam / mx.clamp_min(1e-30), torch::zeros_like(cam));
  if (predicted) *predicted = pred;
  return cam.clamp(0, 1).contiguous();
}

}  // namespace qforge::models
