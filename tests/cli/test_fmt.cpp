// `qforge fmt`: the formatted text on stdout, --check's list and exit codes,
// -i rewriting only the files that change, keeping their permissions and
// leaving no temporary file, and a file with syntax errors reported as
// `qforge check` reports it and left byte for byte as it was.
#include "cli_helpers.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

namespace {

const char* kMessy = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[2] q;h q[0];cx q[0] ,q[1]; // bell\n";
const char* kFormatted = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[2] q;\nh q[0];\ncx q[0], q[1]; // bell\n";
const char* kBroken = "OPENQASM 3.0;\nqubit q\nx q;\n";

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

fs::path fresh_dir(const std::string& name) {
  fs::path d = temp_dir() / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

TEST(Fmt, PrintsTheFormattedTextAndLeavesTheFileAlone) {
  const fs::path dir = fresh_dir("fmt_print");
  const fs::path f = write(dir, "a.qasm", kMessy);
  const Result r = qforge("fmt " + f.string());
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, kFormatted);
  EXPECT_EQ(read(f), kMessy);
}

TEST(Fmt, CheckListsTheFilesThatWouldChange) {
  const fs::path dir = fresh_dir("fmt_check");
  const fs::path messy = write(dir, "messy.qasm", kMessy);
  const fs::path tidy = write(dir, "tidy.qasm", kFormatted);
  Result r = qforge("fmt --check " + tidy.string());
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "");
  r = qforge("fmt --check " + messy.string() + " " + tidy.string());
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_EQ(r.out, messy.string() + "\n");
  EXPECT_EQ(read(messy), kMessy);
}

TEST(Fmt, InPlaceRewritesAtomicallyAndIsIdempotent) {
  const fs::path dir = fresh_dir("fmt_inplace");
  const fs::path f = write(dir, "a.qasm", kMessy);
  const auto mode = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read;
  fs::permissions(f, mode);
  Result r = qforge("fmt -i " + f.string());
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(read(f), kFormatted);
  EXPECT_EQ(names_in(dir), (std::set<std::string>{"a.qasm"}));  // no temporary file left
  EXPECT_EQ(fs::status(f).permissions(), mode);                  // the file keeps its permissions
  r = qforge("fmt --check " + f.string());
  EXPECT_EQ(r.status, 0) << r.out;
}

TEST(Fmt, SyntaxErrorsAreCheckErrorsAndTheFileIsKept) {
  const fs::path dir = fresh_dir("fmt_broken");
  const fs::path bad = write(dir, "bad.qasm", kBroken);
  const fs::path good = write(dir, "good.qasm", kMessy);
  const Result check = qforge("check " + bad.string());
  ASSERT_NE(check.status, 0);
  ASSERT_NE(check.out.find("error"), std::string::npos) << check.out;
  Result r = qforge("fmt " + bad.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, check.out);
  // -i rewrites the good file and keeps the broken one byte for byte.
  r = qforge("fmt -i " + bad.string() + " " + good.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, check.out);
  EXPECT_EQ(read(bad), kBroken);
  EXPECT_EQ(read(good), kFormatted);
  EXPECT_EQ(names_in(dir), (std::set<std::string>{"bad.qasm", "good.qasm"}));
  r = qforge("fmt --check " + bad.string());
  EXPECT_EQ(r.status, 2);
}

TEST(Fmt, MissingFileAndBadOptions) {
  const fs::path dir = fresh_dir("fmt_usage");
  Result r = qforge("fmt " + (dir / "none.qasm").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("none.qasm"), std::string::npos) << r.out;
  r = qforge("fmt");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("no input file"), std::string::npos) << r.out;
  const fs::path f = write(dir, "a.qasm", kMessy);
  r = qforge("fmt --check -i " + f.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("cannot be used together"), std::string::npos) << r.out;
  EXPECT_EQ(read(f), kMessy);
}

}  // namespace
