//===- apex4-compile.cpp - apex4 IR -> PTX, cubin and a manifest ------------===//
//
// What a runtime needs from the compiler: `<name>.ptx`, `<name>.cubin` (when
// ptxas is available) and `<name>.json`, the manifest of docs/architecture.md
// (kernel names, parameter order, launch geometry, the chosen plans).
//
//===----------------------------------------------------------------------===//

#include "apex4/InitAll.h"
#include "apex4/Pipelines/Pipelines.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory toolOptions("apex4-compile options");

static cl::opt<std::string> inputFile(cl::cat(toolOptions), cl::Positional, cl::Required,
                                      cl::desc("<input .mlir>"));
static cl::opt<std::string> outputDir(cl::cat(toolOptions), "o", cl::desc("Output directory"),
                                      cl::init("."));
static cl::opt<std::string> outputName(cl::cat(toolOptions), 
    "name", cl::desc("Base name of the outputs (default: input stem)"));
static cl::opt<std::string> targetName(cl::cat(toolOptions), 
    "target", cl::desc("Built-in GPU description (default: h100)"),
    cl::init("h100"));
static cl::opt<std::string> targetFile(cl::cat(toolOptions), 
    "target-file", cl::desc("GPU description JSON file"), cl::init(""));
static cl::opt<std::string> chip(cl::cat(toolOptions), 
    "chip", cl::desc("NVVM chip (default: the target's, e.g. sm_90a for h100)"),
    cl::init(""));
static cl::opt<int64_t> assumedM(cl::cat(toolOptions), 
    "assumed-m",
    cl::desc("Rows the planner assumes for a dynamic M (default 4096; "
             "apex4.nn also plans for its row buckets, "
             "python/apex4/buckets.py)"),
    cl::init(4096));
static cl::opt<bool> noCubin(cl::cat(toolOptions), "no-cubin",
                             cl::desc("Write PTX only, do not run ptxas"));

namespace {

/// Converts an attribute of a kernel's `apex4.kernel_info` to JSON.
llvm::json::Value toJSON(Attribute attr) {
  if (auto i = dyn_cast<IntegerAttr>(attr))
    return i.getInt();
  if (auto s = dyn_cast<StringAttr>(attr))
    return s.str();
  if (auto a = dyn_cast<DenseI64ArrayAttr>(attr))
    return llvm::json::Array(a.asArrayRef());
  if (auto a = dyn_cast<ArrayAttr>(attr)) {
    llvm::json::Array values;
    for (Attribute element : a)
      values.push_back(toJSON(element));
    return values;
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  attr.print(os);
  return text;
}

std::optional<std::string> findPtxas() {
  if (const char *cudaHome = std::getenv("CUDA_HOME")) {
    llvm::SmallString<256> path(cudaHome);
    llvm::sys::path::append(path, "bin", "ptxas");
    if (llvm::sys::fs::can_execute(path))
      return std::string(path);
  }
  if (llvm::sys::fs::can_execute("/usr/local/cuda/bin/ptxas"))
    return std::string("/usr/local/cuda/bin/ptxas");
  if (llvm::ErrorOr<std::string> onPath = llvm::sys::findProgramByName("ptxas"))
    return *onPath;
  return std::nullopt;
}

LogicalResult writeFile(StringRef path, StringRef contents) {
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> file = openOutputFile(path, &error);
  if (!file) {
    llvm::errs() << "apex4-compile: cannot write " << path << ": " << error
                 << "\n";
    return failure();
  }
  file->os() << contents;
  file->keep();
  return success();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  // --help lists this tool's options, not every LLVM backend's.
  cl::HideUnrelatedOptions(toolOptions);
  cl::ParseCommandLineOptions(
      argc, argv,
      "apex4-compile: apex4 IR -> PTX, cubin and a JSON manifest\n");

  DialectRegistry registry;
  apex4::registerAllDialects(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(inputFile, sourceMgr,
                                                           ParserConfig(&context));
  if (!module)
    return 1;

  apex4::GPUPipelineOptions options;
  options.target = targetName;
  options.targetFile = targetFile;
  options.chip = chip;
  options.assumedM = assumedM;
  std::string targetError;
  std::string resolvedChip = apex4::resolveChip(options, targetError);
  if (resolvedChip.empty()) {
    llvm::errs() << "apex4-compile: " << targetError << "\n";
    return 1;
  }
  options.chip = resolvedChip;

  // Phase 1: plans and kernels; the launch facts are read off the kernels.
  PassManager planning(&context);
  apex4::buildPlanAndKernelPipeline(planning, options);
  if (failed(planning.run(*module)))
    return 1;
  llvm::json::Array kernels;
  module->walk([&](gpu::GPUFuncOp func) {
    auto info = func->getAttrOfType<DictionaryAttr>("apex4.kernel_info");
    if (!info)
      return;
    llvm::json::Object kernel{{"name", func.getName().str()}};
    for (NamedAttribute entry : info)
      kernel[entry.getName().str()] = toJSON(entry.getValue());
    kernels.push_back(std::move(kernel));
  });
  llvm::json::Array plans;
  module->walk([&](Operation *op) {
    if (auto plan = op->getAttr("plan")) {
      llvm::json::Object entry{{"op", op->getName().getStringRef().str()},
                               {"plan", toJSON(plan)}};
      if (auto kernel = op->getAttr("apex4.kernel"))
        entry["kernel"] = toJSON(kernel);
      plans.push_back(std::move(entry));
    }
  });
  if (kernels.empty()) {
    llvm::errs() << "apex4-compile: " << inputFile
                 << " has no apex4 ops to compile\n";
    return 1;
  }

  // Phase 2: kernels -> PTX.
  PassManager lowering(&context);
  apex4::buildKernelToBinaryPipeline(lowering, options);
  if (failed(lowering.run(*module)))
    return 1;
  std::string ptx;
  module->walk([&](gpu::BinaryOp binary) {
    for (Attribute object : binary.getObjects())
      ptx += cast<gpu::ObjectAttr>(object).getObject().getValue().str();
  });

  std::string name = outputName.empty()
                         ? llvm::sys::path::stem(inputFile).str()
                         : std::string(outputName);
  if (std::error_code ec = llvm::sys::fs::create_directories(outputDir)) {
    llvm::errs() << "apex4-compile: cannot create " << outputDir << ": "
                 << ec.message() << "\n";
    return 1;
  }
  auto outPath = [&](StringRef extension) {
    llvm::SmallString<256> path(outputDir);
    llvm::sys::path::append(path, name + extension);
    return std::string(path);
  };
  if (failed(writeFile(outPath(".ptx"), ptx)))
    return 1;

  llvm::json::Value cubin = nullptr;
  if (!noCubin) {
    std::optional<std::string> ptxas = findPtxas();
    if (!ptxas) {
      llvm::errs() << "apex4-compile: ptxas not found (set CUDA_HOME or pass "
                      "--no-cubin)\n";
      return 1;
    }
    std::string ptxPath = outPath(".ptx"), cubinPath = outPath(".cubin");
    std::string arch = "-arch=" + resolvedChip;
    llvm::SmallVector<StringRef> args = {*ptxas, arch, "-O3", ptxPath, "-o",
                                         cubinPath};
    std::string error;
    if (llvm::sys::ExecuteAndWait(*ptxas, args, std::nullopt, {}, 0, 0,
                                  &error) != 0) {
      llvm::errs() << "apex4-compile: ptxas failed on " << ptxPath
                   << (error.empty() ? "" : ": " + error) << "\n";
      return 1;
    }
    cubin = name + ".cubin";
  }

  llvm::json::Object manifest{
      {"apex4_version", "0.1.0"},
      {"target", targetFile.empty() ? std::string(targetName)
                                    : std::string(targetFile)},
      {"chip", resolvedChip},
      {"ptx", name + ".ptx"},
      {"cubin", std::move(cubin)},
      {"kernels", std::move(kernels)},
      {"plans", std::move(plans)}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(manifest))) << "\n";
  if (failed(writeFile(outPath(".json"), text)))
    return 1;
  llvm::outs() << "apex4-compile: wrote " << outPath(".ptx")
               << (noCubin ? "" : ", " + outPath(".cubin")) << ", "
               << outPath(".json") << "\n";
  return 0;
}
