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
// GroupNorm is a Layer but not a DualLayer.
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
				sh := n.Beta[ch] - a*mean
				o := off + c*n.S
				for i, v := range x[o : o+n.S] {
					y[o+i] = a*v + sh
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

// ParamTensors returns weight and bias as named tensors aliasing Params.
func (n *GroupNorm) ParamTensors() []Tensor { return tensorsFromSpecs(n.ParamSpecs(), n.p) }
