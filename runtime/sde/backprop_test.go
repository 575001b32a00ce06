package sde

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
)

// cubic is a differentiable SDE with coupled cubic drift
// f = (a y0 − b y0³ + ½ y1, a y1 − b y1³ − ½ y0) and either diagonal noise
// g_i = s_i sin(y_i) + 0.1 or general 2×3 noise g_ij = s_j cos(y_i + j).
type cubic struct {
	kind NoiseKind
	p    []float64 // a, b, s...
}

func (c *cubic) Dim() int         { return 2 }
func (c *cubic) Noise() NoiseKind { return c.kind }
func (c *cubic) NoiseDim() int {
	if c.kind == General {
		return 3
	}
	return 2
}
func (c *cubic) Params() []float64 { return c.p }
func (c *cubic) Func(_ float64, y, dy []float64) {
	a, b := c.p[0], c.p[1]
	dy[0] = a*y[0] - b*y[0]*y[0]*y[0] + 0.5*y[1]
	dy[1] = a*y[1] - b*y[1]*y[1]*y[1] - 0.5*y[0]
}
func (c *cubic) VJP(_ float64, y, v, ay, ap []float64) {
	a, b := c.p[0], c.p[1]
	ay[0] = v[0]*(a-3*b*y[0]*y[0]) - 0.5*v[1]
	ay[1] = 0.5*v[0] + v[1]*(a-3*b*y[1]*y[1])
	if ap != nil {
		ap[0] += v[0]*y[0] + v[1]*y[1]
		ap[1] -= v[0]*y[0]*y[0]*y[0] + v[1]*y[1]*y[1]*y[1]
	}
}
func (c *cubic) Diffusion(_ float64, y, g []float64) {
	if c.kind == General {
		for i := 0; i < 2; i++ {
			for j := 0; j < 3; j++ {
				g[i*3+j] = c.p[2+j] * math.Cos(y[i]+float64(j))
			}
		}
		return
	}
	for i := 0; i < 2; i++ {
		g[i] = c.p[2+i]*math.Sin(y[i]) + 0.1
	}
}
func (c *cubic) DiffusionVJP(_ float64, y, b, ay, ap []float64) {
	if c.kind == General {
		for i := 0; i < 2; i++ {
			ay[i] = 0
			for j := 0; j < 3; j++ {
				ay[i] -= b[i*3+j] * c.p[2+j] * math.Sin(y[i]+float64(j))
				if ap != nil {
					ap[2+j] += b[i*3+j] * math.Cos(y[i]+float64(j))
				}
			}
		}
		return
	}
	for i := 0; i < 2; i++ {
		ay[i] = b[i] * c.p[2+i] * math.Cos(y[i])
		if ap != nil {
			ap[2+i] += b[i] * math.Sin(y[i])
		}
	}
}

func TestGradientAgainstFiniteDifferences(t *testing.T) {
	w := []float64{0.7, -1.3}
	loss := func(yT []float64) float64 {
		return w[0]*yT[0] + w[1]*yT[1] + 0.5*(yT[0]*yT[0]+yT[1]*yT[1])
	}
	lossGrad := func(yT, aT []float64) {
		for i := range aT {
			aT[i] = w[i] + yT[i]
		}
	}
	for _, kind := range []NoiseKind{Diagonal, General} {
		for _, method := range []string{MethodEuler, MethodReversibleHeun} {
			params := []float64{0.3, 0.5, 0.4, 0.6}
			if kind == General {
				params = []float64{0.3, 0.5, 0.4, 0.6, 0.2}
			}
			sys := &cubic{kind: kind, p: append([]float64(nil), params...)}
			y0 := []float64{0.8, -0.4}
			const t0, t1, dt = 0, 1, 1.0 / 64
			bm := NewBrownianTree(t0, t1, sys.NoiseDim(), 5, 1e-4)
			yT, gy0, gp := make([]float64, 2), make([]float64, 2), make([]float64, len(params))
			if err := Gradient(sys, method, y0, t0, t1, dt, bm, lossGrad, yT, gy0, gp); err != nil {
				t.Fatal(err)
			}
			// Finite differences of the same computation on the same path.
			np := len(params)
			x := append(append([]float64(nil), params...), y0...)
			yy, g0, g1 := make([]float64, 2), make([]float64, 2), make([]float64, np)
			f := func(x []float64) float64 {
				copy(sys.p, x[:np])
				if err := Gradient(sys, method, x[np:], t0, t1, dt, bm, lossGrad, yy, g0, g1); err != nil {
					t.Fatal(err)
				}
				return loss(yy)
			}
			want := fd.Gradient(nil, f, x, &fd.Settings{Formula: fd.Central, Step: 1e-6})
			copy(sys.p, params)
			got := append(append([]float64(nil), gp...), gy0...)
			for i := range want {
				if d := math.Abs(got[i] - want[i]); d > 1e-6*math.Max(1, math.Abs(want[i])) {
					t.Errorf("%v/%s: gradient[%d] = %.10g, finite differences %.10g", kind, method, i, got[i], want[i])
				}
			}
		}
	}
}
