//===- FastMatmulKernel.cpp - ldmatrix/swizzled W4A4 matmul kernel ----------===//
//
// Structure (docs/codegen.md, "Fast matmul kernel", has the full picture and
// the H100 measurements; test/Conversion/prototype holds the hand-designed
// MLIR this builder reproduces):
//
//   - a CTA computes a TM x TN tile of C; warps form a WM x WN grid and each
//     owns (TM/WM) x (TN/WN) outputs as m16n8 fragments;
//   - tiles of A and W (rows x TK INT4 values = TK/2 bytes a row) stream into
//     a `stages`-deep ring of shared-memory buffers with 16-byte cp.async;
//     the 16-byte chunks of a row are XOR-swizzled with the row so that the
//     eight rows an ldmatrix phase reads hit eight different bank groups;
//   - one ldmatrix.x4 on i8 loads, for 16 rows, two k32 steps: an 8x8 b16
//     matrix is 8 rows x 16 bytes = 8 rows x 32 INT4 values, and lane
//     (g = lane/4, t = lane%4) receives word t of row g, i.e. INT4 values
//     k = 8t .. 8t+7 of the step. For s4 that is the m16n8k64 fragment as is;
//   - s8 path: each word x becomes lo = (x << 4) & 0xF0F0F0F0 (the even-k
//     values times 16, as signed bytes) and hi = x & 0xF0F0F0F0 (odd k times
//     16): 3 integer ops per 8 values, no sign-extension arithmetic. A and W
//     use the same K permutation (MMA k 4t+j <-> real 8t+2j, 16+4t+j <->
//     8t+2j+1), so each m16n8k32 s8 MMA adds 256 x the true partial sum; the
//     power-of-two factor is removed once at the store, which is exact;
//   - the fragments of the next tile's first k64 are loaded before the
//     current tile's MMAs (across the barrier), hiding the ldmatrix latency;
//   - INT32 accumulators cover one fine group. With the magic conversion they
//     start at 0x4B400000 (1.5 * 2^23), so at the group end the f32 value is
//     bitcast(acc) - 12582912.0 (exact while |acc - bias| <= 2^22); then
//     acc_f = fma(f32(acc_i), sa * sw, acc_f). Scales of a group are loaded
//     at its start, so their latency hides behind the group's MMAs;
//   - M and N tails: rows past M / N are copied with source size 0 (zeros),
//     stores are predicated.
//
//===----------------------------------------------------------------------===//

#include "apex4/Conversion/APEX4ToGPU/FastMatmulKernel.h"
#include "KernelEmitter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <functional>

using namespace mlir;
using namespace mlir::apex4;

namespace {

/// The high nibble of every byte.
constexpr int32_t kHighNibbles = int32_t(0xF0F0F0F0u);

struct FastMatmulEmitter : KernelEmitterBase, MatmulArguments {
  const MatmulKernelSpec &spec;
  // Plan and derived geometry.
  int64_t tm, tn, tk, wm, wn, stages, threads;
  int64_t rowBytes;    // bytes of one tile row: TK / 2
  int64_t chunks;      // 16-byte chunks of one tile row
  int64_t rowsPerLine; // tile rows per 128-byte line: 8 / chunks
  int64_t fragsM, fragsN, numTiles, fine;
  bool s4, magic, prefetch;
  /// Mixed granularity (MatmulKernelSpec::perChannelOperand): one FMUL
  /// fewer per accumulator at the group end, as the cost model counts it.
  PerChannelOperand perChannel = PerChannelOperand::None;

  // Shared-memory rings and ids.
  Value smemA, smemW;
  Value tid, lane, groupId, laneInGroup, rowBase, colBase, m0, n0;

  /// One 16-byte cp.async per thread and tile, fixed for the whole kernel.
  struct Copy {
    Value row, smemCol, globalCol, globalRow;
    Value rowValid; // null: always in range
    Value inRange;  // null: every thread copies in this pass
  };
  SmallVector<Copy> copiesA, copiesW;
  // ldmatrix lane addresses: rows per A fragment / per pair of B fragments,
  // byte columns per k64 pair.
  SmallVector<Value> aRows, bRows, aCols, bCols;
  // Scale rows (A) and columns (W) of this thread's accumulator elements.
  SmallVector<Value> saRows, swRows;

  struct Scales {
    SmallVector<Value> a, w; // [fm][half], [fn][column]
  };

  // ---- small helpers ----
  VectorType accIntType() { return VectorType::get({2, 2}, b.getI32Type()); }
  VectorType accFloatType() { return VectorType::get({2, 2}, b.getF32Type()); }
  VectorType rawType() { return VectorType::get({4, 4}, b.getI8Type()); }
  Value splat(VectorType type, Attribute element) {
    return arith::ConstantOp::create(b, type,
                                     DenseElementsAttr::get(type, element));
  }
  Value accInit() {
    return splat(accIntType(), b.getI32IntegerAttr(magic ? kMagicBits : 0));
  }

  /// Physical chunk of logical chunk 0 in `row` (XOR it into the chunk).
  Value swizzle(Value row) { return rem(div(row, rowsPerLine), chunks); }

  // ---- global -> shared ----

  void planCopies(int64_t rows, Value rowStart, Value rowLimit,
                  SmallVector<Copy> &copies) {
    int64_t total = rows * chunks;
    for (int64_t first = 0; first < total; first += threads) {
      Copy copy;
      Value chunkId = add(tid, first);
      if (first + threads > total)
        copy.inRange = lessThan(chunkId, idx(total));
      copy.row = div(chunkId, chunks);
      Value chunk = rem(chunkId, chunks);
      copy.smemCol =
          mul(arith::XOrIOp::create(b, chunk, swizzle(copy.row)), 16);
      copy.globalCol = mul(chunk, 16);
      copy.globalRow = add(rowStart, copy.row);
      if (rowLimit)
        copy.rowValid = lessThan(copy.globalRow, rowLimit);
      copies.push_back(copy);
    }
  }

  /// Starts the copy of K tile `kTile` of A and W into ring slot
  /// `kTile % stages` as one cp.async group; tiles past the end copy zeros.
  void issueTile(Value kTile) {
    Value valid = lessThan(kTile, idx(numTiles));
    Value safeTile = arith::MinSIOp::create(b, kTile, idx(numTiles - 1));
    Value slot = rem(kTile, stages);
    Value kByte = mul(safeTile, rowBytes);
    for (auto [copies, global, smem] :
         {std::make_tuple(&copiesA, a, smemA),
          std::make_tuple(&copiesW, w, smemW)})
      for (const Copy &copy : *copies)
        guarded(copy.inRange, [&, &copy = copy, global = global, smem = smem] {
          copyOrZeroFill(smem, {slot, copy.row, copy.smemCol}, global,
                         copy.globalRow, add(kByte, copy.globalCol), 16, 16,
                         valid, copy.rowValid);
        });
    NVVM::CpAsyncCommitGroupOp::create(b);
  }

  // ---- shared -> registers ----

  void planFragmentLoads() {
    // A: lanes 0-7 / 8-15 address rows 0-7 / 8-15 of chunk 2p, lanes 16-31
    // the same rows of chunk 2p+1: registers [g, k0], [g+8, k0], [g, k1],
    // [g+8, k1].
    Value l16 = rem(lane, 16), l8 = rem(lane, 8);
    Value half = div(lane, 16);
    Value quarter = rem(div(lane, 8), 2);
    // B: lanes 0-7 / 8-15 address rows 0-7 of chunks 2p / 2p+1, lanes 16-31
    // rows 8-15: registers [n-frag 0, k0], [n-frag 0, k1], [1, k0], [1, k1].
    Value bRow = add(mul(half, 8), l8);
    // Warp tiles start at multiples of 16 rows, so the swizzle of a lane's
    // row is that of its offset inside the 16-row block.
    Value aSwizzle = swizzle(l16), bSwizzle = swizzle(bRow);
    for (int64_t pair = 0; pair < chunks / 2; ++pair) {
      aCols.push_back(mul(
          arith::XOrIOp::create(b, add(half, 2 * pair), aSwizzle), 16));
      bCols.push_back(mul(
          arith::XOrIOp::create(b, add(quarter, 2 * pair), bSwizzle), 16));
    }
    for (int64_t fm = 0; fm < fragsM; ++fm)
      aRows.push_back(add(add(rowBase, l16), fm * 16));
    for (int64_t fp = 0; fp < fragsN / 2; ++fp)
      bRows.push_back(add(add(colBase, bRow), fp * 16));
  }

  /// ldmatrix.x4 of k64 pair `pair` of the tile in `slot`: fragsM A values
  /// then fragsN / 2 W values, each vector<4x4xi8>.
  SmallVector<Value> loadPair(Value slot, int64_t pair) {
    SmallVector<Value> raws;
    for (Value row : aRows)
      raws.push_back(nvgpu::LdMatrixOp::create(
          b, rawType(), smemA, ValueRange{slot, row, aCols[pair]},
          /*transpose=*/false, /*numTiles=*/4));
    for (Value row : bRows)
      raws.push_back(nvgpu::LdMatrixOp::create(
          b, rawType(), smemW, ValueRange{slot, row, bCols[pair]},
          /*transpose=*/false, /*numTiles=*/4));
    return raws;
  }

  /// Register `i` of an ldmatrix result as an i32.
  Value word(Value raw, int64_t i) {
    Value row = vector::ExtractOp::create(b, raw, i);
    Value asWord = vector::BitCastOp::create(
        b, VectorType::get({1}, b.getI32Type()), row);
    return vector::ExtractOp::create(b, asWord, int64_t(0));
  }

  Value lowTimes16(Value x) { return evenNibblesTimes16(b, b.getLoc(), x); }
  Value highTimes16(Value x) { return oddNibblesTimes16(b, b.getLoc(), x); }
  Value fragment(ArrayRef<Value> words, Type element) {
    return packFragment(b, b.getLoc(), words, element);
  }

  /// The MMAs of k64 pair `pair` of a tile; `afterStep(kDone)` runs after
  /// each MMA step, kDone being the INT4 values of the tile done so far.
  void computePair(ArrayRef<Value> raws, int64_t pair,
                   SmallVector<Value> &accInt,
                   function_ref<void(int64_t)> afterStep) {
    SmallVector<SmallVector<Value>> wa, wb;
    for (int64_t fm = 0; fm < fragsM; ++fm)
      wa.push_back({word(raws[fm], 0), word(raws[fm], 1), word(raws[fm], 2),
                    word(raws[fm], 3)});
    for (int64_t fp = 0; fp < fragsN / 2; ++fp) {
      Value raw = raws[fragsM + fp];
      wb.push_back({word(raw, 0), word(raw, 1), word(raw, 2), word(raw, 3)});
    }
    auto mmaAll = [&](ArrayRef<Value> aFrags, ArrayRef<Value> bFrags,
                      int64_t stepK) {
      SmallVector<int64_t> shape = {16, 8, stepK};
      for (int64_t fm = 0; fm < fragsM; ++fm)
        for (int64_t fn = 0; fn < fragsN; ++fn) {
          Value &acc = accInt[fm * fragsN + fn];
          acc = nvgpu::MmaSyncOp::create(b, aFrags[fm], bFrags[fn], acc, shape);
        }
    };
    if (s4) {
      SmallVector<Value> aFrags, bFrags;
      for (int64_t fm = 0; fm < fragsM; ++fm)
        aFrags.push_back(fragment(wa[fm], b.getIntegerType(4)));
      for (int64_t fn = 0; fn < fragsN; ++fn)
        bFrags.push_back(fragment({wb[fn / 2][2 * (fn % 2)],
                                   wb[fn / 2][2 * (fn % 2) + 1]},
                                  b.getIntegerType(4)));
      mmaAll(aFrags, bFrags, 64);
      afterStep((pair + 1) * 64);
      return;
    }
    for (int64_t step = 0; step < 2; ++step) {
      SmallVector<Value> aFrags, bFrags;
      for (int64_t fm = 0; fm < fragsM; ++fm) {
        Value top = wa[fm][2 * step], bottom = wa[fm][2 * step + 1];
        aFrags.push_back(fragment({lowTimes16(top), lowTimes16(bottom),
                                   highTimes16(top), highTimes16(bottom)},
                                  b.getI8Type()));
      }
      for (int64_t fn = 0; fn < fragsN; ++fn) {
        Value x = wb[fn / 2][2 * (fn % 2) + step];
        bFrags.push_back(
            fragment({lowTimes16(x), highTimes16(x)}, b.getI8Type()));
      }
      mmaAll(aFrags, bFrags, 32);
      afterStep(pair * 64 + (step + 1) * 32);
    }
  }

  /// One K tile: wait for its data, start the copy `stages - 1` tiles ahead,
  /// load its fragments (the first pair came with `raws`; `raws` leaves with
  /// the next tile's first pair), run the MMAs.
  void tileBody(Value kTile, SmallVector<Value> &accInt,
                SmallVector<Value> &raws,
                function_ref<void(int64_t)> afterStep) {
    NVVM::CpAsyncWaitGroupOp::create(
        b, uint32_t(prefetch ? stages - 3 : stages - 2));
    gpu::BarrierOp::create(b);
    issueTile(add(kTile, stages - 1));
    Value slot = rem(kTile, stages);
    SmallVector<SmallVector<Value>> pairs;
    for (int64_t pair = 0; pair < chunks / 2; ++pair)
      pairs.push_back(pair == 0 && prefetch ? raws : loadPair(slot, pair));
    if (prefetch)
      raws = loadPair(rem(add(kTile, 1), stages), 0);
    for (int64_t pair = 0; pair < chunks / 2; ++pair)
      computePair(pairs[pair], pair, accInt, afterStep);
  }

  // ---- dequantization ----

  void planScales() {
    Value lastRow = arith::SubIOp::create(b, m, idx(1));
    for (int64_t fm = 0; fm < fragsM; ++fm)
      for (int64_t half = 0; half < 2; ++half) {
        Value row = add(add(add(m0, rowBase), groupId), fm * 16 + half * 8);
        saRows.push_back(arith::MinSIOp::create(b, row, lastRow));
      }
    Value pairCol = mul(laneInGroup, 2);
    for (int64_t fn = 0; fn < fragsN; ++fn)
      for (int64_t column = 0; column < 2; ++column) {
        Value col = add(add(add(n0, colBase), pairCol), fn * 8 + column);
        swRows.push_back(arith::MinSIOp::create(b, col, idx(spec.n - 1)));
      }
  }

  /// The scales of fine group `group` for this thread's elements.
  Scales loadScales(Value group) {
    Value kStart = mul(group, fine);
    Value aColumn = div(kStart, spec.aGroup);
    Value wColumn = div(kStart, spec.wGroup);
    Scales s;
    for (Value row : saRows)
      s.a.push_back(memref::LoadOp::create(b, sa, ValueRange{row, aColumn}));
    for (Value row : swRows)
      s.w.push_back(memref::LoadOp::create(b, sw, ValueRange{row, wColumn}));
    return s;
  }

  /// acc_f += f32(acc_i) * (sa * sw), fused.
  void dequantize(const Scales &s, ArrayRef<Value> accInt,
                  SmallVector<Value> &accFloat) {
    auto contract = arith::FastMathFlags::contract;
    for (int64_t fm = 0; fm < fragsM; ++fm)
      for (int64_t fn = 0; fn < fragsN; ++fn) {
        Value scale = fragmentScales(s, fm, fn, /*perChannelPart=*/false);
        int64_t i = fm * fragsN + fn;
        Value value;
        if (magic) {
          Value bits = arith::BitcastOp::create(b, accFloatType(), accInt[i]);
          value = arith::SubFOp::create(
              b, bits, splat(accFloatType(), b.getF32FloatAttr(kMagicFloat)));
        } else {
          value = arith::SIToFPOp::create(b, accFloatType(), accInt[i]);
        }
        Value term = arith::MulFOp::create(b, value, scale, contract);
        accFloat[i] = arith::AddFOp::create(b, accFloat[i], term, contract);
      }
  }

  /// The scales of fragment (fm, fn)'s four accumulator elements. At the
  /// group end (!perChannelPart): sa * sw, or with mixed granularity the
  /// grouped operand's scale only; after the loop (perChannelPart): the
  /// per-channel operand's scale.
  Value fragmentScales(const Scales &s, int64_t fm, int64_t fn,
                       bool perChannelPart) {
    SmallVector<Value> scales;
    for (int64_t half = 0; half < 2; ++half)
      for (int64_t column = 0; column < 2; ++column) {
        scales.push_back(elementScale(perChannel, s.a[fm * 2 + half],
                                      s.w[fn * 2 + column], perChannelPart));
      }
    return vector::FromElementsOp::create(b, accFloatType(), scales);
  }

  // ---- epilogue ----

  /// Mixed granularity: every accumulator times its per-channel scale
  /// (group 0's: the same for all K), once.
  void applyPerChannelScales(SmallVector<Value> &accFloat) {
    if (perChannel == PerChannelOperand::None)
      return;
    Scales s = loadScales(idx(0));
    for (int64_t fm = 0; fm < fragsM; ++fm)
      for (int64_t fn = 0; fn < fragsN; ++fn) {
        int64_t i = fm * fragsN + fn;
        accFloat[i] = arith::MulFOp::create(
            b, accFloat[i], fragmentScales(s, fm, fn, /*perChannelPart=*/true));
      }
  }

  void storeResults(ArrayRef<Value> accFloat) {
    Type outType = spec.outType;
    auto pairType = VectorType::get({2}, outType);
    auto pairFloat = VectorType::get({2}, b.getF32Type());
    int64_t align = 2 * outType.getIntOrFloatBitWidth() / 8;
    Value unscale;
    if (!s4)
      unscale = splat(pairFloat, b.getF32FloatAttr(1.0f / kS8Factor));
    for (int64_t fm = 0; fm < fragsM; ++fm)
      for (int64_t half = 0; half < 2; ++half) {
        Value row = add(add(add(m0, rowBase), groupId), fm * 16 + half * 8);
        auto rowInRange = scf::IfOp::create(b, lessThan(row, m), false);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(rowInRange.thenBlock());
        for (int64_t fn = 0; fn < fragsN; ++fn) {
          Value pair = vector::ExtractOp::create(
              b, accFloat[fm * fragsN + fn], int64_t(half));
          if (unscale) // exact: a power of two
            pair = arith::MulFOp::create(b, pair, unscale);
          if (!outType.isF32())
            pair = arith::TruncFOp::create(b, pairType, pair);
          Value col = add(add(add(n0, colBase), mul(laneInGroup, 2)), fn * 8);
          auto store = [&] {
            vector::StoreOp::create(b, pair, c, ValueRange{row, col},
                                    /*nontemporal=*/false,
                                    llvm::MaybeAlign(align));
          };
          if (spec.n % tn == 0) {
            store();
            continue;
          }
          // N is even, so a column pair is either fully in range or not.
          auto colInRange =
              scf::IfOp::create(b, lessThan(col, idx(spec.n)), false);
          OpBuilder::InsertionGuard inner(b);
          b.setInsertionPointToStart(colInRange.thenBlock());
          store();
        }
      }
  }

  // ---- the kernel ----

  void emitBody() {
    tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
    lane = rem(tid, 32);
    Value warp = div(tid, 32);
    groupId = div(lane, 4);
    laneInGroup = rem(lane, 4);
    rowBase = mul(rem(warp, wm), tm / wm);
    colBase = mul(div(warp, wm), tn / wn);
    m0 = mul(gpu::BlockIdOp::create(b, gpu::Dimension::y), tm);
    n0 = mul(gpu::BlockIdOp::create(b, gpu::Dimension::x), tn);

    planCopies(tm, m0, m, copiesA);
    planCopies(tn, n0, spec.n % tn ? idx(spec.n) : Value(), copiesW);
    planFragmentLoads();
    planScales();

    // Prologue: the first stages - 1 tiles in flight, and with prefetch the
    // first fragments of tile 0 in registers.
    for (int64_t s = 0; s + 1 < stages; ++s)
      issueTile(idx(s));
    SmallVector<Value> raws;
    if (prefetch) {
      NVVM::CpAsyncWaitGroupOp::create(b, uint32_t(stages - 2));
      gpu::BarrierOp::create(b);
      raws = loadPair(idx(0), 0);
    }
    size_t frags = fragsM * fragsN;
    SmallVector<Value> inits(
        frags, splat(accFloatType(), b.getF32FloatAttr(0.0f)));
    inits.append(raws);

    scf::ForOp loop;
    if (fine >= tk) {
      // Groups (outer loop) of fine / TK tiles (inner loop); the scales of a
      // group are loaded at its start.
      int64_t tilesPerGroup = fine / tk;
      loop = forLoop(
          idx(0), idx(spec.k / fine), inits, [&](Value group, ValueRange args) {
            SmallVector<Value> accFloat(args.take_front(frags));
            Scales scales = loadScales(group);
            Value firstTile = mul(group, tilesPerGroup);
            SmallVector<Value> innerInits(frags, accInit());
            innerInits.append(args.begin() + frags, args.end());
            scf::ForOp tiles = forLoop(
                idx(0), idx(tilesPerGroup), innerInits,
                [&](Value t, ValueRange innerArgs) {
                  SmallVector<Value> accInt(innerArgs.take_front(frags));
                  SmallVector<Value> rawsHere(innerArgs.drop_front(frags));
                  tileBody(add(firstTile, t), accInt, rawsHere,
                           [](int64_t) {});
                  SmallVector<Value> results = accInt;
                  results.append(rawsHere);
                  return results;
                });
            SmallVector<Value> accInt(tiles.getResults().take_front(frags));
            dequantize(scales, accInt, accFloat);
            SmallVector<Value> results = accFloat;
            llvm::append_range(results, tiles.getResults().drop_front(frags));
            return results;
          });
    } else {
      // Several groups per tile: they end at static MMA steps.
      int64_t groupsPerTile = tk / fine;
      loop = forLoop(
          idx(0), idx(numTiles), inits, [&](Value kTile, ValueRange args) {
            SmallVector<Value> accFloat(args.take_front(frags));
            SmallVector<Value> rawsHere(args.drop_front(frags));
            SmallVector<Value> accInt(frags, accInit());
            Value firstGroup = mul(kTile, groupsPerTile);
            Scales scales = loadScales(firstGroup);
            tileBody(kTile, accInt, rawsHere, [&](int64_t kDone) {
              if (kDone % fine != 0)
                return;
              dequantize(scales, accInt, accFloat);
              accInt.assign(frags, accInit());
              if (kDone < tk)
                scales = loadScales(add(firstGroup, kDone / fine));
            });
            SmallVector<Value> results = accFloat;
            results.append(rawsHere);
            return results;
          });
    }
    NVVM::CpAsyncWaitGroupOp::create(b, uint32_t(0));
    SmallVector<Value> accFloat(loop.getResults().take_front(frags));
    applyPerChannelScales(accFloat);
    storeResults(accFloat);
  }
};

} // namespace

bool mlir::apex4::activationsAsContainers(const MatmulKernelSpec &spec) {
  return spec.plan.getPath() == MmaPath::S8WgmmaWreg;
}

SmallVector<Type>
mlir::apex4::byteMatmulArgumentTypes(Builder &b, const MatmulKernelSpec &spec) {
  int64_t k = spec.k, n = spec.n;
  Type i8 = b.getI8Type(), f32 = b.getF32Type();
  bool containers = activationsAsContainers(spec);
  SmallVector<Type> types = {
      MemRefType::get({kMaxRows, containers ? k : k / 2}, i8), // A or AC
      MemRefType::get({kMaxRows, k / spec.aGroup}, f32),       // SA
      MemRefType::get({n, k / 2}, i8),                         // W
      MemRefType::get({n, k / spec.wGroup}, f32),              // SW
      MemRefType::get({kMaxRows, n}, spec.outType)};           // C
  // ACMAP: the containers' TMA tensor map (128 bytes in global memory).
  if (containers)
    types.push_back(MemRefType::get({128}, i8));
  types.push_back(b.getIndexType()); // M
  return types;
}

Value mlir::apex4::evenNibblesTimes16(OpBuilder &b, Location loc, Value word) {
  Value four = arith::ConstantIntOp::create(b, loc, b.getI32Type(), 4);
  Value mask =
      arith::ConstantIntOp::create(b, loc, b.getI32Type(), kHighNibbles);
  Value shifted = arith::ShLIOp::create(b, loc, word, four);
  return arith::AndIOp::create(b, loc, shifted, mask);
}

Value mlir::apex4::oddNibblesTimes16(OpBuilder &b, Location loc, Value word) {
  Value mask =
      arith::ConstantIntOp::create(b, loc, b.getI32Type(), kHighNibbles);
  return arith::AndIOp::create(b, loc, word, mask);
}

Value mlir::apex4::packFragment(OpBuilder &b, Location loc,
                                ArrayRef<Value> words, Type element) {
  int64_t perWord = 32 / element.getIntOrFloatBitWidth();
  auto rowType = VectorType::get({perWord}, element);
  auto type = VectorType::get({int64_t(words.size()), perWord}, element);
  Value result = arith::ConstantOp::create(
      b, loc, type, DenseElementsAttr::get(type, b.getIntegerAttr(element, 0)));
  for (auto [i, x] : llvm::enumerate(words)) {
    Value asVector = vector::BroadcastOp::create(
        b, loc, VectorType::get({1}, b.getI32Type()), x);
    Value row = vector::BitCastOp::create(b, loc, rowType, asVector);
    result = vector::InsertOp::create(b, loc, row, result, int64_t(i));
  }
  return result;
}

std::optional<std::string>
mlir::apex4::checkFastMatmulSpec(const MatmulKernelSpec &spec,
                                 StringRef chip) {
  if (std::optional<std::string> problem = checkPlanIsGenerated(spec, chip))
    return problem;
  PlanAttr plan = spec.plan;
  auto message = [](const llvm::Twine &text) { return text.str(); };
  int64_t fine = spec.fineGroup();
  int64_t tm = plan.getTileM(), tn = plan.getTileN(), tk = plan.getTileK();
  int64_t wm = plan.getWarpsM(), wn = plan.getWarpsN();
  bool s4 = plan.getPath() == MmaPath::S4MmaSync;
  if (plan.getSplitK() != 1)
    return message("split_k > 1 is built by the split-K kernel only");
  if (plan.getPath() == MmaPath::S8Wgmma ||
      plan.getPath() == MmaPath::S8WgmmaWreg)
    return message("path " + stringifyMmaPath(plan.getPath()) +
                   " is built by the wgmma kernel only");
  int64_t stepK = s4 ? 64 : 32;
  if (fine % stepK != 0)
    return message("group size " + llvm::Twine(fine) + " is finer than one " +
                   (s4 ? "s4 MMA (64 values)" : "s8 MMA (32 values)"));
  if (tk != 64 && tk != 128)
    return message("tile K must be 64 or 128 (one or two ldmatrix.x4 per "
                   "fragment), not " + llvm::Twine(tk));
  if (spec.k % tk != 0)
    return message("K = " + llvm::Twine(spec.k) +
                   " is not a multiple of the plan's tile K " +
                   llvm::Twine(tk));
  if (fine > tk ? fine % tk != 0 : tk % fine != 0)
    return message("group size " + llvm::Twine(fine) +
                   " and tile K must divide one another");
  if (spec.aGroup % fine != 0 || spec.wGroup % fine != 0)
    return message("the coarser group must be a multiple of the finer");
  if (spec.n % 2 != 0)
    return message("N = " + llvm::Twine(spec.n) + " must be even");
  if (wm <= 0 || wn <= 0 || tm % (16 * wm) != 0 || tn % (16 * wn) != 0)
    return message("the warp tile (" + llvm::Twine(tm) + "/" +
                   llvm::Twine(wm) + " x " + llvm::Twine(tn) + "/" +
                   llvm::Twine(wn) + ") must be a multiple of 16 x 16");
  int64_t fragments = (tm / wm / 16) * (tn / wn / 8);
  if (fragments > 16)
    return message("a warp tile of " + llvm::Twine(fragments) +
                   " MMA fragments exceeds the register budget (16)");
  if (plan.getStages() < 2)
    return message("plan stages must be >= 2 for the cp.async pipeline");
  int64_t smem = plan.getStages() * (tm + tn) * tk / 2;
  if (smem > 48 * 1024)
    return message("the cp.async ring needs " + llvm::Twine(smem) +
                   " bytes of shared memory; static shared memory is limited "
                   "to 49152");
  return checkGroupFitsInt32(spec);
}

FailureOr<gpu::GPUFuncOp>
mlir::apex4::buildFastMatmulKernel(OpBuilder &builder, gpu::GPUModuleOp module,
                                   const MatmulKernelSpec &spec,
                                   StringRef chip) {
  if (checkFastMatmulSpec(spec, chip))
    return failure();
  MLIRContext *ctx = builder.getContext();
  OpBuilder::InsertionGuard guard(builder);
  ImplicitLocOpBuilder b(module.getLoc(), builder);
  b.setInsertionPointToEnd(module.getBody());
  PlanAttr plan = spec.plan;
  int64_t k = spec.k;
  Type i8 = b.getI8Type();
  auto workgroup =
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  int64_t rowBytes = plan.getTileK() / 2;
  auto smemA = MemRefType::get({plan.getStages(), plan.getTileM(), rowBytes},
                               i8, MemRefLayoutAttrInterface(), workgroup);
  auto smemW = MemRefType::get({plan.getStages(), plan.getTileN(), rowBytes},
                               i8, MemRefLayoutAttrInterface(), workgroup);
  gpu::GPUFuncOp func =
      createMatmulKernelFunc(b, spec, TypeRange{smemA, smemW});
  for (unsigned i = 0; i < 2; ++i)
    func.setWorkgroupAttributionAttr(i, b.getStringAttr("llvm.align"),
                                     b.getI64IntegerAttr(128));
  int64_t threads = spec.threads();
  int64_t chunks = plan.getTileK() / 32;
  bool s4 = plan.getPath() == MmaPath::S4MmaSync;
  FastMatmulEmitter emitter{
      {b},
      {},
      spec,
      plan.getTileM(),
      plan.getTileN(),
      plan.getTileK(),
      plan.getWarpsM(),
      plan.getWarpsN(),
      plan.getStages(),
      threads,
      rowBytes,
      chunks,
      8 / chunks,
      plan.getTileM() / plan.getWarpsM() / 16,
      plan.getTileN() / plan.getWarpsN() / 8,
      k / plan.getTileK(),
      spec.fineGroup(),
      s4,
      /*magic=*/plan.getConvert() == ConvertMethod::Magic && magicIsExact(spec),
      /*prefetch=*/plan.getStages() >= 3};
  static_cast<MatmulArguments &>(emitter) = MatmulArguments::of(func);
  emitter.smemA = func.getWorkgroupAttributions()[0];
  emitter.smemW = func.getWorkgroupAttributions()[1];
  emitter.perChannel = spec.perChannelOperand();
  emitter.emitBody();
  gpu::ReturnOp::create(b);

  attachMatmulKernelInfo(b, func, spec);
  return func;
}
