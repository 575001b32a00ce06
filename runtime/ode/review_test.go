package ode

import (
	"errors"
	"math"
	"testing"
)

// Regression tests for edge cases found in review: each failed before its
// fix.

// A fixed step so small that the step count overflows int must not turn
// into a single step across the interval.
func TestFixedStepCountOverflow(t *testing.T) {
	grow := &Func{N: 1, F: func(_ float64, y, dy []float64) { dy[0] = y[0] }}
	for _, m := range []string{"euler", "rk4", "abm4"} {
		for _, maxSteps := range []int{0, -1} {
			sol, err := Solve(grow, []float64{1}, []float64{0, 1}, &Options{Method: m, StepSize: 1e-300, MaxSteps: maxSteps})
			if !errors.Is(err, ErrMaxSteps) {
				t.Errorf("%s, MaxSteps %d, StepSize 1e-300: err = %v after %d steps (y = %v), want ErrMaxSteps",
					m, maxSteps, err, sol.Stats.Accepted, sol.Y)
			}
		}
		// 1e5 steps exactly fit the default limit
		if _, err := Solve(grow, []float64{1}, []float64{0, 1}, &Options{Method: m, StepSize: 1e-5}); err != nil {
			t.Errorf("%s with 1e5 steps: %v", m, err)
		}
	}
}

// Stats before any solve is the zero value, not a nil dereference.
func TestSolverStatsBeforeSolve(t *testing.T) {
	s, err := NewSolver(lorenz{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st != (Stats{}) {
		t.Errorf("Stats before Solve = %+v, want zero", st)
	}
	var sol Solution
	if err := s.Solve([]float64{1, 1, 1}, []float64{0, 1}, &sol); err != nil {
		t.Fatal(err)
	}
	if s.Stats() != sol.Stats || s.Stats().NFE == 0 {
		t.Errorf("Stats after Solve = %+v, solution's %+v", s.Stats(), sol.Stats)
	}
}

// MinStep bounds the step from below: a smooth problem whose automatic
// first step (or a step proposed after an accepted one) is below MinStep
// is solved with steps of MinStep, not failed at t0.
func TestMinStepIsAFloor(t *testing.T) {
	osc := &Func{N: 2, F: func(_ float64, y, dy []float64) { dy[0], dy[1] = y[1], -y[0] }}
	for _, m := range []string{"dopri5", "tsit5", "dop853", "bosh3", "adams", "rodas4", "rodas5p", "radau5", "auto"} {
		// every automatic first step here is below 0.01 (adams, which
		// starts at order 1, below 3e-4)
		hmin := 0.05
		if m == "adams" {
			hmin = 1e-3
		}
		for _, dir := range []float64{1, -1} {
			ts := []float64{0, dir * 10}
			y0 := []float64{1, 0}
			sol, err := Solve(osc, y0, ts, &Options{Method: m, MinStep: hmin, RTol: 1e-4, ATol: 1e-6, SaveSteps: true})
			if err != nil {
				t.Errorf("%s dir %g: MinStep 0.05 on a smooth problem: %v", m, dir, err)
				continue
			}
			for i := 1; i+1 < len(sol.StepT); i++ { // the last step may be clipped
				if h := math.Abs(sol.StepT[i] - sol.StepT[i-1]); h < hmin*(1-1e-12) {
					t.Errorf("%s dir %g: step %d of size %g below MinStep", m, dir, i, h)
					break
				}
			}
			if e := math.Abs(sol.Y[1][0] - math.Cos(10)); e > 1e-2 {
				t.Errorf("%s dir %g: y(10) error %.2e", m, dir, e)
			}
		}
	}
}

// Pure relative error control (ATolVec entries 0): a component that is
// exactly zero, or that starts at zero and crosses it, has a zero error
// weight somewhere; 0/0 must count as no error, not as NaN.
func TestZeroATolPureRelative(t *testing.T) {
	decay := &Func{N: 2, F: func(_ float64, y, dy []float64) { dy[0], dy[1] = -y[0], -y[1] }}
	osc := &Func{N: 2, F: func(_ float64, y, dy []float64) { dy[0], dy[1] = y[1], -y[0] }}
	for _, m := range []string{"dopri5", "tsit5", "bosh3", "dop853", "adams", "rodas4", "rodas5p", "auto"} {
		o := &Options{Method: m, RTol: 1e-7, ATolVec: []float64{0, 0}}
		// y1 ≡ 0
		sol, err := Solve(decay, []float64{1, 0}, []float64{0, 2}, o)
		if err != nil {
			t.Errorf("%s, a component ≡ 0: %v", m, err)
		} else if e := math.Abs(sol.Y[1][0]/math.Exp(-2) - 1); e > 1e-5 || sol.Y[1][1] != 0 {
			t.Errorf("%s, a component ≡ 0: y(2) = %v, relative error of y0 %.2e", m, sol.Y[1], e)
		}
		// y = (cos t, −sin t): y1 starts at 0, both cross zero
		for _, dir := range []float64{1, -1} {
			sol, err = Solve(osc, []float64{1, 0}, []float64{0, dir * 10}, o)
			if err != nil {
				t.Errorf("%s, crossing zero (dir %g): %v", m, dir, err)
				continue
			}
			if e := math.Abs(sol.Y[1][0]-math.Cos(10)) + math.Abs(sol.Y[1][1]+dir*math.Sin(10)); e > 1e-5 {
				t.Errorf("%s, crossing zero (dir %g): error %.2e", m, dir, e)
			}
		}
	}
	// RADAU5 scales by |y| at the step's start only, so a zero weight at a
	// nonzero derivative can never be met: rejected up front, as Hairer's
	// code does.
	if _, err := Solve(osc, []float64{1, 0}, []float64{0, 1}, &Options{Method: "radau5", ATolVec: []float64{1e-9, 0}}); err == nil {
		t.Error("radau5 with a zero atol: no error")
	}
}

// A failed solve leaves in the Solution only what it computed: the save
// times it reached, with their states, and TEnd where it stopped; no rows
// left over from an earlier solve into the same Solution.
func TestFailedSolveTruncatesSolution(t *testing.T) {
	nanAfter := &Func{N: 1, F: func(tt float64, y, dy []float64) {
		dy[0] = 1
		if tt > 0.5 {
			dy[0] = math.NaN()
		}
	}}
	ts := []float64{0, 0.25, 0.75, 1}
	for _, c := range []struct {
		m    string
		step float64
	}{{"dopri5", 0}, {"adams", 0}, {"rodas5p", 0}, {"rk4", 0.05}} {
		s, err := NewSolver(nanAfter, &Options{Method: c.m, StepSize: c.step})
		if err != nil {
			t.Fatal(err)
		}
		var sol Solution
		// a good solve first, to fill the Solution's rows
		if err := s.Solve([]float64{7}, []float64{0, 0.1, 0.2, 0.3}, &sol); err != nil {
			t.Fatal(err)
		}
		err = s.Solve([]float64{0}, ts, &sol)
		var se *SolveError
		if !errors.As(err, &se) {
			t.Fatalf("%s: err = %v, want a SolveError", c.m, err)
		}
		if len(sol.T) != 2 || len(sol.Y) != 2 || sol.T[1] != 0.25 {
			t.Errorf("%s: after failing at t=%g the solution keeps T = %v (%d states), want [0 0.25]", c.m, se.T, sol.T, len(sol.Y))
		} else if math.Abs(sol.Y[1][0]-0.25) > 1e-12 || sol.Y[0][0] != 0 {
			t.Errorf("%s: Y = %v, want [[0] [0.25]]", c.m, sol.Y)
		}
		if sol.TEnd != se.T || sol.Terminated {
			t.Errorf("%s: TEnd = %g (terminated %v), want the failure time %g", c.m, sol.TEnd, sol.Terminated, se.T)
		}
	}
}

// NormDims outside [0, Dim] is a mistake, reported rather than ignored.
func TestNormDimsValidated(t *testing.T) {
	for _, nd := range []int{-1, 4} {
		if _, err := NewSolver(lorenz{}, &Options{NormDims: nd}); err == nil {
			t.Errorf("NormDims %d for dimension 3: no error", nd)
		}
	}
	for _, nd := range []int{0, 1, 3} {
		if _, err := NewSolver(lorenz{}, &Options{NormDims: nd}); err != nil {
			t.Errorf("NormDims %d: %v", nd, err)
		}
	}
}

// Every method integrates backwards, and forwards-then-backwards returns
// to y0; the stored dense output reproduces the save times exactly; the
// events are located in both directions.
func TestEveryMethodBothDirections(t *testing.T) {
	for _, m := range Methods() {
		var sys System = &Func{N: 2, F: func(_ float64, y, dy []float64) { dy[0], dy[1] = y[1], -y[0] }}
		if m.Separable {
			sys = sepOscillator{}
		}
		o := &Options{Method: m.Name, RTol: 1e-9, ATol: 1e-11, Dense: true,
			Events: []Event{{Func: func(_ float64, y []float64) float64 { return y[0] }}}}
		tol := 1e-6
		if m.Fixed {
			o.StepSize = 1e-3
			if m.Order < 3 {
				tol = 1e-2
			}
		}
		fwd, err := Solve(sys, []float64{1, 0}, []float64{0, 2.5, 5}, o)
		if err != nil {
			t.Errorf("%s forward: %v", m.Name, err)
			continue
		}
		back, err := Solve(sys, fwd.Y[2], []float64{5, 2.5, 0}, o)
		if err != nil {
			t.Errorf("%s backward: %v", m.Name, err)
			continue
		}
		if e := maxAbsDiff(back.Y[1], fwd.Y[1]) + maxAbsDiff(back.Y[2], []float64{1, 0}); e > tol {
			t.Errorf("%s: forward then backward misses by %.2e", m.Name, e)
		}
		out := make([]float64, 2)
		for _, sol := range []*Solution{fwd, back} {
			for i, tt := range sol.T {
				if err := sol.Eval(tt, out); err != nil || maxAbsDiff(out, sol.Y[i]) > 1e-14 {
					t.Errorf("%s: Eval(%g) = %v (%v), saved %v", m.Name, tt, out, err, sol.Y[i])
				}
			}
			// zeros of cos in (0, 5): π/2, 3π/2, in the order met
			want := []float64{math.Pi / 2, 3 * math.Pi / 2}
			if sol == back {
				want[0], want[1] = want[1], want[0]
			}
			if len(sol.Events) != 2 {
				t.Errorf("%s: events %+v, want 2", m.Name, sol.Events)
				continue
			}
			for i, e := range sol.Events {
				if math.Abs(e.T-want[i]) > tol {
					t.Errorf("%s: event %d at %.10g, want %.10g", m.Name, i, e.T, want[i])
				}
			}
		}
	}
}

// sepOscillator is d²q/dt² = −q as a Separable system.
type sepOscillator struct{}

func (sepOscillator) Dim() int                         { return 2 }
func (sepOscillator) Func(_ float64, y, dy []float64)  { dy[0], dy[1] = y[1], -y[0] }
func (sepOscillator) Velocity(p, dq []float64)         { copy(dq, p) }
func (sepOscillator) Force(_ float64, q, dp []float64) { dp[0] = -q[0] }

// A right-hand side that is NaN only where rejected trial steps go (y < 0
// past the end of the interval of existence): every adaptive method
// rejects those steps and finishes.
func TestNaNOnlyOnRejectedTrials(t *testing.T) {
	sqrtDecay := &Func{N: 1, F: func(_ float64, y, dy []float64) {
		dy[0] = -math.Sqrt(y[0]) // NaN for y < 0; y = (1 − t/2)² ≥ 0 on [0, 2]
	}}
	const t1 = 1.99
	ex := (1 - t1/2) * (1 - t1/2)
	for _, m := range Methods() {
		if m.Fixed || m.Separable {
			continue
		}
		// a first step of 1.5 overshoots into y < 0 on its later stages
		sol, err := Solve(sqrtDecay, []float64{1}, []float64{0, t1}, &Options{Method: m.Name, FirstStep: 1.5})
		if err != nil {
			t.Errorf("%s: %v", m.Name, err)
			continue
		}
		if sol.Stats.Rejected == 0 {
			t.Errorf("%s: no rejected step, the test does not exercise NaN stages", m.Name)
		}
		if e := math.Abs(sol.Y[1][0]-ex) / ex; e > 1e-2 {
			t.Errorf("%s: y(%g) relative error %.2e", m.Name, t1, e)
		}
	}
}

// Tolerances that cannot be met (near the smallest float) end in a step
// size error, not in a misleading "state became NaN" from overflowing
// error weights; an infinite MinStep is rejected up front.
func TestImpossibleTolerances(t *testing.T) {
	decay := &Func{N: 1, F: func(_ float64, y, dy []float64) { dy[0] = -y[0] }}
	for _, m := range []string{"dopri5", "tsit5", "dop853", "rodas5p", "auto"} {
		_, err := Solve(decay, []float64{1}, []float64{0, 1}, &Options{Method: m, RTol: 1e-300, ATol: 1e-300})
		if !errors.Is(err, ErrStepSizeTooSmall) {
			t.Errorf("%s with rtol = atol = 1e-300: err = %v, want ErrStepSizeTooSmall", m, err)
		}
	}
	if _, err := NewSolver(decay, &Options{MinStep: math.Inf(1)}); err == nil {
		t.Error("MinStep +Inf: no error")
	}
}

// One Solution reused across solves of different lengths and methods
// keeps nothing stale; MaxSteps bounds attempted steps; terminal events
// on the first step and exactly at t1.
func TestSolutionReuseAndLimits(t *testing.T) {
	osc := &Func{N: 2, F: func(_ float64, y, dy []float64) { dy[0], dy[1] = y[1], -y[0] }}
	var sol Solution
	s1, _ := NewSolver(osc, &Options{SaveSteps: true, Dense: true, Events: []Event{{Func: func(_ float64, y []float64) float64 { return y[0] }}}})
	if err := s1.Solve([]float64{1, 0}, []float64{0, 1, 2, 3, 10}, &sol); err != nil || len(sol.Events) != 3 {
		t.Fatalf("first solve: %v, %d events", err, len(sol.Events))
	}
	s2, _ := NewSolver(osc, &Options{Method: "rodas5p", SaveSteps: true})
	if err := s2.Solve([]float64{1, 0}, []float64{0, 0.5}, &sol); err != nil {
		t.Fatal(err)
	}
	if len(sol.T) != 2 || len(sol.Y) != 2 || len(sol.Events) != 0 || len(sol.StepT) != sol.Stats.Accepted+1 ||
		len(sol.StepY) != len(sol.StepT) || sol.TEnd != 0.5 || sol.Eval(0.2, make([]float64, 2)) == nil {
		t.Errorf("reused solution: T %v, %d Y, %d events, %d/%d steps for %d accepted, TEnd %g", sol.T, len(sol.Y), len(sol.Events), len(sol.StepT), len(sol.StepY), sol.Stats.Accepted, sol.TEnd)
	}
	for _, m := range []string{"dopri5", "adams", "radau5"} {
		_, err := Solve(lorenz{}, []float64{1, 1, 1}, []float64{0, 100}, &Options{Method: m, MaxSteps: 37})
		var se *SolveError
		if !errors.Is(err, ErrMaxSteps) || !errors.As(err, &se) {
			t.Errorf("%s MaxSteps 37: %v", m, err)
		}
		s, _ := NewSolver(lorenz{}, &Options{Method: m, MaxSteps: 37})
		_ = s.Solve([]float64{1, 1, 1}, []float64{0, 100}, &sol)
		if st := sol.Stats.Steps(); st != 37 {
			t.Errorf("%s: %d steps attempted with MaxSteps 37", m, st)
		}
	}
	for _, m := range Methods() {
		if m.Separable {
			continue
		}
		o := &Options{Method: m.Name, StepSize: 0.01}
		if !m.Fixed {
			o.StepSize = 0
		}
		for _, tev := range []float64{1e-6, 1} {
			o.Events = []Event{{Func: func(tt float64, _ []float64) float64 { return tt - tev }, Terminal: true}}
			sol, err := Solve(osc, []float64{1, 0}, []float64{0, 0.5, 1}, o)
			if err != nil {
				t.Errorf("%s event at %g: %v", m.Name, tev, err)
				continue
			}
			wantT := 1
			if tev == 1 {
				wantT = 3
			}
			if !sol.Terminated || math.Abs(sol.TEnd-tev) > 1e-12 || len(sol.T) != wantT || len(sol.Events) != 1 {
				t.Errorf("%s event at %g: terminated %v at %g, T %v, %d events", m.Name, tev, sol.Terminated, sol.TEnd, sol.T, len(sol.Events))
			}
		}
	}
}
