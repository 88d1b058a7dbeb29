;; The float32 single-tensor ASGD update with WebAssembly SIMD, bit for bit equal to the
;; TypeScript kernel `asgdSingleF32` (which emulates PyTorch's float32 rounding by computing in
;; double and rounding where torch rounds). Per element, with f32() rounding to float32:
;;
;;   g1 = decay ? f32(s*g + wd*p) : g            (s = -1 when maximizing, else 1)
;;   p1 = f32(p * c)
;;   p2 = decay ? f32(p1 + negEta*g1) : f32(p1 + step*g)
;;   ax = average ? f32(ax + f32(f32(p2 - ax) * mu)) : p2
;;
;; c, step, negEta, wd and mu are float32 values. Where an operand of a double operation is not a
;; float32 (the exact double products step*g, negEta*g1 and wd*p), the update computes in f64x2
;; lanes and demotes, exactly as the TypeScript code does. Where every operand is a float32 (p*c,
;; p2 - ax, d*mu, ax + e), it uses the f32x4 operation: a double operation on two float32 values,
;; rounded to float32, equals the float32 operation (double rounding is innocuous for +, -, * when
;; the wider format has at least 2*24 + 2 bits of precision; double has 53).
;;
;; n must be a multiple of 8 (the host runs the tail in TypeScript); p, g and ax are 4-aligned
;; byte addresses of n floats each in core's shared kernel memory (pinned tensors or the host's
;; scratch chunks). mode: 1 = weight decay, 2 = average (mu != 1), 4 = maximize
;; (only read with decay: without decay the sign is folded into step by the host).
;;
;; Throughput notes (the loop is bound by the float/double conversions, 6 per 4 elements):
;; - one loop per (decay, average) combination, so the element loop tests no mode bit;
;; - two vectors (8 elements) per iteration, addressed with constant offsets from the pointers;
;; - the halves of g (and of p where they are only needed in double) are loaded with
;;   v128.load64_zero straight into the conversion, instead of a full load and a lane shuffle;
;; - maximize flips the sign bit of g with a xor mask ($signv, zero otherwise): exact, like s*g.
(module
  (import "env" "memory" (memory 1 65536 shared))
  (func (export "asgdF32") (param $p i32) (param $g i32) (param $ax i32) (param $n i32)
        (param $c f32) (param $step f32) (param $negEta f32) (param $wd f32) (param $mu f32) (param $mode i32)
    (local $end i32) (local $cv v128) (local $stepv v128) (local $negEtav v128) (local $wdv v128) (local $muv v128) (local $signv v128)
    (local $g1 v128) (local $p1 v128) (local $p2 v128) (local $a v128)
    (if (i32.eqz (local.get $n)) (then (return)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $cv (f32x4.splat (local.get $c)))
    (local.set $stepv (f64x2.splat (f64.promote_f32 (local.get $step))))
    (local.set $negEtav (f64x2.splat (f64.promote_f32 (local.get $negEta))))
    (local.set $wdv (f64x2.splat (f64.promote_f32 (local.get $wd))))
    (local.set $muv (f32x4.splat (local.get $mu)))
    (local.set $signv (i32x4.splat (i32.shl (i32.and (local.get $mode) (i32.const 4)) (i32.const 29))))
    (if (i32.and (local.get $mode) (i32.const 1))
      (then
        (if (i32.and (local.get $mode) (i32.const 2))
          (then
            (loop $next
            (local.set $g1 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (v128.xor (v128.load64_zero offset=0 (local.get $g)) (local.get $signv))) (f64x2.mul (local.get $wdv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $p))))))
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (v128.xor (v128.load64_zero offset=8 (local.get $g)) (local.get $signv))) (f64x2.mul (local.get $wdv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $p))))))))
            (local.set $p1 (f32x4.mul (v128.load offset=0 (local.get $p)) (local.get $cv)))
            (local.set $p2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (local.get $p1)) (f64x2.mul (local.get $negEtav) (f64x2.promote_low_f32x4 (local.get $g1)))))
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p1) (local.get $p1))) (f64x2.mul (local.get $negEtav) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $g1) (local.get $g1))))))))
            (v128.store offset=0 (local.get $p) (local.get $p2))
            (local.set $a (v128.load offset=0 (local.get $ax)))
            (v128.store offset=0 (local.get $ax) (f32x4.add (local.get $a) (f32x4.mul (f32x4.sub (local.get $p2) (local.get $a)) (local.get $muv))))
            (local.set $g1 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (v128.xor (v128.load64_zero offset=16 (local.get $g)) (local.get $signv))) (f64x2.mul (local.get $wdv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $p))))))
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (v128.xor (v128.load64_zero offset=24 (local.get $g)) (local.get $signv))) (f64x2.mul (local.get $wdv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $p))))))))
            (local.set $p1 (f32x4.mul (v128.load offset=16 (local.get $p)) (local.get $cv)))
            (local.set $p2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (local.get $p1)) (f64x2.mul (local.get $negEtav) (f64x2.promote_low_f32x4 (local.get $g1)))))
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p1) (local.get $p1))) (f64x2.mul (local.get $negEtav) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $g1) (local.get $g1))))))))
            (v128.store offset=16 (local.get $p) (local.get $p2))
            (local.set $a (v128.load offset=16 (local.get $ax)))
            (v128.store offset=16 (local.get $ax) (f32x4.add (local.get $a) (f32x4.mul (f32x4.sub (local.get $p2) (local.get $a)) (local.get $muv))))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (local.set $g (i32.add (local.get $g) (i32.const 32)))
            (local.set $ax (i32.add (local.get $ax) (i32.const 32)))
            (br_if $next (i32.lt_u (local.get $p) (local.get $end)))))
          (else
            (loop $next
            (local.set $g1 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (v128.xor (v128.load64_zero offset=0 (local.get $g)) (local.get $signv))) (f64x2.mul (local.get $wdv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $p))))))
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (v128.xor (v128.load64_zero offset=8 (local.get $g)) (local.get $signv))) (f64x2.mul (local.get $wdv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $p))))))))
            (local.set $p1 (f32x4.mul (v128.load offset=0 (local.get $p)) (local.get $cv)))
            (local.set $p2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (local.get $p1)) (f64x2.mul (local.get $negEtav) (f64x2.promote_low_f32x4 (local.get $g1)))))
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p1) (local.get $p1))) (f64x2.mul (local.get $negEtav) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $g1) (local.get $g1))))))))
            (v128.store offset=0 (local.get $p) (local.get $p2))
            (v128.store offset=0 (local.get $ax) (local.get $p2))
            (local.set $g1 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (v128.xor (v128.load64_zero offset=16 (local.get $g)) (local.get $signv))) (f64x2.mul (local.get $wdv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $p))))))
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (v128.xor (v128.load64_zero offset=24 (local.get $g)) (local.get $signv))) (f64x2.mul (local.get $wdv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $p))))))))
            (local.set $p1 (f32x4.mul (v128.load offset=16 (local.get $p)) (local.get $cv)))
            (local.set $p2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (local.get $p1)) (f64x2.mul (local.get $negEtav) (f64x2.promote_low_f32x4 (local.get $g1)))))
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p1) (local.get $p1))) (f64x2.mul (local.get $negEtav) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $g1) (local.get $g1))))))))
            (v128.store offset=16 (local.get $p) (local.get $p2))
            (v128.store offset=16 (local.get $ax) (local.get $p2))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (local.set $g (i32.add (local.get $g) (i32.const 32)))
            (local.set $ax (i32.add (local.get $ax) (i32.const 32)))
            (br_if $next (i32.lt_u (local.get $p) (local.get $end)))))))
      (else
        (if (i32.and (local.get $mode) (i32.const 2))
          (then
            (loop $next
            (local.set $p1 (f32x4.mul (v128.load offset=0 (local.get $p)) (local.get $cv)))
            (local.set $p2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (local.get $p1)) (f64x2.mul (local.get $stepv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $g))))))
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p1) (local.get $p1))) (f64x2.mul (local.get $stepv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $g))))))))
            (v128.store offset=0 (local.get $p) (local.get $p2))
            (local.set $a (v128.load offset=0 (local.get $ax)))
            (v128.store offset=0 (local.get $ax) (f32x4.add (local.get $a) (f32x4.mul (f32x4.sub (local.get $p2) (local.get $a)) (local.get $muv))))
            (local.set $p1 (f32x4.mul (v128.load offset=16 (local.get $p)) (local.get $cv)))
            (local.set $p2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (local.get $p1)) (f64x2.mul (local.get $stepv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $g))))))
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p1) (local.get $p1))) (f64x2.mul (local.get $stepv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $g))))))))
            (v128.store offset=16 (local.get $p) (local.get $p2))
            (local.set $a (v128.load offset=16 (local.get $ax)))
            (v128.store offset=16 (local.get $ax) (f32x4.add (local.get $a) (f32x4.mul (f32x4.sub (local.get $p2) (local.get $a)) (local.get $muv))))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (local.set $g (i32.add (local.get $g) (i32.const 32)))
            (local.set $ax (i32.add (local.get $ax) (i32.const 32)))
            (br_if $next (i32.lt_u (local.get $p) (local.get $end)))))
          (else
            (loop $next
            (local.set $p1 (f32x4.mul (v128.load offset=0 (local.get $p)) (local.get $cv)))
            (local.set $p2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (local.get $p1)) (f64x2.mul (local.get $stepv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $g))))))
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p1) (local.get $p1))) (f64x2.mul (local.get $stepv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $g))))))))
            (v128.store offset=0 (local.get $p) (local.get $p2))
            (v128.store offset=0 (local.get $ax) (local.get $p2))
            (local.set $p1 (f32x4.mul (v128.load offset=16 (local.get $p)) (local.get $cv)))
            (local.set $p2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (local.get $p1)) (f64x2.mul (local.get $stepv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $g))))))
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p1) (local.get $p1))) (f64x2.mul (local.get $stepv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $g))))))))
            (v128.store offset=16 (local.get $p) (local.get $p2))
            (v128.store offset=16 (local.get $ax) (local.get $p2))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (local.set $g (i32.add (local.get $g) (i32.const 32)))
            (local.set $ax (i32.add (local.get $ax) (i32.const 32)))
            (br_if $next (i32.lt_u (local.get $p) (local.get $end)))))))))
  ;; PyTorch's multi-tensor (foreach) float32 update of one tensor, bit for bit equal to the
  ;; float32 branch of the TypeScript `asgdForeach` (lambd, wd, eta and mu are float32 values):
  ;;
  ;;   I  = decay ? f32(f32(s*g + wd*p) + lambd*p) : f32(s*g + lambd*p)
  ;;   p' = f32(p - f32(I * eta));   ax = f32(ax + f32(f32(p' - ax) * mu))
  ;;
  ;; mode: 1 = weight decay, 4 = maximize (s = -1). n a multiple of 8, as for asgdF32.
  (func (export "asgdForeachF32") (param $p i32) (param $g i32) (param $ax i32) (param $n i32)
        (param $lambd f32) (param $wd f32) (param $eta f32) (param $mu f32) (param $mode i32)
    (local $end i32) (local $lambdv v128) (local $wdv v128) (local $etav v128) (local $muv v128) (local $signv v128)
    (local $g1 v128) (local $i1 v128) (local $p2 v128) (local $a v128)
    (if (i32.eqz (local.get $n)) (then (return)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $lambdv (f64x2.splat (f64.promote_f32 (local.get $lambd))))
    (local.set $wdv (f64x2.splat (f64.promote_f32 (local.get $wd))))
    (local.set $etav (f32x4.splat (local.get $eta)))
    (local.set $muv (f32x4.splat (local.get $mu)))
    (local.set $signv (i32x4.splat (i32.shl (i32.and (local.get $mode) (i32.const 4)) (i32.const 29))))
    (if (i32.and (local.get $mode) (i32.const 1))
      (then
        (loop $next
        (local.set $g1 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (v128.xor (v128.load64_zero offset=0 (local.get $g)) (local.get $signv))) (f64x2.mul (local.get $wdv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $p))))))
        (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (v128.xor (v128.load64_zero offset=8 (local.get $g)) (local.get $signv))) (f64x2.mul (local.get $wdv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $p))))))))
        (local.set $i1 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (local.get $g1)) (f64x2.mul (local.get $lambdv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $p))))))
        (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $g1) (local.get $g1))) (f64x2.mul (local.get $lambdv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $p))))))))
        (local.set $p2 (f32x4.sub (v128.load offset=0 (local.get $p)) (f32x4.mul (local.get $i1) (local.get $etav))))
        (v128.store offset=0 (local.get $p) (local.get $p2))
        (local.set $a (v128.load offset=0 (local.get $ax)))
        (v128.store offset=0 (local.get $ax) (f32x4.add (local.get $a) (f32x4.mul (f32x4.sub (local.get $p2) (local.get $a)) (local.get $muv))))
        (local.set $g1 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (v128.xor (v128.load64_zero offset=16 (local.get $g)) (local.get $signv))) (f64x2.mul (local.get $wdv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $p))))))
        (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (v128.xor (v128.load64_zero offset=24 (local.get $g)) (local.get $signv))) (f64x2.mul (local.get $wdv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $p))))))))
        (local.set $i1 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (local.get $g1)) (f64x2.mul (local.get $lambdv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $p))))))
        (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $g1) (local.get $g1))) (f64x2.mul (local.get $lambdv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $p))))))))
        (local.set $p2 (f32x4.sub (v128.load offset=16 (local.get $p)) (f32x4.mul (local.get $i1) (local.get $etav))))
        (v128.store offset=16 (local.get $p) (local.get $p2))
        (local.set $a (v128.load offset=16 (local.get $ax)))
        (v128.store offset=16 (local.get $ax) (f32x4.add (local.get $a) (f32x4.mul (f32x4.sub (local.get $p2) (local.get $a)) (local.get $muv))))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (local.set $g (i32.add (local.get $g) (i32.const 32)))
        (local.set $ax (i32.add (local.get $ax) (i32.const 32)))
        (br_if $next (i32.lt_u (local.get $p) (local.get $end)))))
      (else
        (loop $next
        (local.set $i1 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (v128.xor (v128.load64_zero offset=0 (local.get $g)) (local.get $signv))) (f64x2.mul (local.get $lambdv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $p))))))
        (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (v128.xor (v128.load64_zero offset=8 (local.get $g)) (local.get $signv))) (f64x2.mul (local.get $lambdv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $p))))))))
        (local.set $p2 (f32x4.sub (v128.load offset=0 (local.get $p)) (f32x4.mul (local.get $i1) (local.get $etav))))
        (v128.store offset=0 (local.get $p) (local.get $p2))
        (local.set $a (v128.load offset=0 (local.get $ax)))
        (v128.store offset=0 (local.get $ax) (f32x4.add (local.get $a) (f32x4.mul (f32x4.sub (local.get $p2) (local.get $a)) (local.get $muv))))
        (local.set $i1 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (v128.xor (v128.load64_zero offset=16 (local.get $g)) (local.get $signv))) (f64x2.mul (local.get $lambdv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $p))))))
        (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (v128.xor (v128.load64_zero offset=24 (local.get $g)) (local.get $signv))) (f64x2.mul (local.get $lambdv) (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $p))))))))
        (local.set $p2 (f32x4.sub (v128.load offset=16 (local.get $p)) (f32x4.mul (local.get $i1) (local.get $etav))))
        (v128.store offset=16 (local.get $p) (local.get $p2))
        (local.set $a (v128.load offset=16 (local.get $ax)))
        (v128.store offset=16 (local.get $ax) (f32x4.add (local.get $a) (f32x4.mul (f32x4.sub (local.get $p2) (local.get $a)) (local.get $muv))))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (local.set $g (i32.add (local.get $g) (i32.const 32)))
        (local.set $ax (i32.add (local.get $ax) (i32.const 32)))
        (br_if $next (i32.lt_u (local.get $p) (local.get $end))))))))
