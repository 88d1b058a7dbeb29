;; Column sums with WebAssembly SIMD over float32 and float64 blocks in core's shared kernel memory,
;; bit for bit equal to the TypeScript pairwise sums of `kernels/reduce.ts`: each column is summed
;; in float64, row after row from +0, exactly as TypeScript's `s += data[p]` chain does; the lanes of
;; a vector are different columns, never parts of one sum, so vectorizing changes no column's order.
;; The pairwise combination of 128-row blocks is driven by the host (`reduce-runtime.ts`) with
;; `addF64`, and the result is rounded once to float32 by `demoteF32`, as storing a double into a
;; Float32Array does.
;;
;; Every function takes byte addresses; a row stride is in bytes. Columns are processed 16 at a
;; time (eight f64x2 accumulators: enough independent additions to hide their latency), then 4 at a
;; time, then one at a time. float32 columns are loaded two at a time with `v128.load64_zero`
;; straight into the conversion to f64x2 (which bounds the float32 kernel), with no shuffle.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; dst[j] (f64) = sum over r < rows of src[r * stride + 4 j] (f32), for j < width; rows >= 1. With
  ;; $more, the sums continue from dst (the same chain of additions as one call over all the rows).
  (func (export "colSumF32") (param $src i32) (param $stride i32) (param $rows i32) (param $width i32) (param $dst i32) (param $more i32)
    (local $p i32) (local $end i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $x f64)
    ;; 16 columns: eight pairs of float32 per row, each widened into an f64x2 accumulator.
    (block $done16
      (loop $col16
        (br_if $done16 (i32.lt_u (local.get $width) (i32.const 16)))
        (if (local.get $more)
          (then
            (local.set $a0 (v128.load offset=0 (local.get $dst))) (local.set $a1 (v128.load offset=16 (local.get $dst)))
            (local.set $a2 (v128.load offset=32 (local.get $dst))) (local.set $a3 (v128.load offset=48 (local.get $dst)))
            (local.set $a4 (v128.load offset=64 (local.get $dst))) (local.set $a5 (v128.load offset=80 (local.get $dst)))
            (local.set $a6 (v128.load offset=96 (local.get $dst))) (local.set $a7 (v128.load offset=112 (local.get $dst))))
          (else
            (local.set $a0 (v128.const i64x2 0 0)) (local.set $a1 (v128.const i64x2 0 0))
            (local.set $a2 (v128.const i64x2 0 0)) (local.set $a3 (v128.const i64x2 0 0))
            (local.set $a4 (v128.const i64x2 0 0)) (local.set $a5 (v128.const i64x2 0 0))
            (local.set $a6 (v128.const i64x2 0 0)) (local.set $a7 (v128.const i64x2 0 0))))
        (local.set $p (local.get $src))
        (local.set $end (i32.add (local.get $src) (i32.mul (local.get $rows) (local.get $stride))))
        (loop $row
          (local.set $a0 (f64x2.add (local.get $a0) (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $p)))))
          (local.set $a1 (f64x2.add (local.get $a1) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $p)))))
          (local.set $a2 (f64x2.add (local.get $a2) (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $p)))))
          (local.set $a3 (f64x2.add (local.get $a3) (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $p)))))
          (local.set $a4 (f64x2.add (local.get $a4) (f64x2.promote_low_f32x4 (v128.load64_zero offset=32 (local.get $p)))))
          (local.set $a5 (f64x2.add (local.get $a5) (f64x2.promote_low_f32x4 (v128.load64_zero offset=40 (local.get $p)))))
          (local.set $a6 (f64x2.add (local.get $a6) (f64x2.promote_low_f32x4 (v128.load64_zero offset=48 (local.get $p)))))
          (local.set $a7 (f64x2.add (local.get $a7) (f64x2.promote_low_f32x4 (v128.load64_zero offset=56 (local.get $p)))))
          (local.set $p (i32.add (local.get $p) (local.get $stride)))
          (br_if $row (i32.lt_u (local.get $p) (local.get $end))))
        (v128.store offset=0 (local.get $dst) (local.get $a0))
        (v128.store offset=16 (local.get $dst) (local.get $a1))
        (v128.store offset=32 (local.get $dst) (local.get $a2))
        (v128.store offset=48 (local.get $dst) (local.get $a3))
        (v128.store offset=64 (local.get $dst) (local.get $a4))
        (v128.store offset=80 (local.get $dst) (local.get $a5))
        (v128.store offset=96 (local.get $dst) (local.get $a6))
        (v128.store offset=112 (local.get $dst) (local.get $a7))
        (local.set $src (i32.add (local.get $src) (i32.const 64)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 128)))
        (local.set $width (i32.sub (local.get $width) (i32.const 16)))
        (br $col16)))
    ;; 4 columns: two pairs per row, two accumulators.
    (block $done4
      (loop $col4
        (br_if $done4 (i32.lt_u (local.get $width) (i32.const 4)))
        (if (local.get $more)
          (then (local.set $a0 (v128.load offset=0 (local.get $dst))) (local.set $a1 (v128.load offset=16 (local.get $dst))))
          (else (local.set $a0 (v128.const i64x2 0 0)) (local.set $a1 (v128.const i64x2 0 0))))
        (local.set $p (local.get $src))
        (local.set $end (i32.add (local.get $src) (i32.mul (local.get $rows) (local.get $stride))))
        (loop $row
          (local.set $a0 (f64x2.add (local.get $a0) (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $p)))))
          (local.set $a1 (f64x2.add (local.get $a1) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $p)))))
          (local.set $p (i32.add (local.get $p) (local.get $stride)))
          (br_if $row (i32.lt_u (local.get $p) (local.get $end))))
        (v128.store offset=0 (local.get $dst) (local.get $a0))
        (v128.store offset=16 (local.get $dst) (local.get $a1))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
        (local.set $width (i32.sub (local.get $width) (i32.const 4)))
        (br $col4)))
    ;; The last columns one by one.
    (block $done1
      (loop $col1
        (br_if $done1 (i32.eqz (local.get $width)))
        (local.set $x (if (result f64) (local.get $more) (then (f64.load (local.get $dst))) (else (f64.const 0))))
        (local.set $p (local.get $src))
        (local.set $end (i32.add (local.get $src) (i32.mul (local.get $rows) (local.get $stride))))
        (loop $row
          (local.set $x (f64.add (local.get $x) (f64.promote_f32 (f32.load (local.get $p)))))
          (local.set $p (i32.add (local.get $p) (local.get $stride)))
          (br_if $row (i32.lt_u (local.get $p) (local.get $end))))
        (f64.store (local.get $dst) (local.get $x))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
        (local.set $width (i32.sub (local.get $width) (i32.const 1)))
        (br $col1))))

  ;; dst[j] = sum over r < rows of src[r * stride + 8 j] (f64), for j < width; rows >= 1; $more as above.
  (func (export "colSumF64") (param $src i32) (param $stride i32) (param $rows i32) (param $width i32) (param $dst i32) (param $more i32)
    (local $p i32) (local $end i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $x f64)
    ;; 16 columns: eight f64x2 loads and accumulators per row.
    (block $done16
      (loop $col16
        (br_if $done16 (i32.lt_u (local.get $width) (i32.const 16)))
        (if (local.get $more)
          (then
            (local.set $a0 (v128.load offset=0 (local.get $dst))) (local.set $a1 (v128.load offset=16 (local.get $dst)))
            (local.set $a2 (v128.load offset=32 (local.get $dst))) (local.set $a3 (v128.load offset=48 (local.get $dst)))
            (local.set $a4 (v128.load offset=64 (local.get $dst))) (local.set $a5 (v128.load offset=80 (local.get $dst)))
            (local.set $a6 (v128.load offset=96 (local.get $dst))) (local.set $a7 (v128.load offset=112 (local.get $dst))))
          (else
            (local.set $a0 (v128.const i64x2 0 0)) (local.set $a1 (v128.const i64x2 0 0))
            (local.set $a2 (v128.const i64x2 0 0)) (local.set $a3 (v128.const i64x2 0 0))
            (local.set $a4 (v128.const i64x2 0 0)) (local.set $a5 (v128.const i64x2 0 0))
            (local.set $a6 (v128.const i64x2 0 0)) (local.set $a7 (v128.const i64x2 0 0))))
        (local.set $p (local.get $src))
        (local.set $end (i32.add (local.get $src) (i32.mul (local.get $rows) (local.get $stride))))
        (loop $row
          (local.set $a0 (f64x2.add (local.get $a0) (v128.load offset=0 (local.get $p))))
          (local.set $a1 (f64x2.add (local.get $a1) (v128.load offset=16 (local.get $p))))
          (local.set $a2 (f64x2.add (local.get $a2) (v128.load offset=32 (local.get $p))))
          (local.set $a3 (f64x2.add (local.get $a3) (v128.load offset=48 (local.get $p))))
          (local.set $a4 (f64x2.add (local.get $a4) (v128.load offset=64 (local.get $p))))
          (local.set $a5 (f64x2.add (local.get $a5) (v128.load offset=80 (local.get $p))))
          (local.set $a6 (f64x2.add (local.get $a6) (v128.load offset=96 (local.get $p))))
          (local.set $a7 (f64x2.add (local.get $a7) (v128.load offset=112 (local.get $p))))
          (local.set $p (i32.add (local.get $p) (local.get $stride)))
          (br_if $row (i32.lt_u (local.get $p) (local.get $end))))
        (v128.store offset=0 (local.get $dst) (local.get $a0))
        (v128.store offset=16 (local.get $dst) (local.get $a1))
        (v128.store offset=32 (local.get $dst) (local.get $a2))
        (v128.store offset=48 (local.get $dst) (local.get $a3))
        (v128.store offset=64 (local.get $dst) (local.get $a4))
        (v128.store offset=80 (local.get $dst) (local.get $a5))
        (v128.store offset=96 (local.get $dst) (local.get $a6))
        (v128.store offset=112 (local.get $dst) (local.get $a7))
        (local.set $src (i32.add (local.get $src) (i32.const 128)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 128)))
        (local.set $width (i32.sub (local.get $width) (i32.const 16)))
        (br $col16)))
    ;; 4 columns: two loads per row.
    (block $done4
      (loop $col4
        (br_if $done4 (i32.lt_u (local.get $width) (i32.const 4)))
        (if (local.get $more)
          (then (local.set $a0 (v128.load offset=0 (local.get $dst))) (local.set $a1 (v128.load offset=16 (local.get $dst))))
          (else (local.set $a0 (v128.const i64x2 0 0)) (local.set $a1 (v128.const i64x2 0 0))))
        (local.set $p (local.get $src))
        (local.set $end (i32.add (local.get $src) (i32.mul (local.get $rows) (local.get $stride))))
        (loop $row
          (local.set $a0 (f64x2.add (local.get $a0) (v128.load offset=0 (local.get $p))))
          (local.set $a1 (f64x2.add (local.get $a1) (v128.load offset=16 (local.get $p))))
          (local.set $p (i32.add (local.get $p) (local.get $stride)))
          (br_if $row (i32.lt_u (local.get $p) (local.get $end))))
        (v128.store offset=0 (local.get $dst) (local.get $a0))
        (v128.store offset=16 (local.get $dst) (local.get $a1))
        (local.set $src (i32.add (local.get $src) (i32.const 32)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
        (local.set $width (i32.sub (local.get $width) (i32.const 4)))
        (br $col4)))
    (block $done1
      (loop $col1
        (br_if $done1 (i32.eqz (local.get $width)))
        (local.set $x (if (result f64) (local.get $more) (then (f64.load (local.get $dst))) (else (f64.const 0))))
        (local.set $p (local.get $src))
        (local.set $end (i32.add (local.get $src) (i32.mul (local.get $rows) (local.get $stride))))
        (loop $row
          (local.set $x (f64.add (local.get $x) (f64.load (local.get $p))))
          (local.set $p (i32.add (local.get $p) (local.get $stride)))
          (br_if $row (i32.lt_u (local.get $p) (local.get $end))))
        (f64.store (local.get $dst) (local.get $x))
        (local.set $src (i32.add (local.get $src) (i32.const 8)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
        (local.set $width (i32.sub (local.get $width) (i32.const 1)))
        (br $col1))))

  ;; dst[j] += src[j] (f64), for j < n: the pairwise combination of two blocks' column sums.
  (func (export "addF64") (param $dst i32) (param $src i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $pairsDone
      (loop $pair
        (br_if $pairsDone (i32.ge_u (local.get $dst) (local.get $end)))
        (v128.store (local.get $dst) (f64x2.add (v128.load (local.get $dst)) (v128.load (local.get $src))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (br $pair)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (f64.store (local.get $dst) (f64.add (f64.load (local.get $dst)) (f64.load (local.get $src)))))))

  ;; dst[j] (f32) = src[j] (f64) rounded to nearest, for j < n.
  (func (export "demoteF32") (param $src i32) (param $dst i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $quadsDone
      (loop $quad
        (br_if $quadsDone (i32.ge_u (local.get $dst) (local.get $end)))
        (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (v128.load offset=0 (local.get $src)))
          (f32x4.demote_f64x2_zero (v128.load offset=16 (local.get $src)))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $src (i32.add (local.get $src) (i32.const 32)))
        (br $quad)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $done
      (loop $one
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (f32.store (local.get $dst) (f32.demote_f64 (f64.load (local.get $src))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $src (i32.add (local.get $src) (i32.const 8)))
        (br $one))))
)
