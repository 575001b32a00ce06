package sindy

import (
	"errors"
	"fmt"
	"math"

	"github.com/nodekit/nodekit/runtime/ode"
)

// SimOptions configure Simulate. A nil *SimOptions means the defaults.
type SimOptions struct {
	// ODE are the solver options; nil means dop853 with rtol = atol = 1e-10.
	ODE *ode.Options
	// Bound is the magnitude past which a state counts as diverged (0 means
	// 1e6·max(1, |x0|∞)).
	Bound float64
}

// Simulate integrates the discovered model from x0 and returns the states
// at the times ts (strictly monotonic). A model that blows up returns an
// error wrapping ErrDiverged that says when, never NaNs.
func (m *Model) Simulate(x0, ts []float64, opts *SimOptions) ([][]float64, error) {
	if len(x0) != len(m.Names) {
		return nil, fmt.Errorf("%w: %d initial values for %d states", ErrShape, len(x0), len(m.Names))
	}
	if !allFinite(x0) {
		return nil, fmt.Errorf("%w: initial state %v", ErrNonFinite, x0)
	}
	var o SimOptions
	if opts != nil {
		o = *opts
	}
	bound := o.Bound
	if bound == 0 {
		for _, v := range x0 {
			bound = math.Max(bound, math.Abs(v))
		}
		bound = 1e6 * math.Max(1, bound)
	}
	var oo ode.Options
	if o.ODE != nil {
		oo = *o.ODE
	} else {
		oo = ode.Options{Method: "dop853", RTol: 1e-10, ATol: 1e-10}
	}
	oo.Events = append(append([]ode.Event(nil), oo.Events...), ode.Event{
		Func: func(_ float64, y []float64) float64 {
			var mx float64
			for _, v := range y {
				mx = math.Max(mx, math.Abs(v))
			}
			if math.IsNaN(mx) {
				return -1
			}
			return bound - mx
		},
		Direction: -1,
		Terminal:  true,
	})
	sol, err := ode.Solve(m.System(), x0, ts, &oo)
	if err != nil {
		var se *ode.SolveError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%w at t=%.6g: %v", ErrDiverged, se.T, err)
		}
		return nil, err
	}
	ours := len(oo.Events) - 1
	if sol.Terminated && len(sol.Events) > 0 && sol.Events[len(sol.Events)-1].Index == ours {
		return nil, fmt.Errorf("%w: a state exceeded %.3g in magnitude at t=%.6g", ErrDiverged, bound, sol.TEnd)
	}
	return sol.Y, nil
}
