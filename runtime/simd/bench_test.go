package simd

import (
	"fmt"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// benchLevels runs f once per supported level and once for gonum's blas64
// (level < 0), so that one `go test -bench` run gives the ratios.
func benchLevels(b *testing.B, f func(b *testing.B, gonum bool)) {
	prev := Level()
	defer func() { _ = SetLevel(prev) }()
	for _, l := range Levels() {
		_ = SetLevel(l)
		b.Run(l.String(), func(b *testing.B) { f(b, false) })
	}
	_ = SetLevel(prev)
	b.Run("gonum", func(b *testing.B) { f(b, true) })
}

func randSlice(n int, seed uint64) []float64 {
	rng := newRand(seed)
	s := make([]float64, n)
	for i := range s {
		s[i] = rng.Float64()*2 - 1
	}
	return s
}

func reportFlops(b *testing.B, flops float64) {
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkGemm measures square f64 products (C = A·B). Run with
// -cpu 1 for single-core figures; GOMAXPROCS > 1 also splits the work.
func BenchmarkGemm(b *testing.B) {
	for _, n := range []int{64, 128, 256, 512} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			a, bm, c := randSlice(n*n, 1), randSlice(n*n, 2), make([]float64, n*n)
			benchLevels(b, func(b *testing.B, gonum bool) {
				ga := blas64.General{Rows: n, Cols: n, Stride: n, Data: a}
				gb := blas64.General{Rows: n, Cols: n, Stride: n, Data: bm}
				gc := blas64.General{Rows: n, Cols: n, Stride: n, Data: c}
				for b.Loop() {
					if gonum {
						blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, ga, gb, 0, gc)
					} else {
						Gemm(false, false, n, n, n, 1, a, n, bm, n, 0, c, n)
					}
				}
				reportFlops(b, 2*float64(n)*float64(n)*float64(n))
			})
		})
	}
}

// BenchmarkGemmDense is the shape of a dense layer's forward pass over a
// batch: (batch×in)·(in×out)ᵀ with the weight stored out×in.
func BenchmarkGemmDense(b *testing.B) {
	for _, s := range [][3]int{{20, 50, 2}, {20, 50, 50}, {128, 576, 64}} {
		m, n, k := s[0], s[1], s[2]
		b.Run(fmt.Sprintf("%dx%dx%d", m, n, k), func(b *testing.B) {
			x, w, y := randSlice(m*k, 1), randSlice(n*k, 2), make([]float64, m*n)
			benchLevels(b, func(b *testing.B, gonum bool) {
				gx := blas64.General{Rows: m, Cols: k, Stride: k, Data: x}
				gw := blas64.General{Rows: n, Cols: k, Stride: k, Data: w}
				gy := blas64.General{Rows: m, Cols: n, Stride: n, Data: y}
				for b.Loop() {
					if gonum {
						blas64.Gemm(blas.NoTrans, blas.Trans, 1, gx, gw, 0, gy)
					} else {
						Gemm(false, true, m, n, k, 1, x, k, w, k, 0, y, n)
					}
				}
				reportFlops(b, 2*float64(m)*float64(n)*float64(k))
			})
		})
	}
}

func BenchmarkGemv(b *testing.B) {
	for _, n := range []int{64, 256, 1024} {
		for _, trans := range bools {
			b.Run(fmt.Sprintf("%d/trans=%v", n, trans), func(b *testing.B) {
				a, x, y := randSlice(n*n, 1), randSlice(n, 2), make([]float64, n)
				benchLevels(b, func(b *testing.B, gonum bool) {
					ga := blas64.General{Rows: n, Cols: n, Stride: n, Data: a}
					vx := blas64.Vector{N: n, Inc: 1, Data: x}
					vy := blas64.Vector{N: n, Inc: 1, Data: y}
					t := blas.NoTrans
					if trans {
						t = blas.Trans
					}
					for b.Loop() {
						switch {
						case gonum:
							blas64.Gemv(t, 1, ga, vx, 0, vy)
						case trans:
							GemvT(n, n, 1, a, n, x, 0, y)
						default:
							Gemv(n, n, 1, a, n, x, 0, y)
						}
					}
					reportFlops(b, 2*float64(n)*float64(n))
					b.ReportMetric(8*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
				})
			})
		}
	}
}

var sink float64

func BenchmarkDot(b *testing.B) {
	for _, n := range []int{16, 256, 4096} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			x, y := randSlice(n, 1), randSlice(n, 2)
			benchLevels(b, func(b *testing.B, gonum bool) {
				vx := blas64.Vector{N: n, Inc: 1, Data: x}
				vy := blas64.Vector{N: n, Inc: 1, Data: y}
				for b.Loop() {
					if gonum {
						sink = blas64.Dot(vx, vy)
					} else {
						sink = Dot(x, y)
					}
				}
				reportFlops(b, 2*float64(n))
			})
		})
	}
}

func BenchmarkAxpy(b *testing.B) {
	for _, n := range []int{256, 4096} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			x, y := randSlice(n, 1), randSlice(n, 2)
			benchLevels(b, func(b *testing.B, gonum bool) {
				vx := blas64.Vector{N: n, Inc: 1, Data: x}
				vy := blas64.Vector{N: n, Inc: 1, Data: y}
				for b.Loop() {
					if gonum {
						blas64.Axpy(1e-9, vx, vy)
					} else {
						Axpy(1e-9, x, y)
					}
				}
				reportFlops(b, 2*float64(n))
			})
		})
	}
}

func BenchmarkBiasAct(b *testing.B) {
	const rows, cols = 128, 64
	z, out, bias := randSlice(rows*cols, 1), make([]float64, rows*cols), randSlice(cols, 2)
	g := randSlice(rows*cols, 3)
	for _, act := range []Activation{Identity, ReLU, Tanh} {
		b.Run(act.String(), func(b *testing.B) {
			benchLevels(b, func(b *testing.B, gonum bool) {
				if gonum {
					b.Skip("no gonum equivalent")
				}
				for b.Loop() {
					BiasAct(act, bias, z, out, rows, cols)
					ActBackward(act, z, out, g, g)
				}
			})
		})
	}
}

// BenchmarkGemmSmall measures the tiny products of small dense layers
// (m×n×k, every transpose combination): a 2-50-2 MLP at batch 20 runs
// 20×50×2 and 20×2×50 forward (NT), the same shapes for the input
// gradient (NN) and 50×2×20, 2×50×20 for the weight gradient (TN).
func BenchmarkGemmSmall(b *testing.B) {
	for _, s := range [][3]int{{20, 50, 2}, {20, 2, 50}, {20, 50, 50}, {50, 20, 2}, {50, 2, 20}} {
		m, n, k := s[0], s[1], s[2]
		for _, tr := range [][2]bool{{false, true}, {false, false}, {true, false}, {true, true}} {
			tA, tB := tr[0], tr[1]
			name := fmt.Sprintf("%dx%dx%d/%s%s", m, n, k, transName(tA), transName(tB))
			b.Run(name, func(b *testing.B) {
				a, bm, c := randSlice(m*k, 1), randSlice(k*n, 2), make([]float64, m*n)
				lda, ldb := k, n
				if tA {
					lda = m
				}
				if tB {
					ldb = k
				}
				benchLevels(b, func(b *testing.B, gonum bool) {
					if gonum {
						b.Skip("see BenchmarkGemmDense")
					}
					for b.Loop() {
						Gemm(tA, tB, m, n, k, 1, a, lda, bm, ldb, 0, c, n)
					}
					reportFlops(b, 2*float64(m)*float64(n)*float64(k))
				})
			})
		}
	}
}

func transName(t bool) string {
	if t {
		return "T"
	}
	return "N"
}

// BenchmarkGemvSmall measures the batch-1 shapes of small dense layers.
func BenchmarkGemvSmall(b *testing.B) {
	for _, s := range [][2]int{{50, 2}, {2, 50}, {5, 5}, {64, 64}} {
		m, n := s[0], s[1]
		for _, trans := range bools {
			b.Run(fmt.Sprintf("%dx%d/trans=%v", m, n, trans), func(b *testing.B) {
				a, x, y := randSlice(m*n, 1), randSlice(max(m, n), 2), make([]float64, max(m, n))
				benchLevels(b, func(b *testing.B, gonum bool) {
					if gonum {
						b.Skip("see BenchmarkGemv")
					}
					for b.Loop() {
						if trans {
							GemvT(m, n, 1, a, n, x, 0, y)
						} else {
							Gemv(m, n, 1, a, n, x, 0, y)
						}
					}
				})
			})
		}
	}
}

// BenchmarkGemmSmallVsPacked times the unpacked small path against the
// packed one on the same products, the measurement behind gemmSmallMax.
func BenchmarkGemmSmallVsPacked(b *testing.B) {
	for _, s := range [][3]int{{20, 50, 2}, {20, 2, 50}, {20, 50, 20}, {20, 50, 50}, {20, 64, 64}, {64, 64, 64}, {96, 96, 96}, {128, 128, 128}} {
		m, n, k := s[0], s[1], s[2]
		for _, tr := range [][2]bool{{false, true}, {false, false}, {true, false}} {
			tA, tB := tr[0], tr[1]
			a, bm, c := randSlice(m*k, 1), randSlice(k*n, 2), make([]float64, m*n)
			lda, ldb := k, n
			if tA {
				lda = m
			}
			if tB {
				ldb = k
			}
			for _, l := range Levels() {
				avx2 := l == AVX2
				name := fmt.Sprintf("%dx%dx%d/%s%s/%v", m, n, k, transName(tA), transName(tB), l)
				b.Run(name+"/small", func(b *testing.B) {
					for b.Loop() {
						gemmSmall(avx2, tA, tB, m, n, k, 1, a, lda, bm, ldb, 0, c, n)
					}
					reportFlops(b, 2*float64(m)*float64(n)*float64(k))
				})
				b.Run(name+"/packed", func(b *testing.B) {
					buf := gemmPool.Get().(*gemmBuf)
					for b.Loop() {
						gemmSerial(buf, avx2, tA, tB, m, n, k, 1, a, lda, bm, ldb, 0, c, n)
					}
					gemmPool.Put(buf)
					reportFlops(b, 2*float64(m)*float64(n)*float64(k))
				})
			}
		}
	}
}
