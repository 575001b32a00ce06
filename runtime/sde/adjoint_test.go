package sde

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
)

// gbmS is geometric Brownian motion with diagonal noise in one or more
// components, dy_i = μ y_i dt + σ y_i dW_i, params (μ, σ). Read in the
// Stratonovich sense its exact solution is y0 exp(μt + σW(t)); in the Itô
// sense y0 exp((μ − σ²/2)t + σW(t)).
type gbmS struct {
	n int
	p []float64
}

func (g *gbmS) Dim() int          { return g.n }
func (g *gbmS) Noise() NoiseKind  { return Diagonal }
func (g *gbmS) NoiseDim() int     { return g.n }
func (g *gbmS) Params() []float64 { return g.p }
func (g *gbmS) Func(_ float64, y, dy []float64) {
	for i := range dy {
		dy[i] = g.p[0] * y[i]
	}
}
func (g *gbmS) VJP(_ float64, y, a, ay, ap []float64) {
	for i := range ay {
		ay[i] = g.p[0] * a[i]
		if ap != nil {
			ap[0] += a[i] * y[i]
		}
	}
}
func (g *gbmS) Diffusion(_ float64, y, gg []float64) {
	for i := range gg {
		gg[i] = g.p[1] * y[i]
	}
}
func (g *gbmS) DiffusionVJP(_ float64, y, b, ay, ap []float64) {
	for i := range ay {
		ay[i] = g.p[1] * b[i]
		if ap != nil {
			ap[1] += b[i] * y[i]
		}
	}
}

// ouS is a two-component Ornstein–Uhlenbeck process dy_i = θ(μ_i − y_i) dt
// + σ dW_i, params (θ, μ_0, μ_1, σ); additive noise, so Itô and
// Stratonovich agree.
type ouS struct{ p []float64 }

func (o *ouS) Dim() int          { return 2 }
func (o *ouS) Noise() NoiseKind  { return Diagonal }
func (o *ouS) NoiseDim() int     { return 2 }
func (o *ouS) Params() []float64 { return o.p }
func (o *ouS) Func(_ float64, y, dy []float64) {
	for i := range dy {
		dy[i] = o.p[0] * (o.p[1+i] - y[i])
	}
}
func (o *ouS) VJP(_ float64, y, a, ay, ap []float64) {
	for i := range ay {
		ay[i] = -o.p[0] * a[i]
		if ap != nil {
			ap[0] += a[i] * (o.p[1+i] - y[i])
			ap[1+i] += a[i] * o.p[0]
		}
	}
}
func (o *ouS) Diffusion(_ float64, _, g []float64) { g[0], g[1] = o.p[3], o.p[3] }
func (o *ouS) DiffusionVJP(_ float64, _, b, ay, ap []float64) {
	ay[0], ay[1] = 0, 0
	if ap != nil {
		ap[3] += b[0] + b[1]
	}
}

type gradCase struct {
	name   string
	sys    Differentiable
	y0     []float64
	params []float64
}

func gradCases() []gradCase {
	return []gradCase{
		{"gbm", &gbmS{n: 1}, []float64{1.2}, []float64{0.4, 0.6}},
		{"ou", &ouS{}, []float64{0.3, -0.5}, []float64{1.5, 1, -0.2, 0.5}},
		{"cubic", &cubic{kind: Diagonal}, []float64{0.8, -0.4}, []float64{0.3, 0.5, 0.4, 0.6}},
		{"cubic-general", &cubic{kind: General}, []float64{0.8, -0.4}, []float64{0.3, 0.5, 0.4, 0.6, 0.2}},
	}
}

func setParams(sys Differentiable, p []float64) {
	switch s := sys.(type) {
	case *gbmS:
		s.p = append(s.p[:0], p...)
	case *ouS:
		s.p = append(s.p[:0], p...)
	case *cubic:
		s.p = append(s.p[:0], p...)
	default:
		copy(sys.Params(), p)
	}
}

// saveTimes and the loss L = Σ_k Σ_i (w_ki y_i(t_k) + ½ y_i(t_k)²) on them.
var saveTimes = []float64{0, 0.3, 0.55, 1}

func lossAt(k int, y []float64) float64 {
	s := 0.0
	for i, v := range y {
		s += (0.7*float64(k) - 0.4*float64(i) + 0.1) * v
		s += 0.5 * v * v
	}
	return s
}

func lossGradAt(k int, y, a []float64) {
	for i, v := range y {
		a[i] = 0.7*float64(k) - 0.4*float64(i) + 0.1 + v
	}
}

// forwardLoss solves on bm with method and dt and returns the loss.
func forwardLoss(t *testing.T, sys System, method string, y0 []float64, dt float64, bm BrownianPath) float64 {
	sol, err := Solve(sys, y0, saveTimes, bm, &Options{Method: method, Dt: dt})
	if err != nil {
		t.Fatal(err)
	}
	s := 0.0
	for k := range saveTimes {
		s += lossAt(k, sol.Y[k])
	}
	return s
}

// fdGradient is the central-difference gradient (params, then y0) of the
// forward loss on the same Brownian path.
func fdGradient(t *testing.T, c gradCase, method string, dt float64, bm BrownianPath) []float64 {
	np := len(c.params)
	x := append(append([]float64(nil), c.params...), c.y0...)
	f := func(x []float64) float64 {
		setParams(c.sys, x[:np])
		return forwardLoss(t, c.sys, method, x[np:], dt, bm)
	}
	g := fd.Gradient(nil, f, x, &fd.Settings{Formula: fd.Central, Step: 1e-6})
	setParams(c.sys, c.params)
	return g
}

type gradFunc func(sys Differentiable, y0, ts []float64, bm BrownianPath, dLdy LossGrad, gy0, gp []float64, opts *AdjointOptions) error

func gradient(t *testing.T, fn gradFunc, c gradCase, method string, dt float64, bm BrownianPath) []float64 {
	setParams(c.sys, c.params)
	gy0, gp := make([]float64, len(c.y0)), make([]float64, len(c.params))
	if err := fn(c.sys, c.y0, saveTimes, bm, lossGradAt, gy0, gp, &AdjointOptions{Method: method, Dt: dt}); err != nil {
		t.Fatal(err)
	}
	return append(gp, gy0...)
}

func relErr(got, want []float64) float64 {
	num, den := 0.0, 0.0
	for i := range want {
		num = math.Max(num, math.Abs(got[i]-want[i]))
		den = math.Max(den, math.Abs(want[i]))
	}
	return num / math.Max(den, 1e-300)
}

// DiscreteGradient is exact for the computed solution: it matches finite
// differences of the forward solve on the same path.
func TestDiscreteGradientFiniteDifferences(t *testing.T) {
	for _, c := range gradCases() {
		for _, method := range []string{MethodEuler, MethodHeun, MethodReversibleHeun} {
			bm := NewBrownianTree(0, 1, c.sys.NoiseDim(), 3, 1e-6)
			const dt = 1.0 / 50 // off the save times: short steps land on them
			got := gradient(t, DiscreteGradient, c, method, dt, bm)
			want := fdGradient(t, c, method, dt, bm)
			if e := relErr(got, want); e > 1e-7 {
				t.Errorf("%s/%s: relative error %.2g against finite differences\n got %v\nwant %v", c.name, method, e, got, want)
			}
		}
	}
}

// The adjoint reversible Heun step is the exact derivative of the forward
// reversible Heun solve (Kidger et al. 2021, section 3): with the forward
// path reconstructed by StepBack it agrees with the taped discrete gradient
// to rounding, at every step size.
func TestAdjointReversibleHeunExact(t *testing.T) {
	for _, c := range gradCases() {
		for _, dt := range []float64{1.0 / 16, 1.0 / 50, 1.0 / 400} {
			bm := NewBrownianTree(0, 1, c.sys.NoiseDim(), 11, 1e-6)
			adj := gradient(t, AdjointGradient, c, MethodReversibleHeun, dt, bm)
			disc := gradient(t, DiscreteGradient, c, MethodReversibleHeun, dt, bm)
			e := relErr(adj, disc)
			t.Logf("%s dt=%g: relative |adjoint − discrete| = %.2g", c.name, dt, e)
			if e > 1e-11 {
				t.Errorf("%s dt=%g: adjoint vs discrete relative difference %.2g\n adj %v\ndisc %v", c.name, dt, e, adj, disc)
			}
			if dt == 1.0/50 {
				want := fdGradient(t, c, MethodReversibleHeun, dt, bm)
				if e := relErr(adj, want); e > 1e-7 {
					t.Errorf("%s: adjoint vs finite differences %.2g", c.name, e)
				}
			}
		}
	}
}

// The backsolve adjoint (heun, midpoint) discretises the adjoint SDE, so it
// differs from the discretise-then-optimise gradient by O(dt): the
// difference must shrink with order ≈ 1 (commutative noise) and be small at
// the finest step.
func TestAdjointBacksolveConverges(t *testing.T) {
	dts := []float64{1.0 / 32, 1.0 / 64, 1.0 / 128, 1.0 / 256, 1.0 / 512}
	for _, c := range gradCases()[:3] {
		for _, method := range []string{MethodHeun, MethodMidpoint} {
			const seeds = 16
			errs := make([]float64, len(dts))
			for s := 0; s < seeds; s++ {
				bm := NewBrownianTree(0, 1, c.sys.NoiseDim(), uint64(20+s), 1e-7)
				for i, dt := range dts {
					adj := gradient(t, AdjointGradient, c, method, dt, bm)
					disc := gradient(t, DiscreteGradient, c, MethodHeun, dt, bm)
					errs[i] += relErr(adj, disc) / seeds
				}
			}
			order := slope(dts, errs)
			t.Logf("%s/%s: mean relative |adjoint − discrete| %v, order %.2f", c.name, method, fmtErrs(errs), order)
			if order < 0.75 || errs[len(errs)-1] > 5e-3 {
				t.Errorf("%s/%s: adjoint does not converge to the discrete gradient at order 1: %v (order %.2f)", c.name, method, errs, order)
			}
		}
	}
}

func fmtErrs(e []float64) string {
	s := ""
	for _, v := range e {
		s += fmt.Sprintf(" %.2g", v)
	}
	return s
}

// Geometric Brownian motion has an exact pathwise gradient: with
// y(t) = y0 exp(μt + σW(t)) (Stratonovich), ∂y/∂μ = t y, ∂y/∂σ = W y,
// ∂y/∂y0 = y/y0. Both adjoints converge to it; the Itô system converted
// with ItoToStratonovich converges to the Itô gradient.
func TestAdjointGBMExact(t *testing.T) {
	const mu, sigma, y0 = 0.4, 0.6, 1.2
	bm := NewBrownianTree(0, 1, 1, 5, 1e-7)
	w := make([]float64, 1)
	exact := func(ito bool) []float64 {
		g := make([]float64, 3)
		for k, tk := range saveTimes {
			bm.Eval(tk, w)
			drift := mu
			if ito {
				drift -= sigma * sigma / 2
			}
			y := y0 * math.Exp(drift*tk+sigma*w[0])
			a := make([]float64, 1)
			lossGradAt(k, []float64{y}, a)
			dsig := w[0] * y
			if ito {
				dsig -= sigma * tk * y
			}
			g[0] += a[0] * tk * y
			g[1] += a[0] * dsig
			g[2] += a[0] * y / y0
		}
		return g
	}
	ito, err := ItoToStratonovich(&gbmS{n: 1, p: []float64{mu, sigma}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		sys    Differentiable
		method string
		exact  []float64
	}{
		{"strat/reversible_heun", &gbmS{n: 1}, MethodReversibleHeun, exact(false)},
		{"strat/heun", &gbmS{n: 1}, MethodHeun, exact(false)},
		{"ito/reversible_heun", ito, MethodReversibleHeun, exact(true)},
		{"ito/midpoint", ito, MethodMidpoint, exact(true)},
	} {
		gc := gradCase{c.name, c.sys, []float64{y0}, []float64{mu, sigma}}
		var errs []float64
		for _, dt := range []float64{1.0 / 64, 1.0 / 256, 1.0 / 1024} {
			errs = append(errs, relErr(gradient(t, AdjointGradient, gc, c.method, dt, bm), c.exact))
		}
		t.Logf("%s: relative error against the exact gradient at dt = 1/64, 1/256, 1/1024:%s", c.name, fmtErrs(errs))
		if !(errs[2] < errs[0]/8) || errs[2] > 2e-3 {
			t.Errorf("%s: errors %v do not converge to the exact gradient", c.name, errs)
		}
	}
}

// The Stratonovich form's VJP (with its finite-difference second
// derivatives) matches finite differences of its drift.
func TestItoToStratonovichVJP(t *testing.T) {
	base := &cubic{kind: Diagonal, p: []float64{0.3, 0.5, 0.4, 0.6}}
	s, err := ItoToStratonovich(base)
	if err != nil {
		t.Fatal(err)
	}
	y := []float64{0.8, -0.4}
	a := []float64{0.9, -1.7}
	ay, ap := make([]float64, 2), make([]float64, 4)
	s.VJP(0, y, a, ay, ap)
	x := append(append([]float64(nil), base.p...), y...)
	dy := make([]float64, 2)
	f := func(x []float64) float64 {
		copy(base.p, x[:4])
		s.Func(0, x[4:], dy)
		return a[0]*dy[0] + a[1]*dy[1]
	}
	want := fd.Gradient(nil, f, x, &fd.Settings{Formula: fd.Central, Step: 1e-5})
	copy(base.p, x[:4])
	if e := relErr(append(ap, ay...), want); e > 1e-8 {
		t.Errorf("VJP relative error %.2g: got %v %v, want %v", e, ap, ay, want)
	}
	// Drift correction: f − ½ g g'.
	g0 := base.p[2]*math.Sin(y[0]) + 0.1
	f0 := base.p[0]*y[0] - base.p[1]*y[0]*y[0]*y[0] + 0.5*y[1] - 0.5*g0*base.p[2]*math.Cos(y[0])
	s.Func(0, y, dy)
	if math.Abs(dy[0]-f0) > 1e-15 {
		t.Errorf("drift %v, want %v", dy[0], f0)
	}
	if _, err := ItoToStratonovich(&cubic{kind: General, p: []float64{0, 0, 0, 0, 0}}); !errors.Is(err, ErrNoiseKind) {
		t.Errorf("general noise: %v", err)
	}
}

func TestGradientErrors(t *testing.T) {
	sys := &gbmS{n: 1, p: []float64{0.1, 0.2}}
	bm := NewBrownianTree(0, 1, 1, 1, 0)
	g1, g2 := make([]float64, 1), make([]float64, 2)
	for _, c := range []struct {
		name string
		err  error
		call func() error
	}{
		{"method", ErrUnknownMethod, func() error {
			return AdjointGradient(sys, []float64{1}, []float64{0, 1}, bm, lossGradAt, g1, g2, &AdjointOptions{Method: "sra1"})
		}},
		{"discrete method", ErrUnknownMethod, func() error {
			return DiscreteGradient(sys, []float64{1}, []float64{0, 1}, bm, lossGradAt, g1, g2, &AdjointOptions{Method: "midpoint"})
		}},
		{"dims", ErrDim, func() error {
			return AdjointGradient(sys, []float64{1, 2}, []float64{0, 1}, bm, lossGradAt, g1, g2, nil)
		}},
		{"times", ErrTimes, func() error {
			return AdjointGradient(sys, []float64{1}, []float64{0, 0}, bm, lossGradAt, g1, g2, nil)
		}},
		{"span", ErrPathSpan, func() error {
			return AdjointGradient(sys, []float64{1}, []float64{0, 2}, bm, lossGradAt, g1, g2, nil)
		}},
		{"dt", ErrNoStep, func() error {
			return AdjointGradient(sys, []float64{1}, []float64{0, 1}, bm, lossGradAt, g1, g2, &AdjointOptions{Dt: -1})
		}},
		{"blow-up", ErrNonFinite, func() error {
			big := &gbmS{n: 1, p: []float64{1e40, 0.2}}
			return AdjointGradient(big, []float64{1}, []float64{0, 1}, bm, lossGradAt, g1, g2, &AdjointOptions{Method: MethodHeun, Dt: 0.1})
		}},
	} {
		if err := c.call(); !errors.Is(err, c.err) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.err)
		}
	}
}

// The gradient routines allocate per call, never per step: the count does
// not depend on the number of steps.
func TestGradientAllocationsIndependentOfSteps(t *testing.T) {
	c := gradCases()[2]
	setParams(c.sys, c.params)
	bm := NewBrownianTree(0, 1, 2, 1, 1e-6)
	gy0, gp := make([]float64, 2), make([]float64, 4)
	for _, method := range []string{MethodReversibleHeun, MethodHeun, MethodMidpoint} {
		count := func(dt float64) float64 {
			return testing.AllocsPerRun(3, func() {
				if err := AdjointGradient(c.sys, c.y0, saveTimes, bm, lossGradAt, gy0, gp, &AdjointOptions{Method: method, Dt: dt}); err != nil {
					t.Fatal(err)
				}
			})
		}
		if a, b := count(1.0/16), count(1.0/1024); a != b {
			t.Errorf("%s: %v allocations with 16 steps, %v with 1024", method, a, b)
		}
	}
}
