// Dataset readers on small files generated in each real format, including
// missing, truncated and mismatched ones (exact messages).
#include "qforge/models/datasets.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
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
