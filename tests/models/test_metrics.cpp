// Metrics against hand-computed confusion matrices.
#include "qforge/models/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>

using namespace qforge::models;

TEST(Metrics, ThreeClassByHand) {
  // rows: truth, columns: predicted
  //        0  1  2
  //   0  [ 5, 2, 0 ]
  //   1  [ 1, 3, 1 ]
  //   2  [ 0, 0, 4 ]
  ConfusionMatrix cm(3);
  cm.add(0, 0, 5); cm.add(0, 1, 2);
  cm.add(1, 0, 1); cm.add(1, 1, 3); cm.add(1, 2, 1);
  cm.add(2, 2, 4);
  EXPECT_EQ(cm.total(), 16);
  EXPECT_DOUBLE_EQ(cm.accuracy(), 12.0 / 16.0);
  EXPECT_DOUBLE_EQ(cm.precision(0), 5.0 / 6.0);
  EXPECT_DOUBLE_EQ(cm.precision(1), 3.0 / 5.0);
  EXPECT_DOUBLE_EQ(cm.precision(2), 4.0 / 5.0);
  EXPECT_DOUBLE_EQ(cm.recall(0), 5.0 / 7.0);
  EXPECT_DOUBLE_EQ(cm.recall(1), 3.0 / 5.0);
  EXPECT_DOUBLE_EQ(cm.recall(2), 1.0);
  const double f0 = 2 * (5.0 / 6) * (5.0 / 7) / (5.0 / 6 + 5.0 / 7);  // 10/13
  EXPECT_NEAR(cm.f1(0), 10.0 / 13.0, 1e-15);
  EXPECT_NEAR(cm.f1(1), 0.6, 1e-15);
  EXPECT_NEAR(cm.f1(2), 8.0 / 9.0, 1e-15);
  EXPECT_NEAR(cm.macro_f1(), (f0 + 0.6 + 8.0 / 9.0) / 3, 1e-15);
  EXPECT_NEAR(cm.macro_precision(), (5.0 / 6 + 0.6 + 0.8) / 3, 1e-15);
  EXPECT_NEAR(cm.macro_recall(), (5.0 / 7 + 0.6 + 1.0) / 3, 1e-15);
  EXPECT_EQ(cm.format({"a", "b", "c"}),
            "   t\\p     a     b     c\n"
            "     a     5     2     0\n"
            "     b     1     3     1\n"
            "     c     0     0     4\n");
}

TEST(Metrics, UndefinedRatiosAreZero) {
  ConfusionMatrix cm(2);
  cm.add(0, 0, 4);  // class 1 never appears nor is predicted
  EXPECT_DOUBLE_EQ(cm.accuracy(), 1.0);
  EXPECT_DOUBLE_EQ(cm.precision(1), 0.0);
  EXPECT_DOUBLE_EQ(cm.recall(1), 0.0);
  EXPECT_DOUBLE_EQ(cm.f1(1), 0.0);
  EXPECT_DOUBLE_EQ(cm.macro_f1(), 0.5);
  EXPECT_DOUBLE_EQ(ConfusionMatrix(2).accuracy(), 0.0);
}

TEST(Metrics, ConvergenceSpeed) {
  std::vector<double> a = {0.5, 0.91, 0.95, 0.97}, b = {0.5, 0.6, 0.8, 0.9, 0.95};
  EXPECT_EQ(first_epoch_reaching(a, 0.95), 3);
  EXPECT_EQ(first_epoch_reaching(b, 0.95), 5);
  EXPECT_EQ(first_epoch_reaching(b, 0.99), 0);
  EXPECT_DOUBLE_EQ(convergence_gain(3, 5), 0.4);
  EXPECT_TRUE(std::isnan(convergence_gain(3, 0)));
}
