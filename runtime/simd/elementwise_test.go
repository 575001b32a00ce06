package simd

import (
	"fmt"
	"math"
	"testing"
)

// ewInput mixes ordinary values with every special class of float64.
func ewInput(rng interface{ Float64() float64 }, i int) float64 {
	sp := []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1),
		5e-324, -2.2e-308, 1.7e308, -1.7e308, 1, -1}
	if i%7 == 3 {
		return sp[(i/7)%len(sp)]
	}
	return (rng.Float64()*2 - 1) * math.Exp2(float64(int(rng.Float64()*40)-20))
}

// elementwiseCase is one kernel with its per-element definition; the
// kernel is called with nIn input slices (dst first, then a, b, c).
type elementwiseCase struct {
	name  string
	nIn   int
	call  func(dst []float64, in [][]float64, alpha float64)
	want  func(in []float64, alpha float64) float64
	alpha bool
}

var elementwiseCases = []elementwiseCase{
	{name: "VAdd", nIn: 2, call: func(d []float64, in [][]float64, _ float64) { VAdd(d, in[0], in[1]) },
		want: func(v []float64, _ float64) float64 { return v[0] + v[1] }},
	{name: "VSub", nIn: 2, call: func(d []float64, in [][]float64, _ float64) { VSub(d, in[0], in[1]) },
		want: func(v []float64, _ float64) float64 { return v[0] - v[1] }},
	{name: "VMul", nIn: 2, call: func(d []float64, in [][]float64, _ float64) { VMul(d, in[0], in[1]) },
		want: func(v []float64, _ float64) float64 { return v[0] * v[1] }},
	{name: "VDiv", nIn: 2, call: func(d []float64, in [][]float64, _ float64) { VDiv(d, in[0], in[1]) },
		want: func(v []float64, _ float64) float64 { return v[0] / v[1] }},
	{name: "VMulAdd", nIn: 3, call: func(d []float64, in [][]float64, _ float64) { VMulAdd(d, in[0], in[1], in[2]) },
		want: func(v []float64, _ float64) float64 { return math.FMA(v[0], v[1], v[2]) }},
	{name: "VScale", nIn: 1, alpha: true, call: func(d []float64, in [][]float64, a float64) { VScale(d, a, in[0]) },
		want: func(v []float64, a float64) float64 { return a * v[0] }},
	{name: "VAddScalar", nIn: 1, alpha: true, call: func(d []float64, in [][]float64, a float64) { VAddScalar(d, a, in[0]) },
		want: func(v []float64, a float64) float64 { return v[0] + a }},
	{name: "VNeg", nIn: 1, call: func(d []float64, in [][]float64, _ float64) { VNeg(d, in[0]) },
		want: func(v []float64, _ float64) float64 { return -v[0] }},
	{name: "VSquare", nIn: 1, call: func(d []float64, in [][]float64, _ float64) { VSquare(d, in[0]) },
		want: func(v []float64, _ float64) float64 { return v[0] * v[0] }},
}

// TestElementwise checks every kernel on every level bit for bit against
// its scalar definition, over every tail length, with the output in a
// separate slice or aliasing each input in turn, inputs longer than dst
// (the excess must not be read) and guard NaNs around every operand.
func TestElementwise(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := newRand(11)
		for _, c := range elementwiseCases {
			for _, n := range tailSizes {
				for alias := -1; alias < c.nIn; alias++ {
					alpha := 0.0
					if c.alpha {
						alpha = []float64{-1.5, 0, math.Inf(1), math.NaN(), 3e-310}[n%5]
					}
					ins := make([][]float64, c.nIn)
					backs := make([][]float64, c.nIn)
					for k := range ins {
						// One extra element past len(dst) (not for aliased
						// inputs, which are dst itself).
						extra := 1
						if k == alias {
							extra = 0
						}
						ins[k], backs[k] = guarded(n+extra, func(i int) float64 { return ewInput(rng, i+k) })
						if extra == 1 {
							ins[k][n] = math.Float64frombits(guardBits)
						}
					}
					want := make([]float64, n)
					v := make([]float64, c.nIn)
					for i := range want {
						for k := range ins {
							v[k] = ins[k][i]
						}
						want[i] = c.want(v, alpha)
					}
					dst, db := guarded(n, nil)
					if alias >= 0 {
						dst, db = ins[alias], backs[alias]
					}
					c.call(dst, ins, alpha)
					for i := range n {
						if !sameBits(dst[i], want[i]) {
							t.Fatalf("%s n=%d alias=%d: dst[%d] = %v, want %v", c.name, n, alias, i, dst[i], want[i])
						}
					}
					checkGuards(t, "dst", db, all)
					for k := range ins {
						if k == alias {
							continue
						}
						checkGuards(t, fmt.Sprintf("input %d", k), backs[k], func(i int) bool { return i <= n })
					}
				}
			}
		}
	})
}

// TestElementwiseShortInput checks that a too-short input panics with the
// kernel's name instead of reading out of bounds.
func TestElementwiseShortInput(t *testing.T) {
	for _, c := range elementwiseCases {
		func() {
			defer func() {
				r := recover()
				if r == nil {
					t.Errorf("%s: no panic for a short input", c.name)
					return
				}
				if s := fmt.Sprint(r); len(s) < len(c.name) || s[:len("simd: ")+len(c.name)] != "simd: "+c.name {
					t.Errorf("%s: panic %q does not name the kernel", c.name, s)
				}
			}()
			ins := make([][]float64, c.nIn)
			for k := range ins {
				ins[k] = make([]float64, 5)
			}
			ins[c.nIn-1] = ins[c.nIn-1][:4]
			c.call(make([]float64, 5), ins, 1)
		}()
	}
}

func TestElementwiseAllocs(t *testing.T) {
	a, b, c, d := make([]float64, 37), make([]float64, 37), make([]float64, 37), make([]float64, 37)
	if n := testing.AllocsPerRun(10, func() {
		VAdd(d, a, b)
		VMulAdd(d, a, b, c)
		VScale(d, 2, a)
		VNeg(d, d)
	}); n != 0 {
		t.Errorf("elementwise kernels allocate %v times per run", n)
	}
}
