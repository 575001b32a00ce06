package eval

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"

	"github.com/nodekit/nodekit/dsl"
	"github.com/nodekit/nodekit/runtime/ode"
)

func examples(t testing.TB) *dsl.Program {
	t.Helper()
	src, err := os.ReadFile("../testdata/examples.node")
	if err != nil {
		t.Fatal(err)
	}
	prog, err := dsl.Compile("examples.node", src)
	if err != nil {
		t.Fatal(err)
	}
	return prog
}

func compile(t testing.TB, src, name string) *System {
	t.Helper()
	prog, err := dsl.Compile("test.node", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	m := prog.Model(name)
	if m == nil {
		t.Fatalf("no model %s", name)
	}
	s, err := New(m, &Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLorenzFunc(t *testing.T) {
	s := compile(t, `model L {
    param sigma = 10, rho = 28, beta = 8/3
    state x = 1, y = 1, z = 1
    x' = sigma*(y - x)
    y' = x*(rho - z) - y
    z' = x*y - beta*z
}`, "L")
	y := []float64{1.5, -2, 3.25}
	dy := make([]float64, 3)
	s.Func(0.3, y, dy)
	want := []float64{10 * (y[1] - y[0]), y[0]*(28-y[2]) - y[1], y[0]*y[1] - 8.0/3*y[2]}
	for i := range want {
		if dy[i] != want[i] {
			t.Errorf("dy[%d] = %v, want %v", i, dy[i], want[i])
		}
	}
	if !s.Autonomous() {
		t.Error("Lorenz should be autonomous")
	}
	if got := s.AsSeparable(); got != nil {
		t.Error("Lorenz is not separable")
	}
}

// randomPoint fills y with values in [-1.5, 1.5] (kept positive where a log
// or sqrt needs it is the caller's business).
func randomPoint(rng *rand.Rand, y []float64) {
	for i := range y {
		y[i] = 3*rng.Float64() - 1.5
	}
}

// checkDerivatives compares Jac, VJP (state and parameter parts) and DfDt
// with central finite differences at random points.
func checkDerivatives(t *testing.T, s *System, rng *rand.Rand, tol float64) {
	t.Helper()
	n := s.Dim()
	np := len(s.Params())
	for trial := 0; trial < 3; trial++ {
		y := make([]float64, n)
		randomPoint(rng, y)
		tt := rng.Float64()
		J := make([]float64, n*n)
		s.Jac(tt, y, J)
		Jfd := mat.NewDense(n, n, nil)
		fd.Jacobian(Jfd, func(dst, x []float64) { s.Func(tt, x, dst) }, y, &fd.JacobianSettings{Formula: fd.Central})
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				if d := math.Abs(J[i*n+j] - Jfd.At(i, j)); d > tol*(1+math.Abs(J[i*n+j])) {
					t.Errorf("%s: J[%d][%d] = %v, finite differences %v", s.Model.Name, i, j, J[i*n+j], Jfd.At(i, j))
				}
			}
		}
		a := make([]float64, n)
		randomPoint(rng, a)
		ay := make([]float64, n)
		ap := make([]float64, np)
		for k := range ap {
			ap[k] = 0.5 // VJP accumulates into ap
		}
		s.VJP(tt, y, a, ay, ap)
		for j := 0; j < n; j++ {
			var want float64
			for i := 0; i < n; i++ {
				want += a[i] * J[i*n+j]
			}
			if d := math.Abs(ay[j] - want); d > 1e-12*(1+math.Abs(want)) {
				t.Errorf("%s: ay[%d] = %v, aᵀJ = %v", s.Model.Name, j, ay[j], want)
			}
		}
		dy := make([]float64, n)
		theta := s.Params()
		// Check a sample of parameters (all of them when few).
		step := 1
		if np > 40 {
			step = np / 40
		}
		for k := 0; k < np; k += step {
			orig := theta[k]
			g := fd.Derivative(func(v float64) float64 {
				theta[k] = v
				s.Func(tt, y, dy)
				theta[k] = orig
				var dot float64
				for i := range dy {
					dot += a[i] * dy[i]
				}
				return dot
			}, orig, &fd.Settings{Formula: fd.Central})
			if d := math.Abs(ap[k] - 0.5 - g); d > tol*(1+math.Abs(g)) {
				t.Errorf("%s: ap[%d] = %v, finite differences %v", s.Model.Name, k, ap[k]-0.5, g)
			}
		}
		dfdt := make([]float64, n)
		s.DfDt(tt, y, dfdt)
		for i := 0; i < n; i++ {
			g := fd.Derivative(func(v float64) float64 { s.Func(v, y, dy); return dy[i] }, tt, &fd.Settings{Formula: fd.Central})
			if d := math.Abs(dfdt[i] - g); d > tol*(1+math.Abs(g)) {
				t.Errorf("%s: df/dt[%d] = %v, finite differences %v", s.Model.Name, i, dfdt[i], g)
			}
		}
	}
}

func TestDerivativesExamples(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, m := range examples(t).Models {
		s, err := New(m, &Options{Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		checkDerivatives(t, s, rng, 1e-6)
	}
}

func TestDerivativesAllFunctions(t *testing.T) {
	s := compile(t, `model F {
    param a = 0.7, b = 1.3
    param w[2] = [0.5, -0.25]
    state x = 0.3, y = 0.8, z[2] = [0.1, 0.2]
    let u = x*y + a
    x' = sin(x) + cos(y)*tan(0.3*x) + exp(-a*x^2) + log(2 + y^2) + sqrt(3 + x*y)
    y' = abs(x - 0.05) + tanh(b*y) + sigmoid(x) + softplus(y) + relu(x + 0.01) + min(x, y) + max(x, a*y)
    z' = pow(2 + z^2, b) + ifelse(x - y, u*z, -z/u) + w*z + (1 + y^2)^(a + t) + x^-1.5*0 + 1/(2 + x*z) + sign(x)*z
}`, "F")
	rng := rand.New(rand.NewPCG(5, 6))
	checkDerivatives(t, s, rng, 1e-6)
	if s.Autonomous() {
		t.Error("model uses t but reports autonomous")
	}
}

func TestSecondOrderLowering(t *testing.T) {
	s := compile(t, `model P {
    const g = 9.81, L = 2
    param c = 0.1
    state theta = 1.0, theta' = 0.5
    theta'' = -g/L*sin(theta) - c*theta'
}`, "P")
	y := []float64{0.4, -0.3}
	dy := make([]float64, 2)
	s.Func(0, y, dy)
	if dy[0] != y[1] {
		t.Errorf("theta' = %v, want the velocity state %v", dy[0], y[1])
	}
	if want := -9.81/2*math.Sin(y[0]) - 0.1*y[1]; math.Abs(dy[1]-want) > 1e-15 {
		t.Errorf("theta'' = %v, want %v", dy[1], want)
	}
	if got := s.InitialState(); got[0] != 1 || got[1] != 0.5 {
		t.Errorf("initial state %v", got)
	}
}

func TestHamiltonianSpring(t *testing.T) {
	s := compile(t, `model S {
    param k = 2, m = 0.5
    coord q = 1
    momentum p = 0
    hamiltonian = p^2/(2*m) + k*q^2/2
}`, "S")
	y := []float64{0.3, -0.7}
	dy := make([]float64, 2)
	s.Func(0, y, dy)
	if want := y[1] / 0.5; math.Abs(dy[0]-want) > 1e-15 {
		t.Errorf("q' = %v, want p/m = %v", dy[0], want)
	}
	if want := -2 * y[0]; math.Abs(dy[1]-want) > 1e-15 {
		t.Errorf("p' = %v, want -k q = %v", dy[1], want)
	}
	sep := s.AsSeparable()
	if sep == nil {
		t.Fatal("spring should be separable")
	}
	v, f := make([]float64, 1), make([]float64, 1)
	sep.Velocity(y[1:], v)
	sep.Force(0, y[:1], f)
	if v[0] != dy[0] || f[0] != dy[1] {
		t.Errorf("Velocity/Force = %v, %v; Func = %v", v, f, dy)
	}
	// Exact solution: q = cos(ωt) with ω = sqrt(k/m) = 2.
	ts := []float64{0, 1, 2.5}
	sol, err := ode.Solve(s, s.InitialState(), ts, &ode.Options{RTol: 1e-10, ATol: 1e-12})
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range ts {
		if d := math.Abs(sol.Y[i][0] - math.Cos(2*tt)); d > 1e-7 {
			t.Errorf("q(%v) = %v, want %v", tt, sol.Y[i][0], math.Cos(2*tt))
		}
	}
	// Non-separable: H couples q and p.
	ns := compile(t, `model N {
    coord q = 1
    momentum p = 0
    hamiltonian = p^2*(1 + q^2)/2
}`, "N")
	if ns.AsSeparable() != nil {
		t.Error("coupled Hamiltonian reported separable")
	}
}

func TestOUDiffusion(t *testing.T) {
	s := compile(t, `model OU {
    param k = 0.7, mu = 1.5, s = 0.3
    state x = 0, v = 1
    x' = k*(mu - x)
    v' = -v
    noise x = s*(1 + x^2)
}`, "OU")
	y := []float64{0.5, 2}
	g := make([]float64, 2)
	s.Diffusion(0, y, g)
	if want := 0.3 * 1.25; math.Abs(g[0]-want) > 1e-15 || g[1] != 0 {
		t.Errorf("g = %v, want [%v 0]", g, want)
	}
	dg := make([]float64, 2)
	s.DiffusionDerivative(0, y, dg)
	if want := 0.3 * 2 * 0.5; math.Abs(dg[0]-want) > 1e-15 || dg[1] != 0 {
		t.Errorf("dg = %v, want [%v 0]", dg, want)
	}
	if s.NoiseDim() != 2 {
		t.Errorf("NoiseDim = %d", s.NoiseDim())
	}
}

func TestOutputsAndSet(t *testing.T) {
	s := compile(t, `model L {
    param a = 1, w[2] = [1, 2]
    state x = 1, h[2] = [3, 4]
    output r = sqrt(x^2 + a), v = w*h
    x' = -a*x
    h' = -h
}`, "L")
	if got := s.OutputNames(); len(got) != 3 || got[0] != "r" || got[2] != "v[1]" {
		t.Errorf("OutputNames = %v", got)
	}
	if err := s.SetParam("a", 3); err != nil {
		t.Fatal(err)
	}
	if err := s.SetParam("w[1]", 5); err != nil {
		t.Fatal(err)
	}
	out := make([]float64, 3)
	s.Outputs(0, []float64{1, 3, 4}, out)
	if out[0] != 2 || out[1] != 3 || out[2] != 20 {
		t.Errorf("outputs = %v, want [2 3 20]", out)
	}
	y0 := s.InitialState()
	if err := s.SetInitial(y0, "h[0]", 7); err != nil || y0[1] != 7 {
		t.Errorf("SetInitial: %v, %v", err, y0)
	}
	for _, bad := range []string{"nope", "w[2]", "w[x]", "w[1"} {
		if err := s.SetParam(bad, 1); err == nil {
			t.Errorf("SetParam(%q) succeeded", bad)
		}
	}
}

func TestSimulateExamples(t *testing.T) {
	for _, m := range examples(t).Models {
		s, err := New(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		ts := []float64{0, 0.5, 1}
		sol, err := ode.Solve(s, s.InitialState(), ts, nil)
		if err != nil {
			t.Errorf("%s: %v", m.Name, err)
			continue
		}
		for _, y := range sol.Y {
			for _, v := range y {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("%s: non-finite state %v", m.Name, y)
				}
			}
		}
	}
}

func TestPendulumEnergyDecays(t *testing.T) {
	m := examples(t).Model("Pendulum")
	s, _ := New(m, nil)
	energy := func(y []float64) float64 { return 0.5*y[1]*y[1] + 9.81*(1-math.Cos(y[0])) }
	ts := []float64{0, 5, 10}
	sol, err := ode.Solve(s, s.InitialState(), ts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !(energy(sol.Y[2]) < energy(sol.Y[1]) && energy(sol.Y[1]) < energy(sol.Y[0])) {
		t.Errorf("damped pendulum energy does not decay: %v %v %v", energy(sol.Y[0]), energy(sol.Y[1]), energy(sol.Y[2]))
	}
}

func TestNoAllocs(t *testing.T) {
	for _, m := range examples(t).Models {
		s, _ := New(m, nil)
		n := s.Dim()
		y := s.InitialState()
		dy := make([]float64, n)
		J := make([]float64, n*n)
		a := make([]float64, n)
		a[0] = 1
		ap := make([]float64, len(s.Params()))
		g := make([]float64, n)
		s.VJP(0, y, a, dy, ap) // warm up net workspaces
		allocs := testing.AllocsPerRun(20, func() {
			s.Func(0.1, y, dy)
			s.Jac(0.1, y, J)
			s.VJP(0.1, y, a, dy, ap)
			s.Diffusion(0.1, y, g)
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per call", m.Name, allocs)
		}
	}
}

func TestCloneIndependent(t *testing.T) {
	m := examples(t).Model("LotkaVolterraUDE")
	s, _ := New(m, nil)
	c := s.Clone()
	y := []float64{0.3, 0.9}
	d1, d2 := make([]float64, 2), make([]float64, 2)
	s.Func(0, y, d1)
	c.Func(0, y, d2)
	if d1[0] != d2[0] || d1[1] != d2[1] {
		t.Errorf("clone differs: %v vs %v", d1, d2)
	}
	s.Params()[m.NumDeclared] += 0.5 // a net weight: shared
	s.Func(0, y, d1)
	c.Func(0, y, d2)
	if d1[0] != d2[0] || d1[1] != d2[1] {
		t.Errorf("clone does not share parameters: %v vs %v", d1, d2)
	}
}

type lorenzHand struct{ sigma, rho, beta float64 }

func (l *lorenzHand) Dim() int { return 3 }
func (l *lorenzHand) Func(_ float64, y, dy []float64) {
	dy[0] = l.sigma * (y[1] - y[0])
	dy[1] = y[0]*(l.rho-y[2]) - y[1]
	dy[2] = y[0]*y[1] - l.beta*y[2]
}

func BenchmarkLorenzFunc(b *testing.B) {
	s, err := New(examples(b).Model("Lorenz"), nil)
	if err != nil {
		b.Fatal(err)
	}
	y := []float64{1, 2, 3}
	dy := make([]float64, 3)
	b.Run("interpreter", func(b *testing.B) {
		for b.Loop() {
			s.Func(0, y, dy)
		}
	})
	h := &lorenzHand{10, 28, 8.0 / 3}
	var sys ode.System = h
	b.Run("handwritten", func(b *testing.B) {
		for b.Loop() {
			sys.Func(0, y, dy)
		}
	})
}

func BenchmarkLorenzSolve(b *testing.B) {
	s, err := New(examples(b).Model("Lorenz"), nil)
	if err != nil {
		b.Fatal(err)
	}
	ts := []float64{0, 10}
	for _, c := range []struct {
		name string
		sys  ode.System
	}{{"interpreter", s}, {"handwritten", &lorenzHand{10, 28, 8.0 / 3}}} {
		b.Run(c.name, func(b *testing.B) {
			solver, err := ode.NewSolver(c.sys, &ode.Options{RTol: 1e-8, ATol: 1e-8})
			if err != nil {
				b.Fatal(err)
			}
			var sol ode.Solution
			for b.Loop() {
				if err := solver.Solve([]float64{1, 1, 1}, ts, &sol); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
