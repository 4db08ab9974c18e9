// Data-parallel training over c10d/Gloo with ranks as threads of this process
// (a file store in /tmp, loopback Gloo), as PyTorch's own c10d tests do:
// one step of 2 ranks x 16 images against one process with the 32 images
// (gradients and parameters, float64), whole runs against one process (loss
// curves), resume on another world size, evaluation split over ranks.
#include "qforge/models/datasets.hpp"
#include "qforge/models/distributed.hpp"
#include "qforge/models/networks.hpp"
#include "qforge/models/training.hpp"

#include "../../models/src/distributed.hpp"

#include <gtest/gtest.h>
#include "tiny_data.hpp"

#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include <unistd.h>

using namespace qforge::models;

namespace {

std::string tiny_mnist() {
  static const std::string dir = test_data::make_bar_dataset("models_ddp", 160, 64, 11);
  return dir;
}

std::string scratch(const std::string& name) {
  return "/tmp/qforge_ddp_" + std::to_string(::getpid()) + "_" + name;
}

/// Run `work(group)` on `n` ranks, each a thread with its own process group
/// (a fresh file store); rethrows the first failure.
void on_ranks(int n, const std::string& name, const std::function<void(const std::shared_ptr<ProcessGroup>&)>& work) {
  const std::string store = scratch(name + "_store");
  ::unlink(store.c_str());
  std::vector<std::thread> threads;
  std::vector<std::string> errors(n);
  for (int r = 0; r < n; ++r)
    threads.emplace_back([&, r] {
      try {
        DistributedOptions o;
        o.world_size = n;
        o.rank = r;
        o.master = "file:" + store;
        o.timeout_seconds = 30;
        work(ProcessGroup::connect(o));
      } catch (const std::exception& e) {
        errors[r] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  ::unlink(store.c_str());
  for (int r = 0; r < n; ++r) ASSERT_EQ(errors[r], "") << "rank " << r;
}

TrainConfig ddp_config(const std::string& run) {
  TrainConfig c;
  c.model = "lcqhnn";
  c.dataset = "mnist";
  c.data_dir = tiny_mnist();
  c.classes = "0,1";
  c.train_size = 80;  // batches of 32, 32, 16
  c.val_size = 22;
  c.test_size = 30;
  c.batch = 32;
  c.epochs = 3;
  c.lr = 1e-2;
  c.threads = 1;
  c.dropout = 0;
  c.float64 = true;
  c.quiet = true;
  c.circuits_dir = std::string(QFORGE_SOURCE_DIR) + "/circuits";
  c.run_dir = scratch(run);
  return c;
}

Classifier lean_model(uint64_t seed) {
  TrainConfig c = ddp_config("unused");
  ImageSet shape;
  shape.height = shape.width = 28;
  torch::manual_seed(seed);
  Classifier m(model_spec(c, shape, 2, c.circuits_dir + "/lean_hybrid.qasm"));
  m->to(torch::kFloat64);
  m->train();
  return m;
}

std::vector<torch::Tensor> grads(Classifier& m) {
  std::vector<torch::Tensor> g;
  for (auto& p : m->parameters()) g.push_back(p.grad().clone());
  return g;
}
std::vector<torch::Tensor> params(Classifier& m) {
  std::vector<torch::Tensor> v;
  for (auto& p : m->parameters()) v.push_back(p.detach().clone());
  return v;
}
double max_diff(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  EXPECT_EQ(a.size(), b.size());
  double d = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    d = std::max(d, (a[i] - b[i]).abs().max().item<double>());
  return d;
}

}  // namespace

TEST(Distributed, RankPartsAndBadOptions) {
  // 10 over 3: 4, 3, 3 from the start; 2 over 4: 1, 1, 0, 0.
  EXPECT_EQ(rank_part(10, 3, 0).begin, 0);
  EXPECT_EQ(rank_part(10, 3, 0).count, 4);
  EXPECT_EQ(rank_part(10, 3, 1).begin, 4);
  EXPECT_EQ(rank_part(10, 3, 2).begin, 7);
  EXPECT_EQ(rank_part(10, 3, 2).count, 3);
  EXPECT_EQ(rank_part(2, 4, 1).count, 1);
  EXPECT_EQ(rank_part(2, 4, 2).count, 0);
  EXPECT_EQ(rank_part(2, 4, 3).begin, 2);
  // Options that name no group fail before connecting, naming what is wrong.
  DistributedOptions o;
  o.world_size = 2;
  o.rank = 2;
  o.master = "127.0.0.1:1";
  EXPECT_THROW(ProcessGroup::connect(o), DistributedError);
  o.rank = 1;
  o.master = "nowhere";
  try {
    ProcessGroup::connect(o);
    FAIL();
  } catch (const DistributedError& e) {
    EXPECT_NE(std::string(e.what()).find("HOST:PORT"), std::string::npos) << e.what();
  }
}

// One step: 2 ranks with 16 images each (rank 1 starting from other weights,
// which the broadcast replaces) against one process with all 32.
TEST(Distributed, TwoRanksOfSixteenStepLikeOneOfThirtyTwo) {
  std::mt19937 rng(5);
  auto imgs = test_data::bar_images(32, rng);
  auto x = torch::from_blob(imgs.pixels.data(), {32, 1, 28, 28}, torch::kUInt8).to(torch::kFloat64) / 255.0;
  auto y = torch::from_blob(imgs.labels.data(), {32}, torch::kInt32).to(torch::kLong);

  Classifier ref = lean_model(3);
  torch::optim::Adam ref_opt(ref->parameters(), torch::optim::AdamOptions(1e-2));
  ref_opt.zero_grad();
  torch::nll_loss(ref->forward(x), y).backward();
  const auto ref_grads = grads(ref);
  ref_opt.step();
  const auto ref_params = params(ref);

  std::vector<Classifier> models{lean_model(3), lean_model(99)};
  std::vector<std::vector<torch::Tensor>> got_grads(2), got_params(2);
  on_ranks(2, "step", [&](const std::shared_ptr<ProcessGroup>& g) {
    const int r = g->rank();
    Classifier& m = models[r];
    distributed::broadcast_module(*g, *m);
    torch::optim::Adam opt(m->parameters(), torch::optim::AdamOptions(1e-2));
    opt.zero_grad();
    const Part part = rank_part(32, 2, r);
    auto xr = x.narrow(0, part.begin, part.count), yr = y.narrow(0, part.begin, part.count);
    (torch::nll_loss(m->forward(xr), yr, {}, at::Reduction::Sum) / 32.0).backward();
    distributed::allreduce_gradients(*g, m->parameters(), "test step");
    got_grads[r] = grads(m);
    opt.step();
    got_params[r] = params(m);
  });
  for (int r = 0; r < 2; ++r) {
    EXPECT_LT(max_diff(got_grads[r], ref_grads), 1e-12) << "rank " << r;
    EXPECT_LT(max_diff(got_params[r], ref_params), 1e-12) << "rank " << r;
  }
  // The step moved the weights (the comparison is not of untouched models).
  Classifier start = lean_model(3);
  EXPECT_GT(max_diff(ref_params, params(start)), 1e-4);
}

// Three epochs (uneven last batch, validation and test split over the ranks)
// on 2 ranks against one process: the same curves to 1e-9.
TEST(Distributed, TwoRanksGiveTheLossCurveOfOne) {
  std::ostringstream log;
  auto one = train(ddp_config("one"), log);
  std::vector<TrainResult> ranks(2);
  on_ranks(2, "curve", [&](const std::shared_ptr<ProcessGroup>& g) {
    TrainConfig c = ddp_config("two");
    c.group = g;
    std::ostringstream l;
    ranks[g->rank()] = train(c, l);
  });
  ASSERT_EQ(one.history.size(), 3u);
  for (int r = 0; r < 2; ++r) {
    ASSERT_EQ(ranks[r].history.size(), 3u);
    EXPECT_EQ(ranks[r].world_size, 2);
    EXPECT_EQ(ranks[r].allreduce_steps, 9);  // 3 steps per epoch
    for (int e = 0; e < 3; ++e) {
      const auto &a = one.history[e], &b = ranks[r].history[e];
      EXPECT_NEAR(a.train_loss, b.train_loss, 1e-9) << "epoch " << e + 1;
      EXPECT_NEAR(a.val_loss, b.val_loss, 1e-9) << "epoch " << e + 1;
      EXPECT_EQ(a.train_accuracy, b.train_accuracy);
      EXPECT_EQ(a.val_accuracy, b.val_accuracy);
      EXPECT_EQ(a.test_accuracy, b.test_accuracy);
    }
  }
  EXPECT_LT(one.history.back().train_loss, one.history.front().train_loss);
  // Rank 0 wrote the run, with the world size in its checkpoint.
  auto w1 = checkpoint_parameters(one.run_dir + "/checkpoint.pt");
  auto w2 = checkpoint_parameters(ranks[0].run_dir + "/checkpoint.pt");
  ASSERT_EQ(w1.size(), w2.size());
  for (std::size_t i = 0; i < w1.size(); ++i) ASSERT_NEAR(w1[i], w2[i], 1e-6) << i;
}

// Stopped after epoch 1 on 2 ranks, resumed on 3 and then on 1: epochs 2
// and 3 continue from the checkpoint as an uninterrupted run would.
TEST(Distributed, ResumeOnAnotherWorldSizeContinues) {
  std::ostringstream log;
  TrainConfig full = ddp_config("resume_full");
  auto ref = train(full, log);
  on_ranks(2, "resume_a", [&](const std::shared_ptr<ProcessGroup>& g) {
    TrainConfig c = ddp_config("resume");
    c.group = g;
    c.stop_after = 1;
    std::ostringstream l;
    train(c, l);
  });
  std::vector<TrainResult> three(3);
  std::string said;
  on_ranks(3, "resume_b", [&](const std::shared_ptr<ProcessGroup>& g) {
    TrainConfig c = ddp_config("resume");
    c.group = g;
    c.resume = true;
    c.quiet = false;
    c.stop_after = 2;
    std::ostringstream l;
    three[g->rank()] = train(c, l);
    if (g->rank() == 0) said = l.str();
  });
  EXPECT_NE(said.find("resuming " + ddp_config("resume").run_dir + " after epoch 1 (trained on 2 ranks, now 3)"),
            std::string::npos)
      << said;
  ASSERT_EQ(three[0].history.size(), 2u);
  TrainConfig last = ddp_config("resume");
  last.resume = true;
  auto end = train(last, log);
  ASSERT_EQ(end.history.size(), 3u);
  for (int e = 0; e < 3; ++e) {
    EXPECT_EQ(end.history[e].epoch, e + 1);
    EXPECT_NEAR(end.history[e].train_loss, ref.history[e].train_loss, 1e-9) << "epoch " << e + 1;
    EXPECT_NEAR(end.history[e].val_loss, ref.history[e].val_loss, 1e-9) << "epoch " << e + 1;
  }
}

TEST(Distributed, EvaluationSplitOverRanksMatchesOneProcess) {
  std::ostringstream log;
  TrainConfig c = ddp_config("eval");
  c.epochs = 1;
  c.float64 = false;
  train(c, log);
  EvalOptions o;
  o.checkpoint = c.run_dir + "/checkpoint.pt";
  o.threads = 1;
  const EvalResult one = evaluate(o);
  std::vector<EvalResult> got(3);
  on_ranks(3, "eval", [&](const std::shared_ptr<ProcessGroup>& g) {
    EvalOptions e = o;
    e.group = g;
    got[g->rank()] = evaluate(e);
  });
  for (int r = 0; r < 3; ++r) {
    EXPECT_EQ(got[r].images, one.images);
    EXPECT_EQ(got[r].confusion.total(), one.confusion.total());
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) EXPECT_EQ(got[r].confusion.at(i, j), one.confusion.at(i, j));
    EXPECT_NEAR(got[r].loss, one.loss, 1e-6);
    EXPECT_EQ(got[r].fgsm_accuracy, one.fgsm_accuracy);
  }
}
