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
;; n must be a multiple of 4 (the host runs the tail in TypeScript); p, g and ax are 16-aligned
;; byte addresses of n floats each. mode: 1 = weight decay, 2 = average (mu != 1), 4 = maximize
;; (only read with decay: without decay the sign is folded into step by the host).
(module
  (memory (export "memory") 1)

  (func (export "asgdF32") (param $p i32) (param $g i32) (param $ax i32) (param $n i32)
        (param $c f32) (param $step f32) (param $negEta f32) (param $wd f32) (param $mu f32) (param $mode i32)
    (local $end i32) (local $cv v128) (local $stepv v128) (local $negEtav v128) (local $wdv v128) (local $muv v128)
    (local $pv v128) (local $gv v128) (local $g1 v128) (local $p1 v128) (local $p2 v128) (local $av v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $cv (f32x4.splat (local.get $c)))
    (local.set $stepv (f64x2.splat (f64.promote_f32 (local.get $step))))
    (local.set $negEtav (f64x2.splat (f64.promote_f32 (local.get $negEta))))
    (local.set $wdv (f64x2.splat (f64.promote_f32 (local.get $wd))))
    (local.set $muv (f32x4.splat (local.get $mu)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $pv (v128.load (local.get $p)))
        (local.set $gv (v128.load (local.get $g)))
        (if (i32.and (local.get $mode) (i32.const 1))
          (then
            (if (i32.and (local.get $mode) (i32.const 4)) (then (local.set $gv (f32x4.neg (local.get $gv)))))
            (local.set $g1 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero
                (f64x2.add (f64x2.promote_low_f32x4 (local.get $gv)) (f64x2.mul (local.get $wdv) (f64x2.promote_low_f32x4 (local.get $pv)))))
              (f32x4.demote_f64x2_zero
                (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $gv) (local.get $gv))) (f64x2.mul (local.get $wdv) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $pv) (local.get $pv))))))))
            (local.set $p1 (f32x4.mul (local.get $pv) (local.get $cv)))
            (local.set $p2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero
                (f64x2.add (f64x2.promote_low_f32x4 (local.get $p1)) (f64x2.mul (local.get $negEtav) (f64x2.promote_low_f32x4 (local.get $g1)))))
              (f32x4.demote_f64x2_zero
                (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p1) (local.get $p1))) (f64x2.mul (local.get $negEtav) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $g1) (local.get $g1)))))))))
          (else
            (local.set $p1 (f32x4.mul (local.get $pv) (local.get $cv)))
            (local.set $p2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero
                (f64x2.add (f64x2.promote_low_f32x4 (local.get $p1)) (f64x2.mul (local.get $stepv) (f64x2.promote_low_f32x4 (local.get $gv)))))
              (f32x4.demote_f64x2_zero
                (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p1) (local.get $p1))) (f64x2.mul (local.get $stepv) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $gv) (local.get $gv))))))))))
        (v128.store (local.get $p) (local.get $p2))
        (if (i32.and (local.get $mode) (i32.const 2))
          (then
            (local.set $av (v128.load (local.get $ax)))
            (v128.store (local.get $ax)
              (f32x4.add (local.get $av) (f32x4.mul (f32x4.sub (local.get $p2) (local.get $av)) (local.get $muv)))))
          (else (v128.store (local.get $ax) (local.get $p2))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $ax (i32.add (local.get $ax) (i32.const 16)))
        (br $next))))
  ;; PyTorch's multi-tensor (foreach) float32 update of one tensor, bit for bit equal to the
  ;; float32 branch of the TypeScript `asgdForeach` (lambd, wd, eta and mu are float32 values):
  ;;
  ;;   I  = decay ? f32(f32(s*g + wd*p) + lambd*p) : f32(s*g + lambd*p)
  ;;   p' = f32(p - f32(I * eta));   ax = f32(ax + f32(f32(p' - ax) * mu))
  ;;
  ;; mode: 1 = weight decay, 4 = maximize (s = -1). n a multiple of 4, as for asgdF32.
  (func (export "asgdForeachF32") (param $p i32) (param $g i32) (param $ax i32) (param $n i32)
        (param $lambd f32) (param $wd f32) (param $eta f32) (param $mu f32) (param $mode i32)
    (local $end i32) (local $lambdv v128) (local $wdv v128) (local $etav v128) (local $muv v128)
    (local $pv v128) (local $gv v128) (local $iv v128) (local $p2 v128) (local $av v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $lambdv (f64x2.splat (f64.promote_f32 (local.get $lambd))))
    (local.set $wdv (f64x2.splat (f64.promote_f32 (local.get $wd))))
    (local.set $etav (f32x4.splat (local.get $eta)))
    (local.set $muv (f32x4.splat (local.get $mu)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $pv (v128.load (local.get $p)))
        (local.set $gv (v128.load (local.get $g)))
        (if (i32.and (local.get $mode) (i32.const 4)) (then (local.set $gv (f32x4.neg (local.get $gv)))))
        (if (i32.and (local.get $mode) (i32.const 1))
          (then (local.set $gv (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero
                (f64x2.add (f64x2.promote_low_f32x4 (local.get $gv)) (f64x2.mul (local.get $wdv) (f64x2.promote_low_f32x4 (local.get $pv)))))
              (f32x4.demote_f64x2_zero
                (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $gv) (local.get $gv))) (f64x2.mul (local.get $wdv) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $pv) (local.get $pv))))))))))
        (local.set $iv (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero
                (f64x2.add (f64x2.promote_low_f32x4 (local.get $gv)) (f64x2.mul (local.get $lambdv) (f64x2.promote_low_f32x4 (local.get $pv)))))
              (f32x4.demote_f64x2_zero
                (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $gv) (local.get $gv))) (f64x2.mul (local.get $lambdv) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $pv) (local.get $pv))))))))
        (local.set $p2 (f32x4.sub (local.get $pv) (f32x4.mul (local.get $iv) (local.get $etav))))
        (v128.store (local.get $p) (local.get $p2))
        (local.set $av (v128.load (local.get $ax)))
        (v128.store (local.get $ax)
          (f32x4.add (local.get $av) (f32x4.mul (f32x4.sub (local.get $p2) (local.get $av)) (local.get $muv))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $ax (i32.add (local.get $ax) (i32.const 16)))
        (br $next))))
)
