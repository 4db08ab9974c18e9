// The canonical layout (qforge/format.hpp): golden layouts of hand-written
// messy programs (OpenQASM 3 and 2, comments everywhere, gate bodies,
// control flow, modifiers, declarations), written by hand; and over
// circuits/ and the shared corpus, that formatting is idempotent, keeps
// every comment in its order and compiles to the same IR (or the same
// errors) as the original.
#include "qforge/format.hpp"

#include "qforge/emit.hpp"
#include "qforge/frontend.hpp"

#include "test_frontend_helpers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace qforge {
namespace {

using test_frontend::comments_in;
using test_frontend::program_files;

std::string fmt(const std::string& source) {
  DiagnosticSink diags;
  auto out = format::format_source(source, "test.qasm", diags);
  EXPECT_TRUE(out.has_value()) << diags.format();
  return out.value_or("");
}

/// The IR text without the source line of each operation (`; line 12`),
/// which formatting moves.
std::string ir_without_lines(const Circuit& c) {
  static const std::regex line_note(R"(\s*; line \d+$)");
  std::istringstream in(emit_ir(c));
  std::string out, line;
  while (std::getline(in, line)) out += std::regex_replace(line, line_note, "") + "\n";
  return out;
}

/// The messages of a failed compilation without their locations (which
/// formatting moves).
std::vector<std::string> messages(const DiagnosticSink& d) {
  std::vector<std::string> out;
  for (const auto& x : d.all()) out.push_back(x.message);
  return out;
}

/// `formatted` compiles (as `path`) to the IR of `original`, or fails
/// with the same messages.
void expect_same_program(const std::string& original, const std::string& formatted, const std::string& path,
                         std::size_t* same_ir = nullptr) {
  DiagnosticSink before, after;
  const Circuit a = compile_source(original, path, CompileOptions{}, before);
  const Circuit b = compile_source(formatted, path, CompileOptions{}, after);
  EXPECT_EQ(before.has_errors(), after.has_errors()) << path;
  if (before.has_errors() || after.has_errors()) {
    EXPECT_EQ(messages(after), messages(before)) << path;
  } else {
    EXPECT_EQ(ir_without_lines(b), ir_without_lines(a)) << path << ": the formatted program compiles to another IR";
    if (same_ir) ++*same_ir;
  }
}

struct Golden {
  const char* name;
  const char* source;
  const char* expected;
};

class FormatGolden : public ::testing::TestWithParam<Golden> {};

TEST_P(FormatGolden, LayoutIsCanonicalAndIdempotent) {
  const Golden& g = GetParam();
  const std::string once = fmt(g.source);
  EXPECT_EQ(once, g.expected);
  EXPECT_EQ(fmt(once), once);
  expect_same_program(g.source, once, "test.qasm");
}

const Golden kGoldens[] = {
    {"Qasm3CommentsEverywhere",
     R"(// header comment
OPENQASM 3.0;   // version
include "stdgates.inc";


/* block
   comment */
qubit[2]   q ; // trailing
bit[2] c;
input float[64]  theta;
const int[32] n=2*(3+1);
gate g(a,b)  x,y {
  // inside
    rz( a+b ) x;cx x,y; /* after cx */
  // closing
}
@foo.bar some text
ctrl(1) @ inv@ g(pi/2,-theta) q[0],q[1];
c[0]=measure q[0];
if(c[0]==1){x q[1];}else h q[1];
for int i in [0:2:4]{rx(i*0.1) q[0];}
while (n > 3) { // loop
break;
}
measure q->c;
// end
)",
     R"(// header comment
OPENQASM 3.0; // version
include "stdgates.inc";

/* block
   comment */
qubit[2] q; // trailing
bit[2] c;
input float[64] theta;
const int[32] n = 2 * (3 + 1);
gate g(a, b) x, y {
  // inside
  rz(a + b) x;
  cx x, y; /* after cx */
  // closing
}
@foo.bar some text
ctrl(1) @ inv @ g(pi / 2, -theta) q[0], q[1];
c[0] = measure q[0];
if (c[0] == 1) {
  x q[1];
} else h q[1];
for int i in [0:2:4] {
  rx(i * 0.1) q[0];
}
while (n > 3) {
  // loop
  break;
}
measure q -> c;
// end
)"},
    {"Qasm2",
     R"(OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];creg c[3];
gate maj a,b,c
{
cx c,b;
  cx c,a;   // second
      ccx a,b,c;
}
gate ry2(theta) a { u3(theta,0,0) a; }
U(pi/2,0,pi) q[0];CX q[0],q[1];
barrier q;
ry2(0.3e-1) q[2];
maj q[0],q[1],q[2];
measure q->c;
if(c==5) x q[0];
reset q[1];
)",
     R"(OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
creg c[3];
gate maj a, b, c {
  cx c, b;
  cx c, a; // second
  ccx a, b, c;
}
gate ry2(theta) a {
  u3(theta, 0, 0) a;
}
U(pi / 2, 0, pi) q[0];
CX q[0], q[1];
barrier q;
ry2(0.3e-1) q[2];
maj q[0], q[1], q[2];
measure q -> c;
if (c == 5) x q[0];
reset q[1];
)"},
    {"DeclarationsAndSubroutines",
     R"(OPENQASM 3;
include "stdgates.inc";
const float[64] half=0.5;
angle[20] a = pi;
bool flag=true;
int x=0x1F;
array[int[32],2,2] m={{1,2},{3,4}};
qubit[4] q;
let pair=q[0:1];
let both = q[0] ++ q[3];
def parity(bit[2] b)->bit{ return b[0]^b[1]; }
def rot(float[64] t,qubit r){rz(t) r;}
extern ext(int[32], float[64]) -> float[64];
output bit[2] out;
bit[2] c = "01";
duration d=100ns;
x+=1;
x <<= 2;
rot(half*2,q[2]);
gphase(pi);
pow(2) @ negctrl @ x q[0], q[1];
box [d] { delay[50ns] q[0]; nop q[1]; }
barrier;
out = measure q[{0, 2}];
m[0][1] = -(-x) + float[64](x) ** 2 % 3;
)",
     R"(OPENQASM 3;
include "stdgates.inc";
const float[64] half = 0.5;
angle[20] a = pi;
bool flag = true;
int x = 0x1F;
array[int[32], 2, 2] m = {{1, 2}, {3, 4}};
qubit[4] q;
let pair = q[0:1];
let both = q[0] ++ q[3];
def parity(bit[2] b) -> bit {
  return b[0] ^ b[1];
}
def rot(float[64] t, qubit r) {
  rz(t) r;
}
extern ext(int[32], float[64]) -> float[64];
output bit[2] out;
bit[2] c = "01";
duration d = 100ns;
x += 1;
x <<= 2;
rot(half * 2, q[2]);
gphase(pi);
pow(2) @ negctrl @ x q[0], q[1];
box[d] {
  delay[50ns] q[0];
  nop q[1];
}
barrier;
out = measure q[{0, 2}];
m[0][1] = -(-x) + float[64](x) ** 2 % 3;
)"},
    {"ControlFlowAndInteriorComments",
     R"(OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
bit[2] c;
int i=0;
switch(i){
  // first case
  case 0,1 { x q[0]; }
  default {}
}
if (c[0]) { h q[0]; } // after then
else if (c[1]) { h q[1]; }
else { reset q; }
for uint j in {1, 5 , 2} { i = i + j; continue; }
while (i < /* limit */ 10) { i += 1; }
for int k in [0 : 3] {
}
rz(pi // half a turn
  / 2) q[0];
{ x q[1]; }
)",
     R"(OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
bit[2] c;
int i = 0;
switch (i) {
  // first case
  case 0, 1 {
    x q[0];
  }
  default {}
}
if (c[0]) {
  h q[0];
} // after then
else if (c[1]) {
  h q[1];
} else {
  reset q;
}
for uint j in {1, 5, 2} {
  i = i + j;
  continue;
}
while (i < /* limit */ 10) {
  i += 1;
}
for int k in [0:3] {}
rz(pi // half a turn
    / 2) q[0];
{
  x q[1];
}
)"},
    {"CalibrationPragmasAnnotationsHardwareQubits",
     "OPENQASM 3.0;\ndefcalgrammar \"openpulse\";\ncal { extern port d0; }\n"
     "defcal x $0 { play(d0, gaussian(1.0, 160dt, 40dt)); }\n#pragma  braket verbatim\nbox { x $0; }\n"
     "duration t = durationof({x $0; x $1;});\nqubit[2] q;\nfor int i in [0:1] {\n  @ann one\n  x q[i];\n}\n"
     "complex[float[64]] z = 1.0 + 2.0im;\n",
     "OPENQASM 3.0;\ndefcalgrammar \"openpulse\";\ncal { extern port d0; }\n"
     "defcal x $0 { play(d0, gaussian(1.0, 160dt, 40dt)); }\npragma braket verbatim\nbox {\n  x $0;\n}\n"
     "duration t = durationof({\n  x $0;\n  x $1;\n});\nqubit[2] q;\nfor int i in [0:1] {\n  @ann one\n"
     "  x q[i];\n}\ncomplex[float[64]] z = 1.0 + 2.0im;\n"},
};

INSTANTIATE_TEST_SUITE_P(Format, FormatGolden, ::testing::ValuesIn(kGoldens),
                         [](const ::testing::TestParamInfo<Golden>& info) { return std::string(info.param.name); });

TEST(Format, SyntaxErrorsAreReportedAsCheckReportsThem) {
  const std::string source = "OPENQASM 3.0;\nqubit q\nx q;\n";
  DiagnosticSink fmt_diags, check_diags;
  EXPECT_FALSE(format::format_source(source, "test.qasm", fmt_diags).has_value());
  compile_source(source, "test.qasm", CompileOptions{}, check_diags);
  EXPECT_TRUE(fmt_diags.has_errors());
  EXPECT_EQ(fmt_diags.format(), check_diags.format());
}

// ---------------------------------------------------------------- corpus

TEST(Format, CommentScannerFindsCommentsInOrder) {
  EXPECT_EQ(comments_in("OPENQASM 3; // a\ninclude \"x//y\";\n/* b\n c */ x q;\npragma p // not\n"),
            (std::vector<std::string>{"// a", "/* b\n c */"}));
}

TEST(Format, EveryProgramRoundTrips) {
  const auto files = program_files();
  if (!std::getenv("QFORGE_CORPUS")) std::fprintf(stderr, "QFORGE_CORPUS is not set: circuits/ only\n");
  ASSERT_FALSE(files.empty());
  std::size_t formatted = 0, same_ir = 0, invalid = 0;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    DiagnosticSink diags;
    const auto once = format::format_source(text, path, diags);
    if (!once) {  // a program with syntax errors is not formatted: it must fail to compile too
      DiagnosticSink check;
      compile_source(text, path, CompileOptions{}, check);
      EXPECT_TRUE(check.has_errors()) << path;
      ++invalid;
      continue;
    }
    ++formatted;
    DiagnosticSink again_diags;
    const auto twice = format::format_source(*once, path, again_diags);
    ASSERT_TRUE(twice.has_value()) << path << ": the formatted text does not parse:\n" << again_diags.format()
                                   << *once;
    EXPECT_EQ(*twice, *once) << path << ": not idempotent";
    EXPECT_EQ(comments_in(*once), comments_in(text)) << path << ": comments lost or moved out of order";
    expect_same_program(text, *once, path, &same_ir);
  }
  std::fprintf(stderr, "%zu programs formatted (%zu compiled to the same IR), %zu with syntax errors left alone\n",
               formatted, same_ir, invalid);
  EXPECT_GT(same_ir, 0u);
}

}  // namespace
}  // namespace qforge
