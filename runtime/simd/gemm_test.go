package simd

import (
	"fmt"
	"math"
	"runtime"
	"testing"
)

// gemmRef is the reference C = alpha·op(A)·op(B) + beta·C with the BLAS
// conventions (beta == 0 overwrites C, alpha == 0 reads neither A nor B);
// scale receives Σ|terms| per element for the tolerance.
func gemmRef(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int, scale []float64) {
	for i := range m {
		for j := range n {
			s, sa := 0.0, 0.0
			if alpha != 0 {
				for p := range k {
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
					sa += math.Abs(av * bv)
				}
			}
			cij := &c[i*ldc+j]
			if beta == 0 {
				*cij = alpha * s
				scale[i*n+j] = math.Abs(alpha) * sa
			} else {
				scale[i*n+j] = math.Abs(alpha)*sa + math.Abs(beta**cij)
				*cij = alpha*s + beta**cij
			}
		}
	}
}

type gemmCase struct {
	transA, transB bool
	m, n, k        int
	pad            int // extra leading-dimension padding of every operand
	alpha, beta    float64
}

func (g gemmCase) String() string {
	return fmt.Sprintf("tA=%v tB=%v m=%d n=%d k=%d pad=%d alpha=%v beta=%v", g.transA, g.transB, g.m, g.n, g.k, g.pad, g.alpha, g.beta)
}

func runGemmCase(t *testing.T, g gemmCase) {
	t.Helper()
	rng := newRand(uint64(g.m*1_000_003 + g.n*1009 + g.k))
	ar, ac := g.m, g.k
	if g.transA {
		ar, ac = g.k, g.m
	}
	br, bc := g.k, g.n
	if g.transB {
		br, bc = g.n, g.k
	}
	lda, ldb, ldc := max(ac, 1)+g.pad, max(bc, 1)+g.pad, max(g.n, 1)+g.pad
	a, ab, alog := matrix(rng, ar, ac, lda)
	b, bb, blog := matrix(rng, br, bc, ldb)
	c, cb, clog := matrix(rng, g.m, g.n, ldc)
	if g.beta == 0 {
		for i := range c {
			if clog(i) {
				c[i] = math.NaN() // must be overwritten, never read
			}
		}
	}
	if g.alpha == 0 {
		for i := range a {
			if alog(i) {
				a[i] = math.NaN() // must not be read
			}
		}
	}
	want := append([]float64(nil), c...)
	scale := make([]float64, g.m*g.n)
	gemmRef(g.transA, g.transB, g.m, g.n, g.k, g.alpha, a, lda, b, ldb, g.beta, want, ldc, scale)
	Gemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, a, lda, b, ldb, g.beta, c, ldc)
	tol := float64(g.k+2) * eps
	for i := range g.m {
		for j := range g.n {
			got, w := c[i*ldc+j], want[i*ldc+j]
			if !closeTo(got, w, scale[i*g.n+j], tol) {
				t.Fatalf("%v: C[%d,%d] = %v, want %v", g, i, j, got, w)
			}
		}
	}
	checkGuards(t, "a", ab, alog)
	checkGuards(t, "b", bb, blog)
	checkGuards(t, "c", cb, clog)
}

var bools = []bool{false, true}

// TestGemmTails covers every edge-tile shape of both micro-kernels (6×8 and
// 4×4) for all transpose combinations and alpha/beta special values.
func TestGemmTails(t *testing.T) {
	dims := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 16, 17}
	ks := []int{0, 1, 3, 4, 5, 9}
	if testing.Short() {
		dims = []int{0, 1, 5, 6, 7, 8, 9, 13}
	}
	forEachLevel(t, func(t *testing.T) {
		for _, tA := range bools {
			for _, tB := range bools {
				for _, m := range dims {
					for _, n := range dims {
						for _, k := range ks {
							runGemmCase(t, gemmCase{tA, tB, m, n, k, (m + n + k) % 3, 1.25, 0.5})
						}
					}
				}
			}
		}
	})
}

func TestGemmAlphaBeta(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		for _, tA := range bools {
			for _, tB := range bools {
				for _, ab := range [][2]float64{{1, 0}, {1, 1}, {-1, 0}, {0.3, -2}, {0, 0}, {0, 1}, {0, -0.5}, {2, 1}} {
					runGemmCase(t, gemmCase{tA, tB, 13, 17, 11, 2, ab[0], ab[1]})
					runGemmCase(t, gemmCase{tA, tB, 12, 16, 300, 0, ab[0], ab[1]})
				}
			}
		}
	})
}

// TestGemmBlocks crosses the KC, MC and NC block boundaries.
func TestGemmBlocks(t *testing.T) {
	cases := []gemmCase{
		{false, false, 97, 35, 2*gemmKC + 3, 1, 1, 0.5},
		{true, true, gemmMC + 7, 19, gemmKC + 1, 0, -0.5, 0},
		{false, true, 2*gemmMC + 1, 9, 31, 3, 1, 1},
		{true, false, 7, gemmNC + 13, 3, 1, 1, 0},
		{false, false, 2, 2*gemmNC + 9, 2, 0, 1, 2},
	}
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	forEachLevel(t, func(t *testing.T) {
		for _, g := range cases {
			runGemmCase(t, g)
		}
	})
}

// TestGemmParallel runs products large enough to be split, along m and
// along n, with more goroutines than this machine may have cores.
func TestGemmParallel(t *testing.T) {
	cases := []gemmCase{
		{false, false, 131, 67, 61, 1, 1, 0.5},         // split along m
		{true, true, 140, 70, 60, 0, -1, 0},            // split along m, transposed
		{false, true, 13, 801, 53, 2, 0.5, 1},          // split along n
		{true, false, 7, 1203, 71, 0, 1, 0},            // split along n, transposed
		{false, false, 6, 8, gemmParallelMin, 0, 1, 0}, // one tile: no split
	}
	for _, procs := range []int{2, 3, 5} {
		prev := runtime.GOMAXPROCS(procs)
		forEachLevel(t, func(t *testing.T) {
			for _, g := range cases {
				if g.m*g.n*g.k < gemmParallelMin {
					t.Fatalf("%v: too small to run in parallel", g)
				}
				runGemmCase(t, g)
			}
		})
		runtime.GOMAXPROCS(prev)
	}
}
