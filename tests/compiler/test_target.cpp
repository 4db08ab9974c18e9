// Targets and coupling maps: SPEC parsing, IBM heavy-hex layouts, checker.
#include "qforge/target.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace qforge {
namespace {

TEST(CouplingMap, SimpleForms) {
  EXPECT_EQ(CouplingMap::parse("line:5").edges.size(), 4u);
  EXPECT_EQ(CouplingMap::parse("ring:5").edges.size(), 5u);
  CouplingMap g = CouplingMap::parse("grid:3x4");
  EXPECT_EQ(g.num_qubits, 12u);
  EXPECT_EQ(g.edges.size(), 17u);
  EXPECT_EQ(g.distance[0][11], 5u);
  CouplingMap j = CouplingMap::parse("[[0,1],[1,2],[2,0],[2,3]]");
  EXPECT_EQ(j.num_qubits, 4u);
  EXPECT_TRUE(j.connected(3, 2));
  EXPECT_FALSE(j.connected(0, 3));
}

TEST(CouplingMap, BadSpecsNameTheProblem) {
  EXPECT_THROW(CouplingMap::parse("line:0"), std::invalid_argument);
  EXPECT_THROW(CouplingMap::parse("grid:3"), std::invalid_argument);
  EXPECT_THROW(CouplingMap::parse("torus:4"), std::invalid_argument);
  EXPECT_THROW(CouplingMap::parse("[[0,1],[2,3]]"), std::invalid_argument);  // not connected
  EXPECT_THROW(CouplingMap::parse("[[0,1,2]]"), std::invalid_argument);
  try {
    CouplingMap::parse("torus:4");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("torus"), std::string::npos);
  }
}

TEST(CouplingMap, EagleHeavyHex) {
  CouplingMap m = CouplingMap::heavy_hex(127);
  EXPECT_EQ(m.num_qubits, 127u);
  EXPECT_EQ(m.edges.size(), 144u);
  EXPECT_TRUE(m.is_connected_graph());
  // IBM's numbering: bridges 14 (0-18), 33 (20-39), 109..112 to the last row.
  EXPECT_TRUE(m.connected(0, 14));
  EXPECT_TRUE(m.connected(14, 18));
  EXPECT_TRUE(m.connected(20, 33));
  EXPECT_TRUE(m.connected(33, 39));
  EXPECT_TRUE(m.connected(112, 126));
  EXPECT_TRUE(m.connected(113, 114));
  for (uint32_t q = 0; q < 127; ++q) EXPECT_LE(m.neighbours[q].size(), 3u);
}

TEST(CouplingMap, HeronHeavyHex) {
  CouplingMap m = CouplingMap::heavy_hex(133);
  EXPECT_EQ(m.num_qubits, 133u);
  EXPECT_TRUE(m.is_connected_graph());
  EXPECT_TRUE(m.connected(0, 15));
  EXPECT_TRUE(m.connected(15, 19));
  EXPECT_TRUE(m.connected(21, 34));
  EXPECT_TRUE(m.connected(34, 40));
  for (uint32_t q = 0; q < 133; ++q) EXPECT_LE(m.neighbours[q].size(), 3u);
}

TEST(Target, NamedTargets) {
  Target n = make_target("nam");
  EXPECT_FALSE(n.coupling);
  EXPECT_EQ(n.basis_text(), "{h, x, cx, rz}");
  Target e = make_target("ibm_eagle");
  EXPECT_EQ(e.coupling->num_qubits, 127u);
  EXPECT_TRUE(e.allows(GateId::ECR));
  EXPECT_FALSE(e.allows(GateId::CX));
  Target h = make_target("ibm_heron", "line:7");
  EXPECT_EQ(h.coupling->num_qubits, 7u);
  EXPECT_TRUE(make_target("generic").allows(GateId::CCX));
  EXPECT_THROW(make_target("ibm_osprey"), std::invalid_argument);
}

TEST(Target, CheckerFindsViolations) {
  Target t = make_target("ibm_heron", "line:3");
  Circuit c;
  c.num_qubits = 3;
  c.physical_qubits = true;
  Operation cz;
  cz.gate = GateId::CZ;
  cz.qubits = {0, 1};
  c.ops.push_back(cz);
  EXPECT_EQ(check_target(c, t), "");
  c.ops[0].qubits = {0, 2};
  EXPECT_NE(check_target(c, t).find("not coupled"), std::string::npos);
  c.ops[0].qubits = {0, 1};
  c.ops[0].gate = GateId::CX;
  EXPECT_NE(check_target(c, t).find("not in the basis"), std::string::npos);
  c.physical_qubits = false;
  EXPECT_NE(check_target(c, t), "");
}

}  // namespace
}  // namespace qforge
