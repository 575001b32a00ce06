package nn

import (
	"fmt"
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
