package sde

import "math"

// sriTableau is a stochastic Runge–Kutta method for diagonal (or scalar)
// Itô noise in the form of Rößler (2010), SIAM J. Numer. Anal. 48(3):
//
//	H0_i = y + h Σ_j A0_ij f(t + c0_j h, H0_j) + Σ_j B0_ij g(t + c1_j h, H1_j) I_(k,0)/h
//	H1_i = y + h Σ_j A1_ij f(t + c0_j h, H0_j) + √h Σ_j B1_ij g(t + c1_j h, H1_j)
//	y'   = y + h Σ α_i f(·, H0_i)
//	       + Σ_i (β1_i I_(k) + β2_i I_(k,k)/√h + β3_i I_(k,0)/h + β4_i I_(k,k,k)/h) g(·, H1_i)
//
// With diagonal noise g_k depends on y_k only, so the m stage vectors H1^(k)
// collapse into one vector whose component k is H1^(k)_k.
type sriTableau struct {
	c0, c1, alpha  []float64
	b1, b2, b3, b4 []float64
	A0, B0, A1, B1 [][]float64
}

// SRI1W1 (SRIW1 in StochasticDiffEq.jl): strong order 1.5, weak order 2.
var sriw1Tableau = sriTableau{
	c0:    []float64{0, 3.0 / 4, 0, 0},
	c1:    []float64{0, 1.0 / 4, 1, 1.0 / 4},
	alpha: []float64{1.0 / 3, 2.0 / 3, 0, 0},
	b1:    []float64{-1, 4.0 / 3, 2.0 / 3, 0},
	b2:    []float64{-1, 4.0 / 3, -1.0 / 3, 0},
	b3:    []float64{2, -4.0 / 3, -2.0 / 3, 0},
	b4:    []float64{-2, 5.0 / 3, -2.0 / 3, 1},
	A0:    [][]float64{{0, 0, 0, 0}, {3.0 / 4, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}},
	B0:    [][]float64{{0, 0, 0, 0}, {3.0 / 2, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}},
	// Rößler lists A1_43 = 1/4; stage 3 of the drift is f(t, y), the same
	// as stage 1, so referring to stage 1 saves a drift evaluation.
	A1: [][]float64{{0, 0, 0, 0}, {1.0 / 4, 0, 0, 0}, {1, 0, 0, 0}, {1.0 / 4, 0, 0, 0}},
	B1: [][]float64{{0, 0, 0, 0}, {1.0 / 2, 0, 0, 0}, {-1, 0, 0, 0}, {-5, 3, 1.0 / 2, 0}},
}

func init() {
	register(MethodInfo{
		Name: MethodSRIW1, Calculus: Ito, StrongOrder: 1.5, WeakOrder: 2, Levy: true, Adaptive: true,
		Noise:       []NoiseKind{Diagonal, Scalar},
		Description: "Rößler's SRI1W1 (SRIW1) for diagonal or scalar Itô noise",
		newStepper:  func(p *problem) stepper { return newSRI(p, &sriw1Tableau) },
	})
}

type sri struct {
	p              *problem
	tab            *sriTableau
	needF          []bool
	F, G           [][]float64
	H0, H1         []float64
	i10, i11, i111 []float64
}

func newSRI(p *problem, tab *sriTableau) *sri {
	s := len(tab.alpha)
	st := &sri{p: p, tab: tab, H0: make([]float64, p.n), H1: make([]float64, p.n),
		i10: make([]float64, p.m), i11: make([]float64, p.m), i111: make([]float64, p.m)}
	st.F = make([][]float64, s)
	st.G = make([][]float64, s)
	st.needF = make([]bool, s)
	for i := range st.F {
		st.F[i] = make([]float64, p.n)
		st.G[i] = make([]float64, p.n)
		need := tab.alpha[i] != 0
		for k := i + 1; k < s; k++ {
			need = need || tab.A0[k][i] != 0 || tab.A1[k][i] != 0
		}
		st.needF[i] = need
	}
	return st
}

func (s *sri) step(t, h float64, y, dw, hh, out []float64) {
	p, tab := s.p, s.tab
	sq := math.Sqrt(h)
	for c := range s.i10 {
		w := dw[c]
		s.i10[c] = w/2 + hh[c]        // I_(k,0)/h
		s.i11[c] = (w*w - h) / 2 / sq // I_(k,k)/√h
		s.i111[c] = (w*w*w - 3*h*w) / 6 / h
	}
	diag := p.kind == Diagonal
	for i := range tab.alpha {
		if s.needF[i] {
			for k := range s.H0 {
				c := 0
				if diag {
					c = k
				}
				v := y[k]
				for j := 0; j < i; j++ {
					v += h*tab.A0[i][j]*s.F[j][k] + tab.B0[i][j]*s.G[j][k]*s.i10[c]
				}
				s.H0[k] = v
			}
			p.drift(t+tab.c0[i]*h, s.H0, s.F[i])
		}
		for k := range s.H1 {
			v := y[k]
			for j := 0; j < i; j++ {
				v += h*tab.A1[i][j]*s.F[j][k] + sq*tab.B1[i][j]*s.G[j][k]
			}
			s.H1[k] = v
		}
		p.diff(t+tab.c1[i]*h, s.H1, s.G[i])
	}
	for k := range out {
		c := 0
		if diag {
			c = k
		}
		w, i11, i10, i111 := dw[c], s.i11[c], s.i10[c], s.i111[c]
		v := y[k]
		for i, a := range tab.alpha {
			if a != 0 {
				v += h * a * s.F[i][k]
			}
			v += (tab.b1[i]*w + tab.b2[i]*i11 + tab.b3[i]*i10 + tab.b4[i]*i111) * s.G[i][k]
		}
		out[k] = v
	}
}
