package sde

import "math"

func init() {
	register(MethodInfo{
		// Not adaptive: Itô–Euler sums over step sizes chosen by looking at
		// the increments converge to the wrong limit (the error estimate
		// selects the partition); Milstein, SRIW1 and the Stratonovich
		// methods do not have this problem.
		Name: MethodEuler, Calculus: Ito, StrongOrder: 0.5, WeakOrder: 1,
		Noise:       allKinds,
		Description: "Euler–Maruyama: y += f h + g ΔW",
		newStepper:  func(p *problem) stepper { return newEuler(p) },
	})
	register(MethodInfo{
		Name: MethodMilstein, Calculus: Ito, StrongOrder: 1, WeakOrder: 1, Adaptive: true,
		Noise:       commutingKind,
		Description: "Milstein: Euler–Maruyama + ½ g ∂g/∂y (ΔW² − h); exact ∂g when the system has DiffusionDerivative, Runge–Kutta (derivative-free) otherwise",
		newStepper:  func(p *problem) stepper { return newMilstein(p) },
	})
}

type euler struct {
	p    *problem
	f, g []float64
}

func newEuler(p *problem) *euler {
	return &euler{p: p, f: make([]float64, p.n), g: make([]float64, gLen(p.kind, p.n, p.m))}
}

func (s *euler) step(t, h float64, y, dw, _, out []float64) {
	p := s.p
	p.drift(t, y, s.f)
	p.diff(t, y, s.g)
	for i, v := range s.f {
		out[i] = y[i] + h*v
	}
	addNoise(p.kind, p.n, p.m, s.g, dw, out)
}

type milstein struct {
	p           *problem
	f, g, gb, y []float64
}

func newMilstein(p *problem) *milstein {
	n := p.n
	return &milstein{p: p, f: make([]float64, n), g: make([]float64, gLen(p.kind, n, p.m)),
		gb: make([]float64, gLen(p.kind, n, p.m)), y: make([]float64, n)}
}

func (s *milstein) step(t, h float64, y, dw, _, out []float64) {
	p := s.p
	p.drift(t, y, s.f)
	p.diff(t, y, s.g)
	for i, v := range s.f {
		out[i] = y[i] + h*v
	}
	addNoise(p.kind, p.n, p.m, s.g, dw, out)
	switch {
	case p.kind == Additive:
		// ∂g/∂y = 0: Milstein is Euler–Maruyama.
	case p.kind == Diagonal && p.dg != nil:
		p.dg(t, y, s.gb)
		for i := range out {
			out[i] += 0.5 * s.g[i] * s.gb[i] * (dw[i]*dw[i] - h)
		}
	default:
		// Runge–Kutta Milstein (Kloeden–Platen 11.1.7):
		// ȳ = y + f h + g √h, correction (g(ȳ) − g(y)) (ΔW² − h) / (2√h).
		sq := math.Sqrt(h)
		for i := range s.y {
			s.y[i] = y[i] + h*s.f[i] + sq*s.g[i]
		}
		p.diff(t, s.y, s.gb)
		c := 0.5 / sq
		if p.kind == Scalar {
			q := dw[0]*dw[0] - h
			for i := range out {
				out[i] += c * (s.gb[i] - s.g[i]) * q
			}
			return
		}
		for i := range out {
			out[i] += c * (s.gb[i] - s.g[i]) * (dw[i]*dw[i] - h)
		}
	}
}
