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

// gates computes the pre-activations gi = W_ih x + b_ih and
// gh = W_hh h + b_hh and the gates r, z, n into the workspace.
func (g *GRUCell) gates(x, h []float64, batch int) {
	H, I := g.Hidden, g.In
	checkLen("GRUCell x", x, batch*I)
	checkLen("GRUCell h", h, batch*H)
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
			g.r[k] = rg
			g.z[k] = sigmoid(a[H+j] + c[H+j])
			g.n[k] = math.Tanh(a[2*H+j] + rg*c[2*H+j])
		}
	}
}

// Forward computes the next hidden state hNew (batch×Hidden) from inputs x
// (batch×In) and hidden states h (batch×Hidden). hNew must not alias h.
func (g *GRUCell) Forward(x, h, hNew []float64, batch int) {
	checkLen("GRUCell hNew", hNew, batch*g.Hidden)
	g.gates(x, h, batch)
	for k := range batch * g.Hidden {
		zg := g.z[k]
		hNew[k] = (1-zg)*g.n[k] + zg*h[k]
	}
}

// VJP recomputes the step at (x, h) and back-propagates the gradient
// ghNew of hNew: gx (batch×In) and gh (batch×Hidden) are overwritten
// (either may be nil) and gp += ∂/∂θ is accumulated (may be nil). gh
// must not alias ghNew.
func (g *GRUCell) VJP(x, h, ghNew, gx, gh, gp []float64, batch int) {
	H := g.Hidden
	h3 := 3 * H
	checkLen("GRUCell ghNew", ghNew, batch*H)
	g.gates(x, h, batch)
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
	if gh != nil {
		checkLen("GRUCell gh", gh, batch*H)
		for k := 0; k < batch*H; k++ {
			gh[k] = ghNew[k] * g.z[k]
		}
	}
	g.backLinear(x, h, dgi, dgh, gx, gh, gp, false, batch)
}

// backLinear back-propagates the gradients ai (of W_ih x + b_ih) and ah
// (of W_hh h + b_hh): gx = ai·W_ih is overwritten, gh += ah·W_hh (gh
// already holds the direct term), and, when gp is non-nil, gW_ih += aiᵀx,
// gW_hh += ahᵀh and, unless the map is the bias-free tangent map, the
// bias gradients gain the column sums of ai and ah.
func (g *GRUCell) backLinear(x, h, ai, ah, gx, gh, gp []float64, tangent bool, batch int) {
	H, I := g.Hidden, g.In
	h3 := 3 * H
	if gx != nil {
		checkLen("GRUCell gx", gx, batch*I)
		simd.Gemm(false, false, batch, I, h3, 1, ai, h3, g.Wih, I, 0, gx, I)
	}
	if gh != nil {
		simd.Gemm(false, false, batch, H, h3, 1, ah, h3, g.Whh, H, 1, gh, H)
	}
	if gp != nil {
		checkLen("GRUCell gp", gp, len(g.p))
		a, b := h3*I, h3*(I+H)
		simd.Gemm(true, false, h3, I, batch, 1, ai, h3, x, I, 1, gp[:a], I)
		simd.Gemm(true, false, h3, H, batch, 1, ah, h3, h, H, 1, gp[a:b], H)
		if !tangent { // the tangent map has no bias
			for r := 0; r < batch; r++ {
				simd.Axpy(1, ai[r*h3:(r+1)*h3], gp[b:b+h3])
				simd.Axpy(1, ah[r*h3:(r+1)*h3], gp[b+h3:b+2*h3])
			}
		}
	}
}

// tangentPre computes the tangents of the pre-activations, W_ih dx into
// dgi and W_hh dh into dgh.
func (g *GRUCell) tangentPre(dx, dh []float64, batch int) {
	H, I := g.Hidden, g.In
	h3 := 3 * H
	checkLen("GRUCell dx", dx, batch*I)
	checkLen("GRUCell dh", dh, batch*H)
	simd.Gemm(false, true, batch, h3, I, 1, dx, I, g.Wih, I, 0, g.dgi[:batch*h3], h3)
	simd.Gemm(false, true, batch, h3, H, 1, dh, H, g.Whh, H, 0, g.dgh[:batch*h3], h3)
}

// JVP computes hNew as Forward does and its tangent
//
//	dhNew = (1 − z)⊙dn + (h − n)⊙dz + z⊙dh
//
// along (dx, dh), where, with da = W_ih dx and dc = W_hh dh split by gate,
//
//	dr = r(1 − r)(da_r + dc_r),  dz = z(1 − z)(da_z + dc_z),
//	dn = (1 − n²)(da_n + dr⊙(W_hn h + b_hn) + r⊙dc_n).
//
// hNew and dhNew must not alias h or dh.
func (g *GRUCell) JVP(x, dx, h, dh, hNew, dhNew []float64, batch int) {
	H := g.Hidden
	h3 := 3 * H
	checkLen("GRUCell hNew", hNew, batch*H)
	checkLen("GRUCell dhNew", dhNew, batch*H)
	g.gates(x, h, batch)
	g.tangentPre(dx, dh, batch)
	for r := 0; r < batch; r++ {
		c := g.gh[r*h3 : (r+1)*h3]
		da, dc := g.dgi[r*h3:(r+1)*h3], g.dgh[r*h3:(r+1)*h3]
		for j := 0; j < H; j++ {
			k := r*H + j
			rg, zg, ng := g.r[k], g.z[k], g.n[k]
			dr := rg * (1 - rg) * (da[j] + dc[j])
			dz := zg * (1 - zg) * (da[H+j] + dc[H+j])
			dn := (1 - ng*ng) * (da[2*H+j] + dr*c[2*H+j] + rg*dc[2*H+j])
			hNew[k] = (1-zg)*ng + zg*h[k]
			dhNew[k] = (1-zg)*dn + (h[k]-ng)*dz + zg*dh[k]
		}
	}
}

// VJPJVP differentiates the pair map (x, dx, h, dh) ↦ (hNew, dhNew) of JVP
// in reverse mode, recomputing the step. Given gradients ghNew of hNew and
// gdhNew of dhNew it overwrites
//
//	gx  = ghNewᵀ∂hNew/∂x + gdhNewᵀ∂dhNew/∂x,   gdx = gdhNewᵀ∂dhNew/∂dx,
//	gh  = ghNewᵀ∂hNew/∂h + gdhNewᵀ∂dhNew/∂h,   gdh = gdhNewᵀ∂dhNew/∂dh
//
// (any may be nil) and accumulates ghNewᵀ∂hNew/∂θ + gdhNewᵀ∂dhNew/∂θ into
// gp (may be nil). Outputs must not alias inputs.
func (g *GRUCell) VJPJVP(x, dx, h, dh, ghNew, gdhNew, gx, gdx, gh, gdh, gp []float64, batch int) {
	H := g.Hidden
	h3 := 3 * H
	checkLen("GRUCell ghNew", ghNew, batch*H)
	checkLen("GRUCell gdhNew", gdhNew, batch*H)
	if gh != nil {
		checkLen("GRUCell gh", gh, batch*H)
	}
	if gdh != nil {
		checkLen("GRUCell gdh", gdh, batch*H)
	}
	g.gates(x, h, batch)
	g.tangentPre(dx, dh, batch)
	// Per value, reverse through the tangent map and then the primal map.
	// The pre-activation buffers are overwritten in place by their
	// gradients: gi ← ā, gh ← c̄ (primal), dgi ← d̄a, dgh ← d̄c (tangent).
	for r := 0; r < batch; r++ {
		a, c := g.gi[r*h3:(r+1)*h3], g.gh[r*h3:(r+1)*h3]
		da, dc := g.dgi[r*h3:(r+1)*h3], g.dgh[r*h3:(r+1)*h3]
		for j := 0; j < H; j++ {
			k := r*H + j
			rg, zg, ng := g.r[k], g.z[k], g.n[k]
			cn, dcn := c[2*H+j], dc[2*H+j]
			// Tangent pass, again.
			dpr := da[j] + dc[j]
			dpz := da[H+j] + dc[H+j]
			dr := rg * (1 - rg) * dpr
			dz := zg * (1 - zg) * dpz
			dpn := da[2*H+j] + dr*cn + rg*dcn
			dn := (1 - ng*ng) * dpn
			gq, q := ghNew[k], gdhNew[k]
			// Reverse through dhNew = (1−z)dn + (h−n)dz + z·dh.
			bdn := q * (1 - zg)
			bdz := q * (h[k] - ng)
			bdpn := bdn * (1 - ng*ng)
			bdpz := bdz * zg * (1 - zg)
			bdr := bdpn * cn
			bdpr := bdr * rg * (1 - rg)
			// Primal adjoints, from both outputs and from the gates'
			// appearance in the tangent map.
			bn := gq*(1-zg) - q*dz - 2*ng*dpn*bdn
			bz := gq*(h[k]-ng) + q*(dh[k]-dn) + (1-2*zg)*dpz*bdz
			bpn := bn * (1 - ng*ng)
			br := (1-2*rg)*dpr*bdr + bdpn*dcn + bpn*cn
			bpz := bz * zg * (1 - zg)
			bpr := br * rg * (1 - rg)
			a[j], a[H+j], a[2*H+j] = bpr, bpz, bpn
			c[j], c[H+j], c[2*H+j] = bpr, bpz, bpn*rg+bdpn*dr
			da[j], da[H+j], da[2*H+j] = bdpr, bdpz, bdpn
			dc[j], dc[H+j], dc[2*H+j] = bdpr, bdpz, bdpn*rg
			if gh != nil {
				gh[k] = gq*zg + q*dz
			}
			if gdh != nil {
				gdh[k] = q * zg
			}
		}
	}
	n := batch * h3
	g.backLinear(x, h, g.gi[:n], g.gh[:n], gx, gh, gp, false, batch)
	g.backLinear(dx, dh, g.dgi[:n], g.dgh[:n], gdx, gdh, gp, true, batch)
}

// Clone returns a cell sharing g's parameters with its own workspace, so
// the two may run concurrently.
func (g *GRUCell) Clone() *GRUCell {
	c := &GRUCell{In: g.In, Hidden: g.Hidden}
	c.SetParams(g.p)
	return c
}
