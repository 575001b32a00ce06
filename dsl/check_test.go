package dsl

import (
	"errors"
	"math"
	"os"
	"strings"
	"testing"
)

func TestCheckExamples(t *testing.T) {
	src, err := os.ReadFile("testdata/examples.node")
	if err != nil {
		t.Fatal(err)
	}
	prog, err := Compile("examples.node", src)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ dim, declared, params int }{
		"Lorenz":           {3, 3, 3},
		"Pendulum":         {2, 1, 1},
		"OU":               {1, 3, 3},
		"Spring":           {2, 2, 2},
		"LotkaVolterraUDE": {2, 2, 2 + (2*5 + 5) + (5*5 + 5) + (5*2 + 2)},
		"Spiral":           {2, 0, (2*50 + 50) + (50*2 + 2)},
		"Augmented":        {5, 0, (6*64 + 64) + (64*64 + 64) + (64*5 + 5)},
	}
	if len(prog.Models) != len(want) {
		t.Fatalf("%d models, want %d", len(prog.Models), len(want))
	}
	for _, m := range prog.Models {
		w := want[m.Name]
		if m.Dim != w.dim || m.NumDeclared != w.declared || m.NumParams != w.params {
			t.Errorf("%s: dim %d, declared %d, params %d; want %+v", m.Name, m.Dim, m.NumDeclared, m.NumParams, w)
		}
		for i, e := range m.Eqs {
			if e == nil {
				t.Errorf("%s: no equation for component %d", m.Name, i)
			}
		}
	}
	if m := prog.Model("OU"); !m.IsSDE() || m.Noise[0].Op != OpParam {
		t.Errorf("OU noise = %v", m.Noise)
	}
	if m := prog.Model("Pendulum"); m.States[1].Kind != StateVelocity || m.States[1].Base != 0 || m.Eqs[0] != m.StateVar(1) {
		t.Errorf("Pendulum not lowered: %+v, eq0 %v", m.States[1], m.Eqs[0])
	}
	if m := prog.Model("Spring"); m.Hamiltonian == nil || !m.Hamiltonian.Separable {
		t.Error("Spring should be a separable Hamiltonian")
	}
	if m := prog.Model("Augmented"); m.States[1].Kind != StateAugment || m.States[1].Init[2] != 0 {
		t.Errorf("augmented state: %+v", m.States[1])
	}
	if m := prog.Model("Lorenz"); len(m.Outputs) != 1 || m.Outputs[0].Name != "radius" || len(m.Consts) != 1 || len(m.Lets) != 1 {
		t.Errorf("Lorenz outputs %v consts %v lets %v", m.Outputs, m.Consts, m.Lets)
	}
	if m := prog.Model("Lorenz"); math.Abs(m.Params[2].Default[0]-8.0/3) > 0 {
		t.Errorf("beta default %v", m.Params[2].Default)
	}
}

// Every kind of model error, with its position and message.
func TestCheckErrors(t *testing.T) {
	for _, c := range []struct {
		name, body string // body goes inside `model M {` … `}` starting on line 2
		kind       error
		pos        string // line:col
		msg        string
	}{
		{"undefined", "state x = 1\nx' = y", ErrUndefined, "3:6", "undefined name y"},
		{"undefined function", "state x = 1\nx' = foo(x)", ErrUndefined, "3:6", "unknown function foo"},
		{"undefined velocity", "state x = 1\nx' = x'", ErrUndefined, "3:6", "declare it as a state"},
		{"equation undefined", "state x = 1\nx' = 1\ny' = 2", ErrUndefined, "4:1", "undefined state y"},
		{"duplicate", "state x = 1\nparam x = 2\nx' = 1", ErrDuplicate, "3:7", "x is already declared as a state at 2:7"},
		{"duplicate net", "state x = 1\nnet x = mlp(x; out = 1)\nx' = 1", ErrDuplicate, "3:1", "already declared"},
		{"duplicate model", "state x = 1\nx' = 1\n}\nmodel M {\nstate y = 1\ny' = 1", ErrDuplicate, "5:1", "model M is already declared"},
		{"no equation", "state x = 1, y = 2\nx' = 1", ErrEquation, "2:14", "state y has no equation"},
		{"two equations", "state x = 1\nx' = 1\nx' = 2", ErrEquation, "4:1", "second equation for x (already defined at 3:1)"},
		{"equation for velocity too", "state x = 1, x' = 0\nx' = 1\nx'' = 2", ErrEquation, "3:1", "second equation for x"},
		{"velocity without equation", "state x = 1, x' = 0", ErrEquation, "2:14", "state x' has no equation"},
		{"second order without velocity", "state x = 1\nx'' = -x", ErrInvalid, "3:1", "second-order state x has no initial velocity: declare state x' = …"},
		{"third order", "state x = 1, x' = 0\nx''' = -x", ErrInvalid, "3:1", "order 3"},
		{"equation without prime", "state x = 1\nx' = 1\n(x)' = 2", ErrEquation, "4:1", "second equation"},
		{"equation for param", "param a = 1\nstate x = 1\nx' = 1\na' = 2", ErrInvalid, "5:1", "a, which is a param, not a state"},
		{"dimension add", "state h[2] = [1, 2], g[3] = [1, 2, 3]\nh' = h + g\ng' = g", ErrDimension, "3:8", "2 components against 3"},
		{"dimension equation", "state h[2] = [1, 2]\nh' = [1, 2, 3]", ErrDimension, "3:6", "equation for h has 2 components but the right-hand side has 3"},
		{"dimension init", "state h[2] = [1, 2, 3]\nh' = h", ErrDimension, "2:14", "has size 2 but its value has 3"},
		{"dimension group", "state x = 1\naugment a[2]\n(x, a)' = [1, 2]", ErrDimension, "4:11", "3 components"},
		{"dimension noise", "state x = 1\nx' = 1\nnoise x = [1, 2]", ErrDimension, "4:11", "noise for x has 2 components"},
		{"dimension hamiltonian", "coord q = 1\nmomentum p = 0\nhamiltonian = [q, p]", ErrDimension, "4:15", "must be a scalar"},
		{"dimension canonical", "coord q[2] = [1, 1]\nmomentum p = 0\nhamiltonian = p^2", ErrDimension, "4:1", "2 coordinate components but 1 momentum"},
		{"dimension velocity", "state x[2] = [1, 2], x' = 0\nx'' = x", ErrDimension, "2:22", "velocity x' has 1 components but x has 2"},
		{"arg count", "state x = 1\nx' = sin(x, x)", ErrArgCount, "3:6", "sin takes 1 argument, got 2"},
		{"arg count pow", "state x = 1\nx' = pow(x)", ErrArgCount, "3:6", "pow takes 2 arguments, got 1"},
		{"arg count ifelse", "state x = 1\nx' = ifelse(x, 1)", ErrArgCount, "3:6", "ifelse takes 3 arguments"},
		{"net without inputs", "state x = 1\nnet U = mlp(; out = 1)\nx' = U[0]", ErrArgCount, "3:1", "at least one input"},
		{"noise on param", "param s = 1\nstate x = 1\nx' = 1\nnoise s = 0.1", ErrInvalid, "5:7", "noise on s, which is a param"},
		{"noise on undefined", "state x = 1\nx' = 1\nnoise y = 0.1", ErrUndefined, "4:7", "noise on undefined state y"},
		{"noise twice", "state x = 1\nx' = 1\nnoise x = 0.1\nnoise x = 0.2", ErrDuplicate, "5:7", "second noise for x"},
		{"hamiltonian without canonical", "state x = 1\nx' = 1\nhamiltonian = x^2", ErrInvalid, "4:1", "hamiltonian without coordinates and momenta"},
		{"canonical without hamiltonian", "coord q = 1\nmomentum p = 0", ErrInvalid, "2:7", "q is a canonical variable but the model has no hamiltonian"},
		{"equation for coord", "coord q = 1\nmomentum p = 0\nhamiltonian = p^2 + q^2\nq' = p", ErrEquation, "5:1", "its equation comes from the hamiltonian"},
		{"hamiltonian twice", "coord q = 1\nmomentum p = 0\nhamiltonian = p^2\nhamiltonian = q^2", ErrDuplicate, "5:1", "second hamiltonian"},
		{"hamiltonian with net", "coord q = 1\nmomentum p = 0\nnet H = mlp(q, p; out = 1)\nhamiltonian = H[0]", ErrInvalid, "5:16", "neural term is not supported"},
		{"unknown activation", "state x = 1\nnet U = mlp(x; act = swoosh, out = 1)\nx' = U[0]", ErrInvalid, "3:22", "unknown activation swoosh"},
		{"unknown net kind", "state x = 1\nnet U = cnn(x; out = 1)\nx' = U[0]", ErrInvalid, "3:1", "unknown network kind cnn"},
		{"unknown net option", "state x = 1\nnet U = mlp(x; out = 1, depth = 3)\nx' = U[0]", ErrInvalid, "3:25", "unknown option depth"},
		{"net missing out", "state x = 1\nnet U = mlp(x; hidden = [3])\nx' = U[0]", ErrInvalid, "3:1", "missing option out"},
		{"net bad hidden", "state x = 1\nnet U = mlp(x; hidden = [3, 0], out = 1)\nx' = U[0]", ErrInvalid, "3:25", "positive integers"},
		{"net duplicate option", "state x = 1\nnet U = mlp(x; out = 1, out = 2)\nx' = U[0]", ErrDuplicate, "3:25", "option out is already set"},
		{"bad index range", "state h[2] = [1, 2]\nh' = [h[2], h[0]]", ErrDimension, "3:9", "index 2 out of range [0, 2)"},
		{"bad index negative", "state h[2] = [1, 2]\nh' = [h[-1], h[0]]", ErrDimension, "3:9", "out of range"},
		{"bad index fraction", "state h[2] = [1, 2]\nh' = [h[0.5], h[0]]", ErrInvalid, "3:9", "not an integer"},
		{"bad index variable", "state h[2] = [1, 2], x = 0\nh' = [h[x], h[0]]\nx' = 1", ErrInvalid, "3:9", "index must be a constant integer"},
		{"index scalar", "state x = 1\nx' = x[0]", ErrDimension, "3:7", "cannot index a scalar"},
		{"bad size", "state h[0] = 1\nh' = h", ErrInvalid, "2:7", "size of h must be a positive integer"},
		{"const not constant", "state x = 1\nconst c = x\nx' = c", ErrInvalid, "3:11", "must be a constant expression"},
		{"param not constant", "param a = t\nstate x = 1\nx' = a", ErrInvalid, "2:11", "must be a constant expression"},
		{"state init from param", "state x = b\nparam b = 1\nx' = 1", ErrInvalid, "2:11", "the value of state x must be a constant expression"},
		{"param from state", "param b = x\nstate x = 1\nx' = 1", ErrInvalid, "2:11", "state x is not a constant"},
		{"let cycle", "state x = 1\nlet a = b + 1\nlet b = a*2\nx' = a", ErrInvalid, "4:9", "let a is defined in terms of itself"},
		{"output in expression", "state x = 1\noutput o = x^2\nx' = o", ErrInvalid, "4:6", "output o cannot be used"},
		{"keyword name", "state t = 1\nt' = 1", ErrInvalid, "2:7", "t is a keyword"},
		{"function name", "state sin = 1\nsin' = 1", ErrInvalid, "2:7", "sin is a built-in function"},
		{"function as value", "state x = 1\nx' = exp", ErrInvalid, "3:6", "exp is a function"},
		{"mlp in expression", "state x = 1\nx' = mlp(x)", ErrInvalid, "3:6", "only be used in a net declaration"},
		{"prime on param", "param a' = 1\nstate x = 1\nx' = 1", ErrInvalid, "2:7", "only states may have primes"},
		{"velocity of nothing", "state v' = 1\nv'' = 1", ErrUndefined, "2:7", "not a declared state"},
		{"state without value", "state x\nx' = 1", ErrInvalid, "2:7", "state x needs a value"},
		{"augment with value", "augment a = 1\na' = 1", ErrInvalid, "2:13", "starts at zero"},
		{"empty vector", "state x = 1\nx' = [][0]", ErrDimension, "3:6", "empty vector"},
		{"no states", "param a = 1", ErrInvalid, "1:1", "model M has no states"},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := "model M {\n" + c.body + "\n}\n"
			_, err := Compile("m.node", []byte(src))
			if err == nil {
				t.Fatalf("no error for\n%s", src)
			}
			if !errors.Is(err, c.kind) {
				t.Errorf("error %q is not %v", err, c.kind)
			}
			first := strings.SplitN(err.Error(), "\n", 2)[0]
			if want := "m.node:" + c.pos + ": "; !strings.HasPrefix(first, want) || !strings.Contains(first, c.msg) {
				t.Errorf("error\n%s\nwant prefix %q and %q", err, want, c.msg)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) < 3 || !strings.HasSuffix(lines[2], "^") {
				t.Errorf("no caret excerpt in\n%s", err)
			}
		})
	}
}

func TestErrorCaret(t *testing.T) {
	_, err := Compile("m.node", []byte("model M {\n\tstate x = 1\n\tx' = sigma*x\n}\n"))
	want := "m.node:3:7: undefined name sigma\n    \tx' = sigma*x\n    \t     ^"
	if err == nil || err.Error() != want {
		t.Errorf("got\n%q\nwant\n%q", err, want)
	}
}

func TestSeveralErrorsSorted(t *testing.T) {
	_, err := Compile("m.node", []byte("model M {\n  state x = 1, y = 2\n  x' = a\n  y' = b\n}\n"))
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 2 || list[0].Pos.Line != 3 || list[1].Pos.Line != 4 {
		t.Fatalf("want two errors on lines 3 and 4, got %v", err)
	}
}

func TestCheckVectorsAndBroadcast(t *testing.T) {
	prog, err := Compile("m.node", []byte(`model V {
    param w[3] = 0.5
    const c = [1, 2, 3]
    state h[3] = 1
    let s = h*w + c
    h' = -s + 2
    output first = s[0]
}`))
	if err != nil {
		t.Fatal(err)
	}
	m := prog.Models[0]
	if m.Dim != 3 || m.NumDeclared != 3 || m.Params[0].Default[2] != 0.5 || m.States[0].Init[1] != 1 {
		t.Fatalf("model %+v", m)
	}
	ev := NewMachine(m.Dim, m.NumDeclared, nil, m.Eqs)
	ev.Load(0, []float64{1, 2, 3}, []float64{1, 1, 1})
	ev.Run(0)
	for i, want := range []float64{0, -2, -4} { // -(h*w + c) + 2
		if got := ev.Root(0, i); got != want {
			t.Errorf("h'[%d] = %v, want %v", i, got, want)
		}
	}
}
