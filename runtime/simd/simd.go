package simd

import "fmt"

// Dot returns Σ x[i]·y[i] over len(x) elements (len(y) ≥ len(x)).
func Dot(x, y []float64) float64 {
	if len(y) < len(x) {
		panic(fmt.Sprintf("simd: Dot: len(y)=%d < len(x)=%d", len(y), len(x)))
	}
	if asmBuild && useAVX2 {
		return dotAVX2(x, y)
	}
	return dotGeneric(x, y)
}

// Axpy computes y += alpha·x over len(x) elements (len(y) ≥ len(x)).
func Axpy(alpha float64, x, y []float64) {
	if len(y) < len(x) {
		panic(fmt.Sprintf("simd: Axpy: len(y)=%d < len(x)=%d", len(y), len(x)))
	}
	if asmBuild && useAVX2 {
		axpyAVX2(alpha, x, y)
		return
	}
	axpyGeneric(alpha, x, y)
}

// Scal computes x *= alpha.
func Scal(alpha float64, x []float64) {
	if asmBuild && useAVX2 {
		scalAVX2(alpha, x)
		return
	}
	scalGeneric(alpha, x)
}

// checkMatrix panics unless a holds an r×c row-major matrix with leading
// dimension ld.
func checkMatrix(fn, name string, r, c int, a []float64, ld int) {
	if r < 0 || c < 0 {
		panic(fmt.Sprintf("simd: %s: negative dimension %d×%d for %s", fn, r, c, name))
	}
	if ld < max(c, 1) {
		panic(fmt.Sprintf("simd: %s: leading dimension %d of %s < %d columns", fn, ld, name, c))
	}
	if r > 0 && c > 0 && len(a) < (r-1)*ld+c {
		panic(fmt.Sprintf("simd: %s: len(%s)=%d too short for %d×%d with stride %d", fn, name, len(a), r, c, ld))
	}
}

func checkVector(fn, name string, n int, x []float64) {
	if len(x) < n {
		panic(fmt.Sprintf("simd: %s: len(%s)=%d < %d", fn, name, len(x), n))
	}
}

// Gemv computes y = alpha·A·x + beta·y for an m×n row-major A with
// leading dimension lda (x has length n, y length m).
func Gemv(m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	checkMatrix("Gemv", "a", m, n, a, lda)
	checkVector("Gemv", "x", n, x)
	checkVector("Gemv", "y", m, y)
	if m == 0 {
		return
	}
	if n == 0 || alpha == 0 {
		scaleVec(beta, y[:m])
		return
	}
	if n < gemvShort {
		gemvShortRows(m, n, alpha, a, lda, x, beta, y)
		return
	}
	if asmBuild && useAVX2 {
		gemvAVX2(m, n, alpha, a, lda, x, beta, y)
		return
	}
	gemvGeneric(m, n, alpha, a, lda, x, beta, y)
}

// GemvT computes y = alpha·Aᵀ·x + beta·y for an m×n row-major A with
// leading dimension lda (y has length n, x length m).
func GemvT(m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	checkMatrix("GemvT", "a", m, n, a, lda)
	checkVector("GemvT", "x", m, x)
	checkVector("GemvT", "y", n, y)
	if n == 0 {
		return
	}
	y = y[:n]
	scaleVec(beta, y)
	if m == 0 || alpha == 0 {
		return
	}
	if n < gemvShort {
		gemvTShortRows(m, n, alpha, a, lda, x, y)
		return
	}
	if asmBuild && useAVX2 {
		gemvTAVX2(m, n, alpha, a, lda, x, y)
		return
	}
	gemvTGeneric(m, n, alpha, a, lda, x, y)
}

// gemvShort is the row length below which the vector kernels have nothing
// to vectorise (they take four columns at a time): such rows — the first
// layer of a network with two or three inputs — run a plain loop.
const gemvShort = 4

func gemvShortRows(m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	x = x[:n]
	for i := range m {
		row := a[i*lda : i*lda+n]
		s := 0.0
		for j, v := range row {
			s += v * x[j]
		}
		if beta == 0 {
			y[i] = alpha * s
		} else {
			y[i] = alpha*s + beta*y[i]
		}
	}
}

// gemvTShortRows accumulates y += alpha·Aᵀ·x for n < gemvShort columns
// in registers, even and odd rows in separate sums to halve the add chain,
// so y is read and written once.
func gemvTShortRows(m, n int, alpha float64, a []float64, lda int, x []float64, y []float64) {
	var s0, s1, s2, t0, t1, t2 float64
	i := 0
	for ; i+2 <= m; i += 2 {
		r, q := a[i*lda:i*lda+n], a[(i+1)*lda:(i+1)*lda+n]
		xr, xq := x[i], x[i+1]
		switch n {
		case 3:
			s2 += xr * r[2]
			t2 += xq * q[2]
			fallthrough
		case 2:
			s1 += xr * r[1]
			t1 += xq * q[1]
			fallthrough
		default:
			s0 += xr * r[0]
			t0 += xq * q[0]
		}
	}
	if i < m {
		r, xr := a[i*lda:i*lda+n], x[i]
		switch n {
		case 3:
			s2 += xr * r[2]
			fallthrough
		case 2:
			s1 += xr * r[1]
			fallthrough
		default:
			s0 += xr * r[0]
		}
	}
	switch n {
	case 3:
		y[2] += alpha * (s2 + t2)
		fallthrough
	case 2:
		y[1] += alpha * (s1 + t1)
		fallthrough
	default:
		y[0] += alpha * (s0 + t0)
	}
}
