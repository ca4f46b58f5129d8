//===- WgmmaMatmulKernel.cpp - warpgroup-MMA W4A4 kernel (sm_90a) ------------===//
//
// Layout (docs/codegen.md, "The wgmma kernel"):
//
//   - a CTA computes TM x TN outputs; warpgroup g (warps 4g .. 4g+3) owns
//     rows [64g, 64g + 64) and all TN columns, one m64nTNk32 wgmma per 32
//     K values, A from registers, W from shared memory;
//   - the A and W rows of a K tile (TM + TN rows of TK/2 bytes) land in a
//     `stages`-deep INT4 ring with 16-byte cp.async. Chunk c of row r sits
//     at chunk c ^ ((r / (8 / chunks)) % chunks), so the 8 rows one copy,
//     read or ldmatrix phase touches fall in 8 different bank groups;
//   - A: each warp loads its 16 rows with ldmatrix.x4 (two 32-value steps
//     per load: lane (g, t) gets INT4 values 8t .. 8t+7 of rows g and g+8)
//     and unpacks them in registers: the even values x 16 are the fragment's
//     k 4t .. 4t+3, the odd ones k 16+4t .. 16+4t+3 (3 integer ops per
//     8 values). A never goes through shared memory as INT8, which halves
//     the shared-memory traffic that bounds an all-shared-memory design;
//   - W: each thread reads back the chunks it copied itself and unpacks
//     them into a double-buffered staging tile laid out as wgmma core
//     matrices without swizzle, [TK/16][TN][16] bytes: INT4 chunk c (values
//     32c .. 32c+31, words x0..x3) becomes INT8 chunk 2c = [even(x0) ..
//     even(x3)] and 2c+1 = [odd(x0) .. odd(x3)], the K permutation of the A
//     fragments, so each product is 256 x the true one; the factor leaves,
//     exactly, at the store. Core matrices are 16 bytes a row, TN*16 bytes
//     apart along K (leading byte offset) and 128 bytes along N (stride);
//   - per K tile: the wgmmas of tile t are issued (async) on staging buffer
//     t % 2 with tile t's A fragments, the copy of tile t + stages - 1
//     starts, and once tile t-1's wgmmas retired (wait_group 1) the CTA
//     unpacks tile t+1's W into the other buffer (a proxy fence makes the
//     stores visible to the tensor cores) and loads its A fragments;
//   - the first wgmma of a group does not read its accumulator (scale-d 0),
//     so every group has its own INT32 partial; when the group's wgmmas
//     retire (wait_group 0), acc_f = fma(f32(acc_i), sa * sw, acc_f). The
//     group's scales are loaded when it starts.
//
// Path s8_wgmma_wreg (`wreg`, docs/codegen.md) swaps the roles: W rows are
// the register side (the ring holds only W), the activations arrive as INT8
// containers, one TMA copy per tile into a 128-byte-swizzled ring that the
// wgmmas read in place (one mbarrier per slot), the scales travel with each
// group's last tile, and the output is stored transposed.
//
// wreg with split_k S > 1 (few output tiles, long K): the S CTAs of a
// thread-block cluster (1 x 1 x S, compile-time) each take K/S of the tiles,
// starting at a group boundary (or inside one group when the slice is
// shorter). Each writes its f32 partials to its own shared memory; after a
// cluster barrier, CTA r sums the S partials of 1/S of the tile in rank
// order through distributed shared memory (deterministic, one rounding) and
// stores them; a second barrier keeps every CTA's memory alive until all
// reads are done.
//
//===----------------------------------------------------------------------===//

#include "apex4/Conversion/APEX4ToGPU/WgmmaMatmulKernel.h"
#include "KernelEmitter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

using namespace mlir;
using namespace mlir::apex4;

namespace {

/// Rows of one warpgroup's wgmma.
constexpr int64_t kWarpgroupRows = 64;
/// K values of one s8 wgmma.
constexpr int64_t kWgmmaK = 32;
/// Bytes of one core-matrix row; a core matrix is 8 such rows.
constexpr int64_t kCoreRowBytes = 16;

struct WgmmaEmitter : KernelEmitterBase, MatmulArguments {
  const MatmulKernelSpec &spec;
  /// tm: rows on the register (A) side of the wgmmas, tn: its N. Path
  /// s8_wgmma: activation rows and W rows. Path s8_wgmma_wreg (`wreg`):
  /// W rows (the plan's tile N) and activation rows (the plan's tile M),
  /// the output transposed.
  /// numTiles: K tiles of this CTA's slice; tilesPerGroup: tiles per
  /// dequantization (the fine group, or the whole slice when it is shorter).
  int64_t tm, tn, tk, stages, threads, rows, chunks, rowsPerLine, numTiles,
      tilesPerGroup, accCount;
  bool magic, wreg;
  /// Mixed granularity (MatmulKernelSpec::perChannelOperand).
  PerChannelOperand perChannel = PerChannelOperand::None;
  /// K slices: CTAs of one cluster (blockIdx.z), each with numTiles tiles.
  int64_t slices = 1;
  /// First global K tile of this CTA's slice.
  Value tileBase;

  /// The INT4 ring as bytes (cp.async) and as 16-byte chunks (reads), and
  /// the INT8 staging tiles as 16-byte core-matrix rows. Shared memory is
  /// accessed through 16-byte elements so that the accesses lower with the
  /// memref ops (vector-to-llvm cannot convert GPU address spaces).
  Value ring, ringChunks, staging;
  /// wreg: the activations' INT8 container ring, per slot tn rows of 128
  /// bytes in TMA's 128-byte swizzle (the memref shape only sizes it), read
  /// by the wgmmas in place, and the scales of each
  /// tile's group, [stages][tm + tn] f32 (sw of the W rows, then sa of the
  /// activation rows), copied with the tile so that the group end reads
  /// them from shared memory.
  Value containers, scaleRing, barrierStorage;
  /// wreg with slices > 1: this CTA's f32 partials after the main loop,
  /// vector<4xf32> [tn / 8][threads], over the rings (partialAddress).
  Value partials;
  /// wreg: one mbarrier per container ring slot (TMA completion), as
  /// 32-bit shared addresses, and the tensor map's global address.
  SmallVector<Value> barriers;
  Value containerBase, tensorMap;
  /// m0 / n0: first register-side row / N-side column of the CTA (wreg: a W
  /// row / an activation row).
  Value tid, lane, groupId, laneInGroup, m0, n0;
  /// First row of this thread's warpgroup / warp in the CTA tile.
  Value wgRow, warpRow;

  /// One 16-byte chunk per thread and pass, the same in every tile, copied
  /// into the ring. W chunks are read back and unpacked by the thread that
  /// copied them; A chunks are read by the warps' ldmatrix after a barrier.
  struct Chunk {
    bool isA;        // unpacked by ldmatrix (A; wreg: W), not by threads
    Value source;    // A or W
    Value row;       // tile row (A rows, then W rows)
    Value ringCol;   // swizzled byte column in the ring
    Value globalCol; // byte column inside the K tile
    Value stageK;    // INT8 chunk (of 16 bytes) of the even values
    Value globalRow; // row of A or W
    Value rowValid;  // null: always in range
    Value inRange;   // null: every thread has this pass
  };
  SmallVector<Chunk> plan;

  /// wreg: this thread's 4-byte scale copies per tile: entry `index` of the
  /// scale ring slot, from row `globalRow` of sw (index < tm) or sa.
  struct ScaleCopy {
    Value index, globalRow, rowValid, inRange;
    bool fromW;
  };
  SmallVector<ScaleCopy> scalePlan;
  /// wgmma descriptors of W for each 32-value step, one list per staging
  /// buffer.
  SmallVector<Value> descW[2];
  /// ldmatrix row and byte columns (one per k64 pair) of this lane's A.
  Value aRow;
  SmallVector<Value> aCols;
  /// Scale rows of this thread's accumulator rows (sa; wreg: sw) and
  /// columns (sw; wreg: sa).
  SmallVector<Value> rowScaleRows, colScaleRows;

  Type accStructType() {
    return LLVM::LLVMStructType::getLiteral(
        b.getContext(), SmallVector<Type>(accCount, b.getI32Type()));
  }

  // ---- chunk assignment ----

  /// Pass p covers chunk ids [p * threads, (p + 1) * threads); within it
  /// 8 consecutive lanes take 8 consecutive rows of one chunk column, which
  /// keeps ring reads, staging stores and global sectors conflict-free.
  void planChunks() {
    int64_t total = rows * chunks, aTotal = tm * chunks;
    for (int64_t first = 0; first < total; first += threads) {
      Chunk chunk;
      // tm * chunks is a multiple of the thread count, so a pass is all A
      // or all W.
      chunk.isA = wreg || first < aTotal;
      Value id = add(tid, first);
      if (first + threads > total)
        chunk.inRange = lessThan(id, idx(total));
      Value column = rem(div(id, 8), chunks);
      chunk.row = add(mul(div(id, 8 * chunks), 8), rem(id, 8));
      Value swizzle = rem(div(chunk.row, rowsPerLine), chunks);
      chunk.ringCol =
          mul(arith::XOrIOp::create(b, column, swizzle).getResult(), 16);
      chunk.globalCol = mul(column, 16);
      chunk.stageK = mul(column, 2);
      if (wreg) {
        // W rows; N is a multiple of the tile.
        chunk.source = w;
        chunk.globalRow = add(m0, chunk.row);
      } else if (chunk.isA) {
        chunk.source = a;
        chunk.globalRow = add(m0, chunk.row);
        chunk.rowValid = lessThan(chunk.globalRow, m);
      } else {
        chunk.source = w;
        chunk.globalRow = add(n0, arith::SubIOp::create(b, chunk.row, idx(tm)));
      }
      plan.push_back(chunk);
    }
    if (!wreg)
      return;
    // Scales: entries [0, tm) are W rows, [tm, tm + tn) activation rows; a
    // pass never mixes the two when tm is a multiple of the thread count,
    // so split the passes at tm.
    for (int64_t first = 0; first < tm + tn; first += threads) {
      bool fromW = first < tm;
      int64_t end = fromW ? tm : tm + tn;
      ScaleCopy copy;
      copy.fromW = fromW;
      copy.index = add(tid, first);
      if (first + threads > end)
        copy.inRange = lessThan(copy.index, idx(end));
      if (fromW) {
        copy.globalRow = add(m0, copy.index);
      } else {
        copy.globalRow = add(n0, arith::SubIOp::create(b, copy.index, idx(tm)));
        copy.rowValid = lessThan(copy.globalRow, m);
      }
      scalePlan.push_back(copy);
      if (fromW && first + threads > tm)
        first = tm - threads; // the activation rows start a new pass
    }
  }

  // ---- global -> ring ----

  /// Starts the copy of K tile `kTile` into ring slot kTile % stages as one
  /// cp.async group; tiles past the end copy nothing but still commit.
  void issueTile(Value kTile) {
    Value valid = lessThan(kTile, idx(numTiles));
    Value safeTile = arith::MinSIOp::create(b, kTile, idx(numTiles - 1));
    Value slot = rem(kTile, stages);
    Value globalTile = add(safeTile, tileBase);
    Value kByte = mul(globalTile, tk / 2);
    for (const Chunk &chunk : plan)
      guarded(chunk.inRange, [&] {
        copyOrZeroFill(ring, {slot, chunk.row, chunk.ringCol}, chunk.source,
                       chunk.globalRow, add(kByte, chunk.globalCol), 16, 16,
                       valid, chunk.rowValid);
      });
    // The containers: one TMA copy of the tile (rows past M zero-filled)
    // by thread 0, completing on the slot's mbarrier.
    if (wreg)
      issueContainerCopy(kTile, slot, valid);
    Value kStart = mul(globalTile, tk);
    Value aColumn = div(kStart, spec.aGroup);
    Value wColumn = div(kStart, spec.wGroup);
    // Only the group's last tile carries its scales (loadStagedScales).
    Value endsGroup =
        tilesPerGroup == 1
            ? Value()
            : arith::CmpIOp::create(b, arith::CmpIPredicate::eq,
                                    rem(add(safeTile, 1), tilesPerGroup),
                                    idx(0))
                  .getResult();
    for (const ScaleCopy &copy : scalePlan) {
      Value copies =
          !endsGroup ? copy.inRange
          : copy.inRange
              ? arith::AndIOp::create(b, endsGroup, copy.inRange).getResult()
              : endsGroup;
      guarded(copies, [&] {
        copyOrZeroFill(scaleRing, {slot, copy.index}, copy.fromW ? sw : sa,
                       copy.globalRow, copy.fromW ? wColumn : aColumn, 1, 4,
                       valid, copy.rowValid);
      });
    }
    NVVM::CpAsyncCommitGroupOp::create(b);
  }

  // ---- TMA (wreg) ----

  /// The mbarrier of container ring slot `slot` (a runtime index).
  Value slotBarrier(Value slot) {
    Value offset =
        arith::IndexCastOp::create(b, b.getI32Type(), mul(slot, 8));
    return arith::AddIOp::create(b, barriers[0], offset);
  }

  /// Waits until K tile `kTile`'s containers have landed (tiles past the
  /// end were never copied). Slot s completes once per use, so tile t is
  /// phase t / stages of its barrier.
  void waitContainers(Value kTile) {
    guarded(lessThan(kTile, idx(numTiles)), [&] {
      Value parity = arith::IndexCastOp::create(
          b, b.getI32Type(), rem(div(kTile, stages), 2));
      ptx("{\n.reg .pred done;\nwait_${:uid}:\n"
          "mbarrier.try_wait.parity.shared::cta.b64 done, [$0], $1;\n"
          "@!done bra wait_${:uid};\n}",
          "r,r", {slotBarrier(rem(kTile, stages)), parity});
    });
  }

  /// Thread 0 initializes the slots' mbarriers (one arrival each: the
  /// thread that also posts the byte count); the caller's barrier
  /// publishes them. Refuses to run when the container ring is not
  /// 1024-byte aligned, which the 128-byte swizzle needs.
  void initBarriers() {
    containerBase = sharedBase(containers);
    Value barrierBase = sharedBase(barrierStorage);
    barriers.push_back(barrierBase);
    tensorMap = arith::IndexCastOp::create(
        b, b.getI64Type(),
        memref::ExtractAlignedPointerAsIndexOp::create(b, acMap));
    Value first = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, tid,
                                        idx(0));
    guarded(first, [&] {
      Value misaligned =
          arith::AndIOp::create(b, containerBase, i32(1023));
      ptx("{\n.reg .pred bad;\nsetp.ne.u32 bad, $0, 0;\n@bad trap;\n}", "r",
          {misaligned});
      for (int64_t slot = 0; slot < stages; ++slot)
        ptx("mbarrier.init.shared::cta.b64 [$0], 1;", "r",
            {arith::AddIOp::create(b, barrierBase, i32(8 * slot))});
    });
  }

  /// wreg: thread 0 posts the tile's byte count on the slot's mbarrier and
  /// starts its TMA copy (rows past M are zero-filled).
  void issueContainerCopy(Value kTile, Value slot, Value valid) {
    Value first = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, tid,
                                        idx(0));
    guarded(arith::AndIOp::create(b, first, valid), [&] {
      Value barrier = slotBarrier(slot);
      ptx("mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;", "r,r",
          {barrier, i32(tn * tk)});
      Value destination = arith::AddIOp::create(
          b, containerBase,
          arith::IndexCastOp::create(b, b.getI32Type(), mul(slot, tn * tk)));
      ptx("cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::"
          "complete_tx::bytes [$0], [$1, {$2, $3}], [$4];",
          "r,l,r,r,r",
          {destination, tensorMap,
           arith::IndexCastOp::create(b, b.getI32Type(),
                                      mul(add(kTile, tileBase), tk)),
           arith::IndexCastOp::create(b, b.getI32Type(), n0), barrier});
    });
  }

  // ---- ring -> staging (INT4 -> INT8) ----

  void unpackTile(Value kTile, Value buffer) {
    Value slot = rem(kTile, stages);
    auto wordsType = VectorType::get({4}, b.getI32Type());
    for (const Chunk &chunk : plan) {
      if (chunk.isA)
        continue;
      guarded(chunk.inRange, [&] {
        Value words = memref::LoadOp::create(
            b, ringChunks, ValueRange{slot, chunk.row, div(chunk.ringCol, 16)});
        SmallVector<Value> even, odd;
        for (int64_t j = 0; j < 4; ++j) {
          Value x = vector::ExtractOp::create(b, words, j);
          even.push_back(evenNibblesTimes16(b, b.getLoc(), x));
          odd.push_back(oddNibblesTimes16(b, b.getLoc(), x));
        }
        for (auto [offset, values] : {std::make_pair(0, &even),
                                      std::make_pair(1, &odd)}) {
          Value packed = vector::FromElementsOp::create(b, wordsType, *values);
          memref::StoreOp::create(
              b, packed, staging,
              ValueRange{buffer, add(chunk.stageK, offset),
                         arith::SubIOp::create(b, chunk.row, idx(tm))});
        }
      });
    }
  }

  // ---- wgmma ----

  /// W descriptors of every 32-value step of both staging buffers: start
  /// address, leading byte offset (next core matrix along K: TN*16 bytes)
  /// and stride byte offset (next 8 rows: 128 bytes), in 16-byte units, no
  /// swizzle.
  /// wreg: the same for the container ring's slot 0 (in descW[0]); slot s
  /// is s * tn * tk bytes further (containerDescriptor).
  void planDescriptors() {
    Value base = arith::IndexCastOp::create(
        b, b.getI64Type(),
        memref::ExtractAlignedPointerAsIndexOp::create(
            b, wreg ? containers : staging));
    int64_t leading = tn * kCoreRowBytes, stride = 8 * kCoreRowBytes;
    Value fixed = i64((leading >> 4) << 16 | (stride >> 4) << 32);
    // wreg: TMA's 128-byte swizzle, rows of 128 bytes, 8-row groups 1024
    // bytes apart (the leading offset is unused: 1); a 32-value step
    // moves the start 32 bytes along the row.
    if (wreg)
      fixed = i64(int64_t(1) << 16 | (int64_t(1024) >> 4) << 32 |
                  int64_t(1) << 62);
    int64_t stepBytes = wreg ? kWgmmaK : 2 * leading;
    Value window = i64(0x3FFFF);
    int64_t bufferBytes = tn * tk;
    for (int64_t buffer = 0; buffer < (wreg ? 1 : 2); ++buffer)
      for (int64_t step = 0; step < tk / kWgmmaK; ++step) {
        Value address = arith::AddIOp::create(
            b, base, i64(buffer * bufferBytes + step * stepBytes));
        Value field = arith::ShRUIOp::create(
            b, arith::AndIOp::create(b, address, window).getResult(), i64(4));
        descW[buffer].push_back(arith::OrIOp::create(b, field, fixed));
      }
  }

  /// ldmatrix addresses of this warp's A rows: lanes 0-15 rows 0-15 of
  /// chunk 2p, lanes 16-31 the same rows of chunk 2p+1, so the registers
  /// are [g, 2p], [g+8, 2p], [g, 2p+1], [g+8, 2p+1]. Warp rows start at
  /// multiples of 16, so a lane's swizzle is that of its offset in them.
  void planFragmentLoads() {
    Value l16 = rem(lane, 16), half = div(lane, 16);
    aRow = add(warpRow, l16);
    Value swizzle = rem(div(l16, rowsPerLine), chunks);
    for (int64_t pair = 0; pair < chunks / 2; ++pair)
      aCols.push_back(mul(
          arith::XOrIOp::create(b, add(half, 2 * pair), swizzle).getResult(),
          16));
  }

  /// This warp's A fragments of K tile `kTile` (clamped to the last tile;
  /// past the end the values are never used): 4 registers per 32-value
  /// step, [even(g), even(g+8), odd(g), odd(g+8)].
  SmallVector<Value> loadFragments(Value kTile) {
    Value safe = arith::MinSIOp::create(b, kTile, idx(numTiles - 1));
    Value slot = rem(safe, stages);
    auto rawType = VectorType::get({4, 4}, b.getI8Type());
    SmallVector<Value> words;
    for (int64_t pair = 0; pair < chunks / 2; ++pair) {
      Value raw = nvgpu::LdMatrixOp::create(b, rawType, ring,
                                            ValueRange{slot, aRow, aCols[pair]},
                                            /*transpose=*/false,
                                            /*numTiles=*/4);
      SmallVector<Value> regs;
      for (int64_t i = 0; i < 4; ++i) {
        Value row = vector::ExtractOp::create(b, raw, i);
        Value word = vector::BitCastOp::create(
            b, VectorType::get({1}, b.getI32Type()), row);
        regs.push_back(vector::ExtractOp::create(b, word, int64_t(0)));
      }
      for (int64_t step = 0; step < 2; ++step) {
        Value top = regs[2 * step], bottom = regs[2 * step + 1];
        words.push_back(evenNibblesTimes16(b, b.getLoc(), top));
        words.push_back(evenNibblesTimes16(b, b.getLoc(), bottom));
        words.push_back(oddNibblesTimes16(b, b.getLoc(), top));
        words.push_back(oddNibblesTimes16(b, b.getLoc(), bottom));
      }
    }
    return words;
  }

  /// One m64nTNk32 s8 wgmma with A in registers. The upstream op takes A
  /// from shared memory only, so this one is written as PTX; scale-d 0
  /// starts a new sum.
  Value wgmma(Value acc, ArrayRef<Value> aWords, Value descriptor,
              bool accumulate) {
    std::string text = "{\n.reg .pred p;\nsetp.ne.b32 p, $" +
                       std::to_string(2 * accCount + 5) +
                       ", 0;\nwgmma.mma_async.sync.aligned.m64n" +
                       std::to_string(tn) + "k32.s32.s8.s8 {";
    std::string constraints;
    for (int64_t i = 0; i < accCount; ++i) {
      text += (i ? ", $" : "$") + std::to_string(i);
      constraints += "=r,";
    }
    text += "}, {";
    for (int64_t i = 0; i < 4; ++i)
      text += (i ? ", $" : "$") + std::to_string(2 * accCount + i);
    text += "}, $" + std::to_string(2 * accCount + 4) + ", p;\n}\n";
    SmallVector<Value> operands;
    for (int64_t i = 0; i < accCount; ++i) {
      operands.push_back(LLVM::ExtractValueOp::create(b, acc, i));
      constraints += std::to_string(i) + ",";
    }
    llvm::append_range(operands, aWords);
    operands.push_back(descriptor);
    operands.push_back(i32(accumulate ? 1 : 0));
    constraints += "r,r,r,r,l,n";
    return inlineAsm(acc.getType(), operands, text, constraints,
                     /*sideEffects=*/true)
        .getResult(0);
  }

  /// Issues the wgmmas of the tile in staging buffer `buffer` (0 or 1) with
  /// its A fragments as one wgmma group; `startsGroup`: the first one
  /// overwrites the accumulators.
  /// wreg: `buffer` is the container ring slot.
  Value issueWgmmas(Value buffer, Value acc, ArrayRef<Value> aWords,
                    bool startsGroup) {
    Value odd = arith::CmpIOp::create(b, arith::CmpIPredicate::ne, buffer,
                                      idx(0));
    // The start address field counts 16-byte units; a slot is tn * tk bytes.
    Value slotOffset =
        wreg ? arith::MulIOp::create(
                   b, arith::IndexCastOp::create(b, b.getI64Type(), buffer),
                   i64(tn * tk / 16))
                   .getResult()
             : Value();
    NVVM::WgmmaFenceAlignedOp::create(b);
    for (int64_t step = 0; step < tk / kWgmmaK; ++step) {
      Value descriptor =
          wreg ? arith::AddIOp::create(b, descW[0][step], slotOffset)
                     .getResult()
               : select(odd, descW[1][step], descW[0][step]);
      acc = wgmma(acc, aWords.slice(4 * step, 4), descriptor,
                  /*accumulate=*/!(startsGroup && step == 0));
    }
    NVVM::WgmmaGroupSyncAlignedOp::create(b);
    return acc;
  }

  void fenceForTensorCores() {
    NVVM::FenceProxyOp::create(
        b,
        NVVM::ProxyKindAttr::get(b.getContext(), NVVM::ProxyKind::async_shared),
        NVVM::SharedSpaceAttr::get(b.getContext(),
                                   NVVM::SharedSpace::shared_cta));
  }

  /// One K tile: its wgmmas go out, the copy `stages - 1` tiles ahead
  /// starts, and the next tile's W is unpacked into the other staging
  /// buffer once the previous tile's wgmmas (which read it) have retired;
  /// `aWords` leaves with the next tile's A fragments.
  Value tileBody(Value kTile, Value acc, SmallVector<Value> &aWords,
                 bool startsGroup) {
    if (wreg)
      return tileBodyWreg(kTile, acc, aWords, startsGroup);
    Value buffer = rem(kTile, 2);
    acc = issueWgmmas(buffer, acc, aWords, startsGroup);
    issueTile(add(kTile, stages - 1));
    NVVM::CpAsyncWaitGroupOp::create(b, uint32_t(stages - 2));
    NVVM::WgmmaWaitGroupSyncOp::create(b, 1);
    gpu::BarrierOp::create(b);
    Value next = add(kTile, 1);
    guarded(lessThan(next, idx(numTiles)), [&] {
      unpackTile(next, arith::SubIOp::create(b, idx(1), buffer));
      fenceForTensorCores();
    });
    aWords = loadFragments(next);
    gpu::BarrierOp::create(b);
    return acc;
  }

  /// wreg: the wgmmas of tile t read its container slot in place, so the
  /// copy into that slot (tile t + stages) waits until they retired; the
  /// copy of tile t + stages - 1 reuses tile t - 1's slot, free once tile
  /// t - 1's wgmmas retired (wait_group 1) in every warpgroup (barrier).
  /// Tile t + 1's containers are waited for on their mbarrier (TMA writes
  /// through the async proxy the wgmmas read through: no proxy fence), its
  /// W and scales through cp.async.wait and a barrier.
  Value tileBodyWreg(Value kTile, Value acc, SmallVector<Value> &aWords,
                     bool startsGroup) {
    acc = issueWgmmas(rem(kTile, stages), acc, aWords, startsGroup);
    NVVM::WgmmaWaitGroupSyncOp::create(b, 1);
    gpu::BarrierOp::create(b);
    issueTile(add(kTile, stages - 1));
    NVVM::CpAsyncWaitGroupOp::create(b, uint32_t(stages - 2));
    waitContainers(add(kTile, 1));
    gpu::BarrierOp::create(b);
    aWords = loadFragments(add(kTile, 1));
    return acc;
  }

  // ---- dequantization ----

  /// wreg: the same list from the scale ring slot of K tile `kTile`.
  SmallVector<Value> loadStagedScales(Value kTile) {
    Value slot = rem(kTile, stages);
    SmallVector<Value> scales;
    for (int64_t h = 0; h < 2; ++h)
      scales.push_back(memref::LoadOp::create(
          b, scaleRing, ValueRange{slot, add(add(warpRow, groupId), h * 8)}));
    for (int64_t j = 0; j < tn / 8; ++j)
      for (int64_t e = 0; e < 2; ++e)
        scales.push_back(memref::LoadOp::create(
            b, scaleRing,
            ValueRange{slot, add(mul(laneInGroup, 2), tm + j * 8 + e)}));
    return scales;
  }

  /// The scales of this thread's two rows, then of its TN/4 columns, for
  /// `group` (counted in fine groups): sa then sw (wreg: sw then sa).
  SmallVector<Value> loadScales(Value group) {
    Value kStart = mul(group, spec.fineGroup());
    Value aColumn = div(kStart, spec.aGroup);
    Value wColumn = div(kStart, spec.wGroup);
    SmallVector<Value> scales;
    for (Value row : rowScaleRows)
      scales.push_back(
          wreg ? memref::LoadOp::create(b, sw, ValueRange{row, wColumn})
               : memref::LoadOp::create(b, sa, ValueRange{row, aColumn}));
    for (Value row : colScaleRows)
      scales.push_back(
          wreg ? memref::LoadOp::create(b, sa, ValueRange{row, aColumn})
               : memref::LoadOp::create(b, sw, ValueRange{row, wColumn}));
    return scales;
  }

  /// Accumulator element i = 4j + 2h + e is row g + 8h, column 8j + 2t + e
  /// of the warp's 16 x TN slab.
  /// elementScale of accumulator element [j][h][e] from a loadScales list
  /// (this thread's two rows, then its columns): the rows are activation
  /// rows (s8_wgmma) or W rows (wreg).
  Value accumulatorScale(ArrayRef<Value> scales, int64_t h, int64_t j,
                         int64_t e, bool perChannelPart) {
    Value row = scales[h], column = scales[2 + 2 * j + e];
    return elementScale(perChannel, wreg ? column : row, wreg ? row : column,
                        perChannelPart);
  }

  void dequantize(Value acc, ArrayRef<Value> scales,
                  SmallVector<Value> &accFloat) {
    auto contract = arith::FastMathFlags::contract;
    Type f32 = b.getF32Type();
    Value bias = magic ? i32(kMagicBits) : Value();
    Value magicFloat =
        magic ? arith::ConstantOp::create(b, b.getF32FloatAttr(kMagicFloat))
                    .getResult()
              : Value();
    for (int64_t i = 0; i < accCount; ++i) {
      int64_t j = i / 4, h = (i / 2) % 2, e = i % 2;
      Value sum = LLVM::ExtractValueOp::create(b, acc, i);
      Value value;
      if (magic) {
        // Exact while |sum| <= 2^22 (checked by magicIsExact).
        Value bits = arith::AddIOp::create(b, sum, bias);
        value = arith::SubFOp::create(
            b, arith::BitcastOp::create(b, f32, bits), magicFloat);
      } else {
        value = arith::SIToFPOp::create(b, f32, sum);
      }
      Value scale = accumulatorScale(scales, h, j, e, /*perChannelPart=*/false);
      Value term = arith::MulFOp::create(b, value, scale, contract);
      accFloat[i] = arith::AddFOp::create(b, accFloat[i], term, contract);
    }
  }

  /// Mixed granularity: every accumulator times its per-channel scale
  /// (group 0's: the same for all K), once, before the partials meet or
  /// the results are stored.
  void applyPerChannelScales(SmallVector<Value> &accFloat) {
    if (perChannel == PerChannelOperand::None)
      return;
    SmallVector<Value> scales = loadScales(idx(0));
    for (int64_t i = 0; i < accCount; ++i) {
      int64_t j = i / 4, h = (i / 2) % 2, e = i % 2;
      Value scale = accumulatorScale(scales, h, j, e, /*perChannelPart=*/true);
      accFloat[i] = arith::MulFOp::create(b, accFloat[i], scale);
    }
  }

  /// wreg: element (W row r, activation row c) goes to C[c][r], one value
  /// per store (the 8 lanes of a column write 16 contiguous bytes).
  void storeTransposed(ArrayRef<Value> accFloat) {
    for (int64_t j = 0; j < tn / 8; ++j)
      storeTransposedColumns(idx(j), accFloat.slice(4 * j, 4));
  }

  /// wreg: the four accumulator elements 4j .. 4j + 3 ([h][e]) of this
  /// thread; `j` may be a runtime index.
  void storeTransposedColumns(Value j, ArrayRef<Value> four) {
    Type outType = spec.outType;
    Value unscale = arith::ConstantOp::create(
        b, b.getF32FloatAttr(1.0f / float(kS8Factor)));
    for (int64_t e = 0; e < 2; ++e) {
      Value token = add(add(add(n0, mul(laneInGroup, 2)), mul(j, 8)), e);
      guarded(lessThan(token, m), [&] {
        for (int64_t h = 0; h < 2; ++h) {
          Value value = arith::MulFOp::create(b, four[2 * h + e], unscale);
          if (!outType.isF32())
            value = arith::TruncFOp::create(b, outType, value);
          Value col = add(add(add(m0, warpRow), groupId), h * 8);
          memref::StoreOp::create(b, value, c, ValueRange{token, col});
        }
      });
    }
  }

  // ---- cluster split-K (wreg) ----

  /// 32-bit shared address of partial vector `j` of this thread (vectors of
  /// 4 f32, [tn / 8][threads]: each store and load phase of a warp is 512
  /// contiguous bytes), from the partials' base address.
  Value partialAddress(Value base, Value j) {
    Value offset = mul(add(mul(j, threads), tid), 16);
    return arith::AddIOp::create(
        b, base, arith::IndexCastOp::create(b, b.getI32Type(), offset));
  }

  /// The 4 f32 at shared address `local` of cluster CTA `rank`. The
  /// cluster barrier before it is a call LLVM does not move memory
  /// accesses across.
  SmallVector<Value> loadFromClusterCta(Value local, int64_t rank) {
    MLIRContext *ctx = b.getContext();
    Value pointer = LLVM::IntToPtrOp::create(
        b,
        LLVM::LLVMPointerType::get(
            ctx, static_cast<unsigned>(NVVM::NVVMMemorySpace::Shared)),
        local);
    Value remote = NVVM::MapaOp::create(
        b,
        LLVM::LLVMPointerType::get(
            ctx, static_cast<unsigned>(NVVM::NVVMMemorySpace::SharedCluster)),
        pointer, i32(rank));
    Value loaded = LLVM::LoadOp::create(
        b, VectorType::get({4}, b.getF32Type()), remote, /*alignment=*/16);
    SmallVector<Value> values;
    for (int64_t i = 0; i < 4; ++i)
      values.push_back(vector::ExtractOp::create(b, loaded, i));
    return values;
  }

  /// barrier.cluster arrive (release) and wait (acquire), all threads.
  void clusterBarrier() {
    NVVM::ClusterArriveOp::create(b, /*aligned=*/b.getUnitAttr());
    NVVM::ClusterWaitOp::create(b, /*aligned=*/b.getUnitAttr());
  }

  /// Every CTA of the cluster publishes its partials; CTA r then adds, in
  /// rank order, the partials of vectors [r J/S, (r + 1) J/S) of all S CTAs
  /// and stores them (J = tn / 8 vectors per thread).
  void reduceAndStoreSlices(ArrayRef<Value> accFloat) {
    // Every warpgroup's wgmmas have retired and its reads of the rings are
    // done before the partials overwrite them.
    gpu::BarrierOp::create(b);
    int64_t vectors = tn / 8;
    auto vectorType = VectorType::get({4}, b.getF32Type());
    for (int64_t j = 0; j < vectors; ++j) {
      Value vec = vector::FromElementsOp::create(b, vectorType,
                                                 accFloat.slice(4 * j, 4));
      memref::StoreOp::create(b, vec, partials, ValueRange{idx(j), tid});
    }
    clusterBarrier();
    Value rank = gpu::BlockIdOp::create(b, gpu::Dimension::z);
    int64_t perRank = vectors / slices;
    Value first = mul(rank, perRank);
    Value base = sharedBase(partials);
    // Unrolled here (at most 8 vectors): left as a loop, which LLVM unrolls
    // only up to 4 iterations, it made ptxas keep the main loop's f32
    // accumulators apart from their FFMA results and copy all 64 at every
    // back edge (split_k 2: 74 moves instead of 8;
    // bench/results/h200-cluster-split).
    for (int64_t step = 0; step < perRank; ++step) {
      Value j = add(first, step);
      Value local = partialAddress(base, j);
      SmallVector<Value> sum = loadFromClusterCta(local, 0);
      for (int64_t r = 1; r < slices; ++r) {
        SmallVector<Value> next = loadFromClusterCta(local, r);
        for (int64_t i = 0; i < 4; ++i)
          sum[i] = arith::AddFOp::create(b, sum[i], next[i]);
      }
      storeTransposedColumns(j, sum);
    }
    // No CTA leaves (freeing its shared memory) before every read of it.
    clusterBarrier();
  }

  void storeResults(ArrayRef<Value> accFloat) {
    if (wreg)
      return storeTransposed(accFloat);
    Type outType = spec.outType;
    auto pairType = VectorType::get({2}, outType);
    int64_t align = 2 * outType.getIntOrFloatBitWidth() / 8;
    Value unscale = arith::ConstantOp::create(
        b, b.getF32FloatAttr(1.0f / float(kS8Factor)));
    for (int64_t h = 0; h < 2; ++h) {
      Value row = add(add(add(m0, warpRow), groupId), h * 8);
      guarded(lessThan(row, m), [&] {
        for (int64_t j = 0; j < tn / 8; ++j) {
          SmallVector<Value> pair;
          for (int64_t e = 0; e < 2; ++e) {
            // The factor 256 is a power of two: exact.
            Value value =
                arith::MulFOp::create(b, accFloat[4 * j + 2 * h + e], unscale);
            if (!outType.isF32())
              value = arith::TruncFOp::create(b, outType, value);
            pair.push_back(value);
          }
          Value vec = vector::FromElementsOp::create(b, pairType, pair);
          Value col = add(add(n0, mul(laneInGroup, 2)), j * 8);
          vector::StoreOp::create(b, vec, c, ValueRange{row, col},
                                  /*nontemporal=*/false,
                                  llvm::MaybeAlign(align));
        }
      });
    }
  }

  // ---- the kernel ----

  void emitBody() {
    tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
    lane = rem(tid, 32);
    Value warp = div(tid, 32);
    groupId = div(lane, 4);
    laneInGroup = rem(lane, 4);
    // Warp 4g + v of warpgroup g owns rows 64g + 16v .. + 15.
    wgRow = mul(div(warp, 4), kWarpgroupRows);
    warpRow = add(wgRow, mul(rem(warp, 4), 16));
    // The grid's x runs over N, its y over M.
    Value blockX = gpu::BlockIdOp::create(b, gpu::Dimension::x);
    Value blockY = gpu::BlockIdOp::create(b, gpu::Dimension::y);
    tileBase = slices > 1
                   ? mul(gpu::BlockIdOp::create(b, gpu::Dimension::z), numTiles)
                   : idx(0);
    m0 = mul(wreg ? blockX : blockY, tm);
    n0 = mul(wreg ? blockY : blockX, tn);
    // Activation rows past M read (and scale) row M - 1; W rows are in range.
    Value lastRow = arith::SubIOp::create(b, m, idx(1));
    auto activationRow = [&](Value row) {
      return arith::MinSIOp::create(b, row, lastRow).getResult();
    };
    for (int64_t h = 0; h < 2; ++h) {
      Value row = add(add(add(m0, warpRow), groupId), h * 8);
      rowScaleRows.push_back(wreg ? row : activationRow(row));
    }
    for (int64_t j = 0; j < tn / 8; ++j)
      for (int64_t e = 0; e < 2; ++e) {
        Value col = add(add(n0, mul(laneInGroup, 2)), j * 8 + e);
        colScaleRows.push_back(wreg ? activationRow(col) : col);
      }

    planChunks();
    planDescriptors();
    planFragmentLoads();

    // Prologue: stages - 1 tiles in flight, tile 0 unpacked into buffer 0
    // and its A fragments loaded.
    if (wreg) {
      initBarriers();
      gpu::BarrierOp::create(b);
    }
    for (int64_t t = 0; t < stages - 1; ++t)
      issueTile(idx(t));
    NVVM::CpAsyncWaitGroupOp::create(b, uint32_t(stages - 2));
    if (wreg)
      waitContainers(idx(0));
    gpu::BarrierOp::create(b);
    if (!wreg) {
      unpackTile(idx(0), idx(0));
      fenceForTensorCores();
    }
    SmallVector<Value> firstWords = loadFragments(idx(0));
    if (!wreg)
      gpu::BarrierOp::create(b);

    // Iteration arguments: f32 accumulators, then the next tile's A
    // fragments. The INT32 accumulators are not carried: a group's first
    // wgmma ignores them (scale-d 0), so each group starts from poison.
    // Carrying them made ptxas copy all of them at every back edge once
    // register pressure rose (cluster split-K: 64 extra moves per tile,
    // bench/results/h200-cluster-split).
    SmallVector<Value> inits(
        accCount, arith::ConstantOp::create(b, b.getF32FloatAttr(0.0f)));
    llvm::append_range(inits, firstWords);
    int64_t numGroups = numTiles / tilesPerGroup;
    int64_t words = int64_t(firstWords.size());
    scf::ForOp groups = forLoop(
        idx(0), idx(numGroups), inits, [&](Value group, ValueRange args) {
          SmallVector<Value> accFloat(args.take_front(accCount));
          Value acc = LLVM::PoisonOp::create(b, accStructType());
          SmallVector<Value> aWords(args.drop_front(accCount));
          SmallVector<Value> scales;
          if (!wreg)
            scales = loadScales(group);
          Value first = mul(group, tilesPerGroup);
          acc = tileBody(first, acc, aWords, /*startsGroup=*/true);
          if (tilesPerGroup > 1) {
            SmallVector<Value> innerInits{acc};
            llvm::append_range(innerInits, aWords);
            scf::ForOp rest = forLoop(
                add(first, 1), add(first, tilesPerGroup), innerInits,
                [&](Value kTile, ValueRange inner) -> SmallVector<Value> {
                  SmallVector<Value> carried(inner.drop_front());
                  SmallVector<Value> results{
                      tileBody(kTile, inner[0], carried,
                               /*startsGroup=*/false)};
                  llvm::append_range(results, carried);
                  return results;
                });
            acc = rest.getResult(0);
            aWords.assign(rest.getResults().begin() + 1,
                          rest.getResults().begin() + 1 + words);
          }
          NVVM::WgmmaWaitGroupSyncOp::create(b, 0);
          if (wreg)
            scales = loadStagedScales(add(first, tilesPerGroup - 1));
          dequantize(acc, scales, accFloat);
          llvm::append_range(accFloat, aWords);
          return accFloat;
        });
    NVVM::CpAsyncWaitGroupOp::create(b, uint32_t(0));
    SmallVector<Value> accFloat(groups.getResults().take_front(accCount));
    applyPerChannelScales(accFloat);
    if (slices > 1)
      reduceAndStoreSlices(accFloat);
    else
      storeResults(accFloat);
  }
};

} // namespace

namespace {
/// Byte offsets of the kernel's buffers in its dynamic shared memory, in
/// order: the W staging tiles (wreg: the container ring, 1024-byte aligned
/// at offset 0), the INT4 ring, and for wreg the scale ring and the slots'
/// mbarriers. Cluster split-K (wreg, split_k > 1) reuses the space from
/// offset 0 for the partials after the main loop, unless that would
/// overwrite the mbarriers; then the partials go after them.
struct SharedLayout {
  int64_t ring, scales, barriers, partials, total;

  static SharedLayout of(PlanAttr plan) {
    bool wreg = plan.getPath() == MmaPath::S8WgmmaWreg;
    int64_t stages = plan.getStages(), tk = plan.getTileK();
    int64_t tm = plan.getTileM(), tn = plan.getTileN();
    SharedLayout layout;
    layout.ring = wreg ? stages * tm * tk : 2 * tn * tk;
    int64_t ringRows = wreg ? tn : tm + tn;
    layout.scales = layout.ring + stages * ringRows * tk / 2;
    layout.barriers = layout.scales + (wreg ? stages * (tm + tn) * 4 : 0);
    layout.total = layout.barriers + (wreg ? stages * 8 : 0);
    layout.partials = 0;
    if (wreg && plan.getSplitK() > 1) {
      // tile M / 8 vectors of 4 f32 per thread, 32 * WN threads.
      int64_t bytes = (tm / 8) * 32 * plan.getWarpsN() * 16;
      if (bytes > layout.barriers)
        layout.partials = (layout.total + 15) / 16 * 16;
      layout.total = std::max(layout.total, layout.partials + bytes);
    }
    return layout;
  }
};
} // namespace

int64_t mlir::apex4::wgmmaSharedBytes(PlanAttr plan) {
  return SharedLayout::of(plan).total;
}

std::optional<std::string>
mlir::apex4::checkWgmmaMatmulSpec(const MatmulKernelSpec &spec,
                                  StringRef chip) {
  if (std::optional<std::string> problem = checkPlanIsGenerated(spec, chip))
    return problem;
  PlanAttr plan = spec.plan;
  auto message = [](const llvm::Twine &text) { return text.str(); };
  int64_t tm = plan.getTileM(), tn = plan.getTileN(), tk = plan.getTileK();
  if (plan.getPath() != MmaPath::S8Wgmma &&
      plan.getPath() != MmaPath::S8WgmmaWreg)
    return message("the wgmma kernel uses path s8_wgmma or s8_wgmma_wreg");
  if (plan.getSplitK() != 1 && plan.getPath() != MmaPath::S8WgmmaWreg)
    return message("path s8_wgmma has no split-K; split_k must be 1, not " +
                   llvm::Twine(plan.getSplitK()));
  if (plan.getPath() == MmaPath::S8WgmmaWreg) {
    // W rows are the wgmmas' 64-row side: one warpgroup per 64 of tile N.
    if (tn % 64 != 0 || tn < 64 || tn > 256)
      return message("path s8_wgmma_wreg needs tile N 64, 128, 192 or 256 "
                     "(one warpgroup per 64 W rows), not " + llvm::Twine(tn));
    if (plan.getWarpsM() != 1 || plan.getWarpsN() != tn / 16)
      return message("path s8_wgmma_wreg needs warps [1, " +
                     llvm::Twine(tn / 16) + "] for tile N " + llvm::Twine(tn));
    if (tm != 64 && tm != 128)
      return message("path s8_wgmma_wreg needs tile M 64 or 128 (the "
                     "wgmmas' N), not " + llvm::Twine(tm));
    // One TMA box row is the 128-byte swizzle span.
    if (tk != 128)
      return message("path s8_wgmma_wreg needs tile K 128 (one 128-byte "
                     "swizzled row of containers per TMA box row), not " +
                     llvm::Twine(tk));
  } else if (tm % 64 != 0 || tm < 64 || tm > 256)
    return message("the wgmma kernel needs tile M 64, 128, 192 or 256 (one "
                   "warpgroup per 64 rows), not " + llvm::Twine(tm));
  else if (plan.getWarpsM() != tm / 16 || plan.getWarpsN() != 1)
    return message("the wgmma kernel needs warps [" + llvm::Twine(tm / 16) +
                   ", 1] for tile M " + llvm::Twine(tm));
  else if (tn != 64 && tn != 128)
    return message("the wgmma kernel needs tile N 64 or 128, not " +
                   llvm::Twine(tn));
  if (spec.n % tn != 0)
    return message("N = " + llvm::Twine(spec.n) +
                   " is not a multiple of the plan's tile N " +
                   llvm::Twine(tn));
  if (tk != 64 && tk != 128)
    return message("the wgmma kernel needs tile K 64 or 128, not " +
                   llvm::Twine(tk));
  if (spec.k % tk != 0)
    return message("K = " + llvm::Twine(spec.k) +
                   " is not a multiple of the plan's tile K " +
                   llvm::Twine(tk));
  if (spec.fineGroup() % tk != 0)
    return message("the wgmma kernel needs the group size (" +
                   llvm::Twine(spec.fineGroup()) +
                   ") to be a multiple of tile K " + llvm::Twine(tk));
  if (spec.aGroup % spec.fineGroup() != 0 ||
      spec.wGroup % spec.fineGroup() != 0)
    return message("the coarser group must be a multiple of the finer");
  if (plan.getStages() < 2 || plan.getStages() > 6)
    return message("the wgmma kernel keeps stages - 1 tiles in flight; "
                   "stages must be 2 to 6, not " +
                   llvm::Twine(plan.getStages()));
  if (int64_t slices = plan.getSplitK(); slices > 1) {
    // The slices are the CTAs of one cluster; 8 is the portable maximum.
    // Each CTA stores (tile M / 8) / split_k of the 8 or 16 column blocks.
    if (slices != 2 && slices != 4 && slices != 8)
      return message("path s8_wgmma_wreg splits K over the CTAs of a "
                     "cluster: split_k must be 1, 2, 4 or 8, not " +
                     llvm::Twine(slices));
    int64_t tiles = spec.k / tk, groupTiles = spec.fineGroup() / tk;
    if (tiles % slices != 0)
      return message("split_k " + llvm::Twine(slices) +
                     " does not divide the " + llvm::Twine(tiles) +
                     " K tiles of K = " + llvm::Twine(spec.k));
    int64_t sliceTiles = tiles / slices;
    if (sliceTiles % groupTiles != 0 && groupTiles % sliceTiles != 0)
      return message("with split_k " + llvm::Twine(slices) + " a slice of " +
                     llvm::Twine(sliceTiles * tk) +
                     " K values would cut a group of " +
                     llvm::Twine(spec.fineGroup()));
  }
  // Cluster split-K puts the partials after the ring when they do not fit
  // below its mbarriers, which can pass the limit (wreg 128 x 256 x 128
  // with 16 warps and 3 stages).
  int64_t shared = wgmmaSharedBytes(plan), limit = maxSharedBytesPerCta(chip);
  if (shared > limit)
    return message("the wgmma kernel needs " + llvm::Twine(shared) +
                   " bytes of shared memory, more than the " +
                   llvm::Twine(limit) + " a CTA has on " + chip +
                   "; use fewer stages or a smaller tile");
  return checkGroupFitsInt32(spec);
}

FailureOr<gpu::GPUFuncOp>
mlir::apex4::buildWgmmaMatmulKernel(OpBuilder &builder, gpu::GPUModuleOp module,
                                    const MatmulKernelSpec &spec,
                                    StringRef chip) {
  if (checkWgmmaMatmulSpec(spec, chip))
    return failure();
  MLIRContext *ctx = builder.getContext();
  OpBuilder::InsertionGuard guard(builder);
  ImplicitLocOpBuilder b(module.getLoc(), builder);
  b.setInsertionPointToEnd(module.getBody());
  PlanAttr plan = spec.plan;
  bool wreg = plan.getPath() == MmaPath::S8WgmmaWreg;
  // The emitter's tm / tn: register-side rows and the wgmmas' N.
  int64_t tm = wreg ? plan.getTileN() : plan.getTileM();
  int64_t tn = wreg ? plan.getTileM() : plan.getTileN();
  int64_t tk = plan.getTileK();
  int64_t stages = plan.getStages(), rows = wreg ? tm : tm + tn;
  gpu::GPUFuncOp func = createMatmulKernelFunc(b, spec, TypeRange{});
  int64_t slices = plan.getSplitK();
  if (slices > 1)
    func->setAttr(NVVM::NVVMDialect::getClusterDimAttrName(),
                  b.getDenseI32ArrayAttr({1, 1, int32_t(slices)}));
  auto workgroup =
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  Type i8 = b.getI8Type();
  Value dynamic = gpu::DynamicSharedMemoryOp::create(
      b, MemRefType::get({ShapedType::kDynamic}, i8,
                         MemRefLayoutAttrInterface(), workgroup));
  SharedLayout layout = SharedLayout::of(plan);
  auto view = [&](ArrayRef<int64_t> shape, Type element, int64_t offset) {
    return memref::ViewOp::create(
               b,
               MemRefType::get(shape, element, MemRefLayoutAttrInterface(),
                               workgroup),
               dynamic, arith::ConstantIndexOp::create(b, offset),
               ValueRange{})
        .getResult();
  };
  auto chunkType = VectorType::get({4}, b.getI32Type());
  Value staging, containers, scaleRing, barrierStorage;
  if (wreg) {
    containers = view({stages, tk / 16, tn, 16}, i8, 0);
    scaleRing = view({stages, tm + tn}, b.getF32Type(), layout.scales);
    barrierStorage = view({stages}, b.getI64Type(), layout.barriers);
  } else {
    staging = view({2, tk / 16, tn}, chunkType, 0);
  }
  Value ring = view({stages, rows, tk / 2}, i8, layout.ring);
  Value partials =
      slices > 1 ? view({tn / 8, spec.threads()},
                        VectorType::get({4}, b.getF32Type()), layout.partials)
                 : Value();
  Value ringChunks = view({stages, rows, tk / 32}, chunkType, layout.ring);

  int64_t chunks = tk / 32;
  int64_t sliceTiles = spec.k / tk / slices;
  WgmmaEmitter emitter{{b},
                       {},
                       spec,
                       tm,
                       tn,
                       tk,
                       stages,
                       spec.threads(),
                       rows,
                       chunks,
                       8 / chunks,
                       sliceTiles,
                       std::min(spec.fineGroup() / tk, sliceTiles),
                       tn / 2,
                       plan.getConvert() == ConvertMethod::Magic &&
                           magicIsExact(spec),
                       wreg};
  static_cast<MatmulArguments &>(emitter) = MatmulArguments::of(func);
  emitter.ring = ring;
  emitter.ringChunks = ringChunks;
  emitter.staging = staging;
  emitter.containers = containers;
  emitter.scaleRing = scaleRing;
  emitter.barrierStorage = barrierStorage;
  emitter.slices = slices;
  emitter.partials = partials;
  emitter.perChannel = spec.perChannelOperand();
  emitter.emitBody();
  gpu::ReturnOp::create(b);

  attachMatmulKernelInfo(b, func, spec, wgmmaSharedBytes(plan));
  return func;
}
