package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/nodekit/nodekit/runtime/simd"
)

// GRUCell is a gated recurrent unit with PyTorch's equations and
// parameter layout (torch.nn.GRUCell), gates ordered r, z, n:
//
//	r  = σ(W_ir x + b_ir + W_hr h + b_hr)
//	z  = σ(W_iz x + b_iz + W_hz h + b_hz)
//	n  = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//	h′ = (1 − z) ⊙ n + z ⊙ h
//
// Parameters, in order: weight_ih (3H×In), weight_hh (3H×H), bias_ih (3H),
// bias_hh (3H). Latent ODEs use it in their ODE-RNN encoder. Its workspace
// grows to the largest batch seen; it is not safe for concurrent use.
type GRUCell struct {
	In, Hidden int
	Wih, Whh   []float64 // views into p
	Bih, Bhh   []float64
	p          []float64

	gi, gh, r, z, n []float64 // workspace from the last forward
	dgi, dgh        []float64
}

// NewGRUCell returns a GRU cell with every parameter drawn from
// U(−1/√H, 1/√H) as PyTorch does (nil rng leaves them zero).
func NewGRUCell(in, hidden int, rng *rand.Rand) *GRUCell {
	if in <= 0 || hidden <= 0 {
		panic(fmt.Sprintf("nn: NewGRUCell(%d, %d): sizes must be positive", in, hidden))
	}
	g := &GRUCell{In: in, Hidden: hidden}
	g.SetParams(make([]float64, 3*hidden*(in+hidden+2)))
	if rng != nil {
		a := 1 / math.Sqrt(float64(hidden))
		for i := range g.p {
			g.p[i] = a * (2*rng.Float64() - 1)
		}
	}
	return g
}

// Params returns all parameters as one flat slice aliasing the cell.
func (g *GRUCell) Params() []float64 { return g.p }

// NumParams returns len(Params()).
func (g *GRUCell) NumParams() int { return len(g.p) }

// ParamSpecs names the tensors in Params (PyTorch GRUCell names).
func (g *GRUCell) ParamSpecs() []ParamSpec {
	h3 := 3 * g.Hidden
	return []ParamSpec{
		{"weight_ih", []int{h3, g.In}}, {"weight_hh", []int{h3, g.Hidden}},
		{"bias_ih", []int{h3}}, {"bias_hh", []int{h3}},
	}
}

// ParamTensors returns the named tensors aliasing Params.
func (g *GRUCell) ParamTensors() []Tensor { return tensorsFromSpecs(g.ParamSpecs(), g.p) }

// SetParams rebinds the cell's storage to p without copying.
func (g *GRUCell) SetParams(p []float64) {
	h3 := 3 * g.Hidden
	n := h3 * (g.In + g.Hidden + 2)
	if len(p) != n {
		panic(fmt.Sprintf("nn: GRUCell.SetParams: got %d values, want %d", len(p), n))
	}
	g.p = p
	a, b := h3*g.In, h3*(g.In+g.Hidden)
	g.Wih, g.Whh = p[:a:a], p[a:b:b]
	g.Bih, g.Bhh = p[b:b+h3:b+h3], p[b+h3:]
}

func (g *GRUCell) grow(b int) {
	H := g.Hidden
	if cap(g.gi) < b*3*H {
		g.gi = make([]float64, b*3*H)
		g.gh = make([]float64, b*3*H)
		g.dgi = make([]float64, b*3*H)
		g.dgh = make([]float64, b*3*H)
		g.r = make([]float64, b*H)
		g.z = make([]float64, b*H)
		g.n = make([]float64, b*H)
	}
}

// Forward computes the next hidden state hNew (batch×Hidden) from inputs x
// (batch×In) and hidden states h (batch×Hidden). hNew must not alias h.
func (g *GRUCell) Forward(x, h, hNew []float64, batch int) {
	H, I := g.Hidden, g.In
	checkLen("GRUCell x", x, batch*I)
	checkLen("GRUCell h", h, batch*H)
	checkLen("GRUCell hNew", hNew, batch*H)
	g.grow(batch)
	h3 := 3 * H
	gi, gh := g.gi[:batch*h3], g.gh[:batch*h3]
	for r := 0; r < batch; r++ {
		copy(gi[r*h3:(r+1)*h3], g.Bih)
		copy(gh[r*h3:(r+1)*h3], g.Bhh)
	}
	simd.Gemm(false, true, batch, h3, I, 1, x, I, g.Wih, I, 1, gi, h3)
	simd.Gemm(false, true, batch, h3, H, 1, h, H, g.Whh, H, 1, gh, h3)
	for r := 0; r < batch; r++ {
		a, c := gi[r*h3:(r+1)*h3], gh[r*h3:(r+1)*h3]
		for j := 0; j < H; j++ {
			k := r*H + j
			rg := sigmoid(a[j] + c[j])
			zg := sigmoid(a[H+j] + c[H+j])
			ng := math.Tanh(a[2*H+j] + rg*c[2*H+j])
			g.r[k], g.z[k], g.n[k] = rg, zg, ng
			hNew[k] = (1-zg)*ng + zg*h[k]
		}
	}
}

// VJP recomputes the step at (x, h) and back-propagates the gradient
// ghNew of hNew: gx (batch×In) and gh (batch×Hidden) are overwritten
// (either may be nil) and gp += ∂/∂θ is accumulated (may be nil). gh
// must not alias ghNew.
func (g *GRUCell) VJP(x, h, ghNew, gx, gh, gp []float64, batch int) {
	H, I := g.Hidden, g.In
	h3 := 3 * H
	g.grow(batch)
	// Recompute the gates; hNew itself is not needed, so write it to dgh
	// (overwritten below).
	g.Forward(x, h, g.dgh[:batch*H], batch)
	dgi, dgh := g.dgi[:batch*h3], g.dgh[:batch*h3]
	for r := 0; r < batch; r++ {
		c := g.gh[r*h3 : (r+1)*h3]
		for j := 0; j < H; j++ {
			k := r*H + j
			rg, zg, ng := g.r[k], g.z[k], g.n[k]
			d := ghNew[k]
			dn := d * (1 - zg)
			dz := d * (h[k] - ng)
			dan := dn * (1 - ng*ng)
			dr := dan * c[2*H+j]
			daz := dz * zg * (1 - zg)
			dar := dr * rg * (1 - rg)
			o := r * h3
			dgi[o+j], dgi[o+H+j], dgi[o+2*H+j] = dar, daz, dan
			dgh[o+j], dgh[o+H+j], dgh[o+2*H+j] = dar, daz, dan*rg
		}
	}
	if gx != nil {
		simd.Gemm(false, false, batch, I, h3, 1, dgi, h3, g.Wih, I, 0, gx, I)
	}
	if gh != nil {
		for k := 0; k < batch*H; k++ {
			gh[k] = ghNew[k] * g.z[k]
		}
		simd.Gemm(false, false, batch, H, h3, 1, dgh, h3, g.Whh, H, 1, gh, H)
	}
	if gp != nil {
		a, b := h3*I, h3*(I+H)
		simd.Gemm(true, false, h3, I, batch, 1, dgi, h3, x, I, 1, gp[:a], I)
		simd.Gemm(true, false, h3, H, batch, 1, dgh, h3, h, H, 1, gp[a:b], H)
		for r := 0; r < batch; r++ {
			simd.Axpy(1, dgi[r*h3:(r+1)*h3], gp[b:b+h3])
			simd.Axpy(1, dgh[r*h3:(r+1)*h3], gp[b+h3:b+2*h3])
		}
	}
}

// Clone returns a cell sharing g's parameters with its own workspace, so
// the two may run concurrently.
func (g *GRUCell) Clone() *GRUCell {
	c := &GRUCell{In: g.In, Hidden: g.Hidden}
	c.SetParams(g.p)
	return c
}
