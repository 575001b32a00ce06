package nn

import (
	"fmt"
	"math/rand/v2"
)

// Dropout zeroes each value with probability P during training and scales
// the survivors by 1/(1−P) ("inverted" dropout, as torch.nn.Dropout), so
// evaluation (Training false) is the identity.
//
// In training mode each Forward or JVP draws a new mask from the layer's
// RNG, and VJP and VJPJVP use the mask of the last Forward or JVP, so a
// pass and its backward see the same mask. Set FixedMask to keep one mask
// across calls instead (as an ODE right-hand side needs: f must be the
// same function at every stage of a solve); Resample then draws a new one.
//
// Dropout is a DualLayer: with a mask m fixed it is the linear map
// y = m⊙x, so dy = m⊙dx, gx = m⊙gy and gdx = m⊙gdy.
type Dropout struct {
	N        int
	P        float64
	Training bool
	// FixedMask makes training-mode Forward and JVP reuse the current
	// mask; a new one is drawn only when there is none for the batch.
	FixedMask bool
	rng       *rand.Rand
	mask      []float64
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

// Resample draws a new mask for batch samples (training mode only
// matters when it is used).
func (d *Dropout) Resample(batch int) {
	n := batch * d.N
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
}

// Mask returns the current mask (length batch·N of the last draw; 0 or
// 1/(1−P) per value). It aliases the layer's storage.
func (d *Dropout) Mask() []float64 { return d.mask }

// draw prepares the mask for a training-mode pass over n values.
func (d *Dropout) draw(b int) {
	if !d.FixedMask || len(d.mask) != b*d.N {
		d.Resample(b)
	}
}

// useMask returns the mask for a backward pass over batch b.
func (d *Dropout) useMask(b int, what string) []float64 {
	if len(d.mask) != b*d.N {
		panic(fmt.Sprintf("nn: Dropout.%s batch %d differs from the last Forward or JVP", what, b))
	}
	return d.mask
}

func mulMask(m, x, y []float64) {
	x, y = x[:len(m)], y[:len(m)]
	for i, v := range m {
		y[i] = x[i] * v
	}
}

func (d *Dropout) Forward(x, y []float64, b int) {
	n := b * d.N
	checkLen("Dropout input", x, n)
	checkLen("Dropout output", y, n)
	if !d.active() {
		copy(y[:n], x[:n])
		return
	}
	d.draw(b)
	mulMask(d.mask, x, y)
}

func (d *Dropout) VJP(x, y, gy, gx, gp []float64, b int) {
	if gx == nil {
		return
	}
	n := b * d.N
	checkLen("Dropout gy", gy, n)
	checkLen("Dropout gx", gx, n)
	if !d.active() {
		copy(gx[:n], gy[:n])
		return
	}
	mulMask(d.useMask(b, "VJP"), gy, gx)
}

// JVP computes y = m⊙x and dy = m⊙dx with one mask (drawn as Forward
// draws it).
func (d *Dropout) JVP(x, dx, y, dy []float64, b int) {
	n := b * d.N
	checkLen("Dropout input", x, n)
	checkLen("Dropout tangent", dx, n)
	checkLen("Dropout output", y, n)
	checkLen("Dropout output tangent", dy, n)
	if !d.active() {
		copy(y[:n], x[:n])
		copy(dy[:n], dx[:n])
		return
	}
	d.draw(b)
	mulMask(d.mask, x, y)
	mulMask(d.mask, dx, dy)
}

// VJPJVP: gx = m⊙gy and gdx = m⊙gdy with the mask of the last JVP; the
// map is linear, so there is no second-order term.
func (d *Dropout) VJPJVP(x, dx, y, dy, gy, gdy, gx, gdx, gp []float64, b int) {
	n := b * d.N
	var m []float64
	if d.active() {
		m = d.useMask(b, "VJPJVP")
	}
	for _, p := range [2]struct{ g, out []float64 }{{gy, gx}, {gdy, gdx}} {
		if p.out == nil {
			continue
		}
		checkLen("Dropout upstream gradient", p.g, n)
		checkLen("Dropout gradient", p.out, n)
		if m == nil {
			copy(p.out[:n], p.g[:n])
		} else {
			mulMask(m, p.g, p.out)
		}
	}
}

func (d *Dropout) shareParams() Layer {
	e := *d
	e.mask = nil
	e.rng = NewRNG(d.rng.Uint64())
	return &e
}
