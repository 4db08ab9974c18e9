// The JSON files of a run (run_files.hpp) and evaluation_json (training.hpp).
#include "run_files.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace qforge::models {

namespace run_files {

using json = nlohmann::ordered_json;

const std::vector<EpochField> kEpochFields = {
    {"train_loss", &EpochMetrics::train_loss},       {"train_accuracy", &EpochMetrics::train_accuracy},
    {"train_macro_f1", &EpochMetrics::train_macro_f1}, {"val_loss", &EpochMetrics::val_loss},
    {"val_accuracy", &EpochMetrics::val_accuracy},   {"val_macro_f1", &EpochMetrics::val_macro_f1},
    {"test_accuracy", &EpochMetrics::test_accuracy}, {"seconds", &EpochMetrics::seconds},
    {"train_seconds", &EpochMetrics::train_seconds}, {"peak_rss_mib", &EpochMetrics::peak_rss_mib},
    {"cpu_percent", &EpochMetrics::cpu_percent}};

const std::vector<EpochField> kIdealFields = {
    {"ideal_val_loss", &EpochMetrics::ideal_val_loss},
    {"ideal_val_accuracy", &EpochMetrics::ideal_val_accuracy},
    {"ideal_val_macro_f1", &EpochMetrics::ideal_val_macro_f1},
    {"ideal_test_accuracy", &EpochMetrics::ideal_test_accuracy}};

namespace {
bool any_ideal(const std::vector<EpochMetrics>& h) {
  return std::any_of(h.begin(), h.end(), [](const EpochMetrics& m) { return m.has_ideal(); });
}
}  // namespace

std::string metrics_csv(const std::vector<EpochMetrics>& h) {
  std::ostringstream o;
  const bool ideal = any_ideal(h);
  o << "epoch";
  for (const auto& f : kEpochFields) o << "," << f.name;
  if (ideal)
    for (const auto& f : kIdealFields) o << "," << f.name;
  o << "\n" << std::setprecision(6);
  for (const auto& m : h) {
    o << m.epoch;
    for (const auto& f : kEpochFields) o << "," << m.*f.value;
    if (ideal)
      for (const auto& f : kIdealFields) o << "," << m.*f.value;  // "nan" when missing
    o << "\n";
  }
  return o.str();
}

namespace {

json epoch_json(const EpochMetrics& m) {
  json j = {{"epoch", m.epoch}};
  for (const auto& f : kEpochFields) j[f.name] = m.*f.value;
  if (m.has_ideal())
    for (const auto& f : kIdealFields) j[f.name] = m.*f.value;
  return j;
}

EpochMetrics epoch_from_json(const json& j) {
  EpochMetrics m;
  m.epoch = j.at("epoch").get<int>();
  for (const auto& f : kEpochFields) m.*f.value = j.at(f.name).get<double>();
  for (const auto& f : kIdealFields)
    if (j.contains(f.name) && j.at(f.name).is_number()) m.*f.value = j.at(f.name).get<double>();
  return m;
}

}  // namespace

std::string metrics_json(const TrainConfig& c, const TrainResult& r, const std::vector<std::string>& classes) {
  json j;
  j["model"] = c.model;
  j["dataset"] = c.dataset;
  j["classes"] = classes;
  j["threads"] = r.threads;
  j["seed"] = c.seed;
  j["batch"] = c.batch;
  j["lr"] = c.lr;
  j["parameters"] = {{"total", r.parameters.total},
                     {"quantum", r.parameters.quantum},
                     {"classical", r.parameters.classical}};
  json epochs = json::array();
  for (const auto& m : r.history) epochs.push_back(epoch_json(m));
  j["epochs"] = std::move(epochs);
  return j.dump(2) + "\n";
}

MetricsSummary read_metrics_json(const std::string& text, const std::string& source) {
  MetricsSummary s;
  try {
    const json j = json::parse(text);
    if (!j.is_object()) throw std::runtime_error("not a JSON object");
    s.class_names = j.value("classes", std::vector<std::string>{});
    if (j.contains("parameters")) {
      const json& p = j.at("parameters");
      s.parameters.total = p.value("total", int64_t(0));
      s.parameters.quantum = p.value("quantum", int64_t(0));
      s.parameters.classical = p.value("classical", int64_t(0));
    }
  } catch (const json::exception& e) {
    throw std::runtime_error(source + ": " + e.what());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(source + ": " + e.what());
  }
  return s;
}

std::string checkpoint_meta(const TrainConfig& c, int epoch, const std::vector<EpochMetrics>& h) {
  json config = json::object();
  for (const auto& [k, v] : config_entries(c)) config[k] = v;
  json history = json::array();
  for (const auto& m : h) history.push_back(epoch_json(m));
  json j = {{"config", std::move(config)}, {"epoch", epoch}, {"history", std::move(history)}};
  return j.dump();
}

CheckpointMeta read_checkpoint_meta(const std::string& text, const std::string& source) {
  CheckpointMeta m;
  try {
    const json j = json::parse(text);
    for (const auto& [k, v] : j.at("config").items()) set_config_entry(m.config, k, v.get<std::string>(), source + ": config");
    m.epoch = j.at("epoch").get<int>();
    for (const auto& e : j.at("history")) m.history.push_back(epoch_from_json(e));
  } catch (const json::exception& e) {
    throw std::runtime_error(source + ": checkpoint metadata: " + e.what());
  }
  return m;
}

}  // namespace run_files

namespace {
nlohmann::ordered_json confusion_json(const ConfusionMatrix& cm) {
  auto confusion = nlohmann::ordered_json::array();
  for (int t = 0; t < cm.num_classes(); ++t) {
    auto row = nlohmann::ordered_json::array();
    for (int p = 0; p < cm.num_classes(); ++p) row.push_back(cm.at(t, p));
    confusion.push_back(std::move(row));
  }
  return confusion;
}
}  // namespace

std::string evaluation_json(const EvalResult& r) {
  using json = nlohmann::ordered_json;
  const auto& cm = r.confusion;
  json confusion = confusion_json(cm);
  json j = {{"model", r.config.model},
            {"epoch", r.epoch},
            {"accuracy", cm.accuracy()},
            {"loss", r.loss},
            {"macro_precision", cm.macro_precision()},
            {"macro_recall", cm.macro_recall()},
            {"macro_f1", cm.macro_f1()},
            {"fgsm_eps", r.fgsm_eps},
            {"fgsm_accuracy", r.fgsm_accuracy},
            {"threads", r.threads},
            {"parameters", {{"total", r.parameters.total}, {"quantum", r.parameters.quantum}}},
            {"confusion", std::move(confusion)}};
  if (r.noisy) {
    const auto& n = *r.noisy;
    j["noisy"] = {{"device", n.device},
                  {"noise_model", n.noise},
                  {"layout", n.layout},
                  {"predicted_fidelity", n.predicted_fidelity},
                  {"accuracy", n.confusion.accuracy()},
                  {"loss", n.loss},
                  {"macro_f1", n.confusion.macro_f1()},
                  {"fgsm_accuracy", n.fgsm_accuracy},
                  {"confusion", confusion_json(n.confusion)}};
  }
  return j.dump() + "\n";
}

}  // namespace qforge::models
