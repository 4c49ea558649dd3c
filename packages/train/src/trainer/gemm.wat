;; The trainer's kernels in WebAssembly SIMD (f32x4): the matrix multiply C[m, n] (+)= Σₚ A(m, p) · B[p, n],
;; and AdamW's update (below).
;; B and C are row-major with n columns; A is read through two element strides (aRow, aCol), so one
;; kernel serves x·W (aRow = k, aCol = 1) and xᵀ·W (aRow = 1, aCol = m) without transposing A.
;; Addresses are byte offsets into the imported memory. `panel` (a multiple of 8) is how many columns
;; of B one pass keeps hot in cache. The memory is shared, so a worker thread can take half the rows. Compiled to gemm-wasm.ts by `pnpm --filter @aquila/train build:wasm`.
(module
  (import "kernels" "memory" (memory 1 65536 shared))

  ;; Rows i0..i1 × columns j0..j1, one row at a time: four columns per vector, then one by one.
  (func $edge (param $a i32) (param $aRow i32) (param $aCol i32) (param $b i32) (param $c i32)
              (param $n i32) (param $k i32) (param $accumulate i32)
              (param $i0 i32) (param $i1 i32) (param $j0 i32) (param $j1 i32)
    (local $i i32) (local $j i32) (local $p i32) (local $aPtr i32) (local $bPtr i32) (local $cPtr i32)
    (local $vector v128) (local $scalar f32)
    (local.set $i (local.get $i0))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_s (local.get $i) (local.get $i1)))
        (local.set $j (local.get $j0))
        (block $vectorsDone
          (loop $vectors
            (br_if $vectorsDone (i32.gt_s (i32.add (local.get $j) (i32.const 4)) (local.get $j1)))
            (local.set $cPtr (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2))))
            (local.set $vector (if (result v128) (local.get $accumulate)
              (then (v128.load (local.get $cPtr))) (else (v128.const f32x4 0 0 0 0))))
            (local.set $aPtr (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aRow))))
            (local.set $bPtr (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $p (local.get $k))
            (block $innerDone
              (loop $inner
                (br_if $innerDone (i32.eqz (local.get $p)))
                (local.set $vector (f32x4.add (local.get $vector)
                  (f32x4.mul (f32x4.splat (f32.load (local.get $aPtr))) (v128.load (local.get $bPtr)))))
                (local.set $aPtr (i32.add (local.get $aPtr) (local.get $aCol)))
                (local.set $bPtr (i32.add (local.get $bPtr) (i32.shl (local.get $n) (i32.const 2))))
                (local.set $p (i32.sub (local.get $p) (i32.const 1)))
                (br $inner)))
            (v128.store (local.get $cPtr) (local.get $vector))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $vectors)))
        (block $scalarsDone
          (loop $scalars
            (br_if $scalarsDone (i32.ge_s (local.get $j) (local.get $j1)))
            (local.set $cPtr (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2))))
            (local.set $scalar (if (result f32) (local.get $accumulate)
              (then (f32.load (local.get $cPtr))) (else (f32.const 0))))
            (local.set $aPtr (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aRow))))
            (local.set $bPtr (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $p (local.get $k))
            (block $innerDone
              (loop $inner
                (br_if $innerDone (i32.eqz (local.get $p)))
                (local.set $scalar (f32.add (local.get $scalar)
                  (f32.mul (f32.load (local.get $aPtr)) (f32.load (local.get $bPtr)))))
                (local.set $aPtr (i32.add (local.get $aPtr) (local.get $aCol)))
                (local.set $bPtr (i32.add (local.get $bPtr) (i32.shl (local.get $n) (i32.const 2))))
                (local.set $p (i32.sub (local.get $p) (i32.const 1)))
                (br $inner)))
            (f32.store (local.get $cPtr) (local.get $scalar))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $scalars)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows)))
  )

  ;; Strides come in elements and are turned into bytes here.
  (func (export "gemm") (param $a i32) (param $aRow i32) (param $aCol i32) (param $b i32) (param $c i32)
                        (param $m i32) (param $n i32) (param $k i32) (param $accumulate i32) (param $panel i32)
    (local $m4 i32) (local $n8 i32) (local $panelStart i32) (local $panelEnd i32) (local $i i32) (local $j i32)
    (local $p i32) (local $aPtr i32) (local $bPtr i32) (local $cPtr i32) (local $rowBytes i32)
    (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local $b0 v128) (local $b1 v128) (local $x v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $aRow (i32.shl (local.get $aRow) (i32.const 2)))
    (local.set $aCol (i32.shl (local.get $aCol) (i32.const 2)))
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $a1 (local.get $aRow))
    (local.set $a2 (i32.shl (local.get $aRow) (i32.const 1)))
    (local.set $a3 (i32.add (local.get $a2) (local.get $aRow)))
    (local.set $m4 (i32.and (local.get $m) (i32.const -4)))
    (local.set $n8 (i32.and (local.get $n) (i32.const -8)))
    ;; 4 × 8 blocks of C in eight vector registers, panel by panel of B's columns.
    (local.set $panelStart (i32.const 0))
    (block $panelsDone
      (loop $panels
        (br_if $panelsDone (i32.ge_s (local.get $panelStart) (local.get $n8)))
        (local.set $panelEnd (i32.add (local.get $panelStart) (local.get $panel)))
        (if (i32.gt_s (local.get $panelEnd) (local.get $n8)) (then (local.set $panelEnd (local.get $n8))))
        (local.set $i (i32.const 0))
        (block $rowsDone
          (loop $rows
            (br_if $rowsDone (i32.ge_s (local.get $i) (local.get $m4)))
            (local.set $j (local.get $panelStart))
            (block $columnsDone
              (loop $columns
                (br_if $columnsDone (i32.ge_s (local.get $j) (local.get $panelEnd)))
                (local.set $cPtr (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2))))
                (if (local.get $accumulate)
                  (then
                    (local.set $c00 (v128.load (local.get $cPtr)))
                    (local.set $c01 (v128.load offset=16 (local.get $cPtr)))
                    (local.set $c10 (v128.load (i32.add (local.get $cPtr) (local.get $rowBytes))))
                    (local.set $c11 (v128.load offset=16 (i32.add (local.get $cPtr) (local.get $rowBytes))))
                    (local.set $c20 (v128.load (i32.add (local.get $cPtr) (i32.shl (local.get $rowBytes) (i32.const 1)))))
                    (local.set $c21 (v128.load offset=16 (i32.add (local.get $cPtr) (i32.shl (local.get $rowBytes) (i32.const 1)))))
                    (local.set $c30 (v128.load (i32.add (local.get $cPtr) (i32.mul (local.get $rowBytes) (i32.const 3)))))
                    (local.set $c31 (v128.load offset=16 (i32.add (local.get $cPtr) (i32.mul (local.get $rowBytes) (i32.const 3))))))
                  (else
                    (local.set $c00 (v128.const f32x4 0 0 0 0)) (local.set $c01 (v128.const f32x4 0 0 0 0))
                    (local.set $c10 (v128.const f32x4 0 0 0 0)) (local.set $c11 (v128.const f32x4 0 0 0 0))
                    (local.set $c20 (v128.const f32x4 0 0 0 0)) (local.set $c21 (v128.const f32x4 0 0 0 0))
                    (local.set $c30 (v128.const f32x4 0 0 0 0)) (local.set $c31 (v128.const f32x4 0 0 0 0))))
                (local.set $aPtr (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aRow))))
                (local.set $bPtr (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
                (local.set $p (local.get $k))
                (block $innerDone
                  (loop $inner
                    (br_if $innerDone (i32.eqz (local.get $p)))
                    (local.set $b0 (v128.load (local.get $bPtr)))
                    (local.set $b1 (v128.load offset=16 (local.get $bPtr)))
                    (local.set $x (f32x4.splat (f32.load (local.get $aPtr))))
                    (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
                    (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
                    (local.set $x (f32x4.splat (f32.load (i32.add (local.get $aPtr) (local.get $a1)))))
                    (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
                    (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
                    (local.set $x (f32x4.splat (f32.load (i32.add (local.get $aPtr) (local.get $a2)))))
                    (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
                    (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
                    (local.set $x (f32x4.splat (f32.load (i32.add (local.get $aPtr) (local.get $a3)))))
                    (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
                    (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
                    (local.set $aPtr (i32.add (local.get $aPtr) (local.get $aCol)))
                    (local.set $bPtr (i32.add (local.get $bPtr) (local.get $rowBytes)))
                    (local.set $p (i32.sub (local.get $p) (i32.const 1)))
                    (br $inner)))
                (v128.store (local.get $cPtr) (local.get $c00))
                (v128.store offset=16 (local.get $cPtr) (local.get $c01))
                (v128.store (i32.add (local.get $cPtr) (local.get $rowBytes)) (local.get $c10))
                (v128.store offset=16 (i32.add (local.get $cPtr) (local.get $rowBytes)) (local.get $c11))
                (v128.store (i32.add (local.get $cPtr) (i32.shl (local.get $rowBytes) (i32.const 1))) (local.get $c20))
                (v128.store offset=16 (i32.add (local.get $cPtr) (i32.shl (local.get $rowBytes) (i32.const 1))) (local.get $c21))
                (v128.store (i32.add (local.get $cPtr) (i32.mul (local.get $rowBytes) (i32.const 3))) (local.get $c30))
                (v128.store offset=16 (i32.add (local.get $cPtr) (i32.mul (local.get $rowBytes) (i32.const 3))) (local.get $c31))
                (local.set $j (i32.add (local.get $j) (i32.const 8)))
                (br $columns)))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $rows)))
        (local.set $panelStart (local.get $panelEnd))
        (br $panels)))
    ;; The columns right of the last 8-column block, then the rows below the last 4-row block.
    (call $edge (local.get $a) (local.get $aRow) (local.get $aCol) (local.get $b) (local.get $c) (local.get $n) (local.get $k) (local.get $accumulate)
                (i32.const 0) (local.get $m4) (local.get $n8) (local.get $n))
    (call $edge (local.get $a) (local.get $aRow) (local.get $aCol) (local.get $b) (local.get $c) (local.get $n) (local.get $k) (local.get $accumulate)
                (local.get $m4) (local.get $m) (i32.const 0) (local.get $n))
  )

  ;; One AdamW step over n floats (rounded up to a multiple of 4: arena allocations are padded with zeros,
;; which stay zero), four at a time; moments below 1e-30 are flushed to 0 (subnormals are slow on x86).
  (func (export "adamw") (param $values i32) (param $gradient i32) (param $first i32) (param $second i32) (param $n i32)
                         (param $decay f32) (param $gradientScale f32) (param $beta1 f32) (param $beta2 f32)
                         (param $stepSize f32) (param $rmsScale f32) (param $eps f32)
    (local $offset i32) (local $end i32) (local $g v128) (local $m v128) (local $v v128) (local $tiny v128)
    (local $b1 v128) (local $b2 v128) (local $k1 v128) (local $k2 v128)
    (local.set $end (i32.shl (i32.and (i32.add (local.get $n) (i32.const 3)) (i32.const -4)) (i32.const 2)))
    (local.set $tiny (f32x4.splat (f32.const 1e-30)))
    (local.set $b1 (f32x4.splat (local.get $beta1)))
    (local.set $b2 (f32x4.splat (local.get $beta2)))
    (local.set $k1 (f32x4.splat (f32.sub (f32.const 1) (local.get $beta1))))
    (local.set $k2 (f32x4.splat (f32.sub (f32.const 1) (local.get $beta2))))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $offset) (local.get $end)))
        (local.set $g (f32x4.mul (v128.load (i32.add (local.get $gradient) (local.get $offset))) (f32x4.splat (local.get $gradientScale))))
        (local.set $m (f32x4.add (f32x4.mul (local.get $b1) (v128.load (i32.add (local.get $first) (local.get $offset)))) (f32x4.mul (local.get $k1) (local.get $g))))
        (local.set $v (f32x4.add (f32x4.mul (local.get $b2) (v128.load (i32.add (local.get $second) (local.get $offset)))) (f32x4.mul (local.get $k2) (f32x4.mul (local.get $g) (local.get $g)))))
        (local.set $m (v128.and (local.get $m) (f32x4.ge (f32x4.abs (local.get $m)) (local.get $tiny))))
        (local.set $v (v128.and (local.get $v) (f32x4.ge (local.get $v) (local.get $tiny))))
        (v128.store (i32.add (local.get $first) (local.get $offset)) (local.get $m))
        (v128.store (i32.add (local.get $second) (local.get $offset)) (local.get $v))
        (v128.store (i32.add (local.get $values) (local.get $offset))
          (f32x4.sub
            (f32x4.mul (v128.load (i32.add (local.get $values) (local.get $offset))) (f32x4.splat (local.get $decay)))
            (f32x4.div (f32x4.mul (f32x4.splat (local.get $stepSize)) (local.get $m))
                       (f32x4.add (f32x4.mul (f32x4.sqrt (local.get $v)) (f32x4.splat (local.get $rmsScale))) (f32x4.splat (local.get $eps))))))
        (local.set $offset (i32.add (local.get $offset) (i32.const 16)))
        (br $each)))
  )
)
