// Package simd holds the vector kernels that nodekit's hot loops run: dot,
// axpy, scal, gemv and gemm, plus the fused pieces a dense layer needs.
//
// All matrices are row-major with an explicit leading dimension (stride).
// The implementation is chosen once at start-up with cpuid; a pure-Go
// fallback runs everywhere else.
package simd

// Dot returns Σ x[i]·y[i] over len(x) elements (len(y) ≥ len(x)).
func Dot(x, y []float64) float64 {
	s := 0.0
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

// Axpy computes y += alpha·x over len(x) elements.
func Axpy(alpha float64, x, y []float64) {
	for i, v := range x {
		y[i] += alpha * v
	}
}

// Scal computes x *= alpha.
func Scal(alpha float64, x []float64) {
	for i := range x {
		x[i] *= alpha
	}
}

// Gemv computes y = alpha·A·x + beta·y for an m×n row-major A with
// leading dimension lda.
func Gemv(m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	for i := 0; i < m; i++ {
		y[i] = alpha*Dot(a[i*lda:i*lda+n], x) + beta*y[i]
	}
}

// GemvT computes y = alpha·Aᵀ·x + beta·y for an m×n row-major A with
// leading dimension lda (y has length n, x length m).
func GemvT(m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	for j := 0; j < n; j++ {
		y[j] *= beta
	}
	for i := 0; i < m; i++ {
		Axpy(alpha*x[i], a[i*lda:i*lda+n], y)
	}
}

// Gemm computes C = alpha·op(A)·op(B) + beta·C, row-major, where op(X) is
// X or Xᵀ. op(A) is m×k, op(B) is k×n, C is m×n.
func Gemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			s := 0.0
			for p := 0; p < k; p++ {
				var av, bv float64
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
		}
	}
}
