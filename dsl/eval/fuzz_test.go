package eval

import (
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/nodekit/nodekit/dsl"
)

// FuzzEval: every model that checks can be interpreted; Func, Jac, VJP,
// DfDt, Diffusion and Outputs never panic; and the symbolic derivative
// programs agree with reverse mode through f wherever both are finite
// (two independent derivations of the same numbers), with VJP = aᵀJ.
func FuzzEval(f *testing.F) {
	for _, path := range []string{"../testdata/examples.node", "../testdata/noise.node"} {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		for _, m := range strings.SplitAfter(string(src), "\n}\n") {
			f.Add(m, uint64(1))
		}
	}
	f.Add(allFunctionsModel, uint64(2))
	f.Add("model M {\n  state x = 0\n  x' = sqrt(x) + log(x) + x^0.5 + abs(x)/x\n}", uint64(3))
	f.Add("model M {\n  state x = 1e300, y = -1e300\n  x' = x*y + exp(x) - y^3\n  y' = ifelse(x - y, 1/y, pow(y, -2))\n}", uint64(4))
	f.Fuzz(func(t *testing.T, src string, seed uint64) {
		prog, err := dsl.Compile("fuzz.node", []byte(src))
		if err != nil {
			return
		}
		rng := rand.New(rand.NewPCG(seed, 7))
		for _, m := range prog.Models {
			if m.Dim > MaxSymbolicDim || m.NumParams > 1000 {
				continue // valid, but slow per input
			}
			sym, err := New(m, nil)
			if err != nil {
				t.Fatalf("%s: New: %v", m.Name, err)
			}
			rev, err := New(m, &Options{reverse: true})
			if err != nil {
				t.Fatalf("%s: New reverse: %v", m.Name, err)
			}
			n, np := m.Dim, m.NumParams
			y := sym.InitialState()
			if rng.IntN(2) == 0 {
				for i := range y {
					y[i] = 4*rng.Float64() - 2
				}
			}
			tt := rng.Float64()
			a := make([]float64, n)
			for i := range a {
				a[i] = rng.Float64() - 0.5
			}
			dy, J := make([]float64, n), make([]float64, n*n)
			ay, ap := make([]float64, n), make([]float64, np)
			for _, s := range []*System{sym, rev} {
				s.Func(tt, y, dy)
				s.Jac(tt, y, J)
				s.VJP(tt, y, a, ay, ap)
				s.DfDt(tt, y, dy)
				outs := make([]float64, s.NumOutputs())
				s.Outputs(tt, y, outs)
				if m.IsSDE() {
					g := make([]float64, len(m.Noise))
					s.Diffusion(tt, y, g)
				}
			}
			// Symbolic and reverse mode against each other.
			Js, Jr := make([]float64, n*n), make([]float64, n*n)
			sym.Jac(tt, y, Js)
			rev.Jac(tt, y, Jr)
			ays, ayr := make([]float64, n), make([]float64, n)
			aps, apr := make([]float64, np), make([]float64, np)
			sym.VJP(tt, y, a, ays, aps)
			rev.VJP(tt, y, a, ayr, apr)
			agree := func(what string, i int, x, z, scale float64) {
				if math.IsNaN(x) || math.IsInf(x, 0) || math.IsNaN(z) || math.IsInf(z, 0) || math.IsInf(scale, 0) {
					return
				}
				if math.Abs(x-z) > 1e-9*(1+math.Max(scale, math.Max(math.Abs(x), math.Abs(z)))) {
					t.Fatalf("%s: %s[%d]: symbolic %v, reverse %v at y = %v, t = %v", m.Name, what, i, x, z, y, tt)
				}
			}
			for i := range Js {
				agree("J", i, Js[i], Jr[i], 0)
			}
			for i := range ays {
				var want, scale float64
				for k := 0; k < n; k++ {
					want += a[k] * Js[k*n+i]
					scale += math.Abs(a[k] * Js[k*n+i])
				}
				agree("ay", i, ays[i], ayr[i], scale)
				agree("aᵀJ", i, ays[i], want, scale)
			}
			for i := range aps {
				agree("ap", i, aps[i], apr[i], 0)
			}
		}
	})
}

// FuzzFormatMeaning: `nodekit fmt` never changes what a model means: the
// formatted file checks to the same states, parameters and outputs, and
// its right-hand side, outputs and VJP are bit for bit those of the
// original at a random point.
func FuzzFormatMeaning(f *testing.F) {
	for _, path := range []string{"../testdata/examples.node", "../testdata/noise.node", "../testdata/format/messy.node"} {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		for _, m := range strings.SplitAfter(string(src), "\n}\n") {
			f.Add(m, uint64(1))
		}
	}
	f.Add("model M {\n  state x = 1, y = 2\n  x' = -x^2 - (-x)^2 + 2^-x^2 - (x - (y - x)) / (x/y/x)\n  y' = (x < y) + -(-y) + [x, y][1]^-1\n}", uint64(5))
	f.Fuzz(func(t *testing.T, src string, seed uint64) {
		file, err := dsl.Parse("fuzz.node", []byte(src))
		if err != nil {
			return
		}
		prog, err := dsl.Check(file)
		if err != nil {
			return
		}
		out := dsl.Format(file)
		prog2, err := dsl.Compile("fuzz.node", out)
		if err != nil {
			t.Fatalf("formatted file does not check: %v\n%s", err, out)
		}
		if len(prog.Models) != len(prog2.Models) {
			t.Fatalf("%d models, %d after formatting", len(prog.Models), len(prog2.Models))
		}
		rng := rand.New(rand.NewPCG(seed, 11))
		for k, m := range prog.Models {
			m2 := prog2.Models[k]
			if m.Name != m2.Name || m.Dim != m2.Dim || m.NumParams != m2.NumParams || m.IsSDE() != m2.IsSDE() ||
				strings.Join(m.StateNames(), ",") != strings.Join(m2.StateNames(), ",") {
				t.Fatalf("model %s changed shape: %s (%d, %d) → %s (%d, %d)", m.Name, m.Name, m.Dim, m.NumParams, m2.Name, m2.Dim, m2.NumParams)
			}
			if m.Dim > MaxSymbolicDim || m.NumParams > 1000 {
				continue
			}
			s1, err1 := New(m, &Options{reverse: true})
			s2, err2 := New(m2, &Options{reverse: true})
			if err1 != nil || err2 != nil {
				t.Fatalf("New: %v, %v", err1, err2)
			}
			for i, v := range m.DefaultParams() {
				if w := m2.DefaultParams()[i]; math.Float64bits(v) != math.Float64bits(w) {
					t.Fatalf("%s: default θ[%d] %v → %v", m.Name, i, v, w)
				}
			}
			y := s1.InitialState()
			y2 := s2.InitialState()
			for i := range y {
				if math.Float64bits(y[i]) != math.Float64bits(y2[i]) {
					t.Fatalf("%s: y0[%d] %v → %v", m.Name, i, y[i], y2[i])
				}
				y[i] = 4*rng.Float64() - 2
			}
			tt := rng.Float64()
			a := make([]float64, m.Dim)
			for i := range a {
				a[i] = rng.Float64() - 0.5
			}
			var res [2][]float64
			for j, s := range []*System{s1, s2} {
				dy, ay, ap := make([]float64, m.Dim), make([]float64, m.Dim), make([]float64, m.NumParams)
				outs := make([]float64, s.NumOutputs())
				s.Func(tt, y, dy)
				s.VJP(tt, y, a, ay, ap)
				s.Outputs(tt, y, outs)
				res[j] = append(append(append(dy, ay...), ap...), outs...)
			}
			if len(res[0]) != len(res[1]) {
				t.Fatalf("%s: %d values, %d after formatting", m.Name, len(res[0]), len(res[1]))
			}
			for i := range res[0] {
				if u, v := res[0][i], res[1][i]; math.Float64bits(u) != math.Float64bits(v) && !(math.IsNaN(u) && math.IsNaN(v)) {
					t.Fatalf("%s: value %d is %v, %v after formatting:\n%s", m.Name, i, u, v, out)
				}
			}
		}
	})
}
