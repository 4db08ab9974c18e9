// qforge/noise_model.hpp - device noise from IBM calibration files.
//
// import_ibm reads IBM's BackendProperties JSON (and optionally its
// BackendConfiguration JSON) into a NoiseModel: normalised (SI units,
// seconds), versioned, with a record of every repair made to the data.
// gate_channels turns an entry into the channels Qiskit Aer's
// NoiseModel.from_backend builds at temperature 0 (a depolarizing channel
// followed by thermal relaxation); attach_noise puts them, the readout
// errors and, optionally, relaxation while qubits idle, on a circuit written
// on the device's qubits, ready for the runtime (qforge/channel.hpp).
#pragma once

#include "qforge/channel.hpp"
#include "qforge/circuit.hpp"

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace qforge::noise {

/// The `version` key of the model file; a reader refuses other versions.
constexpr int kFormatVersion = 1;
/// The `format` key of the model file.
constexpr const char* kFormatName = "qforge-noise-model";

/// One qubit. Times in seconds; an absent T1 or T2 means infinite (the file
/// did not report it: no decay of that kind, as Aer assumes).
struct QubitNoise {
  std::optional<double> t1, t2;
  double p1_given_0 = 0;      ///< read 1 after preparing 0 (prob_meas1_prep0)
  double p0_given_1 = 0;      ///< read 0 after preparing 1 (prob_meas0_prep1)
  double readout_length = 0;  ///< duration of a measurement
};

/// One calibrated operation on given qubits (qubits in the order the device
/// lists them: for a directed ecr edge, control first).
struct GateNoise {
  std::string gate;
  std::vector<unsigned> qubits;
  double error = 0;   ///< 1 - average gate fidelity
  double length = 0;  ///< seconds
};

/// A gate the device reports broken (gate_error >= 1); it is kept out of
/// NoiseModel::gates.
struct FaultyGate {
  std::string gate;
  std::vector<unsigned> qubits;
  double error = 1;
};

/// A value the files did not give, and what the model assumes instead.
struct MissingValue {
  std::string item;     ///< "qubit 3", "sx $3", "configuration"
  std::string field;    ///< "T2", "gate_length", "basis_gates", ...
  std::string assumed;  ///< e.g. "2*T1 = 0.000123 s"
};

/// Every change made to the reported data.
struct Repairs {
  std::vector<FaultyGate> faulty;     ///< excluded gates
  std::vector<unsigned> t2_clipped;   ///< qubits whose T2 > 2*T1 was set to 2*T1
  std::vector<MissingValue> missing;  ///< absent values and their stand-ins
};

struct NoiseModel {
  std::string backend_name, backend_version, last_update_date;
  std::vector<std::string> sources;  ///< the file names it was imported from
  std::optional<double> dt;          ///< the device's time step in seconds (configuration)
  std::vector<std::string> basis;    ///< basis gate names
  std::vector<std::pair<unsigned, unsigned>> coupling_map;  ///< directed edges as listed
  std::vector<QubitNoise> qubits;    ///< indexed by device qubit
  std::vector<GateNoise> gates;      ///< sorted by (gate, qubits); faulty ones excluded
  Repairs repairs;

  /// The entry of `gate` on exactly these qubits (in this order), or null.
  const GateNoise* find(const std::string& gate, const std::vector<unsigned>& qubits) const;
  /// The faulty entry of `gate` on these qubits, or null.
  const FaultyGate* find_faulty(const std::string& gate, const std::vector<unsigned>& qubits) const;
  bool in_basis(const std::string& gate) const;
};

/// Malformed input: what() reads `FILE: JSON.path: what is wrong`.
struct NoiseFormatError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Import IBM calibration data. `conf_json` may be empty (no configuration:
/// the basis and coupling map are taken from the properties' gates and the
/// fact is recorded in repairs.missing). `source_names` names the two inputs
/// in messages and in NoiseModel::sources ([0] properties, [1] configuration).
/// Throws NoiseFormatError.
NoiseModel import_ibm(const std::string& props_json, const std::string& conf_json,
                      const std::vector<std::string>& source_names);
/// import_ibm on files (conf_path may be empty); names are the file names.
NoiseModel import_ibm_files(const std::string& props_path, const std::string& conf_path);

/// The model as JSON text: fixed key order, numbers in nlohmann's shortest
/// round-trip form, one qubit and one gate per line, a final newline. The
/// same model always gives the same bytes.
std::string to_json(const NoiseModel& model);
/// Parse the text of to_json; `source` names it in messages. Throws NoiseFormatError.
NoiseModel model_from_json(const std::string& text, const std::string& source);
/// Read a model file. Throws NoiseFormatError (or std::runtime_error when unreadable).
NoiseModel read_noise_model(const std::string& path);
/// Write to_json(model) to `path` atomically (temp file beside it + rename).
void write_noise_model(const std::string& path, const NoiseModel& model);

/// A short account of the model for `qforge noise import`: text (a table)
/// or JSON with the keys backend, qubits, gates (entries per gate name),
/// basis, couplings, faulty, t2_clipped and missing.
std::string summary_text(const NoiseModel& model);
std::string summary_json(const NoiseModel& model);

// ---- channels (Kraus sets on qubits 0 .. n-1 unless said otherwise) ------

/// rho -> (1 - p) rho + p tr(rho) I / 2^n (Aer's depolarizing_error), for
/// 0 <= p <= 4^n / (4^n - 1): Pauli Kraus operators sqrt(1 - p (4^n-1)/4^n) I
/// and sqrt(p / 4^n) P for the other Paulis P (terms of weight 0 omitted).
sim::Channel depolarizing(double p, unsigned nqubits);
/// Zero-temperature thermal relaxation of one qubit for `time` seconds
/// (T1, T2 in seconds, +infinity allowed, T2 <= 2 T1). See channels.cpp.
sim::Channel thermal_relaxation(double t1, double t2, double time);
/// Average gate fidelity of a channel relative to the identity,
/// (sum_k |tr K_k|^2 + d) / (d (d + 1)).
double average_gate_fidelity(const sim::Channel& channel);

/// The depolarizing parameter Aer gives the entry (0: no depolarizing
/// channel). Throws std::invalid_argument when the model has no such entry.
double depolarizing_parameter(const NoiseModel& model, const std::string& gate,
                              const std::vector<unsigned>& qubits);
/// The channels after `gate` on device `qubits`, in order: the depolarizing
/// channel (if any) on all qubits, then each qubit's thermal relaxation for
/// the gate's length (their tensor product, as one-qubit channels). The
/// channels' qubits are device qubits. rz (error 0, length 0): none.
/// Throws std::invalid_argument naming the gate and qubits when the entry
/// is missing or faulty.
std::vector<sim::Channel> gate_channels(const NoiseModel& model, const std::string& gate,
                                        const std::vector<unsigned>& qubits);

// ---- circuits -------------------------------------------------------------

struct NoiseOptions {
  /// Add thermal relaxation while a qubit waits for others (as-soon-as-
  /// possible schedule) and during delays. Off: exactly the per-gate model.
  bool idle_noise = true;
};

/// The circuit with its noise: the used device qubits mapped to 0 .. k-1 in
/// ascending order (NoisyCircuit::physical), each gate's channels after it,
/// a readout error per used qubit, and (idle_noise) relaxation for idle
/// times. A circuit on `$n` qubits uses device qubit n; one on declared
/// qubits uses qubit i as device qubit i. Throws LocatedError (error_at) for
/// a gate outside the basis, an uncalibrated or faulty gate, a qubit the
/// device does not have, or a delay it cannot time.
sim::NoisyCircuit attach_noise(const Circuit& circuit, const NoiseModel& model, NoiseOptions options = {});

}  // namespace qforge::noise
