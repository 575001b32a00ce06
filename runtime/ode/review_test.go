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
