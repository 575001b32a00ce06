package simd

import (
	"math"
	"testing"
)

// BenchmarkVMath times the vector math per element (ns/op is per call of
// 1000 elements; the elem/ns metric is the rate) on every level, against
// the standard library's scalar function in a loop.
func BenchmarkVMath(b *testing.B) {
	const n = 1000
	x := randSlice(n, 9)
	for i := range x {
		x[i] *= 4
	}
	y := make([]float64, n)
	std := map[string]func(float64) float64{
		"VExp": math.Exp, "VTanh": math.Tanh,
		"VSigmoid":  func(v float64) float64 { return 1 / (1 + math.Exp(-v)) },
		"VSoftplus": func(v float64) float64 { return math.Max(v, 0) + math.Log1p(math.Exp(-math.Abs(v))) },
	}
	for _, c := range vmathCases {
		b.Run(c.name, func(b *testing.B) {
			prev := Level()
			defer func() { _ = SetLevel(prev) }()
			for _, l := range Levels() {
				_ = SetLevel(l)
				b.Run(l.String(), func(b *testing.B) {
					for b.Loop() {
						c.vec(y, x)
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/elem")
				})
			}
			f := std[c.name]
			b.Run("math", func(b *testing.B) {
				for b.Loop() {
					for i, v := range x {
						y[i] = f(v)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/elem")
			})
		})
	}
}

// BenchmarkElementwise times VMulAdd over a batch-sized vector.
func BenchmarkElementwise(b *testing.B) {
	for _, n := range []int{20, 1000} {
		x, y, z, d := randSlice(n, 1), randSlice(n, 2), randSlice(n, 3), make([]float64, n)
		benchLevels(b, func(b *testing.B, gonum bool) {
			if gonum {
				b.Skip()
			}
			for b.Loop() {
				VMulAdd(d, x, y, z)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/elem")
		})
	}
}
