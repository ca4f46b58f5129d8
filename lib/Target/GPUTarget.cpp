//===- GPUTarget.cpp - GPU descriptions -------------------------------------===//

#include "apex4/Target/GPUTarget.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace apex4;

namespace {

struct EmbeddedTarget {
  const char *name;
  const char *json;
};

/// targets/*.json, generated into the build tree by CMake.
const EmbeddedTarget kEmbeddedTargets[] = {
#include "EmbeddedTargets.inc"
};

llvm::Error fieldError(llvm::StringRef origin, llvm::StringRef field,
                       llvm::StringRef what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "target description %s: field '%s' %s",
                                 origin.str().c_str(), field.str().c_str(),
                                 what.str().c_str());
}

llvm::Error readNumber(const llvm::json::Object &object, llvm::StringRef origin,
                       llvm::StringRef field, double &out, bool required) {
  const llvm::json::Value *value = object.get(field);
  if (!value)
    return required ? fieldError(origin, field, "is missing")
                    : llvm::Error::success();
  std::optional<double> number = value->getAsNumber();
  if (!number || *number < 0)
    return fieldError(origin, field, "must be a non-negative number");
  out = *number;
  return llvm::Error::success();
}

/// A group size field: a positive integer or "per_channel" (0).
llvm::Error readGroup(const llvm::json::Object &entry, llvm::StringRef origin,
                      llvm::StringRef field, int64_t &out) {
  const llvm::json::Value *value = entry.get(field);
  if (value && value->getAsString() == std::optional<llvm::StringRef>(
                                           "per_channel")) {
    out = 0;
    return llvm::Error::success();
  }
  std::optional<int64_t> size = value ? value->getAsInteger() : std::nullopt;
  if (!size || *size <= 0)
    return fieldError(origin, ("tuned_plans[]." + field).str(),
                      "must be a positive integer or \"per_channel\"");
  out = *size;
  return llvm::Error::success();
}

llvm::Error readTunedPlans(const llvm::json::Object &object,
                           llvm::StringRef origin,
                           std::vector<TunedPlan> &out) {
  const llvm::json::Value *value = object.get("tuned_plans");
  if (!value)
    return llvm::Error::success();
  const llvm::json::Array *entries = value->getAsArray();
  if (!entries)
    return fieldError(origin, "tuned_plans", "must be an array");
  for (const llvm::json::Value &item : *entries) {
    const llvm::json::Object *entry = item.getAsObject();
    if (!entry)
      return fieldError(origin, "tuned_plans[]", "must be an object");
    TunedPlan tuned;
    std::optional<int64_t> n = entry->getInteger("n"),
                           k = entry->getInteger("k");
    if (!n || !k || *n <= 0 || *k <= 0)
      return fieldError(origin, "tuned_plans[].n/k",
                        "must be positive integers");
    tuned.n = *n;
    tuned.k = *k;
    if (llvm::Error e = readGroup(*entry, origin, "a_group", tuned.aGroup))
      return e;
    if (llvm::Error e = readGroup(*entry, origin, "w_group", tuned.wGroup))
      return e;
    const llvm::json::Array *rows = entry->getArray("m");
    std::optional<int64_t> lo, hi;
    if (rows && rows->size() == 2) {
      lo = (*rows)[0].getAsInteger();
      hi = (*rows)[1].getAsInteger();
    }
    if (!lo || !hi || *lo < 1 || *hi < *lo)
      return fieldError(origin, "tuned_plans[].m",
                        "must be [first row count, last row count]");
    tuned.mMin = *lo;
    tuned.mMax = *hi;
    std::optional<llvm::StringRef> plan = entry->getString("plan");
    if (!plan || !plan->starts_with("#apex4.plan<"))
      return fieldError(origin, "tuned_plans[].plan",
                        "must be \"#apex4.plan<...>\" text");
    tuned.plan = plan->str();
    tuned.measuredUs = entry->getNumber("measured_us").value_or(0.0);
    out.push_back(std::move(tuned));
  }
  return llvm::Error::success();
}

llvm::Error readRates(const llvm::json::Object &object, llvm::StringRef origin,
                      llvm::StringRef field, std::map<std::string, double> &out) {
  const llvm::json::Object *rates = object.getObject(field);
  if (!rates)
    return fieldError(origin, field, "is missing or not an object");
  for (const auto &[key, value] : *rates) {
    std::optional<double> number = value.getAsNumber();
    if (!number || *number < 0)
      return fieldError(origin, (field + "." + key.str()).str(),
                        "must be a non-negative number");
    out[key.str()] = *number;
  }
  return llvm::Error::success();
}

} // namespace

double GPUTarget::mmaRate(llvm::StringRef type) const {
  auto it = mmaOpsPerClock.find(type.str());
  return it == mmaOpsPerClock.end() ? 0.0 : it->second;
}

double GPUTarget::instrRate(llvm::StringRef kind) const {
  auto it = cudaCoreInstrPerClock.find(kind.str());
  return it == cudaCoreInstrPerClock.end() ? 0.0 : it->second;
}

int64_t GPUTarget::clusterSlots(int64_t size) const {
  if (size <= 1)
    return smCount;
  auto it = maxActiveClusters.find(std::to_string(size));
  int64_t clusters = it != maxActiveClusters.end() ? int64_t(it->second)
                                                   : smCount / size;
  return std::max<int64_t>(1, clusters) * size;
}

double GPUTarget::rho() const {
  // Where INT4 MMA is emulated, INT4 operands reach the tensor cores as INT8
  // (the s8 unpack path): that rate is the one dequantization competes with.
  double flops = 2 * instrRate("ffma");
  double int4Rate = s4Emulated ? mmaRate("s8") : mmaRate("s4");
  return flops > 0 ? int4Rate / flops : 0.0;
}

llvm::Expected<GPUTarget> apex4::parseTarget(llvm::StringRef json,
                                             llvm::StringRef origin) {
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(json);
  if (!parsed)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(), "target description %s: %s",
        origin.str().c_str(), llvm::toString(parsed.takeError()).c_str());
  const llvm::json::Object *object = parsed->getAsObject();
  if (!object)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "target description %s: not a JSON object",
                                   origin.str().c_str());
  GPUTarget target;
  std::optional<llvm::StringRef> name = object->getString("name");
  std::optional<llvm::StringRef> chip = object->getString("chip");
  if (!name)
    return fieldError(origin, "name", "is missing or not a string");
  if (!chip || !chip->starts_with("sm_"))
    return fieldError(origin, "chip", "must be a string like \"sm_90a\"");
  target.name = name->str();
  target.chip = chip->str();
  double sms = 0, registers = 0;
  if (llvm::Error e = readNumber(*object, origin, "sm_count", sms, true))
    return std::move(e);
  if (llvm::Error e = readNumber(*object, origin, "clock_ghz", target.clockGHz,
                                 true))
    return std::move(e);
  if (llvm::Error e = readNumber(*object, origin, "memory_bandwidth_gbs",
                                 target.memoryBandwidthGBs, true))
    return std::move(e);
  if (llvm::Error e = readNumber(*object, origin, "shared_memory_per_sm_kb",
                                 target.sharedMemoryPerSmKB, true))
    return std::move(e);
  if (llvm::Error e =
          readNumber(*object, origin, "registers_per_sm", registers, true))
    return std::move(e);
  if (llvm::Error e = readNumber(*object, origin, "mma_sync_efficiency",
                                 target.mmaSyncEfficiency, false))
    return std::move(e);
  if (llvm::Error e = readNumber(*object, origin, "main_loop_overlap",
                                 target.mainLoopOverlap, false))
    return std::move(e);
  if (llvm::Error e = readNumber(*object, origin, "dequant_overhead",
                                 target.dequantOverhead, false))
    return std::move(e);
  if (target.dequantOverhead < 1)
    return fieldError(origin, "dequant_overhead", "must be at least 1");
  if (llvm::Error e = readNumber(*object, origin, "split_k_stream_efficiency",
                                 target.splitKStreamEfficiency, false))
    return std::move(e);
  if (target.splitKStreamEfficiency <= 0 || target.splitKStreamEfficiency > 1)
    return fieldError(origin, "split_k_stream_efficiency",
                      "must lie in (0, 1]");
  if (llvm::Error e = readNumber(*object, origin, "fp16_gemm_efficiency",
                                 target.fp16GemmEfficiency, false))
    return std::move(e);
  if (target.mainLoopOverlap > 1 || target.mmaSyncEfficiency > 1 ||
      target.fp16GemmEfficiency > 1 || target.fp16GemmEfficiency <= 0 ||
      target.mmaSyncEfficiency <= 0)
    return fieldError(origin,
                      "main_loop_overlap/mma_sync_efficiency/"
                      "fp16_gemm_efficiency",
                      "must lie in (0, 1] (overlap: [0, 1])");
  if (llvm::Error e = readRates(*object, origin, "mma_ops_per_clock_per_sm",
                                target.mmaOpsPerClock))
    return std::move(e);
  if (llvm::Error e =
          readRates(*object, origin, "cuda_core_instructions_per_clock_per_sm",
                    target.cudaCoreInstrPerClock))
    return std::move(e);
  target.smCount = int64_t(sms);
  target.registersPerSm = int64_t(registers);
  if (target.smCount <= 0 || target.clockGHz <= 0 ||
      target.memoryBandwidthGBs <= 0)
    return fieldError(origin, "sm_count/clock_ghz/memory_bandwidth_gbs",
                      "must be positive");
  for (const char *required : {"s8", "f16"})
    if (target.mmaRate(required) <= 0)
      return fieldError(origin,
                        std::string("mma_ops_per_clock_per_sm.") + required,
                        "is missing");
  for (const char *required :
       {"ffma", "fmul", "fadd", "i2f", "iadd", "lop3", "lsu", "issue"})
    if (target.instrRate(required) <= 0)
      return fieldError(
          origin,
          std::string("cuda_core_instructions_per_clock_per_sm.") + required,
          "is missing");
  target.s4Emulated = object->getBoolean("s4_emulated").value_or(false);
  target.hasWgmma = object->getBoolean("has_wgmma").value_or(false);
  if (object->get("max_active_clusters"))
    if (llvm::Error e = readRates(*object, origin, "max_active_clusters",
                                  target.maxActiveClusters))
      return std::move(e);
  if (const llvm::json::Object *sources = object->getObject("sources"))
    for (const auto &[key, value] : *sources)
      if (std::optional<llvm::StringRef> text = value.getAsString())
        target.sources[key.str()] = text->str();
  if (llvm::Error e = readTunedPlans(*object, origin, target.tunedPlans))
    return std::move(e);
  return target;
}

const TunedPlan *GPUTarget::findTunedPlan(int64_t m, int64_t n, int64_t k,
                                          int64_t aGroup,
                                          int64_t wGroup) const {
  for (const TunedPlan &tuned : tunedPlans)
    if (tuned.n == n && tuned.k == k && tuned.aGroup == aGroup &&
        tuned.wGroup == wGroup && tuned.mMin <= m && m <= tuned.mMax)
      return &tuned;
  return nullptr;
}

llvm::Expected<GPUTarget> apex4::loadTargetFile(llvm::StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return llvm::createStringError(buffer.getError(),
                                   "cannot read target file '%s': %s",
                                   path.str().c_str(),
                                   buffer.getError().message().c_str());
  return parseTarget((*buffer)->getBuffer(), path);
}

llvm::Expected<GPUTarget> apex4::lookupTarget(llvm::StringRef name) {
  for (const EmbeddedTarget &embedded : kEmbeddedTargets)
    if (name.equals_insensitive(embedded.name))
      return parseTarget(embedded.json, embedded.name);
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(), "unknown target '%s'; known targets: %s",
      name.str().c_str(), llvm::join(builtinTargetNames(), ", ").c_str());
}

std::vector<std::string> apex4::builtinTargetNames() {
  std::vector<std::string> names;
  for (const EmbeddedTarget &embedded : kEmbeddedTargets)
    names.push_back(embedded.name);
  return names;
}
