;; Softmax rows with WebAssembly SIMD over float32 and float64 logits in core's shared kernel memory,
;; bit for bit equal to the TypeScript slices of `kernels/softmax.ts` (sliceMax, sliceExpSum, the
;; division by the sum) on V8, whose Math.exp is fdlibm's exp (`v8/src/base/ieee754.cc`):
;;
;;   max   the first NaN, else the largest value (scalar: the same comparisons in the same order)
;;   e[k]  exp(x[k] - max) in double: $exp below, fdlibm's algorithm on two lanes at once
;;   sum   e[0] + e[1] + ... in order from +0 (scalar: one chain, as in TypeScript)
;;   p[k]  e[k] / sum, rounded once to the logits' type
;;
;; $exp computes every branch of fdlibm's exp for both lanes and selects per lane. The only
;; rewrites of fdlibm's expressions are exact: its k = +-1 case is the general reduction with
;; t = +-1 (x - t*ln2HI and t*ln2LO are then the same numbers); (r*c)/(c-2) is -((r*c)/(2-c)) (IEEE
;; subtraction and division are sign-symmetric), so one quotient serves the k = 0 and k != 0
;; forms; and the scaling by 2^k is (y * A) * B with powers of two A, B chosen per lane so that
;; y * A is exact: fdlibm's y * 2^k, (y * 2^(k+1000)) * 2^-1000 and (y * 2) * 2^1023. Like V8, exp(1)
;; is Math.E.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Store the constants of $exp at $kc (448 bytes): a load from there is one instruction, where a
  ;; v128.const is rebuilt from general registers at every use.
  (func $constants (param $kc i32)
    (v128.store offset=0 (local.get $kc) (v128.const i64x2 0x7fffffffffffffff 0x7fffffffffffffff))
    (v128.store offset=16 (local.get $kc) (v128.const i64x2 0x8000000000000000 0x8000000000000000))
    (v128.store offset=32 (local.get $kc) (v128.const i64x2 0x3fd62e42ffffffff 0x3fd62e42ffffffff))
    (v128.store offset=48 (local.get $kc) (v128.const f64x2 1 1))
    (v128.store offset=64 (local.get $kc) (v128.const i64x2 0x3ff71547652b82fe 0x3ff71547652b82fe))
    (v128.store offset=80 (local.get $kc) (v128.const f64x2 0.5 0.5))
    (v128.store offset=96 (local.get $kc) (v128.const i64x2 0x3ff0a2b200000000 0x3ff0a2b200000000))
    (v128.store offset=112 (local.get $kc) (v128.const i64x2 0x3fe62e42fee00000 0x3fe62e42fee00000))
    (v128.store offset=128 (local.get $kc) (v128.const i64x2 0x3dea39ef35793c76 0x3dea39ef35793c76))
    (v128.store offset=144 (local.get $kc) (v128.const i64x2 0x3fc555555555553e 0x3fc555555555553e))
    (v128.store offset=160 (local.get $kc) (v128.const i64x2 0xbf66c16c16bebd93 0xbf66c16c16bebd93))
    (v128.store offset=176 (local.get $kc) (v128.const i64x2 0x3f11566aaf25de2c 0x3f11566aaf25de2c))
    (v128.store offset=192 (local.get $kc) (v128.const i64x2 0xbebbbd41c5d26bf1 0xbebbbd41c5d26bf1))
    (v128.store offset=208 (local.get $kc) (v128.const i64x2 0x3e66376972bea4d0 0x3e66376972bea4d0))
    (v128.store offset=224 (local.get $kc) (v128.const f64x2 2 2))
    (v128.store offset=240 (local.get $kc) (v128.const i64x2 0x4338000000000000 0x4338000000000000))
    (v128.store offset=256 (local.get $kc) (v128.const i64x2 -1021 -1021))
    (v128.store offset=272 (local.get $kc) (v128.const i64x2 1024 1024))
    (v128.store offset=288 (local.get $kc) (v128.const i64x2 1023 1023))
    (v128.store offset=304 (local.get $kc) (v128.const i64x2 1000 1000))
    (v128.store offset=320 (local.get $kc) (v128.const i64x2 1 1))
    (v128.store offset=336 (local.get $kc) (v128.const i64x2 0x0170000000000000 0x0170000000000000))
    (v128.store offset=352 (local.get $kc) (v128.const i64x2 0x7fe0000000000000 0x7fe0000000000000))
    (v128.store offset=368 (local.get $kc) (v128.const i64x2 0x4005bf0a8b145769 0x4005bf0a8b145769))
    (v128.store offset=384 (local.get $kc) (v128.const i64x2 0x3e30000000000000 0x3e30000000000000))
    (v128.store offset=400 (local.get $kc) (v128.const i64x2 0x7ff0000000000000 0x7ff0000000000000))
    (v128.store offset=416 (local.get $kc) (v128.const i64x2 0x40862e42fefa39ef 0x40862e42fefa39ef))
    (v128.store offset=432 (local.get $kc) (v128.const i64x2 0xc0874910d52d3051 0xc0874910d52d3051))
  )

  ;; fdlibm exp of each f64 lane; $kc holds the constants ($constants). NaN lanes stay NaN through
  ;; the arithmetic.
  (func $exp (param $x v128) (param $kc i32) (result v128)
    (local $ax v128) (local $sign v128) (local $t v128) (local $hi v128) (local $lo v128)
    (local $r v128) (local $tt v128) (local $c v128) (local $y v128) (local $k v128) (local $low v128) (local $top v128)
    (local $res v128)
    (local.set $ax (v128.and (local.get $x) (v128.load offset=0 (local.get $kc))))
    (local.set $sign (v128.and (local.get $x) (v128.load offset=16 (local.get $kc))))
    ;; k = (int)(invln2 * x + copysign(0.5, x)), or +-1 when |x| < 1.5 ln2 (high word < 0x3ff0a2b2),
    ;; or 0 when |x| <= 0.5 ln2 (high word <= 0x3fd62e42).
    (local.set $t
      (v128.and (i64x2.gt_s (local.get $ax) (v128.load offset=32 (local.get $kc)))
        (v128.bitselect
          (v128.or (local.get $sign) (v128.load offset=48 (local.get $kc)))
          (f64x2.trunc (f64x2.add (f64x2.mul (v128.load offset=64 (local.get $kc)) (local.get $x)) (v128.or (local.get $sign) (v128.load offset=80 (local.get $kc)))))
          (i64x2.gt_s (v128.load offset=96 (local.get $kc)) (local.get $ax)))))
    (local.set $hi (f64x2.sub (local.get $x) (f64x2.mul (local.get $t) (v128.load offset=112 (local.get $kc)))))
    (local.set $lo (f64x2.mul (local.get $t) (v128.load offset=128 (local.get $kc))))
    (local.set $r (f64x2.sub (local.get $hi) (local.get $lo)))
    ;; c = r - t*(P1 + t*(P2 + t*(P3 + t*(P4 + t*P5)))) with t = r*r.
    (local.set $tt (f64x2.mul (local.get $r) (local.get $r)))
    (local.set $c
      (f64x2.sub (local.get $r)
        (f64x2.mul (local.get $tt)
          (f64x2.add (v128.load offset=144 (local.get $kc))
            (f64x2.mul (local.get $tt)
              (f64x2.add (v128.load offset=160 (local.get $kc))
                (f64x2.mul (local.get $tt)
                  (f64x2.add (v128.load offset=176 (local.get $kc))
                    (f64x2.mul (local.get $tt)
                      (f64x2.add (v128.load offset=192 (local.get $kc)) (f64x2.mul (local.get $tt) (v128.load offset=208 (local.get $kc)))))))))))))
    ;; y = 1 - ((lo - (r*c)/(2 - c)) - hi)
    (local.set $y
      (f64x2.sub (v128.load offset=48 (local.get $kc))
        (f64x2.sub
          (f64x2.sub (local.get $lo) (f64x2.div (f64x2.mul (local.get $r) (local.get $c)) (f64x2.sub (v128.load offset=224 (local.get $kc)) (local.get $c))))
          (local.get $hi))))
    ;; k as an integer (t is integral and small: its bits in the binade of 1.5 * 2^52).
    (local.set $k (i64x2.sub (f64x2.add (local.get $t) (v128.load offset=240 (local.get $kc))) (v128.load offset=240 (local.get $kc))))
    (local.set $low (i64x2.gt_s (v128.load offset=256 (local.get $kc)) (local.get $k)))
    (local.set $top (i64x2.eq (local.get $k) (v128.load offset=272 (local.get $kc))))
    ;; (y * A) * B: A = 2^k, 2^(k+1000) when k < -1021, 2 when k = 1024; B = 1, 2^-1000, 2^1023.
    (local.set $res
      (f64x2.mul
        (f64x2.mul (local.get $y)
          (i64x2.shl
            (i64x2.add (v128.load offset=288 (local.get $kc))
              (v128.bitselect
                (i64x2.add (local.get $k) (v128.load offset=304 (local.get $kc)))
                (v128.bitselect (v128.load offset=320 (local.get $kc)) (local.get $k) (local.get $top))
                (local.get $low)))
            (i32.const 52)))
        (v128.bitselect (v128.load offset=336 (local.get $kc)) (v128.bitselect (v128.load offset=352 (local.get $kc)) (v128.load offset=48 (local.get $kc)) (local.get $top)) (local.get $low))))
    ;; V8 returns Math.E for exp(1) (fdlibm's last bit is off there).
    (local.set $res (v128.bitselect (v128.load offset=368 (local.get $kc)) (local.get $res) (f64x2.eq (local.get $x) (v128.load offset=48 (local.get $kc)))))
    ;; |x| < 2^-28: 1 + x.
    (local.set $res (v128.bitselect
      (f64x2.add (v128.load offset=48 (local.get $kc)) (local.get $x)) (local.get $res) (i64x2.gt_s (v128.load offset=384 (local.get $kc)) (local.get $ax))))
    ;; Overflow to +Inf (and +Inf itself), underflow to +0 (and -Inf).
    (local.set $res (v128.bitselect (v128.load offset=400 (local.get $kc)) (local.get $res) (f64x2.gt (local.get $x) (v128.load offset=416 (local.get $kc)))))
    (v128.andnot (local.get $res) (f64x2.lt (local.get $x) (v128.load offset=432 (local.get $kc)))))

  ;; dst[i] = exp(src[i]) for n float64 values (n >= 1): the function itself, for its tests. $kc:
  ;; 448 bytes of work space.
  (func (export "expF64") (param $src i32) (param $dst i32) (param $n i32) (param $kc i32)
    (local $end i32)
    (call $constants (local.get $kc))
    (local.set $end (i32.add (local.get $dst) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $pairsDone
      (loop $pair
        (br_if $pairsDone (i32.ge_u (local.get $dst) (local.get $end)))
        (v128.store (local.get $dst) (call $exp (v128.load (local.get $src)) (local.get $kc)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $pair)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (f64.store (local.get $dst) (f64x2.extract_lane 0 (call $exp (v128.load64_zero (local.get $src)) (local.get $kc)))))))

  ;; One row's sum from the exponentials e[0 .. C) (float64 at $e): one chain in order from +0.
  (func $rowSum (param $e i32) (param $C i32) (result f64)
    (local $s f64) (local $end i32)
    (local.set $end (i32.add (local.get $e) (i32.shl (local.get $C) (i32.const 3))))
    (loop $next
      (local.set $s (f64.add (local.get $s) (f64.load (local.get $e))))
      (local.set $e (i32.add (local.get $e) (i32.const 8)))
      (br_if $next (i32.lt_u (local.get $e) (local.get $end))))
    (local.get $s))

  ;; For each of `rows` rows of C float32 logits (C >= 1) from $x: the max and the sum of
  ;; exp(x - max) as a float64 pair at $stats + 16 row, and, unless $probs is 0, the softmax
  ;; rounded to float32 at $probs (the rows' layout). $kc: 448 + 8 C bytes of work space (the
  ;; constants of $exp, then the row's exponentials).
  (func (export "softmaxRowsF32") (param $x i32) (param $rows i32) (param $C i32) (param $probs i32) (param $stats i32) (param $kc i32)
    (local $e i32) (local $rowEnd i32) (local $p i32) (local $q i32) (local $w i32) (local $pairs i32) (local $m f64) (local $v f64) (local $s f64)
    (call $constants (local.get $kc))
    (local.set $e (i32.add (local.get $kc) (i32.const 448)))
    ;; Bytes of e holding whole pairs.
    (local.set $pairs (i32.shl (i32.shr_u (local.get $C) (i32.const 1)) (i32.const 4)))
    (loop $row
      (local.set $rowEnd (i32.add (local.get $x) (i32.shl (local.get $C) (i32.const 2))))
      ;; max: if (v > max || v !== v) max = v
      (local.set $m (f64.const -inf))
      (local.set $p (local.get $x))
      (loop $max
        (local.set $v (f64.promote_f32 (f32.load (local.get $p))))
        (local.set $m (select (local.get $v) (local.get $m)
          (i32.or (f64.gt (local.get $v) (local.get $m)) (f64.ne (local.get $v) (local.get $v)))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br_if $max (i32.lt_u (local.get $p) (local.get $rowEnd))))
      ;; e = exp(x - max), two at a time, then the odd one.
      (local.set $p (local.get $x))
      (local.set $w (local.get $e))
      (block $expDone
        (loop $exp2
          (br_if $expDone (i32.ge_u (local.get $w) (i32.add (local.get $e) (local.get $pairs))))
          (v128.store (local.get $w) (call $exp (f64x2.sub (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $p))) (f64x2.splat (local.get $m))) (local.get $kc)))
          (local.set $p (i32.add (local.get $p) (i32.const 8)))
          (local.set $w (i32.add (local.get $w) (i32.const 16)))
          (br $exp2)))
      (if (i32.and (local.get $C) (i32.const 1))
        (then (f64.store (local.get $w) (f64x2.extract_lane 0
          (call $exp (f64x2.splat (f64.sub (f64.promote_f32 (f32.load (local.get $p))) (local.get $m))) (local.get $kc))))))
      (local.set $s (call $rowSum (local.get $e) (local.get $C)))
      (f64.store offset=0 (local.get $stats) (local.get $m))
      (f64.store offset=8 (local.get $stats) (local.get $s))
      ;; probs = e / sum, rounded to float32.
      (if (local.get $probs)
        (then
          (local.set $w (local.get $e))
          (local.set $q (local.get $probs))
          (block $divDone
            (loop $div2
              (br_if $divDone (i32.ge_u (local.get $w) (i32.add (local.get $e) (local.get $pairs))))
              (v128.store64_lane 0 (local.get $q) (f32x4.demote_f64x2_zero (f64x2.div (v128.load (local.get $w)) (f64x2.splat (local.get $s)))))
              (local.set $q (i32.add (local.get $q) (i32.const 8)))
              (local.set $w (i32.add (local.get $w) (i32.const 16)))
              (br $div2)))
          (if (i32.and (local.get $C) (i32.const 1))
            (then (f32.store (local.get $q) (f32.demote_f64 (f64.div (f64.load (local.get $w)) (local.get $s))))))
          (local.set $probs (i32.add (local.get $probs) (i32.shl (local.get $C) (i32.const 2))))))
      (local.set $x (local.get $rowEnd))
      (local.set $stats (i32.add (local.get $stats) (i32.const 16)))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br_if $row (local.get $rows))))

  ;; The same for float64 logits and softmax.
  (func (export "softmaxRowsF64") (param $x i32) (param $rows i32) (param $C i32) (param $probs i32) (param $stats i32) (param $kc i32)
    (local $e i32) (local $rowEnd i32) (local $p i32) (local $q i32) (local $w i32) (local $pairs i32) (local $m f64) (local $v f64) (local $s f64)
    (call $constants (local.get $kc))
    (local.set $e (i32.add (local.get $kc) (i32.const 448)))
    (local.set $pairs (i32.shl (i32.shr_u (local.get $C) (i32.const 1)) (i32.const 4)))
    (loop $row
      (local.set $rowEnd (i32.add (local.get $x) (i32.shl (local.get $C) (i32.const 3))))
      (local.set $m (f64.const -inf))
      (local.set $p (local.get $x))
      (loop $max
        (local.set $v (f64.load (local.get $p)))
        (local.set $m (select (local.get $v) (local.get $m)
          (i32.or (f64.gt (local.get $v) (local.get $m)) (f64.ne (local.get $v) (local.get $v)))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br_if $max (i32.lt_u (local.get $p) (local.get $rowEnd))))
      (local.set $p (local.get $x))
      (local.set $w (local.get $e))
      (block $expDone
        (loop $exp2
          (br_if $expDone (i32.ge_u (local.get $w) (i32.add (local.get $e) (local.get $pairs))))
          (v128.store (local.get $w) (call $exp (f64x2.sub (v128.load (local.get $p)) (f64x2.splat (local.get $m))) (local.get $kc)))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (local.set $w (i32.add (local.get $w) (i32.const 16)))
          (br $exp2)))
      (if (i32.and (local.get $C) (i32.const 1))
        (then (f64.store (local.get $w) (f64x2.extract_lane 0
          (call $exp (f64x2.splat (f64.sub (f64.load (local.get $p)) (local.get $m))) (local.get $kc))))))
      (local.set $s (call $rowSum (local.get $e) (local.get $C)))
      (f64.store offset=0 (local.get $stats) (local.get $m))
      (f64.store offset=8 (local.get $stats) (local.get $s))
      (if (local.get $probs)
        (then
          (local.set $w (local.get $e))
          (local.set $q (local.get $probs))
          (block $divDone
            (loop $div2
              (br_if $divDone (i32.ge_u (local.get $w) (i32.add (local.get $e) (local.get $pairs))))
              (v128.store (local.get $q) (f64x2.div (v128.load (local.get $w)) (f64x2.splat (local.get $s))))
              (local.set $q (i32.add (local.get $q) (i32.const 16)))
              (local.set $w (i32.add (local.get $w) (i32.const 16)))
              (br $div2)))
          (if (i32.and (local.get $C) (i32.const 1))
            (then (f64.store (local.get $q) (f64.div (f64.load (local.get $w)) (local.get $s)))))
          (local.set $probs (i32.add (local.get $probs) (i32.shl (local.get $C) (i32.const 3))))))
      (local.set $x (local.get $rowEnd))
      (local.set $stats (i32.add (local.get $stats) (i32.const 16)))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br_if $row (local.get $rows))))
)
