package adjoint_test

import (
	"errors"
	"math"
	"testing"

	"github.com/nodekit/nodekit/runtime/adjoint"
	"github.com/nodekit/nodekit/runtime/ode"
)

// Regression tests for edge cases found in review: each failed before its
// fix.

// A loss term or loss gradient that is NaN or Inf is reported as
// ErrNonFinite naming the observation, before any backward work (it used
// to surface as a failed backward solve, "y0[2] = +Inf is not finite").
func TestNonFiniteLossStopsEarly(t *testing.T) {
	r := &rotDecay{p: []float64{-0.3, 1.7}}
	bad := map[string]adjoint.LossFunc{
		"NaN loss": func(i int, y, g []float64) float64 {
			g[0] = 1
			if i == 2 {
				return math.NaN()
			}
			return y[0]
		},
		"Inf gradient": func(i int, y, g []float64) float64 {
			g[0] = 1
			if i == 2 {
				g[1] = math.Inf(1)
			}
			return y[0]
		},
	}
	for name, loss := range bad {
		for _, m := range methods {
			ws, err := adjoint.NewWorkspace(r, &adjoint.Options{Method: m})
			if err != nil {
				t.Fatal(err)
			}
			var res adjoint.Result
			err = ws.Gradient([]float64{1, 0}, linTS, loss, &res)
			if !errors.Is(err, adjoint.ErrNonFinite) {
				t.Errorf("%s, %v: err = %v, want ErrNonFinite", name, m, err)
			}
			if res.Stats.NVJP != 0 || res.Stats.Backward.NFE != 0 {
				t.Errorf("%s, %v: the backward pass ran (%+v)", name, m, res.Stats)
			}
		}
	}
}

// rotJac is rotDecay with its exact Jacobian, counting its calls.
type rotJac struct {
	rotDecay
	calls int
}

func (r *rotJac) Jac(_ float64, y, J []float64) {
	a, b := r.p[0], r.p[1]
	J[0], J[1], J[2], J[3] = a, b, -b, a
	r.calls++
}
func (r *rotJac) Autonomous() bool { return true }

// The checkpointed adjoint re-solves segments with the forward solver in
// a rescaled time; a stiff forward solver must still get the system's
// exact Jacobian (it used to fall back to finite differences there, and
// to differences in t for an autonomous system).
func TestCheckpointResolveUsesExactJacobian(t *testing.T) {
	for _, m := range []string{"rodas5p", "radau5"} {
		r := &rotJac{rotDecay: rotDecay{p: []float64{-0.3, 1.7}}}
		y0 := []float64{1.2, -0.7}
		_, dp, dy0, _ := linearAnalytic(&r.rotDecay, y0)
		res, err := adjoint.Gradient(r, y0, linTS, quadLoss(linD), &adjoint.Options{Method: adjoint.Checkpoint, Checkpoints: 3,
			Solver: &ode.Options{Method: m, RTol: 1e-10, ATol: 1e-12}, AdjointSolver: &ode.Options{Method: "dopri5", RTol: 1e-10, ATol: 1e-12}})
		if err != nil {
			t.Fatal(err)
		}
		if want := res.Stats.Forward.NJac + res.Stats.Backward.NJac; r.calls != want || res.Stats.Backward.NJac == 0 {
			t.Errorf("%s: %d exact Jacobians for %d forward and %d backward Jacobian evaluations", m, r.calls, res.Stats.Forward.NJac, res.Stats.Backward.NJac)
		}
		if e := relErr(res.DParams, dp); e > 1e-7 {
			t.Errorf("%s: dθ rel err %.2g", m, e)
		}
		if e := relErr(res.DY0, dy0); e > 1e-7 {
			t.Errorf("%s: dy0 rel err %.2g", m, e)
		}
	}
}
