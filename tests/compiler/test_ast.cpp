// The syntax tree (qforge/ast.hpp): golden trees with every span and comment
// of a few programs (spans checked by hand: lines, characters, bytes of the
// UTF-8 'θ'), syntax errors reported as compiling reports them, and over the
// shared corpus and circuits/, spans that match the text they cover and
// every comment kept exactly once.
#include "qforge/ast.hpp"

#include "test_frontend_helpers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace qforge {
namespace {

using test_frontend::comments_in;
using test_frontend::diagnostics_of;
using test_frontend::program_files;

TEST(Ast, CommentsUtf8AndGateDefinitions) {
  const std::string source = R"(// header comment
OPENQASM 3.0; // version
include "stdgates.inc";
/* block
   comment */
qubit[2] q; // θ trailing
bit[2] c;
gate g(θ) a, b {
  // inside
  rz(θ) a; cx a, b; /* after cx */
  // closing
}
@foo.bar some text
ctrl(1) @ inv @ g(pi / 2) q[0], q[1];
c[0] = measure q[0];
if (c[0] == 1) { x q[1]; } else h q[1];
for int i in [0:2:4] { rx(i * 0.1) q[0]; }
measure q -> c;
// end
)";
  const std::string expected = R"(File test.qasm
  Version 3.0 [2:1-2:14 @18-31]
    leading comment // header comment [1:1-1:18 @0-17]
    trailing comment // version [2:15-2:25 @32-42]
  Include [3:1-3:24 @43-66]
    path stdgates.inc [3:9-3:23 @51-65]
  QuantumDecl [6:1-6:12 @90-101]
    leading comment /* block
   comment */ [4:1-5:14 @67-89]
    trailing comment // θ trailing [6:13-6:26 @102-116]
    type qubit [6:1-6:9 @90-98]
      size Literal 2 [6:7-6:8 @96-97]
    name 'q' [6:10-6:11 @99-100]
  ClassicalDecl [7:1-7:10 @117-126]
    type bit [7:1-7:7 @117-123]
      size Literal 2 [7:5-7:6 @121-122]
    name 'c' [7:8-7:9 @124-125]
  GateDef [8:1-12:2 @127-207]
    name 'g' [8:6-8:7 @132-133]
    param 'θ' [8:8-8:9 @134-136]
    qubit 'a' [8:11-8:12 @138-139]
    qubit 'b' [8:14-8:15 @141-142]
    Block [8:16-12:2 @143-207]
      GateCall [10:3-10:11 @159-168]
        leading comment // inside [9:3-9:12 @147-156]
        name 'rz' [10:3-10:5 @159-161]
        param Identifier 'θ' [10:6-10:7 @162-164]
          name 'θ' [10:6-10:7 @162-164]
        qubit Identifier 'a' [10:9-10:10 @166-167]
          name 'a' [10:9-10:10 @166-167]
      GateCall [10:12-10:20 @169-177]
        trailing comment /* after cx */ [10:21-10:35 @178-192]
        name 'cx' [10:12-10:14 @169-171]
        qubit Identifier 'a' [10:15-10:16 @172-173]
          name 'a' [10:15-10:16 @172-173]
        qubit Identifier 'b' [10:18-10:19 @175-176]
          name 'b' [10:18-10:19 @175-176]
      closing comment // closing [11:3-11:13 @195-205]
  GateCall [13:1-14:38 @208-264]
    annotation @foo.bar some text [13:1-13:19 @208-226]
    modifier ctrl [14:1-14:10 @227-236]
      arg Literal 1 [14:6-14:7 @232-233]
    modifier inv [14:11-14:16 @237-242]
    name 'g' [14:17-14:18 @243-244]
    param Binary / [14:19-14:25 @245-251]
      operand Identifier 'pi' [14:19-14:21 @245-247]
        name 'pi' [14:19-14:21 @245-247]
      operand Literal 2 [14:24-14:25 @250-251]
    qubit Identifier 'q' [14:27-14:31 @253-257]
      name 'q' [14:27-14:28 @253-254]
      index [14:28-14:31 @254-257]
        item Literal 0 [14:29-14:30 @255-256]
    qubit Identifier 'q' [14:33-14:37 @259-263]
      name 'q' [14:33-14:34 @259-260]
      index [14:34-14:37 @260-263]
        item Literal 1 [14:35-14:36 @261-262]
  Assignment [15:1-15:21 @265-285]
    target Identifier 'c' [15:1-15:5 @265-269]
      name 'c' [15:1-15:2 @265-266]
      index [15:2-15:5 @266-269]
        item Literal 0 [15:3-15:4 @267-268]
    op =
    value Measure [15:8-15:20 @272-284]
      qubit Identifier 'q' [15:16-15:20 @280-284]
        name 'q' [15:16-15:17 @280-281]
        index [15:17-15:20 @281-284]
          item Literal 0 [15:18-15:19 @282-283]
  If [16:1-16:40 @286-325]
    condition Binary == [16:5-16:14 @290-299]
      operand Index [16:5-16:9 @290-294]
        operand Identifier 'c' [16:5-16:6 @290-291]
          name 'c' [16:5-16:6 @290-291]
        index [16:6-16:9 @291-294]
          item Literal 0 [16:7-16:8 @292-293]
      operand Literal 1 [16:13-16:14 @298-299]
    Block [16:16-16:27 @301-312]
      GateCall [16:18-16:25 @303-310]
        name 'x' [16:18-16:19 @303-304]
        qubit Identifier 'q' [16:20-16:24 @305-309]
          name 'q' [16:20-16:21 @305-306]
          index [16:21-16:24 @306-309]
            item Literal 1 [16:22-16:23 @307-308]
    GateCall [16:33-16:40 @318-325]
      name 'h' [16:33-16:34 @318-319]
      qubit Identifier 'q' [16:35-16:39 @320-324]
        name 'q' [16:35-16:36 @320-321]
        index [16:36-16:39 @321-324]
          item Literal 1 [16:37-16:38 @322-323]
  For [17:1-17:43 @326-368]
    type int [17:5-17:8 @330-333]
    variable 'i' [17:9-17:10 @334-335]
    iterable Range [17:15-17:20 @340-345]
      start Literal 0 [17:15-17:16 @340-341]
      step Literal 2 [17:17-17:18 @342-343]
      stop Literal 4 [17:19-17:20 @344-345]
    Block [17:22-17:43 @347-368]
      GateCall [17:24-17:41 @349-366]
        name 'rx' [17:24-17:26 @349-351]
        param Binary * [17:27-17:34 @352-359]
          operand Identifier 'i' [17:27-17:28 @352-353]
            name 'i' [17:27-17:28 @352-353]
          operand Literal 0.1 [17:31-17:34 @356-359]
        qubit Identifier 'q' [17:36-17:40 @361-365]
          name 'q' [17:36-17:37 @361-362]
          index [17:37-17:40 @362-365]
            item Literal 0 [17:38-17:39 @363-364]
  Measure [18:1-18:16 @369-384]
    source Measure [18:1-18:10 @369-378]
      qubit Identifier 'q' [18:9-18:10 @377-378]
        name 'q' [18:9-18:10 @377-378]
    target Identifier 'c' [18:14-18:15 @382-383]
      name 'c' [18:14-18:15 @382-383]
  closing comment // end [19:1-19:7 @385-391]
)";
  DiagnosticSink diags;
  ast::File file = ast::parse_source(source, "test.qasm", diags);
  EXPECT_EQ(ast::dump(file), expected);
  EXPECT_EQ(diags.format(), "");
}

TEST(Ast, OpenQasm2) {
  const std::string source = R"(OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];
gate rot(t, p) a { u3(t, p, 0) a; }
rot(pi/4, -0.5) q[0];
barrier q;
reset q[1];
measure q[0] -> c[0];
if (c == 1) x q[1];
)";
  const std::string expected = R"(File test.qasm
  Version 2.0 [1:1-1:14 @0-13]
  Include [2:1-2:22 @14-35]
    path qelib1.inc [2:9-2:21 @22-34]
  OldStyleDecl [3:1-3:11 @36-46]
    qreg 'q' [3:6-3:7 @41-42]
    size Literal 2 [3:8-3:9 @43-44]
  OldStyleDecl [4:1-4:11 @47-57]
    creg 'c' [4:6-4:7 @52-53]
    size Literal 2 [4:8-4:9 @54-55]
  GateDef [5:1-5:36 @58-93]
    name 'rot' [5:6-5:9 @63-66]
    param 't' [5:10-5:11 @67-68]
    param 'p' [5:13-5:14 @70-71]
    qubit 'a' [5:16-5:17 @73-74]
    Block [5:18-5:36 @75-93]
      GateCall [5:20-5:34 @77-91]
        name 'u3' [5:20-5:22 @77-79]
        param Identifier 't' [5:23-5:24 @80-81]
          name 't' [5:23-5:24 @80-81]
        param Identifier 'p' [5:26-5:27 @83-84]
          name 'p' [5:26-5:27 @83-84]
        param Literal 0 [5:29-5:30 @86-87]
        qubit Identifier 'a' [5:32-5:33 @89-90]
          name 'a' [5:32-5:33 @89-90]
  GateCall [6:1-6:22 @94-115]
    name 'rot' [6:1-6:4 @94-97]
    param Binary / [6:5-6:9 @98-102]
      operand Identifier 'pi' [6:5-6:7 @98-100]
        name 'pi' [6:5-6:7 @98-100]
      operand Literal 4 [6:8-6:9 @101-102]
    param Unary - [6:11-6:15 @104-108]
      operand Literal 0.5 [6:12-6:15 @105-108]
    qubit Identifier 'q' [6:17-6:21 @110-114]
      name 'q' [6:17-6:18 @110-111]
      index [6:18-6:21 @111-114]
        item Literal 0 [6:19-6:20 @112-113]
  Barrier [7:1-7:11 @116-126]
    qubit Identifier 'q' [7:9-7:10 @124-125]
      name 'q' [7:9-7:10 @124-125]
  Reset [8:1-8:12 @127-138]
    qubit Identifier 'q' [8:7-8:11 @133-137]
      name 'q' [8:7-8:8 @133-134]
      index [8:8-8:11 @134-137]
        item Literal 1 [8:9-8:10 @135-136]
  Measure [9:1-9:22 @139-160]
    source Measure [9:1-9:13 @139-151]
      qubit Identifier 'q' [9:9-9:13 @147-151]
        name 'q' [9:9-9:10 @147-148]
        index [9:10-9:13 @148-151]
          item Literal 0 [9:11-9:12 @149-150]
    target Identifier 'c' [9:17-9:21 @155-159]
      name 'c' [9:17-9:18 @155-156]
      index [9:18-9:21 @156-159]
        item Literal 0 [9:19-9:20 @157-158]
  If [10:1-10:20 @161-180]
    condition Binary == [10:5-10:11 @165-171]
      operand Identifier 'c' [10:5-10:6 @165-166]
        name 'c' [10:5-10:6 @165-166]
      operand Literal 1 [10:10-10:11 @170-171]
    GateCall [10:13-10:20 @173-180]
      name 'x' [10:13-10:14 @173-174]
      qubit Identifier 'q' [10:15-10:19 @175-179]
        name 'q' [10:15-10:16 @175-176]
        index [10:16-10:19 @176-179]
          item Literal 1 [10:17-10:18 @177-178]
)";
  DiagnosticSink diags;
  ast::File file = ast::parse_source(source, "test.qasm", diags);
  EXPECT_EQ(ast::dump(file), expected);
  EXPECT_EQ(diags.format(), "");
}

TEST(Ast, DeclarationsAndControlFlow) {
  const std::string source = R"(OPENQASM 3;
pragma qforge.initial_state amplitude(4)
input float[64] theta;
const int n = 2 ** 3;
qubit[4] q;
let pair = q[0:1] ++ q[{2, 3}];
def f(float x, qubit r, creg b[2]) -> bit {
  rx(x) r;
  return measure r;
}
extern e(int, float[32]) -> float;
int k = 0;
while (k < n) {
  k += 1;
}
switch (k) {
  // one
  case 1, 2 { h q[0]; }
  default { }
}
box [100ns] { delay[20ns] q[0]; }
array[float[64], 2] a = {0.5, float(k)};
gphase(-pi / 2);
)";
  const std::string expected = R"(File test.qasm
  Version 3 [1:1-1:12 @0-11]
  Pragma [2:1-2:41 @12-52]
    content qforge.initial_state amplitude(4)
  IoDecl [3:1-3:23 @53-75]
    input
    type float [3:7-3:16 @59-68]
      size Literal 64 [3:13-3:15 @65-67]
    name 'theta' [3:17-3:22 @69-74]
  ConstDecl [4:1-4:22 @76-97]
    type int [4:7-4:10 @82-85]
    name 'n' [4:11-4:12 @86-87]
    init Binary ** [4:15-4:21 @90-96]
      operand Literal 2 [4:15-4:16 @90-91]
      operand Literal 3 [4:20-4:21 @95-96]
  QuantumDecl [5:1-5:12 @98-109]
    type qubit [5:1-5:9 @98-106]
      size Literal 4 [5:7-5:8 @104-105]
    name 'q' [5:10-5:11 @107-108]
  AliasDecl [6:1-6:32 @110-141]
    name 'pair' [6:5-6:9 @114-118]
    value Concat [6:12-6:31 @121-140]
      operand Index [6:12-6:18 @121-127]
        operand Identifier 'q' [6:12-6:13 @121-122]
          name 'q' [6:12-6:13 @121-122]
        index [6:13-6:18 @122-127]
          item Range [6:14-6:17 @123-126]
            start Literal 0 [6:14-6:15 @123-124]
            stop Literal 1 [6:16-6:17 @125-126]
      operand Index [6:22-6:31 @131-140]
        operand Identifier 'q' [6:22-6:23 @131-132]
          name 'q' [6:22-6:23 @131-132]
        index [6:23-6:31 @132-140]
          item Set [6:24-6:30 @133-139]
            operand Literal 2 [6:25-6:26 @134-135]
            operand Literal 3 [6:28-6:29 @137-138]
  Def [7:1-10:2 @142-218]
    name 'f' [7:5-7:6 @146-147]
    argument [7:7-7:14 @148-155]
      type float [7:7-7:12 @148-153]
      name 'x' [7:13-7:14 @154-155]
    argument [7:16-7:23 @157-164]
      type qubit [7:16-7:21 @157-162]
      name 'r' [7:22-7:23 @163-164]
    argument [7:25-7:34 @166-175]
      type creg [7:25-7:29 @166-170]
        size Literal 2 [7:32-7:33 @173-174]
      name 'b' [7:30-7:31 @171-172]
    returns type bit [7:39-7:42 @180-183]
    Block [7:43-10:2 @184-218]
      GateCall [8:3-8:11 @188-196]
        name 'rx' [8:3-8:5 @188-190]
        param Identifier 'x' [8:6-8:7 @191-192]
          name 'x' [8:6-8:7 @191-192]
        qubit Identifier 'r' [8:9-8:10 @194-195]
          name 'r' [8:9-8:10 @194-195]
      Return [9:3-9:20 @199-216]
        value Measure [9:10-9:19 @206-215]
          qubit Identifier 'r' [9:18-9:19 @214-215]
            name 'r' [9:18-9:19 @214-215]
  Extern [11:1-11:35 @219-253]
    name 'e' [11:8-11:9 @226-227]
    argument type int [11:10-11:13 @228-231]
    argument type float [11:15-11:24 @233-242]
      size Literal 32 [11:21-11:23 @239-241]
    returns type float [11:29-11:34 @247-252]
  ClassicalDecl [12:1-12:11 @254-264]
    type int [12:1-12:4 @254-257]
    name 'k' [12:5-12:6 @258-259]
    init Literal 0 [12:9-12:10 @262-263]
  While [13:1-15:2 @265-292]
    condition Binary < [13:8-13:13 @272-277]
      operand Identifier 'k' [13:8-13:9 @272-273]
        name 'k' [13:8-13:9 @272-273]
      operand Identifier 'n' [13:12-13:13 @276-277]
        name 'n' [13:12-13:13 @276-277]
    Block [13:15-15:2 @279-292]
      Assignment [14:3-14:10 @283-290]
        target Identifier 'k' [14:3-14:4 @283-284]
          name 'k' [14:3-14:4 @283-284]
        op +=
        value Literal 1 [14:8-14:9 @288-289]
  Switch [16:1-20:2 @293-354]
    subject Identifier 'k' [16:9-16:10 @301-302]
      name 'k' [16:9-16:10 @301-302]
    case [18:3-18:24 @317-338]
      leading comment // one [17:3-17:9 @308-314]
      value Literal 1 [18:8-18:9 @322-323]
      value Literal 2 [18:11-18:12 @325-326]
      Block [18:13-18:24 @327-338]
        GateCall [18:15-18:22 @329-336]
          name 'h' [18:15-18:16 @329-330]
          qubit Identifier 'q' [18:17-18:21 @331-335]
            name 'q' [18:17-18:18 @331-332]
            index [18:18-18:21 @332-335]
              item Literal 0 [18:19-18:20 @333-334]
    default [19:3-19:14 @341-352]
      Block [19:11-19:14 @349-352]
  Box [21:1-21:34 @355-388]
    duration Literal 100ns [21:6-21:11 @360-365]
    Block [21:13-21:34 @367-388]
      Delay [21:15-21:32 @369-386]
        duration Literal 20ns [21:21-21:25 @375-379]
        qubit Identifier 'q' [21:27-21:31 @381-385]
          name 'q' [21:27-21:28 @381-382]
          index [21:28-21:31 @382-385]
            item Literal 0 [21:29-21:30 @383-384]
  ClassicalDecl [22:1-22:41 @389-429]
    type array [22:1-22:20 @389-408]
      element type float [22:7-22:16 @395-404]
        size Literal 64 [22:13-22:15 @401-403]
      dim Literal 2 [22:18-22:19 @406-407]
    name 'a' [22:21-22:22 @409-410]
    init ArrayLiteral [22:25-22:40 @413-428]
      operand Literal 0.5 [22:26-22:29 @414-417]
      operand Cast [22:31-22:39 @419-427]
        operand Identifier 'k' [22:37-22:38 @425-426]
          name 'k' [22:37-22:38 @425-426]
        cast type float [22:31-22:36 @419-424]
  GateCall [23:1-23:17 @430-446]
    name 'gphase' [23:1-23:7 @430-436]
    param Binary / [23:8-23:15 @437-444]
      operand Unary - [23:8-23:11 @437-440]
        operand Identifier 'pi' [23:9-23:11 @438-440]
          name 'pi' [23:9-23:11 @438-440]
      operand Literal 2 [23:14-23:15 @443-444]
)";
  DiagnosticSink diags;
  ast::File file = ast::parse_source(source, "test.qasm", diags);
  EXPECT_EQ(ast::dump(file), expected);
  EXPECT_EQ(diags.format(), "");
}

TEST(Ast, SyntaxErrorsBecomeInvalidStatements) {
  const std::string source = R"(OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
// a typo follows
h q[0;
cx q[0], q[1]; // fine
rx(0.5 q[1];
)";
  const std::string expected = R"(File test.qasm (errors)
  Version 3.0 [1:1-1:14 @0-13]
  Include [2:1-2:24 @14-37]
    path stdgates.inc [2:9-2:23 @22-36]
  QuantumDecl [3:1-3:12 @38-49]
    type qubit [3:1-3:9 @38-46]
      size Literal 2 [3:7-3:8 @44-45]
    name 'q' [3:10-3:11 @47-48]
  Invalid [5:1-5:7 @68-74]
    leading comment // a typo follows [4:1-4:18 @50-67]
  GateCall [6:1-6:15 @75-89]
    trailing comment // fine [6:16-6:23 @90-97]
    name 'cx' [6:1-6:3 @75-77]
    qubit Identifier 'q' [6:4-6:8 @78-82]
      name 'q' [6:4-6:5 @78-79]
      index [6:5-6:8 @79-82]
        item Literal 0 [6:6-6:7 @80-81]
    qubit Identifier 'q' [6:10-6:14 @84-88]
      name 'q' [6:10-6:11 @84-85]
      index [6:11-6:14 @85-88]
        item Literal 1 [6:12-6:13 @86-87]
  Invalid [7:1-7:13 @98-110]
)";
  DiagnosticSink diags;
  ast::File file = ast::parse_source(source, "test.qasm", diags);
  EXPECT_EQ(ast::dump(file), expected);
  EXPECT_EQ(diags.format(), R"(test.qasm:5:6: error: expected ']'
    h q[0;
         ^
test.qasm:7:7: error: expected ')'
    rx(0.5 q[1];
          ^
)");
  // The same syntax errors as compiling the program.
  EXPECT_EQ(diags.format(), diagnostics_of(source));
}

// Input the parser never sees (not UTF-8, nested too deeply) and the limit of
// syntax errors are reported as compiling reports them, with an empty tree.
TEST(Ast, RefusedInputAsCompiling) {
  const std::string deep = "OPENQASM 3.0;\nqubit q;\nU(" + std::string(1500, '(') + "0" + std::string(1500, ')') +
                           ", 0, 0) q;\n";
  std::string many = "OPENQASM 3.0;\n";
  for (int i = 0; i < 120; ++i) many += "h q[0;\n";
  for (const std::string& source : {std::string("OPENQASM 3.0;\n// \xff\nqubit q;\n"), deep, many}) {
    DiagnosticSink diags;
    ast::File file = ast::parse_source(source, "test.qasm", diags);
    EXPECT_TRUE(file.has_errors);
    EXPECT_TRUE(file.statements.empty());
    EXPECT_EQ(diags.format(), diagnostics_of(source));
  }
  DiagnosticSink diags;
  ast::parse_source("OPENQASM 3.0;\n// \xff\n", "test.qasm", diags);
  EXPECT_EQ(diags.format().rfind("test.qasm:2:4: error: invalid UTF-8: byte 0xFF cannot appear in UTF-8 text", 0), 0u)
      << diags.format();
}

// A statement that lacks its ';' gets one made up by ANTLR's recovery, which
// is in no file: the statement is Invalid, up to the token before the next
// statement, and keeps its comment.
TEST(Ast, MadeUpTokensMakeInvalidStatements) {
  const std::string source = R"(OPENQASM 3.0;
qubit[2] q;
h q[0] // c1
cx q[0], q[1];
// c2
x q[1];
)";
  DiagnosticSink diags;
  ast::File file = ast::parse_source(source, "test.qasm", diags);
  EXPECT_EQ(ast::dump(file), R"(File test.qasm (errors)
  Version 3.0 [1:1-1:14 @0-13]
  QuantumDecl [2:1-2:12 @14-25]
    type qubit [2:1-2:9 @14-22]
      size Literal 2 [2:7-2:8 @20-21]
    name 'q' [2:10-2:11 @23-24]
  Invalid [3:1-4:15 @26-53]
    interior comment // c1 [3:8-3:13 @33-38]
  GateCall [6:1-6:8 @60-67]
    leading comment // c2 [5:1-5:6 @54-59]
    name 'x' [6:1-6:2 @60-61]
    qubit Identifier 'q' [6:3-6:7 @62-66]
      name 'q' [6:3-6:4 @62-63]
      index [6:4-6:7 @63-66]
        item Literal 1 [6:5-6:6 @64-65]
)");
  EXPECT_EQ(diags.format(), R"(test.qasm:3:7: error: expected ';' at the end of the statement
    h q[0] // c1
          ^
)");
  EXPECT_EQ(diags.format(), diagnostics_of(source));
}

// Found by fuzzing: a statement that recovery stopped before its first token
// has no last token (a null pointer was read).
TEST(Ast, StatementWithoutTokensAfterAByteOrderMark) {
  const std::string source =
      "\xef\xbb\xbf""QFT and measure, version 1\n"
      "include \"stdgates.inc\";\n"
      "\n"
      "qubit[4] q;\n"
      "bit[4] c;\n"
      "reset q;\n"
      "h q;\n"
      "barrier q;\n"
      "h q[0];\n"
      "c[0] = measur1_000e q[0];\n"
      "if(int[4](c) == 1) { rz(pi / 2) q[1]; }\n"
      "h q[1];\n"
      "c[1] = measure q[1];\n"
      "if(int[4](c) == 1){ rz(pi / 4) q[2]; }\n"
      "if(int[4](c) == 2){ rz(pi / 2) q[2]; }\n"
      "if(int2 + pi / 8) q[3];\n"
      "if(int[4](c) == 6) rz(pi / 2+ pi / 4) q[3];\n"
      "if(int[4](c) == 7) rz(pi / 2 + pi / 4 + pi / 8) q[3];\n"
      "h q[3];\n"
      "c[3] = measure q[3];\n"
      "";
  DiagnosticSink diags;
  ast::File file = ast::parse_source(source, "test.qasm", diags);
  EXPECT_TRUE(file.has_errors);
  ASSERT_FALSE(file.statements.empty());
  EXPECT_EQ(file.statements[0]->kind, ast::StmtKind::Invalid);
  EXPECT_EQ(diags.format(), diagnostics_of(source));
}

// A left-leaning chain of operators is as deep as it is long, and no nesting
// limit bounds it: the tree is built, freed and dumped without recursing
// down it (300,000 terms overflowed the stack).
TEST(Ast, LongOperatorChainsDoNotRecurse) {
  std::string source = "OPENQASM 3.0;\nqubit q;\nrx(1";
  for (int i = 0; i < 300000; ++i) source += i < 150000 ? "[0]" : "+1";
  source += ") q;\n";
  DiagnosticSink diags;
  {
    ast::File file = ast::parse_source(source, "test.qasm", diags);
    EXPECT_EQ(diags.format(), "");
    ASSERT_EQ(file.statements.size(), 2u);
    const auto& call = static_cast<const ast::GateCall&>(*file.statements[1]);
    ASSERT_EQ(call.params.size(), 1u);
    std::size_t depth = 0;
    const ast::Expr* e = call.params[0].get();
    for (; e->kind == ast::Expr::Kind::Binary || e->kind == ast::Expr::Kind::Index; e = e->operands[0].get()) ++depth;
    EXPECT_EQ(depth, 300000u);
    EXPECT_EQ(e->text, "1");
    const std::string dumped = ast::dump(file);
    EXPECT_NE(dumped.find("... (deeper levels not shown)"), std::string::npos);
    EXPECT_LT(dumped.size(), 100000u);
  }
}

// ---------------------------------------------------------------- every file

class SpanChecker {
 public:
  explicit SpanChecker(const std::string& text) : text_(text) {
    starts_.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') starts_.push_back(i + 1);
  }
  std::size_t comments = 0;
  std::vector<std::string> problems;

  void file(const ast::File& f) {
    if (f.version) {
      span(f.version->span, "version");
      trivia(f.version->trivia);
    }
    for (const auto& s : f.statements) stmt(*s, nullptr);
    comment_list(f.closing_comments);
  }

 private:
  /// Line and character column of byte `pos`, counted here.
  std::pair<uint32_t, uint32_t> position(std::size_t pos) const {
    std::size_t line = static_cast<std::size_t>(std::upper_bound(starts_.begin(), starts_.end(), pos) - starts_.begin());
    uint32_t col = 1;
    for (std::size_t k = starts_[line - 1]; k < pos; ++k)
      if ((static_cast<unsigned char>(text_[k]) & 0xC0) != 0x80) ++col;
    return {static_cast<uint32_t>(line), col};
  }
  void span(const ast::Span& s, const std::string& what, const ast::Span* outer = nullptr) {
    auto start = position(s.begin), end = position(s.end);
    if (s.begin > s.end || s.end > text_.size() || start != std::make_pair(s.line, s.col) ||
        end != std::make_pair(s.end_line, s.end_col))
      problems.push_back(what + " at " + std::to_string(s.line) + ":" + std::to_string(s.col) +
                         ": line/column and byte offsets disagree");
    if (outer && (s.begin < outer->begin || s.end > outer->end))
      problems.push_back(what + " at " + std::to_string(s.line) + ":" + std::to_string(s.col) +
                         " is outside its statement");
  }
  void text_is(const ast::Span& s, const std::string& expected, const std::string& what) {
    span(s, what);
    if (text_.compare(s.begin, s.end - s.begin, expected) != 0)
      problems.push_back(what + " '" + expected + "' at " + std::to_string(s.line) + ":" + std::to_string(s.col) +
                         " covers '" + text_.substr(s.begin, s.end - s.begin) + "'");
  }
  void comment_list(const std::vector<ast::Comment>& cs) {
    for (const auto& c : cs) {
      ++comments;
      text_is(c.span, c.text, "comment");
    }
  }
  void trivia(const ast::Trivia& t) {
    comment_list(t.leading);
    comment_list(t.trailing);
    comment_list(t.interior);
  }
  void id(const ast::Identifier& i, const ast::Span& outer) {
    if (i.name.empty()) return;
    text_is(i.span, i.name, "identifier");
    span(i.span, "identifier " + i.name, &outer);
  }
  void expr(const ast::Expr* e, const ast::Span& outer) {
    if (!e) return;
    span(e->span, "expression", &outer);
    if (e->kind == ast::Expr::Kind::Literal) text_is(e->span, e->text, "literal");
    id(e->name, e->span);
    for (const auto& o : e->operands) expr(o.get(), e->span);
    for (const auto& ix : e->indices) {
      span(ix.span, "index", &e->span);
      for (const auto& it : ix.items) expr(it.get(), ix.span);
    }
    for (const auto& q : e->qubits) expr(q.get(), e->span);
    expr(e->start.get(), e->span);
    expr(e->step.get(), e->span);
    expr(e->stop.get(), e->span);
    if (e->block) block(*e->block);
  }
  void block(const ast::Block& b) {
    for (const auto& s : b.statements) stmt(*s, &b.span);
    comment_list(b.closing_comments);
  }
  void stmt(const ast::Stmt& s, const ast::Span* outer) {
    span(s.span, "statement", outer);
    trivia(s.trivia);
    switch (s.kind) {
      case ast::StmtKind::Block: block(static_cast<const ast::Block&>(s)); break;
      case ast::StmtKind::GateDef: {
        const auto& g = static_cast<const ast::GateDef&>(s);
        id(g.name, s.span);
        for (const auto& p : g.params) id(p, s.span);
        for (const auto& q : g.qubits) id(q, s.span);
        block(g.body);
        break;
      }
      case ast::StmtKind::Def: {
        const auto& d = static_cast<const ast::Def&>(s);
        id(d.name, s.span);
        for (const auto& a : d.args) id(a.name, a.span);
        block(d.body);
        break;
      }
      case ast::StmtKind::GateCall: {
        const auto& g = static_cast<const ast::GateCall&>(s);
        id(g.name, s.span);
        for (const auto& m : g.modifiers) expr(m.arg.get(), m.span);
        for (const auto& p : g.params) expr(p.get(), s.span);
        for (const auto& q : g.qubits) expr(q.get(), s.span);
        break;
      }
      case ast::StmtKind::Measure: {
        const auto& m = static_cast<const ast::Measure&>(s);
        expr(m.source.get(), s.span);
        expr(m.target.get(), s.span);
        break;
      }
      case ast::StmtKind::Reset: case ast::StmtKind::Barrier: case ast::StmtKind::Delay: case ast::StmtKind::Nop:
        for (const auto& q : static_cast<const ast::QuantumOp&>(s).qubits) expr(q.get(), s.span);
        break;
      case ast::StmtKind::ClassicalDecl: case ast::StmtKind::ConstDecl: {
        const auto& c = static_cast<const ast::ClassicalDecl&>(s);
        id(c.name, s.span);
        expr(c.init.get(), s.span);
        break;
      }
      case ast::StmtKind::OldStyleDecl: {
        const auto& c = static_cast<const ast::OldStyleDecl&>(s);
        id(c.name, s.span);
        expr(c.size.get(), s.span);
        break;
      }
      case ast::StmtKind::QuantumDecl: id(static_cast<const ast::QuantumDecl&>(s).name, s.span); break;
      case ast::StmtKind::Assignment: {
        const auto& a = static_cast<const ast::Assignment&>(s);
        expr(a.target.get(), s.span);
        expr(a.value.get(), s.span);
        break;
      }
      case ast::StmtKind::If: {
        const auto& i = static_cast<const ast::If&>(s);
        expr(i.condition.get(), s.span);
        stmt(*i.then_body, &s.span);
        if (i.else_body) stmt(*i.else_body, &s.span);
        break;
      }
      case ast::StmtKind::For: {
        const auto& f = static_cast<const ast::For&>(s);
        id(f.variable, s.span);
        expr(f.iterable.get(), s.span);
        stmt(*f.body, &s.span);
        break;
      }
      case ast::StmtKind::While: {
        const auto& w = static_cast<const ast::While&>(s);
        expr(w.condition.get(), s.span);
        stmt(*w.body, &s.span);
        break;
      }
      case ast::StmtKind::Switch:
        for (const auto& k : static_cast<const ast::Switch&>(s).cases) {
          comment_list(k.trivia.leading);
          block(k.body);
        }
        break;
      case ast::StmtKind::Box: block(static_cast<const ast::Box&>(s).body); break;
      default: break;
    }
  }

  const std::string& text_;
  std::vector<std::size_t> starts_;
};

TEST(Ast, SpansMatchTheTextAndEveryCommentIsKeptOnce) {
  const auto files = program_files();
  if (!std::getenv("QFORGE_CORPUS")) std::fprintf(stderr, "QFORGE_CORPUS is not set: circuits/ only\n");
  ASSERT_FALSE(files.empty());
  std::size_t total_comments = 0;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    DiagnosticSink diags;
    ast::File f = ast::parse_source(text, path, diags);
    SpanChecker check(text);
    check.file(f);
    for (const auto& p : check.problems) ADD_FAILURE() << path << ": " << p;
    // Files with syntax errors keep the comments outside their statements.
    if (!f.has_errors) {
      EXPECT_EQ(check.comments, comments_in(text).size()) << path;
    }
    total_comments += check.comments;
  }
  EXPECT_GT(total_comments, 0u);
}

}  // namespace
}  // namespace qforge
