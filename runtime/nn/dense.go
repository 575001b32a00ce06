package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/nodekit/nodekit/runtime/simd"
)

// Dense is the affine layer y = W·x + b with W of shape Out×In (the
// PyTorch nn.Linear layout). Its parameters are W (row-major) then b.
type Dense struct {
	In, Out int
	W, B    []float64 // views into p
	p       []float64
}

// NewDense returns an In→Out dense layer with Glorot-uniform weights drawn
// from rng and zero bias. A nil rng leaves the weights zero.
func NewDense(in, out int, rng *rand.Rand) *Dense {
	if in <= 0 || out <= 0 {
		panic(fmt.Sprintf("nn: NewDense(%d, %d): sizes must be positive", in, out))
	}
	d := &Dense{In: in, Out: out}
	d.SetParams(make([]float64, in*out+out))
	if rng != nil {
		GlorotUniform(d.W, in, out, rng)
	}
	return d
}

func (d *Dense) InSize() int       { return d.In }
func (d *Dense) OutSize() int      { return d.Out }
func (d *Dense) Params() []float64 { return d.p }
func (d *Dense) ParamSpecs() []ParamSpec {
	return []ParamSpec{{"weight", []int{d.Out, d.In}}, {"bias", []int{d.Out}}}
}

func (d *Dense) SetParams(p []float64) {
	n := d.In*d.Out + d.Out
	if len(p) != n {
		panic(fmt.Sprintf("nn: Dense.SetParams: got %d values, want %d", len(p), n))
	}
	d.p = p
	d.W = p[: d.In*d.Out : d.In*d.Out]
	d.B = p[d.In*d.Out:]
}

func (d *Dense) check(x, y []float64, b int) {
	checkLen("Dense input", x, b*d.In)
	checkLen("Dense output", y, b*d.Out)
}

// Forward computes y = x·Wᵀ + b row by row.
func (d *Dense) Forward(x, y []float64, b int) {
	d.check(x, y, b)
	d.linear(x, y, b, true)
}

// linear writes y = x·Wᵀ (+ bias when withBias). The bias goes in first
// and the product accumulates onto it (beta = 1), one pass over y.
func (d *Dense) linear(x, y []float64, b int, withBias bool) {
	in, out := d.In, d.Out
	beta := 0.0
	if withBias {
		for r := 0; r < b; r++ {
			copy(y[r*out:(r+1)*out], d.B)
		}
		beta = 1
	}
	if b == 1 {
		simd.Gemv(out, in, 1, d.W, in, x, beta, y)
		return
	}
	simd.Gemm(false, true, b, out, in, 1, x, in, d.W, in, beta, y, out)
}

// backInput writes gx = gy·W.
func (d *Dense) backInput(gy, gx []float64, b int) {
	in, out := d.In, d.Out
	if b == 1 {
		simd.GemvT(out, in, 1, d.W, in, gy, 0, gx)
		return
	}
	simd.Gemm(false, false, b, in, out, 1, gy, out, d.W, in, 0, gx, in)
}

// shortRow is the row length below which a loop in Go beats a call into
// the vector kernels.
const shortRow = 16

// backWeight accumulates gW += gyᵀ·x.
func (d *Dense) backWeight(x, gy, gW []float64, b int) {
	in, out := d.In, d.Out
	if b == 1 {
		x = x[:in]
		for o := 0; o < out; o++ {
			g := gy[o]
			if g == 0 {
				continue
			}
			row := gW[o*in : (o+1)*in]
			if in >= shortRow {
				simd.Axpy(g, x, row)
				continue
			}
			for j, v := range x {
				row[j] += g * v
			}
		}
		return
	}
	simd.Gemm(true, false, out, in, b, 1, gy, out, x, in, 1, gW, in)
}

// ones is a block of the all-ones vector that turns the bias gradient into
// a GemvT (gb += gyᵀ·1), batchOnes rows at a time.
var ones = func() (o [batchOnes]float64) {
	for i := range o {
		o[i] = 1
	}
	return o
}()

const batchOnes = 256

// backBias accumulates gb += Σ_rows gy.
func (d *Dense) backBias(gy, gb []float64, b int) {
	out := d.Out
	gb = gb[:out]
	if b == 1 || out < shortRow {
		for r := 0; r < b; r++ {
			for j, v := range gy[r*out : (r+1)*out] {
				gb[j] += v
			}
		}
		return
	}
	for r := 0; r < b; r += batchOnes {
		rows := min(batchOnes, b-r)
		simd.GemvT(rows, out, 1, gy[r*out:], out, ones[:rows], 1, gb)
	}
}

// VJP: gx = gy·W, gW += gyᵀ·x, gb += Σ_rows gy.
func (d *Dense) VJP(x, y, gy, gx, gp []float64, b int) {
	checkLen("Dense gy", gy, b*d.Out)
	if gx != nil {
		checkLen("Dense gx", gx, b*d.In)
		d.backInput(gy, gx, b)
	}
	if gp != nil {
		checkLen("Dense gp", gp, len(d.p))
		nw := d.In * d.Out
		d.backWeight(x, gy, gp[:nw], b)
		d.backBias(gy, gp[nw:], b)
	}
}

// JVP: y = x·Wᵀ + b, dy = dx·Wᵀ.
func (d *Dense) JVP(x, dx, y, dy []float64, b int) {
	d.check(x, y, b)
	d.check(dx, dy, b)
	d.linear(x, y, b, true)
	d.linear(dx, dy, b, false)
}

// VJPJVP: gx = gy·W, gdx = gdy·W, gW += gyᵀx + gdyᵀdx, gb += Σ gy.
func (d *Dense) VJPJVP(x, dx, y, dy, gy, gdy, gx, gdx, gp []float64, b int) {
	if gx != nil {
		d.backInput(gy, gx, b)
	}
	if gdx != nil {
		d.backInput(gdy, gdx, b)
	}
	if gp != nil {
		nw := d.In * d.Out
		d.backWeight(x, gy, gp[:nw], b)
		d.backWeight(dx, gdy, gp[:nw], b)
		d.backBias(gy, gp[nw:], b)
	}
}

// ParamTensors returns weight and bias as named tensors aliasing Params.
func (d *Dense) ParamTensors() []Tensor { return tensorsFromSpecs(d.ParamSpecs(), d.p) }
