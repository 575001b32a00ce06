package dsl

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
)

// Symbolic derivatives evaluate to the same values as reverse mode and
// finite differences.
func TestDiffMatchesReverseMode(t *testing.T) {
	vars := []string{"x", "y", "t"}
	for _, src := range []string{
		"sin(x)*cos(y) + tan(0.3*x)",
		"exp(-x^2)*log(2 + y^2) + sqrt(3 + x*y)",
		"x/(1 + y^2) - (x - y)/(2 + x)",
		"pow(2 + x^2, y) + (1 + y^2)^(x + t)",
		"abs(x - 0.1) + tanh(x*y) + sigmoid(x) + softplus(y) + relu(x + 0.2)",
		"min(x, y) + max(x, 2*y) + ifelse(x - y, x*y, -x/y) + sign(x)*y",
		"x^3 + x^-1.5*0 + -(-x) + 2^x",
		"(x < y) + (x >= y)*x",
	} {
		ev := MustCompileExpr(src, vars)
		b := NewBuilder()
		e := b.Import(ev.Expr)
		derivs := make([]*Expr, len(vars))
		for i := range vars {
			derivs[i] = b.Diff(e, b.State(i))
		}
		m := NewMachine(len(vars), 0, nil, derivs)
		grad := make([]float64, len(vars))
		for _, pt := range [][]float64{{0.7, 1.3, 0.2}, {1.1, 0.4, 0.9}, {0.35, 0.8, 0.5}} {
			ev.Grad(pt, grad)
			m.Load(0, pt, nil)
			m.Run(0)
			for i := range vars {
				sym := m.Root(0, i)
				if math.Abs(sym-grad[i]) > 1e-12*(1+math.Abs(grad[i])) {
					t.Errorf("%s: ∂/∂%s symbolic %v, reverse mode %v", src, vars[i], sym, grad[i])
				}
				x := append([]float64(nil), pt...)
				num := fd.Derivative(func(v float64) float64 { x[i] = v; return ev.Eval(x) }, pt[i], &fd.Settings{Formula: fd.Central})
				if math.Abs(sym-num) > 1e-6*(1+math.Abs(num)) {
					t.Errorf("%s: ∂/∂%s symbolic %v, finite differences %v", src, vars[i], sym, num)
				}
			}
		}
	}
}

func TestDiffSimplifies(t *testing.T) {
	b := NewBuilder()
	x, y := b.State(0), b.State(1)
	for _, c := range []struct {
		e, wrt *Expr
		want   string
	}{
		{b.Mul(b.Const(3), x), x, "3"},
		{b.Add(b.Mul(x, x), y), y, "1"},
		{b.Binary(OpPow, x, b.Const(2)), x, "(2 * y[0])"},
		{b.Unary(OpSin, y), x, "0"},
		{b.Unary(OpExp, x), x, "exp(y[0])"},
	} {
		if got := b.Diff(c.e, c.wrt).String(); got != c.want {
			t.Errorf("d(%v)/d%v = %s, want %s", c.e, c.wrt, got, c.want)
		}
	}
	// Hash-consing: equal structure, same node.
	s1, s2 := b.Add(x, y), b.Add(x, y)
	if s1 != s2 || b.Const(math.Copysign(0, -1)) != b.Const(0) {
		t.Error("nodes are not shared")
	}
}

func TestModelDiffThroughNet(t *testing.T) {
	prog, err := Compile("m.node", []byte("model M {\n state x = 1, y = 2\n net U = mlp(x*y, x; out = 1)\n x' = U[0]\n y' = -y\n}"))
	if err != nil {
		t.Fatal(err)
	}
	m := prog.Models[0]
	d := m.Diff(m.Eqs[0], m.StateVar(0))
	// ∂U/∂x = J₀₀·y + J₀₁
	if got := d.String(); got != "((netjac0[0,0] * y[1]) + netjac0[0,1])" {
		t.Errorf("∂U/∂x = %s", got)
	}
}
