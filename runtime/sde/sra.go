package sde

// sraTableau is a stochastic Runge–Kutta method for additive noise in the
// form of Rößler (2010), SIAM J. Numer. Anal. 48(3), section 5:
//
//	H_i = y + h Σ_j A0_ij f(t + c0_j h, H_j) + Σ_j B0_ij g(t + c1_j h) I_(1,0)/h
//	y'  = y + h Σ_i α_i f(t + c0_i h, H_i) + Σ_i (β1_i I_(1) + β2_i I_(1,0)/h) g(t + c1_i h)
type sraTableau struct {
	c0, c1, alpha, b1, b2 []float64
	A0, B0                [][]float64
}

// SRA1: strong order 1.5, deterministic order 2.
var sra1Tableau = sraTableau{
	c0:    []float64{0, 3.0 / 4},
	c1:    []float64{1, 0},
	alpha: []float64{1.0 / 3, 2.0 / 3},
	b1:    []float64{1, 0},
	b2:    []float64{-1, 1},
	A0:    [][]float64{{0, 0}, {3.0 / 4, 0}},
	B0:    [][]float64{{0, 0}, {3.0 / 2, 0}},
}

// SRA3: strong order 1.5, deterministic order 3.
var sra3Tableau = sraTableau{
	c0:    []float64{0, 1, 1.0 / 2},
	c1:    []float64{1, 0, 0},
	alpha: []float64{1.0 / 6, 1.0 / 6, 2.0 / 3},
	b1:    []float64{1, 0, 0},
	b2:    []float64{-1, 1, 0},
	A0:    [][]float64{{0, 0, 0}, {1, 0, 0}, {1.0 / 4, 1.0 / 4, 0}},
	B0:    [][]float64{{0, 0, 0}, {0, 0, 0}, {1, 1.0 / 2, 0}},
}

func init() {
	register(MethodInfo{
		Name: MethodSRA1, Calculus: Ito, StrongOrder: 1.5, WeakOrder: 2, Levy: true, Adaptive: true,
		Noise:       []NoiseKind{Additive},
		Description: "Rößler's SRA1 for additive noise (Itô = Stratonovich)",
		newStepper:  func(p *problem) stepper { return newSRA(p, &sra1Tableau) },
	})
	register(MethodInfo{
		Name: MethodSRA3, Calculus: Ito, StrongOrder: 1.5, WeakOrder: 3, Levy: true, Adaptive: true,
		Noise:       []NoiseKind{Additive},
		Description: "Rößler's SRA3 for additive noise, deterministic order 3",
		newStepper:  func(p *problem) stepper { return newSRA(p, &sra3Tableau) },
	})
}

type sra struct {
	p    *problem
	tab  *sraTableau
	F, G [][]float64
	H    []float64
	i10  []float64 // I_(1,0)/h per channel
	z    []float64 // channel weights
}

func newSRA(p *problem, tab *sraTableau) *sra {
	s := len(tab.alpha)
	st := &sra{p: p, tab: tab, H: make([]float64, p.n), i10: make([]float64, p.m), z: make([]float64, p.m)}
	st.F = make([][]float64, s)
	st.G = make([][]float64, s)
	for i := range st.F {
		st.F[i] = make([]float64, p.n)
		st.G[i] = make([]float64, gLen(p.kind, p.n, p.m))
	}
	return st
}

func (s *sra) step(t, h float64, y, dw, hh, out []float64) {
	p, tab := s.p, s.tab
	for c := range s.i10 {
		s.i10[c] = dw[c]/2 + hh[c]
	}
	// Additive g depends on t only: evaluate it once per stage time.
	for j := range tab.c1 {
		p.diff(t+tab.c1[j]*h, y, s.G[j])
	}
	for i := range tab.alpha {
		copy(s.H, y)
		for j := 0; j < i; j++ {
			if a := tab.A0[i][j]; a != 0 {
				for k, v := range s.F[j] {
					s.H[k] += h * a * v
				}
			}
			if b := tab.B0[i][j]; b != 0 {
				for c := range s.z {
					s.z[c] = b * s.i10[c]
				}
				addNoise(p.kind, p.n, p.m, s.G[j], s.z, s.H)
			}
		}
		p.drift(t+tab.c0[i]*h, s.H, s.F[i])
	}
	copy(out, y)
	for i, a := range tab.alpha {
		if a != 0 {
			for k, v := range s.F[i] {
				out[k] += h * a * v
			}
		}
		b1, b2 := tab.b1[i], tab.b2[i]
		if b1 == 0 && b2 == 0 {
			continue
		}
		for c := range s.z {
			s.z[c] = b1*dw[c] + b2*s.i10[c]
		}
		addNoise(p.kind, p.n, p.m, s.G[i], s.z, out)
	}
}
