package nn

import (
	"math"
	"testing"
)

// The expected trajectories were computed by hand from the update rules
// (written out in each optimiser's doc comment) starting at p = (1, −2)
// with the gradient sequence below, which does not depend on p.
var optGrads = [][]float64{{0.5, -1}, {0.25, 0.5}, {-1, 2}}

func runOpt(o Optimizer) [][]float64 {
	p := []float64{1, -2}
	var out [][]float64
	for _, g := range optGrads {
		o.Step(p, append([]float64(nil), g...))
		out = append(out, append([]float64(nil), p...))
	}
	return out
}

func TestOptimizers(t *testing.T) {
	for _, c := range []struct {
		name string
		opt  Optimizer
		want [][]float64
	}{
		{"sgd", NewSGD(0.1, 0), [][]float64{{0.95, -1.9}, {0.925, -1.95}, {1.025, -2.15}}},
		{"sgd momentum", NewSGD(0.1, 0.9), [][]float64{{0.95, -1.9}, {0.88, -1.86}, {0.917, -2.024}}},
		{"sgd nesterov wd", &SGD{LR: 0.1, Momentum: 0.9, WeightDecay: 0.01, Nesterov: true},
			[][]float64{{0.9031, -1.8062}, {0.81257411, -1.81514822}, {0.942869708191, -2.156378416382}}},
		{"sgd dampening", &SGD{LR: 0.1, Momentum: 0.9, Dampening: 0.5},
			[][]float64{{0.95, -1.9}, {0.8925, -1.835}, {0.89075, -1.8765}}},
		{"rmsprop", NewRMSprop(0.01),
			[][]float64{{0.900000019999996, -1.900000009999999}, {0.855098702557817, -1.944901331474435}, {0.9425726616071325, -2.0323752943495976}}},
		{"rmsprop momentum wd", &RMSprop{LR: 0.01, Alpha: 0.99, Eps: 1e-8, Momentum: 0.9, WeightDecay: 0.1},
			[][]float64{{0.900000016666664, -1.9000000083333326}, {0.7605111253590078, -1.8351302848231223}, {0.7153612698802116, -1.8596057363015432}}},
		{"adam", NewAdam(0.1),
			[][]float64{{0.900000002, -1.900000001}, {0.8067820404774624, -1.873366297370903}, {0.8274177428854115, -1.9190994760260234}}},
		{"adam l2", &Adam{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1},
			[][]float64{{0.9000000016666666, -1.9000000008333333}, {0.8050097658613199, -1.8537472646427609}, {0.8120982607786772, -1.88636311586399}}},
		{"adamw", NewAdamW(0.1, 0.1),
			[][]float64{{0.890000002, -1.880000001}, {0.7878820404574624, -1.8345662973609032}, {0.8006389224608368, -1.8619538130424145}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := runOpt(c.opt)
			for k := range got {
				closeVec(t, "step", got[k], c.want[k], 1e-13)
			}
			// After Reset the optimiser repeats the same trajectory.
			c.opt.Reset()
			again := runOpt(c.opt)
			for k := range got {
				closeVec(t, "after Reset", again[k], got[k], 0)
			}
		})
	}
}

func TestOptimizerNoAllocs(t *testing.T) {
	p := make([]float64, 100)
	g := make([]float64, 100)
	for _, o := range []Optimizer{NewSGD(0.1, 0.9), NewRMSprop(0.1), NewAdam(0.1), NewAdamW(0.1, 0.01)} {
		o.Step(p, g)
		if a := testing.AllocsPerRun(20, func() { o.Step(p, g) }); a != 0 && !raceEnabled {
			t.Errorf("%T: %v allocations per step", o, a)
		}
	}
}

func TestSchedules(t *testing.T) {
	s := StepLR{Base: 1, StepSize: 3, Gamma: 0.5}
	for e, want := range []float64{1, 1, 1, 0.5, 0.5, 0.5, 0.25} {
		if got := s.LR(e); got != want {
			t.Errorf("StepLR.LR(%d) = %v, want %v", e, got, want)
		}
	}
	c := CosineLR{Base: 1, Min: 0.1, TMax: 4}
	for e, want := range []float64{1, 0.1 + 0.9*(1+math.Sqrt2/2)/2, 0.55, 0.1 + 0.9*(1-math.Sqrt2/2)/2, 0.1, 0.1} {
		if got := c.LR(e); math.Abs(got-want) > 1e-15 {
			t.Errorf("CosineLR.LR(%d) = %v, want %v", e, got, want)
		}
	}
}

func TestClip(t *testing.T) {
	g := []float64{3, 4}
	if n := ClipGradNorm(g, 10); n != 5 || g[0] != 3 || g[1] != 4 {
		t.Errorf("ClipGradNorm below the limit changed g: norm %v, g %v", n, g)
	}
	if n := ClipGradNorm(g, 1); n != 5 {
		t.Errorf("norm = %v, want 5", n)
	}
	closeVec(t, "clipped", g, []float64{3 / (5 + 1e-6), 4 / (5 + 1e-6)}, 1e-15)
	huge := []float64{1e200, 1e200}
	if n := ClipGradNorm(huge, 1); math.Abs(n/(math.Sqrt2*1e200)-1) > 1e-15 {
		t.Errorf("norm of huge gradient = %v", n)
	}
	v := []float64{-3, 0.5, 2}
	ClipGradValue(v, 1)
	closeVec(t, "ClipGradValue", v, []float64{-1, 0.5, 1}, 0)
}
