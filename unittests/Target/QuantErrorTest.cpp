//===- QuantErrorTest.cpp - the accuracy guard's measurement ----------------===//

#include "apex4/Target/CostModel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace apex4;

TEST(QuantError, ExactlyRepresentableValuesHaveNoError) {
  // amax 7 -> scale 1: every integer in [-7, 7] is exact.
  std::vector<float> values = {7, -7, 3, 0, 1, -2, 5, 6};
  EXPECT_TRUE(std::isinf(int4QuantSqnrDb(values, 1, 8, 0)));
}

TEST(QuantError, FinerGroupsMeasureBetterOnOutlierRows) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  int64_t rows = 16, cols = 1024;
  std::vector<float> values(rows * cols);
  for (float &v : values)
    v = normal(rng);
  for (int64_t r = 0; r < rows; ++r)
    values[r * cols + 5] = 40.0f; // one outlier per row
  double perChannel = int4QuantSqnrDb(values, rows, cols, 0);
  double g128 = int4QuantSqnrDb(values, rows, cols, 128);
  double g32 = int4QuantSqnrDb(values, rows, cols, 32);
  EXPECT_LT(perChannel, g128);
  EXPECT_LT(g128, g32);
  // A Gaussian at g32 quantizes to roughly 4-bit quality.
  EXPECT_GT(g32, 15.0);
  EXPECT_LT(g32, 25.0);
}
