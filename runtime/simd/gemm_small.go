package simd

// Small products — the dense layers of a neural ODE's network, 20×50×2 or
// 20×2×50 at batch 20 — cost more in packing than in arithmetic, so Gemm
// runs them unpacked. Three loop orders are available; each vectorises a
// different dimension and wants a different operand layout:
//
//   - rows: C[i,:] = Σ_p op(A)[i,p]·op(B)[p,:], vectors along n. op(A) is
//     read by broadcasts through any strides; op(B) needs contiguous rows
//     (B itself when !transB, else a transposed copy).
//   - cols: the rows order on Cᵀ = op(B)ᵀ·op(A)ᵀ into scratch, vectors
//     along m, then C = alpha·Tᵀ + beta·C. op(A) needs contiguous columns
//     (A itself when transA, else a copy).
//   - dot: C[i,j] = op(A)[i,:]·op(B)[:,j], vectors along k, four rows of A
//     sharing each load of B. op(A) needs contiguous rows (A itself when
//     !transA) and op(B) contiguous columns (B itself when transB).
//
// chooseSmallOrder estimates each order's cost in vector operations plus
// the elements it must copy and picks the cheapest.

// gemmSmallMax is the largest m·n·k that takes the unpacked path
// (BenchmarkGemmSmallVsPacked, AVX2: the unpacked path is 2–4× faster at
// 20×50×2 and 20×2×50, ~1.5× at 64³, even at 96³, and slower for a
// transposed B at 128³, where packing pays for itself; the pure-Go
// kernels break even with the packed ones at 64³).
const gemmSmallMax = 64 * 64 * 64

type smallOrder uint8

const (
	orderRows smallOrder = iota
	orderCols
	orderDot
)

func (o smallOrder) String() string { return [...]string{"rows", "cols", "dot"}[o] }

// vecOps is the number of vector operations one pass over d elements
// costs: full 4-wide vectors plus scalar tail elements.
func vecOps(d int) int { return d>>2 + d&3 }

func chooseSmallOrder(transA, transB bool, m, n, k int) smallOrder {
	rows := m * k * vecOps(n)
	if transB {
		rows += k * n
	}
	cols := n*k*vecOps(m) + m*n
	if !transA {
		cols += m * k
	}
	dot := m * n * (vecOps(k) + 2) // + the horizontal sum
	if transA {
		dot += m * k
	}
	if !transB {
		dot += k * n
	}
	switch {
	case rows <= cols && rows <= dot:
		return orderRows
	case cols <= dot:
		return orderCols
	}
	return orderDot
}

// grow returns (*s)[:n], reallocating when the capacity is short.
func grow(s *[]float64, n int) []float64 {
	if cap(*s) < n {
		*s = make([]float64, n)
	}
	return (*s)[:n]
}

// transpose writes the rows×cols matrix src (stride lds) transposed into
// dst: dst[j·rows+i] = src[i·lds+j].
func transpose(rows, cols int, src []float64, lds int, dst []float64) {
	dst = dst[:rows*cols]
	for i := range rows {
		s := src[i*lds : i*lds+cols]
		for j, v := range s {
			dst[j*rows+i] = v
		}
	}
}

// gemmSmall is Gemm's unpacked path (k > 0, alpha != 0).
func gemmSmall(avx2, transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gemmSmallOrder(chooseSmallOrder(transA, transB, m, n, k), avx2, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gemmSmallOrder runs the unpacked path in the given loop order.
func gemmSmallOrder(order smallOrder, avx2, transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	switch order {
	case orderRows:
		ars, acs := lda, 1
		if transA {
			ars, acs = 1, lda
		}
		if !transB {
			gemmRows(avx2, m, n, k, alpha, a, ars, acs, b, ldb, beta, c, ldc)
			return
		}
		buf := gemmPool.Get().(*gemmBuf)
		bt := grow(&buf.b, k*n)
		transpose(n, k, b, ldb, bt)
		gemmRows(avx2, m, n, k, alpha, a, ars, acs, bt, n, beta, c, ldc)
		gemmPool.Put(buf)
	case orderCols:
		// T = op(B)ᵀ·op(A)ᵀ is n×m: its "A" is op(B)ᵀ, read through
		// strides, and its "B" is op(A)ᵀ, whose rows are A's when transA.
		buf := gemmPool.Get().(*gemmBuf)
		t := grow(&buf.b, n*m)
		ars, acs := 1, ldb
		if transB {
			ars, acs = ldb, 1
		}
		at, ldat := a, lda
		if !transA {
			at, ldat = grow(&buf.a, k*m), m
			transpose(m, k, a, lda, at)
		}
		gemmRows(avx2, n, m, k, 1, b, ars, acs, at, ldat, 0, t, m)
		for i := range m {
			ci := c[i*ldc : i*ldc+n]
			if beta == 0 {
				for j := range ci {
					ci[j] = alpha * t[j*m+i]
				}
			} else {
				for j := range ci {
					ci[j] = alpha*t[j*m+i] + beta*ci[j]
				}
			}
		}
		gemmPool.Put(buf)
	case orderDot:
		if !transA && transB {
			gemmDot(avx2, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
			return
		}
		buf := gemmPool.Get().(*gemmBuf)
		ar, ldar := a, lda
		if transA {
			ar, ldar = grow(&buf.a, m*k), k
			transpose(k, m, a, lda, ar)
		}
		bc, ldbc := b, ldb
		if !transB {
			bc, ldbc = grow(&buf.b, n*k), k
			transpose(k, n, b, ldb, bc)
		}
		gemmDot(avx2, m, n, k, alpha, ar, ldar, bc, ldbc, beta, c, ldc)
		gemmPool.Put(buf)
	}
}

// gemmRows computes C = alpha·A·B + beta·C for an m×k A read at
// A[i][p] = a[i·ars+p·acs] and a k×n B with contiguous rows, four rows of
// C at a time.
func gemmRows(avx2 bool, m, n, k int, alpha float64, a []float64, ars, acs int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	for i := 0; i < m; i += gemmRowsMax {
		rows := min(gemmRowsMax, m-i)
		ai, ci := a[i*ars:], c[i*ldc:]
		if !avx2 {
			gemmRowsGo(rows, k, n, ai, ars, acs, b, ldb, ci, ldc, alpha, beta)
			continue
		}
		switch rows {
		case 4:
			gemmRows4AVX2(k, n, ai, ars, acs, b, ldb, ci, ldc, alpha, beta)
		case 3:
			gemmRows3AVX2(k, n, ai, ars, acs, b, ldb, ci, ldc, alpha, beta)
		case 2:
			gemmRows2AVX2(k, n, ai, ars, acs, b, ldb, ci, ldc, alpha, beta)
		default:
			gemmRows1AVX2(k, n, ai, ars, acs, b, ldb, ci, ldc, alpha, beta)
		}
	}
}

// gemmRowsMax is the number of rows of C one rows-kernel call computes.
const gemmRowsMax = 4

// gemmRowsGo is the pure-Go rows kernel: C[r][j] = alpha·Σ_p
// a[r·ars+p·acs]·b[p·ldb+j] + beta·C[r][j] for r < rows, four columns of
// C per pass over k.
func gemmRowsGo(rows, k, n int, a []float64, ars, acs int, b []float64, ldb int, c []float64, ldc int, alpha, beta float64) {
	for r := range rows {
		ar := a[r*ars:]
		cr := c[r*ldc : r*ldc+n]
		j := 0
		for ; j+4 <= n; j += 4 {
			var s0, s1, s2, s3 float64
			for p := range k {
				av := ar[p*acs]
				bp := b[p*ldb+j : p*ldb+j+4 : p*ldb+j+4]
				s0 += av * bp[0]
				s1 += av * bp[1]
				s2 += av * bp[2]
				s3 += av * bp[3]
			}
			storeRow4(cr[j:j+4], alpha, beta, s0, s1, s2, s3)
		}
		for ; j < n; j++ {
			s := 0.0
			for p := range k {
				s += ar[p*acs] * b[p*ldb+j]
			}
			if beta == 0 {
				cr[j] = alpha * s
			} else {
				cr[j] = alpha*s + beta*cr[j]
			}
		}
	}
}

// gemmDot computes C = alpha·A·Bᵀ + beta·C with A m×k and B n×k, both
// with contiguous rows: C[i][j] is the dot product of row i of A and row j
// of B, four rows of A sharing each load of B on AVX2.
func gemmDot(avx2 bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	k4 := k &^ 3
	var s [4]float64
	for j := range n {
		x := b[j*ldb : j*ldb+k]
		i := 0
		if avx2 {
			for ; i+4 <= m; i += 4 {
				dot4AVX2(a[i*lda:], lda, x, &s)
				for r := range 4 {
					row := a[(i+r)*lda : (i+r)*lda+k]
					v := s[r]
					for p := k4; p < k; p++ {
						v += row[p] * x[p]
					}
					cij := &c[(i+r)*ldc+j]
					if beta == 0 {
						*cij = alpha * v
					} else {
						*cij = alpha*v + beta**cij
					}
				}
			}
		}
		for ; i < m; i++ {
			var v float64
			if avx2 {
				v = dotAVX2(x, a[i*lda:i*lda+k])
			} else {
				v = dotGeneric(x, a[i*lda:i*lda+k])
			}
			cij := &c[i*ldc+j]
			if beta == 0 {
				*cij = alpha * v
			} else {
				*cij = alpha*v + beta**cij
			}
		}
	}
}
