package simd

import (
	"math"
	"math/big"
	"testing"
)

type vmathCase struct {
	name   string
	vec    func(dst, x []float64)
	scalar func(float64) float64
	ref    func(float64) *big.Float
	// edges are points around the switch points and limits of the
	// kernel's piecewise formula.
	edges []float64
}

var vmathCases = []vmathCase{
	{"VExp", VExp, expKernel, refExp, []float64{709.782712893384, 709.7827128933841, -708.3964185322641, -745.1332191019411, -745.1332191019412, -744.44, 720, -760, 0.34657359027997264, -0.34657359027997264}},
	{"VTanh", VTanh, tanhKernel, refTanh, []float64{0.625, math.Nextafter(0.625, 1), math.Nextafter(0.625, 0), -0.625, 19.06, 22, 360, 361}},
	{"VSigmoid", VSigmoid, sigmoidKernel, refSigmoid, []float64{-708, -709.9, -744, -745.2, 36.7, 37.5, 40}},
	{"VSoftplus", VSoftplus, softplusKernel, refSoftplus, []float64{-708, -745.2, -744, 36, 37, 38, 709, 1e300, -1e300, 0.8813735870195429, -0.8813735870195429}},
}

// vmathSpecials are checked on every kernel: zeros, tiny, huge, infinite
// and NaN inputs.
var vmathSpecials = []float64{0, math.Copysign(0, -1), 5e-324, -5e-324, 1e-300, -1e-300, 1e-17, -1e-17, 1e-8, -1e-8,
	1, -1, 40, -40, 800, -800, 1.7e308, -1.7e308, math.Inf(1), math.Inf(-1), math.NaN()}

func vmathInput(rng interface{ Float64() float64 }, c vmathCase, i int) float64 {
	switch i % 9 {
	case 0:
		return vmathSpecials[(i/9)%len(vmathSpecials)]
	case 1:
		e := c.edges[(i/9)%len(c.edges)]
		return e * (1 + (rng.Float64()-0.5)*1e-14)
	case 2:
		return (rng.Float64() - 0.5) * math.Exp2(float64(int(rng.Float64()*80)-70))
	case 3:
		return (rng.Float64() - 0.5) * 1500
	}
	return (rng.Float64() - 0.5) * 16
}

// TestVMathLevels checks that every level returns the scalar kernel's bits
// for every tail length, in place and out of place, without touching
// memory around the operands.
func TestVMathLevels(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := newRand(21)
		for _, c := range vmathCases {
			for _, n := range append(tailSizes, 4099) {
				for k := range 4 {
					alias, narrow := k&1 == 1, k&2 == 2
					x, xb := guarded(n+1, func(i int) float64 {
						if narrow {
							// Mostly below tanh's split point, so that
							// whole vectors take the branch without exp.
							return (rng.Float64() - 0.5) * 1.3
						}
						return vmathInput(rng, c, i)
					})
					x[n] = math.Float64frombits(guardBits)
					dst, db := guarded(n, nil)
					if alias {
						dst, db = x[:n], xb
					}
					x0 := append([]float64(nil), x[:n]...)
					want := make([]float64, n)
					for i := range want {
						want[i] = c.scalar(x[i])
					}
					c.vec(dst, x)
					for i := range n {
						if !sameBits(dst[i], want[i]) {
							t.Fatalf("%s n=%d alias=%v: dst[%d] = %v (%#x), want %v (%#x) for x = %v",
								c.name, n, alias, i, dst[i], math.Float64bits(dst[i]), want[i], math.Float64bits(want[i]), x0[i])
						}
					}
					checkGuards(t, "dst", db, func(i int) bool { return i < n })
					if !alias {
						checkGuards(t, "x", xb, func(i int) bool { return i <= n })
					}
				}
			}
		}
	})
}

// TestVMathAccuracy measures the error of each kernel in ulps against a
// 200-bit reference, on random points over the whole range, the edges of
// the piecewise formulas and the specials.
func TestVMathAccuracy(t *testing.T) {
	n := 6000
	if testing.Short() {
		n = 1500
	}
	ranges := map[string][][2]float64{
		"VExp":      {{-746, 710}, {-1, 1}, {-1e-6, 1e-6}},
		"VTanh":     {{-20, 20}, {-1, 1}, {-1e-5, 1e-5}},
		"VSigmoid":  {{-746, 40}, {-40, 40}},
		"VSoftplus": {{-746, 746}, {-40, 40}, {-1, 1}},
	}
	rng := newRand(5)
	for _, c := range vmathCases {
		worst, at := 0.0, 0.0
		check := func(x float64) {
			got := c.scalar(x)
			if math.IsNaN(x) {
				if !math.IsNaN(got) {
					t.Errorf("%s(NaN) = %v", c.name, got)
				}
				return
			}
			if e := ulpError(got, c.ref(x)); e > worst {
				worst, at = e, x
			}
		}
		for _, x := range vmathSpecials {
			if math.IsInf(x, 0) || math.Abs(x) > 1e300 {
				continue // the reference's argument reduction needs finite x
			}
			check(x)
		}
		for _, e := range c.edges {
			for d := -3; d <= 3; d++ {
				x := e
				for range max(d, -d) {
					x = math.Nextafter(x, math.Copysign(math.Inf(1), float64(d)))
				}
				if math.Abs(x) < 1000 {
					check(x)
				}
			}
		}
		for _, r := range ranges[c.name] {
			for range n {
				check(r[0] + (r[1]-r[0])*rng.Float64())
			}
		}
		t.Logf("%s: max error %.3f ulp (at x = %v)", c.name, worst, at)
		if worst > 2 {
			t.Errorf("%s: error %.3f ulp at x = %v, want ≤ 2", c.name, worst, at)
		}
	}
}

// TestVMathInfinities pins the limits the 200-bit reference cannot reach.
func TestVMathInfinities(t *testing.T) {
	inf := math.Inf(1)
	cases := []struct {
		f       func(float64) float64
		name    string
		x, want float64
	}{
		{expKernel, "exp", inf, inf}, {expKernel, "exp", -inf, 0}, {expKernel, "exp", 1e308, inf}, {expKernel, "exp", -1e308, 0},
		{tanhKernel, "tanh", inf, 1}, {tanhKernel, "tanh", -inf, -1}, {tanhKernel, "tanh", 1e300, 1},
		{sigmoidKernel, "sigmoid", inf, 1}, {sigmoidKernel, "sigmoid", -inf, 0},
		{softplusKernel, "softplus", inf, inf}, {softplusKernel, "softplus", -inf, 0}, {softplusKernel, "softplus", 1e300, 1e300},
	}
	for _, c := range cases {
		if got := c.f(c.x); got != c.want {
			t.Errorf("%s(%v) = %v, want %v", c.name, c.x, got, c.want)
		}
	}
	if got := tanhKernel(math.Copysign(0, -1)); !sameBits(got, math.Copysign(0, -1)) {
		t.Errorf("tanh(-0) = %v, want -0", got)
	}
}

// TestVMathAgainstMath compares with the standard library on a million
// points per function: the difference is at most the sum of both errors
// (the standard library's are up to about 1.3 ulp on amd64).
func TestVMathAgainstMath(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	stdSigmoid := func(x float64) float64 {
		if x >= 0 {
			return 1 / (1 + math.Exp(-x))
		}
		e := math.Exp(x)
		return e / (1 + e)
	}
	stdSoftplus := func(x float64) float64 { return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }
	cases := []struct {
		name   string
		vec    func(dst, x []float64)
		std    func(float64) float64
		lo, hi float64
	}{
		{"VExp", VExp, math.Exp, -700, 700},
		{"VTanh", VTanh, math.Tanh, -20, 20},
		{"VSigmoid", VSigmoid, stdSigmoid, -40, 40},
		{"VSoftplus", VSoftplus, stdSoftplus, -40, 40},
	}
	rng := newRand(6)
	x, y := make([]float64, n), make([]float64, n)
	for _, c := range cases {
		for i := range x {
			x[i] = c.lo + (c.hi-c.lo)*rng.Float64()
		}
		c.vec(y, x)
		worst := 0.0
		for i, v := range x {
			want := c.std(v)
			d := math.Abs(y[i]-want) / math.Max(math.Abs(math.Nextafter(want, 0)-want), 5e-324)
			worst = math.Max(worst, d)
		}
		t.Logf("%s: max |difference| from the standard library %.0f ulp", c.name, worst)
		if worst > 3 {
			t.Errorf("%s differs from the standard library by %.0f ulp", c.name, worst)
		}
	}
}

func TestVMathAllocs(t *testing.T) {
	x, y := make([]float64, 23), make([]float64, 23)
	if n := testing.AllocsPerRun(10, func() {
		VTanh(y, x)
		VExp(y, x)
		VSigmoid(y, x)
		VSoftplus(y, x)
	}); n != 0 {
		t.Errorf("vector math allocates %v times per run", n)
	}
}
