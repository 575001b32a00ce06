package train

import (
	"fmt"
	"math"

	"github.com/nodekit/nodekit/runtime/nn"
)

// StatefulOptimizer is an nn.Optimizer whose internal state (running
// averages, momentum, step count) can be saved in a checkpoint and
// restored, so that a resumed run continues exactly.
//
// The nn optimisers keep their state private; the types here follow the
// same update rules bit for bit and expose it.
type StatefulOptimizer interface {
	nn.Optimizer
	// State returns the state as named tensors (copies). Before the first
	// step it may be empty.
	State() []nn.Tensor
	// SetState restores what State returned, for numParams parameters.
	SetState(ts []nn.Tensor, numParams int) error
}

func stateTensor(name string, v []float64) nn.Tensor {
	return nn.Tensor{Name: name, Shape: []int{len(v)}, Data: append([]float64(nil), v...)}
}

// restore copies the tensor called name into a fresh slice of n values;
// a missing tensor gives nil (the optimiser had not stepped yet).
func restore(ts []nn.Tensor, name string, n int) ([]float64, error) {
	for _, t := range ts {
		if t.Name != name {
			continue
		}
		if len(t.Data) != n {
			return nil, fmt.Errorf("%w: optimiser state %q has %d values, want %d", ErrCheckpoint, name, len(t.Data), n)
		}
		return append([]float64(nil), t.Data...), nil
	}
	return nil, nil
}

// SGD is nn.SGD with saveable state.
type SGD struct {
	LR, Momentum, Dampening, WeightDecay float64
	Nesterov                             bool
	buf                                  []float64
}

// NewSGD returns SGD with learning rate lr and momentum μ (0 for none).
func NewSGD(lr, momentum float64) *SGD { return &SGD{LR: lr, Momentum: momentum} }

func (o *SGD) LearningRate() float64      { return o.LR }
func (o *SGD) SetLearningRate(lr float64) { o.LR = lr }
func (o *SGD) Reset()                     { o.buf = nil }

// Step applies torch.optim.SGD's update (see nn.SGD).
func (o *SGD) Step(p, g []float64) {
	checkStep("SGD", p, g, o.buf)
	mu, wd, lr := o.Momentum, o.WeightDecay, o.LR
	if mu == 0 {
		for i := range p {
			p[i] -= lr * (g[i] + wd*p[i])
		}
		return
	}
	first := o.buf == nil
	if first {
		o.buf = make([]float64, len(p))
	}
	damp := 1 - o.Dampening
	for i := range p {
		gi := g[i] + wd*p[i]
		b := gi
		if !first {
			b = mu*o.buf[i] + damp*gi
		}
		o.buf[i] = b
		if o.Nesterov {
			gi += mu * b
		} else {
			gi = b
		}
		p[i] -= lr * gi
	}
}

func (o *SGD) State() []nn.Tensor {
	if o.buf == nil {
		return nil
	}
	return []nn.Tensor{stateTensor("momentum_buffer", o.buf)}
}

func (o *SGD) SetState(ts []nn.Tensor, n int) error {
	b, err := restore(ts, "momentum_buffer", n)
	if err != nil {
		return err
	}
	o.buf = b
	return nil
}

// RMSprop is nn.RMSprop (torch.optim.RMSprop, not centered) with saveable
// state.
type RMSprop struct {
	LR, Alpha, Eps, Momentum, WeightDecay float64
	sq, buf                               []float64
}

// NewRMSprop returns RMSprop with PyTorch's defaults α = 0.99, ε = 1e-8.
func NewRMSprop(lr float64) *RMSprop { return &RMSprop{LR: lr, Alpha: 0.99, Eps: 1e-8} }

func (o *RMSprop) LearningRate() float64      { return o.LR }
func (o *RMSprop) SetLearningRate(lr float64) { o.LR = lr }
func (o *RMSprop) Reset()                     { o.sq, o.buf = nil, nil }

// Step applies torch.optim.RMSprop's update (see nn.RMSprop).
func (o *RMSprop) Step(p, g []float64) {
	checkStep("RMSprop", p, g, o.sq)
	if o.sq == nil {
		o.sq = make([]float64, len(p))
		o.buf = make([]float64, len(p))
	}
	a, lr, wd, mu, eps := o.Alpha, o.LR, o.WeightDecay, o.Momentum, o.Eps
	for i := range p {
		gi := g[i] + wd*p[i]
		v := a*o.sq[i] + (1-a)*gi*gi
		o.sq[i] = v
		d := gi / (math.Sqrt(v) + eps)
		if mu > 0 {
			d += mu * o.buf[i]
			o.buf[i] = d
		}
		p[i] -= lr * d
	}
}

func (o *RMSprop) State() []nn.Tensor {
	if o.sq == nil {
		return nil
	}
	return []nn.Tensor{stateTensor("square_avg", o.sq), stateTensor("momentum_buffer", o.buf)}
}

func (o *RMSprop) SetState(ts []nn.Tensor, n int) error {
	sq, err := restore(ts, "square_avg", n)
	if err != nil {
		return err
	}
	buf, err := restore(ts, "momentum_buffer", n)
	if err != nil {
		return err
	}
	if (sq == nil) != (buf == nil) {
		return fmt.Errorf("%w: RMSprop state needs both square_avg and momentum_buffer", ErrCheckpoint)
	}
	o.sq, o.buf = sq, buf
	return nil
}

// Adam is nn.Adam (and AdamW with Decoupled) with saveable state.
type Adam struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64
	Decoupled                          bool
	m, v                               []float64
	t                                  int
}

// NewAdam returns Adam with β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
func NewAdam(lr float64) *Adam { return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8} }

// NewAdamW returns AdamW with decoupled weight decay wd.
func NewAdamW(lr, wd float64) *Adam {
	a := NewAdam(lr)
	a.WeightDecay, a.Decoupled = wd, true
	return a
}

func (o *Adam) LearningRate() float64      { return o.LR }
func (o *Adam) SetLearningRate(lr float64) { o.LR = lr }
func (o *Adam) Reset()                     { o.m, o.v, o.t = nil, nil, 0 }

// Step applies torch.optim.Adam's (AdamW's) update (see nn.Adam).
func (o *Adam) Step(p, g []float64) {
	checkStep("Adam", p, g, o.m)
	if o.m == nil {
		o.m = make([]float64, len(p))
		o.v = make([]float64, len(p))
	}
	o.t++
	b1, b2, lr, wd, eps := o.Beta1, o.Beta2, o.LR, o.WeightDecay, o.Eps
	bc1 := 1 - math.Pow(b1, float64(o.t))
	bc2s := math.Sqrt(1 - math.Pow(b2, float64(o.t)))
	step := lr / bc1
	decay := 1 - lr*wd
	for i := range p {
		gi := g[i]
		if o.Decoupled {
			p[i] *= decay
		} else {
			gi += wd * p[i]
		}
		m := b1*o.m[i] + (1-b1)*gi
		v := b2*o.v[i] + (1-b2)*gi*gi
		o.m[i], o.v[i] = m, v
		p[i] -= step * m / (math.Sqrt(v)/bc2s + eps)
	}
}

func (o *Adam) State() []nn.Tensor {
	if o.m == nil {
		return nil
	}
	return []nn.Tensor{stateTensor("exp_avg", o.m), stateTensor("exp_avg_sq", o.v),
		{Name: "step", Shape: []int{1}, Data: []float64{float64(o.t)}}}
}

func (o *Adam) SetState(ts []nn.Tensor, n int) error {
	m, err := restore(ts, "exp_avg", n)
	if err != nil {
		return err
	}
	v, err := restore(ts, "exp_avg_sq", n)
	if err != nil {
		return err
	}
	st, err := restore(ts, "step", 1)
	if err != nil {
		return err
	}
	if (m == nil) != (v == nil) || (m == nil) != (st == nil) {
		return fmt.Errorf("%w: Adam state needs exp_avg, exp_avg_sq and step", ErrCheckpoint)
	}
	o.m, o.v, o.t = m, v, 0
	if st != nil {
		o.t = int(st[0])
	}
	return nil
}

func checkStep(name string, params, grads, state []float64) {
	if len(params) != len(grads) {
		panic(fmt.Sprintf("train: %s.Step: %d parameters but %d gradients", name, len(params), len(grads)))
	}
	if state != nil && len(state) != len(params) {
		panic(fmt.Sprintf("train: %s.Step: %d parameters, but the state was built for %d (call Reset to change size)", name, len(params), len(state)))
	}
}
