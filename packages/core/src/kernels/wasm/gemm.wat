;; Matrix products with WebAssembly SIMD, for tapegrad's float32 (f32x4) and float64 (f64x2) matmul.
;;
;;   C[M x N] = op(A)[M x K] * op(B)[K x N]  (+ bias[N] broadcast over rows, if bias != 0)
;;   or, with acc = 1, C[M x N] += op(A) op(B) (the sums start from C instead of zero or the bias)
;;   op(A)[i,k] = transA ? A[k*lda + i] : A[i*lda + k]
;;   op(B)[k,j] = transB ? B[j*ldb + k] : B[k*ldb + j]
;;
;; All pointers are byte addresses in core's kernel memory (pinned tensors or the host's scratch
;; block). Helper threads run the same function on disjoint blocks of rows of C, each with its
;; own `work` area.
;; Layout of the algorithm (GotoBLAS/BLIS style, simplified):
;;   - op(B) is cut in blocks of KC rows x NC columns, each packed into panels of 32 bytes per k:
;;     8 float32 or 4 float64 columns (two v128 loads per k);
;;   - 4 rows of op(A) over the K-block are packed once per row block (4 values per k), and the
;;     micro-kernel broadcasts one value per row (load32_splat / load64_splat) from that panel;
;;   - a 4 x 8 (float32) or 4 x 4 (float64) micro-kernel keeps its sums in 8 v128 locals
;;     (registers) over the whole K-block; the first K-block starts from zero or from the bias,
;;     later ones from C.
;;   - one micro-kernel call runs a block of 4 rows against every whole panel of the block of op(B);
;;     a block of fewer than 4 rows writes only its rows, and a partial last panel runs the same
;;     micro-kernel on a 4 x 32-byte scratch tile, copied from and to C element by element.
;; Everything outside the micro-kernels is written once for both widths, in bytes: $sh is the
;; log2 of the element size (2 for float32, 3 for float64).
;; Sums are accumulated in the element type (float32 as PyTorch and XNNPACK do), in k order
;; within a K-block.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Rows of op(B) per packed block (bytes of one panel: KC * 32 = 8 KiB, L1-resident).
  (global $KC i32 (i32.const 256))
  ;; Columns of op(B) per packed block (a packed block is KC * NC * 4 or 8 bytes, L2-resident).
  (global $NC i32 (i32.const 256))

  ;; Bytes of scratch `work` must hold for elements of 2^sh bytes: a 4 x 32-byte tile, one packed
  ;; block of op(B) and one packed 4 x KC panel of op(A).
  (func $workBytes (param $sh i32) (result i32)
    (i32.add (i32.const 128)
      (i32.shl (i32.add (i32.mul (global.get $KC) (global.get $NC)) (i32.mul (global.get $KC) (i32.const 4))) (local.get $sh))))
  (func (export "sgemmWorkBytes") (result i32) (call $workBytes (i32.const 2)))
  (func (export "dgemmWorkBytes") (result i32) (call $workBytes (i32.const 3)))

  ;; Copy one element of 2^sh bytes.
  (func $copyElement (param $dst i32) (param $src i32) (param $sh i32)
    (if (i32.eq (local.get $sh) (i32.const 3))
      (then (i64.store (local.get $dst) (i64.load (local.get $src))))
      (else (i32.store (local.get $dst) (i32.load (local.get $src))))))

  ;; Transpose `quads` 4 x 4 float32 blocks: block q holds 16 bytes of each of the rows r0..r3 (from
  ;; byte 16q), and its transpose goes to dst + 4q*stride, one vector per stride: vector k holds
  ;; value k of r0, r1, r2 and r3. The loop is here so that a call covers a whole run of k (a call
  ;; per block cost about a third of packing).
  (func $transposeQuads (param $r0 i32) (param $r1 i32) (param $r2 i32) (param $r3 i32) (param $quads i32) (param $dst i32) (param $stride i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128) (local $o i32)
    (block $done
      (loop $blocks
        (br_if $done (i32.le_s (local.get $quads) (i32.const 0)))
        (local.set $v0 (v128.load (local.get $r0)))
        (local.set $v1 (v128.load (local.get $r1)))
        (local.set $v2 (v128.load (local.get $r2)))
        (local.set $v3 (v128.load (local.get $r3)))
        ;; Interleave pairs of rows (unpcklps / unpckhps), then pairs of pairs (movlhps / movhlps).
        (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
        (local.set $t1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
        (local.set $t2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
        (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
        (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1)))
        (local.set $o (i32.add (local.get $dst) (local.get $stride)))
        (v128.store (local.get $o) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
        (local.set $o (i32.add (local.get $o) (local.get $stride)))
        (v128.store (local.get $o) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t2) (local.get $t3)))
        (local.set $o (i32.add (local.get $o) (local.get $stride)))
        (v128.store (local.get $o) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t2) (local.get $t3)))
        (local.set $dst (i32.add (local.get $o) (local.get $stride)))
        (local.set $r0 (i32.add (local.get $r0) (i32.const 16)))
        (local.set $r1 (i32.add (local.get $r1) (i32.const 16)))
        (local.set $r2 (i32.add (local.get $r2) (i32.const 16)))
        (local.set $r3 (i32.add (local.get $r3) (i32.const 16)))
        (local.set $quads (i32.sub (local.get $quads) (i32.const 1)))
        (br $blocks))))

  ;; Pack op(B)[k0 .. k0+kc, j0 .. j0+nc] into panels of 32 bytes per k at dst (panel p at
  ;; dst + p*kc*32), zero-padding the last panel's missing columns.
  (func $packB (param $transB i32) (param $b i32) (param $ldb i32) (param $k0 i32) (param $kc i32)
               (param $j0 i32) (param $nc i32) (param $dst i32) (param $sh i32)
    (local $pw i32) (local $jp i32) (local $nr i32) (local $k i32) (local $jj i32) (local $src i32)
    (local $out i32) (local $ldbBytes i32) (local $end i32) (local $o i32)
    (local.set $pw (i32.shr_u (i32.const 32) (local.get $sh)))
    (local.set $ldbBytes (i32.shl (local.get $ldb) (local.get $sh)))
    (local.set $jp (i32.const 0))
    (block $done
      (loop $panels
        (br_if $done (i32.ge_s (local.get $jp) (local.get $nc)))
        (local.set $nr (i32.sub (local.get $nc) (local.get $jp)))
        (if (i32.gt_s (local.get $nr) (local.get $pw)) (then (local.set $nr (local.get $pw))))
        (local.set $out (i32.add (local.get $dst)
          (i32.shl (i32.mul (local.get $jp) (local.get $kc)) (local.get $sh))))
        (if (i32.eqz (local.get $transB))
          (then
            ;; op(B)[k, j] = B[k*ldb + j]: rows of the panel are contiguous in B.
            (local.set $src (i32.add (local.get $b) (i32.shl
              (i32.add (i32.mul (local.get $k0) (local.get $ldb)) (i32.add (local.get $j0) (local.get $jp)))
              (local.get $sh))))
            (if (i32.ge_s (i32.sub (local.get $nc) (local.get $jp)) (i32.shl (local.get $pw) (i32.const 1)))
              (then
                ;; Two whole panels in one pass: 64 bytes (a cache line) of each row of B, read
                ;; once (row strides of 2^n bytes put every row in one L1 set: a second pass
                ;; would read them all again from L2).
                (local.set $o (i32.add (local.get $out) (i32.shl (local.get $kc) (i32.const 5))))
                (local.set $k (local.get $kc))
                (block $kdone
                  (loop $rows
                    (br_if $kdone (i32.le_s (local.get $k) (i32.const 0)))
                    (v128.store (local.get $out) (v128.load (local.get $src)))
                    (v128.store offset=16 (local.get $out) (v128.load offset=16 (local.get $src)))
                    (v128.store (local.get $o) (v128.load offset=32 (local.get $src)))
                    (v128.store offset=16 (local.get $o) (v128.load offset=48 (local.get $src)))
                    (local.set $src (i32.add (local.get $src) (local.get $ldbBytes)))
                    (local.set $out (i32.add (local.get $out) (i32.const 32)))
                    (local.set $o (i32.add (local.get $o) (i32.const 32)))
                    (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                    (br $rows)))
                (local.set $jp (i32.add (local.get $jp) (local.get $pw))))
              (else
                (if (i32.eq (local.get $nr) (local.get $pw))
                  (then
                    (local.set $k (local.get $kc))
                    (block $kdone
                      (loop $rows
                        (br_if $kdone (i32.le_s (local.get $k) (i32.const 0)))
                        (v128.store (local.get $out) (v128.load (local.get $src)))
                        (v128.store offset=16 (local.get $out) (v128.load offset=16 (local.get $src)))
                        (local.set $src (i32.add (local.get $src) (local.get $ldbBytes)))
                        (local.set $out (i32.add (local.get $out) (i32.const 32)))
                        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                        (br $rows))))
                  (else
                    (local.set $k (local.get $kc))
                    (block $kdone
                      (loop $rows
                        (br_if $kdone (i32.le_s (local.get $k) (i32.const 0)))
                        (v128.store (local.get $out) (v128.const i32x4 0 0 0 0))
                        (v128.store offset=16 (local.get $out) (v128.const i32x4 0 0 0 0))
                        (local.set $jj (i32.const 0))
                        (block $cdone
                          (loop $cols
                            (br_if $cdone (i32.ge_s (local.get $jj) (local.get $nr)))
                            (call $copyElement
                              (i32.add (local.get $out) (i32.shl (local.get $jj) (local.get $sh)))
                              (i32.add (local.get $src) (i32.shl (local.get $jj) (local.get $sh)))
                              (local.get $sh))
                            (local.set $jj (i32.add (local.get $jj) (i32.const 1)))
                            (br $cols)))
                        (local.set $src (i32.add (local.get $src) (local.get $ldbBytes)))
                        (local.set $out (i32.add (local.get $out) (i32.const 32)))
                        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                        (br $rows))))))))
          (else
            ;; op(B)[k, j] = B[j*ldb + k]: each column of the panel is a contiguous row of B.
            (if (i32.lt_s (local.get $nr) (local.get $pw))
              (then (memory.fill (local.get $out) (i32.const 0) (i32.shl (local.get $kc) (i32.const 5)))))
            (local.set $jj (i32.const 0))
            (if (i32.and (i32.eq (local.get $sh) (i32.const 2)) (i32.eq (local.get $nr) (i32.const 8)))
              (then
                ;; A whole float32 panel: 4 k at a time, two 4 x 4 transposes of the 8 columns.
                (local.set $src (i32.add (local.get $b) (i32.shl
                  (i32.add (i32.mul (i32.add (local.get $j0) (local.get $jp)) (local.get $ldb)) (local.get $k0))
                  (i32.const 2))))
                (local.set $k (i32.shr_u (local.get $kc) (i32.const 2)))
                (call $transposeQuads (local.get $src) (i32.add (local.get $src) (local.get $ldbBytes))
                                      (i32.add (local.get $src) (i32.shl (local.get $ldbBytes) (i32.const 1)))
                                      (i32.add (local.get $src) (i32.mul (local.get $ldbBytes) (i32.const 3)))
                                      (local.get $k) (local.get $out) (i32.const 32))
                (local.set $src (i32.add (local.get $src) (i32.shl (local.get $ldbBytes) (i32.const 2))))
                (call $transposeQuads (local.get $src) (i32.add (local.get $src) (local.get $ldbBytes))
                                      (i32.add (local.get $src) (i32.shl (local.get $ldbBytes) (i32.const 1)))
                                      (i32.add (local.get $src) (i32.mul (local.get $ldbBytes) (i32.const 3)))
                                      (local.get $k) (i32.add (local.get $out) (i32.const 16)) (i32.const 32))
                ;; The last kc % 4 values of k go through the loop below, from that k on.
                (local.set $k (i32.shl (local.get $k) (i32.const 2)))
                (local.set $jj (i32.const 0)))
              (else (local.set $k (i32.const 0))))
            (block $cdone
              (loop $cols
                (br_if $cdone (i32.ge_s (local.get $jj) (local.get $nr)))
                (local.set $src (i32.add (local.get $b) (i32.shl
                  (i32.add (i32.mul (i32.add (i32.add (local.get $j0) (local.get $jp)) (local.get $jj)) (local.get $ldb))
                           (i32.add (local.get $k0) (local.get $k)))
                  (local.get $sh))))
                (local.set $o (i32.add (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 5)))
                                       (i32.shl (local.get $jj) (local.get $sh))))
                (local.set $end (i32.add (local.get $src) (i32.shl (i32.sub (local.get $kc) (local.get $k)) (local.get $sh))))
                ;; One loop per width: this strided gather is the whole cost of a transposed operand.
                (if (i32.eq (local.get $sh) (i32.const 2))
                  (then
                    (block $kdone
                      (loop $rows
                        (br_if $kdone (i32.ge_u (local.get $src) (local.get $end)))
                        (f32.store (local.get $o) (f32.load (local.get $src)))
                        (local.set $src (i32.add (local.get $src) (i32.const 4)))
                        (local.set $o (i32.add (local.get $o) (i32.const 32)))
                        (br $rows))))
                  (else
                    (block $kdone
                      (loop $rows
                        (br_if $kdone (i32.ge_u (local.get $src) (local.get $end)))
                        (f64.store (local.get $o) (f64.load (local.get $src)))
                        (local.set $src (i32.add (local.get $src) (i32.const 8)))
                        (local.set $o (i32.add (local.get $o) (i32.const 32)))
                        (br $rows)))))
                (local.set $jj (i32.add (local.get $jj) (i32.const 1)))
                (br $cols)))))
        (local.set $jp (i32.add (local.get $jp) (local.get $pw)))
        (br $panels))))

  ;; Pack 4 rows of op(A) over kc values of k (row r starts at a_r, each advancing ks bytes per k)
  ;; into dst, the 4 values of each k contiguous: the micro-kernel then reads A through one pointer.
  ;; One loop per width: this runs once per row block and k, too often for a call per element; float32
  ;; copies 16 bytes per k when the rows are adjacent and transposes 4 x 4 blocks when they are not.
  (func $packA (param $a0 i32) (param $a1 i32) (param $a2 i32) (param $a3 i32) (param $ks i32) (param $kc i32) (param $dst i32)
               (param $sh i32)
    (local $end i32)
    (if (i32.eq (local.get $sh) (i32.const 2))
      (then
        (if (i32.and (i32.eq (local.get $a1) (i32.add (local.get $a0) (i32.const 4)))
                     (i32.eq (local.get $a3) (i32.add (local.get $a0) (i32.const 12))))
          (then
            ;; The 4 rows are adjacent (op(A) = A^T): each k is one 16-byte copy.
            (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $kc) (i32.const 4))))
            (block $done
              (loop $k
                (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
                (v128.store (local.get $dst) (v128.load (local.get $a0)))
                (local.set $a0 (i32.add (local.get $a0) (local.get $ks)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
                (br $k)))
            (return)))
        (if (i32.eq (local.get $ks) (i32.const 4))
          (then
            ;; Rows contiguous along k: 4 k at a time, one 4 x 4 transpose.
            (local.set $end (i32.shr_u (local.get $kc) (i32.const 2)))
            (call $transposeQuads (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3) (local.get $end) (local.get $dst) (i32.const 16))
            (local.set $a0 (i32.add (local.get $a0) (i32.shl (local.get $end) (i32.const 4))))
            (local.set $a1 (i32.add (local.get $a1) (i32.shl (local.get $end) (i32.const 4))))
            (local.set $a2 (i32.add (local.get $a2) (i32.shl (local.get $end) (i32.const 4))))
            (local.set $a3 (i32.add (local.get $a3) (i32.shl (local.get $end) (i32.const 4))))
            (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $end) (i32.const 6))))
            (local.set $kc (i32.sub (local.get $kc) (i32.shl (local.get $end) (i32.const 2))))))
        ;; The rest (or everything, for rows that repeat the last one) element by element.
        (block $done
          (loop $k
            (br_if $done (i32.le_s (local.get $kc) (i32.const 0)))
            (f32.store (local.get $dst) (f32.load (local.get $a0)))
            (f32.store offset=4 (local.get $dst) (f32.load (local.get $a1)))
            (f32.store offset=8 (local.get $dst) (f32.load (local.get $a2)))
            (f32.store offset=12 (local.get $dst) (f32.load (local.get $a3)))
            (local.set $a0 (i32.add (local.get $a0) (local.get $ks)))
            (local.set $a1 (i32.add (local.get $a1) (local.get $ks)))
            (local.set $a2 (i32.add (local.get $a2) (local.get $ks)))
            (local.set $a3 (i32.add (local.get $a3) (local.get $ks)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (local.set $kc (i32.sub (local.get $kc) (i32.const 1)))
            (br $k))))
      (else
        (block $done
          (loop $k
            (br_if $done (i32.le_s (local.get $kc) (i32.const 0)))
            (f64.store (local.get $dst) (f64.load (local.get $a0)))
            (f64.store offset=8 (local.get $dst) (f64.load (local.get $a1)))
            (f64.store offset=16 (local.get $dst) (f64.load (local.get $a2)))
            (f64.store offset=24 (local.get $dst) (f64.load (local.get $a3)))
            (local.set $a0 (i32.add (local.get $a0) (local.get $ks)))
            (local.set $a1 (i32.add (local.get $a1) (local.get $ks)))
            (local.set $a2 (i32.add (local.get $a2) (local.get $ks)))
            (local.set $a3 (i32.add (local.get $a3) (local.get $ks)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
            (local.set $kc (i32.sub (local.get $kc) (i32.const 1)))
            (br $k))))))

  ;; The float32 4 x 8 micro-kernel, over np consecutive panels of op(B): for panel p,
  ;; C[4 x 8] at c + 32p (row stride ldcBytes) = init + sum over kc of ap[k][r] * bp_p[k][0..8] for
  ;; rows r < 4, where panel p is packed at bp + p*kc*32 (A and B panels hold 16 and 32 bytes per k).
  ;; One call per row of panels: a call per panel cost 15-20% of products with few k.
  ;; Only the first mr rows of C are read and written; the others (from repeated rows of A) are dropped.
  ;; init: 0 = C itself, 1 = zero, 2 = the 8 bias values at bias + 32p.
  (func $microF32 (param $ap i32) (param $bp i32) (param $kc i32) (param $c i32) (param $ldcBytes i32) (param $init i32) (param $bias i32)
                  (param $np i32) (param $mr i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $av v128) (local $a i32) (local $row i32) (local $end i32)
    (loop $panels
      (if (i32.eqz (local.get $init))
        (then
          (local.set $c00 (v128.load (local.get $c)))
          (local.set $c01 (v128.load offset=16 (local.get $c)))
          (local.set $row (i32.add (local.get $c) (local.get $ldcBytes)))
          (if (i32.gt_s (local.get $mr) (i32.const 1))
            (then
              (local.set $c10 (v128.load (local.get $row)))
              (local.set $c11 (v128.load offset=16 (local.get $row)))))
          (local.set $row (i32.add (local.get $row) (local.get $ldcBytes)))
          (if (i32.gt_s (local.get $mr) (i32.const 2))
            (then
              (local.set $c20 (v128.load (local.get $row)))
              (local.set $c21 (v128.load offset=16 (local.get $row)))))
          (local.set $row (i32.add (local.get $row) (local.get $ldcBytes)))
          (if (i32.gt_s (local.get $mr) (i32.const 3))
            (then
              (local.set $c30 (v128.load (local.get $row)))
              (local.set $c31 (v128.load offset=16 (local.get $row))))))
        (else
          (if (i32.eq (local.get $init) (i32.const 2))
            (then
              (local.set $c00 (v128.load (local.get $bias)))
              (local.set $c01 (v128.load offset=16 (local.get $bias))))
            (else
              (local.set $c00 (v128.const i32x4 0 0 0 0))
              (local.set $c01 (v128.const i32x4 0 0 0 0))))
          (local.set $c10 (local.get $c00)) (local.set $c11 (local.get $c01))
          (local.set $c20 (local.get $c00)) (local.set $c21 (local.get $c01))
          (local.set $c30 (local.get $c00)) (local.set $c31 (local.get $c01))))
      ;; Two k per pass, with an exit test between them (so any kc >= 1 works): V8 checks the stack
      ;; and re-extends the pointers once per pass, and keeps every load of a k in its own basic
      ;; block, so the 15 usable registers suffice (a straight unrolled body spills): the
      ;; micro-kernel alone ran about 20% faster than with one k per pass, the whole product 5-10%.
      ;; The adds stay in k order. bp ends at the next panel.
      (local.set $a (local.get $ap))
      (local.set $end (i32.add (local.get $bp) (i32.shl (local.get $kc) (i32.const 5))))
      (if (i32.gt_s (local.get $kc) (i32.const 0))
        (then
          (block $out
            (loop $k
              (local.set $b0 (v128.load (local.get $bp)))
              (local.set $b1 (v128.load offset=16 (local.get $bp)))
              (local.set $av (v128.load32_splat (local.get $a)))
              (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $av) (local.get $b1))))
              (local.set $av (v128.load32_splat offset=4 (local.get $a)))
              (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $av) (local.get $b1))))
              (local.set $av (v128.load32_splat offset=8 (local.get $a)))
              (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $av) (local.get $b1))))
              (local.set $av (v128.load32_splat offset=12 (local.get $a)))
              (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $av) (local.get $b1))))
              (local.set $a (i32.add (local.get $a) (i32.const 16)))
              (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
              (br_if $out (i32.ge_u (local.get $bp) (local.get $end)))
              (local.set $b0 (v128.load (local.get $bp)))
              (local.set $b1 (v128.load offset=16 (local.get $bp)))
              (local.set $av (v128.load32_splat (local.get $a)))
              (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $av) (local.get $b1))))
              (local.set $av (v128.load32_splat offset=4 (local.get $a)))
              (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $av) (local.get $b1))))
              (local.set $av (v128.load32_splat offset=8 (local.get $a)))
              (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $av) (local.get $b1))))
              (local.set $av (v128.load32_splat offset=12 (local.get $a)))
              (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $av) (local.get $b1))))
              (local.set $a (i32.add (local.get $a) (i32.const 16)))
              (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
              (br_if $k (i32.lt_u (local.get $bp) (local.get $end)))))))
      (v128.store (local.get $c) (local.get $c00))
      (v128.store offset=16 (local.get $c) (local.get $c01))
      (if (i32.gt_s (local.get $mr) (i32.const 1))
        (then
          (local.set $row (i32.add (local.get $c) (local.get $ldcBytes)))
          (v128.store (local.get $row) (local.get $c10))
          (v128.store offset=16 (local.get $row) (local.get $c11))
          (if (i32.gt_s (local.get $mr) (i32.const 2))
            (then
              (local.set $row (i32.add (local.get $row) (local.get $ldcBytes)))
              (v128.store (local.get $row) (local.get $c20))
              (v128.store offset=16 (local.get $row) (local.get $c21))
              (if (i32.gt_s (local.get $mr) (i32.const 3))
                (then
                  (local.set $row (i32.add (local.get $row) (local.get $ldcBytes)))
                  (v128.store (local.get $row) (local.get $c30))
                  (v128.store offset=16 (local.get $row) (local.get $c31))))))))
      (local.set $c (i32.add (local.get $c) (i32.const 32)))
      (local.set $bias (i32.add (local.get $bias) (i32.const 32)))
      (local.set $np (i32.sub (local.get $np) (i32.const 1)))
      (br_if $panels (i32.gt_s (local.get $np) (i32.const 0)))))

  ;; The float64 4 x 4 micro-kernel: as $microF32 with f64x2 lanes (32 bytes per k in both panels).
  (func $microF64 (param $ap i32) (param $bp i32) (param $kc i32) (param $c i32) (param $ldcBytes i32) (param $init i32) (param $bias i32)
                  (param $np i32) (param $mr i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $av v128) (local $a i32) (local $row i32) (local $end i32)
    (loop $panels
      (if (i32.eqz (local.get $init))
        (then
          (local.set $c00 (v128.load (local.get $c)))
          (local.set $c01 (v128.load offset=16 (local.get $c)))
          (local.set $row (i32.add (local.get $c) (local.get $ldcBytes)))
          (if (i32.gt_s (local.get $mr) (i32.const 1))
            (then
              (local.set $c10 (v128.load (local.get $row)))
              (local.set $c11 (v128.load offset=16 (local.get $row)))))
          (local.set $row (i32.add (local.get $row) (local.get $ldcBytes)))
          (if (i32.gt_s (local.get $mr) (i32.const 2))
            (then
              (local.set $c20 (v128.load (local.get $row)))
              (local.set $c21 (v128.load offset=16 (local.get $row)))))
          (local.set $row (i32.add (local.get $row) (local.get $ldcBytes)))
          (if (i32.gt_s (local.get $mr) (i32.const 3))
            (then
              (local.set $c30 (v128.load (local.get $row)))
              (local.set $c31 (v128.load offset=16 (local.get $row))))))
        (else
          (if (i32.eq (local.get $init) (i32.const 2))
            (then
              (local.set $c00 (v128.load (local.get $bias)))
              (local.set $c01 (v128.load offset=16 (local.get $bias))))
            (else
              (local.set $c00 (v128.const i32x4 0 0 0 0))
              (local.set $c01 (v128.const i32x4 0 0 0 0))))
          (local.set $c10 (local.get $c00)) (local.set $c11 (local.get $c01))
          (local.set $c20 (local.get $c00)) (local.set $c21 (local.get $c01))
          (local.set $c30 (local.get $c00)) (local.set $c31 (local.get $c01))))
      ;; Two k per pass, with an exit test between them (so any kc >= 1 works): V8 checks the stack
      ;; and re-extends the pointers once per pass, and keeps every load of a k in its own basic
      ;; block, so the 15 usable registers suffice (a straight unrolled body spills): the
      ;; micro-kernel alone ran about 20% faster than with one k per pass, the whole product 5-10%.
      ;; The adds stay in k order. bp ends at the next panel.
      (local.set $a (local.get $ap))
      (local.set $end (i32.add (local.get $bp) (i32.shl (local.get $kc) (i32.const 5))))
      (if (i32.gt_s (local.get $kc) (i32.const 0))
        (then
          (block $out
            (loop $k
              (local.set $b0 (v128.load (local.get $bp)))
              (local.set $b1 (v128.load offset=16 (local.get $bp)))
              (local.set $av (v128.load64_splat (local.get $a)))
              (local.set $c00 (f64x2.add (local.get $c00) (f64x2.mul (local.get $av) (local.get $b0))))
              (local.set $c01 (f64x2.add (local.get $c01) (f64x2.mul (local.get $av) (local.get $b1))))
              (local.set $av (v128.load64_splat offset=8 (local.get $a)))
              (local.set $c10 (f64x2.add (local.get $c10) (f64x2.mul (local.get $av) (local.get $b0))))
              (local.set $c11 (f64x2.add (local.get $c11) (f64x2.mul (local.get $av) (local.get $b1))))
              (local.set $av (v128.load64_splat offset=16 (local.get $a)))
              (local.set $c20 (f64x2.add (local.get $c20) (f64x2.mul (local.get $av) (local.get $b0))))
              (local.set $c21 (f64x2.add (local.get $c21) (f64x2.mul (local.get $av) (local.get $b1))))
              (local.set $av (v128.load64_splat offset=24 (local.get $a)))
              (local.set $c30 (f64x2.add (local.get $c30) (f64x2.mul (local.get $av) (local.get $b0))))
              (local.set $c31 (f64x2.add (local.get $c31) (f64x2.mul (local.get $av) (local.get $b1))))
              (local.set $a (i32.add (local.get $a) (i32.const 32)))
              (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
              (br_if $out (i32.ge_u (local.get $bp) (local.get $end)))
              (local.set $b0 (v128.load (local.get $bp)))
              (local.set $b1 (v128.load offset=16 (local.get $bp)))
              (local.set $av (v128.load64_splat (local.get $a)))
              (local.set $c00 (f64x2.add (local.get $c00) (f64x2.mul (local.get $av) (local.get $b0))))
              (local.set $c01 (f64x2.add (local.get $c01) (f64x2.mul (local.get $av) (local.get $b1))))
              (local.set $av (v128.load64_splat offset=8 (local.get $a)))
              (local.set $c10 (f64x2.add (local.get $c10) (f64x2.mul (local.get $av) (local.get $b0))))
              (local.set $c11 (f64x2.add (local.get $c11) (f64x2.mul (local.get $av) (local.get $b1))))
              (local.set $av (v128.load64_splat offset=16 (local.get $a)))
              (local.set $c20 (f64x2.add (local.get $c20) (f64x2.mul (local.get $av) (local.get $b0))))
              (local.set $c21 (f64x2.add (local.get $c21) (f64x2.mul (local.get $av) (local.get $b1))))
              (local.set $av (v128.load64_splat offset=24 (local.get $a)))
              (local.set $c30 (f64x2.add (local.get $c30) (f64x2.mul (local.get $av) (local.get $b0))))
              (local.set $c31 (f64x2.add (local.get $c31) (f64x2.mul (local.get $av) (local.get $b1))))
              (local.set $a (i32.add (local.get $a) (i32.const 32)))
              (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
              (br_if $k (i32.lt_u (local.get $bp) (local.get $end)))))))
      (v128.store (local.get $c) (local.get $c00))
      (v128.store offset=16 (local.get $c) (local.get $c01))
      (if (i32.gt_s (local.get $mr) (i32.const 1))
        (then
          (local.set $row (i32.add (local.get $c) (local.get $ldcBytes)))
          (v128.store (local.get $row) (local.get $c10))
          (v128.store offset=16 (local.get $row) (local.get $c11))
          (if (i32.gt_s (local.get $mr) (i32.const 2))
            (then
              (local.set $row (i32.add (local.get $row) (local.get $ldcBytes)))
              (v128.store (local.get $row) (local.get $c20))
              (v128.store offset=16 (local.get $row) (local.get $c21))
              (if (i32.gt_s (local.get $mr) (i32.const 3))
                (then
                  (local.set $row (i32.add (local.get $row) (local.get $ldcBytes)))
                  (v128.store (local.get $row) (local.get $c30))
                  (v128.store offset=16 (local.get $row) (local.get $c31))))))))
      (local.set $c (i32.add (local.get $c) (i32.const 32)))
      (local.set $bias (i32.add (local.get $bias) (i32.const 32)))
      (local.set $np (i32.sub (local.get $np) (i32.const 1)))
      (br_if $panels (i32.gt_s (local.get $np) (i32.const 0)))))

  ;; Copy an mr x nr block of elements between row strides (bytes): from src (stride s) to dst (stride d).
  (func $copyBlock (param $src i32) (param $s i32) (param $dst i32) (param $d i32) (param $mr i32) (param $nr i32) (param $sh i32)
    (local $i i32) (local $j i32)
    (block $idone
      (loop $rows
        (br_if $idone (i32.ge_s (local.get $i) (local.get $mr)))
        (local.set $j (i32.const 0))
        (block $jdone
          (loop $cols
            (br_if $jdone (i32.ge_s (local.get $j) (local.get $nr)))
            (call $copyElement (i32.add (local.get $dst) (i32.shl (local.get $j) (local.get $sh)))
                               (i32.add (local.get $src) (i32.shl (local.get $j) (local.get $sh)))
                               (local.get $sh))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $cols)))
        (local.set $src (i32.add (local.get $src) (local.get $s)))
        (local.set $dst (i32.add (local.get $dst) (local.get $d)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; Pack rows i0 .. i0+4 of op(A), op(A)[i, k] at byte a + i*rs + k*ks, over k0 .. k0+kc into dst
  ;; (see $packA). Rows past M repeat the last row: their sums are computed and dropped.
  (func $packRows (param $a i32) (param $rs i32) (param $ks i32) (param $i0 i32) (param $M i32) (param $k0 i32) (param $kc i32)
                  (param $dst i32) (param $sh i32)
    (local $mr i32) (local $a0 i32) (local $a1 i32) (local $a2 i32)
    (local.set $mr (i32.sub (local.get $M) (local.get $i0)))
    (local.set $a0 (i32.add (local.get $a) (i32.add (i32.mul (local.get $i0) (local.get $rs)) (i32.mul (local.get $k0) (local.get $ks)))))
    (local.set $a1 (i32.add (local.get $a0) (i32.mul (local.get $rs) (i32.lt_s (i32.const 1) (local.get $mr)))))
    (local.set $a2 (i32.add (local.get $a1) (i32.mul (local.get $rs) (i32.lt_s (i32.const 2) (local.get $mr)))))
    (call $packA (local.get $a0) (local.get $a1) (local.get $a2) (i32.add (local.get $a2) (i32.mul (local.get $rs) (i32.lt_s (i32.const 3) (local.get $mr))))
                 (local.get $ks) (local.get $kc) (local.get $dst) (local.get $sh)))

  ;; One micro-kernel call of the element width: $microF32 when sh = 2, else $microF64.
  (func $micro (param $ap i32) (param $bp i32) (param $kc i32) (param $c i32) (param $ldcBytes i32) (param $init i32) (param $bias i32)
               (param $np i32) (param $mr i32) (param $sh i32)
    (if (i32.eq (local.get $sh) (i32.const 2))
      (then (call $microF32 (local.get $ap) (local.get $bp) (local.get $kc) (local.get $c) (local.get $ldcBytes) (local.get $init) (local.get $bias)
                            (local.get $np) (local.get $mr)))
      (else (call $microF64 (local.get $ap) (local.get $bp) (local.get $kc) (local.get $c) (local.get $ldcBytes) (local.get $init) (local.get $bias)
                            (local.get $np) (local.get $mr)))))

  ;; One block of mr <= 4 rows of C (at c) over nc columns: the packed rows of op(A) at ap against
  ;; the packed panels of op(B) from bp (kc*32 bytes each). Whole panels are written in place; a
  ;; partial last panel goes through the 4 x 32-byte scratch tile, copied from and to C.
  (func $panelRow (param $ap i32) (param $bp i32) (param $kc i32) (param $c i32) (param $ldcBytes i32) (param $init i32) (param $bias i32)
                  (param $mr i32) (param $nc i32) (param $tile i32) (param $sh i32)
    (local $full i32) (local $nr i32) (local $off i32)
    ;; Panels are 32 bytes wide: 2^(5 - sh) columns.
    (local.set $full (i32.shr_u (local.get $nc) (i32.sub (i32.const 5) (local.get $sh))))
    (if (i32.gt_s (local.get $full) (i32.const 0))
      (then (call $micro (local.get $ap) (local.get $bp) (local.get $kc) (local.get $c) (local.get $ldcBytes) (local.get $init) (local.get $bias)
                         (local.get $full) (local.get $mr) (local.get $sh))))
    (local.set $off (i32.shl (local.get $full) (i32.const 5)))
    (local.set $nr (i32.sub (local.get $nc) (i32.shr_u (local.get $off) (local.get $sh))))
    (if (i32.gt_s (local.get $nr) (i32.const 0))
      (then
        (local.set $c (i32.add (local.get $c) (local.get $off)))
        (if (i32.eqz (local.get $init))
          (then (call $copyBlock (local.get $c) (local.get $ldcBytes) (local.get $tile) (i32.const 32) (local.get $mr) (local.get $nr) (local.get $sh))))
        (call $micro (local.get $ap) (i32.add (local.get $bp) (i32.mul (local.get $off) (local.get $kc))) (local.get $kc) (local.get $tile) (i32.const 32)
                     (local.get $init) (i32.add (local.get $bias) (local.get $off)) (i32.const 1) (i32.const 4) (local.get $sh))
        (call $copyBlock (local.get $tile) (i32.const 32) (local.get $c) (local.get $ldcBytes) (local.get $mr) (local.get $nr) (local.get $sh)))))

  ;; C = op(A) op(B) (+ bias) for elements of 2^sh bytes: see the header; with acc = 1, C += op(A)
  ;; op(B) instead (the sums start from C: no bias then). work: $workBytes(sh) bytes of scratch,
  ;; 16-aligned. The bias, when given, must be followed by 32 readable bytes (a partial panel reads
  ;; past its end).
  (func $gemm (param $transA i32) (param $transB i32) (param $M i32) (param $N i32) (param $K i32)
        (param $a i32) (param $lda i32) (param $b i32) (param $ldb i32) (param $c i32) (param $ldc i32)
        (param $bias i32) (param $acc i32) (param $work i32) (param $sh i32)
    (local $rs i32) (local $ks i32) (local $ldcBytes i32) (local $tile i32) (local $pack i32)
    (local $j0 i32) (local $nc i32) (local $k0 i32) (local $kc i32) (local $init i32)
    (local $i0 i32) (local $mr i32) (local $packA i32)
    (if (i32.or (i32.le_s (local.get $M) (i32.const 0)) (i32.le_s (local.get $N) (i32.const 0))) (then (return)))
    ;; Byte strides of op(A) between rows (rs) and along k (ks).
    (if (local.get $transA)
      (then (local.set $rs (i32.shl (i32.const 1) (local.get $sh))) (local.set $ks (i32.shl (local.get $lda) (local.get $sh))))
      (else (local.set $rs (i32.shl (local.get $lda) (local.get $sh))) (local.set $ks (i32.shl (i32.const 1) (local.get $sh)))))
    (local.set $ldcBytes (i32.shl (local.get $ldc) (local.get $sh)))
    (local.set $tile (local.get $work))
    (local.set $pack (i32.add (local.get $work) (i32.const 128)))
    (local.set $packA (i32.add (local.get $pack) (i32.shl (i32.mul (global.get $KC) (global.get $NC)) (local.get $sh))))
    (local.set $j0 (i32.const 0))
    (block $jdone
      (loop $jblocks
        (br_if $jdone (i32.ge_s (local.get $j0) (local.get $N)))
        (local.set $nc (i32.sub (local.get $N) (local.get $j0)))
        (if (i32.gt_s (local.get $nc) (global.get $NC)) (then (local.set $nc (global.get $NC))))
        (local.set $k0 (i32.const 0))
        ;; At least one K-block, even for K = 0, so that C is always written.
        (loop $kblocks
          (local.set $kc (i32.sub (local.get $K) (local.get $k0)))
          (if (i32.gt_s (local.get $kc) (global.get $KC)) (then (local.set $kc (global.get $KC))))
          (call $packB (local.get $transB) (local.get $b) (local.get $ldb) (local.get $k0) (local.get $kc)
                       (local.get $j0) (local.get $nc) (local.get $pack) (local.get $sh))
          (local.set $init
            (if (result i32) (i32.and (i32.eqz (local.get $k0)) (i32.eqz (local.get $acc)))
              (then (if (result i32) (local.get $bias) (then (i32.const 2)) (else (i32.const 1))))
              (else (i32.const 0))))
          (local.set $i0 (i32.const 0))
          (block $idone
            (loop $iblocks
              (br_if $idone (i32.ge_s (local.get $i0) (local.get $M)))
              (local.set $mr (i32.sub (local.get $M) (local.get $i0)))
              (if (i32.gt_s (local.get $mr) (i32.const 4)) (then (local.set $mr (i32.const 4))))
              (call $packRows (local.get $a) (local.get $rs) (local.get $ks) (local.get $i0) (local.get $M) (local.get $k0) (local.get $kc)
                              (local.get $packA) (local.get $sh))
              (call $panelRow (local.get $packA) (local.get $pack) (local.get $kc)
                              (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i0) (local.get $ldc)) (local.get $j0)) (local.get $sh)))
                              (local.get $ldcBytes) (local.get $init) (i32.add (local.get $bias) (i32.shl (local.get $j0) (local.get $sh)))
                              (local.get $mr) (local.get $nc) (local.get $tile) (local.get $sh))
              (local.set $i0 (i32.add (local.get $i0) (i32.const 4)))
              (br $iblocks)))
          (local.set $k0 (i32.add (local.get $k0) (global.get $KC)))
          (br_if $kblocks (i32.lt_s (local.get $k0) (local.get $K))))
        (local.set $j0 (i32.add (local.get $j0) (global.get $NC)))
        (br $jblocks))))

  ;; The float32 product (f32x4 lanes, float32 sums).
  (func (export "sgemm") (param $transA i32) (param $transB i32) (param $M i32) (param $N i32) (param $K i32)
        (param $a i32) (param $lda i32) (param $b i32) (param $ldb i32) (param $c i32) (param $ldc i32)
        (param $bias i32) (param $acc i32) (param $work i32)
    (call $gemm (local.get $transA) (local.get $transB) (local.get $M) (local.get $N) (local.get $K) (local.get $a) (local.get $lda)
                (local.get $b) (local.get $ldb) (local.get $c) (local.get $ldc) (local.get $bias) (local.get $acc) (local.get $work)
                (i32.const 2)))

  ;; The float64 product (f64x2 lanes, float64 sums).
  (func (export "dgemm") (param $transA i32) (param $transB i32) (param $M i32) (param $N i32) (param $K i32)
        (param $a i32) (param $lda i32) (param $b i32) (param $ldb i32) (param $c i32) (param $ldc i32)
        (param $bias i32) (param $acc i32) (param $work i32)
    (call $gemm (local.get $transA) (local.get $transB) (local.get $M) (local.get $N) (local.get $K) (local.get $a) (local.get $lda)
                (local.get $b) (local.get $ldb) (local.get $c) (local.get $ldc) (local.get $bias) (local.get $acc) (local.get $work)
                (i32.const 3)))
)
