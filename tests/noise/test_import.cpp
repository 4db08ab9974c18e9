// Importing IBM calibration files: counts and repairs on the committed tiny
// device and on the shared fez and sherbrooke snapshots, the model file's
// round trip, and exact messages for malformed input.
#include "noise_test_util.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>
#include <unistd.h>

namespace qforge::noise {
namespace {

using namespace qforge::noise::test;

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::map<std::string, std::size_t> gate_counts(const NoiseModel& m) {
  std::map<std::string, std::size_t> out;
  for (const auto& g : m.gates) ++out[g.gate];
  return out;
}

/// The message of the NoiseFormatError `f` throws ("" if none).
template <class F>
std::string format_error(F f) {
  try {
    f();
  } catch (const NoiseFormatError& e) {
    return e.what();
  }
  return "";
}

TEST(Import, TinyDeviceCountsAndRepairs) {
  const NoiseModel m = import_ibm_files(tiny_props(), tiny_conf());
  EXPECT_EQ(m.backend_name, "tiny_eagle");
  EXPECT_EQ(m.sources, (std::vector<std::string>{"props_tiny.json", "conf_tiny.json"}));
  ASSERT_EQ(m.qubits.size(), 4u);
  EXPECT_EQ(m.gates.size(), 22u);
  EXPECT_EQ(gate_counts(m), (std::map<std::string, std::size_t>{
                                {"ecr", 2}, {"id", 4}, {"reset", 4}, {"rz", 4}, {"sx", 4}, {"x", 4}}));
  ASSERT_EQ(m.repairs.faulty.size(), 1u);
  EXPECT_EQ(m.repairs.faulty[0].gate, "ecr");
  EXPECT_EQ(m.repairs.faulty[0].qubits, (std::vector<unsigned>{1, 2}));
  EXPECT_EQ(m.repairs.faulty[0].error, 1.0);
  EXPECT_EQ(m.repairs.t2_clipped, (std::vector<unsigned>{1}));
  ASSERT_EQ(m.repairs.missing.size(), 3u);
  EXPECT_EQ(m.repairs.missing[0].item, "qubit 2");
  EXPECT_EQ(m.repairs.missing[0].field, "T2");
  EXPECT_EQ(m.repairs.missing[1].field, "prob_meas1_prep0, prob_meas0_prep1");
  EXPECT_EQ(m.repairs.missing[1].assumed, "readout_error for both");
  EXPECT_EQ(m.repairs.missing[2].item, "x $3");
  EXPECT_EQ(m.repairs.missing[2].field, "gate_error");
  EXPECT_EQ(m.basis, (std::vector<std::string>{"ecr", "id", "rz", "sx", "x"}));
  EXPECT_EQ(m.coupling_map.size(), 3u);
  ASSERT_TRUE(m.dt.has_value());
  EXPECT_NEAR(*m.dt, 0.2222222222222222e-9, 1e-24);

  // SI units: T1 100 us, T2 80 us, readout 1000 ns; clipped T2 = 2 * 50 us;
  // missing T2 = 2 * 80 us; readout_error 0.025 for both directions.
  EXPECT_NEAR(*m.qubits[0].t1, 100e-6, 1e-18);
  EXPECT_NEAR(*m.qubits[0].t2, 80e-6, 1e-18);
  EXPECT_NEAR(m.qubits[0].readout_length, 1000e-9, 1e-21);
  EXPECT_EQ(m.qubits[0].p1_given_0, 0.01);
  EXPECT_EQ(m.qubits[0].p0_given_1, 0.03);
  EXPECT_NEAR(*m.qubits[1].t2, 100e-6, 1e-18);
  EXPECT_NEAR(*m.qubits[2].t2, 160e-6, 1e-18);
  EXPECT_EQ(m.qubits[2].p1_given_0, 0.025);
  EXPECT_EQ(m.qubits[2].p0_given_1, 0.025);
  // Virtual rz and directed ecr.
  ASSERT_NE(m.find("rz", {2}), nullptr);
  EXPECT_EQ(m.find("rz", {2})->error, 0.0);
  EXPECT_EQ(m.find("rz", {2})->length, 0.0);
  EXPECT_NE(m.find("ecr", {3, 2}), nullptr);
  EXPECT_EQ(m.find("ecr", {2, 3}), nullptr);
  EXPECT_EQ(m.find("ecr", {1, 2}), nullptr);
  EXPECT_NE(m.find_faulty("ecr", {1, 2}), nullptr);
}

TEST(Import, ReimportAndRoundTripAreByteIdentical) {
  const std::string a = to_json(import_ibm_files(tiny_props(), tiny_conf()));
  const std::string b = to_json(import_ibm_files(tiny_props(), tiny_conf()));
  EXPECT_EQ(a, b);
  const auto path = std::filesystem::temp_directory_path() / ("qforge_noise_roundtrip_" + std::to_string(::getpid()) + ".json");
  write_noise_model(path.string(), import_ibm_files(tiny_props(), tiny_conf()));
  EXPECT_EQ(slurp(path.string()), a);
  EXPECT_EQ(to_json(read_noise_model(path.string())), a);
  std::filesystem::remove(path);
  EXPECT_NE(a.find("\"format\": \"qforge-noise-model\""), std::string::npos);
  EXPECT_NE(a.find("\"version\": 1"), std::string::npos);
}

TEST(Import, WithoutConfigurationTakesBasisAndCouplingFromTheGates) {
  const NoiseModel m = import_ibm_files(tiny_props(), "");
  EXPECT_EQ(m.basis, (std::vector<std::string>{"ecr", "id", "rz", "sx", "x"}));
  EXPECT_EQ(m.coupling_map, (std::vector<std::pair<unsigned, unsigned>>{{0, 1}, {1, 2}, {3, 2}}));
  EXPECT_FALSE(m.dt.has_value());
  EXPECT_EQ(m.repairs.missing.size(), 6u);  // the 3 of the properties + basis, coupling map, dt
}

TEST(Import, MalformedInputNamesFileAndJsonPath) {
  const std::string props = slurp(tiny_props()), conf = slurp(tiny_conf());
  auto edited = [&](auto edit) {
    nlohmann::json j = nlohmann::json::parse(props);
    edit(j);
    return j.dump();
  };
  const std::vector<std::string> names{"props.json", "conf.json"};
  EXPECT_EQ(format_error([&] { import_ibm(edited([](auto& j) { j["qubits"][1][0]["value"] = "long"; }), conf, names); }),
            "props.json: qubits[1][0].value: expected a number, got a string");
  EXPECT_EQ(format_error([&] { import_ibm(edited([](auto& j) { j["gates"][2]["qubits"][0] = 9; }), conf, names); }),
            "props.json: gates[2].qubits[0]: qubit 9 is out of range (0 .. 4)");
  EXPECT_EQ(format_error([&] { import_ibm(edited([](auto& j) { j.erase("gates"); }), conf, names); }),
            "props.json: gates: missing");
  EXPECT_EQ(format_error([&] { import_ibm(edited([](auto& j) { j["qubits"][0][0]["unit"] = "fortnight"; }), conf, names); }),
            "props.json: qubits[0][0].unit: unknown time unit 'fortnight'");
  EXPECT_EQ(format_error([&] { import_ibm(edited([](auto& j) { j["qubits"][3][3]["value"] = 1.5; }), conf, names); }),
            "props.json: qubits[3][3].value: expected a probability in [0, 1], got 1.5");
  EXPECT_EQ(format_error([&] { import_ibm(props, "{\"n_qubits\": 5, \"basis_gates\": []}", names); }),
            "conf.json: n_qubits: is 5 but props.json lists 4 qubits");
  EXPECT_EQ(format_error([&] { import_ibm(props, "{\"n_qubits\": 4}", names); }), "conf.json: basis_gates: missing");
  EXPECT_EQ(format_error([&] { import_ibm("{\"qubits\": [", conf, names); }).rfind("props.json: invalid JSON: ", 0), 0u);

  std::string model = to_json(import_ibm_files(tiny_props(), tiny_conf()));
  std::string v2 = model;
  v2.replace(v2.find("\"version\": 1"), 12, "\"version\": 2");
  EXPECT_EQ(format_error([&] { model_from_json(v2, "dev.json"); }), "dev.json: version: this qforge reads version 1, got 2");
  nlohmann::json j = nlohmann::json::parse(model);
  j["gates"][0]["length"] = -1;
  EXPECT_EQ(format_error([&] { model_from_json(j.dump(), "dev.json"); }), "dev.json: gates[0].length: a duration cannot be negative");
}

// The shared snapshots. Expected counts come from an independent one-liner
// over the raw files (gate entries with gate_error < 1 or none, per name):
//   python3 -c "import json,collections as c; p=json.load(open('props_fez.json'));
//     print(len(p['qubits']), c.Counter(g['gate'] for g in p['gates'] if
//     {x['name']:x['value'] for x in g['parameters']}.get('gate_error',0) < 1))"
// (one line)
// and for T2 > 2*T1: [i for i,q in enumerate(p['qubits']) if T2(q) > 2*T1(q)].
TEST(Import, SharedFezAndSherbrookeSnapshots) {
  QFORGE_CALIBRATION_DIR_OR_SKIP(dir);
  const NoiseModel fez = ibm_model(dir, "fez");
  EXPECT_EQ(fez.backend_name, "ibm_fez");
  EXPECT_EQ(fez.qubits.size(), 156u);
  EXPECT_EQ(gate_counts(fez), (std::map<std::string, std::size_t>{{"cz", 338}, {"id", 156}, {"reset", 156}, {"rx", 156},
                                                                  {"rz", 156}, {"rzz", 254}, {"sx", 156}, {"x", 156}}));
  EXPECT_EQ(fez.repairs.faulty.size(), 112u);
  EXPECT_EQ(fez.repairs.t2_clipped, (std::vector<unsigned>{87}));
  EXPECT_EQ(fez.repairs.missing.size(), 0u);
  EXPECT_EQ(fez.coupling_map.size(), 352u);
  EXPECT_EQ(fez.basis, (std::vector<std::string>{"cz", "id", "rz", "sx", "x"}));

  const NoiseModel sh = ibm_model(dir, "sherbrooke");
  EXPECT_EQ(sh.qubits.size(), 127u);
  EXPECT_EQ(gate_counts(sh), (std::map<std::string, std::size_t>{
                                 {"ecr", 135}, {"id", 127}, {"reset", 127}, {"rz", 127}, {"sx", 127}, {"x", 127}}));
  EXPECT_EQ(sh.repairs.faulty.size(), 9u);
  EXPECT_TRUE(sh.repairs.t2_clipped.empty());
  EXPECT_EQ(sh.repairs.missing.size(), 0u);
  EXPECT_EQ(sh.coupling_map.size(), 144u);
  EXPECT_EQ(to_json(sh), to_json(model_from_json(to_json(sh), "sherbrooke")));
}

// Aer's depolarizing parameter, by hand. For one qubit, zero temperature,
// the relaxation's sum_k |tr K_k|^2 is S = 1 + exp(-t/T1) + 2 exp(-t/T2)
// (trace of K0 = a(1+s), K1 = b(1-s), K2 traceless: a^2(1+s)^2 + b^2(1-s)^2
// = 1 + s^2 + 2cs); for two qubits the product. F_r = (S + d)/(d(d+1)),
// p = d (e - (1 - F_r)) / (d F_r - 1).
//  fez sx $0: T1 48.806207822303335 us, T2 42.37959748613206 us, t 24 ns,
//    e 0.0007640689403641555: S = 3.9983760803279087, F_r = 0.9997293467213181,
//    p = 2 (0.0007640689 - 0.0002706533) / (2 * 0.9997293467 - 1) = 0.0009873657909416234
//  fez x $87 (T2 56.84 us clipped to 2*T1 = 54.30 us), t 24 ns, e 0.00016902367555621223
//    < 1 - F_r = 0.00029457779: no depolarizing channel, p = 0
//  fez cz $0,$1: t 84 ns, e 0.0101566715843735; S0 = 3.994320142088081,
//    S1 (T1 255.7051713972407 us, T2 302.79087382213305 us) = 3.999116789189883,
//    F_r = (S0 S1 + 4)/20 = 0.9986876370811881, p = 4 (e - 0.0013123629) / (4 F_r - 1) = 0.011813082288952698
//  sherbrooke sx $0: T1 381.5685857300125 us, T2 131.70442930164933 us, t 56.888888888888886 ns,
//    e 0.00028775142091170115: F_r = 0.9998312030394844, p = 0.00023798926452109917
//  sherbrooke x $5: T1 172.75909991425792 us, T2 78.91898308667757 us, e 0.0008688729537230527:
//    F_r = 0.9997049290200111, p = 0.001148281596620278
//  sherbrooke ecr $1,$0 (directed): t 533.3333333333333 ns, e 0.007494257741828603,
//    S1 = 3.993476287135489, S0 = 3.9905206703780824, F_r = 0.9968024835239444, p = 0.00575351764431464
TEST(Import, DepolarizingParametersMatchAersFormulaByHand) {
  QFORGE_CALIBRATION_DIR_OR_SKIP(dir);
  const NoiseModel fez = ibm_model(dir, "fez");
  EXPECT_NEAR(depolarizing_parameter(fez, "sx", {0}), 0.0009873657909416234, 1e-9);
  EXPECT_EQ(depolarizing_parameter(fez, "x", {87}), 0.0);
  EXPECT_NEAR(depolarizing_parameter(fez, "cz", {0, 1}), 0.011813082288952698, 1e-9);
  EXPECT_NEAR(depolarizing_parameter(fez, "cz", {1, 0}), 0.011813082288952698, 1e-9);
  const NoiseModel sh = ibm_model(dir, "sherbrooke");
  EXPECT_NEAR(depolarizing_parameter(sh, "sx", {0}), 0.00023798926452109917, 1e-9);
  EXPECT_NEAR(depolarizing_parameter(sh, "x", {5}), 0.001148281596620278, 1e-9);
  EXPECT_NEAR(depolarizing_parameter(sh, "ecr", {1, 0}), 0.00575351764431464, 1e-9);
}

}  // namespace
}  // namespace qforge::noise
