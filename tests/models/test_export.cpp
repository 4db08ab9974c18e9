// `qforge export` (export.hpp): a tiny trained hybrid checkpoint exported for
// hardware targets gives the same <Z> per qubit as the model's quantum layer.
#include "dense_reference.hpp"
#include "qforge/frontend.hpp"
#include "qforge/models/datasets.hpp"
#include "qforge/models/export.hpp"
#include "qforge/models/training.hpp"
#include "qforge/target.hpp"

#include <gtest/gtest.h>
#include "tiny_data.hpp"

#include <random>
#include <sstream>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

using namespace qforge;
using namespace qforge::models;

namespace {

std::string make_tiny_mnist() {
  static const std::string dir = test_data::make_bar_dataset("models_export", 128, 64, 7);
  return dir;
}

/// Train `model` for one epoch on the tiny set; returns the checkpoint path.
std::string trained_checkpoint(const std::string& model) {
  TrainConfig c;
  c.model = model;
  c.dataset = "mnist";
  c.data_dir = make_tiny_mnist();
  c.classes = "0,1";
  c.train_size = 64;
  c.val_size = 16;
  c.test_size = 32;
  c.batch = 16;
  c.epochs = 1;
  c.lr = 1e-2;
  c.threads = 1;
  c.quiet = true;
  c.circuits_dir = std::string(QFORGE_SOURCE_DIR) + "/circuits";
  c.run_dir = "/tmp/qforge_models_export_run_" + std::to_string(::getpid()) + "_" + model;
  std::ostringstream log;
  train(c, log);
  return c.run_dir + "/checkpoint.pt";
}

/// <Z> of each logical qubit (measured at r.measured[i]) of the compiled
/// circuit, simulated by the dense reference from |0...0>.
std::vector<double> exported_z(const ExportResult& r) {
  Circuit c = r.compiled.circuit;
  std::vector<Operation> gates;
  for (const auto& op : c.ops)
    if (op.is_gate()) gates.push_back(op);
  c.ops = gates;
  c.num_clbits = 0;
  c.cregs.clear();
  auto psi = ref::apply_unitary(c, ref::basis_state(c.num_qubits, 0));
  std::vector<double> z(r.measured.size(), 0.0);
  for (Eigen::Index k = 0; k < psi.size(); ++k) {
    double p = std::norm(psi[k]);
    for (std::size_t i = 0; i < z.size(); ++i) z[i] += (uint64_t(k) >> r.measured[i] & 1) ? -p : p;
  }
  return z;
}

/// The emitted text reads back, uses only the target's gates on $n qubits,
/// and measures every logical qubit.
void check_text(const ExportResult& r, const ExportOptions& o) {
  DiagnosticSink diags;
  Circuit back = compile_source(r.text, "job.qasm", CompileOptions{}, diags);
  ASSERT_FALSE(diags.has_errors()) << diags.format() << "\n" << r.text;
  // OpenQASM 3 names physical qubits $n; OpenQASM 2.0 has no such syntax, so
  // its one register q[] is indexed by physical qubit.
  if (o.emit == "qasm3") EXPECT_TRUE(back.physical_qubits) << r.text;
  else EXPECT_EQ(back.num_qubits, r.compiled.circuit.num_qubits);
  Target t = make_target(o.target, o.coupling_map);
  EXPECT_EQ(check_target(back, t), "") << r.text;
  EXPECT_EQ(check_target(r.compiled.circuit, t), "");
  std::size_t measures = 0;
  for (const auto& op : back.ops) measures += op.kind == OpKind::Measure;
  EXPECT_EQ(measures, r.measured.size());
  EXPECT_EQ(r.text.find("gphase"), std::string::npos);
  if (o.emit == "qasm3") EXPECT_EQ(r.text.rfind("OPENQASM 3.0;", 0), 0u);
  else EXPECT_EQ(r.text.rfind("OPENQASM 2.0;", 0), 0u);
}

const std::string& lcqhnn_checkpoint() {
  static std::string p = trained_checkpoint("lcqhnn");
  return p;
}
const std::string& hybrid_cnn_checkpoint() {
  static std::string p = trained_checkpoint("hybrid-cnn");
  return p;
}

void expect_same_z(const ExportResult& r) {
  ASSERT_EQ(r.layer_z.size(), 4u);
  auto z = exported_z(r);
  ASSERT_EQ(z.size(), r.layer_z.size());
  for (std::size_t i = 0; i < z.size(); ++i) EXPECT_NEAR(z[i], r.layer_z[i], 1e-6) << "qubit " << i;
}

}  // namespace

TEST(Export, LcqhnnSampleMatchesQuantumLayer) {
  struct Case { std::string target, map, emit; int level; };
  for (const Case& k : {Case{"ibm_heron", "line:5", "qasm3", 2}, Case{"ibm_eagle", "ring:6", "qasm3", 3},
                        Case{"nam", "", "qasm2", 1}, Case{"generic", "", "qasm3", 0}}) {
    for (int sample : {0, 5}) {
      ExportOptions o;
      o.checkpoint = lcqhnn_checkpoint();
      o.target = k.target;
      o.coupling_map = k.map;
      o.emit = k.emit;
      o.level = k.level;
      o.sample = sample;
      SCOPED_TRACE(k.target + " " + k.map + " -O" + std::to_string(k.level) + " sample " + std::to_string(sample));
      ExportResult r = export_checkpoint(o);
      EXPECT_EQ(r.model, "lcqhnn");
      EXPECT_EQ(r.data.size(), 4u);
      EXPECT_EQ(r.weights.size(), 4u);
      check_text(r, o);
      expect_same_z(r);
      if (!k.map.empty()) {
        EXPECT_NE(r.text.find("// qforge-layout"), std::string::npos);
      }
    }
  }
}

TEST(Export, HybridCnnSampleStatePreparationMatchesQuantumLayer) {
  for (const auto& [target, map] : std::vector<std::pair<std::string, std::string>>{
           {"ibm_heron", "line:4"}, {"ibm_eagle", "grid:2x3"}, {"nam", ""}, {"generic", ""}}) {
    for (int sample : {1, 2}) {
      ExportOptions o;
      o.checkpoint = hybrid_cnn_checkpoint();
      o.target = target;
      o.coupling_map = map;
      o.level = 2;
      o.sample = sample;
      SCOPED_TRACE(target + " " + map + " sample " + std::to_string(sample));
      ExportResult r = export_checkpoint(o);
      EXPECT_EQ(r.model, "hybrid-cnn");
      EXPECT_EQ(r.data.size(), 16u);
      EXPECT_EQ(r.weights.size(), 8u);
      check_text(r, o);
      expect_same_z(r);
    }
  }
}

TEST(Export, FullDeviceWithoutSampleKeepsDataInputs) {
  ExportOptions o;
  o.checkpoint = lcqhnn_checkpoint();
  o.target = "ibm_heron";
  o.level = 2;
  ExportResult r = export_checkpoint(o);
  check_text(r, o);
  EXPECT_NE(r.text.find("input "), std::string::npos) << r.text;
  EXPECT_TRUE(r.layer_z.empty());
  // OpenQASM 2.0 cannot express the unbound inputs.
  o.emit = "qasm2";
  EXPECT_ANY_THROW(export_checkpoint(o));
}

TEST(Export, BadRequests) {
  ExportOptions o;
  o.checkpoint = hybrid_cnn_checkpoint();
  o.target = "nam";
  EXPECT_THROW(export_checkpoint(o), std::invalid_argument);  // amplitude embedding needs --sample
  o.sample = 100000;
  EXPECT_THROW(export_checkpoint(o), std::invalid_argument);
  o.sample = 0;
  o.target = "ibm_condor";
  EXPECT_ANY_THROW(export_checkpoint(o));
  o.target = "nam";
  o.emit = "ir";
  EXPECT_THROW(export_checkpoint(o), std::invalid_argument);
  o.emit = "qasm3";
  o.checkpoint = "/nonexistent/checkpoint.pt";
  EXPECT_THROW(export_checkpoint(o), std::runtime_error);
}
