package simd

// Pure-Go kernels: the Generic level, and the reference the assembly is
// tested against. Preconditions (lengths) are checked by the exported
// wrappers in simd.go.

func dotGeneric(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func axpyGeneric(alpha float64, x, y []float64) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

func scalGeneric(alpha float64, x []float64) {
	for i := range x {
		x[i] *= alpha
	}
}

// scaleVec sets y = beta·y, writing zeros without reading y when beta == 0.
func scaleVec(beta float64, y []float64) {
	switch beta {
	case 1:
	case 0:
		clear(y)
	default:
		if asmBuild && useAVX2 {
			scalAVX2(beta, y)
		} else {
			scalGeneric(beta, y)
		}
	}
}

func gemvGeneric(m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	x = x[:n]
	for i := 0; i < m; i++ {
		s := alpha * dotGeneric(x, a[i*lda:i*lda+n])
		if beta == 0 {
			y[i] = s
		} else {
			y[i] = s + beta*y[i]
		}
	}
}

func gemvTGeneric(m, n int, alpha float64, a []float64, lda int, x []float64, y []float64) {
	y = y[:n]
	for i := 0; i < m; i++ {
		axpyGeneric(alpha*x[i], a[i*lda:i*lda+n], y)
	}
}

// gemmKernel4x4Go is the Generic micro-kernel: a 4×4 tile of C over packed
// panels a (k groups of 4 rows) and b (k groups of 4 columns), sixteen
// scalar accumulators.
func gemmKernel4x4Go(k int, a, b, c []float64, ldc int, alpha, beta float64) {
	var c00, c01, c02, c03, c10, c11, c12, c13 float64
	var c20, c21, c22, c23, c30, c31, c32, c33 float64
	a = a[:4*k]
	b = b[:4*k]
	for p := 0; p < 4*k; p += 4 {
		ap := a[p : p+4 : p+4]
		bp := b[p : p+4 : p+4]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		a0 := ap[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := ap[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a2 := ap[2]
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		a3 := ap[3]
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	storeRow4(c[0*ldc:0*ldc+4], alpha, beta, c00, c01, c02, c03)
	storeRow4(c[1*ldc:1*ldc+4], alpha, beta, c10, c11, c12, c13)
	storeRow4(c[2*ldc:2*ldc+4], alpha, beta, c20, c21, c22, c23)
	storeRow4(c[3*ldc:3*ldc+4], alpha, beta, c30, c31, c32, c33)
}

func storeRow4(c []float64, alpha, beta float64, v0, v1, v2, v3 float64) {
	c = c[:4]
	if beta == 0 {
		c[0], c[1], c[2], c[3] = alpha*v0, alpha*v1, alpha*v2, alpha*v3
		return
	}
	c[0] = alpha*v0 + beta*c[0]
	c[1] = alpha*v1 + beta*c[1]
	c[2] = alpha*v2 + beta*c[2]
	c[3] = alpha*v3 + beta*c[3]
}
