// Grad-CAM (gradcam.hpp) on a toy model whose answer is known: the "conv
// layer" has two maps, the image masked to its left half and to its right
// half; class 0's score reads only the left map, class 1's only the right.
#include "qforge/models/gradcam.hpp"

#include <gtest/gtest.h>

using namespace qforge::models;

namespace {

torch::Tensor masks() {
  auto left = torch::zeros({1, 1, 8, 8});
  left.narrow(3, 0, 4).fill_(1);
  return left;
}
torch::Tensor toy_maps(const torch::Tensor& x) {
  auto left = masks();
  return torch::cat({x * left, x * (1 - left)}, 1);  // [B, 2, 8, 8]
}
torch::Tensor toy_score(const torch::Tensor& a) {
  // class 0: 3 * sum(left map); class 1: sum(right map) - sum(left map)
  auto l = a.select(1, 0).sum({1, 2}), r = a.select(1, 1).sum({1, 2});
  return torch::stack({3 * l, r - l}, 1);
}

}  // namespace

TEST(GradCam, HighlightsWhatTheClassReads) {
  torch::manual_seed(1);
  auto x = torch::rand({2, 1, 8, 8}) + 0.1;
  auto left = masks().squeeze(0).squeeze(0);
  torch::Tensor pred;
  auto cam0 = grad_cam(toy_maps, toy_score, x, torch::tensor({0, 0}), 8, 8, &pred);
  ASSERT_EQ(cam0.sizes(), (std::vector<int64_t>{2, 8, 8}));
  // alpha = (3/64, 0): cam = x on the left half, normalised; 0 on the right.
  for (int b = 0; b < 2; ++b) {
    auto expect = x[b][0] * left;
    expect = expect / expect.max();
    EXPECT_TRUE(torch::allclose(cam0[b], expect, 1e-5, 1e-6)) << cam0[b] << expect;
  }
  // Class 1: alpha = (-1/64, 1/64); the ReLU keeps the right half only.
  auto cam1 = grad_cam(toy_maps, toy_score, x, torch::tensor({1, 1}), 8, 8);
  for (int b = 0; b < 2; ++b) {
    auto expect = x[b][0] * (1 - left);
    expect = expect / expect.max();
    EXPECT_TRUE(torch::allclose(cam1[b], expect, 1e-5, 1e-6));
  }
  // Without a target: the predicted class (3*l > r - l here: class 0).
  auto camp = grad_cam(toy_maps, toy_score, x, torch::Tensor(), 8, 8, &pred);
  EXPECT_TRUE(torch::equal(pred, torch::tensor({0, 0}, torch::kLong)));
  EXPECT_TRUE(torch::allclose(camp, cam0));
  EXPECT_GE(camp.min().item<float>(), 0.f);
  EXPECT_LE(camp.max().item<float>(), 1.f);
}

TEST(GradCam, ResizesAndHandlesAllZero) {
  auto x = torch::zeros({1, 1, 8, 8});
  auto cam = grad_cam(toy_maps, toy_score, x, torch::tensor({0}), 28, 28);
  ASSERT_EQ(cam.sizes(), (std::vector<int64_t>{1, 28, 28}));
  EXPECT_EQ(cam.abs().sum().item<float>(), 0.f);
  // Left-half evidence stays on the left after resizing.
  auto y = torch::ones({1, 1, 8, 8});
  auto big = grad_cam(toy_maps, toy_score, y, torch::tensor({0}), 32, 32);
  EXPECT_NEAR(big[0].narrow(1, 0, 14).min().item<float>(), 1.f, 1e-5);
  EXPECT_NEAR(big[0].narrow(1, 18, 14).max().item<float>(), 0.f, 1e-5);
}

TEST(GradCam, WorksUnderNoGrad) {
  torch::NoGradGuard ng;
  auto x = torch::rand({1, 1, 8, 8}) + 0.1;
  auto cam = grad_cam(toy_maps, toy_score, x, torch::tensor({0}), 8, 8);
  EXPECT_GT(cam.max().item<float>(), 0.99f);
}
