package sde

import (
	"fmt"
	"math"
)

// LossGrad gives the gradient of a loss L(y(ts[0]), …, y(ts[K−1])) with
// respect to the state at one save time: it writes ∂L/∂y(ts[k]) into a
// (len Dim) given the forward solution y = y(ts[k]). Gradient routines call
// it once per save time, from the last (k = K−1) to the first (k = 0), and
// must not be given a function that retains y or a.
type LossGrad func(k int, y, a []float64)

// AdjointOptions configure AdjointGradient and DiscreteGradient. A nil
// *AdjointOptions means reversible Heun with Dt = (t_end − t_0)/1000.
type AdjointOptions struct {
	// Method is the Stratonovich method of the forward and backward solves:
	// reversible_heun (the default), heun, midpoint or euler_heun for
	// AdjointGradient; euler (Itô), heun or reversible_heun for
	// DiscreteGradient.
	Method string
	// Dt is the fixed step; steps end on every save time, as in Solve.
	// Zero means (t_end − t_0)/1000.
	Dt float64
}

// adjointGrid is the step grid of a fixed-step gradient: steps run from
// grid[j] to grid[j+1]; save time k sits at grid[save[k]].
type adjointGrid struct {
	grid []float64
	save []int
}

func newAdjointGrid(ts []float64, dt float64) adjointGrid {
	steps := int((ts[len(ts)-1]-ts[0])/dt) + len(ts) + 1
	g := adjointGrid{grid: make([]float64, 1, steps+1), save: make([]int, len(ts))}
	g.grid[0] = ts[0]
	clk := fixedClock{t0: ts[0], dt: dt}
	t := ts[0]
	for k := 1; k < len(ts); k++ {
		for t < ts[k] {
			t = clk.next(ts[k])
			g.grid = append(g.grid, t)
		}
		g.save[k] = len(g.grid) - 1
	}
	return g
}

// checkGradientArgs validates the arguments shared by the gradient routines
// and returns the step grid.
func checkGradientArgs(sys Differentiable, y0, ts []float64, bm BrownianPath, dLdy LossGrad, gy0, gp []float64, opts *AdjointOptions, def string) (AdjointOptions, adjointGrid, error) {
	var o AdjointOptions
	if opts != nil {
		o = *opts
	}
	if o.Method == "" {
		o.Method = def
	}
	n, m := sys.Dim(), sys.NoiseDim()
	if len(y0) != n || len(gy0) != n || len(gp) != len(sys.Params()) {
		return o, adjointGrid{}, fmt.Errorf("%w: gradient needs len(y0) = len(gy0) = %d and len(gp) = %d", ErrDim, n, len(sys.Params()))
	}
	if dLdy == nil {
		return o, adjointGrid{}, fmt.Errorf("%w: nil loss gradient", ErrDim)
	}
	if err := checkTimes(ts); err != nil {
		return o, adjointGrid{}, err
	}
	t0, t1 := ts[0], ts[len(ts)-1]
	if o.Dt == 0 {
		o.Dt = (t1 - t0) / 1000
	}
	if !(o.Dt > 0) || math.IsInf(o.Dt, 0) {
		return o, adjointGrid{}, fmt.Errorf("%w (got %g)", ErrNoStep, o.Dt)
	}
	if bm == nil {
		return o, adjointGrid{}, fmt.Errorf("%w: gradients need the Brownian path of the solve", ErrPathSpan)
	}
	if a, b := bm.Span(); t0 < a || t1 > b {
		return o, adjointGrid{}, fmt.Errorf("%w: [%g, %g] not in [%g, %g]", ErrPathSpan, t0, t1, a, b)
	}
	if bm.Dim() != m {
		return o, adjointGrid{}, fmt.Errorf("%w: Brownian path has %d components, system needs %d", ErrDim, bm.Dim(), m)
	}
	if err := checkGrid(bm, o.Dt, ts); err != nil {
		return o, adjointGrid{}, err
	}
	k := sys.Noise()
	if (k == Diagonal && m != n) || (k == Scalar && m != 1) {
		return o, adjointGrid{}, fmt.Errorf("%w: %v noise with Dim %d and NoiseDim %d", ErrDim, k, n, m)
	}
	if float64(len(ts))+(t1-t0)/o.Dt > 1e8 {
		return o, adjointGrid{}, fmt.Errorf("%w: Dt %g gives more than 1e8 steps", ErrMaxSteps, o.Dt)
	}
	return o, newAdjointGrid(ts, o.Dt), nil
}

// AdjointGradient computes the gradient of a loss on the states at the save
// times ts of the SDE solution from y0, along the Brownian path bm, by the
// stochastic adjoint method of Li, Wong, Chen and Duvenaud (2020), "Scalable
// gradients for stochastic differential equations". The SDE is read in the
// Stratonovich sense: convert an Itô system first (ItoToStratonovich). gy0
// receives ∂L/∂y0 and gp ∂L/∂θ (len(Params())); dLdy supplies ∂L/∂y(ts[k]).
//
// In forward time the adjoint a(t) = ∂L/∂y(t) and the parameter adjoint
// a_θ solve the Stratonovich SDEs
//
//	da   = −(∂f/∂y)ᵀa dt − Σ_j (∂g_·j/∂y)ᵀa ∘ dW_j
//	da_θ = −(∂f/∂θ)ᵀa dt − Σ_j (∂g_·j/∂θ)ᵀa ∘ dW_j
//
// from a(t_end) = ∂L/∂y(t_end), a_θ(t_end) = 0 back to t_0, on the same
// Brownian path (queried backwards); at every earlier save time a jumps by
// ∂L/∂y(ts[k]). The backward solve needs y(t), which is obtained as follows.
//
// With heun, midpoint or euler_heun, y is solved backwards together with
// (a, a_θ) as one augmented Stratonovich SDE, with the same method and step,
// and reset to the forward solution at each save time (as torchsde does).
// Memory is O(Dim + len(Params()) + len(ts)·Dim) whatever the number of
// steps. The result is the exact gradient of the SDE solution up to an
// O(Dt) discretisation error (strong order 1 with commutative noise), so it
// differs from the discretise-then-optimise gradient of the forward solver
// (DiscreteGradient) by O(Dt) and converges to it as Dt → 0.
//
// With reversible_heun (the default) the forward state is reconstructed
// exactly (to rounding) with ReversibleHeun.StepBack, and the adjoint is
// advanced by the adjoint reversible Heun step of Kidger, Foster, Li and
// Lyons (2021), "Efficient and accurate gradients for neural SDEs", which
// is both a consistent discretisation of the adjoint SDE and the exact
// derivative of the forward reversible Heun solution: the gradient equals
// DiscreteGradient's to rounding at every Dt, with O(1) memory in the
// number of steps. Each step costs one drift, one diffusion and one VJP of
// each (against four of each for heun).
//
// Any noise kind is accepted; with general (non-commuting) noise the
// backward solve converges with strong order 0.5 only.
func AdjointGradient(sys Differentiable, y0, ts []float64, bm BrownianPath, dLdy LossGrad, gy0, gp []float64, opts *AdjointOptions) error {
	o, grid, err := checkGradientArgs(sys, y0, ts, bm, dLdy, gy0, gp, opts, MethodReversibleHeun)
	if err != nil {
		return err
	}
	switch o.Method {
	case MethodReversibleHeun:
		return adjointReversibleHeun(sys, y0, ts, bm, dLdy, gy0, gp, grid)
	case MethodHeun, MethodMidpoint, MethodEulerHeun:
		return adjointBacksolve(sys, o.Method, y0, ts, bm, dLdy, gy0, gp, grid)
	}
	return fmt.Errorf("%w %q for AdjointGradient (reversible_heun, heun, midpoint or euler_heun)", ErrUnknownMethod, o.Method)
}

func adjointReversibleHeun(sys Differentiable, y0, ts []float64, bm BrownianPath, dLdy LossGrad, gy0, gp []float64, grid adjointGrid) error {
	n, m, kind := sys.Dim(), sys.NoiseDim(), sys.Noise()
	gl := gLen(kind, n, m)
	g := grid.grid
	K := len(ts)
	ys := make([]float64, K*n)
	copy(ys, y0)
	dw := make([]float64, m)
	r := NewReversibleHeun(sys)
	r.Reset(g[0], y0)
	k := 1
	for j := 0; j+1 < len(g); j++ {
		bm.Increment(g[j], g[j+1], dw)
		r.Step(g[j+1]-g[j], dw)
		r.T = g[j+1]
		if !finite(r.Y) || !finite(r.YHat) {
			return &SolveError{Method: MethodReversibleHeun, T: g[j], H: g[j+1] - g[j], Path: -1, Err: ErrNonFinite}
		}
		if k < K && grid.save[k] == j+1 {
			copy(ys[k*n:(k+1)*n], r.Y)
			k++
		}
	}
	for i := range gp {
		gp[i] = 0
	}
	a, ay, ay2 := make([]float64, n), make([]float64, n), make([]float64, n)
	v, la := make([]float64, n), make([]float64, n)
	// ayh: adjoint of ŷ from later steps, without the pending products
	// J_f(ŷ)ᵀ pf and J_g(ŷ)ᵀ pb at the current ŷ, which are merged with the
	// next step's so each step costs one VJP of f and one of g.
	ayh, pf, pb, c := make([]float64, n), make([]float64, n), make([]float64, gl), make([]float64, n)
	k = K - 1
	dLdy(k, ys[k*n:(k+1)*n], a)
	k--
	for j := len(g) - 2; j >= 0; j-- {
		t, h := g[j+1], g[j+1]-g[j]
		bm.Increment(g[j], t, dw)
		for i := range pf {
			pf[i] += 0.5 * h * a[i]
		}
		for i := range pb {
			pb[i] += 0.5 * outerAt(kind, m, a, dw, i)
		}
		sys.VJP(t, r.YHat, pf, ay, gp)
		sys.DiffusionVJP(t, r.YHat, pb, ay2, gp)
		for i := range c {
			c[i] = ayh[i] + ay[i] + ay2[i]
		}
		for i := range a {
			pf[i] = h * (c[i] + 0.5*a[i])
			v[i] = c[i] + 0.5*a[i]
			a[i] += 2 * c[i]
			ayh[i] = -c[i]
		}
		noiseOuter(kind, n, m, v, dw, pb, 1)
		r.StepBack(h, dw)
		r.T = g[j]
		if k >= 0 && grid.save[k] == j {
			dLdy(k, ys[k*n:(k+1)*n], la)
			for i := range a {
				a[i] += la[i]
			}
			k--
		}
	}
	sys.VJP(g[0], r.YHat, pf, ay, gp)
	sys.DiffusionVJP(g[0], r.YHat, pb, ay2, gp)
	for i := range gy0 {
		gy0[i] = a[i] + ayh[i] + ay[i] + ay2[i]
	}
	return nil
}

// outerAt is entry i (in g's layout) of a ⊗ dw for the noise kind.
func outerAt(k NoiseKind, m int, a, dw []float64, i int) float64 {
	switch k {
	case Diagonal:
		return a[i] * dw[i]
	case Scalar:
		return a[i] * dw[0]
	}
	return a[i/m] * dw[i%m]
}

// augmented is the adjoint system of AdjointGradient's backsolve: the state
// u = (y, a, a_θ) and its Stratonovich increment over a step.
type augmented struct {
	sys     Differentiable
	n, m, P int
	kind    NoiseKind
	f, g, b []float64
	ap      []float64
}

func newAugmented(sys Differentiable) *augmented {
	n, m, k := sys.Dim(), sys.NoiseDim(), sys.Noise()
	gl := gLen(k, n, m)
	P := len(sys.Params())
	return &augmented{sys: sys, n: n, m: m, P: P, kind: k,
		f: make([]float64, n), g: make([]float64, gl), b: make([]float64, gl), ap: make([]float64, P)}
}

// inc writes into out the increment F(t, u)·h + G(t, u)·dw of the
// augmented forward-time system: out_y = f h + g dw, out_a = −(aᵀ∂f/∂y h +
// aᵀ∂g/∂y dw), out_θ = −(aᵀ∂f/∂θ h + aᵀ∂g/∂θ dw). A backward step calls it
// with negative h and dw.
func (s *augmented) inc(t float64, u []float64, h float64, dw, out []float64) {
	n := s.n
	y, a := u[:n], u[n:2*n]
	oy, oa, op := out[:n], out[n:2*n], out[2*n:]
	s.sys.Func(t, y, s.f)
	s.sys.Diffusion(t, y, s.g)
	for i := range oy {
		oy[i] = h * s.f[i]
	}
	addNoise(s.kind, n, s.m, s.g, dw, oy)
	for i := range s.ap {
		s.ap[i] = 0
	}
	// oa (len n) doubles as the scaled cotangent h·a of the drift.
	for i := range oa {
		oa[i] = h * a[i]
	}
	tmp := s.f // f is no longer needed
	s.sys.VJP(t, y, oa, tmp, s.ap)
	noiseOuter(s.kind, n, s.m, a, dw, s.b, 1)
	s.sys.DiffusionVJP(t, y, s.b, oa, s.ap)
	for i := range oa {
		oa[i] = -(oa[i] + tmp[i])
	}
	for i, v := range s.ap {
		op[i] = -v
	}
}

func adjointBacksolve(sys Differentiable, method string, y0, ts []float64, bm BrownianPath, dLdy LossGrad, gy0, gp []float64, grid adjointGrid) error {
	n, m := sys.Dim(), sys.NoiseDim()
	g := grid.grid
	K := len(ts)
	info, _ := Lookup(method)
	p := newProblem(sys)
	st := info.newStepper(p)
	ys := make([]float64, K*n)
	copy(ys, y0)
	y, yn := append([]float64(nil), y0...), make([]float64, n)
	dw := make([]float64, m)
	k := 1
	for j := 0; j+1 < len(g); j++ {
		bm.Increment(g[j], g[j+1], dw)
		st.step(g[j], g[j+1]-g[j], y, dw, nil, yn)
		if !finite(yn) {
			return &SolveError{Method: method, T: g[j], H: g[j+1] - g[j], Path: -1, Err: ErrNonFinite}
		}
		y, yn = yn, y
		if k < K && grid.save[k] == j+1 {
			copy(ys[k*n:(k+1)*n], y)
			k++
		}
	}
	aug := newAugmented(sys)
	L := 2*n + aug.P
	u, ut, k1, k2 := make([]float64, L), make([]float64, L), make([]float64, L), make([]float64, L)
	nd, la := make([]float64, m), make([]float64, n)
	k = K - 1
	copy(u[:n], ys[k*n:(k+1)*n])
	dLdy(k, ys[k*n:(k+1)*n], u[n:2*n])
	k--
	for j := len(g) - 2; j >= 0; j-- {
		t1, t0 := g[j+1], g[j]
		h := t1 - t0
		bm.Increment(t0, t1, dw)
		switch method {
		case MethodHeun:
			for i := range nd {
				nd[i] = -dw[i]
			}
			aug.inc(t1, u, -h, nd, k1)
			for i := range ut {
				ut[i] = u[i] + k1[i]
			}
			aug.inc(t0, ut, -h, nd, k2)
			for i := range u {
				u[i] += 0.5 * (k1[i] + k2[i])
			}
		case MethodEulerHeun:
			// Euler drift, trapezoidal diffusion: k2 (h = 0) is the
			// diffusion part alone, k1 − k2 the drift part.
			for i := range nd {
				nd[i] = -dw[i]
			}
			aug.inc(t1, u, -h, nd, k1)
			aug.inc(t1, u, 0, nd, k2)
			for i := range ut {
				ut[i] = u[i] + k2[i]
				u[i] += k1[i] - 0.5*k2[i]
			}
			aug.inc(t0, ut, 0, nd, k2)
			for i := range u {
				u[i] += 0.5 * k2[i]
			}
		case MethodMidpoint:
			for i := range nd {
				nd[i] = -0.5 * dw[i]
			}
			aug.inc(t1, u, -0.5*h, nd, k1)
			for i := range ut {
				ut[i] = u[i] + k1[i]
			}
			for i := range nd {
				nd[i] = -dw[i]
			}
			aug.inc(t1-0.5*h, ut, -h, nd, k2)
			for i := range u {
				u[i] += k2[i]
			}
		}
		if !finite(u) {
			return &SolveError{Method: method, T: t1, H: -h, Path: -1, Err: ErrNonFinite}
		}
		if k >= 0 && grid.save[k] == j {
			copy(u[:n], ys[k*n:(k+1)*n])
			dLdy(k, ys[k*n:(k+1)*n], la)
			for i := range la {
				u[n+i] += la[i]
			}
			k--
		}
	}
	copy(gy0, u[n:2*n])
	copy(gp, u[2*n:])
	return nil
}
