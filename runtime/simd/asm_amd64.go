//go:build !noasm

package simd

// asmBuild reports whether the assembly kernels are compiled in.
const asmBuild = true

// gemvAVX2 runs Gemv four rows at a time, sharing the loads of x.
func gemvAVX2(m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	x = x[:n]
	n4 := n &^ 3
	var s [4]float64
	i := 0
	for ; i+4 <= m; i += 4 {
		dot4AVX2(a[i*lda:], lda, x, &s)
		for r := range 4 {
			row := a[(i+r)*lda : (i+r)*lda+n]
			for j := n4; j < n; j++ {
				s[r] += row[j] * x[j]
			}
			if beta == 0 {
				y[i+r] = alpha * s[r]
			} else {
				y[i+r] = alpha*s[r] + beta*y[i+r]
			}
		}
	}
	for ; i < m; i++ {
		v := alpha * dotAVX2(x, a[i*lda:i*lda+n])
		if beta == 0 {
			y[i] = v
		} else {
			y[i] = v + beta*y[i]
		}
	}
}

// gemvTAVX2 accumulates y += alpha·Aᵀ·x four rows of A at a time, so y is
// loaded and stored once per four rows.
func gemvTAVX2(m, n int, alpha float64, a []float64, lda int, x []float64, y []float64) {
	n4 := n &^ 3
	var c [4]float64
	i := 0
	for ; i+4 <= m; i += 4 {
		c = [4]float64{alpha * x[i], alpha * x[i+1], alpha * x[i+2], alpha * x[i+3]}
		axpy4AVX2(&c, a[i*lda:], lda, y)
		for r := range 4 {
			row := a[(i+r)*lda : (i+r)*lda+n]
			for j := n4; j < n; j++ {
				y[j] += c[r] * row[j]
			}
		}
	}
	for ; i < m; i++ {
		axpyAVX2(alpha*x[i], a[i*lda:i*lda+n], y)
	}
}
