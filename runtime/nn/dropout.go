package nn

import (
	"fmt"
	"math/rand/v2"
)

// Dropout zeroes each value with probability P during training and scales
// the survivors by 1/(1−P) ("inverted" dropout, as torch.nn.Dropout), so
// evaluation (Training false) is the identity. Each Forward in training
// mode draws a new mask from the layer's RNG; VJP uses the mask of the
// last Forward.
type Dropout struct {
	N        int
	P        float64
	Training bool
	rng      *rand.Rand
	mask     []float64
}

// NewDropout returns a dropout layer for n values per sample, in training
// mode. p must be in [0, 1).
func NewDropout(n int, p float64, rng *rand.Rand) (*Dropout, error) {
	if !(p >= 0 && p < 1) {
		return nil, fmt.Errorf("%w: dropout probability %v is outside [0, 1)", ErrBadConfig, p)
	}
	if rng == nil {
		rng = NewRNG(0)
	}
	return &Dropout{N: n, P: p, Training: true, rng: rng}, nil
}

func (d *Dropout) InSize() int             { return d.N }
func (d *Dropout) OutSize() int            { return d.N }
func (d *Dropout) Params() []float64       { return nil }
func (d *Dropout) ParamSpecs() []ParamSpec { return nil }
func (d *Dropout) SetParams([]float64)     {}

func (d *Dropout) active() bool { return d.Training && d.P > 0 }

func (d *Dropout) Forward(x, y []float64, b int) {
	n := b * d.N
	checkLen("Dropout input", x, n)
	checkLen("Dropout output", y, n)
	if !d.active() {
		copy(y[:n], x[:n])
		return
	}
	if cap(d.mask) < n {
		d.mask = make([]float64, n)
	}
	d.mask = d.mask[:n]
	keep := 1 / (1 - d.P)
	for i := range d.mask {
		if d.rng.Float64() < d.P {
			d.mask[i] = 0
		} else {
			d.mask[i] = keep
		}
	}
	d.applyMask(x, y)
}

func (d *Dropout) applyMask(x, y []float64) {
	for i, m := range d.mask {
		y[i] = x[i] * m
	}
}

func (d *Dropout) VJP(x, y, gy, gx, gp []float64, b int) {
	if gx == nil {
		return
	}
	n := b * d.N
	if !d.active() {
		copy(gx[:n], gy[:n])
		return
	}
	if len(d.mask) != n {
		panic("nn: Dropout.VJP batch differs from the last Forward")
	}
	d.applyMask(gy, gx)
}

func (d *Dropout) shareParams() Layer {
	e := *d
	e.mask = nil
	e.rng = NewRNG(d.rng.Uint64())
	return &e
}
