package sindy

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/nodekit/nodekit/dsl"
	"github.com/nodekit/nodekit/dsl/eval"
	"github.com/nodekit/nodekit/runtime/ode"
	"gonum.org/v1/gonum/mat"
)

func TestNodeExportRoundTrip(t *testing.T) {
	tr := lorenzData()
	m, err := Fit([]Trajectory{tr}, &Settings{Names: []string{"x", "y", "z"}})
	if err != nil {
		t.Fatal(err)
	}
	src, err := m.Node("Found", tr.X[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", src)
	for _, want := range []string{"model Found {", "state x = -8, y = 8, z = 27", "x' = c0*x + c1*y", "z' = c5*z + c6*x*y"} {
		if !strings.Contains(src, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// The DSL accepts it, and its interpreter agrees with the model.
	prog, err := dsl.Compile("found.node", []byte(src))
	if err != nil {
		t.Fatalf("dsl rejects the export: %v\n%s", err, src)
	}
	sys, err := eval.New(prog.Model("Found"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ms := m.System()
	x := []float64{1.5, -2.25, 20}
	d1, d2 := make([]float64, 3), make([]float64, 3)
	ms.Func(0, x, d1)
	sys.Func(0, x, d2)
	for i := range d1 {
		if math.Abs(d1[i]-d2[i]) > 1e-12*math.Max(1, math.Abs(d1[i])) {
			t.Errorf("f_%d: model %v, .node interpreter %v", i, d1[i], d2[i])
		}
	}
	// Simulating the discovered model reproduces the data over a short
	// horizon (Lorenz is chaotic, so not forever).
	n := 250 // t ∈ [0, 0.5]
	ys, err := m.Simulate(tr.X[0], tr.T[:n], nil)
	if err != nil {
		t.Fatal(err)
	}
	sol, err := ode.Solve(sys, sys.InitialState(), tr.T[:n], &ode.Options{Method: "dop853", RTol: 1e-10, ATol: 1e-10})
	if err != nil {
		t.Fatal(err)
	}
	var e, e2 float64
	for i := range n {
		for j := range 3 {
			e = math.Max(e, math.Abs(ys[i][j]-tr.X[i][j]))
			e2 = math.Max(e2, math.Abs(sol.Y[i][j]-ys[i][j]))
		}
	}
	t.Logf("max |simulated − data| on [0, 0.5]: %.3g; .node vs model: %.3g", e, e2)
	if e > 0.05 {
		t.Errorf("simulation deviates from the data by %.3g", e)
	}
	if e2 > 1e-6 {
		t.Errorf(".node simulation deviates from the model's by %.3g", e2)
	}
}

func TestNodeExportFeatures(t *testing.T) {
	// A model using a constant, a custom term with '+' and a Fourier term.
	feats, err := Concat(Polynomial{Degree: 1}, Fourier{Frequencies: 2},
		Custom{{Expr: "x - y", Func: func(_ float64, x []float64) float64 { return x[0] - x[1] }}}).Features([]string{"x", "y"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range feats {
		names = append(names, f.Name)
	}
	want := "1,x,y,sin(1 x),cos(1 x),sin(1 y),cos(1 y),sin(2 x),cos(2 x),sin(2 y),cos(2 y),x - y"
	if got := strings.Join(names, ","); got != want {
		t.Errorf("names %s, want %s", got, want)
	}
	coef := mat.NewDense(2, len(feats), nil)
	coef.Set(0, 0, 1.5)
	coef.Set(0, 7, -2e-7)
	coef.Set(1, 11, 3)
	m := &Model{Names: []string{"x", "y"}, Features: feats, Coef: coef}
	src, err := m.Node("M", []float64{0.5, 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"param c0 = 1.5, c1 = -2e-07", "x' = c0 + c1*sin(2*x)", "y' = c2*(x - y)"} {
		if !strings.Contains(src, w) {
			t.Errorf("output lacks %q:\n%s", w, src)
		}
	}
	prog, err := dsl.Compile("m.node", []byte(src))
	if err != nil {
		t.Fatalf("dsl rejects the export: %v\n%s", err, src)
	}
	sys, err := eval.New(prog.Model("M"), nil)
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{0.3, -1.2}
	d1, d2 := make([]float64, 2), make([]float64, 2)
	m.System().Func(0, x, d1)
	sys.Func(0, x, d2)
	for i := range d1 {
		if math.Abs(d1[i]-d2[i]) > 1e-14 {
			t.Errorf("f_%d: model %v, .node %v", i, d1[i], d2[i])
		}
	}
	if eq := m.Equations(2); eq[0] != "x' = 1.50 - 0.00 cos(2 x)" && eq[0] != "x' = 1.50 - 0.00 sin(2 x)" {
		t.Errorf("equation %q", eq[0])
	}
	if _, err := m.Node("model", []float64{0, 0}); !errors.Is(err, ErrName) {
		t.Errorf("keyword as model name: %v", err)
	}
	if _, err := m.Node("M", []float64{0}); !errors.Is(err, ErrShape) {
		t.Errorf("short x0: %v", err)
	}
}

func TestSimulateDivergence(t *testing.T) {
	// x' = x² blows up at t = 1/x0 = 1.
	feats, _ := Polynomial{Degree: 2}.Features([]string{"x"})
	coef := mat.NewDense(1, 3, []float64{0, 0, 1})
	m := &Model{Names: []string{"x"}, Features: feats, Coef: coef}
	ts := []float64{0, 0.5, 2}
	_, err := m.Simulate([]float64{1}, ts, nil)
	if !errors.Is(err, ErrDiverged) {
		t.Fatalf("error %v, want ErrDiverged", err)
	}
	if !strings.Contains(err.Error(), "t=0.99") && !strings.Contains(err.Error(), "t=1") {
		t.Errorf("error %q does not say the blow-up time (≈1)", err)
	}
	t.Log(err)
}
