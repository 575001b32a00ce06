package eval

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nodekit/nodekit/dsl"
)

const allFunctionsModel = `model F {
    param a = 0.7, b = 1.3
    param w[2] = [0.5, -0.25]
    state x = 0.3, y = 0.8, z[2] = [0.1, 0.2]
    let u = x*y + a
    x' = sin(x) + cos(y)*tan(0.3*x) + exp(-a*x^2) + log(2 + y^2) + sqrt(3 + x*y)
    y' = abs(x - 0.05) + tanh(b*y) + sigmoid(x) + softplus(y) + relu(x + 0.01) + min(x, y) + max(x, a*y)
    z' = pow(2 + z^2, b) + ifelse(x - y, u*z, -z/u) + w*z + (1 + y^2)^(a + t) + x^-1.5*0 + 1/(2 + x*z) + sign(x)*z
    noise x = a*(1 + x^2)*y
    noise z = b*sin(z)
}`

// TestSymbolicMatchesReverse compares the symbolic derivative programs of
// net-free models with reverse mode through f, at random points.
func TestSymbolicMatchesReverse(t *testing.T) {
	prog, err := dsl.Compile("f.node", []byte(allFunctionsModel))
	if err != nil {
		t.Fatal(err)
	}
	models := []*dsl.Model{prog.Model("F")}
	for _, m := range examples(t).Models {
		if len(m.Nets) == 0 {
			models = append(models, m)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, m := range models {
		sym, err := New(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		rev, err := New(m, &Options{reverse: true})
		if err != nil {
			t.Fatal(err)
		}
		if !sym.sym || rev.sym {
			t.Fatalf("%s: symbolic %v, reverse %v", m.Name, sym.sym, rev.sym)
		}
		n, np := m.Dim, m.NumParams
		for trial := 0; trial < 5; trial++ {
			y := make([]float64, n)
			a := make([]float64, n)
			randomPoint(rng, y)
			randomPoint(rng, a)
			tt := rng.Float64()
			type pair struct {
				what   string
				s, r   []float64
				direct func(s *System, dst []float64)
			}
			pairs := []pair{
				{what: "Jac", direct: func(s *System, d []float64) { s.Jac(tt, y, d) }, s: make([]float64, n*n), r: make([]float64, n*n)},
				{what: "VJP", direct: func(s *System, d []float64) { s.VJP(tt, y, a, d, nil) }, s: make([]float64, n), r: make([]float64, n)},
				{what: "VJP ap", direct: func(s *System, d []float64) {
					ay := make([]float64, n)
					for k := range d {
						d[k] = 1 // accumulated into
					}
					s.VJP(tt, y, a, ay, d)
				}, s: make([]float64, np), r: make([]float64, np)},
				{what: "DfDt", direct: func(s *System, d []float64) { s.DfDt(tt, y, d) }, s: make([]float64, n), r: make([]float64, n)},
				{what: "DiffusionDerivative", direct: func(s *System, d []float64) { s.DiffusionDerivative(tt, y, d) }, s: make([]float64, n), r: make([]float64, n)},
			}
			for _, p := range pairs {
				p.direct(sym, p.s)
				p.direct(rev, p.r)
				for i := range p.s {
					if d := math.Abs(p.s[i] - p.r[i]); d > 1e-12*(1+math.Abs(p.r[i])) || math.IsNaN(p.s[i]) != math.IsNaN(p.r[i]) {
						t.Errorf("%s %s[%d]: symbolic %v, reverse %v", m.Name, p.what, i, p.s[i], p.r[i])
					}
				}
			}
		}
	}
}

func TestNoAllocsAllPaths(t *testing.T) {
	prog, err := dsl.Compile("f.node", []byte(allFunctionsModel))
	if err != nil {
		t.Fatal(err)
	}
	models := append([]*dsl.Model{prog.Model("F")}, examples(t).Models...)
	for _, m := range models {
		for _, reverse := range []bool{false, true} {
			s, err := New(m, &Options{reverse: reverse})
			if err != nil {
				t.Fatal(err)
			}
			n := s.Dim()
			y := s.InitialState()
			dy := make([]float64, n)
			J := make([]float64, n*n)
			a := make([]float64, n)
			a[0] = 1
			ap := make([]float64, len(s.Params()))
			s.VJP(0, y, a, dy, ap) // warm up net workspaces
			allocs := testing.AllocsPerRun(20, func() {
				s.Func(0.1, y, dy)
				s.Jac(0.1, y, J)
				s.VJP(0.1, y, a, dy, ap)
				s.VJP(0.1, y, a, dy, nil)
				s.DfDt(0.1, y, dy)
				s.Diffusion(0.1, y, dy)
				s.DiffusionDerivative(0.1, y, dy)
			})
			if allocs != 0 {
				t.Errorf("%s (reverse %v): %v allocations per call", m.Name, reverse, allocs)
			}
		}
	}
}
