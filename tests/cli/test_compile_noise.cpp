// `qforge compile --noise M`: the committed tiny calibration imported with
// `qforge noise import`, a circuit compiled for it end to end, and the
// messages for misuse and for a circuit too big for its healthy part.
#include "cli_helpers.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

const std::string kData = std::string(QFORGE_SOURCE_DIR) + "/tests/noise/data";

fs::path tiny_model(const fs::path& d) {
  const fs::path out = d / "tiny.noise.json";
  Result r = qforge("noise import " + kData + "/props_tiny.json " + kData + "/conf_tiny.json -o " + out.string());
  EXPECT_EQ(r.status, 0) << r.out;
  return out;
}

TEST(CompileNoise, TinyDeviceEndToEnd) {
  const fs::path d = temp_dir() / "compile_noise";
  fs::create_directories(d);
  const fs::path model = tiny_model(d);
  write(d, "bell.qasm",
        "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[2] q;\nbit[2] c;\nh q[1];\ncx q[1], q[0];\nc = measure q;\n");
  Result r = qforge("compile bell.qasm -O2 --emit qasm3 --noise " + model.string() + " -o out.qasm", d);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out.rfind("device tiny_eagle: layout [", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("\npredicted fidelity 0."), std::string::npos) << r.out;
  std::ifstream f(d / "out.qasm");
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.rfind("OPENQASM 3.0;\n// qforge-layout initial=[", 0), 0u) << text;
  EXPECT_NE(text.find("]\n// qforge-noise device=tiny_eagle predicted_fidelity=0."), std::string::npos) << text;
  // Only the calibrated, healthy ecr $0, $1 and ecr $3, $2 (ecr $1, $2 is faulty).
  int ecr = 0;
  for (std::size_t at = text.find("\necr "); at != std::string::npos; at = text.find("\necr ", at + 1)) {
    const std::string line = text.substr(at + 1, text.find('\n', at + 1) - at - 1);
    EXPECT_TRUE(line == "ecr $0, $1;" || line == "ecr $3, $2;") << line;
    ++ecr;
  }
  EXPECT_EQ(ecr, 1) << text;
  // The output is the same circuit under its recorded layout.
  Result e = qforge("equiv bell.qasm out.qasm", d);
  EXPECT_EQ(e.status, 0) << e.out;
}

TEST(CompileNoise, TooBigAndMisuse) {
  const fs::path d = temp_dir() / "compile_noise_errors";
  fs::create_directories(d);
  const fs::path model = tiny_model(d);
  write(d, "ghz.qasm", "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[3] q;\nh q[0];\ncx q[0], q[1];\ncx q[1], q[2];\n");
  Result r = qforge("compile ghz.qasm --noise " + model.string(), d);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out,
            "ghz.qasm:6:1: error: the circuit has 3 qubits but tiny_eagle has only 2 usable connected qubits (of 4; "
            "faulty: ecr $1,$2) (this cx uses qubit 2)\n    cx q[1], q[2];\n    ^\n");
  Result t = qforge("compile ghz.qasm --target ibm_eagle --noise " + model.string(), d);
  EXPECT_EQ(t.status, 2);
  EXPECT_EQ(t.out,
            "qforge compile: --noise takes the device's gates and coupling map from the model: drop --target and "
            "--coupling-map\n");
}

}  // namespace
