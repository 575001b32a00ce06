package nn

import (
	"errors"
	"math"
	"testing"
)

// TestOptimizerStateResume checks that a fresh optimiser given the state
// of another one halfway continues bit for bit, and that the state is a
// copy.
func TestOptimizerStateResume(t *testing.T) {
	for _, c := range []struct {
		name string
		mk   func() StatefulOptimizer
	}{
		{"sgd plain", func() StatefulOptimizer { return NewSGD(0.1, 0) }},
		{"sgd nesterov", func() StatefulOptimizer {
			return &SGD{LR: 0.1, Momentum: 0.9, Dampening: 0.1, WeightDecay: 0.01, Nesterov: true}
		}},
		{"rmsprop momentum", func() StatefulOptimizer {
			return &RMSprop{LR: 0.01, Alpha: 0.9, Eps: 1e-8, Momentum: 0.5, WeightDecay: 0.01}
		}},
		{"adam", func() StatefulOptimizer { return NewAdam(0.01) }},
		{"adamw", func() StatefulOptimizer { return NewAdamW(0.01, 0.1) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			const n = 9
			rng := NewRNG(7)
			a := c.mk()
			if s := a.State(); len(s) != 0 {
				t.Fatalf("state before the first step: %v", s)
			}
			p1, p2 := make([]float64, n), make([]float64, n)
			Normal(p1, 1, rng)
			g := make([]float64, n)
			var b StatefulOptimizer
			for step := 0; step < 30; step++ {
				Normal(g, 1, rng)
				a.Step(p1, g)
				if b != nil {
					b.Step(p2, g)
				}
				if step == 14 {
					st := a.State()
					b = c.mk()
					if err := b.SetState(st, n); err != nil {
						t.Fatal(err)
					}
					// the state handed out is a copy
					for _, x := range st {
						for i := range x.Data {
							x.Data[i] = math.NaN()
						}
					}
					copy(p2, p1)
				}
			}
			for i := range p1 {
				if math.Float64bits(p1[i]) != math.Float64bits(p2[i]) {
					t.Errorf("p[%d]: resumed %v, uninterrupted %v", i, p2[i], p1[i])
				}
			}
			// An empty state is a fresh optimiser.
			fresh, reset := c.mk(), c.mk()
			if err := reset.SetState(nil, n); err != nil {
				t.Fatal(err)
			}
			q1, q2 := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}
			fresh.Step(q1, g)
			reset.Step(q2, g)
			closeVec(t, "fresh vs empty state", q2, q1, 0)
		})
	}
}

func TestOptimizerStateErrors(t *testing.T) {
	a := NewAdam(0.1)
	a.Step([]float64{1, 2}, []float64{0.5, -1})
	st := a.State()
	if len(st) != 3 {
		t.Fatalf("Adam state has %d tensors, want 3", len(st))
	}
	for _, c := range []struct {
		name string
		opt  StatefulOptimizer
		ts   []Tensor
		n    int
	}{
		{"adam wrong size", NewAdam(0.1), st, 3},
		{"adam incomplete", NewAdam(0.1), st[:2], 2},
		{"adam bad step", NewAdam(0.1), append(st[:2:2], Tensor{Name: "step", Shape: []int{1}, Data: []float64{1.5}}), 2},
		{"rmsprop wrong size", NewRMSprop(0.1), []Tensor{{Name: "square_avg", Data: []float64{1}}, {Name: "momentum_buffer", Data: []float64{1}}}, 2},
		{"rmsprop incomplete", NewRMSprop(0.1), []Tensor{{Name: "square_avg", Data: []float64{1, 1}}}, 2},
		{"sgd wrong size", NewSGD(0.1, 0.9), []Tensor{{Name: "momentum_buffer", Data: []float64{1}}}, 2},
	} {
		before := c.opt.State()
		if err := c.opt.SetState(c.ts, c.n); !errors.Is(err, ErrMismatch) {
			t.Errorf("%s: err = %v, want ErrMismatch", c.name, err)
		}
		if after := c.opt.State(); len(after) != len(before) {
			t.Errorf("%s: a failed SetState changed the state", c.name)
		}
	}
}
