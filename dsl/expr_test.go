package dsl

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

func TestCompileExpr(t *testing.T) {
	ev, err := CompileExpr("x*exp(-y) + sin(x)^2", []string{"x", "y"})
	if err != nil {
		t.Fatal(err)
	}
	x, y := 0.8, 1.7
	want := x*math.Exp(-y) + math.Sin(x)*math.Sin(x)
	if got := ev.Eval([]float64{x, y}); math.Abs(got-want) > 1e-15 {
		t.Errorf("Eval = %v, want %v", got, want)
	}
	g := make([]float64, 2)
	ev.Grad([]float64{x, y}, g)
	if wx := math.Exp(-y) + 2*math.Sin(x)*math.Cos(x); math.Abs(g[0]-wx) > 1e-15 {
		t.Errorf("∂/∂x = %v, want %v", g[0], wx)
	}
	if wy := -x * math.Exp(-y); math.Abs(g[1]-wy) > 1e-15 {
		t.Errorf("∂/∂y = %v, want %v", g[1], wy)
	}
	vals := []float64{x, y}
	if a := testing.AllocsPerRun(100, func() { ev.Eval(vals); ev.Grad(vals, g) }); a != 0 {
		t.Errorf("%v allocations per call", a)
	}
	c := ev.Clone()
	if c.Eval(vals) != ev.Eval(vals) {
		t.Error("clone differs")
	}
	// t is an ordinary variable when listed.
	if ev, err := CompileExpr("t*2", []string{"t"}); err != nil || ev.Eval([]float64{3}) != 6 {
		t.Errorf("t as variable: %v", err)
	}
}

func TestCompileExprErrors(t *testing.T) {
	for _, c := range []struct {
		src  string
		vars []string
		kind error
	}{
		{"x + z", []string{"x"}, ErrUndefined},
		{"x + t", []string{"x"}, ErrUndefined},
		{"sin(x, x)", []string{"x"}, ErrArgCount},
		{"[x, x]", []string{"x"}, ErrDimension},
		{"x +", []string{"x"}, ErrSyntax},
	} {
		_, err := CompileExpr(c.src, c.vars)
		if !errors.Is(err, c.kind) {
			t.Errorf("%q: error %v, want %v", c.src, err, c.kind)
		}
	}
	for _, vars := range [][]string{{"x", "x"}, {"sin"}, {"1x"}} {
		if _, err := CompileExpr("1", vars); err == nil {
			t.Errorf("vars %q accepted", vars)
		}
	}
}

func ExampleCompileExpr() {
	f, err := CompileExpr("x*exp(-y)", []string{"x", "y"})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.4f\n", f.Eval([]float64{2, 1}))
	// Output: 0.7358
}
