package sde

func init() {
	register(MethodInfo{
		Name: MethodReversibleHeun, Calculus: Stratonovich, StrongOrder: 1, WeakOrder: 1,
		Noise:       allKinds,
		Description: "reversible Heun (Kidger et al. 2021): one drift and one diffusion evaluation per step, algebraically reversible; strong order 1 with commutative noise (measured on diagonal GBM and additive noise), 0.5 in general",
		newStepper:  func(p *problem) stepper { return newReversibleHeun(p) },
	})
}

// ReversibleHeun is the algebraically reversible Heun method of Kidger,
// Foster, Li and Lyons (2021), "Efficient and accurate gradients for neural
// SDEs". Besides the solution y it carries an auxiliary state ŷ and the drift
// and diffusion evaluated at ŷ; a step
//
//	ŷ' = 2y − ŷ + f(ŷ) h + g(ŷ) ΔW
//	y' = y + ½(f(ŷ) + f(ŷ')) h + ½(g(ŷ) + g(ŷ')) ΔW
//
// can be undone exactly (up to rounding) by StepBack, so a backward pass can
// reconstruct the forward trajectory without storing it. It is a
// Stratonovich method and needs one drift and one diffusion evaluation per
// step in either direction.
type ReversibleHeun struct {
	// T is the current time; Y, YHat the solution and auxiliary states;
	// F = f(T, YHat) and G = g(T, YHat).
	T          float64
	Y, YHat    []float64
	F, G       []float64
	p          *problem
	yh, f1, g1 []float64
}

// NewReversibleHeun returns a reversible Heun integrator for sys. Call Reset
// before stepping.
func NewReversibleHeun(sys System) *ReversibleHeun { return newReversibleHeun(newProblem(sys)) }

func newReversibleHeun(p *problem) *ReversibleHeun {
	n, gl := p.n, gLen(p.kind, p.n, p.m)
	return &ReversibleHeun{p: p, Y: make([]float64, n), YHat: make([]float64, n),
		F: make([]float64, n), G: make([]float64, gl), yh: make([]float64, n),
		f1: make([]float64, n), g1: make([]float64, gl)}
}

// Reset starts a trajectory at (t, y0): Y = YHat = y0.
func (r *ReversibleHeun) Reset(t float64, y0 []float64) {
	r.T = t
	copy(r.Y, y0)
	copy(r.YHat, y0)
	r.p.drift(t, r.YHat, r.F)
	r.p.diff(t, r.YHat, r.G)
}

func (r *ReversibleHeun) reset(t float64, y []float64) { r.Reset(t, y) }

// Step advances from T to T+h with dw = W(T+h) − W(T).
func (r *ReversibleHeun) Step(h float64, dw []float64) {
	p := r.p
	for i := range r.yh {
		r.yh[i] = 2*r.Y[i] - r.YHat[i] + h*r.F[i]
	}
	addNoise(p.kind, p.n, p.m, r.G, dw, r.yh)
	t1 := r.T + h
	p.drift(t1, r.yh, r.f1)
	p.diff(t1, r.yh, r.g1)
	for i := range r.Y {
		r.Y[i] += 0.5 * h * (r.F[i] + r.f1[i])
	}
	for i := range r.G {
		r.G[i] = 0.5 * (r.G[i] + r.g1[i])
	}
	addNoise(p.kind, p.n, p.m, r.G, dw, r.Y)
	r.T = t1
	r.YHat, r.yh = r.yh, r.YHat
	r.F, r.f1 = r.f1, r.F
	r.G, r.g1 = r.g1, r.G
}

// StepBack undoes a step of size h that ended at T: dw is the increment of
// that step, W(T) − W(T−h). Afterwards T, Y, YHat, F and G are what they were
// before the forward step, up to rounding.
func (r *ReversibleHeun) StepBack(h float64, dw []float64) {
	p := r.p
	for i := range r.yh {
		r.yh[i] = 2*r.Y[i] - r.YHat[i] - h*r.F[i]
	}
	for i := range r.g1 {
		r.g1[i] = -r.G[i]
	}
	addNoise(p.kind, p.n, p.m, r.g1, dw, r.yh)
	t0 := r.T - h
	p.drift(t0, r.yh, r.f1)
	p.diff(t0, r.yh, r.g1)
	for i := range r.Y {
		r.Y[i] -= 0.5 * h * (r.F[i] + r.f1[i])
	}
	for i := range r.G {
		r.G[i] = -0.5 * (r.G[i] + r.g1[i])
	}
	addNoise(p.kind, p.n, p.m, r.G, dw, r.Y)
	r.T = t0
	r.YHat, r.yh = r.yh, r.YHat
	r.F, r.f1 = r.f1, r.F
	r.G, r.g1 = r.g1, r.G
}

// step implements stepper for Solve (fixed step only): y must be the
// previous output.
func (r *ReversibleHeun) step(t, h float64, _, dw, _, out []float64) {
	r.Step(h, dw)
	copy(out, r.Y)
}
