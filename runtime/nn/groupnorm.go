package nn

import (
	"fmt"
	"math"
)

// GroupNorm normalises each sample over groups of channels (Wu & He 2018;
// torch.nn.GroupNorm): for input batch×C×S (S = H·W spatial values), the
// C channels are split into G groups, each group is shifted and scaled to
// zero mean and unit (biased) variance, and channel c is then mapped by
// γ_c·x̂ + β_c. Parameters: weight γ (C, initially 1) then bias β (C,
// initially 0).
//
// GroupNorm is a DualLayer. Per group of m values with x̂ = (x − μ)·s,
// s = 1/√(var+ε), the Jacobian of x ↦ x̂ is the symmetric matrix
//
//	J = s·(I − 11ᵀ/m − x̂x̂ᵀ/m),
//
// so a tangent and a cotangent are both mapped by u ↦ s·(u − mean(u) −
// x̂·mean(x̂⊙u)); see VJPJVP for the second-order term.
type GroupNorm struct {
	C, S, G int
	Eps     float64
	Gamma   []float64 // views into p
	Beta    []float64
	p       []float64
}

// NewGroupNorm returns a GroupNorm over c channels of s spatial values in
// g groups (g must divide c), with ε = 1e-5.
func NewGroupNorm(c, s, g int) *GroupNorm {
	if c <= 0 || s <= 0 || g <= 0 || c%g != 0 {
		panic(fmt.Sprintf("nn: NewGroupNorm(C %d, S %d, G %d): groups must divide channels", c, s, g))
	}
	n := &GroupNorm{C: c, S: s, G: g, Eps: 1e-5}
	n.SetParams(make([]float64, 2*c))
	for i := range n.Gamma {
		n.Gamma[i] = 1
	}
	return n
}

func (n *GroupNorm) InSize() int       { return n.C * n.S }
func (n *GroupNorm) OutSize() int      { return n.C * n.S }
func (n *GroupNorm) Params() []float64 { return n.p }
func (n *GroupNorm) ParamSpecs() []ParamSpec {
	return []ParamSpec{{"weight", []int{n.C}}, {"bias", []int{n.C}}}
}

func (n *GroupNorm) SetParams(p []float64) {
	if len(p) != 2*n.C {
		panic(fmt.Sprintf("nn: GroupNorm.SetParams: got %d values, want %d", len(p), 2*n.C))
	}
	n.p = p
	n.Gamma = p[:n.C:n.C]
	n.Beta = p[n.C:]
}

// stats returns the mean and 1/√(var+ε) of one group's values.
func (n *GroupNorm) stats(x []float64) (mean, rstd float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	vr := 0.0
	for _, v := range x {
		d := v - mean
		vr += d * d
	}
	vr /= float64(len(x))
	return mean, 1 / math.Sqrt(vr+n.Eps)
}

func (n *GroupNorm) Forward(x, y []float64, b int) {
	checkLen("GroupNorm input", x, b*n.InSize())
	checkLen("GroupNorm output", y, b*n.OutSize())
	cg := n.C / n.G
	gs := cg * n.S
	for r := 0; r < b; r++ {
		for g := 0; g < n.G; g++ {
			off := r*n.C*n.S + g*gs
			mean, rstd := n.stats(x[off : off+gs])
			for c := 0; c < cg; c++ {
				ch := g*cg + c
				a := n.Gamma[ch] * rstd
				be := n.Beta[ch]
				o := off + c*n.S
				// (v − μ) first, as PyTorch does: folding μ into the shift
				// (a·v + (β − a·μ)) cancels catastrophically when |μ| ≫ σ.
				for i, v := range x[o : o+n.S] {
					y[o+i] = a*(v-mean) + be
				}
			}
		}
	}
}

// VJP uses gx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) per group with ĝ = γ·gy.
func (n *GroupNorm) VJP(x, y, gy, gx, gp []float64, b int) {
	cg := n.C / n.G
	gs := cg * n.S
	fn := float64(gs)
	for r := 0; r < b; r++ {
		for g := 0; g < n.G; g++ {
			off := r*n.C*n.S + g*gs
			mean, rstd := n.stats(x[off : off+gs])
			var sg, sgx float64
			for c := 0; c < cg; c++ {
				ch := g*cg + c
				o := off + c*n.S
				var sgy, sgyx float64
				for i, v := range x[o : o+n.S] {
					xh := (v - mean) * rstd
					sgy += gy[o+i]
					sgyx += gy[o+i] * xh
				}
				if gp != nil {
					gp[ch] += sgyx
					gp[n.C+ch] += sgy
				}
				sg += n.Gamma[ch] * sgy
				sgx += n.Gamma[ch] * sgyx
			}
			if gx == nil {
				continue
			}
			mg, mgx := sg/fn, sgx/fn
			for c := 0; c < cg; c++ {
				ch := g*cg + c
				o := off + c*n.S
				for i, v := range x[o : o+n.S] {
					xh := (v - mean) * rstd
					gx[o+i] = rstd * (n.Gamma[ch]*gy[o+i] - mg - xh*mgx)
				}
			}
		}
	}
}

// project returns s·(u_i − mu − x̂_i·mxu) for one value: the map J·u of
// x ↦ x̂ applied to u, given mu = mean(u) and mxu = mean(x̂⊙u).
func project(s, u, xh, mu, mxu float64) float64 { return s * (u - mu - xh*mxu) }

// tangentMeans returns mean(dx) and mean(x̂⊙dx) over one group.
func tangentMeans(x, dx []float64, mean, rstd float64) (mdx, mxdx float64) {
	dx = dx[:len(x)]
	for i, v := range x {
		mdx += dx[i]
		mxdx += (v - mean) * rstd * dx[i]
	}
	fn := float64(len(x))
	return mdx / fn, mxdx / fn
}

// JVP computes y as Forward does and dy = γ⊙t̂ with the tangent of the
// normalised values t̂ = s·(dx − mean(dx) − x̂·mean(x̂⊙dx)).
func (n *GroupNorm) JVP(x, dx, y, dy []float64, b int) {
	checkLen("GroupNorm input", x, b*n.InSize())
	checkLen("GroupNorm tangent", dx, b*n.InSize())
	checkLen("GroupNorm output", y, b*n.OutSize())
	checkLen("GroupNorm output tangent", dy, b*n.OutSize())
	cg := n.C / n.G
	gs := cg * n.S
	for r := 0; r < b; r++ {
		for g := 0; g < n.G; g++ {
			off := r*n.C*n.S + g*gs
			xg := x[off : off+gs]
			mean, rstd := n.stats(xg)
			mdx, mxdx := tangentMeans(xg, dx[off:off+gs], mean, rstd)
			for c := 0; c < cg; c++ {
				ch := g*cg + c
				gam := n.Gamma[ch]
				a := gam * rstd
				be := n.Beta[ch]
				o := off + c*n.S
				for i, v := range x[o : o+n.S] {
					y[o+i] = a*(v-mean) + be // as Forward, so y is bit-identical
					dy[o+i] = gam * project(rstd, dx[o+i], (v-mean)*rstd, mdx, mxdx)
				}
			}
		}
	}
}

// VJPJVP differentiates (x, dx) ↦ (y, dy) of JVP. Per group, with
// ĝ = γ⊙gy, u = γ⊙gdy, w = J·u and t̂ = J·dx (J as in the type's doc):
//
//	gdx = w
//	gx  = J·ĝ + ∇ₓ(uᵀJ dx)
//	    = J·ĝ − s·(mean(u⊙t̂)·x̂ + mean(x̂⊙dx)·w + mean(x̂⊙u)·t̂)
//	gγ += Σ gy⊙x̂ + gdy⊙t̂,  gβ += Σ gy
//
// The second-order term follows from uᵀJ dx = s·(uᵀdx − m·mean(u)mean(dx))
// − s·m·mean(x̂⊙u)mean(x̂⊙dx) with ∇ₓs = −s²x̂/m and ∇ₓx̂ = J; it is
// symmetric in u and dx, as J is, and sums to zero over the group, as a
// shift of x changes nothing.
func (n *GroupNorm) VJPJVP(x, dx, y, dy, gy, gdy, gx, gdx, gp []float64, b int) {
	checkLen("GroupNorm input", x, b*n.InSize())
	checkLen("GroupNorm tangent", dx, b*n.InSize())
	checkLen("GroupNorm gy", gy, b*n.OutSize())
	checkLen("GroupNorm gdy", gdy, b*n.OutSize())
	cg := n.C / n.G
	gs := cg * n.S
	fn := float64(gs)
	for r := 0; r < b; r++ {
		for g := 0; g < n.G; g++ {
			off := r*n.C*n.S + g*gs
			xg := x[off : off+gs]
			mean, rstd := n.stats(xg)
			mdx, mxdx := tangentMeans(xg, dx[off:off+gs], mean, rstd)
			// Group sums of ĝ, ĝ⊙x̂, u, u⊙x̂ and u⊙t̂.
			var sg, sgx, su, sux, sut float64
			for c := 0; c < cg; c++ {
				ch := g*cg + c
				gam := n.Gamma[ch]
				o := off + c*n.S
				var sgy, sgyx, sgdy, sgdyx, sgdyt float64
				for i, v := range x[o : o+n.S] {
					xh := (v - mean) * rstd
					th := project(rstd, dx[o+i], xh, mdx, mxdx)
					sgy += gy[o+i]
					sgyx += gy[o+i] * xh
					sgdy += gdy[o+i]
					sgdyx += gdy[o+i] * xh
					sgdyt += gdy[o+i] * th
				}
				if gp != nil {
					gp[ch] += sgyx + sgdyt
					gp[n.C+ch] += sgy
				}
				sg += gam * sgy
				sgx += gam * sgyx
				su += gam * sgdy
				sux += gam * sgdyx
				sut += gam * sgdyt
			}
			if gx == nil && gdx == nil {
				continue
			}
			mg, mgx := sg/fn, sgx/fn
			mu, mux, mut := su/fn, sux/fn, sut/fn
			for c := 0; c < cg; c++ {
				gam := n.Gamma[g*cg+c]
				o := off + c*n.S
				for i, v := range x[o : o+n.S] {
					xh := (v - mean) * rstd
					w := project(rstd, gam*gdy[o+i], xh, mu, mux)
					if gdx != nil {
						gdx[o+i] = w
					}
					if gx != nil {
						th := project(rstd, dx[o+i], xh, mdx, mxdx)
						gx[o+i] = project(rstd, gam*gy[o+i], xh, mg, mgx) -
							rstd*(mut*xh+mxdx*w+mux*th)
					}
				}
			}
		}
	}
}

// ParamTensors returns weight and bias as named tensors aliasing Params.
func (n *GroupNorm) ParamTensors() []Tensor { return tensorsFromSpecs(n.ParamSpecs(), n.p) }
