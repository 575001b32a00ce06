package simd

import (
	"math"
	"testing"
)

const eps = 0x1p-52

func TestDot(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := newRand(1)
		for _, n := range tailSizes {
			x, xb := guarded(n, func(int) float64 { return rng.Float64()*2 - 1 })
			// y is longer than x: Dot must read only len(x) elements of y.
			y, yb := guarded(n+3, func(int) float64 { return rng.Float64()*2 - 1 })
			want, scale := 0.0, 0.0
			for i := range x {
				want += x[i] * y[i]
				scale += math.Abs(x[i] * y[i])
			}
			for i := n; i < n+3; i++ {
				y[i] = math.NaN()
			}
			got := Dot(x, y)
			if !closeTo(got, want, scale, float64(n+1)*eps) {
				t.Errorf("n=%d: Dot = %v, want %v", n, got, want)
			}
			checkGuards(t, "x", xb, all)
			checkGuards(t, "y", yb, all)
		}
	})
}

func TestAxpy(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := newRand(2)
		for _, n := range tailSizes {
			for _, alpha := range []float64{0, 1, -2.5} {
				x, xb := guarded(n, func(int) float64 { return rng.Float64()*2 - 1 })
				y, yb := guarded(n+2, func(int) float64 { return rng.Float64()*2 - 1 })
				y0 := append([]float64(nil), y...)
				Axpy(alpha, x, y)
				for i := range n {
					want := y0[i] + alpha*x[i]
					if !closeTo(y[i], want, math.Abs(y0[i])+math.Abs(alpha*x[i]), 2*eps) {
						t.Fatalf("n=%d alpha=%v: y[%d] = %v, want %v", n, alpha, i, y[i], want)
					}
				}
				for i := n; i < n+2; i++ {
					if y[i] != y0[i] {
						t.Fatalf("n=%d: y[%d] beyond len(x) changed", n, i)
					}
				}
				checkGuards(t, "x", xb, all)
				checkGuards(t, "y", yb, all)
			}
		}
	})
}

func TestScal(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := newRand(3)
		for _, n := range tailSizes {
			for _, alpha := range []float64{0, 1, -0.3, math.Inf(1)} {
				x, xb := guarded(n, func(int) float64 { return rng.Float64()*2 - 1 })
				x0 := append([]float64(nil), x...)
				Scal(alpha, x)
				for i := range n {
					if want := alpha * x0[i]; x[i] != want {
						t.Fatalf("n=%d alpha=%v: x[%d] = %v, want %v", n, alpha, i, x[i], want)
					}
				}
				checkGuards(t, "x", xb, all)
			}
		}
	})
}

// gemvRef is the reference y = alpha·op(A)·x + beta·y (beta == 0 overwrites,
// alpha == 0 reads no A); scale receives the magnitudes for tolerances.
func gemvRef(trans bool, m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y, scale []float64) {
	rows, cols := m, n
	if trans {
		rows, cols = n, m
	}
	for i := range rows {
		s, sa := 0.0, 0.0
		if alpha != 0 {
			for j := range cols {
				var av float64
				if trans {
					av = a[j*lda+i]
				} else {
					av = a[i*lda+j]
				}
				s += av * x[j]
				sa += math.Abs(av * x[j])
			}
		}
		if beta == 0 {
			y[i] = alpha * s
			scale[i] = math.Abs(alpha) * sa
		} else {
			scale[i] = math.Abs(alpha)*sa + math.Abs(beta*y[i])
			y[i] = alpha*s + beta*y[i]
		}
	}
}

func TestGemv(t *testing.T) {
	sizes := []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 17, 33}
	forEachLevel(t, func(t *testing.T) {
		rng := newRand(4)
		for _, trans := range []bool{false, true} {
			for _, m := range sizes {
				for _, n := range sizes {
					for _, pad := range []int{0, 3} {
						for _, ab := range [][2]float64{{1, 0}, {0.7, 1}, {-1.3, -0.4}, {0, 0.5}, {0, 0}} {
							testGemvCase(t, rng, trans, m, n, max(n, 1)+pad, ab[0], ab[1])
						}
					}
				}
			}
		}
	})
}

func testGemvCase(t *testing.T, rng interface{ Float64() float64 }, trans bool, m, n, lda int, alpha, beta float64) {
	t.Helper()
	r := newRand(uint64(m*1000 + n))
	a, ab, alog := matrix(r, m, n, lda)
	xl, yl := n, m
	if trans {
		xl, yl = m, n
	}
	x, xb := guarded(xl, func(int) float64 { return rng.Float64()*2 - 1 })
	y, yb := guarded(yl, func(int) float64 { return rng.Float64()*2 - 1 })
	if beta == 0 {
		for i := range y {
			y[i] = math.NaN() // must be overwritten, not read
		}
	}
	if alpha == 0 {
		for i := range a {
			if alog(i) {
				a[i] = math.NaN() // must not be read
			}
		}
	}
	want := append([]float64(nil), y...)
	scale := make([]float64, yl)
	gemvRef(trans, m, n, alpha, a, lda, x, beta, want, scale)
	if trans {
		GemvT(m, n, alpha, a, lda, x, beta, y)
	} else {
		Gemv(m, n, alpha, a, lda, x, beta, y)
	}
	for i := range y {
		if !closeTo(y[i], want[i], scale[i], float64(xl+2)*eps) {
			t.Fatalf("trans=%v m=%d n=%d lda=%d alpha=%v beta=%v: y[%d] = %v, want %v",
				trans, m, n, lda, alpha, beta, i, y[i], want[i])
		}
	}
	checkGuards(t, "a", ab, alog)
	checkGuards(t, "x", xb, all)
	checkGuards(t, "y", yb, all)
}

func TestGemvLarge(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := newRand(5)
		for _, trans := range []bool{false, true} {
			testGemvCase(t, rng, trans, 301, 257, 263, 0.9, 0.25)
			testGemvCase(t, rng, trans, 1027, 33, 40, -1, 0)
		}
	})
}

func TestVectorPanics(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	mustPanic("Dot short y", func() { Dot(make([]float64, 3), make([]float64, 2)) })
	mustPanic("Axpy short y", func() { Axpy(1, make([]float64, 3), make([]float64, 2)) })
	mustPanic("Gemv short a", func() { Gemv(2, 2, 1, make([]float64, 3), 2, make([]float64, 2), 0, make([]float64, 2)) })
	mustPanic("Gemv bad lda", func() { Gemv(2, 2, 1, make([]float64, 4), 1, make([]float64, 2), 0, make([]float64, 2)) })
	mustPanic("GemvT short y", func() { GemvT(2, 3, 1, make([]float64, 6), 3, make([]float64, 2), 0, make([]float64, 2)) })
	mustPanic("Gemm short c", func() {
		Gemm(false, false, 2, 2, 2, 1, make([]float64, 4), 2, make([]float64, 4), 2, 0, make([]float64, 3), 2)
	})
	mustPanic("Gemm transA short a", func() {
		Gemm(true, false, 3, 2, 2, 1, make([]float64, 5), 3, make([]float64, 4), 2, 0, make([]float64, 6), 2)
	})
}
