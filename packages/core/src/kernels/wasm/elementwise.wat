;; Elementwise kernels with WebAssembly SIMD over dense float32 (f32x4) and float64 (f64x2) buffers in
;; core's shared kernel memory, bit for bit equal to the TypeScript loops of `dense-unary.ts` and
;; `dense-binary.ts` (which compute in double and round once when storing):
;;
;;   relu   v > 0 || v is NaN ? v : +0      as v AND ((v > 0) OR (v != v)): no branch, NaN kept, relu(-0) = +0
;;   neg    -v                              (the sign bit flipped)
;;   sqrt   Math.sqrt(v)
;;   add    a + b        sub  a - b        mul  a * b        div  a / b
;;   mask   b > 0 ? a : +0                  (relu's gradient: a AND (b > 0))
;;   axpy   a + alpha * b                   (add and sub with alpha != 1; sub passes -alpha)
;;
;; IEEE +, -, *, / of two float32 values (and sqrt of one) computed in double and rounded to
;; float32 equal the float32 operation (double has more than 2 * 24 + 2 bits), so the f32x4
;; operations give the TypeScript bits. a + alpha * b has two roundings in double, so float32 axpy
;; computes in f64x2 lanes exactly as TypeScript does (the product of two float32 values is exact
;; in double) and demotes once. exp, log, tanh and the like stay in TypeScript (Math.*).
;;
;; Every function takes byte addresses and a count of 16-byte vectors (at least 1); the host
;; computes the last n % lanes elements itself. Binary kernels take a byte step per vector for each
;; operand: 16 for an array, 0 for a single value the host stored in all lanes of a vector (a
;; scalar operand). The destination may be one of the operands (in-place updates): each vector is
;; loaded before it is stored.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; ---- float32 (f32x4) ----

  (func (export "reluF32") (param $src i32) (param $dst i32) (param $n i32)
    (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    (loop $next
      (local.set $v (v128.load (local.get $src)))
      (v128.store (local.get $dst) (v128.and (local.get $v) (v128.or (f32x4.gt (local.get $v) (v128.const i64x2 0 0)) (f32x4.ne (local.get $v) (local.get $v)))))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br_if $next (i32.lt_u (local.get $dst) (local.get $end)))))

  (func (export "negF32") (param $src i32) (param $dst i32) (param $n i32)
    (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    (loop $next
      (local.set $v (v128.load (local.get $src)))
      (v128.store (local.get $dst) (f32x4.neg (local.get $v)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br_if $next (i32.lt_u (local.get $dst) (local.get $end)))))

  (func (export "sqrtF32") (param $src i32) (param $dst i32) (param $n i32)
    (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    (loop $next
      (local.set $v (v128.load (local.get $src)))
      (v128.store (local.get $dst) (f32x4.sqrt (local.get $v)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br_if $next (i32.lt_u (local.get $dst) (local.get $end)))))

  (func (export "addF32") (param $a i32) (param $as i32) (param $b i32) (param $bs i32) (param $dst i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    (loop $next
      (v128.store (local.get $dst) (f32x4.add (v128.load (local.get $a)) (v128.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (local.get $as)))
      (local.set $b (i32.add (local.get $b) (local.get $bs)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br_if $next (i32.lt_u (local.get $dst) (local.get $end)))))

  (func (export "subF32") (param $a i32) (param $as i32) (param $b i32) (param $bs i32) (param $dst i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    (loop $next
      (v128.store (local.get $dst) (f32x4.sub (v128.load (local.get $a)) (v128.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (local.get $as)))
      (local.set $b (i32.add (local.get $b) (local.get $bs)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br_if $next (i32.lt_u (local.get $dst) (local.get $end)))))

  (func (export "mulF32") (param $a i32) (param $as i32) (param $b i32) (param $bs i32) (param $dst i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    (loop $next
      (v128.store (local.get $dst) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (local.get $as)))
      (local.set $b (i32.add (local.get $b) (local.get $bs)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br_if $next (i32.lt_u (local.get $dst) (local.get $end)))))

  (func (export "divF32") (param $a i32) (param $as i32) (param $b i32) (param $bs i32) (param $dst i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    (loop $next
      (v128.store (local.get $dst) (f32x4.div (v128.load (local.get $a)) (v128.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (local.get $as)))
      (local.set $b (i32.add (local.get $b) (local.get $bs)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br_if $next (i32.lt_u (local.get $dst) (local.get $end)))))

  (func (export "maskF32") (param $a i32) (param $as i32) (param $b i32) (param $bs i32) (param $dst i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    (loop $next
      (v128.store (local.get $dst) (v128.and (v128.load (local.get $a)) (f32x4.gt (v128.load (local.get $b)) (v128.const i64x2 0 0))))
      (local.set $a (i32.add (local.get $a) (local.get $as)))
      (local.set $b (i32.add (local.get $b) (local.get $bs)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br_if $next (i32.lt_u (local.get $dst) (local.get $end)))))

  (func (export "axpyF32") (param $a i32) (param $as i32) (param $b i32) (param $bs i32) (param $dst i32) (param $n i32) (param $alpha f64)
    (local $end i32) (local $alphav v128)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    (local.set $alphav (f64x2.splat (local.get $alpha)))
    (loop $next
      (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $a))) (f64x2.mul (local.get $alphav) (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $b))))))
        (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $a))) (f64x2.mul (local.get $alphav) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $b))))))))
      (local.set $a (i32.add (local.get $a) (local.get $as)))
      (local.set $b (i32.add (local.get $b) (local.get $bs)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br_if $next (i32.lt_u (local.get $dst) (local.get $end)))))

  ;; ---- float64 (f64x2) ----

  (func (export "reluF64") (param $src i32) (param $dst i32) (param $n i32)
    (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    (loop $next
      (local.set $v (v128.load (local.get $src)))
      (v128.store (local.get $dst) (v128.and (local.get $v) (v128.or (f64x2.gt (local.get $v) (v128.const i64x2 0 0)) (f64x2.ne (local.get $v) (local.get $v)))))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br_if $next (i32.lt_u (local.get $dst) (local.get $end)))))

  (func (export "negF64") (param $src i32) (param $dst i32) (param $n i32)
    (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    (loop $next
      (local.set $v (v128.load (local.get $src)))
      (v128.store (local.get $dst) (f64x2.neg (local.get $v)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br_if $next (i32.lt_u (local.get $dst) (local.get $end)))))

  (func (export "sqrtF64") (param $src i32) (param $dst i32) (param $n i32)
    (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    (loop $next
      (local.set $v (v128.load (local.get $src)))
      (v128.store (local.get $dst) (f64x2.sqrt (local.get $v)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br_if $next (i32.lt_u (local.get $dst) (local.get $end)))))

  (func (export "addF64") (param $a i32) (param $as i32) (param $b i32) (param $bs i32) (param $dst i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    (loop $next
      (v128.store (local.get $dst) (f64x2.add (v128.load (local.get $a)) (v128.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (local.get $as)))
      (local.set $b (i32.add (local.get $b) (local.get $bs)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br_if $next (i32.lt_u (local.get $dst) (local.get $end)))))

  (func (export "subF64") (param $a i32) (param $as i32) (param $b i32) (param $bs i32) (param $dst i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    (loop $next
      (v128.store (local.get $dst) (f64x2.sub (v128.load (local.get $a)) (v128.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (local.get $as)))
      (local.set $b (i32.add (local.get $b) (local.get $bs)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br_if $next (i32.lt_u (local.get $dst) (local.get $end)))))

  (func (export "mulF64") (param $a i32) (param $as i32) (param $b i32) (param $bs i32) (param $dst i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    (loop $next
      (v128.store (local.get $dst) (f64x2.mul (v128.load (local.get $a)) (v128.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (local.get $as)))
      (local.set $b (i32.add (local.get $b) (local.get $bs)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br_if $next (i32.lt_u (local.get $dst) (local.get $end)))))

  (func (export "divF64") (param $a i32) (param $as i32) (param $b i32) (param $bs i32) (param $dst i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    (loop $next
      (v128.store (local.get $dst) (f64x2.div (v128.load (local.get $a)) (v128.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (local.get $as)))
      (local.set $b (i32.add (local.get $b) (local.get $bs)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br_if $next (i32.lt_u (local.get $dst) (local.get $end)))))

  (func (export "maskF64") (param $a i32) (param $as i32) (param $b i32) (param $bs i32) (param $dst i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    (loop $next
      (v128.store (local.get $dst) (v128.and (v128.load (local.get $a)) (f64x2.gt (v128.load (local.get $b)) (v128.const i64x2 0 0))))
      (local.set $a (i32.add (local.get $a) (local.get $as)))
      (local.set $b (i32.add (local.get $b) (local.get $bs)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br_if $next (i32.lt_u (local.get $dst) (local.get $end)))))

  (func (export "axpyF64") (param $a i32) (param $as i32) (param $b i32) (param $bs i32) (param $dst i32) (param $n i32) (param $alpha f64)
    (local $end i32) (local $alphav v128)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    (local.set $alphav (f64x2.splat (local.get $alpha)))
    (loop $next
      (v128.store (local.get $dst) (f64x2.add (v128.load (local.get $a)) (f64x2.mul (local.get $alphav) (v128.load (local.get $b)))))
      (local.set $a (i32.add (local.get $a) (local.get $as)))
      (local.set $b (i32.add (local.get $b) (local.get $bs)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br_if $next (i32.lt_u (local.get $dst) (local.get $end)))))

)
