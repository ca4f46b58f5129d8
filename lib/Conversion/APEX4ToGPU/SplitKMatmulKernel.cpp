//===- SplitKMatmulKernel.cpp - split-K W4A4 kernel for small M --------------===//
//
// Layout (docs/codegen.md, "Split-K kernel"):
//
//   - CTA (x, y) owns columns [x*TN, x*TN + TN) and rows [y*TM, y*TM + TM);
//     warp s of the `split_k` warps owns the K chunks (128 values each)
//     [s*C/S, (s+1)*C/S), C = K/128;
//   - per chunk, lane (g = lane/4, t = lane%4) loads 16 bytes of W row g of
//     each 8-column fragment and of A rows g and g+8, all at INT4 offset 32t:
//     register j of the load holds k = 32t + 8j .. 32t + 8j + 7. One
//     m16n8k32 s8 MMA per register j takes the even nibbles (times 16) as
//     its k 4t..4t+3 and the odd nibbles as 16+4t..16+4t+3, in A and W
//     alike, so each MMA adds 256 x the true partial sum of 32 K values (the
//     factor leaves, exactly, at the store). A chunk lies in one group
//     because the finer group is a multiple of 128;
//   - TM = 16 puts A rows g, g+8 on the MMA's A side and W rows on its
//     8-column B side. TM = 8 swaps them: W rows g, g+8 of each 16-row
//     fragment are the A side and token g the B side, so at M <= 8 no MMA
//     row is padding and each MMA covers twice the weights;
//   - INT32 accumulators cover one group or the part of it in the warp's
//     slice; at its end the f32 accumulators take fma(f32(acc), sa*sw, .);
//   - stages 1 loads W at use (inline ld.global.nc); stages S > 1 keeps
//     S - 1 chunks of W in flight per warp through a shared-memory ring of
//     S slots filled by cp.async, each lane reading back only the bytes it
//     copied (no barrier). A register prefetch cost 10 registers per chunk,
//     and past 64 registers a 512-thread CTA lost its second CTA per SM
//     (bench/results/h200-decode-loads). The W scales of those chunks
//     travel in registers (loaded when their W is copied): 4-byte cp.async
//     copies of them made the kernel up to 2x slower
//     (bench/results/h200-decode-ring). A and its scales, shared by all
//     CTAs of a row block, are loaded at use;
//   - rows past M and columns past N read clamped (in-range) addresses and
//     are never stored (columns only need the clamp when TN does not
//     divide N); partial sums go through shared memory and are added in
//     slice order by the whole CTA, one rounding into C.
//
//===----------------------------------------------------------------------===//

#include "apex4/Conversion/APEX4ToGPU/SplitKMatmulKernel.h"
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

constexpr int64_t kChunkBytes = kSplitKChunk / 2;
/// Bytes one lane loads per row and chunk.
constexpr int64_t kLaneBytes = 16;

struct SplitKEmitter : KernelEmitterBase, MatmulArguments {
  const MatmulKernelSpec &spec;
  int64_t tm, tn, slices, depth, chunks, chunksPerGroup;
  /// Tile M 8: W is the MMA's A operand (16 W rows per fragment) and the
  /// tokens its N side, so no MMA row is padding when M <= 8. Tile M 16:
  /// tokens are the A operand, W the B operand (8 W rows per fragment).
  bool swapped;
  /// Accumulator fragments per lane.
  int64_t accs;
  /// Magic-number conversion (the plan's, when exact): the INT32 sums start
  /// at the bias 0x4B400000, and f32(sum) = bitcast(acc) - 1.5 * 2^23 takes
  /// a full-rate add instead of the quarter-rate cvt. It measured slower
  /// than cvt here (bench/results/h200-decode-magic); the planner uses cvt.
  bool magic;
  /// Mixed granularity (MatmulKernelSpec::perChannelOperand).
  PerChannelOperand perChannel = PerChannelOperand::None;

  Value partials;
  /// depth > 0: the ring, [warp][slot][W row][lane] of vector<4xi32>
  /// (workgroup memory), and its shared address.
  Value wRing, wRingBase;
  /// Global addresses of A, SA, W and SW (i64).
  Value aBase, saBase, wBase, swBase;
  Value tid, lane, warp, groupId, laneInGroup, m0, n0, laneByte;
  /// Rows this lane loads 16 bytes of, clamped in range: A rows g and g+8
  /// (swapped: g); W row g of each 8-row fragment (swapped: rows g and g+8
  /// of each 16-row fragment, in that order).
  SmallVector<Value> aRows, wRows;
  /// Scale rows of this lane's accumulator elements: A rows g, g+8 and W
  /// rows 2t, 2t+1 of each fragment (swapped: tokens 2t, 2t+1, and wRows).
  SmallVector<Value> saRows, swRows;

  VectorType accIntType() { return VectorType::get({2, 2}, b.getI32Type()); }
  VectorType accFloatType() { return VectorType::get({2, 2}, b.getF32Type()); }
  Value splat(VectorType type, Attribute element) {
    return arith::ConstantOp::create(b, type,
                                     DenseElementsAttr::get(type, element));
  }
  /// The INT32 accumulators' start: 0, or the magic bias.
  Value zeroInt() {
    return splat(accIntType(), b.getI32IntegerAttr(magic ? kMagicBits : 0));
  }

  // ---- loads ----

  /// 16 bytes of `row` of `memref` at this lane's offset in chunk `chunk`.
  Value loadWords(Value memref, Value base, Value row, Value chunk,
                  StringRef qualifiers) {
    Value byte = add(mul(chunk, kChunkBytes), laneByte);
    static_assert(kLaneBytes == 16, "loadGlobalWords loads 16 bytes");
    return loadGlobalWords(globalAddress(memref, base, {row, byte}),
                           qualifiers);
  }

  // The W fragments and the W scales of the chunk's group are the bytes
  // that come from HBM: with stages > 1 the ring keeps the fragments in
  // flight and the scales travel in registers. A and its scales are loaded
  // at use: every CTA of a row block reads them, so they hit L1 or L2.

  /// Chunks the ring prefetches run past the slice: their addresses are
  /// clamped to the last chunk (the W copies are zero fills there; the W
  /// scales are loaded from the clamped chunk and never used).
  Value safeChunk(Value chunk) { return minIndex(chunk, idx(chunks - 1)); }

  /// W words then W scales of chunk `chunk` of the warp's slice, loaded now
  /// (stages 1; the slice ends at or before the last chunk).
  SmallVector<Value> loadAhead(Value chunk) {
    SmallVector<Value> values;
    // W is read once: it skips L1 and asks L2 for the whole 256-byte block,
    // which the next chunks of the same rows read.
    for (Value row : wRows)
      values.push_back(
          loadWords(w, wBase, row, chunk, ".L1::no_allocate.L2::256B"));
    llvm::append_range(values, loadWScales(chunk));
    return values;
  }

  /// The A scales of chunk `chunk`'s group, one per entry of saRows.
  SmallVector<Value> loadAScales(Value chunk) {
    Value aColumn = div(mul(chunk, kSplitKChunk), spec.aGroup);
    SmallVector<Value> values;
    for (Value row : saRows)
      values.push_back(
          loadGlobalF32(globalAddress(sa, saBase, {row, aColumn})));
    return values;
  }

  /// The W scales of chunk `chunk`'s group, one per entry of swRows.
  SmallVector<Value> loadWScales(Value chunk) {
    Value wColumn = div(mul(chunk, kSplitKChunk), spec.wGroup);
    SmallVector<Value> values;
    for (Value row : swRows)
      values.push_back(
          loadGlobalF32(globalAddress(sw, swBase, {row, wColumn})));
    return values;
  }

  /// Starts the copies of chunk `chunk`'s W words into its ring slot as one
  /// cp.async group; a chunk past the warp's slice copies zeros (no global
  /// read). Slot: (chunk - begin) mod (depth + 1), so the slot refilled is
  /// the one the previous chunk was read from.
  void issueAhead(Value chunk, Value begin, Value end) {
    Value valid = lessThan(chunk, end);
    Value safe = safeChunk(chunk);
    Value slot = ringSlot(chunk, begin);
    Value byte = add(mul(safe, kChunkBytes), laneByte);
    for (auto [i, row] : llvm::enumerate(wRows))
      asyncCopyToShared(
          sharedAddress(wRing, wRingBase, {warp, slot, idx(i), lane}),
          globalAddress(w, wBase, {row, byte}), valid, ".L2::256B");
    NVVM::CpAsyncCommitGroupOp::create(b);
  }

  Value ringSlot(Value chunk, Value begin) {
    return rem(arith::SubIOp::create(b, chunk, begin), depth + 1);
  }

  /// The W words of `chunk` from its ring slot (the caller has waited for
  /// its copy group), then `scales`, in loadAhead's order.
  SmallVector<Value> readAhead(Value chunk, Value begin,
                               ArrayRef<Value> scales) {
    Value slot = ringSlot(chunk, begin);
    SmallVector<Value> values;
    for (size_t i = 0; i < wRows.size(); ++i)
      values.push_back(memref::LoadOp::create(
          b, wRing, ValueRange{warp, slot, idx(i), lane}));
    llvm::append_range(values, scales);
    return values;
  }

  /// Everything chunk `chunk` needs, in the order computeChunk and
  /// dequantize read it: A rows, W fragments, A scales, W scales.
  SmallVector<Value> withActivations(Value chunk, ArrayRef<Value> ahead) {
    SmallVector<Value> values;
    for (Value row : aRows)
      values.push_back(loadWords(a, aBase, row, chunk, ""));
    llvm::append_range(values, ahead.take_front(wRows.size()));
    llvm::append_range(values, loadAScales(chunk));
    llvm::append_range(values, ahead.drop_front(wRows.size()));
    return values;
  }

  // ---- MMAs ----

  Value lowTimes16(Value x) { return evenNibblesTimes16(b, b.getLoc(), x); }
  Value highTimes16(Value x) { return oddNibblesTimes16(b, b.getLoc(), x); }
  Value fragment(ArrayRef<Value> words) {
    return packFragment(b, b.getLoc(), words, b.getI8Type());
  }

  /// The MMAs of one chunk. Register j of a lane's 16-byte load feeds one
  /// m16n8k32: A fragment {low(top), low(bottom), high(top), high(bottom)}
  /// of two rows, B fragment {low(x), high(x)} of one.
  void computeChunk(ArrayRef<Value> words, SmallVector<Value> &accInt) {
    size_t nA = aRows.size();
    auto wordOf = [&](size_t i, int64_t j) {
      return vector::ExtractOp::create(b, words[i], j).getResult();
    };
    auto pairFragment = [&](Value top, Value bottom) {
      return fragment({lowTimes16(top), lowTimes16(bottom), highTimes16(top),
                       highTimes16(bottom)});
    };
    auto mma = [&](Value aFrag, Value x, Value acc) {
      Value bFrag = fragment({lowTimes16(x), highTimes16(x)});
      return nvgpu::MmaSyncOp::create(b, aFrag, bFrag, acc,
                                      ArrayRef<int64_t>{16, 8, 32})
          .getResult();
    };
    for (int64_t j = 0; j < 4; ++j) {
      if (swapped) {
        Value x = wordOf(0, j);
        for (int64_t f = 0; f < accs; ++f)
          accInt[f] = mma(pairFragment(wordOf(nA + 2 * f, j),
                                       wordOf(nA + 2 * f + 1, j)),
                          x, accInt[f]);
        continue;
      }
      Value aFrag = pairFragment(wordOf(0, j), wordOf(1, j));
      for (int64_t f = 0; f < accs; ++f)
        accInt[f] = mma(aFrag, wordOf(nA + f, j), accInt[f]);
    }
  }

  // ---- dequantization ----

  /// acc_f += f32(acc_i) * (sa * sw); `current` is withActivations' list.
  void dequantize(ArrayRef<Value> current, ArrayRef<Value> accInt,
                  SmallVector<Value> &accFloat) {
    size_t first = aRows.size() + wRows.size();
    ArrayRef<Value> sA = current.slice(first, saRows.size());
    ArrayRef<Value> sW = current.slice(first + saRows.size(), swRows.size());
    auto contract = arith::FastMathFlags::contract;
    for (int64_t f = 0; f < accs; ++f) {
      Value scale = fragmentScales(sA, sW, f, /*perChannelPart=*/false);
      Value value =
          magic ? arith::SubFOp::create(
                      b,
                      arith::BitcastOp::create(b, accFloatType(), accInt[f]),
                      splat(accFloatType(), b.getF32FloatAttr(kMagicFloat)))
                      .getResult()
                : arith::SIToFPOp::create(b, accFloatType(), accInt[f])
                      .getResult();
      Value term = arith::MulFOp::create(b, value, scale, contract);
      accFloat[f] = arith::AddFOp::create(b, accFloat[f], term, contract);
    }
  }

  /// The scales of fragment f's four accumulator elements, from the values
  /// of saRows (sA) and swRows (sW). At the group end (!perChannelPart):
  /// sa * sw, or with mixed granularity the grouped operand's scale only;
  /// after the loop (perChannelPart): the per-channel operand's scale.
  Value fragmentScales(ArrayRef<Value> sA, ArrayRef<Value> sW, int64_t f,
                       bool perChannelPart) {
    SmallVector<Value> scales;
    for (int64_t half = 0; half < 2; ++half)
      for (int64_t column = 0; column < 2; ++column) {
        // Element [half][column]: swapped, token column and W row half.
        Value aScale = swapped ? sA[column] : sA[half];
        Value wScale = swapped ? sW[f * 2 + half] : sW[f * 2 + column];
        scales.push_back(
            elementScale(perChannel, aScale, wScale, perChannelPart));
      }
    return vector::FromElementsOp::create(b, accFloatType(), scales);
  }

  /// Mixed granularity: every accumulator times its per-channel scale,
  /// once, before the slices' partials meet.
  void applyPerChannelScales(SmallVector<Value> &accFloat) {
    if (perChannel == PerChannelOperand::None)
      return;
    SmallVector<Value> sA = loadAScales(idx(0)), sW = loadWScales(idx(0));
    for (int64_t f = 0; f < accs; ++f)
      accFloat[f] = arith::MulFOp::create(
          b, accFloat[f], fragmentScales(sA, sW, f, /*perChannelPart=*/true));
  }

  // ---- cross-slice reduction ----

  /// Accumulator element [half][column] of fragment f is output (token
  /// row, W column) (g + 8 half, 8f + 2t + column); swapped, (2t + column,
  /// 16f + g + 8 half).
  void storePartials(ArrayRef<Value> accFloat) {
    for (int64_t f = 0; f < accs; ++f)
      for (int64_t half = 0; half < 2; ++half)
        for (int64_t column = 0; column < 2; ++column) {
          Value value = vector::ExtractOp::create(
              b, accFloat[f], ArrayRef<int64_t>{half, column});
          Value pair = add(mul(laneInGroup, 2), column);
          Value row = swapped ? pair : add(groupId, half * 8);
          Value col = swapped ? add(groupId, f * 16 + half * 8)
                              : add(pair, f * 8);
          memref::StoreOp::create(b, value, partials,
                                  ValueRange{warp, row, col});
        }
  }

  /// Every output of the CTA tile: the slices' partials in slice order,
  /// unscaled, rounded once, stored when in range.
  void reduceAndStore() {
    int64_t outputs = tm * tn, threads = 32 * slices;
    Value unscale = arith::ConstantOp::create(
        b, b.getF32FloatAttr(1.0f / float(kS8Factor)));
    for (int64_t first = 0; first < outputs; first += threads) {
      Value id = add(tid, first);
      Value row = div(id, tn), col = rem(id, tn);
      Value globalRow = add(m0, row), globalCol = add(n0, col);
      Value inRange = arith::AndIOp::create(b, lessThan(globalRow, m),
                                            lessThan(globalCol, idx(spec.n)));
      if (first + threads > outputs)
        inRange = arith::AndIOp::create(b, inRange, lessThan(id, idx(outputs)));
      auto ifOp = scf::IfOp::create(b, inRange, /*withElse=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      Value sum = memref::LoadOp::create(b, partials,
                                         ValueRange{idx(0), row, col});
      for (int64_t s = 1; s < slices; ++s)
        sum = arith::AddFOp::create(
            b, sum,
            memref::LoadOp::create(b, partials, ValueRange{idx(s), row, col}));
      Value value = arith::MulFOp::create(b, sum, unscale); // exact
      if (!spec.outType.isF32())
        value = arith::TruncFOp::create(b, spec.outType, value);
      memref::StoreOp::create(b, value, c, ValueRange{globalRow, globalCol});
    }
  }

  // ---- the kernel ----

  void emitBody() {
    tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
    lane = rem(tid, 32);
    warp = div(tid, 32);
    groupId = div(lane, 4);
    laneInGroup = rem(lane, 4);
    laneByte = mul(laneInGroup, kLaneBytes);
    m0 = mul(gpu::BlockIdOp::create(b, gpu::Dimension::y), tm);
    n0 = mul(gpu::BlockIdOp::create(b, gpu::Dimension::x), tn);
    aBase = globalBase(a);
    saBase = globalBase(sa);
    wBase = globalBase(w);
    swBase = globalBase(sw);

    Value lastRow = arith::SubIOp::create(b, m, idx(1));
    auto token = [&](Value row) { return minIndex(add(m0, row), lastRow); };
    // When TN divides N no column is out of range. Unclamped, the rows of a
    // lane sit at constant distances from its first, so one address register
    // serves them all (immediate offsets) instead of one 64-bit pointer each.
    bool columnsInRange = spec.n % tn == 0;
    auto column = [&](Value col) {
      Value global = add(n0, col);
      return columnsInRange ? global : minIndex(global, idx(spec.n - 1));
    };
    Value pair = mul(laneInGroup, 2);
    if (swapped) {
      aRows.push_back(token(groupId));
      for (int64_t f = 0; f < accs; ++f)
        for (int64_t half = 0; half < 2; ++half)
          wRows.push_back(column(add(groupId, f * 16 + half * 8)));
      for (int64_t c = 0; c < 2; ++c)
        saRows.push_back(token(add(pair, c)));
      swRows = wRows;
    } else {
      for (int64_t half = 0; half < 2; ++half)
        aRows.push_back(token(add(groupId, half * 8)));
      saRows = aRows;
      for (int64_t f = 0; f < accs; ++f) {
        wRows.push_back(column(add(groupId, f * 8)));
        for (int64_t c = 0; c < 2; ++c)
          swRows.push_back(column(add(pair, f * 8 + c)));
      }
    }

    Value begin = div(mul(warp, chunks), slices);
    Value end = div(mul(add(warp, 1), chunks), slices);
    Value last = arith::SubIOp::create(b, end, idx(1));

    // Iteration arguments: f32 accumulators, INT32 accumulators, then (with
    // a ring) the W scales of the `depth` chunks in flight, oldest first:
    // a few registers, where the W words would take 8 per chunk.
    SmallVector<Value> inits(accs,
                             splat(accFloatType(), b.getF32FloatAttr(0.0f)));
    inits.append(accs, zeroInt());
    for (int64_t d = 0; d < depth; ++d)
      llvm::append_range(inits, loadWScales(safeChunk(add(begin, d))));
    if (depth > 0)
      wRingBase = sharedBase(wRing);
    for (int64_t d = 0; d < depth; ++d)
      issueAhead(add(begin, d), begin, end);

    scf::ForOp loop = forLoop(begin, end, inits, [&](Value chunk,
                                                     ValueRange args) {
      SmallVector<Value> accFloat(args.take_front(accs));
      SmallVector<Value> accInt(args.slice(accs, accs));
      SmallVector<Value> scalesInFlight(args.drop_front(2 * accs));
      SmallVector<Value> ahead;
      if (depth == 0) {
        ahead = loadAhead(chunk);
      } else {
        Value coming = add(chunk, depth);
        issueAhead(coming, begin, end);
        size_t perChunk = swRows.size();
        SmallVector<Value> scales(scalesInFlight.begin(),
                                  scalesInFlight.begin() + perChunk);
        scalesInFlight.erase(scalesInFlight.begin(),
                             scalesInFlight.begin() + perChunk);
        llvm::append_range(scalesInFlight, loadWScales(safeChunk(coming)));
        NVVM::CpAsyncWaitGroupOp::create(b, uint32_t(depth));
        ahead = readAhead(chunk, begin, scales);
      }
      SmallVector<Value> current = withActivations(chunk, ahead);
      computeChunk(current, accInt);

      // The group (or this slice's part of it) ends after this chunk.
      Value next = add(chunk, 1);
      Value groupEnds = arith::CmpIOp::create(
          b, arith::CmpIPredicate::eq, rem(next, chunksPerGroup), idx(0));
      Value sliceEnds = arith::CmpIOp::create(b, arith::CmpIPredicate::eq,
                                              chunk, last);
      Value flush = arith::OrIOp::create(b, groupEnds, sliceEnds);
      SmallVector<Type> accTypes(accs, accFloatType());
      accTypes.append(accs, accIntType());
      auto ifOp = scf::IfOp::create(b, accTypes, flush, /*withElse=*/true);
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(ifOp.thenBlock());
        SmallVector<Value> updated = accFloat;
        dequantize(current, accInt, updated);
        updated.append(accs, zeroInt());
        scf::YieldOp::create(b, updated);
        b.setInsertionPointToStart(ifOp.elseBlock());
        SmallVector<Value> unchanged = accFloat;
        unchanged.append(accInt);
        scf::YieldOp::create(b, unchanged);
      }
      SmallVector<Value> results(ifOp.getResults());
      results.append(scalesInFlight);
      return results;
    });

    // The partials overwrite the ring: the copies past the slice's end
    // (zero fills) must land and every warp must be done reading.
    if (depth > 0) {
      NVVM::CpAsyncWaitGroupOp::create(b, uint32_t(0));
      gpu::BarrierOp::create(b);
    }
    SmallVector<Value> accFloat(loop.getResults().take_front(accs));
    applyPerChannelScales(accFloat);
    storePartials(accFloat);
    gpu::BarrierOp::create(b);
    reduceAndStore();
  }
};

/// The shared-memory ring of a split-K plan: `slots` (= stages) chunks per
/// warp, each `wRows` 16-byte W words per lane. Stages 1 has no ring (W is
/// loaded at use).
struct SplitKRing {
  int64_t slots, wRows;

  static SplitKRing of(PlanAttr plan) {
    bool swapped = plan.getTileM() == 8;
    int64_t fragments = plan.getTileN() / (swapped ? 16 : 8);
    // Swapped: two W rows per 16-row fragment; else one per 8-row fragment.
    return {plan.getStages(), swapped ? 2 * fragments : fragments};
  }

  /// The kernel's shared memory: the slices' partials, which reuse the ring
  /// after the main loop (dynamic when there is a ring, else static).
  int64_t sharedBytes(PlanAttr plan) const {
    int64_t partials =
        4 * plan.getSplitK() * plan.getTileM() * plan.getTileN();
    if (slots == 1)
      return partials;
    return std::max(partials,
                    plan.getSplitK() * slots * wRows * 32 * kLaneBytes);
  }
};

} // namespace

std::optional<std::string>
mlir::apex4::checkSplitKMatmulSpec(const MatmulKernelSpec &spec,
                                   StringRef chip) {
  if (std::optional<std::string> problem = checkPlanIsGenerated(spec, chip))
    return problem;
  PlanAttr plan = spec.plan;
  auto message = [](const llvm::Twine &text) { return text.str(); };
  int64_t splitK = plan.getSplitK(), tn = plan.getTileN();
  if (splitK < 2 || splitK > 16)
    return message("the split-K kernel takes split_k from 2 to 16 warps, not " +
                   llvm::Twine(splitK));
  if (plan.getPath() != MmaPath::S8MmaSync)
    return message("the split-K kernel uses path s8_mma_sync");
  int64_t tm = plan.getTileM();
  if ((tm != 8 && tm != 16) || plan.getTileK() != kSplitKChunk ||
      plan.getWarpsM() != 1 || plan.getWarpsN() != 1)
    return message("the split-K kernel needs tile [8 or 16, TN, 128] and "
                   "warps [1, 1]");
  if (tm == 16 && (tn % 8 != 0 || tn < 8 || tn > 32))
    return message("the split-K kernel needs tile N in {8, 16, 24, 32}, not " +
                   llvm::Twine(tn));
  if (tm == 8 && tn != 16 && tn != 32)
    return message("the split-K kernel with tile M 8 puts W rows on the "
                   "MMA's 16-row side; it needs tile N 16 or 32, not " +
                   llvm::Twine(tn));
  int64_t shared = SplitKRing::of(plan).sharedBytes(plan);
  int64_t limit = maxSharedBytesPerCta(chip);
  if (shared > limit)
    return message("the split-K kernel's ring needs " + llvm::Twine(shared) +
                   " bytes of shared memory, more than the " +
                   llvm::Twine(limit) + " a CTA has on " + chip +
                   "; use fewer stages, slices or columns");
  if (spec.k % kSplitKChunk != 0)
    return message("the split-K kernel needs K a multiple of 128, not " +
                   llvm::Twine(spec.k));
  if (spec.fineGroup() % kSplitKChunk != 0)
    return message("the split-K kernel needs groups of a multiple of 128 "
                   "values, not " +
                   llvm::Twine(spec.fineGroup()));
  if (spec.aGroup % spec.fineGroup() != 0 ||
      spec.wGroup % spec.fineGroup() != 0)
    return message("the coarser group must be a multiple of the finer");
  return checkGroupFitsInt32(spec);
}

FailureOr<gpu::GPUFuncOp>
mlir::apex4::buildSplitKMatmulKernel(OpBuilder &builder,
                                     gpu::GPUModuleOp module,
                                     const MatmulKernelSpec &spec,
                                     StringRef chip) {
  if (checkSplitKMatmulSpec(spec, chip))
    return failure();
  MLIRContext *ctx = builder.getContext();
  OpBuilder::InsertionGuard guard(builder);
  ImplicitLocOpBuilder b(module.getLoc(), builder);
  b.setInsertionPointToEnd(module.getBody());
  PlanAttr plan = spec.plan;
  int64_t k = spec.k;
  Type f32 = b.getF32Type();
  auto workgroup =
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  SplitKRing ring = SplitKRing::of(plan);
  auto memrefType = [&](ArrayRef<int64_t> shape, Type element) {
    return MemRefType::get(shape, element, MemRefLayoutAttrInterface(),
                           workgroup);
  };
  auto partialsType = memrefType(
      {plan.getSplitK(), plan.getTileM(), plan.getTileN()}, f32);
  bool hasRing = ring.slots > 1;
  // Without a ring the partials are the only buffer (static, < 48 KiB);
  // with one, all buffers are views of dynamic shared memory, which may
  // pass 48 KiB.
  gpu::GPUFuncOp func = createMatmulKernelFunc(
      b, spec, hasRing ? TypeRange{} : TypeRange{partialsType});
  bool swapped = plan.getTileM() == 8;
  SplitKEmitter emitter{{b},
                        {},
                        spec,
                        plan.getTileM(),
                        plan.getTileN(),
                        plan.getSplitK(),
                        plan.getStages() - 1,
                        k / kSplitKChunk,
                        spec.fineGroup() / kSplitKChunk,
                        swapped,
                        plan.getTileN() / (swapped ? 16 : 8),
                        plan.getConvert() == ConvertMethod::Magic &&
                            magicIsExact(spec)};
  static_cast<MatmulArguments &>(emitter) = MatmulArguments::of(func);
  emitter.perChannel = spec.perChannelOperand();
  if (hasRing) {
    Value dynamic = gpu::DynamicSharedMemoryOp::create(
        b, memrefType({ShapedType::kDynamic}, b.getI8Type()));
    auto view = [&](MemRefType type, int64_t offset) {
      return memref::ViewOp::create(b, type, dynamic, emitter.idx(offset),
                                    ValueRange{})
          .getResult();
    };
    emitter.wRing = view(
        memrefType({plan.getSplitK(), ring.slots, ring.wRows, 32},
                   VectorType::get({kLaneBytes / 4}, b.getI32Type())),
        0);
    emitter.partials = view(partialsType, 0);
  } else {
    emitter.partials = func.getWorkgroupAttributions()[0];
  }
  emitter.emitBody();
  gpu::ReturnOp::create(b);

  attachMatmulKernelInfo(b, func, spec,
                         hasRing ? ring.sharedBytes(plan) : 0);
  return func;
}
