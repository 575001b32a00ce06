package adjoint

import (
	"fmt"
	"math"
	"testing"

	"github.com/nodekit/nodekit/runtime/ode"
)

// duffing is a forced Duffing oscillator with parameters θ = (δ, α, β):
// x” = −δx' − αx − βx³ + 0.3 cos t, non-autonomous and nonlinear.
type duffing struct{ p []float64 }

func (d *duffing) Dim() int          { return 2 }
func (d *duffing) Params() []float64 { return d.p }
func (d *duffing) Func(t float64, y, dy []float64) {
	dy[0] = y[1]
	dy[1] = -d.p[0]*y[1] - d.p[1]*y[0] - d.p[2]*y[0]*y[0]*y[0] + 0.3*math.Cos(t)
}
func (d *duffing) VJP(_ float64, y, a, ay, ap []float64) {
	ay[0] = a[1] * (-d.p[1] - 3*d.p[2]*y[0]*y[0])
	ay[1] = a[0] - a[1]*d.p[0]
	if ap != nil {
		ap[0] -= a[1] * y[1]
		ap[1] -= a[1] * y[0]
		ap[2] -= a[1] * y[0] * y[0] * y[0]
	}
}

// slottedDuffing is duffing as a StageVJPer: each slot keeps the point
// of its evaluation, and VJPSlot differentiates there.
type slottedDuffing struct {
	duffing
	slots [][3]float64 // t, y₀, y₁
	calls int
}

func (d *slottedDuffing) FuncSlot(k int, t float64, y, dy []float64) {
	for len(d.slots) <= k {
		d.slots = append(d.slots, [3]float64{})
	}
	d.slots[k] = [3]float64{t, y[0], y[1]}
	d.calls++
	d.Func(t, y, dy)
}

func (d *slottedDuffing) VJPSlot(k int, a, ay, ap []float64) {
	s := d.slots[k]
	d.VJP(s[0], s[1:], a, ay, ap)
}

func duffingLoss(i int, y, g []float64) float64 {
	w := float64(i + 1)
	g[0], g[1] = 2*w*y[0], w*math.Cos(y[1])
	return w*y[0]*y[0] + w*math.Sin(y[1])
}

// TestDiscreteRecordedStages checks that the discrete adjoint, which
// reuses the stages the forward solve evaluated, gives the gradient of
// replaying every step, for plain and slotted systems and for methods
// with dense output (one solve) and without (one solve per interval).
func TestDiscreteRecordedStages(t *testing.T) {
	y0 := []float64{1, 0}
	ts := []float64{0, 0.7, 1.1, 2.5, 4}
	for _, o := range []*ode.Options{
		{Method: "dopri5", RTol: 1e-8, ATol: 1e-10},
		{Method: "tsit5", RTol: 1e-6, ATol: 1e-8},
		{Method: "bosh3", RTol: 1e-6, ATol: 1e-8},
		{Method: "rk4", StepSize: 0.1},
	} {
		for _, slotted := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/slotted=%v", o.Method, slotted), func(t *testing.T) {
				var res [2]Result
				for r, replay := range []bool{false, true} {
					sd := &slottedDuffing{duffing: duffing{p: []float64{0.2, -1, 1}}}
					var sys ode.Differentiable = &sd.duffing
					if slotted {
						sys = sd
					}
					w, err := NewWorkspace(sys, &Options{Method: Discrete, Solver: o})
					if err != nil {
						t.Fatal(err)
					}
					w.dc.replay = replay
					if err := w.Gradient(y0, ts, duffingLoss, &res[r]); err != nil {
						t.Fatal(err)
					}
					if got := res[r].Stats.Backward.NFE; (got == 0) == replay {
						t.Errorf("replay=%v: %d evaluations on the way back", replay, got)
					}
					if slotted && sd.calls != res[r].Stats.Forward.NFE+res[r].Stats.Backward.NFE {
						t.Errorf("replay=%v: %d FuncSlot calls, %d evaluations counted", replay, sd.calls, res[r].Stats.Forward.NFE+res[r].Stats.Backward.NFE)
					}
				}
				rel := func(a, b []float64) float64 {
					num, den := 0.0, 0.0
					for i := range a {
						num += (a[i] - b[i]) * (a[i] - b[i])
						den += b[i] * b[i]
					}
					return math.Sqrt(num / den)
				}
				if e := rel(res[0].DParams, res[1].DParams); e > 1e-12 {
					t.Errorf("dθ recorded %v, replayed %v (rel %.2g)", res[0].DParams, res[1].DParams, e)
				}
				if e := rel(res[0].DY0, res[1].DY0); e > 1e-12 {
					t.Errorf("dy0 recorded %v, replayed %v (rel %.2g)", res[0].DY0, res[1].DY0, e)
				}
			})
		}
	}
}

// TestDiscreteMatchRejectsForeignStages checks that a stage whose
// recorded state does not match the rebuilt one is not used: the
// backward pass then replays.
func TestDiscreteMatchRejectsForeignStages(t *testing.T) {
	sys := &duffing{p: []float64{0.2, -1, 1}}
	w, err := NewWorkspace(sys, &Options{Method: Discrete})
	if err != nil {
		t.Fatal(err)
	}
	var res Result
	if err := w.Gradient([]float64{1, 0}, []float64{0, 1, 2}, duffingLoss, &res); err != nil {
		t.Fatal(err)
	}
	s := w.dc
	if !s.match(2) {
		t.Fatal("the solver's own evaluations do not match")
	}
	// Perturb the state of one recorded evaluation of an accepted stage.
	c := s.call[len(s.tab.C)+2]
	s.rec.ys[2*c] *= 1 + 1e-7
	if s.match(2) {
		t.Error("a perturbed stage state still matches")
	}
}
