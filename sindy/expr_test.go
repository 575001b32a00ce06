package sindy

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/nodekit/nodekit/dsl"
	"github.com/nodekit/nodekit/dsl/eval"
	"gonum.org/v1/gonum/mat"
)

func TestExpressionsLibrary(t *testing.T) {
	feats, err := Expressions{"sin(x)", "x*exp(-y)", "t*y", "x^2 + 1"}.Features([]string{"x", "y"})
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{0.7, -0.4}
	want := []float64{math.Sin(0.7), 0.7 * math.Exp(0.4), 2 * -0.4, 0.49 + 1}
	for i, f := range feats {
		if got := f.Eval(2, x); math.Abs(got-want[i]) > 1e-15 {
			t.Errorf("%s = %v, want %v", f.Name, got, want[i])
		}
	}
	if _, err := (Expressions{"sin(x"}).Features([]string{"x"}); !errors.Is(err, ErrSettings) {
		t.Errorf("syntax error: %v, want ErrSettings", err)
	}
	if _, err := (Expressions{"q*x"}).Features([]string{"x"}); !errors.Is(err, ErrSettings) {
		t.Errorf("undefined name: %v, want ErrSettings", err)
	}
}

// TestDiscoverWithExpressions discovers a damped pendulum θ” = −sin θ − 0.2ω
// from a library of polynomial and expression terms, and exports it.
func TestDiscoverWithExpressions(t *testing.T) {
	f := func(x, dx []float64) {
		dx[0] = x[1]
		dx[1] = -math.Sin(x[0]) - 0.2*x[1]
	}
	var data []Trajectory
	for _, x0 := range [][]float64{{2, 0}, {-1, 1.5}, {0.5, -2}} {
		ts, xs := rk4(f, x0, 0.01, 1000, 4)
		data = append(data, Trajectory{T: ts, X: xs})
	}
	lib := Concat(Polynomial{Degree: 1}, Expressions{"sin(theta)", "cos(theta)", "omega*cos(theta)"})
	m, err := Fit(data, &Settings{Names: []string{"theta", "omega"}, Library: lib, Diff: FiniteDifference{Order: 4}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", m)
	want := mat.NewDense(2, 6, []float64{
		0, 0, 1, 0, 0, 0,
		0, 0, -0.2, -1, 0, 0,
	})
	abs, _ := supportAndError(t, m, want)
	if abs > 1e-4 {
		t.Errorf("max coefficient error %.3g", abs)
	}
	src, err := m.Node("Pendulum", data[0].X[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(src, "*sin(theta)") {
		t.Errorf("export lacks the sin term:\n%s", src)
	}
	prog, err := dsl.Compile("p.node", []byte(src))
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	sys, err := eval.New(prog.Model("Pendulum"), nil)
	if err != nil {
		t.Fatal(err)
	}
	y := []float64{0.3, 0.1}
	d1, d2 := make([]float64, 2), make([]float64, 2)
	m.System().Func(0, y, d1)
	sys.Func(0, y, d2)
	for i := range d1 {
		if math.Abs(d1[i]-d2[i]) > 1e-14 {
			t.Errorf("f_%d: %v vs .node %v", i, d1[i], d2[i])
		}
	}
}
