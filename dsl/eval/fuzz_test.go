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
