package nn

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
)

func TestDenseGrad(t *testing.T) {
	for _, c := range []struct{ in, out, batch int }{
		{1, 1, 1}, {3, 4, 1}, {3, 4, 5}, {7, 2, 3}, {5, 9, 2},
		// the short-row and vector branches of the small-layer paths:
		// in ≥ shortRow at batch 1, out ≥ shortRow at batch > 1, and a
		// batch beyond one block of the bias-gradient ones vector.
		{shortRow, 3, 1}, {2, shortRow + 1, 1}, {3, shortRow, 4}, {1, shortRow, batchOnes + 5},
	} {
		t.Run(fmt.Sprintf("%dx%d_b%d", c.in, c.out, c.batch), func(t *testing.T) {
			d := NewDense(c.in, c.out, NewRNG(1))
			randomizeParams(d, 2)
			checkLayer(t, d, c.batch, nil, 3, 1e-7)
		})
	}
}

func TestActGrad(t *testing.T) {
	for a := Identity; a < numActivations; a++ {
		for _, batch := range []int{1, 3} {
			t.Run(fmt.Sprintf("%v_b%d", a, batch), func(t *testing.T) {
				n := 5
				x := randVec(NewRNG(uint64(a)+10), n*batch)
				for i := range x {
					if x[i] > -0.05 && x[i] < 0.05 { // keep ReLU/ELU away from the kink
						x[i] += 0.2
					}
				}
				checkLayer(t, NewAct(a, n), batch, x, 4, 1e-7)
			})
		}
	}
}

func TestMLPGrad(t *testing.T) {
	for _, c := range []struct {
		sizes []int
		act   Activation
		batch int
	}{
		{[]int{2, 50, 2}, Tanh, 1},
		{[]int{2, 50, 2}, Tanh, 4},
		{[]int{2, 50, 2}, Tanh, 20},
		{[]int{2, 5, 5, 2}, Tanh, 20},
		{[]int{5, 64, 64, 5}, Tanh, 3},
		{[]int{3, 20, 3}, Sigmoid, 2},
		{[]int{3, 20, 3}, ReLU, 5},
		{[]int{3, 8, 8, 3}, Softplus, 3},
		{[]int{4, 6, 4}, GELU, 2},
		{[]int{2, 5, 1}, Sin, 2},
		{[]int{3, 7, 3}, ELU, 2},
	} {
		t.Run(fmt.Sprintf("%v_%v_b%d", c.sizes, c.act, c.batch), func(t *testing.T) {
			m := NewMLP(c.sizes, c.act, NewRNG(5))
			checkLayer(t, m.AsLayer(), c.batch, nil, 6, 1e-6)
		})
	}
}

func TestConv2dGrad(t *testing.T) {
	for _, c := range []struct{ inC, outC, h, w, k, stride, pad, batch int }{
		{1, 1, 3, 3, 3, 1, 0, 1},
		{2, 3, 5, 4, 3, 1, 1, 2},
		{3, 2, 6, 6, 3, 2, 1, 2},
		{2, 2, 5, 5, 2, 2, 0, 3},
		{1, 4, 4, 4, 1, 1, 0, 1},
	} {
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
			l := NewConv2d(c.inC, c.outC, c.h, c.w, c.k, c.stride, c.pad, NewRNG(1))
			randomizeParams(l, 2)
			checkLayer(t, l, c.batch, nil, 3, 1e-7)
		})
	}
}

// TestConv2dDirect compares Conv2d with the convolution sum written out.
func TestConv2dDirect(t *testing.T) {
	l := NewConv2d(2, 3, 5, 4, 3, 2, 1, NewRNG(1))
	randomizeParams(l, 2)
	const b = 2
	x := randVec(NewRNG(3), b*l.InSize())
	y := make([]float64, b*l.OutSize())
	l.Forward(x, y, b)
	oh, ow := l.OutH(), l.OutW()
	if oh != 3 || ow != 2 {
		t.Fatalf("output %dx%d, want 3x2", oh, ow)
	}
	for n := 0; n < b; n++ {
		for co := 0; co < 3; co++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					s := l.Bias[co]
					for ci := 0; ci < 2; ci++ {
						for ki := 0; ki < 3; ki++ {
							for kj := 0; kj < 3; kj++ {
								ih, iw := 2*i-1+ki, 2*j-1+kj
								if ih >= 0 && ih < 5 && iw >= 0 && iw < 4 {
									s += l.Weight[((co*2+ci)*3+ki)*3+kj] * x[((n*2+ci)*5+ih)*4+iw]
								}
							}
						}
					}
					if got := y[((n*3+co)*oh+i)*ow+j]; math.Abs(got-s) > 1e-13 {
						t.Fatalf("y[%d,%d,%d,%d] = %v, want %v", n, co, i, j, got, s)
					}
				}
			}
		}
	}
}

func TestGroupNormGrad(t *testing.T) {
	for _, c := range []struct{ c, s, g, batch int }{{4, 3, 2, 1}, {6, 4, 3, 2}, {4, 1, 1, 3}, {3, 5, 3, 2}} {
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
			l := NewGroupNorm(c.c, c.s, c.g)
			randomizeParams(l, 2)
			checkLayer(t, l, c.batch, nil, 3, 1e-6)
		})
	}
}

func TestGroupNormNormalises(t *testing.T) {
	l := NewGroupNorm(4, 5, 2)
	x := randVec(NewRNG(1), 2*20)
	for i := range x {
		x[i] = 3 + 10*x[i]
	}
	y := make([]float64, len(x))
	l.Forward(x, y, 2)
	for grp := 0; grp < 4; grp++ { // 2 samples × 2 groups of 10 values
		v := y[grp*10 : (grp+1)*10]
		m, s2 := 0.0, 0.0
		for _, e := range v {
			m += e
		}
		m /= 10
		for _, e := range v {
			s2 += (e - m) * (e - m)
		}
		s2 /= 10
		if math.Abs(m) > 1e-12 || math.Abs(s2-1) > 1e-5 {
			t.Errorf("group %d: mean %v, variance %v; want 0, 1", grp, m, s2)
		}
	}
}

// gruLayer views a GRU cell as a Layer on the concatenation [x, h].
type gruLayer struct{ g *GRUCell }

func (l gruLayer) InSize() int             { return l.g.In + l.g.Hidden }
func (l gruLayer) OutSize() int            { return l.g.Hidden }
func (l gruLayer) Params() []float64       { return l.g.Params() }
func (l gruLayer) ParamSpecs() []ParamSpec { return l.g.ParamSpecs() }
func (l gruLayer) SetParams(p []float64)   { l.g.SetParams(p) }
func (l gruLayer) split(xh []float64, b int) (x, h []float64) {
	I, H := l.g.In, l.g.Hidden
	x, h = make([]float64, b*I), make([]float64, b*H)
	for r := 0; r < b; r++ {
		copy(x[r*I:(r+1)*I], xh[r*(I+H):])
		copy(h[r*H:(r+1)*H], xh[r*(I+H)+I:])
	}
	return x, h
}
func (l gruLayer) Forward(xh, y []float64, b int) {
	x, h := l.split(xh, b)
	l.g.Forward(x, h, y, b)
}
func (l gruLayer) VJP(xh, y, gy, gxh, gp []float64, b int) {
	I, H := l.g.In, l.g.Hidden
	x, h := l.split(xh, b)
	if gxh == nil {
		l.g.VJP(x, h, gy, nil, nil, gp, b)
		return
	}
	gx, gh := make([]float64, b*I), make([]float64, b*H)
	l.g.VJP(x, h, gy, gx, gh, gp, b)
	for r := 0; r < b; r++ {
		copy(gxh[r*(I+H):], gx[r*I:(r+1)*I])
		copy(gxh[r*(I+H)+I:], gh[r*H:(r+1)*H])
	}
}

func TestGRUCellGrad(t *testing.T) {
	for _, c := range []struct{ in, hidden, batch int }{{1, 1, 1}, {3, 4, 1}, {2, 5, 3}, {4, 2, 2}} {
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
			g := NewGRUCell(c.in, c.hidden, NewRNG(1))
			checkLayer(t, gruLayer{g}, c.batch, nil, 3, 1e-7)
		})
	}
}

// TestGRUCellEquations checks one step against the equations evaluated by
// hand for a 1×1 cell.
func TestGRUCellEquations(t *testing.T) {
	g := NewGRUCell(1, 1, nil)
	// weight_ih = (r, z, n) = (0.1, 0.2, 0.3); weight_hh = (0.4, 0.5, 0.6);
	// bias_ih = (0.01, 0.02, 0.03); bias_hh = (0.04, 0.05, 0.06).
	copy(g.Params(), []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06})
	x, h := 2.0, -1.0
	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	r := sig(0.1*x + 0.01 + 0.4*h + 0.04)
	z := sig(0.2*x + 0.02 + 0.5*h + 0.05)
	n := math.Tanh(0.3*x + 0.03 + r*(0.6*h+0.06))
	want := (1-z)*n + z*h
	out := make([]float64, 1)
	g.Forward([]float64{x}, []float64{h}, out, 1)
	if math.Abs(out[0]-want) > 1e-15 {
		t.Errorf("h' = %v, want %v", out[0], want)
	}
}

func TestTimeConcat(t *testing.T) {
	c := TimeConcat{Dim: 2}
	x := []float64{1, 2, 3, 4}
	y := make([]float64, 6)
	c.Forward(x, 0.5, y, 2)
	closeVec(t, "y", y, []float64{1, 2, 0.5, 3, 4, 0.5}, 0)
	dy := make([]float64, 6)
	c.Tangent([]float64{7, 8, 9, 10}, dy, 2)
	closeVec(t, "dy", dy, []float64{7, 8, 0, 9, 10, 0}, 0)
	gx := make([]float64, 4)
	gt := c.VJP([]float64{1, 2, 3, 4, 5, 6}, gx, 2)
	closeVec(t, "gx", gx, []float64{1, 2, 4, 5}, 0)
	if gt != 9 {
		t.Errorf("gt = %v, want 9", gt)
	}

	// f(h, t) = MLP([h, t]): the gradient with respect to t matches
	// finite differences.
	m := NewMLP([]int{3, 8, 2}, Tanh, NewRNG(1))
	h := []float64{0.3, -0.2}
	in := make([]float64, 3)
	out := make([]float64, 2)
	gy := []float64{0.7, -1.1}
	f := func(tt float64) float64 {
		c.Forward(h, tt, in, 1)
		m.Forward(in, out, 1)
		return dot(gy, out)
	}
	c.Forward(h, 0.4, in, 1)
	gin := make([]float64, 3)
	m.VJP(in, gy, gin, nil, 1)
	got := c.VJP(gin, nil, 1)
	closeVec(t, "df/dt", []float64{got}, []float64{fd.Derivative(f, 0.4, central)}, 1e-8)
}

func TestDropout(t *testing.T) {
	if _, err := NewDropout(3, 1, nil); !errors.Is(err, ErrBadConfig) {
		t.Errorf("p = 1: err = %v, want ErrBadConfig", err)
	}
	d, err := NewDropout(1000, 0.3, NewRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, 2000)
	for i := range x {
		x[i] = 1
	}
	y := make([]float64, 2000)
	d.Forward(x, y, 2)
	zeros, sum := 0, 0.0
	for _, v := range y {
		switch {
		case v == 0:
			zeros++
		case math.Abs(v-1/0.7) > 1e-15:
			t.Fatalf("kept value %v, want 1/0.7", v)
		}
		sum += v
	}
	// 2000 Bernoulli(0.3) draws: mean 600, sd ≈ 20.5.
	if zeros < 500 || zeros > 700 {
		t.Errorf("%d of 2000 dropped, want about 600", zeros)
	}
	gy := randVec(NewRNG(2), 2000)
	gx := make([]float64, 2000)
	d.VJP(x, y, gy, gx, nil, 2)
	for i := range gx {
		if want := gy[i] * y[i]; gx[i] != want { // x = 1, so y is the mask
			t.Fatalf("gx[%d] = %v, want %v", i, gx[i], want)
		}
	}
	d.Training = false
	d.Forward(x, y, 2)
	closeVec(t, "eval", y, x, 0)
}

// TestTimeInput checks an ODE-Net style block f(x, t) = conv([tanh(conv([x, t])), t])
// with time channels: gradients with respect to x, θ (first and second
// order, via checkLayer) and t.
func TestTimeInput(t *testing.T) {
	const c, h, w = 2, 4, 4
	s := NewSequential(
		NewTimeInput(c*h*w, h*w), NewConv2d(c+1, 3, h, w, 3, 1, 1, NewRNG(1)), NewAct(Tanh, 3*h*w),
		NewTimeInput(3*h*w, h*w), NewConv2d(4, c, h, w, 3, 1, 1, NewRNG(2)))
	if !s.IsDual() {
		t.Fatal("not dual")
	}
	s.SetTime(0.7)
	checkLayer(t, s.AsLayer(), 2, nil, 3, 1e-6)

	const b = 2
	x := randVec(NewRNG(4), b*s.InSize())
	gy := randVec(NewRNG(5), b*s.OutSize())
	y := make([]float64, b*s.OutSize())
	f := func(tt float64) float64 {
		s.SetTime(tt)
		s.Forward(x, y, b)
		return dot(gy, y)
	}
	want := fd.Derivative(f, 0.7, central)
	s.SetTime(0.7)
	s.VJP(x, gy, nil, nil, b)
	closeVec(t, "df/dt", []float64{s.TimeGrad()}, []float64{want}, 1e-7)

	// Second order in t: d/dt of qᵀ(∂f/∂x)dx.
	dx := randVec(NewRNG(6), b*s.InSize())
	q := randVec(NewRNG(7), b*s.OutSize())
	dy := make([]float64, b*s.OutSize())
	g := func(tt float64) float64 {
		s.SetTime(tt)
		s.JVP(x, dx, nil, dy, b)
		return dot(q, dy)
	}
	want = fd.Derivative(g, 0.7, central)
	s.SetTime(0.7)
	s.VJPJVP(x, dx, nil, q, nil, nil, nil, b)
	closeVec(t, "d(qᵀJdx)/dt", []float64{s.TimeGrad()}, []float64{want}, 1e-7)
}
