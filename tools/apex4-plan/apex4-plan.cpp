//===- apex4-plan.cpp - the cost model from the command line ----------------===//
//
//   apex4-plan --target=a100 --m=8192 --n=8192 --k=8192 [--group=128]
//
// prints JSON: the ranked candidate plans with predicted time, speedup over
// an FP16 GEMM on the same GPU and bottleneck, and the plan apex4 chooses.
//
//===----------------------------------------------------------------------===//

#include "apex4/Target/CostModel.h"
#include "apex4/Target/GPUTarget.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

namespace cl = llvm::cl;
using namespace apex4;

static cl::OptionCategory toolOptions("apex4-plan options");

static cl::opt<std::string> targetName(cl::cat(toolOptions), "target", cl::desc("Built-in target"));
static cl::opt<std::string> targetFile(cl::cat(toolOptions), "target-file",
                                       cl::desc("Target description JSON"));
static cl::opt<int64_t> m(cl::cat(toolOptions), "m", cl::desc("Rows of A (tokens)"), cl::Required);
static cl::opt<int64_t> n(cl::cat(toolOptions), "n", cl::desc("Rows of W (output features)"),
                          cl::Required);
static cl::opt<int64_t> k(cl::cat(toolOptions), "k", cl::desc("Reduction size"), cl::Required);
static cl::opt<std::string> group(cl::cat(toolOptions), "group",
                                  cl::desc("Granularity of both operands: a "
                                           "size, per_channel or auto"),
                                  cl::init(""));
static cl::opt<std::string> aGroup(cl::cat(toolOptions), "a-group", cl::desc("Granularity of A"),
                                   cl::init(""));
static cl::opt<std::string> wGroup(cl::cat(toolOptions), "w-group", cl::desc("Granularity of W"),
                                   cl::init(""));
static cl::opt<int64_t> finest(cl::cat(toolOptions), "finest-group",
                               cl::desc("Finest group 'auto' may pick"),
                               cl::init(32));
static cl::opt<int64_t> coarsest(cl::cat(toolOptions), "coarsest-group",
                                 cl::desc("Coarsest group 'auto' may pick "
                                          "(0: per-channel)"),
                                 cl::init(0));
static cl::opt<unsigned> top(cl::cat(toolOptions), "top", cl::desc("Candidates to list"),
                             cl::init(10));

namespace {

int fail(const llvm::Twine &message) {
  llvm::errs() << "apex4-plan: " << message << "\n";
  return 1;
}

/// "" or "auto" -> unset; "per_channel"/"pc" -> 0; else a power of two >= 16.
llvm::Expected<std::optional<int64_t>> parseGroup(llvm::StringRef text,
                                                  llvm::StringRef flag) {
  if (text.empty() || text == "auto")
    return std::optional<int64_t>();
  if (text == "per_channel" || text == "pc")
    return std::optional<int64_t>(0);
  int64_t value = 0;
  if (text.getAsInteger(10, value) || value < 16 || (value & (value - 1)))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "--%s must be a power of two >= 16, per_channel or auto, got '%s'",
        flag.str().c_str(), text.str().c_str());
  if (k % value != 0)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "--%s=%lld does not divide K = %lld",
                                   flag.str().c_str(), (long long)value,
                                   (long long)k.getValue());
  return std::optional<int64_t>(value);
}

llvm::json::Value groupJSON(int64_t g) {
  if (g == 0)
    return "per_channel";
  return g;
}

llvm::json::Object planJSON(const RankedPlan &r) {
  const PlanCandidate &p = r.plan;
  const Prediction &t = r.prediction;
  return llvm::json::Object{
      {"a_group", groupJSON(p.aGroup)},
      {"w_group", groupJSON(p.wGroup)},
      {"placement", stringify(p.placement)},
      {"convert", stringify(p.convert)},
      {"path", stringify(p.path)},
      {"tile", llvm::json::Array{p.tileM, p.tileN, p.tileK}},
      {"warps", llvm::json::Array{p.warpsM, p.warpsN}},
      {"stages", p.stages},
      {"split_k", p.splitK},
      {"codegen_supported", p.codegenSupported},
      {"predicted_us", t.totalUs},
      {"tensor_core_us", t.tensorUs},
      {"cuda_core_us", t.cudaCoreUs},
      {"memory_us", t.memoryUs},
      {"speedup_vs_fp16", t.fp16Us / t.totalUs},
      {"bottleneck", t.bottleneck},
      {"explanation", t.explanation}};
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  // --help lists this tool's options, not every LLVM backend's.
  cl::HideUnrelatedOptions(toolOptions);
  cl::ParseCommandLineOptions(argc, argv,
                              "apex4-plan: rank W4A4 plans with the rho cost "
                              "model\n");
  if (!targetName.empty() && !targetFile.empty())
    return fail("--target and --target-file are mutually exclusive");
  if (m <= 0 || n <= 0 || k <= 0)
    return fail("--m, --n and --k must be positive");
  if (k % 2 != 0)
    return fail("K must be even so that INT4 values pack two per byte");
  if (!group.empty() && (!aGroup.empty() || !wGroup.empty()))
    return fail("--group sets both operands; do not combine it with "
                "--a-group/--w-group");
  llvm::Expected<GPUTarget> target =
      targetFile.empty()
          ? lookupTarget(targetName.empty() ? "h100" : targetName.getValue())
          : loadTargetFile(targetFile);
  if (!target)
    return fail(llvm::toString(target.takeError()));

  PlanConstraints constraints;
  constraints.finestGroup = finest;
  constraints.coarsestGroup = coarsest;
  auto a = parseGroup(group.empty() ? aGroup : group,
                      group.empty() ? "a-group" : "group");
  if (!a)
    return fail(llvm::toString(a.takeError()));
  auto w = parseGroup(group.empty() ? wGroup : group,
                      group.empty() ? "w-group" : "group");
  if (!w)
    return fail(llvm::toString(w.takeError()));
  constraints.aGroup = *a;
  constraints.wGroup = *w;

  MatmulShape shape{m, n, k};
  std::vector<RankedPlan> ranked = rankPlans(*target, shape, constraints);
  if (ranked.empty())
    return fail("no candidate plan for this shape and these constraints");
  auto chosen = std::find_if(ranked.begin(), ranked.end(),
                             [](const RankedPlan &r) {
                               return r.plan.codegenSupported;
                             });
  llvm::json::Array candidates;
  for (size_t i = 0; i < ranked.size() && i < top; ++i)
    candidates.push_back(planJSON(ranked[i]));
  llvm::json::Object out{
      {"target", target->name},
      {"chip", target->chip},
      {"rho", target->rho()},
      {"shape", llvm::json::Object{{"m", m.getValue()},
                                   {"n", n.getValue()},
                                   {"k", k.getValue()}}},
      {"fp16_us", ranked.front().prediction.fp16Us},
      {"candidate_count", int64_t(ranked.size())},
      {"best_predicted", planJSON(ranked.front())},
      {"chosen", chosen == ranked.end() ? llvm::json::Value(nullptr)
                                        : llvm::json::Value(planJSON(*chosen))},
      {"candidates", std::move(candidates)}};
  llvm::outs() << llvm::formatv("{0:2}", llvm::json::Value(std::move(out)))
               << "\n";
  return 0;
}
