// `qforge evaluate CHECKPOINT`: test metrics, confusion matrix, FGSM.
#ifdef QFORGE_HAVE_MODELS
#include "cli.hpp"
#include "ddp.hpp"

#include "qforge/models/training.hpp"

#include <cstdio>
#include <iostream>
#include <sstream>

namespace po = boost::program_options;

namespace qforge::cli {
namespace {

int run_evaluate(const std::vector<std::string>& args) {
  po::options_description desc("options");
  desc.add_options()
      ("checkpoint", po::value<std::string>(), "checkpoint file (run-dir/checkpoint.pt, epoch_NNN.pt)")
      ("eps", po::value<double>()->default_value(0.1), "FGSM eps on [0,1] pixels (< 0: skip)")
      ("split", po::value<std::string>()->default_value("test"), "test or val")
      ("data-dir", po::value<std::string>(), "override the dataset folder stored in the run")
      ("threads", po::value<int>()->default_value(0), "LibTorch threads (0: all cores)")
      ("json", po::value<std::string>(), "also write the results as JSON to FILE")
      ("noise", po::value<std::string>(), "also evaluate the weights on this device (qforge noise import)")
      ("idle-noise", po::value<std::string>(), "on | off: relaxation while qubits wait (default: the run's)");
  add_ddp_options(desc);
  po::positional_options_description pos;
  pos.add("checkpoint", 1);
  po::variables_map vm;
  if (!parse_args(args, "usage: qforge evaluate CHECKPOINT [--eps E] [--split test|val]\n\n"
                        "Rebuild the run's data split and model, then report accuracy, per-class\n"
                        "and macro precision/recall/F1, the confusion matrix, FGSM robust\n"
                        "accuracy at --eps (gradients flow through the quantum layer) and\n"
                        "parameter counts.\n\n"
                        "With --noise DEVICE.noise.json (or for a run trained with --noise), the\n"
                        "same weights are also run through the layer compiled for that device\n"
                        "(exact density matrix): accuracy, macro F1, loss and FGSM (the attack's\n"
                        "gradient taken through the noisy model) ideal vs noisy side by side.\n\n"
                        "--ddp-local N (or --world-size/--rank/--master, as for train) splits the\n"
                        "images over N processes; rank 0 prints the results of all.",
                  desc, &pos, vm))
    return kOk;
  if (!vm.count("checkpoint")) throw UsageError("no checkpoint (usage: qforge evaluate CHECKPOINT)");
  models::EvalOptions o;
  o.checkpoint = vm["checkpoint"].as<std::string>();
  o.fgsm_eps = vm["eps"].as<double>();
  o.split = vm["split"].as<std::string>();
  o.threads = vm["threads"].as<int>();
  if (vm.count("data-dir")) o.data_dir = vm["data-dir"].as<std::string>();
  if (vm.count("noise")) o.noise = vm["noise"].as<std::string>();
  if (vm.count("idle-noise")) {
    auto v = vm["idle-noise"].as<std::string>();
    if (v != "on" && v != "off") throw UsageError("--idle-noise expects on or off");
    o.idle_noise = v == "on";
  }
  Ddp ddp = start_ddp(vm, "evaluate", args);
  o.group = ddp.group;
  auto r = ddp.run([&] { return models::evaluate(o); });
  if (!ddp.lead()) return kOk;
  const auto& cm = r.confusion;
  std::ostringstream s;
  char buf[256];
  s << "model: " << r.config.model << " (epoch " << r.epoch << ")\ndataset: " << r.config.dataset
    << " " << o.split << ", " << r.images << " images\nthreads: " << r.threads << "\n";
  std::snprintf(buf, sizeof buf, "accuracy: %.2f%%\nloss: %.4f\n", 100 * cm.accuracy(), r.loss);
  s << buf << "\nclass            precision  recall     F1\n";
  for (int c = 0; c < cm.num_classes(); ++c) {
    std::snprintf(buf, sizeof buf, "%-16s %9.4f %7.4f %7.4f\n", r.class_names[c].c_str(),
                  cm.precision(c), cm.recall(c), cm.f1(c));
    s << buf;
  }
  std::snprintf(buf, sizeof buf, "%-16s %9.4f %7.4f %7.4f\n", "macro", cm.macro_precision(),
                cm.macro_recall(), cm.macro_f1());
  s << buf << "\nconfusion matrix (rows: true, columns: predicted)\n" << cm.format(r.class_names);
  if (r.fgsm_accuracy >= 0) {
    std::snprintf(buf, sizeof buf, "\nFGSM robust accuracy (eps %g): %.2f%%\n", r.fgsm_eps,
                  100 * r.fgsm_accuracy);
    s << buf;
  }
  if (r.noisy) {
    const auto& n = *r.noisy;
    const auto& nc = n.confusion;
    s << "\nideal vs noisy (device " << n.device << ", layout [" << n.layout << "], predicted fidelity "
      << n.predicted_fidelity << ")\n";
    std::snprintf(buf, sizeof buf, "%-16s %9s %9s\n", "", "ideal", "noisy");
    s << buf;
    std::snprintf(buf, sizeof buf, "%-16s %8.2f%% %8.2f%%\n", "accuracy", 100 * cm.accuracy(), 100 * nc.accuracy());
    s << buf;
    std::snprintf(buf, sizeof buf, "%-16s %9.4f %9.4f\n", "macro F1", cm.macro_f1(), nc.macro_f1());
    s << buf;
    std::snprintf(buf, sizeof buf, "%-16s %9.4f %9.4f\n", "loss", r.loss, n.loss);
    s << buf;
    if (r.fgsm_accuracy >= 0) {
      std::snprintf(buf, sizeof buf, "%-16s %8.2f%% %8.2f%%\n", "FGSM accuracy", 100 * r.fgsm_accuracy,
                    100 * n.fgsm_accuracy);
      s << buf;
    }
  }
  s << "parameters: " << r.parameters.total << " (quantum " << r.parameters.quantum
    << ", classical " << r.parameters.classical << ")\n";
  std::cout << s.str();
  if (vm.count("json")) {
    write_output(vm["json"].as<std::string>(), models::evaluation_json(r));
  }
  return kOk;
}

const Verb reg{"evaluate", "evaluate a trained classifier checkpoint (metrics, FGSM)", &run_evaluate};

}  // namespace
}  // namespace qforge::cli
#endif  // QFORGE_HAVE_MODELS
