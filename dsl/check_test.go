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
		{"hamiltonian net with two outputs", "coord q = 1\nmomentum p = 0\nnet H = mlp(q, p; out = 2)\nhamiltonian = H", ErrDimension, "5:15", "the hamiltonian must be a scalar, got 2 components"},
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
		{"wiener product", "state x = 1\nwiener w[2]\nx' = 1\nnoise x = w[0]*w[1]", ErrInvalid, "5:11", "not linear in the Wiener increments: a product of Wiener increments"},
		{"wiener square", "state x = 1\nwiener w\nx' = 1\nnoise x = 0.1*w^2", ErrInvalid, "5:11", "a Wiener increment in a power"},
		{"wiener pow", "state x = 1\nwiener w\nx' = 1\nnoise x = pow(w, 2)", ErrInvalid, "5:11", "a Wiener increment in a power"},
		{"wiener in function", "state x = 1\nwiener w\nx' = 1\nnoise x = 1 + x*sin(w)", ErrInvalid, "5:11", "a Wiener increment inside sin(…)"},
		{"wiener in denominator", "state x = 1\nwiener w\nx' = 1\nnoise x = x/w", ErrInvalid, "5:11", "a Wiener increment in a denominator"},
		{"wiener in condition", "state x = 1\nwiener w\nx' = 1\nnoise x = ifelse(w, x, 0)*w", ErrInvalid, "5:11", "in the condition of ifelse"},
		{"wiener in comparison", "state x = 1\nwiener w\nx' = 1\nnoise x = (w > 0)*x", ErrInvalid, "5:12", "a Wiener increment in a comparison"},
		{"wiener affine", "state x = 1\nwiener w\nx' = 1\nnoise x = 0.1*w + 0.2", ErrInvalid, "5:11", "a term without a Wiener increment"},
		{"wiener unused in noise", "state x = 1, y = 1\nwiener w\nx' = 1\ny' = 1\nnoise x = w\nnoise y = 0.3", ErrInvalid, "7:11", "it uses no Wiener increment"},
		{"wiener index range", "state x = 1\nwiener w[2]\nx' = 1\nnoise x = w[0] + w[2]", ErrDimension, "5:20", "index 2 out of range [0, 2)"},
		{"wiener scalar index", "state x = 1\nwiener w\nx' = 1\nnoise x = w[0]", ErrDimension, "5:12", "cannot index a scalar"},
		{"wiener in equation", "state x = 1\nwiener w\nx' = w\nnoise x = w", ErrInvalid, "4:6", "wiener w can only be used in noise lines"},
		{"wiener in let", "state x = 1\nwiener w\nlet a = 2*w\nx' = 1\nnoise x = w", ErrInvalid, "4:11", "wiener w can only be used in noise lines"},
		{"wiener in output", "state x = 1\nwiener w\noutput o = w\nx' = 1\nnoise x = w", ErrInvalid, "4:12", "wiener w can only be used in noise lines"},
		{"wiener in net", "state x = 1\nwiener w\nnet U = mlp(x, w; out = 1)\nx' = U[0]\nnoise x = w", ErrInvalid, "4:16", "wiener w can only be used in noise lines"},
		{"wiener as param value", "param a = w\nstate x = 1\nwiener w\nx' = 1\nnoise x = w", ErrInvalid, "2:11", "wiener w can only be used in noise lines"},
		{"wiener with value", "state x = 1\nwiener w = 1\nx' = 1\nnoise x = w", ErrInvalid, "3:12", "wiener w takes no value"},
		{"wiener bad size", "state x = 1\nwiener w[0]\nx' = 1\nnoise x = 1", ErrInvalid, "3:8", "size of w must be a positive integer"},
		{"wiener unused", "state x = 1\nwiener w[2]\nx' = 1\nnoise x = w[1]", ErrInvalid, "3:8", "Wiener process w[0] drives no state"},
		{"wiener without noise", "state x = 1\nwiener v\nx' = 1", ErrInvalid, "3:8", "Wiener process v drives no state"},
		{"wiener duplicate", "state x = 1\nwiener x\nx' = 1", ErrDuplicate, "3:8", "x is already declared as a state"},
		{"wiener equation", "state x = 1\nwiener w\nx' = 1\nw' = 1\nnoise x = w", ErrInvalid, "5:1", "equation for w, which is a wiener, not a state"},
		{"noise on wiener", "state x = 1\nwiener w\nx' = 1\nnoise w = 1", ErrInvalid, "5:7", "noise on w, which is a wiener"},
		{"wiener noise dimension", "state x = 1\nwiener w[2]\nx' = 1\nnoise x = 0.1*w", ErrDimension, "5:14", "noise for x has 2 components but the state has 1"},
		{"wiener noise twice", "state x = 1\nwiener w\nx' = 1\nnoise x = w\nnoise x = 2*w", ErrDuplicate, "6:7", "second noise for x"},
		{"wiener keyword", "state wiener = 1\nwiener' = 1", ErrInvalid, "2:7", "wiener is a keyword"},
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

// General noise: the coefficient of every Wiener increment, in
// runtime/sde's layout, and the kind of each model of testdata/noise.node.
func TestCheckGeneralNoise(t *testing.T) {
	src, err := os.ReadFile("testdata/noise.node")
	if err != nil {
		t.Fatal(err)
	}
	prog, err := Compile("noise.node", src)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		model string
		kind  NoiseKind
		m     int
		g     []string // Dim×m, row-major
	}{
		{"Correlated", NoiseAdditive, 2, []string{"p[0]", "0", "p[1]", "p[0]"}},
		{"GBMScalar", NoiseScalar, 1, []string{"(p[1] * y[0])", "(((-p[1]) / 2) * y[1])"}},
		{"Rotating", NoiseGeneral, 3, []string{
			"(p[0] * y[0])", "0", "(p[1] * sin(y[1]))",
			"0", "(p[0] * y[0])", "(p[1] * sin(y[1]))"}},
		{"Forced", NoiseAdditive, 1, []string{"(p[0] * (1 + t))"}},
	} {
		m := prog.Model(c.model)
		if m == nil {
			t.Fatalf("no model %s", c.model)
		}
		if !m.IsSDE() || m.NoiseKind != c.kind || m.NoiseDim != c.m {
			t.Errorf("%s: IsSDE %v, kind %v, m %d; want %v, %d", c.model, m.IsSDE(), m.NoiseKind, m.NoiseDim, c.kind, c.m)
		}
		got := make([]string, len(m.Noise))
		for i, e := range m.Noise {
			got[i] = e.String()
		}
		if strings.Join(got, "; ") != strings.Join(c.g, "; ") {
			t.Errorf("%s: g = %v, want %v", c.model, got, c.g)
		}
		// No placeholder leaf of a Wiener process is left.
		for _, e := range m.Noise {
			if DependsOn(e, func(l *Expr) bool { return l.Op == OpState && l.Index >= m.Dim }) {
				t.Errorf("%s: %v refers to a Wiener process", c.model, e)
			}
		}
	}
	rot := prog.Model("Rotating")
	if len(rot.Wieners) != 2 || rot.Wieners[1].Name != "v" || rot.Wieners[1].Offset != 2 || rot.Wieners[1].Vector || !rot.Wieners[0].Vector {
		t.Errorf("Rotating wieners: %+v %+v", rot.Wieners[0], rot.Wieners[1])
	}

	// The old form stays diagonal; an ODE has no noise.
	ex, err := os.ReadFile("testdata/examples.node")
	if err != nil {
		t.Fatal(err)
	}
	prog, err = Compile("examples.node", ex)
	if err != nil {
		t.Fatal(err)
	}
	if m := prog.Model("OU"); m.NoiseKind != NoiseDiagonal || m.NoiseDim != 1 || len(m.Wieners) != 0 {
		t.Errorf("OU: kind %v, m %d", m.NoiseKind, m.NoiseDim)
	}
	if m := prog.Model("Lorenz"); m.NoiseKind != NoNoise || m.NoiseDim != 0 || m.IsSDE() {
		t.Errorf("Lorenz: kind %v, m %d", m.NoiseKind, m.NoiseDim)
	}
}

// Linear forms that are not written as Σ c_j·w_j still lower to their
// coefficients: distributed products, ifelse with linear branches,
// divisions by free expressions, sums that cancel, nets as coefficients.
func TestCheckNoiseLinearForms(t *testing.T) {
	prog, err := Compile("m.node", []byte(`model M {
    param s = 0.5
    state x = 1, y = 2
    wiener w[2]
    net U = mlp(x; out = 1)
    x' = -x
    y' = -y
    noise x = s*(w[0] + x*w[1])/2 - -w[0] + ifelse(x - 1, w[1], 0)
    noise y = (w[1] + 1)*y - y + U[0]*w[0]
}`))
	if err != nil {
		t.Fatal(err)
	}
	m := prog.Models[0]
	want := []string{
		"((p[0] / 2) + 1)", "(((p[0] * y[0]) / 2) + ifelse((y[0] - 1), 1, 0))",
		"net0[0]", "y[1]",
	}
	got := make([]string, len(m.Noise))
	for i, e := range m.Noise {
		got[i] = e.String()
	}
	if m.NoiseKind != NoiseGeneral || strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("kind %v, g = %v, want %v", m.NoiseKind, got, want)
	}
}

func TestCheckNetHamiltonian(t *testing.T) {
	src := `model HNN {
    coord q = 1
    momentum p = 0
    net H = mlp(q, p; hidden = [8], act = tanh, out = 1)
    hamiltonian = H
}
model SepHNN {
    param m = 2
    coord q[2] = [1, 0]
    momentum p[2] = [0, 1]
    net V = mlp(q; hidden = [8], act = tanh, out = 1)
    hamiltonian = (p[0]^2 + p[1]^2)/(2*m) + V[0]
}
model TimeHNN {
    coord q = 1
    momentum p = 0
    net K = mlp(p, t; hidden = [4], act = tanh, out = 1)
    hamiltonian = K[0] + q^2/2
}
`
	prog, err := Compile("hnn.node", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	m := prog.Model("HNN")
	h := m.Hamiltonian
	if h.Separable {
		t.Error("HNN: a net of (q, p) is not separable")
	}
	// q' = ∂H/∂p is the net's input Jacobian entry (0, 1), p' = −(0, 0).
	if got, want := m.Eqs[0].String(), "netjac0[0,1]"; got != want {
		t.Errorf("HNN: q' = %s, want %s", got, want)
	}
	if got, want := m.Eqs[1].String(), "(-netjac0[0,0])"; got != want {
		t.Errorf("HNN: p' = %s, want %s", got, want)
	}
	// Differentiating again gives the net's Hessian, shared symmetrically.
	d := m.Diff(m.Eqs[0], m.StateVar(0))
	if got, want := d.String(), "nethess0[0,0,1]"; got != want {
		t.Errorf("HNN: ∂q'/∂q = %s, want %s", got, want)
	}
	if m.Diff(m.Eqs[1], m.StateVar(1)) != m.B.Neg(d) {
		t.Error("HNN: ∂p'/∂p should share the Hessian node of ∂q'/∂q")
	}
	s := prog.Model("SepHNN")
	if !s.Hamiltonian.Separable {
		t.Error("SepHNN: T(p) + V(q) with a net V(q) should be separable")
	}
	if got, want := s.Eqs[2].String(), "(-netjac0[0,0])"; got != want {
		t.Errorf("SepHNN: p0' = %s, want %s", got, want)
	}
	if prog.Model("TimeHNN").Hamiltonian.Separable {
		t.Error("TimeHNN: a kinetic energy that depends on t through the net is not separable")
	}
}
