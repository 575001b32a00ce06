package dsl

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// naive evaluates e node by node with the semantics of ops.go (and a^2 as
// a·a, as the Machine documents): the reference the superinstructions
// must reproduce bit for bit.
func naive(e *Expr, t float64, y, p []float64, memo map[*Expr]float64) float64 {
	if v, ok := memo[e]; ok {
		return v
	}
	var v float64
	switch e.Op {
	case OpConst:
		v = e.Value
	case OpTime:
		v = t
	case OpState:
		v = y[e.Index]
	case OpParam:
		v = p[e.Index]
	case OpIfElse:
		if naive(e.Args[0], t, y, p, memo) > 0 {
			v = naive(e.Args[1], t, y, p, memo)
		} else {
			v = naive(e.Args[2], t, y, p, memo)
		}
	default:
		a := naive(e.Args[0], t, y, p, memo)
		if len(e.Args) == 1 {
			v = apply1(e.Op, a)
		} else if e.Op == OpPow && e.Args[1].IsConst(2) {
			v = a * a
		} else {
			v = apply2(e.Op, a, naive(e.Args[1], t, y, p, memo))
		}
	}
	memo[e] = v
	return v
}

// randomDAG builds n random nodes over 3 states, 2 parameters and t,
// reusing earlier nodes so that some have one use (fusable) and some
// many. Arguments of log, sqrt, pow and division are kept positive.
func randomDAG(rng *rand.Rand, b *Builder, n int) []*Expr {
	pool := []*Expr{b.State(0), b.State(1), b.State(2), b.Param(0), b.Param(1), b.Time(), b.Const(0.75), b.Const(-1.25)}
	pick := func() *Expr {
		// Prefer recent nodes: deeper expressions, more single uses.
		k := len(pool) - 1 - int(math.Abs(rng.NormFloat64())*4)
		if k < 0 || rng.IntN(4) == 0 {
			k = rng.IntN(len(pool))
		}
		return pool[k]
	}
	pos := func(e *Expr) *Expr { return b.Add(b.Const(1.5), b.Mul(e, e)) }
	for len(pool) < n+8 {
		x, y := pick(), pick()
		var e *Expr
		switch rng.IntN(22) {
		case 0, 1, 2:
			e = b.Add(x, y)
		case 3, 4, 5:
			e = b.Sub(x, y)
		case 6, 7, 8, 9:
			e = b.Mul(x, y)
		case 10:
			e = b.Neg(x)
		case 11:
			e = b.Div(x, pos(y))
		case 12:
			e = b.Binary(OpPow, x, b.Const(2))
		case 13:
			e = b.Binary(OpPow, pos(x), b.Const(1.5))
		case 14:
			e = b.Binary(OpPow, pos(x), b.Unary(OpTanh, y))
		case 15:
			e = b.Unary([]Op{OpSin, OpCos, OpTanh, OpSigmoid, OpSoftplus, OpAbs, OpRelu}[rng.IntN(7)], x)
		case 16:
			e = b.Unary([]Op{OpLog, OpSqrt}[rng.IntN(2)], pos(x))
		case 17:
			e = b.Unary(OpExp, b.Unary(OpTanh, x))
		case 18:
			e = b.Binary([]Op{OpMin, OpMax}[rng.IntN(2)], x, y)
		case 19:
			e = b.IfElse(b.Sub(x, y), pick(), pick())
		case 20:
			e = b.Binary([]Op{OpLT, OpGE, OpNE}[rng.IntN(3)], x, y)
		case 21:
			e = b.Mul(x, b.Sub(y, pick())) // a·(b − c) shapes
		}
		if e.Op.IsLeaf() {
			continue
		}
		pool = append(pool, e)
	}
	return pool[8:]
}

func TestMachineMatchesNaiveBitForBit(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	fused := 0
	for trial := 0; trial < 200; trial++ {
		b := NewBuilder()
		nodes := randomDAG(rng, b, 30)
		// Two programs sharing nodes: the last nodes, and a random pick.
		r1 := nodes[len(nodes)-3:]
		r2 := []*Expr{nodes[rng.IntN(len(nodes))], nodes[rng.IntN(len(nodes))], nodes[len(nodes)-1]}
		m := NewMachine(3, 2, nil, r1, r2)
		if strings.Contains(m.Disasm(0)+m.Disasm(1), "mul") {
			fused++
		}
		for pt := 0; pt < 3; pt++ {
			y := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
			p := []float64{rng.NormFloat64(), rng.NormFloat64()}
			tt := rng.Float64()
			m.Load(tt, y, p)
			for k, roots := range [][]*Expr{r1, r2} {
				m.Run(k)
				memo := map[*Expr]float64{}
				for i, e := range roots {
					got, want := m.Root(k, i), naive(e, tt, y, p, memo)
					if math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
						t.Fatalf("trial %d program %d root %d = %v, node by node %v\n%s\n%s", trial, k, i, got, want, e, m.Disasm(k))
					}
				}
			}
		}
	}
	if fused == 0 {
		t.Error("no multiplication instruction in any program")
	}
}

// TestReverseMatchesSymbolic checks reverse mode through every
// instruction (superinstructions included) against the compiled symbolic
// derivatives.
func TestReverseMatchesSymbolic(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for trial := 0; trial < 150; trial++ {
		b := NewBuilder()
		nodes := randomDAG(rng, b, 25)
		roots := nodes[len(nodes)-2:]
		leaves := []*Expr{b.State(0), b.State(1), b.State(2), b.Param(0), b.Param(1), b.Time()}
		var derivs []*Expr
		for _, x := range leaves {
			derivs = append(derivs, b.DiffAll(roots, x, nil)...)
		}
		m := NewMachine(3, 2, nil, roots, derivs)
		y := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		p := []float64{rng.NormFloat64(), rng.NormFloat64()}
		tt := rng.Float64()
		a := []float64{rng.NormFloat64(), rng.NormFloat64()}
		m.Load(tt, y, p)
		m.Run(1)
		want := make([]float64, len(leaves))
		for j := range leaves {
			want[j] = a[0]*m.Root(1, 2*j) + a[1]*m.Root(1, 2*j+1)
		}
		m.Run(0)
		ay := make([]float64, 3)
		ap := []float64{0.25, -0.5} // accumulated into
		gt := m.Reverse(0, a, ay, ap)
		got := []float64{ay[0], ay[1], ay[2], ap[0] - 0.25, ap[1] + 0.5, gt}
		for j := range got {
			if math.IsNaN(want[j]) || math.Abs(want[j]) > 1e8 {
				continue
			}
			if d := math.Abs(got[j] - want[j]); d > 1e-9*(1+math.Abs(want[j])) {
				t.Errorf("trial %d: ∂/∂leaf%d reverse %v, symbolic %v\n%s", trial, j, got[j], want[j], m.Disasm(0))
			}
		}
	}
}

func TestMachineSuperinstructions(t *testing.T) {
	prog, err := Compile("l.node", []byte(`model Lorenz {
    param sigma = 10, rho = 28, beta = 8/3
    state x = 1, y = 1, z = 1
    x' = sigma*(y - x)
    y' = x*(rho - z) - y
    z' = x*y - beta*z
}

model Shared {
    param k = 2
    state x = 1, y = 2
    let u = x*y
    x' = u + k
    y' = u*u - x
}`))
	if err != nil {
		t.Fatal(err)
	}
	lor := prog.Model("Lorenz")
	m := NewMachine(lor.Dim, lor.NumDeclared, nil, lor.Eqs)
	want := "r7 = muldiff r3 r1 r0\nr8 = muldiffsub r0 r4 r2 r1\nr9 = mulsubmul r0 r1 r5 r2\nroots [r7 r8 r9]\n"
	if got := m.Disasm(0); got != want {
		t.Errorf("Lorenz program:\n%s\nwant\n%s", got, want)
	}
	// u = x·y has two uses: computed once, never folded.
	sh := prog.Model("Shared")
	m = NewMachine(sh.Dim, sh.NumDeclared, nil, sh.Eqs)
	dis := m.Disasm(0)
	if strings.Count(dis, "mul r0 r1") != 1 || m.NumInstructions(0) != 3 {
		t.Errorf("shared product not computed exactly once:\n%s", dis)
	}
	m.Load(0, []float64{1.5, -2}, []float64{2})
	m.Run(0)
	if got, want := m.Root(0, 0), -3.0+2; got != want {
		t.Errorf("x' = %v, want %v", got, want)
	}
	if got, want := m.Root(0, 1), 9.0-1.5; got != want {
		t.Errorf("y' = %v, want %v", got, want)
	}
}
