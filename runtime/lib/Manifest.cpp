//===- Manifest.cpp - apex4 manifest parsing and launch geometry ----------===//
//
// No CUDA driver calls here: this file is unit-tested on machines without a
// GPU (runtime/test/selftest.cpp).
//
//===----------------------------------------------------------------------===//
#include "apex4rt/Runtime.h"

#include <fstream>
#include <sstream>

namespace apex4rt {

static std::string readText(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error("cannot open " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

static int64_t requireInt(const JsonValue &object, const std::string &key,
                          const std::string &where) {
  const JsonValue *v = object.find(key);
  if (!v || !v->isNumber())
    throw Error(where + ": missing integer '" + key + "'");
  return v->asInt();
}

static GridDim parseGridEntry(const JsonValue &v, const std::string &where) {
  GridDim d;
  if (v.isNumber()) {
    d.value = v.asInt();
  } else if (v.isArray() && v.size() == 2 && v[0].isString() &&
             v[1].isNumber()) {
    const std::string &dim = v[0].asString();
    if (dim != "M" && dim != "N" && dim != "K")
      throw Error(where + ": grid dimension must be M, N or K, not '" + dim + "'");
    d.dim = dim[0];
    d.value = v[1].asInt();
  } else {
    throw Error(where + ": a grid entry is a number or [\"M\"|\"N\"|\"K\", tile]");
  }
  if (d.value <= 0)
    throw Error(where + ": grid constants and tiles must be positive");
  return d;
}

static KernelInfo parseKernel(const JsonValue &k) {
  KernelInfo info;
  if (!k.isObject())
    throw Error("manifest: a kernel entry is not an object");
  info.name = k.getString("name", "");
  if (info.name.empty())
    throw Error("manifest: a kernel has no name");
  const std::string where = "kernel " + info.name;
  info.kind = k.getString("kind", "");
  if (info.kind != "matmul" && info.kind != "quantize")
    throw Error(where + ": kind must be matmul or quantize");
  info.k = requireInt(k, "k", where);
  if (info.k <= 0 || info.k % 2)
    throw Error(where + ": k must be positive and even");
  info.inType = k.getString("in_type", info.isMatmul() ? "i4" : "f16");
  info.outType = k.getString("out_type", "f16");
  if (info.isMatmul()) {
    info.n = requireInt(k, "n", where);
    info.aGroup = requireInt(k, "a_group", where);
    info.wGroup = requireInt(k, "w_group", where);
    for (int64_t g : {info.effAGroup(), info.effWGroup()})
      if (g <= 0 || info.k % g)
        throw Error(where + ": group sizes must divide k");
  } else {
    info.group = k.getInt("group", 0);
    if (info.k % info.effGroup())
      throw Error(where + ": group must divide k");
  }
  if (const JsonValue *params = k.find("params")) {
    for (const JsonValue &p : params->items())
      info.params.push_back(p.asString());
  } else if (info.isMatmul()) {
    info.params = {"A", "SA", "W", "SW", "C", "M"};
  } else {
    info.params = {"X", "Q", "S", "M"};
  }
  const JsonValue *block = k.find("block");
  if (!block || !block->isArray() || block->size() < 1 || block->size() > 3)
    throw Error(where + ": block must be an array of 1..3 integers");
  for (size_t i = 0; i < block->size(); ++i)
    info.block[i] = static_cast<unsigned>((*block)[i].asInt());

  const JsonValue *grid = k.find("grid");
  if (!grid)
    throw Error(where + ": no grid");
  if (grid->isObject()) {
    const char *names[3] = {"x", "y", "z"};
    for (int i = 0; i < 3; ++i)
      if (const JsonValue *e = grid->find(names[i]))
        info.grid[i] = parseGridEntry(*e, where);
  } else if (grid->isArray()) {
    auto tile = [&](size_t i) {
      int64_t v = (*grid)[i].asInt();
      if (v <= 0)
        throw Error(where + ": grid tiles must be positive");
      return v;
    };
    if (info.isMatmul()) {
      if (grid->size() != 3)
        throw Error(where + ": matmul grid array is [TN, TM, Z]");
      info.grid[0] = GridDim{'N', tile(0)};
      info.grid[1] = GridDim{'M', tile(1)};
      info.grid[2] = GridDim{0, tile(2)};
    } else {
      if (grid->size() != 1)
        throw Error(where + ": quantize grid array is [ROWS_PER_CTA]");
      info.grid[0] = GridDim{'M', tile(0)};
    }
  } else {
    throw Error(where + ": grid must be an object or an array");
  }
  info.sharedBytes = k.getInt("shared_bytes", 0);
  if (info.sharedBytes < 0)
    throw Error(where + ": shared_bytes must be >= 0");
  info.maxM = k.getInt("max_m", 0);
  return info;
}

Manifest Manifest::parse(const std::string &text, const std::string &directory) {
  JsonValue root;
  std::string error;
  if (!JsonValue::parse(text, root, error))
    throw Error("manifest: " + error);
  if (!root.isObject())
    throw Error("manifest: top level is not an object");
  Manifest m;
  m.directory = directory;
  m.target = root.getString("target", "");
  m.chip = root.getString("chip", "");
  m.cubin = root.getString("cubin", ""); // null -> "" (PTX only)
  m.ptx = root.getString("ptx", "");
  const JsonValue *kernels = root.find("kernels");
  if (!kernels || !kernels->isArray() || kernels->size() == 0)
    throw Error("manifest: no kernels");
  for (const JsonValue &k : kernels->items())
    m.kernels.push_back(parseKernel(k));
  return m;
}

Manifest Manifest::load(const std::string &path) {
  std::string directory = ".";
  size_t slash = path.find_last_of('/');
  if (slash != std::string::npos)
    directory = path.substr(0, slash == 0 ? 1 : slash);
  Manifest m = parse(readText(path), directory);
  m.path = path;
  return m;
}

const KernelInfo &Manifest::kernel(const std::string &name) const {
  if (name.empty()) {
    if (kernels.size() == 1)
      return kernels[0];
    throw Error("manifest has " + std::to_string(kernels.size()) +
                " kernels: name one with --kernel");
  }
  for (const KernelInfo &k : kernels)
    if (k.name == name)
      return k;
  throw Error("no kernel named '" + name + "' in the manifest");
}

bool KernelInfo::hasParam(const std::string &name) const {
  for (const std::string &p : params)
    if (p == name)
      return true;
  return false;
}

int64_t KernelInfo::rowsPerCta() const {
  for (const GridDim &g : grid)
    if (g.dim == 'M')
      return g.value;
  return 1;
}

LaunchDims computeLaunch(const KernelInfo &info, int64_t m) {
  LaunchDims d;
  for (int i = 0; i < 3; ++i) {
    const GridDim &g = info.grid[i];
    int64_t count = g.value;
    if (g.dim) {
      int64_t extent = g.dim == 'M' ? m : g.dim == 'N' ? info.n : info.k;
      count = (extent + g.value - 1) / g.value;
    }
    if (count < 1 || count > (i == 0 ? 0x7FFFFFFFLL : 65535LL))
      throw Error("kernel " + info.name + ": grid dimension " +
                  std::to_string(i) + " out of range (" +
                  std::to_string(count) + ")");
    d.grid[i] = static_cast<unsigned>(count);
    d.block[i] = info.block[i];
  }
  d.sharedBytes = static_cast<unsigned>(info.sharedBytes);
  return d;
}

} // namespace apex4rt
