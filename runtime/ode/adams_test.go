package ode

import (
	"errors"
	"math"
	"testing"
)

// admExpSin: y0' = y0·cos t, y1' = −2t·y1², exact y = (exp(sin t), 1/(1+t²)).
type admExpSin struct{}

func (admExpSin) Dim() int { return 2 }
func (admExpSin) Func(t float64, y, dy []float64) {
	dy[0] = y[0] * math.Cos(t)
	dy[1] = -2 * t * y[1] * y[1]
}
func admExpSinExact(t float64, y []float64) {
	y[0] = math.Exp(math.Sin(t))
	y[1] = 1 / (1 + t*t)
}

// admArenstorf is Hairer's Arenstorf orbit (restricted three-body problem),
// periodic with period admArenstorfT.
type admArenstorf struct{}

const admArenstorfT = 17.0652165601579625588917206249

var admArenstorfY0 = []float64{0.994, 0, 0, -2.00158510637908252240537862224}

func (admArenstorf) Dim() int { return 4 }
func (admArenstorf) Func(_ float64, y, dy []float64) {
	const mu = 0.012277471
	const mup = 1 - mu
	r1 := (y[0]+mu)*(y[0]+mu) + y[1]*y[1]
	r2 := (y[0]-mup)*(y[0]-mup) + y[1]*y[1]
	d1 := r1 * math.Sqrt(r1)
	d2 := r2 * math.Sqrt(r2)
	dy[0] = y[2]
	dy[1] = y[3]
	dy[2] = y[0] + 2*y[3] - mup*(y[0]+mu)/d1 - mu*(y[0]-mup)/d2
	dy[3] = y[1] - 2*y[2] - mup*y[1]/d1 - mu*y[1]/d2
}

// adamsSeeded integrates sys with the adams stepper at fixed order K and
// constant step h from t0 to t0+N·h, starting from the exact history
// (backward differences of f at t0, t0−h, …, t0−K·h), so that the global
// error is that of the order-(K+1) PECE formula alone. It returns the
// error at the end and the error of the dense output at 0.3 of the last
// step.
func adamsSeeded(t *testing.T, sys System, exact func(float64, []float64), K int, h float64, N int, t0 float64) (errEnd, errDense float64) {
	t.Helper()
	n := sys.Dim()
	opts := (&Options{Method: "adams"}).resolve(n)
	stats := new(Stats)
	p := &problem{sys: sys, n: n, f: sys.Func, opt: opts, stats: stats,
		t0: t0, t1: t0 + float64(N)*h, dir: 1, hmax: math.Inf(1)}
	a := newAdams(n, K)
	a.fixedH = true
	y, ynew := make([]float64, n), make([]float64, n)
	exact(t0, y)
	if _, err := a.init(p, t0, y); err != nil {
		t.Fatal(err)
	}
	// backward differences ∇^j f_n, j = 0..K, are φ_{j+1} for constant steps
	fs := make([][]float64, K+1)
	for j := range fs {
		tj := t0 - float64(j)*h
		yj := make([]float64, n)
		exact(tj, yj)
		fs[j] = make([]float64, n)
		sys.Func(tj, yj, fs[j])
	}
	for i := 1; i <= K+1; i++ {
		copy(a.phi[i], fs[0])
		for j := 0; j < K+1-i; j++ {
			for l := range fs[j] {
				fs[j][l] -= fs[j+1][l]
			}
		}
	}
	for i := 1; i <= K; i++ {
		a.psi[i] = float64(i) * h
	}
	a.k, a.kold, a.hold, a.ns, a.phase1 = K, K, 0, 0, false

	tt := t0
	for range N {
		ok, hn, err := a.step(tt, y, h, ynew)
		if err != nil || !ok || hn != h {
			t.Fatalf("fixed-order step: accepted %v, hnext %g, %v", ok, hn, err)
		}
		tt += h
		y, ynew = ynew, y
	}
	if a.k != K || a.kold != K {
		t.Fatalf("order changed to %d in fixed mode", a.k)
	}
	want := make([]float64, n)
	exact(tt, want)
	errEnd = dist2(y, want)
	ts := tt - 0.7*h
	got := make([]float64, n)
	a.interp(ts, got)
	exact(ts, want)
	errDense = dist2(got, want)
	if stats.NFE != 1+2*N || stats.Accepted != N {
		t.Fatalf("stats %+v, want NFE %d and %d accepted", *stats, 1+2*N, N)
	}
	return errEnd, errDense
}

// dist2 is the Euclidean distance; for the oscillator's mostly-phase error
// it varies smoothly with h, unlike the largest component.
func dist2(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += (a[i] - b[i]) * (a[i] - b[i])
	}
	return math.Sqrt(s)
}

func TestAdamsFixedOrderConvergence(t *testing.T) {
	// Order-K PECE with local extrapolation propagates the order-(K+1)
	// corrector, so the global error is O(h^{K+1}).
	const T = 4.0
	osc := symOscillator{omega: 1} // used here as a plain System
	cases := []struct {
		K        int
		nLo, nHi int // step counts: the error spans the asymptotic range
	}{{1, 200, 800}, {2, 100, 400}, {3, 80, 320}, {4, 60, 240}, {5, 40, 160}, {6, 40, 160},
		{7, 30, 120}, {8, 20, 80}, {9, 16, 64}, {10, 26, 52}, {11, 26, 52}, {12, 26, 52}}
	for _, c := range cases {
		var hs, ends, dense []float64
		for n := c.nLo; n <= c.nHi; n = max(n+1, n*6/5) {
			h := T / float64(n)
			e, d := adamsSeeded(t, osc, osc.exact, c.K, h, n, 0.5)
			hs, ends, dense = append(hs, h), append(ends, e), append(dense, d)
		}
		p, pd := fitOrder(hs, ends), fitOrder(hs, dense)
		t.Logf("order %2d: errors %.2e … %.2e → %.2f; dense %.2e … %.2e → %.2f",
			c.K, ends[0], ends[len(ends)-1], p, dense[0], dense[len(dense)-1], pd)
		want := float64(c.K + 1)
		if c.K > 10 {
			// Orders 11 and 12 reach the roundoff floor (1e-14) before the
			// leading error term dominates: the measured slope comes out
			// between K+1 and K+2, so only check that it is at least K+1.
			if p < want-0.2 || pd < want-0.2 {
				t.Errorf("order %d: measured orders %.2f (dense %.2f), want ≥ %g − 0.2", c.K, p, pd, want)
			}
			continue
		}
		if math.Abs(p-want) > 0.2 {
			t.Errorf("order %d: measured global order %.2f, want %g ± 0.2", c.K, p, want)
		}
		if math.Abs(pd-want) > 0.2 {
			t.Errorf("order %d: measured dense output order %.2f, want %g ± 0.2", c.K, pd, want)
		}
	}
}

func TestAdamsToleranceProportionality(t *testing.T) {
	kepler := func(t float64, y []float64) { keplerExact(0.5, t, y) }
	cases := []struct {
		name  string
		sys   System
		y0    []float64
		t1    float64
		exact func(float64, []float64)
		c     float64 // error ≤ c·tol
	}{
		{"expsin", admExpSin{}, []float64{1, 1}, 10, admExpSinExact, 10},
		{"kepler", symKepler{}, keplerStart(0.5), 7, kepler, 1000},
	}
	for _, c := range cases {
		want := make([]float64, c.sys.Dim())
		c.exact(c.t1, want)
		var tols, errs []float64
		prevNFE := 0
		for tol := 1e-4; tol >= 1e-12; tol /= 10 {
			sol, err := Solve(c.sys, c.y0, []float64{0, c.t1}, &Options{Method: "adams", RTol: tol, ATol: tol})
			if err != nil {
				t.Fatalf("%s tol %g: %v", c.name, tol, err)
			}
			e := maxDiffSym(sol.Y[1], want)
			t.Logf("%-6s tol %.0e: error %.2e, NFE %d, steps %d+%d", c.name, tol, e, sol.Stats.NFE, sol.Stats.Accepted, sol.Stats.Rejected)
			if e > c.c*tol {
				t.Errorf("%s tol %g: error %.3g > %g·tol", c.name, tol, e, c.c)
			}
			if sol.Stats.NFE <= prevNFE {
				t.Errorf("%s tol %g: NFE %d did not grow as the tolerance shrank", c.name, tol, sol.Stats.NFE)
			}
			prevNFE = sol.Stats.NFE
			tols, errs = append(tols, tol), append(errs, e)
		}
		p := fitOrder(tols, errs)
		t.Logf("%-6s error ∝ tol^%.2f", c.name, p)
		if math.Abs(p-1) > 0.2 {
			t.Errorf("%s: error ∝ tol^%.2f, want tol^(1 ± 0.2)", c.name, p)
		}
	}
}

func TestAdamsArenstorf(t *testing.T) {
	prev := math.Inf(1)
	for _, tol := range []float64{1e-6, 1e-8, 1e-10, 1e-12} {
		sol, err := Solve(admArenstorf{}, admArenstorfY0, []float64{0, admArenstorfT}, &Options{Method: "adams", RTol: tol, ATol: tol})
		if err != nil {
			t.Fatal(err)
		}
		e := maxDiffSym(sol.Y[1], admArenstorfY0)
		t.Logf("tol %.0e: |y(T) − y0| = %.2e, %+v", tol, e, sol.Stats)
		// The orbit amplifies local errors by about 10⁴ (dopri5 alike).
		if e > 1e5*tol {
			t.Errorf("tol %g: returned within %.3g of the start, want ≤ 1e5·tol", tol, e)
		}
		if e >= prev {
			t.Errorf("tol %g: error %.3g did not shrink (previous %.3g)", tol, e, prev)
		}
		prev = e
	}
}

func TestAdamsVersusDopri5(t *testing.T) {
	if _, err := Lookup("dopri5"); err != nil {
		t.Fatal("dopri5 is not registered")
	}
	for _, tol := range []float64{1e-8, 1e-10} {
		var nfe [2]int
		for i, m := range []string{"adams", "dopri5"} {
			sol, err := Solve(admArenstorf{}, admArenstorfY0, []float64{0, admArenstorfT}, &Options{Method: m, RTol: tol, ATol: tol})
			if err != nil {
				t.Fatal(err)
			}
			nfe[i] = sol.Stats.NFE
			t.Logf("Arenstorf rtol=atol=%.0e %-6s NFE %5d, error %.2e", tol, m, sol.Stats.NFE, maxDiffSym(sol.Y[1], admArenstorfY0))
		}
		// A multistep method's selling point: fewer f-evaluations at tight
		// tolerances.
		if nfe[0] >= nfe[1] {
			t.Errorf("tol %g: adams used %d f-evaluations, dopri5 %d", tol, nfe[0], nfe[1])
		}
	}
}

func TestAdamsOrderSelection(t *testing.T) {
	// The order follows the tolerance: low at loose tolerances, high at
	// tight ones. An event function that never crosses zero is called once
	// per accepted step, which lets the test watch the order used.
	meanK := func(tol float64) float64 {
		var a *adams
		sum, cnt := 0, 0
		watch := Event{Func: func(t float64, _ []float64) float64 {
			if t > 5 { // past the starting phase
				sum, cnt = sum+a.kold, cnt+1
			}
			return 1
		}}
		s, err := NewSolver(admExpSin{}, &Options{Method: "adams", RTol: tol, ATol: tol, Events: []Event{watch}})
		if err != nil {
			t.Fatal(err)
		}
		a = s.st.(*adams)
		if err := s.Solve([]float64{1, 1}, []float64{0, 20}, new(Solution)); err != nil {
			t.Fatal(err)
		}
		return float64(sum) / float64(cnt)
	}
	prev := 0.0
	for _, tol := range []float64{1e-3, 1e-6, 1e-9, 1e-12} {
		k := meanK(tol)
		t.Logf("tol %.0e: mean order %.2f", tol, k)
		if k <= prev {
			t.Errorf("tol %g: mean order %.2f did not rise above %.2f of the looser tolerance", tol, k, prev)
		}
		prev = k
	}
	if prev < 10 {
		t.Errorf("tol 1e-12: mean order %.2f, want the high orders (≥ 10) used", prev)
	}
}

func TestAdamsDenseOutput(t *testing.T) {
	for _, tol := range []float64{1e-6, 1e-9} {
		ts := make([]float64, 41)
		for i := range ts {
			ts[i] = 0.25 * float64(i)
		}
		sol, err := Solve(admExpSin{}, []float64{1, 1}, ts, &Options{Method: "adams", RTol: tol, ATol: tol, Dense: true, SaveSteps: true})
		if err != nil {
			t.Fatal(err)
		}
		// error at the steps themselves
		stepErr := 0.0
		want, got := make([]float64, 2), make([]float64, 2)
		for i, tt := range sol.StepT {
			admExpSinExact(tt, want)
			stepErr = math.Max(stepErr, maxDiffSym(sol.StepY[i], want))
		}
		// dense error between the steps
		denseErr := 0.0
		for i := range 1001 {
			tt := 10 * float64(i) / 1000
			if err := sol.Eval(tt, got); err != nil {
				t.Fatal(err)
			}
			admExpSinExact(tt, want)
			denseErr = math.Max(denseErr, maxDiffSym(got, want))
		}
		t.Logf("tol %.0e: max error at the %d steps %.2e, of the dense output %.2e", tol, len(sol.StepT), stepErr, denseErr)
		if denseErr > 2*stepErr+tol {
			t.Errorf("tol %g: dense output error %.3g, much larger than the step error %.3g", tol, denseErr, stepErr)
		}
		// saved values come from interp; Eval from the stored segments
		for i, tt := range ts[1:] {
			i++ // ts[0] is y0 itself, not the interpolant
			if err := sol.Eval(tt, got); err != nil {
				t.Fatal(err)
			}
			if d := maxDiffSym(got, sol.Y[i]); d > 1e-14 {
				t.Errorf("Eval(%g) differs from the saved state by %g", tt, d)
			}
		}
	}
}

func TestAdamsBackward(t *testing.T) {
	y2 := make([]float64, 2)
	admExpSinExact(2, y2)
	ts := []float64{2, 1, 0, -1.5}
	sol, err := Solve(admExpSin{}, y2, ts, &Options{Method: "adams", RTol: 1e-10, ATol: 1e-10})
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float64, 2)
	for i, tt := range ts {
		admExpSinExact(tt, want)
		if d := maxDiffSym(sol.Y[i], want); d > 1e-8 {
			t.Errorf("backward: error %g at t=%g", d, tt)
		}
	}
}

func TestAdamsEvents(t *testing.T) {
	// zero crossings of q1 on the Kepler orbit: at the quarter points of
	// E = π/2 + jπ, where cos E = e.
	const e = 0.5
	sol, err := Solve(symKepler{}, keplerStart(e), []float64{0, 10}, &Options{
		Method: "adams", RTol: 1e-10, ATol: 1e-10,
		Events: []Event{{Func: func(_ float64, y []float64) float64 { return y[0] }}},
	})
	if err != nil {
		t.Fatal(err)
	}
	E := math.Acos(e)
	var want []float64
	for _, E := range []float64{E, 2*math.Pi - E, 2*math.Pi + E} {
		want = append(want, E-e*math.Sin(E))
	}
	if len(sol.Events) != len(want) {
		t.Fatalf("%d events, want %d", len(sol.Events), len(want))
	}
	for i, ev := range sol.Events {
		if math.Abs(ev.T-want[i]) > 1e-8 {
			t.Errorf("event %d at t=%.12f, want %.12f", i, ev.T, want[i])
		}
	}
}

func TestAdamsFailures(t *testing.T) {
	// f becomes NaN past t=1: the solve fails in bounded time with an error
	// naming t.
	blowup := &Func{N: 1, F: func(t float64, y, dy []float64) {
		if t > 1 {
			dy[0] = math.NaN()
			return
		}
		dy[0] = -y[0]
	}}
	_, err := Solve(blowup, []float64{1}, []float64{0, 2}, &Options{Method: "adams"})
	var se *SolveError
	if !errors.As(err, &se) || se.T > 1 || se.T < 0.9 {
		t.Fatalf("NaN right-hand side: got %v, want a *SolveError near t=1", err)
	}
	// y' = y², y(0)=1 blows up at t=1.
	blow := &Func{N: 1, F: func(_ float64, y, dy []float64) { dy[0] = y[0] * y[0] }}
	_, err = Solve(blow, []float64{1}, []float64{0, 2}, &Options{Method: "adams"})
	if !errors.As(err, &se) || math.Abs(se.T-1) > 1e-3 {
		t.Fatalf("finite-time blow-up: got %v, want a failure near t=1", err)
	}
	_, err = Solve(admExpSin{}, []float64{1, 1}, []float64{0, 10}, &Options{Method: "adams", MaxSteps: 10})
	if !errors.Is(err, ErrMaxSteps) {
		t.Errorf("MaxSteps 10: got %v, want ErrMaxSteps", err)
	}
	if _, err := NewSolver(admExpSin{}, &Options{Method: "adams", StepSize: 0.1}); err == nil {
		t.Error("adams accepted a StepSize")
	}
	if _, err := NewSolver(admExpSin{}, &Options{Method: "abm4"}); err == nil {
		t.Error("abm4 accepted no StepSize")
	}
}

func TestAdamsMaxStep(t *testing.T) {
	s, err := NewSolver(admExpSin{}, &Options{Method: "adams", MaxStep: 0.05, SaveSteps: true})
	if err != nil {
		t.Fatal(err)
	}
	sol := new(Solution)
	if err := s.Solve([]float64{1, 1}, []float64{0, 3}, sol); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(sol.StepT); i++ {
		if h := sol.StepT[i] - sol.StepT[i-1]; h > 0.05*(1+1e-12) {
			t.Fatalf("step %d of size %g exceeds MaxStep 0.05", i, h)
		}
	}
}

func TestABM4ConvergenceOrder(t *testing.T) {
	const t1 = 4.0
	want := make([]float64, 2)
	admExpSinExact(t1, want)
	var hs, errs []float64
	for n := 40; n <= 320; n *= 2 {
		h := t1 / float64(n)
		sol, err := Solve(admExpSin{}, []float64{1, 1}, []float64{0, t1}, &Options{Method: "abm4", StepSize: h})
		if err != nil {
			t.Fatal(err)
		}
		// 3 RK4 starting steps (4 evaluations each), then 2 per step
		if sol.Stats.Accepted != n || sol.Stats.NFE != 1+12+2*(n-3) {
			t.Errorf("h=%g: %+v, want %d steps and %d evaluations", h, sol.Stats, n, 1+12+2*(n-3))
		}
		hs, errs = append(hs, h), append(errs, maxDiffSym(sol.Y[1], want))
	}
	p := fitOrder(hs, errs)
	t.Logf("abm4 errors %.3e … %.3e: order %.2f", errs[0], errs[len(errs)-1], p)
	if math.Abs(p-4) > 0.2 {
		t.Errorf("abm4: measured order %.2f, want 4 ± 0.2", p)
	}
}

func TestABM4DenseOutput(t *testing.T) {
	// cubic Hermite between the steps: global dense error O(h⁴)
	var hs, errs []float64
	for n := 40; n <= 320; n *= 2 {
		h := 4.0 / float64(n)
		sol, err := Solve(admExpSin{}, []float64{1, 1}, []float64{0, 4}, &Options{Method: "abm4", StepSize: h, Dense: true})
		if err != nil {
			t.Fatal(err)
		}
		e := 0.0
		got, want := make([]float64, 2), make([]float64, 2)
		for i := range 101 {
			tt := 4 * float64(i) / 100 * (1 - 1e-3) // off the grid
			if err := sol.Eval(tt, got); err != nil {
				t.Fatal(err)
			}
			admExpSinExact(tt, want)
			e = math.Max(e, maxDiffSym(got, want))
		}
		hs, errs = append(hs, h), append(errs, e)
	}
	p := fitOrder(hs, errs)
	t.Logf("abm4 dense errors %.3e … %.3e: order %.2f", errs[0], errs[len(errs)-1], p)
	if math.Abs(p-4) > 0.2 {
		t.Errorf("abm4 dense output order %.2f, want 4 ± 0.2", p)
	}
}

func TestAdamsZeroAllocs(t *testing.T) {
	for _, c := range []struct {
		method string
		step   float64
	}{{"adams", 0}, {"abm4", 1e-3}} {
		for _, dense := range []bool{false, true} {
			s, err := NewSolver(admArenstorf{}, &Options{Method: c.method, StepSize: c.step, Dense: dense, RTol: 1e-9, ATol: 1e-9})
			if err != nil {
				t.Fatal(err)
			}
			sol := new(Solution)
			long := []float64{0, 2, 4, admArenstorfT}
			if err := s.Solve(admArenstorfY0, long, sol); err != nil {
				t.Fatal(err)
			}
			for _, ts := range [][]float64{{0, 1}, long} {
				allocs := testing.AllocsPerRun(3, func() {
					if err := s.Solve(admArenstorfY0, ts, sol); err != nil {
						t.Fatal(err)
					}
				})
				if allocs != 0 {
					t.Errorf("%s (dense %v, %d steps): %v allocations per solve, want 0", c.method, dense, sol.Stats.Accepted, allocs)
				}
			}
		}
	}
}

// BenchmarkArenstorf compares adams with dopri5 on the Arenstorf orbit at
// rtol = atol = 1e-8; ns/op is one full period.
func BenchmarkArenstorf(b *testing.B) {
	for _, m := range []string{"adams", "dopri5"} {
		b.Run(m, func(b *testing.B) {
			s, err := NewSolver(admArenstorf{}, &Options{Method: m, RTol: 1e-8, ATol: 1e-8})
			if err != nil {
				b.Skip(err)
			}
			sol := new(Solution)
			ts := []float64{0, admArenstorfT}
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Solve(admArenstorfY0, ts, sol); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(sol.Stats.NFE), "nfe/op")
			b.ReportMetric(float64(sol.Stats.Accepted), "steps/op")
		})
	}
}

func TestABM4LongGrid(t *testing.T) {
	// Far from t=0 the grid steps differ from StepSize by the rounding of
	// t; abm4 must still run its 2-evaluation PECE steps, not restart.
	const t0, h, n = 1e5, 1e-3, 1000
	osc := symOscillator{omega: 1}
	y0, want := make([]float64, 2), make([]float64, 2)
	osc.exact(t0, y0)
	osc.exact(t0+n*h, want)
	sol, err := Solve(osc, y0, []float64{t0, t0 + n*h}, &Options{Method: "abm4", StepSize: h})
	if err != nil {
		t.Fatal(err)
	}
	if sol.Stats.NFE > 1+12+2*(n-3)+2 {
		t.Errorf("NFE %d, want about %d: the history was restarted", sol.Stats.NFE, 1+12+2*(n-3))
	}
	// the exact solution at t0 is itself only known to ~1e-11 (cos of 1e5)
	if d := maxDiffSym(sol.Y[1], want); d > 1e-9 {
		t.Errorf("error %g", d)
	}
}

func TestAdamsRecoversFromDiscontinuity(t *testing.T) {
	// f jumps at t=1: y' = cos t before, y' = −2y after, so
	// y(t) = sin 1 · exp(−2(t−1)) for t ≥ 1. The steps across the jump fail,
	// the order falls back to 1 and the integration restarts.
	jump := &Func{N: 1, F: func(t float64, y, dy []float64) {
		if t < 1 {
			dy[0] = math.Cos(t)
			return
		}
		dy[0] = -2 * y[0]
	}}
	for _, tol := range []float64{1e-6, 1e-9} {
		sol, err := Solve(jump, []float64{0}, []float64{0, 0.5, 3}, &Options{Method: "adams", RTol: tol, ATol: tol})
		if err != nil {
			t.Fatal(err)
		}
		want := math.Sin(1) * math.Exp(-4)
		e := math.Abs(sol.Y[2][0] - want)
		t.Logf("tol %.0e: error %.2e, %+v", tol, e, sol.Stats)
		if sol.Stats.Rejected < 3 {
			t.Errorf("tol %g: only %d rejections across the jump", tol, sol.Stats.Rejected)
		}
		if e > 10*tol {
			t.Errorf("tol %g: error %.3g after the jump", tol, e)
		}
		if d := math.Abs(sol.Y[1][0] - math.Sin(0.5)); d > 10*tol {
			t.Errorf("tol %g: error %.3g before the jump", tol, d)
		}
	}
}
