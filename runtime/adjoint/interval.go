package adjoint

import (
	"errors"

	"github.com/nodekit/nodekit/runtime/ode"
)

// intervalSolver integrates a backward pass one observation interval at
// a time. Each interval is a fresh ode solve, which would restart the
// step-size search (Hairer's initial-step heuristic costs an extra
// evaluation and usually starts far too small: on the spiral demo it
// doubled the backward steps). ode.Options.FirstStep is fixed per
// Solver, so when the user has not bounded the steps, each interval is
// solved in the rescaled time s = (t − t₀)/H with first step 1: every
// interval starts with its own step H, estimated from the steps the
// previous interval (or the forward pass) took. A Runge–Kutta step of
// size δ in s is the step of size Hδ in t, so the solution and the error
// control are those of a solve in t that starts with step H.
type intervalSolver struct {
	sys     ode.System
	scaled  scaledSys
	solver  *ode.Solver
	sol     ode.Solution
	ts      [2]float64
	rescale bool
	h       float64 // estimated step for the next interval; 0: unknown
}

// start seeds the step estimate (0: unknown, the first interval then
// starts with one step across it).
func (v *intervalSolver) start(h float64) { v.h = abs(h) }

func newIntervalSolver(sys ode.System, opts *ode.Options) (*intervalSolver, error) {
	v := &intervalSolver{sys: sys, scaled: scaledSys{sys: sys}}
	info, err := ode.Lookup(methodName(opts))
	if err != nil {
		return nil, err
	}
	v.rescale = !info.Fixed && opts.FirstStep == 0 && opts.MinStep == 0 && opts.MaxStep == 0
	var target ode.System = sys
	if v.rescale {
		o := *opts
		o.FirstStep = 1
		opts = &o
		target = &v.scaled
		// keep what stiff solvers use: the exact Jacobian (rescaled) and
		// autonomy (no differences in t)
		if a, ok := sys.(ode.Autonomous); ok {
			v.scaled.auto = a.Autonomous()
		}
		if jf := ode.JacobianOf(sys); jf != nil {
			target = &scaledJacSys{scaledSys: &v.scaled, jac: jf}
		}
	}
	if v.solver, err = ode.NewSolver(target, opts); err != nil {
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
	span := t1 - t0
	if v.rescale {
		H := v.h
		if H <= 0 || H > abs(span) {
			H = abs(span)
		}
		if span < 0 {
			H = -H
		}
		v.scaled.t0, v.scaled.h = t0, H
		v.ts = [2]float64{0, span / H}
	} else {
		v.ts = [2]float64{t0, t1}
	}
	if err := v.solver.Solve(y0, v.ts[:], &v.sol); err != nil {
		var se *ode.SolveError
		if v.rescale && errors.As(err, &se) {
			// report where in t, not in s
			se.T = v.scaled.t0 + v.scaled.h*se.T
			se.H *= v.scaled.h
		}
		return nil, err
	}
	addStats(st, v.sol.Stats)
	v.learn(abs(span), v.sol.Stats)
	return v.sol.Y[1], nil
}

// timeMap returns how the last solve's times relate to t: its solution
// is at s = (t − t0)/h, for s in [lo, hi].
func (v *intervalSolver) timeMap() (t0, h, lo, hi float64) {
	t0, h = 0, 1
	if v.rescale {
		t0, h = v.scaled.t0, v.scaled.h
	}
	return t0, h, min(v.ts[0], v.ts[1]), max(v.ts[0], v.ts[1])
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

// scaledSys is sys in the time s, t = t0 + h·s: dy/ds = h·f(t0 + h·s, y).
type scaledSys struct {
	sys   ode.System
	t0, h float64
	auto  bool // sys is ode.Autonomous
}

// Autonomous reports whether sys is autonomous (then so is the rescaled
// system).
func (s *scaledSys) Autonomous() bool { return s.auto }

// scaledJacSys is scaledSys for a system with an exact Jacobian: the
// Jacobian of h·f(t0 + h·s, y) is h·∂f/∂y.
type scaledJacSys struct {
	*scaledSys
	jac func(t float64, y []float64, J []float64)
}

func (s *scaledJacSys) Jac(t float64, y []float64, J []float64) {
	s.jac(s.t0+s.h*t, y, J)
	h := s.h
	for i, v := range J {
		J[i] = h * v
	}
}

func (s *scaledSys) Dim() int { return s.sys.Dim() }

func (s *scaledSys) Func(t float64, y, dy []float64) {
	s.sys.Func(s.t0+s.h*t, y, dy)
	h := s.h
	for i, v := range dy {
		dy[i] = h * v
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
