// qforge/models/export.hpp - export the trained circuit of a hybrid model
// checkpoint as a hardware job (`qforge export`). Torch-free interface.
//
// The circuit of the run (run folder's circuit.qasm) gets the quantum
// layer's trained weights bound; with a sample, the CNN trunk runs on that
// test image and its output is bound too (lcqhnn: the data input x; for
// amplitude-embedded circuits, hybrid-cnn: the normalised amplitudes are
// prepared from |0...0> by a Mottonen circuit, stateprep.hpp). Then the
// circuit is optimised and mapped with run_pipeline, every logical qubit is
// measured at its final physical position (clbit i = logical qubit i), and
// the result is emitted with physical qubits `$n`.
#pragma once

#include "qforge/circuit.hpp"
#include "qforge/pipeline.hpp"

#include <string>
#include <vector>

namespace qforge::models {

struct ExportOptions {
  std::string checkpoint;         ///< checkpoint.pt / epoch_NNN.pt of a hybrid run
  std::string target = "generic"; ///< ibm_heron | ibm_eagle | nam | generic
  std::string coupling_map;       ///< SPEC (empty: the target's own)
  int level = 2;                  ///< -O level 0..3
  int sample = -1;                ///< index into the run's test split; < 0: none
  std::string emit = "qasm3";     ///< qasm3 | qasm2
  std::string data_dir;           ///< override the checkpoint's data dir
};

struct ExportResult {
  std::string model;                  ///< lcqhnn | hybrid-cnn
  std::string text;                   ///< the emitted program (layout comment included)
  Circuit logical;                    ///< bound circuit before compilation (no measurements)
  CompileResult compiled;             ///< after run_pipeline, measurements added
  std::vector<uint32_t> measured;     ///< physical qubit measured into clbit i (logical qubit i)
  std::vector<double> weights;        ///< bound weight values in symbol order
  std::vector<double> data;           ///< the sample's data inputs (x, or the 2^n amplitudes)
  int label = -1;                     ///< the sample's label (class index), -1 without a sample
  /// With a sample: the model's quantum layer output on it (probabilities
  /// for lcqhnn, <Z> per qubit for hybrid-cnn) and <Z> per qubit derived from it.
  std::vector<double> layer_output;
  std::vector<double> layer_z;
};

/// Throws std::invalid_argument for bad options (target, level, emit, a
/// sample out of range, --sample missing for an amplitude-embedded circuit,
/// a classical model) and std::runtime_error for unreadable checkpoints or
/// emission failures (e.g. qasm2 with unbound inputs).
ExportResult export_checkpoint(const ExportOptions& options);

}  // namespace qforge::models
