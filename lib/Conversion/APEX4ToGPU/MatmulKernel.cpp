//===- MatmulKernel.cpp - the grouped W4A4 matmul kernel --------------------===//
//
// Structure (docs/codegen.md has the full picture):
//   - a CTA computes a TM x TN tile of C; warps form a WM x WN grid and each
//     owns (TM/WM) x (TN/WN) outputs as m16n8 MMA fragments;
//   - A and W tiles (TM/TN rows x TK INT4 values, packed 8 per i32) stream
//     into a `stages`-deep ring of shared-memory buffers with cp.async;
//   - per MMA step a thread reads one i32 (8 INT4 values) per fragment row;
//     the s4 path feeds them to mma.m16n8k64.s4 as they are, the s8 path
//     splits them into even / odd nibbles sign-extended to bytes and feeds
//     mma.m16n8k32.s8. Using the same K permutation for A and W keeps the dot
//     product unchanged, so no byte shuffle is needed;
//   - INT32 accumulators hold one fine group (min(a_group, w_group)); at
//     each group end they are converted (cvt or magic number), scaled by
//     sa * sw and added to f32 accumulators, then reset.
//
//===----------------------------------------------------------------------===//

#include "apex4/Conversion/APEX4ToGPU/KernelBuilders.h"
#include "KernelEmitter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

using namespace mlir;
using namespace mlir::apex4;

namespace {

/// Values that stay fixed for the whole kernel.
struct MatmulEmitter : KernelEmitterBase, MatmulArguments {
  const MatmulKernelSpec &spec;
  // Plan and derived geometry.
  int64_t tm, tn, tk, wm, wn, stages, threads;
  int64_t wordsPerRow;      // i32 words per tile row: TK / 8
  int64_t fragsM, fragsN;   // m16 / n8 fragments per warp
  int64_t stepK;            // INT4 values per MMA: 64 (s4) or 32 (s8)
  int64_t numTiles;         // K / TK
  bool s4;
  // Shared-memory rings and ids.
  Value smemA, smemW;
  Value tid, lane, groupId, laneInGroup, rowBase, colBase, m0, n0;

  using KernelEmitterBase::mul;
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, x, y); }

  VectorType accIntType() { return VectorType::get({2, 2}, b.getI32Type()); }
  VectorType accFloatType() { return VectorType::get({2, 2}, b.getF32Type()); }

  /// Issues the cp.async copies of one operand tile (`rows` rows starting at
  /// `rowStart` of `global`, tile `kTile`) into `stage` of `smem`. Rows past
  /// `rowLimit` and tiles past the end are zero-filled.
  void copyTile(Value global, Value smem, int64_t rows, Value rowStart,
                Value rowLimit, bool rowsAlwaysValid, Value kTile,
                Value tileValid, Value stage) {
    int64_t chunksPerRow = wordsPerRow / 4; // 16-byte chunks
    int64_t chunks = rows * chunksPerRow;
    for (int64_t first = 0; first < chunks; first += threads) {
      Value chunk = add(tid, first);
      auto emitCopy = [&] {
        Value row = arith::DivUIOp::create(b, chunk, idx(chunksPerRow));
        Value word = mul(arith::RemUIOp::create(b, chunk, idx(chunksPerRow)), 4);
        Value globalRow = add(rowStart, row);
        Value valid = tileValid;
        if (!rowsAlwaysValid)
          valid = arith::AndIOp::create(b, valid, lessThan(globalRow, rowLimit));
        // A zero-sized source reads nothing; the address is kept in range.
        Value safeRow = arith::SelectOp::create(b, valid, globalRow, idx(0));
        Value srcElements = arith::SelectOp::create(b, valid, idx(4), idx(0));
        Value globalWord = add(mul(kTile, wordsPerRow), word);
        nvgpu::DeviceAsyncCopyOp::create(
            b, nvgpu::DeviceAsyncTokenType::get(b.getContext()), smem,
            ValueRange{stage, row, word}, global,
            ValueRange{safeRow, globalWord}, b.getIndexAttr(4), srcElements,
            /*bypassL1=*/b.getUnitAttr());
      };
      if (first + threads <= chunks) {
        emitCopy();
        continue;
      }
      auto inRange = scf::IfOp::create(b, lessThan(chunk, idx(chunks)),
                                       /*withElseRegion=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(inRange.thenBlock());
      emitCopy();
    }
  }

  /// Copies K tile `kTile` of A and W into ring slot `kTile % stages` and
  /// commits them as one cp.async group.
  void issueTile(Value kTile) {
    Value valid = lessThan(kTile, idx(numTiles));
    Value safeTile = minIndex(kTile, idx(numTiles - 1));
    Value stage = arith::RemUIOp::create(b, kTile, idx(stages));
    copyTile(a, smemA, tm, m0, m, /*rowsAlwaysValid=*/false, safeTile, valid,
             stage);
    copyTile(w, smemW, tn, n0, idx(spec.n), spec.n % tn == 0, safeTile, valid,
             stage);
    NVVM::CpAsyncCommitGroupOp::create(b);
  }

  /// ldmatrix on the packed tile: `rowBlocks x wordBlocks` 8 x 16-byte
  /// matrices starting at `firstRow`, word `word0` (matrix j covers rows
  /// + 8 (j % rowBlocks), words + 4 (j / rowBlocks)). Lane (g, t) receives
  /// word t of row g of every matrix, which is the MMA fragment register
  /// layout for 8 INT4 (s4) or 4-byte (s8) groups along K.
  SmallVector<Value> loadMatrixWords(Value smem, Value stage, Value firstRow,
                                     int64_t word0, int64_t rowBlocks,
                                     int64_t wordBlocks) {
    int64_t tiles = rowBlocks * wordBlocks;
    // Lanes 8j..8j+7 address the rows of matrix j.
    Value matrix = arith::RemUIOp::create(
        b, arith::DivUIOp::create(b, lane, idx(8)), idx(tiles));
    Value row = add(add(firstRow, arith::RemUIOp::create(b, lane, idx(8))),
                    mul(arith::RemUIOp::create(b, matrix, idx(rowBlocks)), 8));
    Value word = add(mul(arith::DivUIOp::create(b, matrix, idx(rowBlocks)), 4),
                     word0);
    auto type = VectorType::get({tiles, 1}, b.getI32Type());
    Value loaded = nvgpu::LdMatrixOp::create(b, type, smem,
                                             ValueRange{stage, row, word},
                                             /*transpose=*/false, tiles);
    SmallVector<Value> words;
    for (int64_t j = 0; j < tiles; ++j)
      words.push_back(
          vector::ExtractOp::create(b, loaded, ArrayRef<int64_t>{j, 0}));
    return words;
  }

  /// Splits 8 packed INT4 values into their even and odd nibbles, each
  /// sign-extended to a byte: ((v ^ 8) + 0x78) ^ 0x80 per byte never
  /// carries into the next byte.
  std::pair<Value, Value> unpackToInt8(Value word) {
    Value nibbles = i32(0x0F0F0F0F);
    Value even = arith::AndIOp::create(b, word, nibbles);
    Value odd = arith::AndIOp::create(
        b, arith::ShRUIOp::create(b, word, i32(4)), nibbles);
    auto signExtend = [&](Value v) {
      Value flipped = arith::XOrIOp::create(b, v, i32(0x08080808));
      Value biased = arith::AddIOp::create(b, flipped, i32(0x78787878));
      return arith::XOrIOp::create(b, biased, i32(0x80808080)).getResult();
    };
    return {signExtend(even), signExtend(odd)};
  }

  /// Packs i32 registers as the rows of an MMA operand fragment.
  Value fragment(ArrayRef<Value> words, Type element) {
    int64_t perWord = 32 / element.getIntOrFloatBitWidth();
    auto rowType = VectorType::get({perWord}, element);
    auto type = VectorType::get({int64_t(words.size()), perWord}, element);
    Value result = arith::ConstantOp::create(
        b, type, DenseElementsAttr::get(type, b.getIntegerAttr(element, 0)));
    for (auto [i, word] : llvm::enumerate(words)) {
      Value asVector = vector::BroadcastOp::create(
          b, VectorType::get({1}, b.getI32Type()), word);
      Value row = vector::BitCastOp::create(b, rowType, asVector);
      result = vector::InsertOp::create(b, row, result, int64_t(i));
    }
    return result;
  }

  /// The MMAs of one K step (`step` within the tile) on all fragments.
  void mmaStep(Value stage, int64_t step, SmallVector<Value> &accInt) {
    SmallVector<Value> aFrags, bFrags;
    int64_t wordsPerStep = stepK / 8;
    int64_t w0 = step * wordsPerStep;
    for (int64_t fm = 0; fm < fragsM; ++fm) {
      Value firstRow = add(rowBase, fm * 16);
      if (s4) {
        // a0..a3: rows +0/+8 x K halves +0/+32, exactly ldmatrix.x4's order.
        aFrags.push_back(fragment(
            loadMatrixWords(smemA, stage, firstRow, w0, 2, 2),
            b.getIntegerType(4)));
      } else {
        SmallVector<Value> words =
            loadMatrixWords(smemA, stage, firstRow, w0, 2, 1);
        auto [evenLo, oddLo] = unpackToInt8(words[0]);
        auto [evenHi, oddHi] = unpackToInt8(words[1]);
        aFrags.push_back(
            fragment({evenLo, evenHi, oddLo, oddHi}, b.getIntegerType(8)));
      }
    }
    for (int64_t fn = 0; fn < fragsN; ++fn) {
      Value firstRow = add(colBase, fn * 8);
      if (s4) {
        bFrags.push_back(
            fragment(loadMatrixWords(smemW, stage, firstRow, w0, 1, 2),
                     b.getIntegerType(4)));
      } else {
        SmallVector<Value> words =
            loadMatrixWords(smemW, stage, firstRow, w0, 1, 1);
        auto [even, odd] = unpackToInt8(words[0]);
        bFrags.push_back(fragment({even, odd}, b.getIntegerType(8)));
      }
    }
    SmallVector<int64_t> shape = {16, 8, stepK};
    for (int64_t fm = 0; fm < fragsM; ++fm)
      for (int64_t fn = 0; fn < fragsN; ++fn) {
        Value &acc = accInt[fm * fragsN + fn];
        acc = nvgpu::MmaSyncOp::create(b, aFrags[fm], bFrags[fn], acc, shape);
      }
  }

  /// INT32 -> f32 by the plan's method.
  Value toFloat(Value acc) {
    if (spec.plan.getConvert() == ConvertMethod::Cvt)
      return arith::SIToFPOp::create(b, accFloatType(), acc);
    // Exact for |x| < 2^22: 0x4B400000 is 1.5 * 2^23, whose mantissa holds x.
    Value bias = arith::ConstantOp::create(
        b, accIntType(),
        DenseElementsAttr::get(accIntType(), b.getI32IntegerAttr(0x4B400000)));
    Value magic = arith::ConstantOp::create(
        b, accFloatType(),
        DenseElementsAttr::get(accFloatType(), b.getF32FloatAttr(12582912.0f)));
    Value biased = arith::AddIOp::create(b, acc, bias);
    Value asFloat = arith::BitcastOp::create(b, accFloatType(), biased);
    return arith::SubFOp::create(b, asFloat, magic);
  }

  Value zeroAccInt() {
    return arith::ConstantOp::create(
        b, accIntType(),
        DenseElementsAttr::get(accIntType(), b.getI32IntegerAttr(0)));
  }

  /// Ends fine group `group` (an index value): acc_f += f32(acc_i) * sa * sw
  /// for every fragment element, then acc_i = 0.
  void dequantize(Value group, SmallVector<Value> &accInt,
                  SmallVector<Value> &accFloat) {
    int64_t fine = spec.fineGroup();
    Value kStart = mul(group, fine);
    Value aColumn = arith::DivUIOp::create(b, kStart, idx(spec.aGroup));
    Value wColumn = arith::DivUIOp::create(b, kStart, idx(spec.wGroup));
    Value lastRow = arith::SubIOp::create(b, m, idx(1));
    SmallVector<Value> aScales, wScales; // [fm][half], [fn][column]
    for (int64_t fm = 0; fm < fragsM; ++fm)
      for (int64_t half = 0; half < 2; ++half) {
        Value row = add(add(add(m0, rowBase), fm * 16 + half * 8), groupId);
        aScales.push_back(memref::LoadOp::create(
            b, sa, ValueRange{minIndex(row, lastRow), aColumn}));
      }
    for (int64_t fn = 0; fn < fragsN; ++fn)
      for (int64_t column = 0; column < 2; ++column) {
        Value col = add(add(add(n0, colBase), fn * 8 + column),
                        mul(laneInGroup, 2));
        wScales.push_back(memref::LoadOp::create(
            b, sw, ValueRange{minIndex(col, idx(spec.n - 1)), wColumn}));
      }
    for (int64_t fm = 0; fm < fragsM; ++fm)
      for (int64_t fn = 0; fn < fragsN; ++fn) {
        SmallVector<Value> products;
        for (int64_t half = 0; half < 2; ++half)
          for (int64_t column = 0; column < 2; ++column)
            products.push_back(arith::MulFOp::create(
                b, aScales[fm * 2 + half], wScales[fn * 2 + column]));
        Value scale =
            vector::FromElementsOp::create(b, accFloatType(), products);
        int64_t i = fm * fragsN + fn;
        Value term = arith::MulFOp::create(b, toFloat(accInt[i]), scale);
        accFloat[i] = arith::AddFOp::create(b, accFloat[i], term);
        accInt[i] = zeroAccInt();
      }
  }

  /// The body of one K tile: wait for its copies, start the copy of the
  /// tile `stages - 1` ahead, then the MMAs and group ends.
  void tileBody(Value kTile, SmallVector<Value> &accInt,
                SmallVector<Value> &accFloat) {
    NVVM::CpAsyncWaitGroupOp::create(b, uint32_t(stages - 2));
    gpu::BarrierOp::create(b);
    issueTile(add(kTile, stages - 1));
    Value stage = arith::RemUIOp::create(b, kTile, idx(stages));
    int64_t fine = spec.fineGroup();
    int64_t steps = tk / stepK;
    for (int64_t step = 0; step < steps; ++step) {
      mmaStep(stage, step, accInt);
      int64_t kDone = (step + 1) * stepK;
      if (fine <= tk && kDone % fine == 0) {
        // Group index: (kTile * TK + kDone) / fine - 1, all static but kTile.
        Value group = add(mul(kTile, tk / fine), kDone / fine - 1);
        dequantize(group, accInt, accFloat);
      }
    }
    if (fine <= tk || fine == spec.k)
      return;
    // Groups longer than a tile end every fine / TK tiles.
    Value tilesDone = add(kTile, 1);
    Value endsGroup = arith::CmpIOp::create(
        b, arith::CmpIPredicate::eq,
        arith::RemUIOp::create(b, tilesDone, idx(fine / tk)), idx(0));
    SmallVector<Type> types(accInt.size(), accIntType());
    types.append(accFloat.size(), accFloatType());
    auto ifOp = scf::IfOp::create(b, types, endsGroup, /*withElse=*/true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      SmallVector<Value> newInt = accInt, newFloat = accFloat;
      Value group = arith::SubIOp::create(
          b, arith::DivUIOp::create(b, tilesDone, idx(fine / tk)), idx(1));
      dequantize(group, newInt, newFloat);
      SmallVector<Value> results = newInt;
      results.append(newFloat);
      scf::YieldOp::create(b, results);
      b.setInsertionPointToStart(ifOp.elseBlock());
      SmallVector<Value> same = accInt;
      same.append(accFloat);
      scf::YieldOp::create(b, same);
    }
    for (size_t i = 0; i < accInt.size(); ++i)
      accInt[i] = ifOp.getResult(i);
    for (size_t i = 0; i < accFloat.size(); ++i)
      accFloat[i] = ifOp.getResult(accInt.size() + i);
  }

  /// Writes the f32 accumulators to C, rows < M and columns < N only.
  void storeResults(ArrayRef<Value> accFloat) {
    Type outType = spec.outType;
    auto pairType = VectorType::get({2}, outType);
    for (int64_t fm = 0; fm < fragsM; ++fm)
      for (int64_t half = 0; half < 2; ++half) {
        Value row = add(add(add(m0, rowBase), fm * 16 + half * 8), groupId);
        auto rowInRange = scf::IfOp::create(b, lessThan(row, m), false);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(rowInRange.thenBlock());
        for (int64_t fn = 0; fn < fragsN; ++fn) {
          Value pair = vector::ExtractOp::create(
              b, accFloat[fm * fragsN + fn], int64_t(half));
          if (!outType.isF32())
            pair = arith::TruncFOp::create(b, pairType, pair);
          Value col = add(add(add(n0, colBase), fn * 8), mul(laneInGroup, 2));
          if (spec.n % tn == 0) {
            vector::StoreOp::create(b, pair, c, ValueRange{row, col});
            continue;
          }
          // N is even, so a column pair is either fully in range or not.
          auto colInRange =
              scf::IfOp::create(b, lessThan(col, idx(spec.n)), false);
          OpBuilder::InsertionGuard inner(b);
          b.setInsertionPointToStart(colInRange.thenBlock());
          vector::StoreOp::create(b, pair, c, ValueRange{row, col});
        }
      }
  }

  void emitBody() {
    tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
    lane = arith::RemUIOp::create(b, tid, idx(32));
    Value warp = arith::DivUIOp::create(b, tid, idx(32));
    groupId = arith::DivUIOp::create(b, lane, idx(4));
    laneInGroup = arith::RemUIOp::create(b, lane, idx(4));
    Value warpM = arith::RemUIOp::create(b, warp, idx(wm));
    Value warpN = arith::DivUIOp::create(b, warp, idx(wm));
    rowBase = mul(warpM, tm / wm);
    colBase = mul(warpN, tn / wn);
    m0 = mul(gpu::BlockIdOp::create(b, gpu::Dimension::y), tm);
    n0 = mul(gpu::BlockIdOp::create(b, gpu::Dimension::x), tn);

    // Prologue: the first stages - 1 tiles in flight.
    for (int64_t s = 0; s + 1 < stages; ++s)
      issueTile(idx(s));

    SmallVector<Value> init;
    for (int64_t i = 0; i < fragsM * fragsN; ++i)
      init.push_back(zeroAccInt());
    Value zeroFloat = arith::ConstantOp::create(
        b, accFloatType(),
        DenseElementsAttr::get(accFloatType(), b.getF32FloatAttr(0.0f)));
    for (int64_t i = 0; i < fragsM * fragsN; ++i)
      init.push_back(zeroFloat);
    size_t frags = fragsM * fragsN;
    auto loop = scf::ForOp::create(
        b, idx(0), idx(numTiles), idx(1), init,
        [&](OpBuilder &nested, Location loc, Value kTile, ValueRange args) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nested.getInsertionBlock(),
                              nested.getInsertionPoint());
          SmallVector<Value> accInt(args.take_front(frags));
          SmallVector<Value> accFloat(args.drop_front(frags));
          tileBody(kTile, accInt, accFloat);
          SmallVector<Value> results = accInt;
          results.append(accFloat);
          scf::YieldOp::create(b, results);
        });
    NVVM::CpAsyncWaitGroupOp::create(b, uint32_t(0));
    SmallVector<Value> accInt(loop.getResults().take_front(frags));
    SmallVector<Value> accFloat(loop.getResults().drop_front(frags));
    // A group as long as K (per-channel on both sides, the epilogue
    // placement) ends after the last tile.
    if (spec.fineGroup() == spec.k)
      dequantize(idx(0), accInt, accFloat);
    storeResults(accFloat);
  }
};

} // namespace

int64_t mlir::apex4::maxSharedBytesPerCta(StringRef chip) {
  if (chip.starts_with("sm_90") || chip.starts_with("sm_100"))
    return 227 * 1024;
  if (chip == "sm_80" || chip == "sm_87")
    return 163 * 1024;
  if (chip == "sm_86" || chip == "sm_89")
    return 99 * 1024;
  return 48 * 1024;
}

std::optional<std::string>
mlir::apex4::checkPlanIsGenerated(const MatmulKernelSpec &spec,
                                  StringRef chip) {
  PlanAttr plan = spec.plan;
  auto message = [](const llvm::Twine &text) { return text.str(); };
  bool hopper = chip.starts_with("sm_90") || chip.starts_with("sm_100");
  switch (plan.getPath()) {
  case MmaPath::S4MmaSync:
    if (hopper)
      return message("plan path s4_mma_sync is emulated in software on " +
                     chip + " (about 28x slower than s8); use s8_mma_sync");
    break;
  case MmaPath::S8MmaSync:
    break;
  case MmaPath::S8Wgmma:
  case MmaPath::S8WgmmaWreg:
    if (chip != "sm_90a")
      return message("plan path " + stringifyMmaPath(plan.getPath()) +
                     " needs the sm_90a target (wgmma is an sm_90a "
                     "instruction), not " + chip);
    break;
  }
  if (plan.getPlacement() == DequantPlacement::OperandFold)
    return message("plan placement operand_fold is not generated yet");
  if (plan.getPlacement() == DequantPlacement::Epilogue &&
      spec.fineGroup() != spec.k)
    return message("plan placement epilogue needs per-channel scales on both "
                   "operands");
  return std::nullopt;
}

std::optional<std::string>
mlir::apex4::checkMatmulSpec(const MatmulKernelSpec &spec, StringRef chip) {
  if (std::optional<std::string> problem = checkPlanIsGenerated(spec, chip))
    return problem;
  PlanAttr plan = spec.plan;
  auto message = [](const llvm::Twine &text) { return text.str(); };
  if (plan.getSplitK() != 1)
    return message("split_k > 1 is built by the split-K kernel only");
  if (plan.getPath() == MmaPath::S8Wgmma ||
      plan.getPath() == MmaPath::S8WgmmaWreg)
    return message("path " + stringifyMmaPath(plan.getPath()) +
                   " is built by the wgmma kernel only");
  int64_t stepK = plan.getPath() == MmaPath::S4MmaSync ? 64 : 32;
  if (spec.fineGroup() % stepK != 0)
    return message("group size " + llvm::Twine(spec.fineGroup()) +
                   " is finer than one " +
                   (stepK == 64 ? "s4 MMA (64 values)" : "s8 MMA (32 values)"));
  if (spec.k % plan.getTileK() != 0)
    return message("K = " + llvm::Twine(spec.k) +
                   " is not a multiple of the plan's tile K " +
                   llvm::Twine(plan.getTileK()));
  if (spec.fineGroup() > plan.getTileK() &&
      spec.fineGroup() % plan.getTileK() != 0)
    return message("group size must be a multiple of the plan's tile K");
  if (spec.n % 2 != 0)
    return message("N = " + llvm::Twine(spec.n) + " must be even");
  int64_t fragments = (plan.getTileM() / plan.getWarpsM() / 16) *
                      (plan.getTileN() / plan.getWarpsN() / 8);
  if (fragments > 16)
    return message("a warp tile of " + llvm::Twine(fragments) +
                   " MMA fragments exceeds the register budget (16)");
  if (plan.getStages() < 2)
    return message("plan stages must be >= 2 for the cp.async pipeline");
  if (spec.fineGroup() == spec.k && spec.k >= (int64_t(1) << 16) &&
      plan.getConvert() == ConvertMethod::Magic)
    return message("magic-number conversion is exact only below 2^22; "
                   "K is too long for it");
  return std::nullopt;
}

void mlir::apex4::attachMatmulKernelInfo(OpBuilder &b, gpu::GPUFuncOp func,
                                          const MatmulKernelSpec &spec,
                                          int64_t dynamicSharedBytes) {
  PlanAttr plan = spec.plan;
  auto str = [&](StringRef s) { return b.getStringAttr(s); };
  NamedAttrList info;
  info.append("kind", str("matmul"));
  info.append("n", b.getI64IntegerAttr(spec.n));
  info.append("k", b.getI64IntegerAttr(spec.k));
  info.append("a_group", b.getI64IntegerAttr(spec.aGroup));
  info.append("w_group", b.getI64IntegerAttr(spec.wGroup));
  info.append("out_type", str(spec.outType.isF32() ? "f32" : "f16"));
  // AC: the activations as INT8 containers (docs/codegen.md), not packed.
  if (activationsAsContainers(spec))
    info.append("params",
                b.getStrArrayAttr({"AC", "SA", "W", "SW", "C", "ACMAP", "M"}));
  else
    info.append("params", b.getStrArrayAttr({"A", "SA", "W", "SW", "C", "M"}));
  info.append("block", b.getDenseI64ArrayAttr({spec.threads(), 1, 1}));
  // K slices that are warps of one CTA (summed in shared memory) add no
  // grid dimension; slices that are the CTAs of a cluster are the grid's z.
  int64_t gridZ = spec.slicesAreClusterCtas() ? plan.getSplitK() : 1;
  info.append("grid", b.getDenseI64ArrayAttr(
                          {plan.getTileN(), plan.getTileM(), gridZ}));
  info.append("shared_bytes", b.getI64IntegerAttr(dynamicSharedBytes));
  info.append("max_m", b.getI64IntegerAttr(kMaxRows));
  func->setAttr("apex4.kernel_info", info.getDictionary(b.getContext()));
}

gpu::GPUFuncOp mlir::apex4::buildMatmulKernel(OpBuilder &builder,
                                              gpu::GPUModuleOp module,
                                              const MatmulKernelSpec &spec) {
  MLIRContext *ctx = builder.getContext();
  ImplicitLocOpBuilder b(module.getLoc(), builder);
  b.setInsertionPointToEnd(module.getBody());
  PlanAttr plan = spec.plan;
  int64_t k = spec.k, n = spec.n;
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  auto global = [&](ArrayRef<int64_t> shape, Type element) {
    return MemRefType::get(shape, element);
  };
  SmallVector<Type> args = {
      global({kMaxRows, k / 8}, i32),              // A
      global({kMaxRows, k / spec.aGroup}, f32),    // SA
      global({n, k / 8}, i32),                     // W
      global({n, k / spec.wGroup}, f32),           // SW
      global({kMaxRows, n}, spec.outType),         // C
      b.getIndexType()};                           // M
  auto workgroup = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  int64_t wordsPerRow = plan.getTileK() / 8;
  auto smemA = MemRefType::get({plan.getStages(), plan.getTileM(), wordsPerRow},
                               i32, MemRefLayoutAttrInterface(), workgroup);
  auto smemW = MemRefType::get({plan.getStages(), plan.getTileN(), wordsPerRow},
                               i32, MemRefLayoutAttrInterface(), workgroup);
  auto func = gpu::GPUFuncOp::create(b, spec.name,
                                     b.getFunctionType(args, {}),
                                     TypeRange{smemA, smemW});
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  for (unsigned i = 0; i < 2; ++i)
    func.setWorkgroupAttributionAttr(i, b.getStringAttr("llvm.align"),
                                     b.getI64IntegerAttr(128));
  int64_t threads = spec.threads();
  func.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr({int32_t(threads), 1, 1}));

  Block &entry = func.getBody().front();
  b.setInsertionPointToStart(&entry);
  MatmulEmitter emitter{{b},
                        {},
                        spec,
                        plan.getTileM(),
                        plan.getTileN(),
                        plan.getTileK(),
                        plan.getWarpsM(),
                        plan.getWarpsN(),
                        plan.getStages(),
                        threads,
                        wordsPerRow,
                        plan.getTileM() / plan.getWarpsM() / 16,
                        plan.getTileN() / plan.getWarpsN() / 8,
                        plan.getPath() == MmaPath::S4MmaSync ? 64 : 32,
                        k / plan.getTileK(),
                        plan.getPath() == MmaPath::S4MmaSync};
  static_cast<MatmulArguments &>(emitter) = MatmulArguments::of(func);
  emitter.smemA = func.getWorkgroupAttributions()[0];
  emitter.smemW = func.getWorkgroupAttributions()[1];
  emitter.emitBody();
  gpu::ReturnOp::create(b);

  attachMatmulKernelInfo(b, func, spec);
  return func;
}
