package ode

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// stiffMethods are the implicit and linearly implicit methods.
var stiffMethods = []string{"rodas4", "rodas5p", "radau5"}

// oscillator is y” = −y as a first-order system: y = (cos t, −sin t).
var oscillator = &Func{N: 2,
	F: func(_ float64, y, dy []float64) { dy[0], dy[1] = y[1], -y[0] },
	J: func(_ float64, _ []float64, J []float64) { J[0], J[1], J[2], J[3] = 0, 1, -1, 0 },
}

func oscillatorAt(t float64, y []float64) { y[0], y[1] = math.Cos(t), -math.Sin(t) }

// expSinStiff is a non-autonomous nonlinear problem with exact solution
// (its ∂f/∂t goes through finite differences):
//
//	y0' = y0·cos t   → y0 = exp(sin t)
//	y1' = −2t·y1²    → y1 = 1/(1+t²)
var expSinStiff = &Func{N: 2, F: func(t float64, y, dy []float64) {
	dy[0] = y[0] * math.Cos(t)
	dy[1] = -2 * t * y[1] * y[1]
}}

func expSinStiffAt(t float64, y []float64) { y[0], y[1] = math.Exp(math.Sin(t)), 1/(1+t*t) }

func stiffMaxDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

// solveFixed integrates with constant steps h. Rosenbrock methods get
// huge tolerances and MaxStep h; radau5 gets tight tolerances (they set
// the Newton tolerance) and its fixedStep switch.
func solveFixed(t *testing.T, method string, sys System, y0, ts []float64, h float64, dense bool) *Solution {
	t.Helper()
	opts := &Options{Method: method, FirstStep: h, MaxStep: h, RTol: 1e6, ATol: 1e6, Dense: dense}
	if method == "radau5" {
		opts.RTol, opts.ATol = 1e-13, 1e-13
	}
	s, err := NewSolver(sys, opts)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := s.st.(*radau5); ok {
		r.fixedStep = true
	}
	sol := new(Solution)
	if err := s.Solve(y0, ts, sol); err != nil {
		t.Fatalf("%s h=%g: %v", method, h, err)
	}
	span := math.Abs(ts[len(ts)-1] - ts[0])
	if want := int(math.Round(span / h)); sol.Stats.Accepted != want || sol.Stats.Rejected != 0 {
		t.Fatalf("%s h=%g: %d steps (%d rejected), want %d constant steps", method, h, sol.Stats.Accepted, sol.Stats.Rejected, want)
	}
	return sol
}

// Order of the propagated solution on problems with exact solutions, from
// the errors at h and h/2. Rodas4's fourth-order error term happens to be
// tiny on expSin (it shows order ≈ 5 there), so it is measured on the
// oscillator, where the error is governed by its stability function.
func TestStiffConvergenceOrder(t *testing.T) {
	cases := []struct {
		method  string
		order   float64
		h       float64
		sys     System
		y0      []float64
		t1      float64
		exactAt func(float64, []float64)
	}{
		{"rodas4", 4, 0.2, oscillator, []float64{1, 0}, 10, oscillatorAt},
		{"radau5", 5, 0.2, oscillator, []float64{1, 0}, 10, oscillatorAt},
		{"rodas5p", 5, 0.1, expSinStiff, []float64{1, 1}, 4, expSinStiffAt},
		{"radau5", 5, 0.1, expSinStiff, []float64{1, 1}, 4, expSinStiffAt},
	}
	for _, c := range cases {
		exact := make([]float64, len(c.y0))
		c.exactAt(c.t1, exact)
		var errs [2]float64
		for i, h := range []float64{c.h, c.h / 2} {
			sol := solveFixed(t, c.method, c.sys, c.y0, []float64{0, c.t1}, h, false)
			errs[i] = stiffMaxDiff(sol.Y[1], exact)
		}
		p := math.Log2(errs[0] / errs[1])
		t.Logf("%-8s errors %.3e %.3e: order %.2f", c.method, errs[0], errs[1], p)
		if math.Abs(p-c.order) > 0.2 {
			t.Errorf("%s: measured order %.2f, want %g ± 0.2", c.method, p, c.order)
		}
	}
}

// Off-step dense output converges at min(p, q+1) for an interpolant of
// order q: Rodas4's is cubic (q = 3), Rodas5P's quartic (q = 4) and the
// Radau collocation polynomial has the stage order 3.
func TestStiffDenseOutputOrder(t *testing.T) {
	cases := []struct {
		method string
		want   float64
		h      float64
	}{
		{"rodas4", 4, 0.1}, {"rodas5p", 5, 0.1}, {"radau5", 4, 0.1},
	}
	const t1 = 4.0
	for _, c := range cases {
		var errs [2]float64
		for i, h := range []float64{c.h, c.h / 2} {
			ts := []float64{0}
			for s := 0.0; s < t1-1e-9; s += c.h {
				ts = append(ts, s+0.3*c.h, s+0.7*c.h)
			}
			ts = append(ts, t1)
			sol := solveFixed(t, c.method, expSinStiff, []float64{1, 1}, ts, h, true)
			ex, got := make([]float64, 2), make([]float64, 2)
			for k, tk := range ts {
				expSinStiffAt(tk, ex)
				errs[i] = math.Max(errs[i], stiffMaxDiff(sol.Y[k], ex))
				if err := sol.Eval(tk, got); err != nil {
					t.Fatal(err)
				}
				if d := stiffMaxDiff(got, sol.Y[k]); d > 1e-14 {
					t.Fatalf("%s: Eval(%g) differs from the saved value by %g", c.method, tk, d)
				}
			}
		}
		p := math.Log2(errs[0] / errs[1])
		t.Logf("%-8s dense errors %.3e %.3e: order %.2f", c.method, errs[0], errs[1], p)
		if math.Abs(p-c.want) > 0.3 {
			t.Errorf("%s: dense output order %.2f, want %g ± 0.3", c.method, p, c.want)
		}
	}
}

// The exact Jacobian and finite differences give the same solution to
// well within the tolerance; differences cost n evaluations per Jacobian.
func TestStiffJacobianExactVsFD(t *testing.T) {
	for _, m := range stiffMethods {
		opts := &Options{Method: m, RTol: 1e-8, ATol: 1e-10}
		ex, err := Solve(hires{}, hiresY0, []float64{0, hiresT1}, opts)
		if err != nil {
			t.Fatal(m, err)
		}
		fd, err := Solve(noJac{hires{}}, hiresY0, []float64{0, hiresT1}, opts)
		if err != nil {
			t.Fatal(m, err)
		}
		d := relErr(fd.Y[1], ex.Y[1], 1e-6)
		t.Logf("%s exact %+v", m, ex.Stats)
		t.Logf("%s fd    %+v (rel. difference %.1e)", m, fd.Stats, d)
		if d > 1e-6 {
			t.Errorf("%s: exact and FD Jacobian solutions differ by %.2e", m, d)
		}
		if ex.Stats.NJac == 0 || ex.Stats.NLU < ex.Stats.NJac {
			t.Errorf("%s: NJac %d, NLU %d: want Jacobians counted and at least one LU per Jacobian", m, ex.Stats.NJac, ex.Stats.NLU)
		}
		// FD costs exactly n = 8 evaluations per Jacobian on top of the
		// steps (HIRES is autonomous, so no ∂f/∂t differences).
		if fd.Stats.NJac == ex.Stats.NJac && fd.Stats.Steps() == ex.Stats.Steps() && fd.Stats.NFE-8*fd.Stats.NJac != ex.Stats.NFE {
			t.Errorf("%s: FD evaluations %d − 8·%d ≠ exact-Jacobian evaluations %d", m, fd.Stats.NFE, fd.Stats.NJac, ex.Stats.NFE)
		}
	}
}

// jacobianEval against a hand-written Jacobian and ∂f/∂t.
func TestJacobianFiniteDifferences(t *testing.T) {
	sys := &Func{N: 3, F: func(t float64, y, dy []float64) {
		dy[0] = math.Sin(t) * y[0] * y[1]
		dy[1] = y[2]*y[2] - 3*y[0] + t*t
		dy[2] = math.Exp(y[1]) / (1 + t)
	}}
	tt, y := 0.7, []float64{1.3, -0.4, 2.1}
	want := []float64{
		math.Sin(tt) * y[1], math.Sin(tt) * y[0], 0,
		-3, 0, 2 * y[2],
		0, math.Exp(y[1]) / (1 + tt), 0,
	}
	wantT := []float64{math.Cos(tt) * y[0] * y[1], 2 * tt, -math.Exp(y[1]) / ((1 + tt) * (1 + tt))}
	p := &problem{sys: sys, n: 3, f: sys.Func, stats: new(Stats), dir: 1}
	je := newJacobianEval(3)
	je.bind(sys)
	f0 := make([]float64, 3)
	sys.Func(tt, y, f0)
	J := make([]float64, 9)
	dT := make([]float64, 3)
	ycopy := append([]float64(nil), y...)
	je.jac(p, tt, y, f0, J)
	je.timeDerivative(p, tt, y, f0, dT)
	if stiffMaxDiff(y, ycopy) != 0 {
		t.Fatal("jac modified y")
	}
	if d := stiffMaxDiff(J, want); d > 1e-7 {
		t.Errorf("FD Jacobian off by %.2e:\n got %v\nwant %v", d, J, want)
	}
	if d := stiffMaxDiff(dT, wantT); d > 1e-7 {
		t.Errorf("FD ∂f/∂t off by %.2e: got %v want %v", d, dT, wantT)
	}
	if p.stats.NJac != 1 || p.stats.NFE != 4 {
		t.Errorf("stats %+v, want NJac 1 and NFE 4 (3 columns + ∂f/∂t)", *p.stats)
	}
}

// The LU kernels against a direct check A·x = b, real and complex.
func TestStiffLU(t *testing.T) {
	const n = 5
	a := make([]float64, n*n)
	ac := make([]complex128, n*n)
	for i := range a {
		a[i] = math.Sin(float64(3*i+1)) + 0.1*float64(i%7)
		ac[i] = complex(a[i], math.Cos(float64(i)))
	}
	a[0] = 0 // force a pivot swap
	b := []float64{1, -2, 3, 0.5, 4}
	bc := []complex128{1i, -2, 3 + 1i, 0.5, 4i}
	lu := append([]float64(nil), a...)
	luc := append([]complex128(nil), ac...)
	piv := make([]int, n)
	if !luFactor(lu, n, piv) {
		t.Fatal("luFactor reports a regular matrix singular")
	}
	x := append([]float64(nil), b...)
	luSolve(lu, n, piv, x)
	for i := 0; i < n; i++ {
		s := 0.0
		for j := 0; j < n; j++ {
			s += a[i*n+j] * x[j]
		}
		if math.Abs(s-b[i]) > 1e-12 {
			t.Errorf("real: (A·x)[%d] = %g, want %g", i, s, b[i])
		}
	}
	if !luFactorC(luc, n, piv) {
		t.Fatal("luFactorC reports a regular matrix singular")
	}
	xc := append([]complex128(nil), bc...)
	luSolveC(luc, n, piv, xc)
	for i := 0; i < n; i++ {
		var s complex128
		for j := 0; j < n; j++ {
			s += ac[i*n+j] * xc[j]
		}
		if cabs1(s-bc[i]) > 1e-12 {
			t.Errorf("complex: (A·x)[%d] = %v, want %v", i, s, bc[i])
		}
	}
	sing := []float64{1, 2, 2, 4}
	if luFactor(sing, 2, piv[:2]) {
		t.Error("luFactor accepted a singular matrix")
	}
}

// Failures end in bounded time with a SolveError naming t and h.
func TestStiffFailures(t *testing.T) {
	blowup := &Func{N: 1, F: func(_ float64, y, dy []float64) { dy[0] = y[0] * y[0] }}
	nanJac := &Func{N: 1,
		F: func(_ float64, y, dy []float64) { dy[0] = -y[0] },
		J: func(_ float64, _ []float64, J []float64) { J[0] = math.NaN() },
	}
	for _, m := range append(stiffMethods, "auto") {
		// y' = y², y(0) = 1 blows up at t = 1.
		_, err := Solve(blowup, []float64{1}, []float64{0, 2}, &Options{Method: m})
		var se *SolveError
		if !errors.As(err, &se) {
			t.Fatalf("%s blow-up: err = %v, want a *SolveError", m, err)
		}
		if se.T > 1.001 || se.T < 0.99 || !strings.Contains(err.Error(), "t=") || !strings.Contains(err.Error(), "h=") {
			t.Errorf("%s blow-up: %v, want a failure near t = 1 naming t and h", m, err)
		}
		t.Logf("%s blow-up: %v", m, err)
		if m == "auto" {
			continue
		}
		_, err = Solve(nanJac, []float64{1}, []float64{0, 1}, &Options{Method: m})
		if !errors.Is(err, ErrSingular) || !errors.As(err, &se) || se.T != 0 {
			t.Errorf("%s NaN Jacobian: err = %v, want ErrSingular at t = 0", m, err)
		}
	}
	// Too few steps.
	_, err := Solve(robertson{}, []float64{1, 0, 0}, []float64{0, 1e11}, &Options{Method: "radau5", MaxSteps: 10})
	if !errors.Is(err, ErrMaxSteps) {
		t.Errorf("MaxSteps 10: err = %v, want ErrMaxSteps", err)
	}
}

// Backward integration, save times between steps and events all work on
// the stiff steppers' dense output.
func TestStiffBackwardSaveEvents(t *testing.T) {
	for _, m := range append(stiffMethods, "auto") {
		ts := []float64{3, 2.5, 1.7, 1, 0.2, 0}
		sol, err := Solve(oscillator, []float64{math.Cos(3), -math.Sin(3)}, ts, &Options{Method: m, RTol: 1e-9, ATol: 1e-11})
		if err != nil {
			t.Fatal(m, err)
		}
		ex := make([]float64, 2)
		for k, tk := range ts {
			oscillatorAt(tk, ex)
			if d := stiffMaxDiff(sol.Y[k], ex); d > 1e-6 {
				t.Errorf("%s backward: error %.2e at t=%g", m, d, tk)
			}
		}
		// terminal event: the first zero of y0 = cos t after 0 is π/2
		ev := Event{Func: func(_ float64, y []float64) float64 { return y[0] }, Terminal: true}
		sol, err = Solve(oscillator, []float64{1, 0}, []float64{0, 1, 5}, &Options{Method: m, RTol: 1e-9, ATol: 1e-11, Events: []Event{ev}})
		if err != nil {
			t.Fatal(m, err)
		}
		if !sol.Terminated || math.Abs(sol.TEnd-math.Pi/2) > 1e-7 {
			t.Errorf("%s event at %.12f (terminated %v), want π/2", m, sol.TEnd, sol.Terminated)
		}
	}
}

// A warm Solver with a reused Solution allocates nothing per solve.
func TestStiffZeroAllocs(t *testing.T) {
	systems := []struct {
		name string
		sys  System
	}{{"exact J", vdpolUnscaled{10}}, {"FD J", noJac{vdpolUnscaled{10}}}, {"non-autonomous", expSinStiff}}
	for _, m := range append(stiffMethods, "auto") {
		for _, sc := range systems {
			for _, dense := range []bool{false, true} {
				s, err := NewSolver(sc.sys, &Options{Method: m, RTol: 1e-6, ATol: 1e-8, Dense: dense})
				if err != nil {
					t.Fatal(err)
				}
				sol := new(Solution)
				ts := []float64{0, 0.5, 1, 2, 4}
				y0 := []float64{2, 0}
				if sc.sys == expSinStiff {
					y0 = []float64{1, 1}
				}
				if err := s.Solve(y0, ts, sol); err != nil {
					t.Fatal(err)
				}
				allocs := testing.AllocsPerRun(5, func() {
					if err := s.Solve(y0, ts, sol); err != nil {
						t.Fatal(err)
					}
				})
				if allocs != 0 {
					t.Errorf("%s %s dense=%v: %.0f allocations per solve of %d steps, want 0", m, sc.name, dense, allocs, sol.Stats.Accepted)
				}
			}
		}
	}
}
