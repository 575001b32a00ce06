package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/nodekit/nodekit/runtime/simd"
)

// Conv2d is a 2-D convolution (cross-correlation, as in PyTorch) over
// inputs of shape batch×InC×H×W (NCHW), with stride and zero padding. Its
// parameters are weight (OutC×InC×KH×KW) then bias (OutC). It lowers the
// whole batch to one matrix with im2col and multiplies it with one GEMM.
//
// Its scratch space grows to the largest batch seen; it is not safe for
// concurrent use.
type Conv2d struct {
	InC, OutC, H, W int
	KH, KW          int
	Stride, Pad     int
	Weight, Bias    []float64 // views into p
	p               []float64

	cols []float64 // K×(B·P)
	mat  []float64 // OutC×(B·P)
}

// NewConv2d returns a convolution with a k×k kernel for inC×h×w inputs,
// Glorot-uniform weights drawn from rng (nil leaves them zero) and zero
// bias. It panics if the output would be empty.
func NewConv2d(inC, outC, h, w, k, stride, pad int, rng *rand.Rand) *Conv2d {
	c := &Conv2d{InC: inC, OutC: outC, H: h, W: w, KH: k, KW: k, Stride: stride, Pad: pad}
	// h+2·pad ≥ k is checked on its own: Go's division truncates toward
	// zero, so OutH is 1, not ≤ 0, when the kernel overhangs the padded
	// input by less than the stride.
	if inC <= 0 || outC <= 0 || k <= 0 || stride <= 0 || pad < 0 || h+2*pad < k || w+2*pad < k || c.OutH() <= 0 || c.OutW() <= 0 {
		panic(fmt.Sprintf("nn: NewConv2d(in %d, out %d, %dx%d, k %d, stride %d, pad %d): invalid shape", inC, outC, h, w, k, stride, pad))
	}
	c.SetParams(make([]float64, outC*inC*k*k+outC))
	if rng != nil {
		GlorotUniform(c.Weight, inC*k*k, outC*k*k, rng)
	}
	return c
}

// OutH and OutW are the spatial sizes of the output.
func (c *Conv2d) OutH() int { return (c.H+2*c.Pad-c.KH)/c.Stride + 1 }
func (c *Conv2d) OutW() int { return (c.W+2*c.Pad-c.KW)/c.Stride + 1 }

func (c *Conv2d) InSize() int       { return c.InC * c.H * c.W }
func (c *Conv2d) OutSize() int      { return c.OutC * c.OutH() * c.OutW() }
func (c *Conv2d) Params() []float64 { return c.p }
func (c *Conv2d) ParamSpecs() []ParamSpec {
	return []ParamSpec{{"weight", []int{c.OutC, c.InC, c.KH, c.KW}}, {"bias", []int{c.OutC}}}
}

// ParamTensors returns weight and bias as named tensors aliasing Params.
func (c *Conv2d) ParamTensors() []Tensor { return tensorsFromSpecs(c.ParamSpecs(), c.p) }

func (c *Conv2d) SetParams(p []float64) {
	nw := c.OutC * c.InC * c.KH * c.KW
	if len(p) != nw+c.OutC {
		panic(fmt.Sprintf("nn: Conv2d.SetParams: got %d values, want %d", len(p), nw+c.OutC))
	}
	c.p = p
	c.Weight = p[:nw:nw]
	c.Bias = p[nw:]
}

func (c *Conv2d) k() int { return c.InC * c.KH * c.KW }

func (c *Conv2d) grow(b int) {
	bp := b * c.OutH() * c.OutW()
	if cap(c.cols) < c.k()*bp {
		c.cols = make([]float64, c.k()*bp)
	}
	if cap(c.mat) < c.OutC*bp {
		c.mat = make([]float64, c.OutC*bp)
	}
	c.cols = c.cols[:c.k()*bp]
	c.mat = c.mat[:c.OutC*bp]
}

// im2col writes the K×(B·P) patch matrix of x into c.cols.
func (c *Conv2d) im2col(x []float64, b int) {
	oh, ow := c.OutH(), c.OutW()
	P := oh * ow
	BP := b * P
	hw := c.H * c.W
	for ch := 0; ch < c.InC; ch++ {
		for ki := 0; ki < c.KH; ki++ {
			for kj := 0; kj < c.KW; kj++ {
				row := c.cols[((ch*c.KH+ki)*c.KW+kj)*BP:][:BP]
				for n := 0; n < b; n++ {
					xs := x[n*c.InC*hw+ch*hw:][:hw]
					dst := row[n*P : (n+1)*P]
					for i := 0; i < oh; i++ {
						ih := i*c.Stride - c.Pad + ki
						d := dst[i*ow : (i+1)*ow]
						if ih < 0 || ih >= c.H {
							clear(d)
							continue
						}
						xr := xs[ih*c.W : (ih+1)*c.W]
						for j := range d {
							iw := j*c.Stride - c.Pad + kj
							if iw >= 0 && iw < c.W {
								d[j] = xr[iw]
							} else {
								d[j] = 0
							}
						}
					}
				}
			}
		}
	}
}

// col2im accumulates the K×(B·P) matrix c.cols into gx (which it zeroes
// first).
func (c *Conv2d) col2im(gx []float64, b int) {
	oh, ow := c.OutH(), c.OutW()
	P := oh * ow
	BP := b * P
	hw := c.H * c.W
	clear(gx[:b*c.InC*hw])
	for ch := 0; ch < c.InC; ch++ {
		for ki := 0; ki < c.KH; ki++ {
			for kj := 0; kj < c.KW; kj++ {
				row := c.cols[((ch*c.KH+ki)*c.KW+kj)*BP:][:BP]
				for n := 0; n < b; n++ {
					gs := gx[n*c.InC*hw+ch*hw:][:hw]
					src := row[n*P : (n+1)*P]
					for i := 0; i < oh; i++ {
						ih := i*c.Stride - c.Pad + ki
						if ih < 0 || ih >= c.H {
							continue
						}
						gr := gs[ih*c.W : (ih+1)*c.W]
						for j, v := range src[i*ow : (i+1)*ow] {
							iw := j*c.Stride - c.Pad + kj
							if iw >= 0 && iw < c.W {
								gr[iw] += v
							}
						}
					}
				}
			}
		}
	}
}

// toMat copies y (B×OutC×P) into c.mat (OutC×B·P); fromMat is the reverse
// (adding the bias when asked).
func (c *Conv2d) toMat(y []float64, b int) {
	P := c.OutH() * c.OutW()
	BP := b * P
	for n := 0; n < b; n++ {
		for co := 0; co < c.OutC; co++ {
			copy(c.mat[co*BP+n*P:co*BP+(n+1)*P], y[(n*c.OutC+co)*P:])
		}
	}
}

func (c *Conv2d) fromMat(y []float64, b int, bias bool) {
	P := c.OutH() * c.OutW()
	BP := b * P
	for n := 0; n < b; n++ {
		for co := 0; co < c.OutC; co++ {
			dst := y[(n*c.OutC+co)*P:][:P]
			src := c.mat[co*BP+n*P:][:P]
			if bias {
				bv := c.Bias[co]
				for i, v := range src {
					dst[i] = v + bv
				}
			} else {
				copy(dst, src)
			}
		}
	}
}

func (c *Conv2d) conv(x, y []float64, b int, bias bool) {
	c.grow(b)
	c.im2col(x, b)
	BP := b * c.OutH() * c.OutW()
	simd.Gemm(false, false, c.OutC, BP, c.k(), 1, c.Weight, c.k(), c.cols, BP, 0, c.mat, BP)
	c.fromMat(y, b, bias)
}

// backParams accumulates gW += gy·cols(x)ᵀ and, if gb is not nil,
// gb += Σ gy.
func (c *Conv2d) backParams(x, gy, gW, gb []float64, b int) {
	c.grow(b)
	c.im2col(x, b)
	c.toMat(gy, b)
	BP := b * c.OutH() * c.OutW()
	simd.Gemm(false, true, c.OutC, c.k(), BP, 1, c.mat, BP, c.cols, BP, 1, gW, c.k())
	if gb != nil {
		for co := 0; co < c.OutC; co++ {
			s := 0.0
			for _, v := range c.mat[co*BP : (co+1)*BP] {
				s += v
			}
			gb[co] += s
		}
	}
}

// backInput writes gx = convᵀ(gy).
func (c *Conv2d) backInput(gy, gx []float64, b int) {
	c.grow(b)
	c.toMat(gy, b)
	BP := b * c.OutH() * c.OutW()
	simd.Gemm(true, false, c.k(), BP, c.OutC, 1, c.Weight, c.k(), c.mat, BP, 0, c.cols, BP)
	c.col2im(gx, b)
}

func (c *Conv2d) Forward(x, y []float64, b int) {
	checkLen("Conv2d input", x, b*c.InSize())
	checkLen("Conv2d output", y, b*c.OutSize())
	c.conv(x, y, b, true)
}

func (c *Conv2d) VJP(x, y, gy, gx, gp []float64, b int) {
	checkLen("Conv2d gy", gy, b*c.OutSize())
	if gp != nil {
		nw := len(c.Weight)
		c.backParams(x, gy, gp[:nw], gp[nw:], b)
	}
	if gx != nil {
		c.backInput(gy, gx, b)
	}
}

func (c *Conv2d) JVP(x, dx, y, dy []float64, b int) {
	c.conv(x, y, b, true)
	c.conv(dx, dy, b, false)
}

func (c *Conv2d) VJPJVP(x, dx, y, dy, gy, gdy, gx, gdx, gp []float64, b int) {
	if gp != nil {
		nw := len(c.Weight)
		c.backParams(x, gy, gp[:nw], gp[nw:], b)
		c.backParams(dx, gdy, gp[:nw], nil, b)
	}
	if gx != nil {
		c.backInput(gy, gx, b)
	}
	if gdx != nil {
		c.backInput(gdy, gdx, b)
	}
}

func (c *Conv2d) shareParams() Layer {
	d := *c
	d.cols, d.mat = nil, nil
	return &d
}
