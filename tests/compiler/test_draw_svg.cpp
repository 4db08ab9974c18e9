// The circuit diagram (draw_svg / draw_png): gates as boxes with their
// parameters, controls, targets, measures, columns as the text drawer's.
#include "qforge/draw.hpp"
#include "qforge/frontend.hpp"

#include <gtest/gtest.h>

#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#include <stb/stb_image.h>

#include <cmath>
#include <regex>
#include <set>

namespace qforge {
namespace {

Circuit compile(const std::string& src) {
  DiagnosticSink diags;
  Circuit c = compile_source(src, "test.qasm", CompileOptions{}, diags);
  EXPECT_FALSE(diags.has_errors()) << diags.format();
  return c;
}

int count(const std::string& s, const std::string& what) {
  int n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

const char* kLean = R"(OPENQASM 3.0;
include "stdgates.inc";
input array[float[64], 4] x;
input array[float[64], 4] theta;
qubit[4] q;
h q;
for int i in [0:3] { u1(2 * x[i]) q[i]; }
cx q[0], q[1]; cx q[1], q[2]; cx q[2], q[3];
for int i in [0:3] { ry(theta[i]) q[i]; }
rz(pi/2) q[0];
)";

TEST(DrawSvg, GatesAsBoxesWithParameters) {
  std::string svg = draw_svg(compile(kLean));
  ASSERT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_EQ(count(svg, ">H</text>"), 4);
  EXPECT_EQ(count(svg, ">U1</text>"), 4);
  EXPECT_EQ(count(svg, ">Ry</text>"), 4);
  EXPECT_EQ(count(svg, ">Rz</text>"), 1);
  EXPECT_NE(svg.find(">2*x[0]</text>"), std::string::npos);
  EXPECT_NE(svg.find(">theta[3]</text>"), std::string::npos);
  EXPECT_NE(svg.find(">π/2</text>"), std::string::npos);
  EXPECT_NE(svg.find(">q₀</text>"), std::string::npos);
  EXPECT_NE(svg.find(">q₃</text>"), std::string::npos);
  // Three CNOTs: three ⊕ targets (r 14) and three control dots (r 6.5).
  EXPECT_EQ(count(svg, "r=\"14\""), 3);
  EXPECT_EQ(count(svg, "r=\"6.5\""), 3);
  // `h q` fills one column: the four H boxes share their x.
  std::regex hbox("<rect x=\"([0-9.]+)\" y=\"[0-9.]+\" width=\"[0-9.]+\" height=\"40\" fill=\"#FA4D56\"");
  std::set<std::string> xs;
  int n = 0;
  for (std::sregex_iterator it(svg.begin(), svg.end(), hbox), e; it != e; ++it, ++n) xs.insert((*it)[1]);
  EXPECT_EQ(n, 4);
  EXPECT_EQ(xs.size(), 1u);
}

TEST(DrawSvg, MeasuresBarriersSwapsConditions) {
  std::string svg = draw_svg(compile(R"(OPENQASM 3.0;
include "stdgates.inc";
qubit[3] q;
bit[2] c;
h q[0];
ccx q[0], q[1], q[2];
swap q[1], q[2];
barrier q;
cp(pi/4) q[0], q[2];
reset q[1];
c[0] = measure q[0];
c[1] = measure q[2];
if (c == 1) x q[1];
)"));
  EXPECT_NE(svg.find(">c</text>"), std::string::npos);          // classical wire
  EXPECT_EQ(count(svg, "stroke-dasharray"), 1);                 // the barrier
  EXPECT_EQ(count(svg, "<path d=\"M"), 2);                      // two meters
  EXPECT_NE(svg.find(">|0⟩</text>"), std::string::npos);       // reset
  // The condition as Qiskit's matplotlib drawer draws it: a filled circle
  // on the register's wire, the value under it.
  EXPECT_NE(svg.find(">0x1</text>"), std::string::npos);
  EXPECT_EQ(count(svg, "r=\"6\" fill=\"#778899\""), 1);
  EXPECT_NE(svg.find(">P</text>"), std::string::npos);          // cp box on its target
  EXPECT_NE(svg.find(">π/4</text>"), std::string::npos);
}

TEST(DrawPng, SameDiagramRasterised) {
  Circuit c = compile(kLean);
  std::string svg = draw_svg(c);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, std::regex("width=\"([0-9.]+)\" height=\"([0-9.]+)\"")));
  double w = std::stod(m[1]), h = std::stod(m[2]);
  std::string png = draw_png(c, 1.5);
  ASSERT_GT(png.size(), 8u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  int pw = 0, ph = 0, ch = 0;
  unsigned char* px = stbi_load_from_memory(reinterpret_cast<const unsigned char*>(png.data()), int(png.size()),
                                            &pw, &ph, &ch, 3);
  ASSERT_NE(px, nullptr);
  EXPECT_EQ(pw, int(std::ceil(w * 1.5)));
  EXPECT_EQ(ph, int(std::ceil(h * 1.5)));
  // White background, and the red of the H boxes somewhere.
  EXPECT_EQ(px[0], 255);
  bool red = false;
  for (int i = 0; i < pw * ph && !red; ++i) red = px[3 * i] == 0xFA && px[3 * i + 1] == 0x4D && px[3 * i + 2] == 0x56;
  EXPECT_TRUE(red);
  stbi_image_free(px);
}

}  // namespace
}  // namespace qforge
