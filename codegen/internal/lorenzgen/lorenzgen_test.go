package lorenzgen

import (
	"bytes"
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

func batchStates() []float64 {
	Y := make([]float64, 3*batchN)
	for i := range Y {
		Y[i] = 1 + float64(i%17)/17
	}
	return Y
}

// BenchmarkFuncScalarLoop evaluates f for batchN states by batchN calls
// of Func; the two batched forms below do the same in one call.
func BenchmarkFuncScalarLoop(b *testing.B) {
	m := NewLorenz()
	Y, dY := batchStates(), make([]float64, 3*batchN)
	var sys ode.System = m // called through the interface, as solvers do
	for b.Loop() {
		for r := 0; r < batchN; r++ {
			sys.Func(0, Y[3*r:3*r+3], dY[3*r:3*r+3])
		}
	}
}

func BenchmarkFuncBatch(b *testing.B) {
	m := NewLorenz()
	Y, dY := batchStates(), make([]float64, 3*batchN)
	for b.Loop() {
		m.FuncBatch(0, Y, dY, batchN)
	}
}

func BenchmarkFuncSoA(b *testing.B) {
	m := NewLorenz()
	Y, dY := batchStates(), make([]float64, 3*batchN)
	for b.Loop() {
		m.FuncSoA(0, Y, dY, batchN)
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
