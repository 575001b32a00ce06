package adjoint

import "github.com/nodekit/nodekit/runtime/ode"

// intervalSolver integrates a backward pass one observation interval at
// a time. Each interval is a fresh ode solve, which would restart the
// step-size search (Hairer's initial-step heuristic costs an extra
// evaluation and usually starts far too small: on the spiral demo it
// doubled the backward steps). So when the user has not bounded the
// steps, each interval starts with a step H estimated from the steps the
// previous interval (or the forward pass) took (ode.Solver.SetFirstStep).
type intervalSolver struct {
	solver *ode.Solver
	sol    ode.Solution
	ts     [2]float64
	learns bool    // carry the step from interval to interval
	h      float64 // estimated step for the next interval; 0: unknown
}

// start seeds the step estimate (0: unknown, the first interval then
// starts with one step across it).
func (v *intervalSolver) start(h float64) { v.h = abs(h) }

func newIntervalSolver(sys ode.System, opts *ode.Options) (*intervalSolver, error) {
	v := new(intervalSolver)
	info, err := ode.Lookup(methodName(opts))
	if err != nil {
		return nil, err
	}
	v.learns = !info.Fixed && opts.FirstStep == 0 && opts.MinStep == 0 && opts.MaxStep == 0
	if v.solver, err = ode.NewSolver(sys, opts); err != nil {
		return nil, err
	}
	return v, nil
}

func methodName(o *ode.Options) string {
	if o == nil || o.Method == "" {
		return "dopri5"
	}
	return o.Method
}

// solve integrates from (t0, y0) to t1 and returns the state at t1 (it
// aliases the solver's buffers until the next solve). The statistics go
// into st.
func (v *intervalSolver) solve(y0 []float64, t0, t1 float64, st *ode.Stats) ([]float64, error) {
	span := abs(t1 - t0)
	if v.learns {
		H := v.h
		if H <= 0 || H > span {
			H = span
		}
		if err := v.solver.SetFirstStep(H); err != nil {
			return nil, err
		}
	}
	v.ts = [2]float64{t0, t1}
	if err := v.solver.Solve(y0, v.ts[:], &v.sol); err != nil {
		return nil, err
	}
	addStats(st, v.sol.Stats)
	v.learn(span, v.sol.Stats)
	return v.sol.Y[1], nil
}

// timeMap returns the time span [lo, hi] of the last solve.
func (v *intervalSolver) timeMap() (lo, hi float64) {
	return min(v.ts[0], v.ts[1]), max(v.ts[0], v.ts[1])
}

// learn updates the step estimate from an interval of length L solved
// in acc accepted steps: one step means the interval, not the error,
// limited it, so the estimate is kept (or raised to L); otherwise the
// acc − 1 full steps covered less than L (the last one is clipped), so
// L/(acc − 1) errs on the long side: a rejected first step costs what
// one step too many would, and a long first step is often accepted.
func (v *intervalSolver) learn(L float64, s ode.Stats) {
	switch {
	case s.Accepted <= 1 && s.Rejected == 0:
		v.h = max(v.h, L)
	case s.Accepted <= 1:
		v.h = L / 2
	default:
		v.h = L / (float64(s.Accepted) - 1)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
