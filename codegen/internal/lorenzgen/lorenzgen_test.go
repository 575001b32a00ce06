package lorenzgen

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/nodekit/nodekit/codegen"
	"github.com/nodekit/nodekit/dsl"
	"github.com/nodekit/nodekit/dsl/eval"
	"github.com/nodekit/nodekit/runtime/ode"
)

// TestUpToDate regenerates lorenz_gen.go and compares.
func TestUpToDate(t *testing.T) {
	src, err := os.ReadFile("lorenz.node")
	if err != nil {
		t.Fatal(err)
	}
	prog, err := dsl.Compile("lorenz.node", src)
	if err != nil {
		t.Fatal(err)
	}
	want, err := codegen.Go(prog, &codegen.Options{Package: "lorenzgen", Source: "lorenz.node"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("lorenz_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("lorenz_gen.go is stale: run go generate ./codegen/internal/lorenzgen")
	}
}

// TestFields: the parameters are exported fields that Params aliases.
func TestFields(t *testing.T) {
	m := NewLorenz()
	if m.Sigma != 10 || m.Rho != 28 || m.Beta != 8.0/3 {
		t.Fatalf("defaults σ=%v ρ=%v β=%v", m.Sigma, m.Rho, m.Beta)
	}
	p := m.Params()
	if len(p) != 3 || p[0] != 10 || p[1] != 28 || p[2] != 8.0/3 {
		t.Fatalf("Params() = %v", p)
	}
	m.Rho = 20
	p[2] = 1
	if p[1] != 20 || m.Beta != 1 {
		t.Errorf("Params does not alias the fields: %v, β=%v", p, m.Beta)
	}
	dy := make([]float64, 3)
	m.Func(0, []float64{1, 2, 3}, dy)
	if want := []float64{10 * (2 - 1), 1*(20-3) - 2, 1*2 - 1*3}; dy[0] != want[0] || dy[1] != want[1] || dy[2] != want[2] {
		t.Errorf("f = %v, want %v", dy, want)
	}
	if n := testing.AllocsPerRun(10, func() { _ = m.Params() }); n != 0 {
		t.Errorf("Params allocates %v times", n)
	}
	c := m.Clone().(*Lorenz)
	m.Sigma = 5
	if c.Sigma != 10 || c.Rho != 20 {
		t.Errorf("clone: σ=%v ρ=%v, want the values at Clone time", c.Sigma, c.Rho)
	}
}

// TestSoAForms: the fused loop and the simd kernel sequence compute what
// Func computes, state by state, across tiles, without allocating once
// warm.
func TestSoAForms(t *testing.T) {
	m := NewLorenz()
	for _, n := range []int{1, 127, 128, 1025, 3000} {
		Y := make([]float64, 3*n)
		for i := range Y {
			Y[i] = 20 * math.Sin(float64(7*i+1))
		}
		want := make([]float64, 3*n)
		y, f := make([]float64, 3), make([]float64, 3)
		for r := range n {
			for i := range 3 {
				y[i] = Y[i*n+r]
			}
			m.Func(0, y, f)
			for i := range 3 {
				want[i*n+r] = f[i]
			}
		}
		for name, call := range map[string]func(Y, dY []float64){
			"loop":    func(Y, dY []float64) { m.funcSoALoop(0, Y, dY, n) },
			"kernels": func(Y, dY []float64) { m.funcSoAKernels(0, Y, dY, n) },
			"FuncSoA": func(Y, dY []float64) { m.FuncSoA(0, Y, dY, n) },
		} {
			dY := make([]float64, 3*n)
			call(Y, dY)
			for i := range dY {
				if math.Abs(dY[i]-want[i]) > 1e-14*math.Abs(want[i]) {
					t.Fatalf("%s, batch %d: dY[%d] = %v, want %v", name, n, i, dY[i], want[i])
				}
			}
			if a := testing.AllocsPerRun(5, func() { call(Y, dY) }); a != 0 {
				t.Errorf("%s, batch %d: %v allocations", name, n, a)
			}
		}
	}
}

// handLorenz is runtime/ode's hand-written test Lorenz (σ=10, ρ=28, β=8/3).
type handLorenz struct{}

func (handLorenz) Dim() int { return 3 }
func (handLorenz) Func(_ float64, u, du []float64) {
	du[0] = 10 * (u[1] - u[0])
	du[1] = u[0]*(28-u[2]) - u[1]
	du[2] = u[0]*u[1] - 8.0/3.0*u[2]
}

func interpreted(t testing.TB) *eval.System {
	src, err := os.ReadFile("lorenz.node")
	if err != nil {
		t.Fatal(err)
	}
	prog, err := dsl.Compile("lorenz.node", src)
	if err != nil {
		t.Fatal(err)
	}
	s, err := eval.New(prog.Model("Lorenz"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSameTrajectory: the three systems give the same dopri5 solution
// (the generated and hand-written ones bit for bit, since they compute
// the same operations).
func TestSameTrajectory(t *testing.T) {
	opts := &ode.Options{Method: "dopri5", RTol: 1e-8, ATol: 1e-10}
	ts := []float64{0, 5}
	var ys [][]float64
	for _, sys := range []ode.System{NewLorenz(), handLorenz{}, interpreted(t)} {
		sol, err := ode.Solve(sys, []float64{1, 1, 1}, ts, opts)
		if err != nil {
			t.Fatal(err)
		}
		ys = append(ys, sol.Y[1])
	}
	for i := range ys[0] {
		if ys[0][i] != ys[1][i] {
			t.Errorf("generated y[%d] = %v, hand-written %v", i, ys[0][i], ys[1][i])
		}
		if ys[0][i] != ys[2][i] {
			t.Errorf("generated y[%d] = %v, interpreted %v", i, ys[0][i], ys[2][i])
		}
	}
}

func benchDopri5(b *testing.B, sys ode.System) {
	s, err := ode.NewSolver(sys, &ode.Options{Method: "dopri5", RTol: 1e-8, ATol: 1e-10})
	if err != nil {
		b.Fatal(err)
	}
	sol := new(ode.Solution)
	y0, ts := []float64{1, 1, 1}, []float64{0, 100}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Solve(y0, ts, sol); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(sol.Stats.NFE), "ns/f-eval")
}

// The yardstick of runtime/ode's BenchmarkLorenzDopri5: t ∈ [0, 100],
// rtol 1e-8, atol 1e-10.
func BenchmarkLorenzDopri5Generated(b *testing.B)   { benchDopri5(b, NewLorenz()) }
func BenchmarkLorenzDopri5HandWritten(b *testing.B) { benchDopri5(b, handLorenz{}) }
func BenchmarkLorenzDopri5Interpreted(b *testing.B) { benchDopri5(b, interpreted(b)) }

const batchN = 1024

func batchStates(n int) []float64 {
	Y := make([]float64, 3*n)
	for i := range Y {
		Y[i] = 1 + float64(i%17)/17
	}
	return Y
}

// batchSizes are the batch sizes of the batched-form benchmarks: small,
// in L1/L2, and beyond L2.
var batchSizes = []int{64, 1024, 16384}

// BenchmarkSoA compares, per batch size, four ways of evaluating f for
// batch states: batch calls of Func (through the interface, as solvers
// call it), the fused loop (funcSoALoop), the simd kernel sequence
// (funcSoAKernels), and FuncSoA, which picks one of the two by batch size.
// ns/state is the time per state.
func BenchmarkSoA(b *testing.B) {
	for _, n := range batchSizes {
		m := NewLorenz()
		Y, dY := batchStates(n), make([]float64, 3*n)
		var sys ode.System = m
		for _, v := range []struct {
			name string
			f    func()
		}{
			{"scalar", func() {
				for r := 0; r < n; r++ {
					sys.Func(0, Y[3*r:3*r+3], dY[3*r:3*r+3])
				}
			}},
			{"loop", func() { m.funcSoALoop(0, Y, dY, n) }},
			{"kernels", func() { m.funcSoAKernels(0, Y, dY, n) }},
			{"FuncSoA", func() { m.FuncSoA(0, Y, dY, n) }},
		} {
			b.Run(fmt.Sprintf("%s/batch=%d", v.name, n), func(b *testing.B) {
				v.f()
				for b.Loop() {
					v.f()
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/state")
			})
		}
	}
}

func BenchmarkFuncBatch(b *testing.B) {
	m := NewLorenz()
	Y, dY := batchStates(batchN), make([]float64, 3*batchN)
	for b.Loop() {
		m.FuncBatch(0, Y, dY, batchN)
	}
}

func BenchmarkVJPGenerated(b *testing.B) {
	m := NewLorenz()
	y, a, ay, ap := []float64{1, 2, 3}, []float64{0.1, 0.2, 0.3}, make([]float64, 3), make([]float64, 3)
	for b.Loop() {
		m.VJP(0, y, a, ay, ap)
	}
}

func BenchmarkVJPInterpreted(b *testing.B) {
	m := interpreted(b)
	y, a, ay, ap := []float64{1, 2, 3}, []float64{0.1, 0.2, 0.3}, make([]float64, 3), make([]float64, 3)
	for b.Loop() {
		m.VJP(0, y, a, ay, ap)
	}
}
