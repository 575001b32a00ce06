package sde

func init() {
	register(MethodInfo{
		Name: MethodEulerHeun, Calculus: Stratonovich, StrongOrder: 1, WeakOrder: 1, Adaptive: true,
		Noise:       allKinds,
		Description: "Euler–Heun: Euler drift, trapezoidal (Heun) diffusion",
		newStepper:  func(p *problem) stepper { return newHeunLike(p, false) },
	})
	register(MethodInfo{
		Name: MethodHeun, Calculus: Stratonovich, StrongOrder: 1, WeakOrder: 1, Adaptive: true,
		Noise:       allKinds,
		Description: "stochastic Heun: trapezoidal drift and diffusion",
		newStepper:  func(p *problem) stepper { return newHeunLike(p, true) },
	})
	register(MethodInfo{
		Name: MethodMidpoint, Calculus: Stratonovich, StrongOrder: 1, WeakOrder: 1, Adaptive: true,
		Noise:       allKinds,
		Description: "stochastic midpoint: drift and diffusion at ỹ = y + ½(f h + g ΔW)",
		newStepper:  func(p *problem) stepper { return newMidpoint(p) },
	})
}

type heunLike struct {
	p            *problem
	full         bool // trapezoidal drift too (Heun); Euler drift otherwise
	f, f1, g, g1 []float64
	ytil         []float64
}

func newHeunLike(p *problem, full bool) *heunLike {
	n, gl := p.n, gLen(p.kind, p.n, p.m)
	return &heunLike{p: p, full: full, f: make([]float64, n), f1: make([]float64, n),
		g: make([]float64, gl), g1: make([]float64, gl), ytil: make([]float64, n)}
}

func (s *heunLike) step(t, h float64, y, dw, _, out []float64) {
	p := s.p
	p.drift(t, y, s.f)
	p.diff(t, y, s.g)
	copy(s.ytil, y)
	if s.full {
		for i, v := range s.f {
			s.ytil[i] += h * v
		}
	}
	addNoise(p.kind, p.n, p.m, s.g, dw, s.ytil)
	p.diff(t+h, s.ytil, s.g1)
	if s.full {
		p.drift(t+h, s.ytil, s.f1)
		for i := range out {
			out[i] = y[i] + 0.5*h*(s.f[i]+s.f1[i])
		}
	} else {
		for i := range out {
			out[i] = y[i] + h*s.f[i]
		}
	}
	for i := range s.g {
		s.g[i] = 0.5 * (s.g[i] + s.g1[i])
	}
	addNoise(p.kind, p.n, p.m, s.g, dw, out)
}

type midpoint struct {
	p       *problem
	f, g    []float64
	ytil, z []float64
}

func newMidpoint(p *problem) *midpoint {
	n, gl := p.n, gLen(p.kind, p.n, p.m)
	return &midpoint{p: p, f: make([]float64, n), g: make([]float64, gl),
		ytil: make([]float64, n), z: make([]float64, p.m)}
}

func (s *midpoint) step(t, h float64, y, dw, _, out []float64) {
	p := s.p
	p.drift(t, y, s.f)
	p.diff(t, y, s.g)
	for i, v := range s.f {
		s.ytil[i] = y[i] + 0.5*h*v
	}
	for j := range s.z {
		s.z[j] = 0.5 * dw[j]
	}
	addNoise(p.kind, p.n, p.m, s.g, s.z, s.ytil)
	th := t + 0.5*h
	p.drift(th, s.ytil, s.f)
	p.diff(th, s.ytil, s.g)
	for i, v := range s.f {
		out[i] = y[i] + h*v
	}
	addNoise(p.kind, p.n, p.m, s.g, dw, out)
}
