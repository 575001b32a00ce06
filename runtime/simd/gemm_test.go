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

// gemmFunc has Gemm's signature; gemmPaths lists every implementation of
// the product at the current level.
type gemmFunc func(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int)

type gemmPath struct {
	name string
	f    gemmFunc
}

// viaPath runs the product on one internal path, with Gemm's own shape
// checks and its handling of the degenerate cases (m, n or k zero, alpha
// zero), which happen before any path is chosen.
func viaPath(run func(avx2 bool, transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int)) gemmFunc {
	return func(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
		if m == 0 || n == 0 || k == 0 || alpha == 0 {
			Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
			return
		}
		run(asmBuild && useAVX2, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
}

// gemmPaths returns Gemm itself, the packed path and every loop order of
// the small path, each forced whatever the size.
func gemmPaths() []gemmPath {
	paths := []gemmPath{
		{"Gemm", Gemm},
		{"packed", viaPath(func(avx2 bool, tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
			buf := gemmPool.Get().(*gemmBuf)
			gemmSerial(buf, avx2, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
			gemmPool.Put(buf)
		})},
	}
	for _, o := range []smallOrder{orderRows, orderCols, orderDot} {
		paths = append(paths, gemmPath{"small-" + o.String(), viaPath(func(avx2 bool, tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
			gemmSmallOrder(o, avx2, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		})})
	}
	return paths
}

func runGemmCase(t *testing.T, g gemmCase) {
	t.Helper()
	runGemmCaseWith(t, Gemm, g)
}

func runGemmCaseWith(t *testing.T, gemm gemmFunc, g gemmCase) {
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
	gemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, a, lda, b, ldb, g.beta, c, ldc)
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

// TestGemmTails covers every edge-tile shape of both packed micro-kernels
// (6×8 and 4×4) and of the small path's kernels (4 rows × 8, 4 and 1
// columns; four-row dot products with k%4 tails) for all transpose
// combinations, on every path at every level.
func TestGemmTails(t *testing.T) {
	dims := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 16, 17}
	ks := []int{0, 1, 3, 4, 5, 9}
	if testing.Short() {
		dims = []int{0, 1, 5, 6, 7, 8, 9, 13}
	}
	forEachLevel(t, func(t *testing.T) {
		for _, p := range gemmPaths() {
			for _, tA := range bools {
				for _, tB := range bools {
					for _, m := range dims {
						for _, n := range dims {
							for _, k := range ks {
								g := gemmCase{tA, tB, m, n, k, (m + n + k) % 3, 1.25, 0.5}
								if !t.Run(p.name, func(t *testing.T) { runGemmCaseWith(t, p.f, g) }) {
									return
								}
							}
						}
					}
				}
			}
		}
	})
}

func TestGemmAlphaBeta(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		for _, p := range gemmPaths() {
			t.Run(p.name, func(t *testing.T) {
				for _, tA := range bools {
					for _, tB := range bools {
						for _, ab := range [][2]float64{{1, 0}, {1, 1}, {-1, 0}, {0.3, -2}, {0, 0}, {0, 1}, {0, -0.5}, {2, 1}} {
							runGemmCaseWith(t, p.f, gemmCase{tA, tB, 13, 17, 11, 2, ab[0], ab[1]})
							runGemmCaseWith(t, p.f, gemmCase{tA, tB, 12, 16, 300, 0, ab[0], ab[1]})
						}
					}
				}
			})
		}
	})
}

// TestGemmSmall runs the shapes that select the small path — the dense
// layers of the spiral demo's 2-50-2 MLP and of the DSL's 2-5-5-2 and
// 5-64-64-5 at batches 1 and 20 (forward NT, input gradient NN, weight
// gradient TN), and products on both sides of gemmSmallMax — through Gemm
// and through every loop order of the small path, with padded strides and
// each alpha/beta rule.
func TestGemmSmall(t *testing.T) {
	var shapes [][3]int // m, n, k
	for _, l := range [][2]int{{2, 50}, {50, 2}, {2, 5}, {5, 5}, {5, 2}, {5, 64}, {64, 64}, {64, 5}} {
		in, out := l[0], l[1]
		for _, b := range []int{1, 20} {
			shapes = append(shapes, [3]int{b, out, in}, [3]int{b, in, out}, [3]int{out, in, b})
		}
	}
	shapes = append(shapes, [3]int{64, 64, 64}, [3]int{64, 64, 65}, [3]int{1, 1, gemmSmallMax}, [3]int{4, 9, gemmSmallMax / 36}, [3]int{5, 9, gemmSmallMax / 36})
	abs := [][2]float64{{1, 0}, {0.75, 1}, {-1.5, -0.5}}
	forEachLevel(t, func(t *testing.T) {
		for _, p := range gemmPaths() {
			if p.name == "packed" {
				continue
			}
			t.Run(p.name, func(t *testing.T) {
				for i, s := range shapes {
					for _, tA := range bools {
						for _, tB := range bools {
							ab := abs[i%len(abs)]
							runGemmCaseWith(t, p.f, gemmCase{tA, tB, s[0], s[1], s[2], i % 3, ab[0], ab[1]})
						}
					}
				}
			})
		}
	})
}

// TestChooseSmallOrder pins the loop order picked for the products of a
// 2-50-2 MLP at batch 20: no copies where the layout allows, and
// vectors along the long dimension.
func TestChooseSmallOrder(t *testing.T) {
	for _, c := range []struct {
		tA, tB  bool
		m, n, k int
		want    smallOrder
	}{
		{false, true, 20, 50, 2, orderRows},  // layer 1 forward: x·W₁ᵀ
		{false, true, 20, 2, 50, orderDot},   // layer 2 forward: h·W₂ᵀ
		{false, false, 20, 50, 2, orderRows}, // layer 2 input gradient: gy·W₂
		{true, false, 2, 50, 20, orderRows},  // layer 2 weight gradient: gyᵀ·h
		{false, false, 20, 2, 50, orderDot},  // layer 1 input gradient: gh·W₁
		{true, false, 50, 2, 20, orderCols},  // layer 1 weight gradient: ghᵀ·x
	} {
		if got := chooseSmallOrder(c.tA, c.tB, c.m, c.n, c.k); got != c.want {
			t.Errorf("tA=%v tB=%v %d×%d×%d: order %v, want %v", c.tA, c.tB, c.m, c.n, c.k, got, c.want)
		}
	}
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
