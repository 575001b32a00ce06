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

// The checkpointed adjoint re-solves segments with the forward solver,
// starting each from a learnt step; a stiff forward solver must get the
// system's exact Jacobian (it once fell back to finite differences there,
// and to differences in t for an autonomous system).
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

// stiffLin is dy/dt = A(θ) y with A = [[−θ₀, θ₁], [0, −1]]; with
// |θ₀| = 1000 it is stiff. It has an exact Jacobian.
type stiffLin struct{ p []float64 }

func (s *stiffLin) Dim() int          { return 2 }
func (s *stiffLin) Params() []float64 { return s.p }
func (s *stiffLin) Func(_ float64, y, dy []float64) {
	dy[0] = -s.p[0]*y[0] + s.p[1]*y[1]
	dy[1] = -y[1]
}
func (s *stiffLin) Jac(_ float64, y, J []float64) { J[0], J[1], J[2], J[3] = -s.p[0], s.p[1], 0, -1 }
func (s *stiffLin) Autonomous() bool              { return true }
func (s *stiffLin) VJP(_ float64, y, a, ay, ap []float64) {
	ay[0] = -s.p[0] * a[0]
	ay[1] = s.p[1]*a[0] - a[1]
	if ap != nil {
		ap[0] -= a[0] * y[0]
		ap[1] += a[0] * y[1]
	}
}

// stiffLinGrad is the exact ∂L/∂θ of quadLoss(d) for stiffLin from
// y0 = (1, 2) at ts[0]: y₁ = 2e^{−t}, y₀ = e^{−kt} + 2θ₁(e^{−t} − e^{−kt})/(k − 1)
// with t measured from ts[0].
func stiffLinGrad(k, th1 float64, ts []float64, d [][]float64) []float64 {
	g := make([]float64, 2)
	for i, tt := range ts {
		t := tt - ts[0]
		e1, ek := math.Exp(-t), math.Exp(-k*t)
		r0 := ek + 2*th1*(e1-ek)/(k-1) - d[i][0]
		g[0] += r0 * (-t*ek + 2*th1*(-(e1-ek)/((k-1)*(k-1))+t*ek/(k-1)))
		g[1] += r0 * 2 * (e1 - ek) / (k - 1)
	}
	return g
}

// The seminorm with stiff adjoint solvers, on a stiff problem, forwards
// and backwards in time, against the exact gradient. (Backsolve integrates
// the state backwards too, which a stiff problem does not allow: it may
// fail, with an error, but must not return a wrong gradient.)
func TestSemiNormStiffAdjointSolvers(t *testing.T) {
	fwd := &ode.Options{Method: "rodas5p", RTol: 1e-10, ATol: 1e-12}
	for _, ts := range [][]float64{{0, 0.01, 0.5, 2}, {2, 1.99, 1, 0}} {
		y0 := []float64{1, 2}
		d := [][]float64{{0.1, 0.2}, {0.3, 0.1}, {0, 0.5}, {0.2, 0.2}}
		// stiff (and stable) in the direction of integration
		k := 1000.0
		if ts[1] < ts[0] {
			k = -1000
		}
		sys := &stiffLin{p: []float64{k, 3}}
		want := stiffLinGrad(k, 3, ts, d)
		for _, am := range []string{"rodas5p", "radau5"} {
			for _, mc := range []struct {
				m    adjoint.Method
				ckpt int
			}{{adjoint.Backsolve, 0}, {adjoint.Checkpoint, 0}, {adjoint.Checkpoint, 2}} {
				res, err := adjoint.Gradient(sys, y0, ts, quadLoss(d), &adjoint.Options{Method: mc.m, Checkpoints: mc.ckpt, Solver: fwd,
					AdjointSolver: &ode.Options{Method: am, RTol: 1e-10, ATol: 1e-12}, SemiNorm: true})
				if err != nil {
					if mc.m != adjoint.Backsolve || !errors.Is(err, adjoint.ErrBackward) {
						t.Errorf("ts %v, %s, %v/%d: %v", ts, am, mc.m, mc.ckpt, err)
					}
					continue
				}
				if e := relErr(res.DParams, want); e > 1e-7 {
					t.Errorf("ts %v, %s, %v/%d: dθ = %v, exact %v (rel err %.2g)", ts, am, mc.m, mc.ckpt, res.DParams, want, e)
				}
			}
		}
	}
}

// analyticTS is L and its exact θ and y₀ gradients for rotDecay observed
// at any ts (t measured from ts[0]).
func analyticTS(r *rotDecay, y0, ts []float64, d [][]float64) (l float64, dp, dy0 []float64) {
	a, b := r.p[0], r.p[1]
	dp, dy0 = make([]float64, 2), make([]float64, 2)
	y := make([]float64, 2)
	for i, tt := range ts {
		t := tt - ts[0]
		r.exact(t, y0, y)
		r0, r1 := y[0]-d[i][0], y[1]-d[i][1]
		l += 0.5 * (r0*r0 + r1*r1)
		dp[0] += t * (r0*y[0] + r1*y[1])
		dp[1] += t * (r0*y[1] - r1*y[0])
		e, c, s := math.Exp(a*t), math.Cos(b*t), math.Sin(b*t)
		dy0[0] += e * (c*r0 - s*r1)
		dy0[1] += e * (s*r0 + c*r1)
	}
	return l, dp, dy0
}

// Observation grids at the edges: decreasing (a backward-in-time
// problem), a single interval either way, intervals of 1e-9 and 1e-10,
// far from t = 0, negative times; each method (and stiff adjoint
// solvers, with and without the seminorm) against the exact gradient,
// through one Workspace per method reused across grids of different
// lengths.
func TestEdgeObservationGrids(t *testing.T) {
	grids := [][]float64{
		{2.5, 1.7, 1.1, 0.4, 0},
		{0, 2},
		{2, 0},
		{3, 3 + 1e-9},
		{1, 1 + 1e-10, 1 + 2e-10},
		{1e6, 1e6 + 0.5, 1e6 + 1},
		{-5, -4, -2},
		{0, 0.3, 0.6, 0.9, 1.2, 1.5, 1.8},
	}
	y0 := []float64{1.2, -0.7}
	type config struct {
		m    adjoint.Method
		ckpt int
		adj  string
	}
	cfgs := []config{{adjoint.Backsolve, 0, ""}, {adjoint.Checkpoint, 0, ""}, {adjoint.Checkpoint, 3, ""}, {adjoint.Discrete, 0, ""},
		{adjoint.Backsolve, 0, "rodas5p"}, {adjoint.Checkpoint, 2, "radau5"}}
	for _, c := range cfgs {
		for _, semi := range []bool{false, true} {
			r := &rotDecay{p: []float64{-0.3, 1.7}}
			o := &adjoint.Options{Method: c.m, Checkpoints: c.ckpt, SemiNorm: semi, Solver: &ode.Options{RTol: 1e-10, ATol: 1e-12}}
			if c.adj != "" {
				o.AdjointSolver = &ode.Options{Method: c.adj, RTol: 1e-10, ATol: 1e-12}
			}
			ws, err := adjoint.NewWorkspace(r, o)
			if err != nil {
				t.Fatal(err)
			}
			var res adjoint.Result
			for _, ts := range grids {
				d := make([][]float64, len(ts))
				for i := range d {
					d[i] = []float64{0.1 * float64(i), -0.2}
				}
				l, dp, dy0 := analyticTS(r, y0, ts, d)
				if err := ws.Gradient(y0, ts, quadLoss(d), &res); err != nil {
					t.Errorf("%v/%d/%s semi=%v ts %v: %v", c.m, c.ckpt, c.adj, semi, ts, err)
					continue
				}
				if e1, e2 := relErr(res.DParams, dp), relErr(res.DY0, dy0); e1 > 1e-6 || e2 > 1e-6 || math.Abs(res.Loss-l) > 1e-8*math.Max(l, 1) {
					t.Errorf("%v/%d/%s semi=%v ts %v: rel err dθ %.2g, dy0 %.2g; loss %g, exact %g", c.m, c.ckpt, c.adj, semi, ts, e1, e2, res.Loss, l)
				}
			}
		}
	}
}

// noParams is the harmonic oscillator with no trainable parameters.
type noParams struct{}

func (noParams) Dim() int                              { return 2 }
func (noParams) Params() []float64                     { return nil }
func (noParams) Func(_ float64, y, dy []float64)       { dy[0], dy[1] = y[1], -y[0] }
func (noParams) VJP(_ float64, y, a, ay, ap []float64) { ay[0], ay[1] = -a[1], a[0] }

// A Differentiable without parameters still gets ∂L/∂y₀ (and an empty
// DParams).
func TestNoParameters(t *testing.T) {
	// L = Σᵢ y₀(tᵢ) = Σᵢ (cos tᵢ·y₀₀ + sin tᵢ·y₀₁)
	ts := []float64{0, 1, 2}
	want := []float64{1 + math.Cos(1) + math.Cos(2), math.Sin(1) + math.Sin(2)}
	for _, m := range methods {
		res, err := adjoint.Gradient(noParams{}, []float64{1, 0}, ts, func(i int, y, g []float64) float64 {
			g[0] = 1
			return y[0]
		}, &adjoint.Options{Method: m, TimeGradient: m != adjoint.Discrete, Solver: &ode.Options{RTol: 1e-10, ATol: 1e-12}})
		if err != nil {
			t.Errorf("%v: %v", m, err)
			continue
		}
		if len(res.DParams) != 0 || relErr(res.DY0, want) > 1e-8 {
			t.Errorf("%v: DParams %v, DY0 %v, want [] and %v", m, res.DParams, res.DY0, want)
		}
	}
}
