//===- QuantError.cpp - INT4 quantization error (the accuracy guard) --------===//

#include "apex4/Target/CostModel.h"

#include <cmath>
#include <limits>

double apex4::int4QuantSqnrDb(llvm::ArrayRef<float> values, int64_t rows,
                              int64_t cols, int64_t group) {
  int64_t length = group == 0 ? cols : group;
  double signal = 0, noise = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float *row = values.data() + r * cols;
    for (int64_t start = 0; start + length <= cols; start += length) {
      float amax = 0.0f;
      for (int64_t i = 0; i < length; ++i)
        amax = std::fmax(amax, std::fabs(row[start + i]));
      float scale = amax / 7.0f;
      for (int64_t i = 0; i < length; ++i) {
        float x = row[start + i];
        float ratio = x / scale;
        float q = std::isnan(ratio)
                      ? 0.0f
                      : std::fmin(std::fmax(std::nearbyint(ratio), -8.0f), 7.0f);
        double error = double(x) - double(q) * double(scale);
        signal += double(x) * double(x);
        noise += error * error;
      }
    }
  }
  if (noise == 0)
    return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / noise);
}
