//===- InitAll.h - everything a driver needs to run apex4 ---------*- C++ -*-===//
//
// What a larger compiler calls to use apex4: the dialects and external models
// the apex4 pipelines rely on, and the registration of apex4 passes.
//
//===----------------------------------------------------------------------===//

#ifndef APEX4_INITALL_H
#define APEX4_INITALL_H

#include "mlir/IR/DialectRegistry.h"

namespace mlir::apex4 {

/// The apex4 dialect plus the upstream dialects and interface models that the
/// apex4 pipelines produce or need (bufferization, LLVM, GPU/NVVM).
void registerAllDialects(DialectRegistry &registry);

/// apex4 passes and pipelines, and the upstream passes they are built from.
void registerAllPasses();

} // namespace mlir::apex4

#endif // APEX4_INITALL_H
