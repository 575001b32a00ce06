package adjoint_test

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/diff/fd"

	"github.com/nodekit/nodekit/runtime/adjoint"
	"github.com/nodekit/nodekit/runtime/nn"
	"github.com/nodekit/nodekit/runtime/ode"
)

// rotDecay is dy/dt = (a·I + b·J) y, J = [[0, 1], [−1, 0]], θ = (a, b):
// y(t) = e^{at} R(bt) y₀ with R(s) = [[cos s, sin s], [−sin s, cos s]].
type rotDecay struct{ p []float64 }

func (r *rotDecay) Dim() int          { return 2 }
func (r *rotDecay) Params() []float64 { return r.p }
func (r *rotDecay) Func(_ float64, y, dy []float64) {
	a, b := r.p[0], r.p[1]
	dy[0] = a*y[0] + b*y[1]
	dy[1] = -b*y[0] + a*y[1]
}
func (r *rotDecay) VJP(_ float64, y, v, ay, ap []float64) {
	a, b := r.p[0], r.p[1]
	ay[0] = a*v[0] - b*v[1]
	ay[1] = b*v[0] + a*v[1]
	if ap != nil {
		ap[0] += v[0]*y[0] + v[1]*y[1]
		ap[1] += v[0]*y[1] - v[1]*y[0]
	}
}

func (r *rotDecay) exact(t float64, y0, y []float64) {
	a, b := r.p[0], r.p[1]
	e, c, s := math.Exp(a*t), math.Cos(b*t), math.Sin(b*t)
	y[0] = e * (c*y0[0] + s*y0[1])
	y[1] = e * (-s*y0[0] + c*y0[1])
}

// quadLoss is Σᵢ ½|y(tᵢ) − dᵢ|².
func quadLoss(d [][]float64) adjoint.LossFunc {
	return func(i int, y, g []float64) float64 {
		l := 0.0
		for k, v := range y {
			r := v - d[i][k]
			g[k] = r
			l += 0.5 * r * r
		}
		return l
	}
}

var linTS = []float64{0, 0.4, 1.1, 1.7, 2.5}
var linD = [][]float64{{0.3, -0.2}, {1, 0.5}, {-0.4, 0.8}, {0.1, 0.1}, {-0.3, -0.6}}

// linearAnalytic returns L and its exact gradients for rotDecay.
func linearAnalytic(r *rotDecay, y0 []float64) (l float64, dp, dy0, dt []float64) {
	a, b := r.p[0], r.p[1]
	dp, dy0, dt = make([]float64, 2), make([]float64, 2), make([]float64, len(linTS))
	y := make([]float64, 2)
	for i, t := range linTS {
		r.exact(t, y0, y)
		r0, r1 := y[0]-linD[i][0], y[1]-linD[i][1]
		l += 0.5 * (r0*r0 + r1*r1)
		dp[0] += t * (r0*y[0] + r1*y[1])
		dp[1] += t * (r0*y[1] - r1*y[0])
		e, c, s := math.Exp(a*t), math.Cos(b*t), math.Sin(b*t)
		dy0[0] += e * (c*r0 - s*r1)
		dy0[1] += e * (s*r0 + c*r1)
		if i > 0 {
			f0, f1 := a*y[0]+b*y[1], -b*y[0]+a*y[1]
			dt[i] = r0*f0 + r1*f1
			dt[0] -= dt[i]
		}
	}
	return l, dp, dy0, dt
}

func relErr(got, want []float64) float64 {
	num, den := 0.0, 0.0
	for i := range got {
		num += (got[i] - want[i]) * (got[i] - want[i])
		den += want[i] * want[i]
	}
	return math.Sqrt(num / math.Max(den, 1e-300))
}

var methods = []adjoint.Method{adjoint.Backsolve, adjoint.Checkpoint, adjoint.Discrete}

func TestLinearAnalytic(t *testing.T) {
	y0 := []float64{1.2, -0.7}
	tight := &ode.Options{RTol: 1e-10, ATol: 1e-12}
	for _, mc := range []struct {
		m    adjoint.Method
		ckpt int
	}{{adjoint.Backsolve, 0}, {adjoint.Checkpoint, 0}, {adjoint.Checkpoint, 3}, {adjoint.Discrete, 0}} {
		m := mc.m
		for _, semi := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/checkpoints=%d/seminorm=%v", m, mc.ckpt, semi), func(t *testing.T) {
				r := &rotDecay{p: []float64{-0.3, 1.7}}
				l, dp, dy0, dt := linearAnalytic(r, y0)
				opts := &adjoint.Options{Method: m, Solver: tight, SemiNorm: semi, Checkpoints: mc.ckpt, TimeGradient: m != adjoint.Discrete}
				res, err := adjoint.Gradient(r, y0, linTS, quadLoss(linD), opts)
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(res.Loss-l) > 1e-9*l {
					t.Errorf("loss %.15g, want %.15g", res.Loss, l)
				}
				const tol = 1e-7
				t.Logf("rel err vs analytic: dθ %.2g, dy0 %.2g, dt %.2g", relErr(res.DParams, dp), relErr(res.DY0, dy0), relErr(res.DT, dt))
				if e := relErr(res.DParams, dp); e > tol {
					t.Errorf("dθ = %v, want %v (rel err %.2g)", res.DParams, dp, e)
				}
				if e := relErr(res.DY0, dy0); e > tol {
					t.Errorf("dy0 = %v, want %v (rel err %.2g)", res.DY0, dy0, e)
				}
				if m != adjoint.Discrete {
					if e := relErr(res.DT, dt); e > tol {
						t.Errorf("dt = %v, want %v (rel err %.2g)", res.DT, dt, e)
					}
				} else if res.DT != nil {
					t.Errorf("discrete DT = %v, want nil", res.DT)
				}
				if res.Stats.Forward.NFE == 0 || res.Stats.NVJP == 0 || (res.Stats.Backward.NFE == 0) != (m == adjoint.Discrete) {
					// the discrete adjoint reuses the forward solve's stages
					t.Errorf("stats not counted: %+v", res.Stats)
				}
			})
		}
	}
}

// forced is dy/dt = θ₀·y + θ₁·sin(3t) + θ₂·y²·cos(t): non-autonomous, so
// the time gradient's integral term is exercised (by central differences
// in t, as the system has no DfDt).
type forced struct{ p []float64 }

func (f *forced) Dim() int          { return 1 }
func (f *forced) Params() []float64 { return f.p }
func (f *forced) Func(t float64, y, dy []float64) {
	dy[0] = f.p[0]*y[0] + f.p[1]*math.Sin(3*t) + f.p[2]*y[0]*y[0]*math.Cos(t)
}
func (f *forced) VJP(t float64, y, a, ay, ap []float64) {
	ay[0] = a[0] * (f.p[0] + 2*f.p[2]*y[0]*math.Cos(t))
	if ap != nil {
		ap[0] += a[0] * y[0]
		ap[1] += a[0] * math.Sin(3*t)
		ap[2] += a[0] * y[0] * y[0] * math.Cos(t)
	}
}

// fdLoss evaluates the loss of a plain forward solve (one solve over ts,
// or one per interval when perInterval, as the discrete adjoint does).
func fdLoss(sys ode.System, y0, ts []float64, loss adjoint.LossFunc, o *ode.Options, perInterval bool) float64 {
	n := sys.Dim()
	g := make([]float64, n)
	if !perInterval {
		sol, err := ode.Solve(sys, y0, ts, o)
		if err != nil {
			panic(err)
		}
		l := 0.0
		for i, y := range sol.Y {
			l += loss(i, y, g)
		}
		return l
	}
	y := append([]float64(nil), y0...)
	l := loss(0, y, g)
	for i := 1; i < len(ts); i++ {
		sol, err := ode.Solve(sys, y, ts[i-1:i+1], o)
		if err != nil {
			panic(err)
		}
		copy(y, sol.Y[1])
		l += loss(i, y, g)
	}
	return l
}

func TestTimeGradientFD(t *testing.T) {
	y0 := []float64{0.5}
	ts := []float64{0.2, 0.9, 1.3, 2.0}
	d := [][]float64{{0.1}, {0.7}, {-0.2}, {0.4}}
	o := &ode.Options{RTol: 1e-11, ATol: 1e-13}
	for _, mc := range []struct {
		m    adjoint.Method
		ckpt int
	}{{adjoint.Backsolve, 0}, {adjoint.Checkpoint, 0}, {adjoint.Checkpoint, 2}} {
		m := mc.m
		t.Run(fmt.Sprintf("%v/checkpoints=%d", m, mc.ckpt), func(t *testing.T) {
			sys := &forced{p: []float64{-0.4, 0.8, 0.3}}
			res, err := adjoint.Gradient(sys, y0, ts, quadLoss(d), &adjoint.Options{Method: m, Solver: o, TimeGradient: true, Checkpoints: mc.ckpt})
			if err != nil {
				t.Fatal(err)
			}
			tt := append([]float64(nil), ts...)
			wantT := fd.Gradient(nil, func(x []float64) float64 {
				copy(tt, x)
				return fdLoss(sys, y0, tt, quadLoss(d), o, false)
			}, ts, &fd.Settings{Formula: fd.Central, Step: 1e-5})
			if e := relErr(res.DT, wantT); e > 1e-6 {
				t.Errorf("DT = %v, FD %v (rel err %.2g)", res.DT, wantT, e)
			}
			p0 := append([]float64(nil), sys.p...)
			wantP := fd.Gradient(nil, func(x []float64) float64 {
				copy(sys.p, x)
				defer copy(sys.p, p0)
				return fdLoss(sys, y0, ts, quadLoss(d), o, false)
			}, p0, &fd.Settings{Formula: fd.Central, Step: 1e-5})
			if e := relErr(res.DParams, wantP); e > 1e-6 {
				t.Errorf("DParams = %v, FD %v (rel err %.2g)", res.DParams, wantP, e)
			}
		})
	}
}

// cubeMLP is the spiral demo's field f(y) = MLP(y³) for one 2-vector.
type cubeMLP struct {
	m     *nn.MLP
	x, gx []float64
}

func newCubeMLP(seed uint64) *cubeMLP {
	m := nn.NewMLPWith(nn.MLPOptions{Sizes: []int{2, 16, 2}, Act: nn.Tanh, Init: nn.InitNormal, Sigma: 0.5, RNG: nn.NewRNG(seed)})
	return &cubeMLP{m: m, x: make([]float64, 2), gx: make([]float64, 2)}
}

func (c *cubeMLP) Dim() int          { return 2 }
func (c *cubeMLP) Params() []float64 { return c.m.Params() }
func (c *cubeMLP) Func(_ float64, y, dy []float64) {
	for i, v := range y {
		c.x[i] = v * v * v
	}
	c.m.Forward(c.x, dy, 1)
}
func (c *cubeMLP) VJP(_ float64, y, a, ay, ap []float64) {
	for i, v := range y {
		c.x[i] = v * v * v
	}
	c.m.VJP(c.x, a, c.gx, ap, 1)
	for i, v := range y {
		ay[i] = c.gx[i] * 3 * v * v
	}
}

func l1Loss(d [][]float64) adjoint.LossFunc {
	return func(i int, y, g []float64) float64 {
		return nn.L1(y, d[i], g)
	}
}

func spiralData() (y0, ts []float64, d [][]float64) {
	y0 = []float64{2, 0}
	ts = []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5}
	d = [][]float64{{2, 0}, {1.9, -0.6}, {1.6, -1.1}, {1.2, -1.5}, {0.7, -1.7}, {0.2, -1.8}}
	return
}

func TestSpiralMLPFiniteDifferences(t *testing.T) {
	y0, ts, d := spiralData()
	loss := quadLoss(d)
	cases := []struct {
		m   adjoint.Method
		o   *ode.Options
		tol float64
	}{
		{adjoint.Backsolve, &ode.Options{RTol: 1e-10, ATol: 1e-12}, 1e-6},
		{adjoint.Checkpoint, &ode.Options{RTol: 1e-10, ATol: 1e-12}, 1e-6},
		{adjoint.Discrete, &ode.Options{RTol: 1e-10, ATol: 1e-12}, 1e-6},
		// fixed steps: the discrete gradient is exact for the discretised
		// map, so it matches finite differences of it closely even with a
		// coarse step.
		{adjoint.Discrete, &ode.Options{Method: "rk4", StepSize: 0.05}, 1e-8},
		{adjoint.Discrete, &ode.Options{Method: "tsit5", RTol: 1e-10, ATol: 1e-12}, 1e-6},
		// Steps pinned to MaxStep (loose tolerance, fixed first step), so
		// the step sequence does not depend on θ: the discrete gradient,
		// with observations taken from the dense output inside steps, is
		// then the exact derivative of the computed solution.
		{adjoint.Discrete, &ode.Options{RTol: 1e-4, ATol: 1e-6, FirstStep: 0.03, MaxStep: 0.03}, 1e-8},
		{adjoint.Discrete, &ode.Options{Method: "tsit5", RTol: 1e-4, ATol: 1e-6, FirstStep: 0.03, MaxStep: 0.03}, 1e-8},
	}
	for _, c := range cases {
		name := fmt.Sprintf("%v/%s/maxstep=%g", c.m, c.o.Method, c.o.MaxStep)
		t.Run(name, func(t *testing.T) {
			sys := newCubeMLP(3)
			res, err := adjoint.Gradient(sys, y0, ts, loss, &adjoint.Options{Method: c.m, Solver: c.o})
			if err != nil {
				t.Fatal(err)
			}
			// One solve per interval: no dense-output interpolation, so the
			// finite differences are less noisy.
			// With pinned steps the reference is the very map the discrete
			// adjoint differentiates (one solve, observations from the dense
			// output). Otherwise finite differences of adaptive solves are
			// noisy where step sizes and interpolation react to θ, so the
			// reference solves interval by interval (no interpolation).
			per := c.o.MaxStep == 0
			p0 := append([]float64(nil), sys.Params()...)
			want := fd.Gradient(nil, func(x []float64) float64 {
				copy(sys.Params(), x)
				defer copy(sys.Params(), p0)
				return fdLoss(sys, y0, ts, loss, c.o, per)
			}, p0, &fd.Settings{Formula: fd.Central, Step: 1e-6})
			t.Logf("dθ rel err vs FD %.2g", relErr(res.DParams, want))
			if e := relErr(res.DParams, want); e > c.tol {
				t.Errorf("dθ rel err %.2g vs finite differences (tol %g)", e, c.tol)
			}
			yy := append([]float64(nil), y0...)
			wantY := fd.Gradient(nil, func(x []float64) float64 {
				copy(yy, x)
				return fdLoss(sys, yy, ts, loss, c.o, per)
			}, y0, &fd.Settings{Formula: fd.Central, Step: 1e-6})
			if e := relErr(res.DY0, wantY); e > c.tol {
				t.Errorf("dy0 = %v, FD %v (rel err %.2g)", res.DY0, wantY, e)
			}
		})
	}
}

func TestMethodsAgree(t *testing.T) {
	y0, ts, d := spiralData()
	sys := newCubeMLP(5)
	o := &ode.Options{RTol: 1e-9, ATol: 1e-11}
	var ref *adjoint.Result
	for _, m := range methods {
		res, err := adjoint.Gradient(sys, y0, ts, l1Loss(d), &adjoint.Options{Method: m, Solver: o, SemiNorm: true})
		if err != nil {
			t.Fatal(m, err)
		}
		if ref == nil {
			ref = res
			continue
		}
		t.Logf("%v vs backsolve: dθ rel diff %.2g, dy0 %.2g", m, relErr(res.DParams, ref.DParams), relErr(res.DY0, ref.DY0))
		if e := relErr(res.DParams, ref.DParams); e > 1e-6 {
			t.Errorf("%v vs backsolve: dθ rel diff %.2g", m, e)
		}
		if e := relErr(res.DY0, ref.DY0); e > 1e-6 {
			t.Errorf("%v vs backsolve: dy0 rel diff %.2g", m, e)
		}
		if math.Abs(res.Loss-ref.Loss) > 1e-8 {
			t.Errorf("%v loss %.12g vs %.12g", m, res.Loss, ref.Loss)
		}
	}
}

func TestErrors(t *testing.T) {
	y0 := []float64{1, 0}
	r := &rotDecay{p: []float64{-0.3, 1.7}}
	loss := quadLoss(linD)
	if _, err := adjoint.Gradient(r, y0, linTS, loss, &adjoint.Options{Method: adjoint.Discrete, Solver: &ode.Options{Method: "rodas5p"}}); !errors.Is(err, adjoint.ErrMethod) {
		t.Errorf("discrete with rodas5p: err = %v, want ErrMethod", err)
	}
	if _, err := adjoint.Gradient(r, y0, linTS, loss, &adjoint.Options{Method: adjoint.Discrete, TimeGradient: true}); !errors.Is(err, adjoint.ErrTimeGradient) {
		t.Errorf("discrete time gradient: err = %v", err)
	}
	if _, err := adjoint.Gradient(r, y0, linTS, loss, &adjoint.Options{Method: 7}); !errors.Is(err, adjoint.ErrMethod) {
		t.Errorf("method 7: err = %v", err)
	}
	for _, m := range methods {
		// forward failure
		_, err := adjoint.Gradient(r, y0, linTS, loss, &adjoint.Options{Method: m, Solver: &ode.Options{MaxSteps: 2}})
		var se *ode.SolveError
		if !errors.Is(err, adjoint.ErrForward) || !errors.As(err, &se) {
			t.Errorf("%v: forward MaxSteps: err = %v", m, err)
		}
		// a NaN loss gradient never reaches the caller as numbers
		_, err = adjoint.Gradient(r, y0, linTS, func(i int, y, g []float64) float64 {
			g[0] = math.NaN()
			return 0
		}, &adjoint.Options{Method: m})
		if err == nil {
			t.Errorf("%v: NaN loss gradient: no error", m)
		}
		if _, err := adjoint.Gradient(r, []float64{1}, linTS, loss, &adjoint.Options{Method: m}); err == nil {
			t.Errorf("%v: wrong y0 length: no error", m)
		}
		if _, err := adjoint.Gradient(r, y0, []float64{0, 1, 1}, loss, &adjoint.Options{Method: m}); !errors.Is(err, adjoint.ErrForward) {
			t.Errorf("%v: non-monotonic ts: err = %v", m, err)
		}
	}
	for _, m := range []adjoint.Method{adjoint.Backsolve, adjoint.Checkpoint} {
		_, err := adjoint.Gradient(r, y0, linTS, loss, &adjoint.Options{Method: m, AdjointSolver: &ode.Options{MaxSteps: 2}})
		var se *ode.SolveError
		if !errors.Is(err, adjoint.ErrBackward) || !errors.As(err, &se) {
			t.Errorf("%v: backward MaxSteps: err = %v", m, err)
		} else if n := len(linTS); !(se.T >= linTS[n-2] && se.T <= linTS[n-1]) {
			// the backward solve failed in the last interval, and says
			// where
			t.Errorf("%v: backward failure at t = %g, outside [%g, %g]", m, se.T, linTS[n-2], linTS[n-1])
		}
	}
	if _, err := adjoint.ParseMethod("nope"); !errors.Is(err, adjoint.ErrMethod) {
		t.Errorf("ParseMethod: %v", err)
	}
	for _, m := range methods {
		if got, err := adjoint.ParseMethod(m.String()); err != nil || got != m {
			t.Errorf("ParseMethod(%q) = %v, %v", m.String(), got, err)
		}
	}
}

// TestAdjointSolverMethods runs the backward passes, whose intervals
// start from a learnt step, with other solvers: explicit of other orders,
// multistep, stiff (with a finite-difference Jacobian of the adjoint
// system), and a fixed-step method, which learns no step.
func TestAdjointSolverMethods(t *testing.T) {
	y0 := []float64{1.2, -0.7}
	for _, ao := range []*ode.Options{
		{Method: "tsit5", RTol: 1e-10, ATol: 1e-12},
		{Method: "dop853", RTol: 1e-10, ATol: 1e-12},
		{Method: "adams", RTol: 1e-10, ATol: 1e-12},
		{Method: "radau5", RTol: 1e-10, ATol: 1e-12},
		{Method: "auto", RTol: 1e-10, ATol: 1e-12},
		{Method: "rk4", StepSize: 1e-3},
	} {
		for _, mc := range []struct {
			m    adjoint.Method
			ckpt int
		}{{adjoint.Backsolve, 0}, {adjoint.Checkpoint, 0}, {adjoint.Checkpoint, 2}} {
			t.Run(fmt.Sprintf("%s/%v/checkpoints=%d", ao.Method, mc.m, mc.ckpt), func(t *testing.T) {
				r := &rotDecay{p: []float64{-0.3, 1.7}}
				_, dp, dy0, _ := linearAnalytic(r, y0)
				opts := &adjoint.Options{Method: mc.m, Solver: &ode.Options{RTol: 1e-11, ATol: 1e-13}, AdjointSolver: ao, Checkpoints: mc.ckpt}
				res, err := adjoint.Gradient(r, y0, linTS, quadLoss(linD), opts)
				if err != nil {
					t.Fatal(err)
				}
				if e := relErr(res.DParams, dp); e > 1e-7 {
					t.Errorf("dθ rel err %.2g", e)
				}
				if e := relErr(res.DY0, dy0); e > 1e-7 {
					t.Errorf("dy0 rel err %.2g", e)
				}
			})
		}
	}
}
