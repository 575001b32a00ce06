package nn

import (
	"fmt"
	"math"
)

// Optimizer updates parameters in place from their gradients. State
// (momentum, running averages) is allocated on the first Step and reused,
// so steps after the first allocate nothing. Every optimiser follows
// PyTorch's update rule of the same name exactly.
type Optimizer interface {
	// Step updates params from grads (same length, fixed across calls).
	Step(params, grads []float64)
	// LearningRate and SetLearningRate read and set the current rate, for
	// schedules.
	LearningRate() float64
	SetLearningRate(lr float64)
	// Reset forgets all state (momentum, averages, step count).
	Reset()
}

func checkStep(name string, params, grads []float64, state []float64) {
	if len(params) != len(grads) {
		panic(fmt.Sprintf("nn: %s.Step: %d parameters but %d gradients", name, len(params), len(grads)))
	}
	if state != nil && len(state) != len(params) {
		panic(fmt.Sprintf("nn: %s.Step: %d parameters, but the state was built for %d (call Reset to change size)", name, len(params), len(state)))
	}
}

// SGD is stochastic gradient descent with optional momentum, dampening,
// Nesterov momentum and L2 weight decay (torch.optim.SGD):
//
//	g ← g + wd·p
//	b ← g on the first step, else μ·b + (1 − dampening)·g
//	g ← g + μ·b (Nesterov) or b
//	p ← p − lr·g
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

// RMSprop divides the gradient by a running root mean square
// (torch.optim.RMSprop, not centered):
//
//	g ← g + wd·p
//	v ← α·v + (1 − α)·g²
//	b ← μ·b + g/(√v + ε), p ← p − lr·b   (momentum μ > 0)
//	p ← p − lr·g/(√v + ε)               (μ = 0)
type RMSprop struct {
	LR, Alpha, Eps, Momentum, WeightDecay float64
	sq, buf                               []float64
}

// NewRMSprop returns RMSprop with PyTorch's defaults α = 0.99, ε = 1e-8.
func NewRMSprop(lr float64) *RMSprop { return &RMSprop{LR: lr, Alpha: 0.99, Eps: 1e-8} }

func (o *RMSprop) LearningRate() float64      { return o.LR }
func (o *RMSprop) SetLearningRate(lr float64) { o.LR = lr }
func (o *RMSprop) Reset()                     { o.sq, o.buf = nil, nil }

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

// Adam is Adam (Kingma & Ba) with bias correction, exactly as
// torch.optim.Adam computes it:
//
//	g ← g + wd·p                 (Adam; L2 penalty in the gradient)
//	p ← p·(1 − lr·wd)            (AdamW; decoupled weight decay)
//	m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²
//	p ← p − (lr/(1 − β₁ᵗ))·m / (√v/√(1 − β₂ᵗ) + ε)
type Adam struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64
	// Decoupled selects AdamW's weight decay.
	Decoupled bool
	m, v      []float64
	t         int
}

// NewAdam returns Adam with β₁ = 0.9, β₂ = 0.999, ε = 1e-8, no weight decay.
func NewAdam(lr float64) *Adam { return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8} }

// NewAdamW returns AdamW (decoupled weight decay wd; PyTorch's default is
// 0.01) with β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
func NewAdamW(lr, wd float64) *Adam {
	a := NewAdam(lr)
	a.WeightDecay, a.Decoupled = wd, true
	return a
}

func (o *Adam) LearningRate() float64      { return o.LR }
func (o *Adam) SetLearningRate(lr float64) { o.LR = lr }
func (o *Adam) Reset()                     { o.m, o.v, o.t = nil, nil, 0 }

// Steps returns the number of steps taken since the last Reset.
func (o *Adam) Steps() int { return o.t }

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

// Schedule gives the learning rate for an epoch (or step) number,
// counting from 0.
type Schedule interface {
	LR(epoch int) float64
}

// StepLR decays the rate by Gamma every StepSize epochs:
// Base·Gamma^⌊epoch/StepSize⌋ (torch.optim.lr_scheduler.StepLR).
type StepLR struct {
	Base     float64
	StepSize int
	Gamma    float64
}

func (s StepLR) LR(epoch int) float64 {
	if s.StepSize <= 0 {
		return s.Base
	}
	return s.Base * math.Pow(s.Gamma, float64(epoch/s.StepSize))
}

// CosineLR anneals from Base to Min over TMax epochs and then stays at Min:
// Min + (Base − Min)(1 + cos(π·epoch/TMax))/2 (CosineAnnealingLR without
// restarts).
type CosineLR struct {
	Base, Min float64
	TMax      int
}

func (s CosineLR) LR(epoch int) float64 {
	if s.TMax <= 0 || epoch >= s.TMax {
		return s.Min
	}
	return s.Min + (s.Base-s.Min)*(1+math.Cos(math.Pi*float64(epoch)/float64(s.TMax)))/2
}

// ClipGradNorm rescales g in place so that its Euclidean norm is at most
// maxNorm (torch.nn.utils.clip_grad_norm_: scale by maxNorm/(norm + 1e-6)
// when that is below 1). It returns the norm before clipping.
func ClipGradNorm(g []float64, maxNorm float64) float64 {
	// Scaled sum of squares avoids overflow for huge gradients.
	scale, ssq := 0.0, 1.0
	for _, v := range g {
		if v == 0 {
			continue
		}
		a := math.Abs(v)
		if scale < a {
			ssq = 1 + ssq*(scale/a)*(scale/a)
			scale = a
		} else {
			ssq += (a / scale) * (a / scale)
		}
	}
	norm := scale * math.Sqrt(ssq)
	if c := maxNorm / (norm + 1e-6); c < 1 {
		for i := range g {
			g[i] *= c
		}
	}
	return norm
}

// ClipGradValue clamps every element of g to [−c, c].
func ClipGradValue(g []float64, c float64) {
	for i, v := range g {
		g[i] = min(max(v, -c), c)
	}
}
