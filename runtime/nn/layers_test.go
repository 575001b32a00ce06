package nn

import (
	"fmt"
	"math"
	"testing"
)

func TestDenseGrad(t *testing.T) {
	for _, c := range []struct{ in, out, batch int }{{1, 1, 1}, {3, 4, 1}, {3, 4, 5}, {7, 2, 3}, {5, 9, 2}} {
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
		{[]int{3, 8, 8, 3}, Softplus, 3},
		{[]int{4, 6, 4}, GELU, 2},
		{[]int{2, 5, 1}, Sin, 2},
		{[]int{3, 7, 3}, ELU, 2},
	} {
		t.Run(fmt.Sprintf("%v_%v_b%d", c.sizes, c.act, c.batch), func(t *testing.T) {
			m := NewMLP(c.sizes, c.act, NewRNG(5))
			checkLayer(t, seqLayer{m.Sequential}, c.batch, nil, 6, 1e-6)
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
